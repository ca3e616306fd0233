import { splitHostPort } from '../../model/address';
import type { Rule } from '../rule';
import { closest } from './util';

/**
 * LB103 — a route names a pool that is not defined. Only in a closed world (the whole configuration was
 * seen): a fragment may use pools defined in files that include it. "Did you mean" suggests pools and named
 * definitions (`TrafficModel.definitions`) of the namespace.
 *
 * A direct address whose host is a single word at most two edits away from a defined pool name
 * (`proxy_pass http://bakend` next to `upstream backend`) is most likely a typo too: reported as a warning.
 */
export const LB103: Rule = {
  meta: { id: 'LB103', name: 'undefined-reference', title: 'A route names a pool that is not defined', defaultSeverity: 'error' },
  check(ctx) {
    if (!ctx.model.closedWorld) return;
    for (const route of ctx.model.routes) {
      const t = route.target;
      const refs =
        t.kind === 'pool' ? [t] : t.kind === 'split' ? t.parts : [];
      for (const ref of refs) {
        // A named definition (a Traefik weighted service) is defined too: the format normally targets the pools
        // it reaches, but may stop at one (a chain too deep to follow).
        if (ctx.index.resolve(ref.name, ref.namespace, ref.poolId) || ctx.index.definitions(ref.name, ref.namespace).length) continue;
        const suggestion = closest(ref.name, ctx.index.poolNames(ref.namespace));
        ctx.report({
          source: ref.nameSource,
          message: `"${ref.name}" is not defined` + (suggestion ? `; did you mean "${suggestion}"?` : '.'),
          data: { routeId: route.id, name: ref.name, suggestion },
        });
      }
      if (t.kind === 'address') {
        const host = splitHostPort(t.address.replace(/^[a-z]+:\/\//i, '')).host;
        if (!/^[A-Za-z][\w-]{2,}$/.test(host) || host.toLowerCase() === 'localhost') continue;
        const names = ctx.index.poolNames(ctx.index.poolById.get(t.poolId)?.namespace ?? '');
        const pool = closest(host, names, 2);
        if (!pool || pool.toLowerCase() === host.toLowerCase()) continue;
        ctx.report({
          source: t.nameSource,
          severity: 'warning',
          message: `"${host}" is not a defined pool, so it is used as a host name; did you mean "${pool}"?`,
          data: { routeId: route.id, name: host, suggestion: pool },
        });
      }
    }
  },
};
