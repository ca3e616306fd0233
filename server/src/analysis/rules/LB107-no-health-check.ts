import type { Rule } from '../rule';

/**
 * LB107 — a pool with two or more servers has neither active nor passive health checking, so a dead server
 * keeps receiving its share. What counts as checking is the format's call (nginx has passive checks unless
 * `max_fails=0`; HAProxy needs `check` on the servers).
 */
export const LB107: Rule = {
  meta: { id: 'LB107', name: 'no-health-check', title: 'A pool has no health checking', defaultSeverity: 'warning' },
  check(ctx) {
    for (const pool of ctx.model.pools) {
      if (pool.synthesized || pool.notATrafficPool || pool.servers.length < 2) continue;
      if (pool.healthCheck.active || pool.healthCheck.passive) continue;
      if (pool.servers.some((s) => s.healthCheck?.active || s.healthCheck?.passive)) continue;
      ctx.report({
        source: pool.nameSource,
        message:
          `"${pool.name}" balances over ${pool.servers.length} servers without health checks: ` +
          'a failed server keeps receiving its share of requests.' +
          (pool.healthCheck.detail ? ` ${pool.healthCheck.detail}` : ''),
        data: { poolId: pool.id },
      });
    }
  },
};
