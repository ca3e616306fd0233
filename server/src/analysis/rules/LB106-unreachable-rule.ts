import type { MatchCondition, Route } from '../../model/types';
import type { Rule } from '../rule';

/** Regular expressions that match every request path (nginx `location ~ /`, `~ .*`). */
const MATCH_ALL_REGEX = new Set(['', '.*', '^.*', '.*$', '^.*$', '.', '.+', '^.+', '/', '^/', '^/.*', '(.*)', '^(.*)$']);

const sameCondition = (a: MatchCondition, b: MatchCondition) =>
  a.field === b.field && a.op === b.op && a.value === b.value && (a.flags ?? '') === (b.flags ?? '') && !!a.negated === !!b.negated;

/** A condition every request satisfies. */
const matchesAll = (c: MatchCondition) => c.op === 'regex' && !c.negated && c.field === 'path' && MATCH_ALL_REGEX.has(c.value);

/** True when every request that satisfies `later` also satisfies condition `c`. */
function implies(later: MatchCondition[], c: MatchCondition): boolean {
  if (matchesAll(c)) return true;
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

/*
 * Lookup keys. `implies(later, c)` can only hold when `later` has a condition `l` related to `c` in one of
 * three ways, each with its own key, so candidates are found by key instead of by a scan of every sibling:
 * - `c` is non-negated `prefix`: some non-negated `prefix`/`exact` `l` on the same field starts with `c.value`
 *   (a same condition is such an `l` too) — key on field + value, looked up for every prefix of `l.value`;
 * - `c` is non-negated `exact`: a non-negated `exact` `l` on the same field with the same value (any flags);
 * - anything else (regex, opaque, negated): only an identical condition.
 */
const S = '\u0000';
const sameKey = (c: MatchCondition) => `s${S}${c.field}${S}${c.op}${S}${c.flags ?? ''}${S}${c.negated ? 1 : 0}${S}${c.value}`;
const exactKey = (field: string, value: string) => `e${S}${field}${S}${value}`;
const prefixKey = (field: string, value: string) => `p${S}${field}${S}${value}`;

function anchorKey(c: MatchCondition): string {
  if (!c.negated && c.op === 'prefix') return prefixKey(c.field, c.value);
  if (!c.negated && c.op === 'exact') return exactKey(c.field, c.value);
  return sameKey(c);
}

/** Every key under which a route whose conditions `later` implies may be filed. */
function impliedKeys(later: MatchCondition[]): string[] {
  const keys: string[] = [];
  for (const l of later) {
    keys.push(sameKey(l));
    if (l.negated || (l.op !== 'prefix' && l.op !== 'exact')) continue;
    if (l.op === 'exact') keys.push(exactKey(l.field, l.value));
    for (let n = 0; n <= l.value.length; n++) keys.push(prefixKey(l.field, l.value.slice(0, n)));
  }
  return keys;
}

/**
 * The routes of one first-match group in evaluation order, indexed so that "the earliest route that covers
 * this one" costs a few map lookups instead of a scan over every earlier route (a frontend with 20k
 * `use_backend` rules would otherwise take quadratic time).
 */
class GroupIndex {
  /** Routes whose conditions every request satisfies (no condition, or only match-all regexes), in order. */
  private readonly universal: Candidate[] = [];
  /** Other routes by the key of one of their conditions (the most selective), in evaluation order. */
  private readonly byKey = new Map<string, Candidate[]>();

  constructor(routes: Route[]) {
    routes.forEach((route, pos) => {
      let anchor: string | undefined;
      for (const c of route.match) {
        if (matchesAll(c)) continue;
        const key = anchorKey(c);
        // Prefer a condition that only an identical one implies: its bucket is the smallest.
        if (anchor === undefined || (anchor[0] !== 's' && key[0] === 's')) anchor = key;
      }
      if (anchor === undefined) {
        this.universal.push({ route, pos });
        return;
      }
      const list = this.byKey.get(anchor);
      if (list) list.push({ route, pos });
      else this.byKey.set(anchor, [{ route, pos }]);
    });
  }

  /**
   * The earliest route of the group other than `later` (and with an index below `before`, when given) that
   * covers `later` — what `routes.find(…)` over the sorted group would return. A route that covers `later` is
   * either universal or filed under one of `impliedKeys(later.match)`, so only those lists are looked at.
   */
  firstCovering(later: Route, before?: number): Route | undefined {
    let best = earliest(this.universal, later, before, undefined);
    for (const key of impliedKeys(later.match)) {
      const list = this.byKey.get(key);
      if (list) best = earliest(list, later, before, best);
    }
    return best?.route;
  }
}

interface Candidate {
  route: Route;
  /** Position in the group's evaluation order. */
  pos: number;
}

/** The first candidate of `list` (in order) that qualifies and covers `later`, if it comes before `best`. */
function earliest(list: Candidate[], later: Route, before: number | undefined, best: Candidate | undefined): Candidate | undefined {
  for (const c of list) {
    if (best && c.pos >= best.pos) break;
    if (before !== undefined && c.route.evaluation.index >= before) break;
    if (c.route !== later && covers(c.route, later)) return c;
  }
  return best;
}

/** Up to this many routes, a group is scanned rather than indexed (building the index costs more). */
const SCAN_LIMIT = 16;

const groupKey = (entryId: string, group: string) => `${entryId}\u0000${group}`;

/**
 * LB106 — a rule can never match: in a first-match group (HAProxy `use_backend`, nginx regex locations,
 * priority-ordered rules) an earlier rule matches every request this one would; or a group consulted first
 * (`evaluation.preemptedBy`: nginx regex locations before plain prefix locations) has a rule that does.
 */
export const LB106: Rule = {
  meta: { id: 'LB106', name: 'unreachable-rule', title: 'A rule can never match', defaultSeverity: 'warning' },
  check(ctx) {
    const lists = new Map<string, Route[]>();
    for (const r of ctx.model.routes) {
      if (r.evaluation.strategy !== 'first-match') continue;
      const k = groupKey(r.entryId, r.evaluation.group);
      const list = lists.get(k);
      if (list) list.push(r);
      else lists.set(k, [r]);
    }
    // Small groups (nginx: a server's few regex locations) are scanned; large ones are indexed once.
    const indexes = new Map<string, GroupIndex>();
    const firstCovering = (key: string, later: Route, before?: number): Route | undefined => {
      const routes = lists.get(key);
      if (!routes) return undefined;
      if (routes.length <= SCAN_LIMIT) {
        for (const e of routes) {
          if (before !== undefined && e.evaluation.index >= before) return undefined;
          if (e !== later && covers(e, later)) return e;
        }
        return undefined;
      }
      let index = indexes.get(key);
      if (!index) indexes.set(key, (index = new GroupIndex(routes)));
      return index.firstCovering(later, before);
    };
    for (const routes of lists.values()) routes.sort((a, b) => a.evaluation.index - b.evaluation.index);

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
        shadow = firstCovering(groupKey(r.entryId, r.evaluation.preemptedBy), r);
      }
      if (!shadow && r.evaluation.strategy === 'first-match') {
        // Only siblings evaluated before it (the group is sorted by index, so these are a prefix of it).
        shadow = firstCovering(groupKey(r.entryId, r.evaluation.group), r, r.evaluation.index);
      }
      if (shadow) report(r, shadow);
    }
  },
};
