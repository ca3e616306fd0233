import type { Route } from '../../model/types';
import type { Rule } from '../rule';

const matchKey = (r: Route) =>
  r.match.map((c) => `${c.field}|${c.op}|${c.flags ?? ''}|${c.negated ? '!' : ''}${c.value}`).sort().join('&');

/**
 * LB111 — conflicting definitions: two pools with one name, two rules with one priority, or two rules with
 * the same match where the product looks rules up by match (nginx `duplicate location`).
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
