import type { Rule } from '../rule';

/**
 * LB107 — a pool with two or more servers where some server has neither active nor passive health checking,
 * so it keeps receiving its share after it died. What counts as checking is the format's call (nginx has
 * passive checks unless `max_fails=0`; HAProxy needs `check` on the server).
 */
export const LB107: Rule = {
  meta: { id: 'LB107', name: 'no-health-check', title: 'A pool has no health checking', defaultSeverity: 'warning' },
  check(ctx) {
    for (const pool of ctx.model.pools) {
      if (pool.synthesized || pool.notATrafficPool || pool.servers.length < 2) continue;
      if (pool.healthCheck.active || pool.healthCheck.passive) continue;
      const unchecked = pool.servers.filter((s) => !s.healthCheck?.active && !s.healthCheck?.passive);
      if (unchecked.length === 0) continue;
      const all = unchecked.length === pool.servers.length;
      const names = unchecked.slice(0, 5).map((s) => s.name ?? s.address).join(', ') + (unchecked.length > 5 ? ', …' : '');
      ctx.report({
        source: pool.nameSource,
        message:
          (all
            ? `"${pool.name}" balances over ${pool.servers.length} servers without health checks`
            : `${unchecked.length} of the ${pool.servers.length} servers of "${pool.name}" have no health check (${names})`) +
          ': a failed server keeps receiving its share of requests.' +
          (pool.healthCheck.detail ? ` ${pool.healthCheck.detail}` : ''),
        related: all ? undefined : unchecked.map((s) => ({ message: 'no health check', source: s.source })),
        data: { poolId: pool.id, serverIds: unchecked.map((s) => s.id) },
      });
    }
  },
};
