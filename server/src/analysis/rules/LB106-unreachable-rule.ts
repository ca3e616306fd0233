import type { MatchCondition, Route } from '../../model/types';
import type { Rule } from '../rule';

/** Regular expressions that match every request path (nginx `location ~ /`, `~ .*`). */
const MATCH_ALL_REGEX = new Set(['', '.*', '^.*', '.*$', '^.*$', '.', '.+', '^.+', '/', '^/', '^/.*', '(.*)', '^(.*)$']);

const sameCondition = (a: MatchCondition, b: MatchCondition) =>
  a.field === b.field && a.op === b.op && a.value === b.value && (a.flags ?? '') === (b.flags ?? '') && !!a.negated === !!b.negated;

/** True when every request that satisfies `later` also satisfies condition `c`. */
function implies(later: MatchCondition[], c: MatchCondition): boolean {
  if (c.op === 'regex' && !c.negated && c.field === 'path' && MATCH_ALL_REGEX.has(c.value)) return true;
  return later.some((l) => {
    if (sameCondition(l, c)) return true;
    if (l.field !== c.field || !!l.negated || !!c.negated) return false;
    if (c.op === 'prefix' && (l.op === 'prefix' || l.op === 'exact')) return l.value.startsWith(c.value);
    if (c.op === 'exact' && l.op === 'exact') return l.value === c.value;
    return false;
  });
}

/** True when `earlier` takes every request `later` could match. */
export function covers(earlier: Route, later: Route): boolean {
  return earlier.match.every((c) => implies(later.match, c));
}

const groupKey = (entryId: string, group: string) => `${entryId}\u0000${group}`;

/**
 * LB106 — a rule can never match: in a first-match group (HAProxy `use_backend`, nginx regex locations,
 * priority-ordered rules) an earlier rule matches every request this one would; or a group consulted first
 * (`evaluation.preemptedBy`: nginx regex locations before plain prefix locations) has a rule that does.
 */
export const LB106: Rule = {
  meta: { id: 'LB106', name: 'unreachable-rule', title: 'A rule can never match', defaultSeverity: 'warning' },
  check(ctx) {
    const groups = new Map<string, Route[]>();
    for (const r of ctx.model.routes) {
      if (r.evaluation.strategy !== 'first-match') continue;
      const k = groupKey(r.entryId, r.evaluation.group);
      const list = groups.get(k);
      if (list) list.push(r);
      else groups.set(k, [r]);
    }
    for (const routes of groups.values()) routes.sort((a, b) => a.evaluation.index - b.evaluation.index);

    const report = (later: Route, earlier: Route) => {
      const line = earlier.source.range.start.line + 1;
      ctx.report({
        source: later.source,
        tags: ['unnecessary'],
        message: `${later.name} can never match: ${earlier.name} (line ${line}) takes all its requests first.`,
        related: [{ message: `${earlier.name} matches first`, source: earlier.source }],
        data: { routeId: later.id, shadowedBy: earlier.id },
      });
    };

    for (const r of ctx.model.routes) {
      let shadow: Route | undefined;
      if (r.evaluation.preemptedBy) {
        shadow = groups.get(groupKey(r.entryId, r.evaluation.preemptedBy))?.find((e) => e !== r && covers(e, r));
      }
      if (!shadow && r.evaluation.strategy === 'first-match') {
        const siblings = groups.get(groupKey(r.entryId, r.evaluation.group))!;
        shadow = firstCovering(siblings, r);
      }
      if (shadow) report(r, shadow);
    }
  },
};

/**
 * The earliest sibling before `later` that covers it. Unconditional siblings are found without a scan, so a
 * frontend with thousands of rules stays linear in the common case.
 */
function firstCovering(siblings: Route[], later: Route): Route | undefined {
  for (const e of siblings) {
    if (e === later || e.evaluation.index >= later.evaluation.index) return undefined;
    if (covers(e, later)) return e;
  }
  return undefined;
}
