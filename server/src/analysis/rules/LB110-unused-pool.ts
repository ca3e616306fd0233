import type { Rule } from '../rule';

/**
 * LB110 — a pool is defined but no route uses it. Only in a closed world, and never while a route with a
 * run-time target (`use_backend %[…]`, `proxy_pass http://$up`) could pick any pool of that namespace.
 * A named definition that is not a pool (a Traefik weighted or mirroring service) is unused when neither a route
 * nor another service names it.
 */
export const LB110: Rule = {
  meta: { id: 'LB110', name: 'unused-pool', title: 'A pool is defined but no route uses it', defaultSeverity: 'hint' },
  check(ctx) {
    if (!ctx.model.closedWorld) return;
    const dynamicEntries = new Set(ctx.model.routes.filter((r) => r.target.kind === 'dynamic').map((r) => r.entryId));
    const dynamicNamespaces = new Set([...dynamicEntries].map((id) => ctx.index.entryById.get(id)?.namespace));
    const mentioned = new Set(ctx.model.mentions.map((m) => `${m.namespace}\u0000${m.name}`));
    for (const pool of ctx.model.pools) {
      if (pool.synthesized || pool.referencedElsewhere || pool.notATrafficPool) continue;
      if (ctx.index.routesByPool.has(pool.id)) continue;
      if (dynamicNamespaces.has(pool.namespace)) continue;
      if (mentioned.has(`${pool.namespace}\u0000${pool.name}`)) continue;
      ctx.report({
        source: pool.nameSource,
        tags: ['unnecessary'],
        message: `"${pool.name}" is defined but no route sends traffic to it.`,
        data: { poolId: pool.id },
      });
    }
    // A named definition (a Traefik weighted service) is used when anything names it: a route target, or a
    // mention (the router or the other service naming it).
    const definitions = ctx.model.definitions ?? [];
    if (!definitions.length) return;
    for (const r of ctx.model.routes) {
      const t = r.target;
      for (const ref of t.kind === 'pool' ? [t] : t.kind === 'split' ? t.parts : []) mentioned.add(`${ref.namespace}\u0000${ref.name}`);
    }
    for (const def of definitions) {
      if (def.referencedElsewhere || dynamicNamespaces.has(def.namespace)) continue;
      if (mentioned.has(`${def.namespace}\u0000${def.name}`)) continue;
      ctx.report({
        source: def.nameSource,
        tags: ['unnecessary'],
        message: `"${def.name}" is defined but no route sends traffic to it.`,
        data: { definition: def.name },
      });
    }
  },
};
