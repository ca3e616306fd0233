import type { Rule } from '../rule';
import { isConcreteServer, pct, poolRelated, routeAnchor, serverDistribution, serverLabel } from './util';

/** LB102 — one server receives at least the skew threshold (default 80%) of a route's traffic while others also get some. */
export const LB102: Rule = {
  meta: {
    id: 'LB102',
    name: 'skewed-share',
    title: "One server receives most of a route's traffic",
    defaultSeverity: 'warning',
    options: { threshold: 0.8 },
  },
  check(ctx) {
    // A threshold outside (0.5, 1] would flag every even split or nothing at all: keep the default then.
    const configured = ctx.options.threshold;
    const threshold = configured !== undefined && configured > 0.5 && configured <= 1 ? configured : 0.8;
    for (const route of ctx.model.routes) {
      const d = serverDistribution(ctx.distributions.get(route.id));
      if (!d || d.served <= 0) continue;
      if (d.pools.some((p) => p.shareModel === 'first')) continue;
      // Cheap pre-checks without allocating: at least two servers receive, and the largest share reaches the threshold.
      let count = 0;
      let max = 0;
      for (const s of d.shares) {
        if (!(s.share > 0)) continue;
        count++;
        if (s.share > max) max = s.share;
      }
      if (count < 2 || max + 1e-9 < threshold) continue;
      const receiving = d.shares.filter((s) => s.share > 0);
      if (receiving.length < 2 || !receiving.every((s) => isConcreteServer(s.server))) continue;
      const top = receiving.reduce((a, b) => (b.share > a.share ? b : a));
      // Compare with a little tolerance so that 4/5 = 0.8 counts as reaching an 80% threshold.
      if (top.share + 1e-9 < threshold) continue;
      const others = receiving.filter((s) => s !== top).map((s) => `${serverLabel(s.server)} ${pct(s.share)}`).join(', ');
      ctx.report({
        source: routeAnchor(route),
        message:
          `${serverLabel(top.server)} receives ${pct(top.share)} of ${route.name} (threshold ${pct(threshold)}); ` +
          `the others get ${others}.`,
        related: [...d.pools.map(poolRelated), { message: `${serverLabel(top.server)} (weight ${top.server.weight})`, source: top.server.source }],
        data: { routeId: route.id, poolId: top.pool.id, serverIds: [top.server.id] },
      });
    }
  },
};
