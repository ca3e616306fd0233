import type { Condition, HostPattern, RequestField, Route, TrafficModel } from '../../model/types';
import type { ModelIndex } from '../modelIndex';
import { describeCondition, prefixLength, routeCondition } from './condition';
import { routeRequest, routingTable, type RoutingTable, type SiteView } from './engine';
import { Budget, cover, toBoxes, Undecidable, witness, type Box } from './languages';
import { describeRequest, type Request } from './request';

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

const KEY_LIMIT = 20000;
const boxCache = new Map<string, Box[] | Undecidable>();
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
    if (boxCache.size >= KEY_LIMIT) boxCache.delete(boxCache.keys().next().value!);
    boxCache.set(key, b);
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

// ---- candidates: only routes whose requests can overlap --------------------------------------------------------

const LITERAL_FIELDS: RequestField[] = ['path', 'host', 'header:host', 'url', 'method'];

/** What a route requires on its own: a literal every value of some fields starts with, and opaque atoms. */
interface Signature {
  /** Field → lower-case literal prefix (only non-trivial ones). */
  lits: Map<string, string>;
  /** Opaque condition text → required truth. */
  atoms: Map<string, boolean>;
  /** Fields it tests in any way (a regex without a literal start constrains a field without a literal). */
  tested: Set<string>;
}

/**
 * For each field, a literal every value of the route starts with, lower case; and the opaque conditions it
 * requires. Two routes whose literals on one field are not prefixes of one another, or that require one opaque
 * condition true and false, match no common request.
 */
function signature(c: Condition): Signature {
  const lits = new Map<string, string>();
  const atoms = new Map<string, boolean>();
  const tested = new Set<string>();
  const mark = (x: Condition) => {
    if (x.kind === 'test') tested.add(x.field);
    else if (x.kind === 'not') mark(x.of);
    else if (x.kind === 'all' || x.kind === 'any') x.of.forEach(mark);
  };
  mark(c);
  const visit = (x: Condition) => {
    if (x.kind === 'all') for (const y of x.of) visit(y);
    else if (x.kind === 'opaque') atoms.set(x.text, true);
    else if (x.kind === 'not' && x.of.kind === 'opaque') atoms.set(x.of.text, false);
    else if (x.kind === 'test' && LITERAL_FIELDS.includes(x.field)) {
      const m = x.match;
      let lit = '';
      if (m.op === 'exact' || m.op === 'prefix') lit = m.value;
      else if (m.op === 'segment-prefix') lit = m.value.replace(/\/+$/, '');
      else if (m.op === 'glob') lit = m.value.slice(0, m.value.search(/[*?]|$/));
      else if (m.op === 'regex' && (m.anchored || m.value.startsWith('^')) && !/^\^?\(\?/.test(m.value) && !m.value.includes('|')) {
        const body = m.value.replace(/^\^/, '');
        const stop = body.search(/[\\^$.|?*+()[\]{}]/);
        lit = stop < 0 ? body : body.slice(0, stop);
        // A quantifier applies to the character before it.
        if (stop > 0 && /[?*{]/.test(body[stop])) lit = lit.slice(0, -1);
      }
      lit = lit.toLowerCase();
      // Every path starts with "/": that literal constrains nothing.
      if (x.field === 'path' && lit === '/') lit = '';
      const prev = lits.get(x.field);
      if (lit && (prev === undefined || lit.length > prev.length)) lits.set(x.field, lit);
    }
  };
  visit(c);
  return { lits, atoms, tested };
}

const compatible = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);

function mayOverlap(a: Signature, b: Signature): boolean {
  for (const [f, la] of a.lits) {
    const lb = b.lits.get(f);
    if (lb !== undefined && !compatible(la, lb)) return false;
  }
  for (const [t, v] of a.atoms) {
    const w = b.atoms.get(t);
    if (w !== undefined && w !== v) return false;
  }
  return true;
}

/** How many routes a proof may use (the nearest ones); using fewer can miss a finding, never invent one. */
const MAX_CANDIDATES = 48;

/**
 * The routes of one list, each filed under its most selective requirement (an opaque condition, else its
 * longest literal), so that the routes that can take part of a given route's requests are found with a few
 * lookups instead of a scan of the whole list (a frontend with 20k `use_backend` rules, each on its own host).
 * A route filed under a requirement the given route does not share can only take part of its requests, and
 * finitely many such parts never cover a field's whole range of values; leaving them out is sound.
 */
class OverlapIndex {
  private readonly sigs: Signature[];
  /** Positions of routes without requirements (they can cover anything), ascending. */
  private readonly free: number[] = [];
  private readonly byAtom = new Map<string, number[]>();
  private readonly byLit = new Map<string, Map<string, number[]>>();
  private readonly sortedLits = new Map<string, string[]>();
  /** Positions of the routes filed under a literal of each field, ascending. */
  private readonly byField = new Map<string, number[]>();

  constructor(conditions: Condition[]) {
    this.sigs = conditions.map(signature);
    this.sigs.forEach((sig, pos) => {
      const atom = sig.atoms.entries().next();
      if (!atom.done) {
        push(this.byAtom, `${atom.value[1] ? '+' : '-'}${atom.value[0]}`, pos);
        return;
      }
      let best: [string, string] | undefined;
      for (const e of sig.lits) if (!best || e[1].length > best[1].length) best = e;
      if (!best) {
        this.free.push(pos);
        return;
      }
      let m = this.byLit.get(best[0]);
      if (!m) this.byLit.set(best[0], (m = new Map()));
      push(m, best[1], pos);
      push(this.byField, best[0], pos);
    });
    for (const [f, m] of this.byLit) this.sortedLits.set(f, [...m.keys()].sort());
  }

  /** Positions accepted by `range` whose requests may overlap those of the route at `self`, nearest first, at most MAX_CANDIDATES, ascending. */
  candidates(self: number, range: (pos: number) => boolean): number[] {
    const mine = this.sigs[self];
    const out: number[] = [];
    /** The routes of an ascending list nearest to `self` on either side (lists can be long). */
    const consider = (list: number[] | undefined) => {
      if (!list) return;
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (list[mid] < self) lo = mid + 1;
        else hi = mid;
      }
      const end = Math.min(list.length, lo + 2 * MAX_CANDIDATES);
      for (let i = Math.max(0, lo - 2 * MAX_CANDIDATES); i < end; i++) {
        const pos = list[i];
        if (pos !== self && range(pos) && mayOverlap(mine, this.sigs[pos])) out.push(pos);
      }
    };
    consider(this.free);
    for (const [t, v] of mine.atoms) consider(this.byAtom.get(`${v ? '+' : '-'}${t}`));
    // A field this route tests without a literal (a regex, a suffix): any route filed under that field may overlap.
    for (const f of mine.tested) if (!mine.lits.has(f)) consider(this.byField.get(f));
    for (const [f, lit] of mine.lits) {
      const m = this.byLit.get(f);
      if (!m) continue;
      for (let n = 1; n <= lit.length; n++) consider(m.get(lit.slice(0, n)));
      const sorted = this.sortedLits.get(f)!;
      let a = 0;
      let b = sorted.length;
      while (a < b) {
        const mid = (a + b) >> 1;
        if (sorted[mid] <= lit) a = mid + 1;
        else b = mid;
      }
      for (let i = a, n = 0; i < sorted.length && sorted[i].startsWith(lit) && n < 4 * MAX_CANDIDATES; i++, n++) consider(m.get(sorted[i]));
    }
    const unique = [...new Set(out)].sort((a, b) => Math.abs(a - self) - Math.abs(b - self));
    return unique.slice(0, MAX_CANDIDATES).sort((a, b) => a - b);
  }
}

function push<K>(m: Map<K, number[]>, k: K, v: number): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

// ---- proofs ---------------------------------------------------------------------------------------------------

interface ProofCacheEntry {
  covered: boolean;
  by: number[];
  single: boolean;
}
const proofCache = new Map<string, ProofCacheEntry>();

/** Does the union of `earlier` cover `later`? Cached by the conditions' text; undefined when undecidable. */
function proveCovered(later: Condition, earlier: Condition[], budget: Budget): ProofCacheEntry | undefined {
  const key = `${keyOf(later)}\u0001${earlier.map(keyOf).join('\u0001')}`;
  const hit = proofCache.get(key);
  if (hit) return hit;
  let result: ProofCacheEntry | undefined;
  try {
    const b = boxesOf(later, budget);
    if (b.length === 0) result = { covered: false, by: [], single: false }; // matches nothing: not a shadowing question
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
  if (proofCache.size >= KEY_LIMIT) proofCache.delete(proofCache.keys().next().value!);
  proofCache.set(key, result);
  return result;
}

/**
 * Default time proofs may take in one analysis (LB106 option `budgetMs`): what is left unproved gives no finding
 * this time. Results are cached by the conditions' text, so the next analysis (the next keystroke) goes on where
 * this one stopped; the CLI allows much more.
 */
export const DEFAULT_PROOF_BUDGET_MS = 400;

/** Steps one proof may take (deterministic, whatever the machine's load). */
const PROOF_STEPS = 3000;

/** Every unreachable route of a model. */
export function findUnreachable(model: TrafficModel, index: ModelIndex, budgetMs = DEFAULT_PROOF_BUDGET_MS): Unreachable[] {
  const table = routingTable(model);
  const byId = new Map(model.routes.map((r) => [r.id, r]));
  // Only the proofs count against the budget: finding the candidates is linear and always done.
  let remaining = budgetMs;
  const prove = (later: Condition, earlier: Condition[]) => {
    const t0 = performance.now();
    const r = proveCovered(later, earlier, new Budget(PROOF_STEPS, t0 + remaining));
    remaining -= performance.now() - t0;
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
        if (remaining <= 0) break;
        const later = g.routes[i];
        const before = g.strategy === 'first-match' ? (p: number) => p < i : (p: number) => p > i;
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
    for (const g of scope.groups) {
      if (g.strategy !== 'longest-prefix') continue;
      for (const p of g.routes) {
        if (remaining <= 0) break;
        const pre = table.preemptingGroup(p);
        if (!pre || pre.routes.length === 0) continue;
        const own = condOf(p);
        const len = prefixLength(routeCondition(p));
        const longer = g.routes.filter((q) => q !== p && prefixLength(routeCondition(q)) > len).map(condOf);
        const exact = scope.groups.filter((x) => x.strategy === 'exact').flatMap((x) => x.routes.map(condOf));
        const effective: Condition = longer.length + exact.length === 0 ? own : { kind: 'all', of: [own, ...[...longer, ...exact].map((c) => ({ kind: 'not', of: c }) as Condition)] };
        const regexes = pre.routes.map(condOf);
        const r = prove(effective, regexes);
        if (!r?.covered) continue;
        out.push({ route: p, by: r.by.map((k) => pre.routes[k]), single: r.single, how: 'preempted' });
      }
    }
  }
  for (const u of out) {
    const req = exampleFor(model, index, table, u.route, condOf(u.route), (r) => {
      // The example is one the unreachable route matches and the engine sends to one of the shadowing routes.
      const res = routeRequest(model, index, r);
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
  let boxes: Box[];
  try {
    boxes = from ?? boxesOf(cond, new Budget(PROOF_STEPS, performance.now() + 200));
  } catch {
    return undefined;
  }
  const entry = model.entries.find((e) => e.id === route.entryId);
  let site: SiteView | undefined;
  let scope: string | undefined = table.scopeOf.get(route);
  const byId = new Map(model.routes.map((r) => [r.id, r]));
  for (let d = 0; scope && d < 16; d++) {
    site = table.siteById.get(scope);
    if (site) break;
    const parent = byId.get(scope);
    scope = parent ? table.scopeOf.get(parent) : undefined;
  }
  const bind = entry?.binds?.find((b) => b.port !== undefined) ?? entry?.binds?.[0];
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
  const i = g.routes.indexOf(route);
  let others: Route[] = [];
  if (g.strategy === 'first-match') others = g.routes.slice(Math.max(0, i - MAX_CANDIDATES), i);
  else if (g.strategy === 'last-match') others = g.routes.slice(i + 1, i + 1 + MAX_CANDIDATES);
  else if (g.strategy === 'longest-prefix') {
    const len = prefixLength(routeCondition(route));
    others = g.routes.filter((q) => q !== route && prefixLength(routeCondition(q)) > len);
    for (const x of table.scopeGroups(route)) if (x.strategy === 'exact') others.push(...x.routes);
    const pre = table.preemptingGroup(route);
    if (pre) others.push(...pre.routes);
    others = others.slice(0, MAX_CANDIDATES);
  }
  return others.map(condOf);
}

/**
 * An example request that reaches a route (checked with the engine), or why none could be found. For hovers and
 * the preview.
 */
export function exampleRequest(model: TrafficModel, index: ModelIndex, route: Route): { example?: string; request?: Request; why?: string } {
  const table = routingTable(model);
  const byId = new Map(model.routes.map((r) => [r.id, r]));
  const condOf = (r: Route) => fullCondition(r, table, byId);
  const cond = condOf(route);
  const reaches = (req: Request) => routeRequest(model, index, req).some((x) => x.route === route);
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
    rest = cover(own, others, budget).rest;
    if (rest.length === 0) return { why: 'the routes consulted before it take every request it matches' };
  } catch (e) {
    if (!(e instanceof Undecidable)) throw e;
  }
  const request = exampleFor(model, index, table, route, cond, reaches, rest);
  if (request) return { example: describeRequest(request), request };
  return { why: `no example could be built for ${describeCondition(routeCondition(route))}` };
}
