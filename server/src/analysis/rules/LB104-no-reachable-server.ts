import type { Rule } from '../rule';
import { idleReason, poolRelated, routeAnchor, serverLabel } from './util';

/** LB104 — a route can reach no server at all: an empty pool, every server down or disabled, all weights 0. */
export const LB104: Rule = {
  meta: { id: 'LB104', name: 'no-reachable-server', title: 'A route can reach no server', defaultSeverity: 'error' },
  check(ctx) {
    for (const route of ctx.model.routes) {
      const d = ctx.distributions.get(route.id);
      if (!d || d.kind !== 'servers' || d.served > 0) continue;
      if (d.pools.some((p) => p.dynamicServers)) continue;
      const servers = d.shares.map((s) => s.server);
      const why =
        servers.length === 0
          ? `${d.pools.map((p) => `"${p.name}"`).join(' + ')} has no servers`
          : `every server is unavailable (${servers.map((s) => `${serverLabel(s)}: ${idleReason(s)}`).join(', ')})`;
      ctx.report({
        source: routeAnchor(route),
        message: `${route.name} can reach no server: ${why}.`,
        related: [...d.pools.map(poolRelated), ...servers.map((s) => ({ message: idleReason(s), source: s.source }))],
        data: { routeId: route.id, poolId: d.pools[0]?.id, serverIds: servers.map((s) => s.id) },
      });
    }
  },
};
