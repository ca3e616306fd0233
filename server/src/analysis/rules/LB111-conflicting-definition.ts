import type { Route } from '../../model/types';
import type { Rule } from '../rule';

const matchKey = (r: Route) =>
  r.match.map((c) => `${c.field}|${c.op}|${c.flags ?? ''}|${c.negated ? '!' : ''}${c.value}`).sort().join('&');

/**
 * LB111 — conflicting definitions: two pools with one name, two rules with one priority, two rules with the
 * same match where the product looks rules up by match (nginx `duplicate location`), or a definition a later one
 * replaces (a Kubernetes object written twice in one file).
 */
export const LB111: Rule = {
  meta: { id: 'LB111', name: 'conflicting-definition', title: 'Two definitions conflict', defaultSeverity: 'error' },
  check(ctx) {
    for (const pools of ctx.index.poolsByName.values()) {
      for (const dup of pools.slice(1)) {
        ctx.report({
          source: dup.nameSource,
          message: `"${dup.name}" is defined more than once (first at line ${pools[0].nameSource.range.start.line + 1}); the load balancer rejects or ignores the duplicate.`,
          related: [{ message: 'first definition', source: pools[0].nameSource }],
          data: { poolId: dup.id },
        });
      }
    }
    for (const d of ctx.model.superseded ?? []) {
      const where = d.by.uri === d.source.uri ? `line ${d.by.range.start.line + 1}` : `${d.by.uri.slice(d.by.uri.lastIndexOf('/') + 1)}:${d.by.range.start.line + 1}`;
      ctx.report({
        source: d.source,
        // The product takes it (the later definition replaces this one): a warning, not a rejected file.
        severity: 'warning',
        message: d.keeps === 'later'
          ? `${d.name} is defined again at ${where}; only that later definition takes effect, this one is replaced.`
          : `${d.name} is already defined at ${where}; that first definition takes effect and this one is ignored.`,
        related: [{ message: 'the definition that takes effect', source: d.by }],
      });
    }
    const seen = new Map<string, Route>();
    for (const r of ctx.model.routes) {
      const scope = `${r.entryId}\u0000${r.evaluation.group}`;
      const keys: Array<[string, string]> = [];
      if (r.priority !== undefined) keys.push([`${scope}\u0000p${r.priority}`, `priority ${r.priority}`]);
      // Only where the product looks rules up by match: sequential lists (first-match, last-match `if`s) may repeat one.
      if (r.evaluation.strategy === 'exact' || r.evaluation.strategy === 'longest-prefix') keys.push([`${scope}\u0000m${matchKey(r)}`, `match ${r.matchText}`]);
      for (const [k, what] of keys) {
        const first = seen.get(k);
        if (!first) {
          seen.set(k, r);
          continue;
        }
        ctx.report({
          source: r.source,
          message: `${r.name} has the same ${what} as ${first.name} (line ${first.source.range.start.line + 1}).`,
          related: [{ message: 'first defined here', source: first.source }],
          data: { routeId: r.id, conflictsWith: first.id },
        });
      }
    }
  },
};
