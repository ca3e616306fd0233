import type { ServerShare } from '../distribution';
import type { Rule } from '../rule';
import { idleReason, isConcreteServer, pct, poolRelated, routeAnchor, serverDistribution, serverLabel } from './util';

/**
 * LB101 — all of a route's traffic reaches one server although its pool defines several: the others are
 * weight 0, down, disabled or backup. This is the incident lb-lens exists for.
 *
 * When every idle server is a usable backup (an active/passive pair), the finding is information only: the
 * backups do take over when the primary fails, but while it is up it carries 100% of the load.
 */
export const LB101: Rule = {
  meta: {
    id: 'LB101',
    name: 'single-target',
    title: "All of a route's traffic reaches one server although its pool defines several",
    defaultSeverity: 'error',
  },
  check(ctx) {
    for (const route of ctx.model.routes) {
      const d = serverDistribution(ctx.distributions.get(route.id));
      if (!d || d.served <= 0) continue;
      if (d.pools.some((p) => p.shareModel === 'first' || p.dynamicServers)) continue;
      if (!d.shares.every((s) => isConcreteServer(s.server))) continue;
      if (d.shares.length < 2) continue;
      let only: ServerShare | undefined;
      let receiving = 0;
      for (const s of d.shares) {
        if (s.share > 0 && receiving++ === 0) only = s;
      }
      if (receiving !== 1 || !only) continue;
      const idle = d.shares.filter((s) => s.share === 0);
      const onlyBackups = idle.every((s) => s.server.state === 'backup' && s.server.weight > 0);
      const reasons = idle.map((s) => `${serverLabel(s.server)} is ${idleReason(s.server)}`).join(', ');
      const poolNames = d.pools.map((p) => `"${p.name}"`).join(' + ');
      ctx.report({
        source: routeAnchor(route),
        severity: onlyBackups && only.server.state === 'active' ? 'info' : undefined,
        message:
          `All traffic of ${route.name} goes to one server, ${serverLabel(only.server)} (${pct(only.share)}), ` +
          `although ${poolNames} defines ${d.shares.length}: ${reasons}.` +
          (onlyBackups && only.server.state === 'active' ? ' The backups only take over when it fails.' : ''),
        related: [
          ...d.pools.map(poolRelated),
          ...idle.map((s) => ({ message: `${serverLabel(s.server)}: ${idleReason(s.server)}`, source: s.server.source })),
        ],
        data: { routeId: route.id, poolId: d.pools[0]?.id, serverIds: idle.map((s) => s.server.id) },
      });
    }
  },
};
