import type { Rule } from '../rule';
import { pct, routeAnchor, serverDistribution, serverLabel } from './util';

/**
 * LB108 — a route is served by one server with nothing to take over: a warning on the catch-all route,
 * information elsewhere. Local processes (loopback, unix sockets), logical services, and DNS names the
 * product expands into several servers are not counted as a single machine.
 */
export const LB108: Rule = {
  meta: { id: 'LB108', name: 'no-redundancy', title: 'A route is served by a single server', defaultSeverity: 'info' },
  check(ctx) {
    for (const route of ctx.model.routes) {
      const d = serverDistribution(ctx.distributions.get(route.id));
      if (!d || d.served <= 0 || d.shares.length !== 1) continue;
      if (d.pools.some((p) => p.dynamicServers)) continue;
      const only = d.shares[0].server;
      if (only.kind !== 'ip' && only.kind !== 'hostname') continue;
      if (only.mayBeMultiple) continue;
      ctx.report({
        source: routeAnchor(route),
        severity: route.catchAll ? 'warning' : undefined,
        message:
          `${route.name} is served by a single server, ${serverLabel(only)} (${pct(d.shares[0].share)}): ` +
          'no other server takes over when it fails.',
        related: [{ message: 'the only server', source: only.source }],
        data: { routeId: route.id, poolId: d.pools[0]?.id, serverIds: [only.id] },
      });
    }
  },
};
