import type { Condition, HostPattern, RequestField, Route, StringMatch, TrafficModel } from '../../model/types';
import type { ModelIndex } from '../modelIndex';
import { describeCondition, matches, prefixLength, routeCondition } from './condition';
import { routeRequest, routingTable, type Group, type RoutingTable, type SiteView } from './engine';
import { BudgetCache } from './budgetCache';
import { boxesSize, Budget, cover, toBoxes, Undecidable, witness, type Box } from './languages';
import { describeRequest, type Request } from './request';
import { MAX_CANDIDATES, mayOverlap, OverlapIndex, signatureOf } from './signature';

/**
 * Which routes no request can reach, proved on the routes' match languages — and, for the others, an example
 * request that reaches them. A route is unreachable when every request it matches is taken first by the routes
 * the product consults before it: the *union* of them (HAProxy `use_backend` lines in order, Envoy/Istio routes,
 * ALB and Traefik rules by priority, Gateway API precedence), or, for an nginx prefix location, the regular
 * expressions checked before its result is used (minus what longer prefixes and exact locations take).
 * Undecidable questions (opaque matchers, patterns beyond the automata limits, a spent budget) give no finding.
 * Examples are checked by routing them through the engine, so a shown example is always one the engine agrees on.
 */

export interface Unreachable {
  route: Route;
  /** The routes that take its requests (in evaluation order); the first alone covers it when `single`. */
  by: Route[];
  /** One route alone takes every request of it. */
  single: boolean;
  /** How they come first: earlier in the list, a group consulted first (nginx regexes), later overrides. */
  how: 'earlier' | 'preempted' | 'later';
  /** A request the route matches and the others take, when one could be built (`GET /api/x`). */
  example?: string;
}

// ---- sets of routes, cached by condition ---------------------------------------------------------------------

/** Condition boxes by the condition's text, bounded by their automata's nodes (see BudgetCache). */
const boxCache = new BudgetCache<Box[] | Undecidable>(150_000);
const conditionKeys = new WeakMap<Condition, string>();

function keyOf(c: Condition): string {
  let k = conditionKeys.get(c);
  if (k === undefined) conditionKeys.set(c, (k = JSON.stringify(c)));
  return k;
}

/** A condition's boxes (cached by its text). Throws Undecidable. */
function boxesOf(c: Condition, budget: Budget): Box[] {
  const key = keyOf(c);
  let b = boxCache.get(key);
  if (b === undefined) {
    try {
      b = toBoxes(c, new Budget(20000, Infinity));
    } catch (e) {
      if (!(e instanceof Undecidable)) throw e;
      b = e;
    }
    boxCache.set(key, b, b instanceof Undecidable ? 1 : boxesSize(b));
  }
  budget.spend();
  if (b instanceof Undecidable) throw b;
  return b;
}

/** A route's condition together with those of the routes it is nested in (their search chose it first). */
function fullCondition(route: Route, table: RoutingTable, byId: Map<string, Route>): Condition {
  const parts: Condition[] = [routeCondition(route)];
  let p = route.evaluation.parent;
  for (let depth = 0; p && depth < 16; depth++) {
    const parent = byId.get(p);
    if (!parent) break;
    parts.push(routeCondition(parent));
    p = parent.evaluation.parent;
  }
  void table;
  return parts.length === 1 ? parts[0] : { kind: 'all', of: parts };
}

// ---- proofs ---------------------------------------------------------------------------------------------------

interface ProofCacheEntry {
  covered: boolean;
  by: number[];
  single: boolean;
}
/** Proof results by the conditions' text: the keys are the cost, so the budget counts their characters. */
const proofCache = new BudgetCache<ProofCacheEntry>(20_000_000);

/** A condition without one-element `all`/`any` wrappers (an Istio route with one match block of one test). */
function single(c: Condition): Condition {
  while ((c.kind === 'all' || c.kind === 'any') && c.of.length === 1) c = c.of[0];
  return c;
}

/**
 * The common case decided by string comparison: both conditions test one field by a literal, and every value the
 * later one accepts is accepted by the earlier one (`prefix /api` takes `prefix /api/v1` and `exact /api/x`, the
 * regex `~ /img` takes `prefix /static/img`). Case-insensitive tests compare lower case, and only cover
 * case-insensitive later ones.
 */
function literallyCovers(earlierCondition: Condition, laterCondition: Condition): boolean {
  const earlier = single(earlierCondition);
  const later = single(laterCondition);
  // A conjunction is covered when one of its tests is (nginx's `prefix /p31 and not a longer prefix`).
  if (later.kind === 'all') return later.of.some((c) => c.kind === 'test' && literallyCovers(earlier, c));
  if (earlier.kind !== 'test' || later.kind !== 'test' || earlier.field !== later.field) return false;
  const e = literalTest(earlier.match);
  const l = literalTest(later.match);
  if (!e || !l) return false;
  if (l.ignoreCase && !e.ignoreCase) return false;
  const fold = (x: string) => (e.ignoreCase ? x.toLowerCase() : x);
  const lv = fold(l.value);
  const ev = fold(e.value);
  // Every value of the later test is its value (exact), starts with it (prefix, segment-prefix), contains it, or
  // ends with it.
  const startsWithIt = l.op === 'exact' || l.op === 'prefix' || l.op === 'segment-prefix';
  switch (e.op) {
    case 'exact':
      return l.op === 'exact' && lv === ev;
    case 'prefix':
      return startsWithIt && lv.startsWith(ev);
    case 'segment-prefix':
      // `/foo` takes `/foo` and `/foo/…`, not `/foobar`.
      return startsWithIt && ((l.op !== 'prefix' && lv === ev) || lv.startsWith(ev.endsWith('/') ? ev : `${ev}/`));
    case 'contains':
      return lv.includes(ev);
    case 'suffix':
      return (l.op === 'exact' || l.op === 'suffix') && lv.endsWith(ev);
    default:
      return false;
  }
}

/**
 * A test whose language is a literal set: exact, prefix, contains or suffix of one string — including a regex of
 * literal characters (`~ /img` contains `/img`, `^/api/` is a prefix, a full-match RE2 `/api` is exact).
 */
function literalTest(m: StringMatch):
  | { op: 'exact' | 'prefix' | 'segment-prefix' | 'contains' | 'suffix'; value: string; ignoreCase: boolean }
  | undefined {
  const ignoreCase = 'ignoreCase' in m && !!m.ignoreCase;
  if (m.op === 'segment-prefix') return { op: m.op, value: m.value, ignoreCase }; // `/api` or `/api/…`
  if (m.op === 'exact' || m.op === 'prefix' || m.op === 'contains' || m.op === 'suffix') return { op: m.op, value: m.value, ignoreCase };
  if (m.op !== 'regex') return undefined;
  const lit = literalPattern(m.value);
  if (!lit) return undefined;
  // Anchored means the product matches the whole value (RE2 full match). `$` is the end of the value, as in the
  // regex translation of ./regex.ts (PCRE's "before a final newline" is not a case of a request path).
  const start = lit.start || m.anchored;
  const end = lit.end || m.anchored;
  const op = start && end ? 'exact' : start ? 'prefix' : end ? 'suffix' : 'contains';
  return { op, value: lit.text, ignoreCase };
}

/** A regex that is only literal characters, with its anchors: `^/api/` → start, text `/api/`. */
function literalPattern(p: string): { text: string; start: boolean; end: boolean } | undefined {
  let body = p;
  const start = body.startsWith('^');
  if (start) body = body.slice(1);
  const end = body.endsWith('$') && !body.endsWith('\\$');
  if (end) body = body.slice(0, -1);
  let text = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') {
      const n = body[i + 1];
      if (n === undefined || /[A-Za-z0-9]/.test(n)) return undefined;
      text += n;
      i++;
    } else if ('.^$|?*+()[]{}'.includes(c)) return undefined;
    else text += c;
  }
  return { text, start, end };
}

/**
 * A request built from the literal tests a condition requires (`path` prefix `/api/` → `GET /api/`), without
 * automata; undefined when the condition is not such a conjunction. Callers check it with `matches`.
 */
function literalWitness(c: Condition): Request | undefined {
  const required: Condition[] = [];
  const collect = (x: Condition): boolean => {
    if (x.kind === 'all' || (x.kind === 'any' && x.of.length === 1)) return x.of.every(collect);
    if (x.kind === 'not') return true; // negations are checked by the caller's `matches`
    if (x.kind === 'test') {
      required.push(x);
      return true;
    }
    return false;
  };
  if (!collect(c)) return undefined;
  const values = new Map<string, { exact?: string; prefix: string; rest: string[] }>();
  for (const t of required) {
    if (t.kind !== 'test') continue;
    const v = values.get(t.field) ?? { prefix: '', rest: [] };
    // A regex that is only literal characters (`/img`, `^/api/`, `\.php$`) needs no automaton either.
    const lit = t.match.op === 'present' ? { op: 'contains' as const, value: '' } : literalTest(t.match);
    if (!lit) return undefined;
    if (lit.op === 'exact') v.exact = lit.value;
    else if (lit.op === 'prefix' || lit.op === 'segment-prefix') v.prefix = lit.value.length > v.prefix.length ? lit.value : v.prefix;
    else v.rest.push(lit.value);
    values.set(t.field, v);
  }
  const headers = new Map<string, string>();
  let path = '/';
  let host = '';
  let method = 'GET';
  let query = '';
  for (const [field, v] of values) {
    const value = v.exact ?? v.prefix + v.rest.join('');
    if (field === 'path') path = value.startsWith('/') ? value : `/${value}`;
    else if (field === 'host') host = value.toLowerCase();
    else if (field === 'method') method = value;
    else if (field === 'query') query = value;
    else if (field.startsWith('header:')) headers.set(field.slice(7), value);
    else return undefined;
  }
  if (host && !headers.has('host')) headers.set('host', host);
  return { method, scheme: 'http', host, port: 80, path, query, headers };
}

/**
 * The cheap answer to most questions: a request of `later` (a witness of one of its boxes, checked to match it) that
 * no earlier condition matches — evaluated directly, without building the earlier conditions' automata. True means
 * "not covered" for certain; false means "ask the full proof".
 */
function refuted(later: Condition, boxes: readonly Box[], earlier: readonly Condition[]): boolean {
  for (const box of boxes.slice(0, 4)) {
    const req = requestOf(box, undefined, undefined, undefined);
    if (!req || matches(later, req) !== true) continue;
    if (earlier.every((c) => matches(c, req) === false)) return true;
  }
  return false;
}

/** Does the union of `earlier` cover `later`? Cached by the conditions' text; undefined when undecidable. */
function proveCovered(later: Condition, earlier: Condition[], budget: Budget): ProofCacheEntry | undefined {
  const key = `${keyOf(later)}\u0001${earlier.map(keyOf).join('\u0001')}`;
  const hit = proofCache.get(key);
  if (hit) return hit;
  let result: ProofCacheEntry | undefined;
  try {
    const direct = earlier.findIndex((c) => literallyCovers(c, later));
    if (direct >= 0) {
      result = { covered: true, by: [direct], single: true };
      proofCache.set(key, result, key.length);
      return result;
    }
    const quick = literalWitness(later);
    const b = quick && matches(later, quick) === true && earlier.every((c) => matches(c, quick) === false) ? undefined : boxesOf(later, budget);
    if (!b) result = { covered: false, by: [], single: false }; // a request of `later` no earlier rule takes, found without automata
    else if (b.length === 0) result = { covered: false, by: [], single: false }; // matches nothing: not a shadowing question
    else if (refuted(later, b, earlier)) result = { covered: false, by: [], single: false };
    else {
      const sets = earlier.map((c) => {
        try {
          return boxesOf(c, budget);
        } catch (e) {
          if (e instanceof Undecidable) return []; // an undecidable earlier route takes nothing we can prove
          throw e;
        }
      });
      const r = cover(b, sets, budget);
      let single = r.covered && r.by.length === 1;
      let by = r.by;
      if (r.covered && r.by.length > 1 && r.by.length <= 4) {
        for (const i of r.by) {
          if (cover(b, [sets[i]], budget).covered) {
            single = true;
            by = [i];
            break;
          }
        }
      }
      result = { covered: r.covered, by, single };
    }
  } catch (e) {
    if (!(e instanceof Undecidable)) throw e;
    // Budget or complexity: no finding, and not cached when only time ran out (another try may have more).
    if (/took too long/.test(e.message)) return undefined;
    result = { covered: false, by: [], single: false };
  }
  proofCache.set(key, result, key.length);
  return result;
}

/**
 * Copies of one definition (a Traefik router on two entry points, a Gateway API route on two listeners) share their
 * source and name; a route the format derives from a definition (nginx's implicit `/api` → `/api/` redirect) has
 * a name of its own and is not a copy.
 */
const sourceKey = (r: Route) => `${r.source.uri}\u0000${r.source.range.start.line}:${r.source.range.start.character}:${r.source.range.end.line}:${r.source.range.end.character}\u0000${r.name}`;

/**
 * Default time proofs may take in one analysis (LB106 option `budgetMs`): what is left unproved gives no finding
 * this time. Results are cached by the conditions' text, so the next analysis (the next keystroke) goes on where
 * this one stopped; the CLI allows much more.
 */
export const DEFAULT_PROOF_BUDGET_MS = 500;

/** Steps one proof may take (deterministic, whatever the machine's load). */
const PROOF_STEPS = 3000;

// ---- the last complete answer per document -------------------------------------------------------------------

/**
 * A keystroke that changes no route, site or entry point (a weight, a server, a comment) leaves LB106's answer as it
 * was. The last complete answer of each document is kept with what it was computed from, and reused when the new
 * model's routes, sites and entry points are the same — the same objects (nginx replays unchanged blocks), or equal
 * field by field with the same condition objects (HAProxy keeps its conditions). Answers are kept as route indexes,
 * so a reused one names the new model's routes. Only complete answers are kept (an incomplete one goes on proving).
 */
interface Answer {
  model: Pick<TrafficModel, 'routes' | 'sites' | 'entries' | 'closedWorld'>;
  found: Array<{ route: number; by: number[]; single: boolean; how: Unreachable['how']; example?: string }>;
}
const answers = new Map<string, Answer>();
const MAX_ANSWERS = 32;

const sameRange = (a: Route['source'], b: Route['source']) =>
  a.uri === b.uri && a.range.start.line === b.range.start.line && a.range.start.character === b.range.start.character &&
  a.range.end.line === b.range.end.line && a.range.end.character === b.range.end.character;

const sameJson = <T,>(x: T, y: T) => x === y || JSON.stringify(x) === JSON.stringify(y);

/** The fields of a route that LB106 and its example requests read (conditions by identity: they are never mutated). */
function sameRoute(a: Route, b: Route): boolean {
  if (a === b) return true;
  const x = a.evaluation;
  const y = b.evaluation;
  // Without `when` the condition is derived from `match` (a catch-all `default_backend`): compared by value.
  return a.when === b.when && (a.when !== undefined || sameJson(a.match, b.match)) && a.id === b.id && a.name === b.name && a.entryId === b.entryId && a.siteId === b.siteId &&
    a.catchAll === b.catchAll && a.priority === b.priority && a.target.kind === b.target.kind && sameRange(a.source, b.source) &&
    x.group === y.group && x.strategy === y.strategy && x.index === y.index && x.parent === y.parent && x.preemptedBy === y.preemptedBy;
}

function sameList<T>(a: readonly T[] | undefined, b: readonly T[] | undefined, same: (x: T, y: T) => boolean): boolean {
  if ((a?.length ?? 0) !== (b?.length ?? 0)) return false;
  for (let i = 0; i < (a?.length ?? 0); i++) if (!same(a![i], b![i])) return false;
  return true;
}

function reusable(model: TrafficModel): Answer | undefined {
  const last = answers.get(model.uri);
  if (!last || last.model.closedWorld !== model.closedWorld) return undefined;
  if (!sameList(last.model.routes, model.routes, sameRoute)) return undefined;
  if (!sameList(last.model.entries, model.entries, sameJson)) return undefined;
  if (!sameList(last.model.sites, model.sites, sameJson)) return undefined;
  return last;
}

function remember(model: TrafficModel, out: readonly Unreachable[]): void {
  const at = new Map(model.routes.map((r, i) => [r, i]));
  answers.delete(model.uri);
  if (!out.every((u) => at.has(u.route) && u.by.every((r) => at.has(r)))) return;
  if (answers.size >= MAX_ANSWERS) answers.delete(answers.keys().next().value!);
  answers.set(model.uri, {
    model: { routes: model.routes.slice(), sites: model.sites?.slice(), entries: model.entries.slice(), closedWorld: model.closedWorld },
    found: out.map((u) => ({ route: at.get(u.route)!, by: u.by.map((r) => at.get(r)!), single: u.single, how: u.how, example: u.example })),
  });
}

/** Every unreachable route of a model; `outOfTime` is called when the budget ran out before every proof was made. */
export function findUnreachable(model: TrafficModel, index: ModelIndex, budgetMs = DEFAULT_PROOF_BUDGET_MS, outOfTime?: () => void): Unreachable[] {
  const again = reusable(model);
  if (again) {
    return again.found.map((f) => ({ route: model.routes[f.route], by: f.by.map((i) => model.routes[i]), single: f.single, how: f.how, ...(f.example !== undefined ? { example: f.example } : {}) }));
  }
  let complete = true;
  const out = proveAll(model, index, budgetMs, () => {
    complete = false;
    outOfTime?.();
  });
  if (complete) remember(model, out);
  return out;
}

function proveAll(model: TrafficModel, index: ModelIndex, budgetMs: number, outOfTime: () => void): Unreachable[] {
  const table = routingTable(model);
  const byId = table.routeById;
  // Only the proofs count against the budget: finding the candidates is linear and always done.
  let remaining = budgetMs;
  let stopped = false;
  const prove = (later: Condition, earlier: Condition[]) => {
    const t0 = performance.now();
    const r = proveCovered(later, earlier, new Budget(PROOF_STEPS, t0 + remaining));
    remaining -= performance.now() - t0;
    if (r === undefined || remaining <= 0) stopped = true;
    return r;
  };
  const out: Unreachable[] = [];
  const condOf = (r: Route) => fullCondition(r, table, byId);

  for (const [, scope] of table.scopes) {
    for (const g of scope.groups) {
      if (g.strategy !== 'first-match' && g.strategy !== 'last-match') continue;
      if (g.routes.length < 2) continue;
      const conds = g.routes.map(condOf);
      const idx = new OverlapIndex(conds);
      for (let i = 0; i < g.routes.length; i++) {
        if (remaining <= 0) {
          stopped = true;
          break;
        }
        const later = g.routes[i];
        const at = later.evaluation.index;
        const self = sourceKey(later);
        // Strictly before (or after, for last-match) in the product's order: rules of equal rank (a Traefik priority
        // tie, whose order the product leaves undefined) never shadow each other; nor do copies of one definition
        // (a route attached to two listeners of one port).
        const before = g.strategy === 'first-match'
          ? (p: number) => g.routes[p].evaluation.index < at && sourceKey(g.routes[p]) !== self
          : (p: number) => g.routes[p].evaluation.index > at && sourceKey(g.routes[p]) !== self;
        const cands = idx.candidates(i, before);
        if (cands.length === 0) continue;
        const r = prove(conds[i], cands.map((p) => conds[p]));
        if (!r?.covered) continue;
        out.push({
          route: later,
          by: r.by.map((k) => g.routes[cands[k]]),
          single: r.single,
          how: g.strategy === 'first-match' ? 'earlier' : 'later',
        });
      }
    }
    // nginx: a plain prefix location whose requests (those no longer prefix or exact location takes) all match a
    // regular expression checked before its result is used.
    // Indexes of the lists these proofs look into (a server with 10,000 locations must not compare each with all).
    const indexOf = new Map<Group, OverlapIndex>();
    const indexFor = (g: Group) => {
      let ix = indexOf.get(g);
      if (!ix) indexOf.set(g, (ix = new OverlapIndex(g.routes.map((r) => routeCondition(r)))));
      return ix;
    };
    const exactGroups = scope.groups.filter((x) => x.strategy === 'exact');
    for (const g of scope.groups) {
      if (g.strategy !== 'longest-prefix') continue;
      g.routes.forEach((p, at) => {
        if (remaining <= 0) {
          stopped = true;
          return;
        }
        const pre = table.preemptingGroup(p);
        if (!pre || pre.routes.length === 0) return;
        const own = condOf(p);
        const mine = signatureOf(routeCondition(p));
        const len = prefixLength(routeCondition(p));
        // What longer prefixes and exact locations take never reaches it: leaving some out (beyond the cap, or
        // those that cannot overlap) only makes the set to cover larger, so the proof stays sound.
        const longer = indexFor(g).candidates(at, (q) => prefixLength(routeCondition(g.routes[q])) > len).map((q) => g.routes[q]);
        const exact = exactGroups.flatMap((x) => indexFor(x).candidatesFor(mine, -1, () => true).map((q) => x.routes[q]));
        const taken = [...longer, ...exact].slice(0, MAX_CANDIDATES).map(condOf);
        const effective: Condition = taken.length === 0 ? own : { kind: 'all', of: [own, ...taken.map((c) => ({ kind: 'not', of: c }) as Condition)] };
        const regexRoutes = indexFor(pre).candidatesFor(mine, -1, () => true).map((q) => pre.routes[q]);
        if (regexRoutes.length === 0) return;
        const r = prove(effective, regexRoutes.map(condOf));
        if (!r?.covered) return;
        out.push({ route: p, by: r.by.map((k) => regexRoutes[k]), single: r.single, how: 'preempted' });
      });
    }
  }
  if (stopped) outOfTime?.();
  // One definition can stand for several routes (a Traefik router on two entry points, a Gateway API route on two
  // listeners): it is unreachable only when every copy of it is.
  if (out.length > 0) {
    const wanted = new Set(out.map((u) => sourceKey(u.route)));
    const copies = new Map<string, Route[]>();
    for (const r of model.routes) {
      const k = sourceKey(r);
      if (!wanted.has(k)) continue;
      const list = copies.get(k);
      if (list) list.push(r);
      else copies.set(k, [r]);
    }
    const unreachable = new Set(out.map((u) => u.route));
    const kept = out.filter((u) => copies.get(sourceKey(u.route))!.every((r) => unreachable.has(r)));
    out.length = 0;
    out.push(...kept);
  }
  for (const u of out) {
    const req = exampleFor(model, index, table, u.route, condOf(u.route), (r) => {
      // The example is one the unreachable route matches and the engine sends to one of the shadowing routes.
      const res = routeRequest(model, index, r, { trace: false });
      return res.some((x) => x.route && u.by.includes(x.route));
    });
    if (req) u.example = describeRequest(req);
  }
  return out;
}

// ---- examples -------------------------------------------------------------------------------------------------

/** A host name a site takes (for example requests). */
function hostFor(site: SiteView | undefined): string | undefined {
  const p: HostPattern | undefined = site?.hosts.find((h) => h.kind === 'exact' && h.value) ?? site?.hosts[0];
  if (!p) return undefined;
  switch (p.kind) {
    case 'exact': return p.value || undefined;
    case 'suffix': return `www${p.value}`;
    case 'prefix': return `${p.value}com`;
    default: return undefined;
  }
}

/** Requests built from the boxes of a condition; `accept` picks the first that does what the caller wants. */
function exampleFor(model: TrafficModel, index: ModelIndex, table: RoutingTable, route: Route, cond: Condition, accept: (r: Request) => boolean, from?: Box[]): Request | undefined {
  void index;
  const entry = model.entries.find((e) => e.id === route.entryId);
  let site: SiteView | undefined;
  let scope: string | undefined = table.scopeOf.get(route);
  const byId = table.routeById;
  for (let d = 0; scope && d < 16; d++) {
    site = table.siteById.get(scope);
    if (site) break;
    const parent = byId.get(scope);
    scope = parent ? table.scopeOf.get(parent) : undefined;
  }
  const bind = entry?.binds?.find((b) => b.port !== undefined) ?? entry?.binds?.[0];
  // A condition of literal tests has its example without automata (`/p31` for `location /p31`), checked as any other.
  const quick = from ? undefined : literalWitness(cond);
  if (quick) {
    const host = quick.host || (hostFor(site) ?? '');
    const headers = new Map(quick.headers);
    if (host && !headers.has('host')) headers.set('host', host);
    const scheme = bind?.tls ? 'https' : 'http';
    const req: Request = { ...quick, host, headers, scheme, port: bind?.port ?? (scheme === 'https' ? 443 : 80), sni: scheme === 'https' ? host : undefined };
    if (matches(cond, req) === true && accept(req)) return req;
  }
  let boxes: Box[];
  try {
    boxes = from ?? boxesOf(cond, new Budget(PROOF_STEPS, performance.now() + 200));
  } catch {
    return undefined;
  }
  for (const box of boxes.slice(0, 8)) {
    const req = requestOf(box, hostFor(site), bind?.port, bind?.tls);
    if (req && accept(req)) return req;
  }
  return undefined;
}

function requestOf(box: Box, siteHost: string | undefined, port: number | undefined, tls: boolean | undefined): Request | undefined {
  const { values, atoms } = witness(box);
  for (const v of atoms.values()) if (v === false) return undefined; // the engine cannot assume an opaque condition false
  if (atoms.size > 0) return undefined; // nor true: such an example could not be checked
  const headers = new Map<string, string>();
  let path = '/';
  let query = '';
  let method = 'GET';
  let host = siteHost ?? '';
  let scheme: 'http' | 'https' = tls ? 'https' : 'http';
  for (const [f, v] of values) {
    if (v === undefined) continue;
    if (f === 'path') path = v;
    else if (f === 'query') query = v;
    else if (f === 'method') method = v;
    else if (f === 'host') host = v;
    else if (f === 'scheme') scheme = v === 'https' ? 'https' : 'http';
    else if (f.startsWith('header:')) headers.set(f.slice(7), v);
    else if (f.startsWith('arg:')) query = query ? `${query}&${f.slice(4)}=${encodeURIComponent(v)}` : `${f.slice(4)}=${encodeURIComponent(v)}`;
    else if (f.startsWith('cookie:')) headers.set('cookie', `${f.slice(7)}=${v}`);
  }
  if (!headers.has('host') && host) headers.set('host', host);
  const portNumber = port ?? (scheme === 'https' ? 443 : 80);
  return { method, scheme, host, port: portNumber, path, query, headers, sni: scheme === 'https' ? host : undefined };
}

/** The routes consulted before `route` whose requests it loses (the nearest ones), as conditions. */
function competitors(table: RoutingTable, route: Route, condOf: (r: Route) => Condition): Condition[] {
  const g = table.groupOf(route);
  if (!g) return [];
  const mine = signatureOf(routeCondition(route));
  const overlaps = (q: Route) => q !== route && mayOverlap(mine, signatureOf(routeCondition(q)));
  const i = g.routes.indexOf(route);
  const others: Route[] = [];
  const take = (q: Route) => {
    if (others.length < MAX_CANDIDATES && overlaps(q)) others.push(q);
  };
  if (g.strategy === 'first-match') for (let k = i - 1; k >= 0 && others.length < MAX_CANDIDATES; k--) take(g.routes[k]);
  else if (g.strategy === 'last-match') for (let k = i + 1; k < g.routes.length && others.length < MAX_CANDIDATES; k++) take(g.routes[k]);
  else if (g.strategy === 'longest-prefix') {
    const len = prefixLength(routeCondition(route));
    for (const q of g.routes) if (prefixLength(routeCondition(q)) > len) take(q);
    for (const x of table.scopeGroups(route)) if (x.strategy === 'exact') x.routes.forEach(take);
    table.preemptingGroup(route)?.routes.forEach(take);
  }
  return others.map(condOf);
}

/**
 * An example request that reaches a route (checked with the engine), or why none could be found. For hovers and
 * the preview.
 */
export function exampleRequest(model: TrafficModel, index: ModelIndex, route: Route): { example?: string; request?: Request; why?: string } {
  const table = routingTable(model);
  const condOf = (r: Route) => fullCondition(r, table, table.routeById);
  const cond = condOf(route);
  const reaches = (req: Request) => routeRequest(model, index, req, { trace: false }).some((x) => x.route === route);
  let rest: Box[] | undefined;
  try {
    const budget = new Budget(PROOF_STEPS, performance.now() + 200);
    const own = boxesOf(cond, budget);
    const others = competitors(table, route, condOf).map((c) => {
      try {
        return boxesOf(c, budget);
      } catch (e) {
        if (e instanceof Undecidable) return [];
        throw e;
      }
    });
    // A route that matches only under conditions lb-lens cannot evaluate has no example the engine could check.
    if (own.every((b) => [...b.keys()].some((k) => k.startsWith('atom:')))) return { why: 'it depends on conditions lb-lens cannot evaluate' };
    rest = cover(own, others, budget).rest;
    if (rest.length === 0) return { why: 'the routes consulted before it take every request it matches' };
  } catch (e) {
    if (!(e instanceof Undecidable)) throw e;
  }
  const request = exampleFor(model, index, table, route, cond, reaches, rest);
  if (request) return { example: describeRequest(request), request };
  return { why: `no example could be built for ${describeCondition(routeCondition(route))}` };
}
