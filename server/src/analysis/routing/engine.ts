import type { Bind, Condition, EntryPoint, HostPattern, Pool, RequestField, Route, Site, SourceRef, TrafficModel } from '../../model/types';
import { poolShares, routeDistribution, type FailedSet, type RouteDistribution, type ServerShare } from '../distribution';
import type { ModelIndex } from '../modelIndex';
import { evaluate, matches, prefixLength, routeCondition } from './condition';
import { signatureOf } from './signature';
import { regexMatches } from './regex';
import { fieldValue, type Request } from './request';

/**
 * The routing engine: which entry point, site, route, pool and servers take one request — in each product's
 * documented order, from the model alone (no format knows it, it knows no format).
 *
 *   1. entry points whose binds take the request's port and scheme (entries without binds take anything); those
 *      that share a socket compete, others each give their own result;
 *   2. the site (virtual host) by host name, with the one precedence nginx, Envoy and Gateway API document:
 *      exact, longest suffix wildcard, longest prefix wildcard, first regex, any; else the socket's default;
 *   3. the routes of the site: exact lookups, then the longest prefix (regex groups searched first where the
 *      product says so), then first-match lists; then the chosen route's children (nested locations, `if`s);
 *   4. the route's outcome: its pools and servers with their shares (failures simulated), a redirect or direct
 *      response, or no backend with the status the product returns.
 */

export interface TraceStep {
  /** What was considered. */
  kind: 'entry' | 'site' | 'route' | 'note';
  name: string;
  source?: SourceRef;
  /** `match`: it takes the request; `chosen`: kept while the search goes on (longest prefix, a parent). */
  result: 'match' | 'no-match' | 'undecidable' | 'chosen' | 'skipped';
  why: string;
}

export type Outcome = 'pool' | 'redirect' | 'direct' | 'no-backend' | 'dynamic';

export interface RoutingResult {
  entry: EntryPoint;
  /** The bind that accepted the connection (undefined when the entry states none). */
  bind?: Bind;
  /** The site that was chosen (undefined when none took the host). */
  site?: SiteView;
  outcome: Outcome;
  /** The HTTP status the product answers with, when it is known (redirects, direct responses, no backend). */
  status?: number;
  route?: Route;
  /** The pools the request may go to, with the share of the request each gets (a weighted split). */
  pools: Array<{ pool: Pool; share: number }>;
  /** Every server of those pools with its share of this request (0 for those that get nothing). */
  servers: ServerShare[];
  distribution?: RouteDistribution;
  /** One line: what happens to the request. */
  summary: string;
  trace: TraceStep[];
  /** Conditions that could not be decided on the way (taken as not matching). */
  undecidable: string[];
  /**
   * The share of the request a weighted split sends to parts whose pool does not exist, and the status the product
   * answers for it (`EntryPoint.undefinedPoolStatus`, default 503). Absent when every part resolves.
   */
  unresolved?: { share: number; status: number };
}

/** A site as the engine sees it: explicit, or the implicit one of an entry without sites. */
export interface SiteView extends Site {
  implicit: boolean;
}

export interface RouteOptions {
  /** Only entry points with this name (`frontend fe_http`, or just `fe_http`). */
  entry?: string;
  /** Servers taken as failed (ids). */
  failed?: FailedSet;
  /** Write the trace of the rules considered (default true; bulk evaluation — examples, diffs, replays — turns it off). */
  trace?: boolean;
  /** At most this many rule steps in the trace (default 200); the rest are counted. */
  traceLimit?: number;
}

// ---- the routing table of a model, built once ------------------------------------------------------------------

export interface Group {
  name: string;
  strategy: Route['evaluation']['strategy'];
  routes: Route[];
  /** Position of the group's first route in the model (order of first-match groups). */
  order: number;
}

/** The routes searched together: those of one site, or the children of one route. */
interface Scope {
  groups: Group[];
}

export class RoutingTable {
  readonly sites: SiteView[] = [];
  readonly siteById = new Map<string, SiteView>();
  readonly sitesByEntry = new Map<string, SiteView[]>();
  readonly scopes = new Map<string, Scope>();
  /** Groups by `${scopeId}\0${group}` (for `preemptedBy`). */
  readonly groups = new Map<string, Group>();
  /** The scope each route belongs to. */
  readonly scopeOf = new Map<Route, string>();
  readonly routeById = new Map<string, Route>();
  /** Sockets by (port, scheme, entry filter), see `sockets`. */
  readonly socketCache = new Map<string, Socket[]>();

  constructor(readonly model: TrafficModel) {
    for (const s of model.sites ?? []) this.addSite({ ...s, implicit: false });
    for (const e of model.entries) {
      if (!this.sitesByEntry.has(e.id)) this.addSite(implicitSite(e));
    }
    model.routes.forEach((r, i) => {
      this.routeById.set(r.id, r);
      const scopeId = r.evaluation.parent ?? (r.siteId && this.siteById.has(r.siteId) ? r.siteId : implicitSiteId(r.entryId));
      if (!r.evaluation.parent && !this.siteById.has(scopeId)) {
        // A route without a site in an entry that has explicit sites, or of an entry the model does not list.
        const e = model.entries.find((x) => x.id === r.entryId);
        this.addSite(e ? implicitSite(e) : { ...implicitSite({ id: r.entryId, name: r.entryId } as EntryPoint), source: r.source });
      }
      this.scopeOf.set(r, scopeId);
      let scope = this.scopes.get(scopeId);
      if (!scope) this.scopes.set(scopeId, (scope = { groups: [] }));
      const key = `${scopeId}\u0000${r.evaluation.group}`;
      let g = this.groups.get(key);
      if (!g) {
        g = { name: r.evaluation.group, strategy: r.evaluation.strategy, routes: [], order: i };
        this.groups.set(key, g);
        scope.groups.push(g);
      }
      g.routes.push(r);
    });
    for (const g of this.groups.values()) g.routes.sort((a, b) => a.evaluation.index - b.evaluation.index);
  }

  private addSite(s: SiteView): void {
    this.sites.push(s);
    this.siteById.set(s.id, s);
    const list = this.sitesByEntry.get(s.entryId);
    if (list) list.push(s);
    else this.sitesByEntry.set(s.entryId, [s]);
  }

  /** The group a route belongs to. */
  groupOf(route: Route): Group | undefined {
    return this.groups.get(`${this.scopeOf.get(route)}\u0000${route.evaluation.group}`);
  }

  /** The groups searched together with a route's group (its scope's). */
  scopeGroups(route: Route): Group[] {
    return this.scopes.get(this.scopeOf.get(route) ?? '')?.groups ?? [];
  }

  /** The group a route's `preemptedBy` names, in the route's scope. */
  preemptingGroup(route: Route): Group | undefined {
    const name = route.evaluation.preemptedBy;
    if (!name) return undefined;
    return this.groups.get(`${this.scopeOf.get(route)}\u0000${name}`);
  }
}

export const implicitSiteId = (entryId: string) => `site:${entryId}`;

function implicitSite(e: EntryPoint): SiteView {
  return { id: implicitSiteId(e.id), entryId: e.id, name: e.name ?? e.id, hosts: [], source: e.source, implicit: true };
}

const tables = new WeakMap<TrafficModel, RoutingTable>();

/** The routing table of a model (built once per model object). */
export function routingTable(model: TrafficModel): RoutingTable {
  let t = tables.get(model);
  if (!t) tables.set(model, (t = new RoutingTable(model)));
  return t;
}

// ---- step 1: entry points ----------------------------------------------------------------------------------------

function bindTakes(b: Bind, req: Request): boolean {
  // The requests the engine routes arrive over TCP (HTTP/1, HTTP/2, TLS): a UDP socket takes none of them.
  if (b.protocol === 'udp') return false;
  if (b.port !== undefined && b.port !== req.port) return false;
  if (b.tls !== undefined && b.tls !== (req.scheme === 'https')) return false;
  return true;
}

const bindText = (b: Bind) => `${b.address ? `${b.address.includes(':') ? `[${b.address}]` : b.address}:` : ''}${b.port ?? '*'}${b.tls ? ' (TLS)' : ''}${b.protocol && b.protocol !== 'http' ? ` ${b.protocol}` : ''}`;

export function entryMatchesName(e: EntryPoint, name: string): boolean {
  const n = name.trim().toLowerCase();
  const full = e.name.toLowerCase();
  return full === n || full.split(/\s+/).slice(1).join(' ') === n || full.endsWith(` ${n}`);
}

interface Socket {
  key: string;
  entries: Array<{ entry: EntryPoint; bind?: Bind }>;
}

/** The key of the socket a bind listens on, or undefined when the bind is the entry's own (no port, no address). */
function socketKey(e: EntryPoint, b: Bind | undefined): string {
  if (!b) return `entry:${e.id}`;
  // Entries listening on the same address and port share the socket and compete by host; a bind on a specific
  // address is another socket (which one a request reaches depends on the address it was sent to). A bind on any
  // port of a named address (an Istio mesh, a gateway not shown) is shared by the entries naming it.
  if (b.port === undefined) return b.address === undefined ? `entry:${e.id}` : `${b.address}:*:${b.protocol ?? 'http'}`;
  return `${b.address ?? '*'}:${b.port}:${b.protocol ?? 'http'}`;
}

/**
 * The sockets that take a request, by (port, scheme, entry filter): computed once per routing table and reused by
 * every request that arrives the same way (a replay, an example search, a diff ask thousands).
 */
function sockets(table: RoutingTable, req: Request, options: RouteOptions): Socket[] {
  const cacheKey = `${req.port}\u0000${req.scheme}\u0000${options.entry ?? ''}`;
  const hit = table.socketCache.get(cacheKey);
  if (hit) return hit;
  const byKey = new Map<string, Socket & { seen: Set<EntryPoint> }>();
  const out: Socket[] = [];
  for (const e of table.model.entries) {
    if (options.entry !== undefined && !entryMatchesName(e, options.entry)) continue;
    const add = (bind?: Bind) => {
      const key = socketKey(e, bind);
      let sock = byKey.get(key);
      if (!sock) {
        byKey.set(key, (sock = { key, entries: [], seen: new Set() }));
        out.push(sock);
      }
      if (sock.seen.has(e)) return;
      sock.seen.add(e);
      sock.entries.push({ entry: e, bind });
    };
    if (!e.binds) {
      add();
      continue;
    }
    for (const b of e.binds) if (bindTakes(b, req)) add(b);
  }
  if (table.socketCache.size > 256) table.socketCache.clear();
  table.socketCache.set(cacheKey, out);
  return out;
}

// ---- step 2: sites ---------------------------------------------------------------------------------------------

/** How well a host pattern matches: lower rank first, then longer `length`; undefined when it does not match. */
function hostRank(p: HostPattern, host: string, undecided: string[]): { rank: number; length: number } | undefined {
  const v = p.value.toLowerCase();
  switch (p.kind) {
    case 'exact':
      return host === v ? { rank: 0, length: v.length } : undefined;
    case 'suffix': {
      if (!(host.length > v.length && host.endsWith(v))) return undefined;
      if (p.singleLabel && host.slice(0, host.length - v.length).includes('.')) return undefined;
      return { rank: 1, length: v.length };
    }
    case 'prefix':
      return host.length > v.length && host.startsWith(v) ? { rank: 2, length: v.length } : undefined;
    case 'regex': {
      const r = regexMatches(p.value, p.dialect ?? 'pcre', true, false, host);
      if (r === undefined) {
        undecided.push(`host pattern ${p.text ?? p.value}: cannot be decided`);
        return undefined;
      }
      return r ? { rank: 3, length: 0 } : undefined;
    }
    case 'any':
      return { rank: 4, length: 0 };
  }
}

const patternText = (p: HostPattern) => p.text ?? (p.kind === 'suffix' ? `*${p.value}` : p.kind === 'prefix' ? `${p.value}*` : p.kind === 'any' ? '*' : p.kind === 'regex' ? `~${p.value}` : p.value || '""');
const RANK_NAMES = ['exact name', 'suffix wildcard', 'prefix wildcard', 'regular expression', 'catch-all'];

/** Sites with their exact host names indexed (an exact name beats every other kind; the first site naming it wins). */
interface SiteIndex {
  exact: Map<string, { site: SiteView; pattern: HostPattern }>;
  /** Sites with any pattern that is not an exact name (or none: any host). */
  others: SiteView[];
}
const siteIndexes = new WeakMap<SiteView[], SiteIndex>();
function siteIndex(sites: SiteView[]): SiteIndex {
  let ix = siteIndexes.get(sites);
  if (!ix) {
    ix = { exact: new Map(), others: [] };
    for (const site of sites) {
      let other = site.hosts.length === 0;
      for (const p of site.hosts) {
        if (p.kind !== 'exact') other = true;
        else if (!ix.exact.has(p.value.toLowerCase())) ix.exact.set(p.value.toLowerCase(), { site, pattern: p });
      }
      if (other) ix.others.push(site);
    }
    siteIndexes.set(sites, ix);
  }
  return ix;
}

function bestSite(sites: SiteView[], names: string, undecided: string[]): { site: SiteView; pattern?: HostPattern; rank: number } | undefined {
  const ix = siteIndex(sites);
  const exact = ix.exact.get(names);
  if (exact) return { site: exact.site, pattern: exact.pattern, rank: 0 };
  let best: { site: SiteView; pattern?: HostPattern; rank: number; length: number } | undefined;
  for (const s of ix.others) {
    const patterns = s.hosts.length === 0 ? [{ kind: 'any', value: '' } as HostPattern] : s.hosts;
    for (const p of patterns) {
      if (p.kind === 'exact') continue;
      const r = hostRank(p, names, undecided);
      if (!r) continue;
      if (!best || r.rank < best.rank || (r.rank === best.rank && r.length > best.length)) {
        best = { site: s, pattern: s.hosts.length === 0 ? undefined : p, ...r };
      }
    }
  }
  return best;
}

/** A socket's sites for one scheme, and what selecting among them needs (computed once per socket object). */
interface SocketSites {
  sites: SiteView[];
  byEntry: Map<string, Socket['entries'][number]>;
  /** Sites that name TLS server names, seen through them (`hosts` = `sni`), when any does. */
  bySni?: SiteView[];
  /** The sites that name no TLS server name. */
  plain: SiteView[];
  /** One-site lists by id, so a site chosen by SNI keeps its host index across requests. */
  single: Map<string, SiteView[]>;
}
const socketSites = new WeakMap<Socket, Map<boolean, SocketSites>>();
function sitesOf(socket: Socket, table: RoutingTable, tls: boolean): SocketSites {
  let m = socketSites.get(socket);
  if (!m) socketSites.set(socket, (m = new Map()));
  let v = m.get(tls);
  if (!v) {
    const sites = socket.entries.flatMap((x) => table.sitesByEntry.get(x.entry.id) ?? []).filter((s) => s.tls === undefined || s.tls === tls);
    const withSni = sites.filter((s) => s.sni?.length);
    v = {
      sites,
      byEntry: new Map(socket.entries.map((x) => [x.entry.id, x])),
      bySni: withSni.length ? withSni.map((s) => ({ ...s, hosts: s.sni! })) : undefined,
      plain: sites.filter((s) => !s.sni?.length),
      single: new Map(sites.map((s) => [s.id, [s]])),
    };
    m.set(tls, v);
  }
  return v;
}

function selectSite(socket: Socket, table: RoutingTable, req: Request, trace: TraceStep[] | undefined, undecided: string[]): { entry: EntryPoint; bind?: Bind; site?: SiteView } {
  const tls = req.scheme === 'https';
  const cached = sitesOf(socket, table, tls);
  let sites = cached.sites;
  // TLS server names choose among sites first (Envoy filter chains); sites that name none take the rest.
  if (cached.bySni) {
    const sni = req.sni ?? '';
    const bySni = bestSite(cached.bySni, sni, undecided);
    sites = bySni ? cached.single.get(bySni.site.id)! : cached.plain;
    if (bySni) trace?.push({ kind: 'site', name: bySni.site.name, source: bySni.site.source, result: 'chosen', why: `TLS server name "${sni}" matches ${patternText(bySni.pattern ?? { kind: 'any', value: '' })}` });
  }
  const entryOf = (s: SiteView) => cached.byEntry.get(s.entryId)!;
  const best = bestSite(sites, req.host, undecided);
  if (best) {
    const { entry, bind } = entryOf(best.site);
    if (trace && !(sites.length === 1 && best.site.implicit)) {
      trace.push({
        kind: 'site', name: best.site.name, source: best.site.source, result: 'match',
        why: best.pattern ? `host "${req.host}" matches ${patternText(best.pattern)} (${RANK_NAMES[best.rank]})` : `takes any host`,
      });
    }
    return { entry, bind, site: best.site };
  }
  // The socket's default (nginx: default_server, else the first server block on the address:port).
  const def = socket.entries.find((x) => x.bind?.default);
  if (def) {
    const own = table.sitesByEntry.get(def.entry.id) ?? [];
    if (own.length === 1) {
      trace?.push({ kind: 'site', name: own[0].name, source: own[0].source, result: 'match', why: `no server name matches host "${req.host}": the default for ${bindText(def.bind!)} takes it` });
      return { entry: def.entry, bind: def.bind, site: own[0] };
    }
  }
  const first = socket.entries[0];
  trace?.push({ kind: 'site', name: first.entry.name, source: first.entry.source, result: 'no-match', why: `no virtual host takes host "${req.host}"` });
  return { entry: first.entry, bind: first.bind };
}

// ---- step 3: routes --------------------------------------------------------------------------------------------

/** The state of one search: the request, the trace being written (undefined: none), what was undecidable. */
interface Ctx {
  req: Request;
  trace: TraceStep[] | undefined;
  /** Steps left before the trace only counts (a list of 2,000 rules is not read step by step). */
  room: number;
  /** Rules considered beyond the trace's room. */
  omitted: number;
  undecided: string[];
  /** Lower-case values of the literal fields, for the pre-filter. */
  lowered: Map<string, string | undefined>;
  /** Undecidable rules beyond MAX_UNDECIDED (counted, not listed). */
  moreUndecided: number;
}

/** At most this many undecidable rules are listed in a result; the rest are counted. */
const MAX_UNDECIDED = 20;

function step(ctx: Ctx, s: () => TraceStep): void {
  if (!ctx.trace) return;
  if (ctx.room > 0) {
    ctx.trace.push(s());
    ctx.room--;
  } else ctx.omitted++;
}

/** False when the route's literal requirements already exclude the request (no evaluation needed). */
function mayMatch(route: Route, ctx: Ctx): boolean {
  const sig = signatureOf(routeCondition(route));
  for (const [f, lit] of sig.lits) {
    let v = ctx.lowered.get(f);
    if (!ctx.lowered.has(f)) {
      v = fieldValue(ctx.req, f as RequestField)?.toLowerCase();
      ctx.lowered.set(f, v);
    }
    if (v === undefined || !v.startsWith(lit)) return false;
  }
  return true;
}

function test(route: Route, ctx: Ctx): boolean {
  const c = routeCondition(route);
  const value = mayMatch(route, ctx) ? matches(c, ctx.req) : false;
  if (value === undefined) {
    const r = evaluate(c, ctx.req);
    if (ctx.undecided.length < MAX_UNDECIDED) ctx.undecided.push(`${route.name} (line ${route.source.range.start.line + 1}): ${r.why}`);
    else ctx.moreUndecided++;
    step(ctx, () => ({ kind: 'route', name: route.name, source: route.source, result: 'undecidable', why: `${r.why} — taken as not matching` }));
    return false;
  }
  step(ctx, () => ({ kind: 'route', name: route.name, source: route.source, result: value ? 'match' : 'no-match', why: evaluate(c, ctx.req).why }));
  return value;
}

function firstMatch(g: Group, ctx: Ctx): Route | undefined {
  for (const r of g.routes) if (test(r, ctx)) return r;
  return undefined;
}

/** A route whose whole condition is one case-sensitive literal path test of this kind, and its value. */
function literalPath(route: Route, op: 'prefix' | 'exact'): string | undefined {
  const c = routeCondition(route);
  return c.kind === 'test' && c.field === 'path' && c.match.op === op && !c.match.ignoreCase ? c.match.value : undefined;
}

/** Lookup tables of a group: its plain prefix / exact routes by value (the first of equal values). */
interface GroupLookup {
  byValue: Map<string, Route>;
  others: Route[];
}
const lookups = new WeakMap<Group, GroupLookup>();
function lookup(g: Group, op: 'prefix' | 'exact'): GroupLookup {
  let l = lookups.get(g);
  if (!l) {
    l = { byValue: new Map(), others: [] };
    for (const r of g.routes) {
      const v = literalPath(r, op);
      if (v === undefined) l.others.push(r);
      else if (!l.byValue.has(v)) l.byValue.set(v, r);
    }
    lookups.set(g, l);
  }
  return l;
}

/** The longest matching route of a longest-prefix group: literal prefixes looked up by the path's prefixes. */
function longestOf(g: Group, ctx: Ctx): { route: Route; length: number } | undefined {
  const l = lookup(g, 'prefix');
  let best: { route: Route; length: number } | undefined;
  const path = ctx.req.path;
  for (let n = path.length; n >= 0; n--) {
    const r = l.byValue.get(path.slice(0, n));
    if (r) {
      best = { route: r, length: n };
      break;
    }
  }
  for (const r of l.others) {
    if (!test(r, ctx)) continue;
    const length = prefixLength(routeCondition(r));
    if (!best || length > best.length) best = { route: r, length };
  }
  return best;
}

interface Search {
  route?: Route;
  /**
   * The route was taken by an exact lookup or a first-match list (at its level or below), not only as the longest
   * prefix (or by a last-match child of one): a group that preempts a remembered prefix is then not consulted
   * (nginx: a nested location of the longest prefix location that matches is used before the regular expressions
   * of the outer level are checked).
   */
  final?: boolean;
}

/**
 * Search one scope (a site, or a chosen route's children) as nginx searches locations (ngx_http_core_find_location):
 * an exact match is final; the longest matching prefix is remembered and its own children are searched; when none
 * of them is final, the group that preempts the prefix (the regular expressions) is checked; first-match lists are
 * final; last-match children apply to the route chosen at their level.
 */
function searchScope(table: RoutingTable, scopeId: string, ctx: Ctx, depth = 0): Search {
  const scope = table.scopes.get(scopeId);
  if (!scope || depth > 64) return {};
  let chosen: Route | undefined;
  let final = false;
  for (const g of scope.groups) {
    if (g.strategy !== 'exact') continue;
    const l = lookup(g, 'exact');
    const hit = l.byValue.get(ctx.req.path);
    if (hit) {
      step(ctx, () => ({ kind: 'route', name: hit.name, source: hit.source, result: 'match', why: `path "${ctx.req.path}" is exactly "${ctx.req.path}"` }));
      chosen = hit;
      break;
    }
    for (const r of l.others) {
      if (test(r, ctx)) {
        chosen = r;
        break;
      }
    }
    if (chosen) break;
  }
  if (chosen) final = true;
  const searched = new Set<Group>();
  if (!chosen) {
    let longest: { route: Route; length: number } | undefined;
    for (const g of scope.groups) {
      if (g.strategy !== 'longest-prefix') continue;
      const best = longestOf(g, ctx);
      if (best && (!longest || best.length > longest.length)) longest = best;
    }
    if (longest) {
      const found = longest.route;
      const pre = table.preemptingGroup(found);
      if (pre) {
        step(ctx, () => ({ kind: 'route', name: found.name, source: found.source, result: 'chosen', why: 'longest matching prefix: remembered while the regular expressions are checked' }));
        // Its own children first: one taken by an exact lookup or a list is used without checking the preempting group.
        const inner: Search = table.scopes.has(found.id) ? searchScope(table, found.id, ctx, depth + 1) : {};
        if (inner.route && inner.final) return inner;
        searched.add(pre);
        const regex = firstMatch(pre, ctx);
        if (regex) {
          chosen = regex;
          final = true;
        } else {
          step(ctx, () => ({ kind: 'note', name: found.name, source: found.source, result: 'match', why: 'no regular expression matches: the remembered prefix takes the request' }));
          return inner.route ? { route: inner.route, final: false } : { route: found, final: false };
        }
      } else {
        step(ctx, () => ({ kind: 'route', name: found.name, source: found.source, result: 'match', why: 'longest matching prefix' }));
        chosen = found;
      }
    }
  }
  if (!chosen) {
    const lists = scope.groups.filter((g) => g.strategy === 'first-match' && !searched.has(g)).sort((a, b) => a.order - b.order);
    for (const g of lists) {
      chosen = firstMatch(g, ctx);
      if (chosen) {
        final = true;
        break;
      }
    }
  }
  if (!chosen) {
    for (const g of scope.groups) {
      if (g.strategy !== 'last-match') continue;
      for (const r of g.routes) if (test(r, ctx)) chosen = r;
      if (chosen) break;
    }
  }
  if (!chosen) return {};
  // Children: nested locations, `if` blocks — a match replaces the parent.
  if (table.scopes.has(chosen.id)) {
    const inner = searchScope(table, chosen.id, ctx, depth + 1);
    if (inner.route) return { route: inner.route, final: final || inner.final };
  }
  return { route: chosen, final };
}

// ---- step 4: outcome -------------------------------------------------------------------------------------------

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

const answering = new WeakMap<Route, WeakMap<ModelIndex, Pool | null>>();

/** The one pool of a route when that pool answers some requests itself (cached: this is on every request's path). */
function answeringPool(route: Route, index: ModelIndex): Pool | undefined {
  let byIndex = answering.get(route);
  if (!byIndex) answering.set(route, (byIndex = new WeakMap()));
  let p = byIndex.get(index);
  if (p === undefined) {
    const pools = index.targetPools(route);
    p = pools.length === 1 && pools[0].answers?.length ? pools[0] : null;
    byIndex.set(index, p);
  }
  return p ?? undefined;
}

/**
 * When the route chose one pool whose proxy answers some requests itself (`Pool.answers`: HAProxy backend rules),
 * the first answer whose condition holds is the outcome; undecidable ones are listed and passed over.
 */
function poolAnswer(route: Route, index: ModelIndex, req: Request, trace: TraceStep[], undecidable: string[]): Pick<RoutingResult, 'outcome' | 'status' | 'pools' | 'servers' | 'summary'> | undefined {
  const pool = answeringPool(route, index);
  if (!pool) return undefined;
  for (const a of pool.answers!) {
    const v = matches(a.when, req);
    if (v === undefined) {
      const why = evaluate(a.when, req).why;
      undecidable.push(`${a.name} (line ${a.source.range.start.line + 1}): ${why}`);
      trace.push({ kind: 'route', name: a.name, source: a.source, result: 'undecidable', why: `${why} — taken as not matching` });
      continue;
    }
    if (!v) continue;
    trace.push({ kind: 'route', name: a.name, source: a.source, result: 'match', why: `${pool.name} answers the request itself: ${evaluate(a.when, req).why}` });
    const r = a.response;
    const status = r.status;
    const summary = r.kind === 'redirect' ? `${pool.name} redirects${status ? ` ${status}` : ''}${r.location ? ` to ${r.location}` : ''}` : `${pool.name} answers itself${status ? ` (${status})` : ''}`;
    return { outcome: r.kind === 'redirect' ? 'redirect' : r.kind === 'no-backend' ? 'no-backend' : 'direct', ...(status !== undefined ? { status } : {}), pools: [], servers: [], summary };
  }
  return undefined;
}

function outcomeOf(route: Route, entry: EntryPoint, index: ModelIndex, req: Request, failed: FailedSet): Pick<RoutingResult, 'outcome' | 'status' | 'pools' | 'servers' | 'distribution' | 'summary' | 'unresolved'> {
  const t = route.target;
  const undefinedStatus = entry.undefinedPoolStatus ?? 503;
  if (t.kind === 'none') {
    const r = t.response;
    if (r?.kind === 'no-backend') return { outcome: 'no-backend', status: r.status, pools: [], servers: [], summary: `no backend (${t.reason})${r.status ? `: ${r.status}` : ''}` };
    if (r?.kind === 'redirect') return { outcome: 'redirect', status: r.status, pools: [], servers: [], summary: `redirect${r.status ? ` ${r.status}` : ''}${r.location ? ` to ${r.location}` : ''}` };
    return { outcome: 'direct', status: r?.status, pools: [], servers: [], summary: `answered by the proxy itself${r?.status ? ` (${r.status})` : ''}: ${t.reason}` };
  }
  if (t.kind === 'dynamic') {
    if (t.byHeader) {
      const value = req.headers.get(t.byHeader.header.toLowerCase());
      const pool = value === undefined ? undefined : index.resolve(value, t.byHeader.namespace);
      if (!pool) {
        return { outcome: 'no-backend', status: t.byHeader.missingStatus, pools: [], servers: [], summary: value === undefined ? `header ${t.byHeader.header} is absent: ${t.byHeader.missingStatus}` : `header ${t.byHeader.header} names "${value}", which is not defined: ${t.byHeader.missingStatus}` };
      }
      const { shares } = poolShares(pool, failed);
      const servers = pool.servers.map((s) => ({ server: s, pool, share: shares.get(s.id) ?? 0, failed: failed.has(s.id) }));
      return { outcome: 'pool', pools: [{ pool, share: 1 }], servers, summary: `pool ${pool.name} (named by header ${t.byHeader.header})` };
    }
    return { outcome: 'dynamic', pools: [], servers: [], summary: `target computed at run time (${t.text})` };
  }
  const d = routeDistribution(route, index, failed);
  if (d.kind === 'unresolved') {
    // In a model that does not hold the whole configuration (an Envoy RDS file, a fragment), the pool may be defined
    // elsewhere: its servers are not known here, which is not the product's "not found".
    if (!index.model.closedWorld) return { outcome: 'dynamic', pools: [], servers: [], distribution: d, summary: 'the pool it names is not in this file (defined elsewhere, its servers are not known here)' };
    return { outcome: 'no-backend', status: undefinedStatus, pools: [], servers: [], distribution: d, summary: `the pool it names is not defined: ${undefinedStatus}` };
  }
  let total = 0;
  let missing = 0;
  const weights = new Map<Pool, number>();
  if (t.kind === 'split') {
    for (const part of t.parts) {
      const p = index.resolve(part.name, part.namespace, part.poolId);
      const w = Math.max(0, part.weight);
      total += w;
      if (p) weights.set(p, (weights.get(p) ?? 0) + w);
      else missing += w;
    }
  }
  const unresolved = total > 0 && missing > 0 ? { share: missing / total, status: undefinedStatus } : undefined;
  const lost = unresolved ? `; ${pct(unresolved.share)} of requests: ${unresolved.status} (a backend that is not defined)` : '';
  const pools = d.pools.map((pool) => ({ pool, share: t.kind === 'split' ? (total > 0 ? (weights.get(pool) ?? 0) / total : 0) : 1 }));
  if (d.served <= 0) {
    return { outcome: 'no-backend', status: 503, pools, servers: d.shares, distribution: d, ...(unresolved ? { unresolved } : {}), summary: `no usable server in ${pools.map((p) => p.pool.name).join(', ')}: 503${lost}` };
  }
  const top = [...d.shares].filter((s) => s.share > 0).sort((a, b) => b.share - a.share);
  const names = top.slice(0, 3).map((s) => `${s.server.name ?? s.server.address} ${pct(s.share)}`).join(', ');
  return { outcome: 'pool', pools, servers: d.shares, distribution: d, ...(unresolved ? { unresolved } : {}), summary: `${pools.map((p) => p.pool.name).join(' + ')} → ${names}${top.length > 3 ? ', …' : ''}${lost}` };
}

type OutcomeFields = ReturnType<typeof outcomeOf>;
const outcomeCaches = new WeakMap<RoutingTable, WeakMap<ModelIndex, Map<Route, OutcomeFields>>>();

/**
 * A route's outcome without failures does not depend on the request (except a pool named by a header): it is
 * computed once per model and index, and shared by the results (which callers never modify).
 */
function cachedOutcome(table: RoutingTable, route: Route, entry: EntryPoint, index: ModelIndex, req: Request, failed: FailedSet): OutcomeFields {
  if (failed.size > 0 || (route.target.kind === 'dynamic' && route.target.byHeader)) return outcomeOf(route, entry, index, req, failed);
  let byIndex = outcomeCaches.get(table);
  if (!byIndex) outcomeCaches.set(table, (byIndex = new WeakMap()));
  let cache = byIndex.get(index);
  if (!cache) byIndex.set(index, (cache = new Map()));
  let o = cache.get(route);
  if (!o) cache.set(route, (o = outcomeOf(route, entry, index, req, failed)));
  return o;
}

// ---- the engine ---------------------------------------------------------------------------------------------

/**
 * Route one request through a model: one result per socket that can take it (an entry point, or entry points
 * sharing an address and port). Empty when no entry point listens where the request arrives.
 */
export function routeRequest(model: TrafficModel, index: ModelIndex, req: Request, options: RouteOptions = {}): RoutingResult[] {
  const table = routingTable(model);
  const failed = options.failed ?? new Set<string>();
  const results: RoutingResult[] = [];
  for (const socket of sockets(table, req, options)) {
    const trace: TraceStep[] = [];
    const undecidable: string[] = [];
    const tracing = options.trace !== false;
    for (const x of tracing ? socket.entries : []) {
      trace.push({ kind: 'entry', name: x.entry.name, source: x.bind?.source ?? x.entry.selection, result: 'match', why: x.bind ? `listens on ${bindText(x.bind)}` : 'its listening address is not known statically: taken to accept the request' });
    }
    const { entry, bind, site } = selectSite(socket, table, req, tracing ? trace : undefined, undecidable);
    const noRoute = entry.noRoute ?? { status: 404, text: 'no route matches' };
    const base = { entry, bind, site, trace, undecidable };
    if (!site) {
      results.push({ ...base, outcome: 'no-backend', status: noRoute.status, pools: [], servers: [], summary: noRoute.status === undefined ? noRoute.text : `${noRoute.text}: ${noRoute.status}` });
      continue;
    }
    const ctx: Ctx = { req, trace: tracing ? trace : undefined, room: options.traceLimit ?? 200, omitted: 0, undecided: undecidable, lowered: new Map(), moreUndecided: 0 };
    let found: Search = {};
    for (const scopeId of site.routesFrom ?? [site.id]) {
      found = searchScope(table, scopeId, ctx);
      if (found.route) break;
    }
    if (ctx.moreUndecided > 0) undecidable.push(`… and ${ctx.moreUndecided} more rules that could not be decided`);
    if (ctx.omitted > 0) trace.push({ kind: 'note', name: `${ctx.omitted} more rules`, result: 'skipped', why: `${ctx.omitted} more rules were considered (trace limited to ${options.traceLimit ?? 200} steps)` });
    if (!found.route) {
      results.push({ ...base, outcome: 'no-backend', status: noRoute.status, pools: [], servers: [], summary: noRoute.status === undefined ? noRoute.text : `${noRoute.text}: ${noRoute.status}` });
      continue;
    }
    const answered = poolAnswer(found.route, index, req, trace, undecidable);
    results.push({ ...base, route: found.route, ...(answered ?? cachedOutcome(table, found.route, entry, index, req, failed)) });
  }
  // One result per entry point: the same entry reached on several sockets (nginx `listen 80; listen [::]:80;`) with
  // the same answer is one result; different answers (other servers compete on each socket) stay apart.
  return results.filter((r, i) => !results.slice(0, i).some((o) => o.entry === r.entry && o.site === r.site && o.route === r.route && o.outcome === r.outcome && o.status === r.status));
}

/** The condition of a route in the engine's language (its own, or derived from `match`). */
export function conditionOf(route: Route): Condition {
  return routeCondition(route);
}

export type { Site };
