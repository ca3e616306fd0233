import { addressKey, classifyAddress, splitHostPort } from '../../model/address';
import { ModelBuilder } from '../../model/builder';
import type {
  Bind, Condition, EntryPoint, HostPattern, MatchCondition, Pool, Range, Route, RouteEvaluation, RouteTarget, ServerState, Site, SourceRef, TrafficModel,
} from '../../model/types';
import type { FormatHost } from '../types';
import { expandIncludes, type Node } from './includes';
import { parseNginx, type Arg, type Directive } from './parser';
import {
  ALWAYS, and, hostPatterns, ifCondition, listenBind, locationCondition, NEVER, not, returnResponse, rewriteCondition, rewriteOf,
  socketKey, type IfCondition,
} from './routing';

/*
 * Lowering of the nginx syntax tree into the traffic model, following the nginx documentation:
 * - ngx_http_upstream_module / ngx_stream_upstream_module (`upstream`, `server`, balancing methods);
 * - ngx_http_core_module `location` (how a location is chosen);
 * - ngx_http_proxy_module `proxy_pass` and the other `*_pass` directives (what a location sends to).
 */

type Namespace = 'http' | 'stream';

/** Balancing methods of an `upstream` block (the last one wins; nginx warns "load balancing method redefined"). */
const BALANCERS = new Set(['least_conn', 'ip_hash', 'hash', 'random', 'least_time', 'fair', 'consistent_hash']);
/**
 * Docs, `server … backup`: "The parameter cannot be used along with the hash, ip_hash, and random load
 * balancing methods." nginx rejects it when the method comes first; when it comes later, it accepts the
 * configuration and the method ignores the backups.
 */
const NO_BACKUP = new Set(['hash', 'ip_hash', 'random']);

/** The directives that hand a request to servers, and the URL schemes each accepts. */
const PASS_SCHEMES: Record<string, string[]> = {
  proxy_pass: ['http', 'https'],
  grpc_pass: ['grpc', 'grpcs'],
  uwsgi_pass: ['uwsgi', 'suwsgi'],
  fastcgi_pass: [],
  scgi_pass: [],
  memcached_pass: [],
};

/** Directives that must open a block in the contexts walked here. */
const BLOCK_DIRECTIVES = new Set(['http', 'stream', 'events', 'server', 'upstream', 'location']);

/** Why a location without a `*_pass` answers itself. */
const LOCAL_HANDLERS: Array<[RegExp, (d: Directive) => string]> = [
  [/^return$/, (d) => `return ${d.args.map((a) => a.value).join(' ')}`.trim()],
  [/^rewrite$/, () => 'rewrite'],
  [/^try_files$/, () => 'static files (try_files)'],
  [/^(root|alias)$/, () => 'static files'],
  [/_by_lua(_block|_file)?$/, (d) => `Lua (${d.name})`],
  [/^(js_content|perl|echo|stub_status|status|api|empty_gif|mp4|flv|dav_methods)$/, (d) => d.name],
];

const PASSIVE_DEFAULT =
  'nginx checks passively: after max_fails failed attempts (default 1) within fail_timeout (default 10s) a server is ' +
  'considered unavailable for fail_timeout.';
const PASSIVE_OFF =
  'Every server has max_fails=0, which turns nginx\'s passive health checks off, and there is no active check ' +
  '(NGINX Plus "health_check", or "check" from nginx_upstream_check_module).';

/** A position `n` characters further on the same line. */
const shift = (r: Range, from: number, to: number): Range => ({
  start: { line: r.start.line, character: r.start.character + from },
  end: { line: r.start.line, character: r.start.character + to },
});

/** The range of `value.slice(from, to)` inside an argument; the whole argument when it cannot be mapped exactly. */
function argSubRange(arg: Arg, from: number, to: number): Range {
  const inner = arg.quoted ? arg.raw.slice(1, -1) : arg.raw;
  const range = arg.range; // computed on each access (see parser.ts): read it once
  if (range.start.line !== range.end.line || inner !== arg.value) return range;
  return shift(range, from + (arg.quoted ? 1 : 0), to + (arg.quoted ? 1 : 0));
}

/** The directive's first line: its name and arguments, up to and including `{`. */
function headerRange(d: Directive): Range {
  const end = d.blockRange
    ? { line: d.blockRange.start.line, character: d.blockRange.start.character + 1 }
    : (d.args[d.args.length - 1]?.range ?? d.nameRange).end;
  return { start: d.nameRange.start, end };
}

/** Units of nginx time values, from the largest; ngx_parse_time requires them in this order. */
const TIME_UNITS = ['y', 'M', 'w', 'd', 'h', 'm', 's', 'ms'];

/** nginx time syntax (ngx_parse_time): `30s`, `1m30s`, `10` (seconds); `ms` is refused where seconds are expected. */
function isTime(value: string, allowMs: boolean): boolean {
  const v = value.replace(/ /g, '');
  const parts = v.match(/\d+(?:ms|[yMwdhms])?/g);
  if (!parts || parts.join('') !== v) return false;
  let last = -1;
  for (let i = 0; i < parts.length; i++) {
    const unit = parts[i].replace(/^\d+/, '');
    if (!unit) return i === parts.length - 1; // a bare number counts in seconds, and only at the end
    if (unit === 'ms' && !allowMs) return false;
    const rank = TIME_UNITS.indexOf(unit);
    if (rank <= last) return false;
    last = rank;
  }
  return true;
}

const isUint = (v: string) => /^\d+$/.test(v);
/** nginx reads numbers with `ngx_atoi`, which refuses anything past NGX_MAX_INT_T_VALUE (2^63 − 1 on 64-bit systems). */
const NGX_MAX_INT = 9_223_372_036_854_775_807n;
const isNgxInt = (v: string) => isUint(v) && (v.length < 19 || BigInt(v) <= NGX_MAX_INT);

/** Parsed `location` arguments (ngx_http_core_location: the modifier may be a separate word or stuck to the URI). */
interface LocationMatch {
  kind: 'exact' | 'prefix' | 'noregex' | 'regex' | 'iregex' | 'named';
  value: string;
}

function parseLocation(d: Directive): LocationMatch | string {
  const a = d.args;
  if (a.length === 2) {
    const mods: Record<string, LocationMatch['kind']> = { '=': 'exact', '~': 'regex', '~*': 'iregex', '^~': 'noregex' };
    const kind = mods[a[0].value];
    return kind ? { kind, value: a[1].value } : `invalid location modifier "${a[0].value}"`;
  }
  if (a.length !== 1) return 'invalid number of arguments in "location" directive';
  const v = a[0].value;
  if (v.startsWith('=')) return { kind: 'exact', value: v.slice(1) };
  if (v.startsWith('~*')) return { kind: 'iregex', value: v.slice(2) };
  if (v.startsWith('~')) return { kind: 'regex', value: v.slice(1) };
  if (v.startsWith('@')) return { kind: 'named', value: v };
  return { kind: 'prefix', value: v };
}

/** Group suffix, strategy, match condition and readable text of a location. */
function describeLocation(loc: LocationMatch): { group: string; strategy: RouteEvaluation['strategy']; match: MatchCondition; text: string } {
  switch (loc.kind) {
    case 'exact':
      return { group: 'exact', strategy: 'exact', match: { field: 'path', op: 'exact', value: loc.value }, text: `path = ${loc.value}` };
    case 'prefix':
      return { group: 'prefix', strategy: 'longest-prefix', match: { field: 'path', op: 'prefix', value: loc.value }, text: `path ${loc.value}` };
    case 'noregex':
      return { group: 'prefix', strategy: 'longest-prefix', match: { field: 'path', op: 'prefix', value: loc.value }, text: `path ^~ ${loc.value}` };
    case 'regex':
      return { group: 'regex', strategy: 'first-match', match: { field: 'path', op: 'regex', value: loc.value }, text: `path ~ ${loc.value}` };
    case 'iregex':
      return {
        group: 'regex', strategy: 'first-match', match: { field: 'path', op: 'regex', value: loc.value, flags: 'i' }, text: `path ~* ${loc.value}`,
      };
    case 'named':
      return { group: 'named', strategy: 'first-match', match: { field: 'location', op: 'exact', value: loc.value }, text: loc.value };
  }
}

/** What a top-level walk found. */
interface Outline {
  upstreams: Array<{ node: Node; ns: Namespace }>;
  servers: Array<{ node: Node; ns: Namespace }>;
  maps: Array<{ node: Node; ns: Namespace }>;
  /** `location` blocks at the top of a fragment (an included server body). */
  looseLocations: Node[];
  /** The file has `http`, `stream` or `events` at its top: a main configuration. */
  isMain: boolean;
}

/** What lowering an `upstream` block yields: a pure function of its text, position, file and namespace. */
interface UpstreamResult {
  pool: Pool;
  problems: Array<{ message: string; source: SourceRef }>;
  /** The block configures nginx_upstream_check_module's active checks. */
  thirdPartyCheck: boolean;
}

/**
 * One step of lowering a `server` block, recorded so that the block can be replayed into the next model: the
 * elements it added, and what it read from outside the block (upstream names, direct-address pools).
 */
type ServerOp =
  | { op: 'entry'; entry: EntryPoint }
  | { op: 'site'; site: Site }
  | { op: 'route'; route: Route }
  | { op: 'problem'; ruleId: 'LB001' | 'LB002'; message: string; source: SourceRef }
  | { op: 'closedWorld'; message: string; source: SourceRef }
  | { op: 'active'; target: RouteTarget; detail: string }
  /** An upstream name looked up, and the pool id it named (undefined: not an upstream). */
  | { op: 'lookup'; ns: Namespace; name: string; poolId: string | undefined }
  /** A direct address's pool: created by this block, or found (created by an earlier block). */
  | { op: 'address'; key: string; pool: Pool; created: boolean };

interface Memo<T> {
  /** The block's text (an own copy: a slice would keep the whole file's old text alive). */
  text: string;
  result: T;
}

/**
 * What one document's previous lowering leaves for the next, by block position (file, line, column) and text:
 * each `upstream` block's pool and problems, and each `server` block's recorded lowering. An edit leaves
 * almost every block as it was: an unchanged upstream keeps its pool object (pools are never changed once
 * built — active checks found later are applied to a copy), and an unchanged server block is replayed, when the
 * upstream names and address pools it read are still the same. Only the blocks of the latest lowering are kept.
 */
export class NginxLowerCache {
  upstreams = new Map<string, Memo<UpstreamResult>>();
  servers = new Map<string, Memo<ServerOp[]>>();
  /** Entries whose binds the sockets of the whole file changed (default server, TLS), by the entry lowered. */
  entryCopies = new Map<EntryPoint, EntryPoint>();
  /** The last sockets pass: the same entries in the same order give the same result. */
  sockets?: { entries: EntryPoint[]; result: EntryPoint[]; sites: Site[]; problems: Array<{ message: string; source: SourceRef }>; superseded?: TrafficModel['superseded'] };
  /** Sites whose names conflicts on their sockets removed (see `Lowering.nameConflicts`), by the site lowered. */
  siteCopies = new Map<Site, Site>();
  /** Blocks reused by the latest lowering (for tests and measurements). */
  reused = 0;
}

/** A string with its own storage (V8 slices share their parent string). */
const ownCopy = (s: string): string => (' ' + s).slice(1);

class Lowering {
  private readonly upstreams: Record<Namespace, Map<string, Pool>> = { http: new Map(), stream: new Map() };
  private readonly synthesized = new Map<string, Pool>();
  private readonly activeChecks = new Map<Pool, string>();
  /** Problems that only hold when the whole configuration is known (a name that is not an upstream anywhere). */
  private readonly closedWorldProblems: Array<{ message: string; source: SourceRef }> = [];
  /** While an upstream is lowered, its problems are recorded here (to be kept with it for reuse). */
  private capture: UpstreamResult['problems'] | undefined;
  /** While a server block is lowered, what it does is recorded here. */
  private log: ServerOp[] | undefined;
  /** The entry whose routes are being added, and how many it has (route ids follow the entry's). */
  private routeOwner: { id: string; count: number } | undefined;
  private readonly nextUpstreams = new Map<string, Memo<UpstreamResult>>();
  private readonly nextServers = new Map<string, Memo<ServerOp[]>>();
  private readonly nextEntryCopies = new Map<EntryPoint, EntryPoint>();
  private readonly nextSiteCopies = new Map<Site, Site>();

  constructor(
    private readonly b: ModelBuilder,
    /** Index of each file in the expansion, for ids that are unique across files. */
    private readonly fileIndex: Map<string, number>,
    private readonly cache?: NginxLowerCache,
    /** `include`s that matched no readable file: what they hold (a `listen`) is unknown. */
    private readonly unresolvedIncludes: ReadonlySet<Directive> = new Set(),
  ) {
    if (cache) cache.reused = 0;
  }

  private ref(range: Range, uri: string): SourceRef {
    return this.b.ref(range, uri);
  }

  private invalid(message: string, range: Range, uri: string): void {
    if (this.capture) this.capture.push({ message, source: this.ref(range, uri) });
    else this.problem('LB002', message, this.ref(range, uri));
  }

  private problem(ruleId: 'LB001' | 'LB002', message: string, source: SourceRef): void {
    this.log?.push({ op: 'problem', ruleId, message, source });
    this.b.problem(ruleId, message, source);
  }

  private addEntry(e: Omit<EntryPoint, 'id'>, id: string): EntryPoint {
    const entry: EntryPoint = { id, ...e };
    this.b.model.entries.push(entry);
    this.log?.push({ op: 'entry', entry });
    this.routeOwner = { id, count: 0 };
    return entry;
  }

  private addSite(site: Site): void {
    this.b.model.sites!.push(site);
    this.log?.push({ op: 'site', site });
  }

  /** A route of the current entry; its id follows the entry's, so that a replayed block keeps its ids. */
  private addRoute(r: Omit<Route, 'id'>): Route {
    const owner = this.routeOwner!;
    const route: Route = { id: `${owner.id}.r${++owner.count}`, ...r };
    this.b.model.routes.push(route);
    this.log?.push({ op: 'route', route });
    return route;
  }

  /** A block's id and memo key from its position; undefined when the block depends on other files. */
  private blockId(prefix: string, d: Directive, uri: string): string {
    const start = d.nameRange.start;
    return `${prefix}${this.fileIndex.get(uri) ?? 0}.${start.line + 1}.${start.character + 1}`;
  }

  /** The memo of a block if its text is unchanged; blocks with `include`s depend on other files and are not memoised. */
  private memo<T>(table: Map<string, Memo<T>> | undefined, key: string, text: string): Memo<T> | undefined {
    const m = table?.get(key);
    return m && m.text === text ? m : undefined;
  }

  run(nodes: Node[]): { isMain: boolean } {
    const outline = this.outline(nodes);
    for (const { node, ns } of outline.upstreams) this.upstream(node, ns);
    for (const { node, ns } of outline.servers) this.server(node, ns);
    if (outline.looseLocations.length) this.implicitServer(outline.looseLocations);
    this.sockets();
    for (const { node, ns } of outline.maps) this.mapMentions(node, ns);
    this.applyActiveChecks();
    if (this.cache) {
      this.cache.upstreams = this.nextUpstreams;
      this.cache.servers = this.nextServers;
      this.cache.entryCopies = this.nextEntryCopies;
      this.cache.siteCopies = this.nextSiteCopies;
    }
    return { isMain: outline.isMain };
  }

  /**
   * What the listen sockets of all server blocks decide together. Docs ("How nginx processes a request"): the
   * default server of an address:port is the one whose `listen` has `default_server`, else "the first one"
   * listening on it ("the default server is a property of the listen port"); nginx refuses a second
   * `default_server` ("a duplicate default server"). `ssl` on any `listen` of a socket makes the socket TLS for
   * every server on it. Entries replayed from the cache are never changed: one that needs other binds is copied.
   */
  private sockets(): void {
    const entries = this.b.model.entries;
    const last = this.cache?.sockets;
    if (last && last.entries.length === entries.length && last.entries.every((e, i) => e === entries[i])) {
      for (let i = 0; i < entries.length; i++) entries[i] = last.result[i];
      this.b.model.sites = last.sites.slice();
      if (last.superseded) this.b.model.superseded = last.superseded.slice();
      for (const p of last.problems) this.problem('LB002', p.message, p.source);
      for (const [e, copy] of this.cache!.entryCopies) this.nextEntryCopies.set(e, copy);
      for (const [site, copy] of this.cache!.siteCopies) this.nextSiteCopies.set(site, copy);
      this.cache!.sockets = last;
      return;
    }
    const lowered = entries.slice();
    const problems: Array<{ message: string; source: SourceRef }> = [];
    const sockets = new Map<string, { tls: boolean; default?: { entry: number; bind: number } }>();
    entries.forEach((e, ei) => {
      if (e.namespace !== 'http' || !e.binds) return;
      e.binds.forEach((b, bi) => {
        if (b.port === undefined) return;
        const key = socketKey(b);
        let s = sockets.get(key);
        if (!s) sockets.set(key, (s = { tls: false }));
        if (b.tls) s.tls = true;
        if (!b.default) return;
        if (s.default && s.default.entry !== ei) {
          if (b.source) {
            problems.push({ message: `a duplicate default server for ${key}`, source: b.source });
            this.problem('LB002', `a duplicate default server for ${key}`, b.source);
          }
        } else s.default ??= { entry: ei, bind: bi };
      });
    });
    // Without `default_server`, the first server listening on the socket.
    entries.forEach((e, ei) => {
      if (e.namespace !== 'http' || !e.binds) return;
      e.binds.forEach((b, bi) => {
        if (b.port === undefined) return;
        const s = sockets.get(socketKey(b))!;
        s.default ??= { entry: ei, bind: bi };
      });
    });
    const wanted = (e: EntryPoint, ei: number, bi: number): { default: boolean; tls: boolean } | undefined => {
      const b = e.binds![bi];
      if (b.port === undefined) return undefined;
      const s = sockets.get(socketKey(b))!;
      return { default: s.default!.entry === ei && s.default!.bind === bi, tls: s.tls };
    };
    entries.forEach((e, ei) => {
      if (e.namespace !== 'http' || !e.binds) return;
      const same = (x: EntryPoint) => x.binds!.every((b, bi) => {
        const w = wanted(e, ei, bi);
        return !w || (!!b.default === w.default && !!b.tls === w.tls);
      });
      if (same(e)) return;
      // The copy made for the same entry last time, when it still fits (unchanged blocks keep their objects).
      const previous = this.cache?.entryCopies.get(e);
      let copy = previous && same(previous) ? previous : undefined;
      if (!copy) {
        const binds = e.binds.map((b, bi) => {
          const w = wanted(e, ei, bi);
          if (!w || (!!b.default === w.default && !!b.tls === w.tls)) return b;
          const c: Bind = { ...b, tls: w.tls };
          if (w.default) c.default = true;
          else delete c.default;
          return c;
        });
        copy = { ...e, binds };
      }
      this.nextEntryCopies.set(e, copy);
      entries[ei] = copy;
    });
    this.nameConflicts(lowered);
    if (this.cache) this.cache.sockets = { entries: lowered, result: entries.slice(), sites: this.b.model.sites!.slice(), problems, superseded: this.b.model.superseded?.slice() };
  }

  /**
   * Server names nginx ignores. Names are added per address:port, server after server (ngx_http_server_names); a
   * name that conflicts with one added before is "ignored" with a warning ("conflicting server name"). For exact
   * names and `*.` wildcards the first server keeps the name, as the engine's "first of equals" does; but a
   * `.example.org` name conflicts with an earlier exact `example.org` or `*.example.org` and is then ignored as a
   * whole — wildcard part included. It is removed from its site when it conflicts on every socket of the server.
   */
  private nameConflicts(entries: EntryPoint[]): void {
    const sites = this.b.model.sites!;
    const siteOf = new Map<string, number>();
    sites.forEach((s, i) => siteOf.set(s.entryId, i));
    // Per socket, the names added so far: exact names, leading (`*.x`, `.x`) and trailing (`www.*`) wildcards.
    const taken = new Map<string, { exact: Map<string, HostPattern>; head: Map<string, HostPattern>; tail: Map<string, HostPattern> }>();
    const conflicts = new Map<number, { sockets: number; ignored: Map<string, number> }>();
    const reported = new Set<HostPattern>();
    const superseded: NonNullable<TrafficModel['superseded']> = [];
    const report = (h: HostPattern, first: HostPattern | undefined, key: string) => {
      if (!first || reported.has(h) || !h.source || !first.source) return;
      reported.add(h);
      superseded.push({ name: `server_name ${h.text ?? h.value} on ${key}`, source: h.source, by: first.source, keeps: 'earlier' });
    };
    for (const e of entries) {
      if (e.namespace !== 'http' || !e.binds) continue;
      const si = siteOf.get(e.id);
      if (si === undefined) continue;
      const keys = new Set(e.binds.filter((b) => b.port !== undefined).map(socketKey));
      const c = { sockets: keys.size, ignored: new Map<string, number>() };
      for (const key of keys) {
        let t = taken.get(key);
        if (!t) taken.set(key, (t = { exact: new Map(), head: new Map(), tail: new Map() }));
        const hosts = sites[si].hosts;
        const add = (m: Map<string, HostPattern>, k: string, h: HostPattern) => {
          const first = m.get(k);
          if (first) report(h, first, key);
          else m.set(k, h);
        };
        for (let i = 0; i < hosts.length; i++) {
          const h = hosts[i];
          const dot = h.kind === 'exact' && h.text?.startsWith('.') && hosts[i + 1]?.kind === 'suffix' && hosts[i + 1].text === h.text;
          if (dot) {
            const first = t.exact.get(h.value) ?? t.head.get(h.value);
            if (first) {
              c.ignored.set(h.text!, (c.ignored.get(h.text!) ?? 0) + 1);
              report(h, first, key);
            } else {
              t.exact.set(h.value, h);
              t.head.set(h.value, h);
            }
            i++;
          } else if (h.kind === 'exact') add(t.exact, h.value, h);
          else if (h.kind === 'suffix') add(t.head, h.value.slice(1), h);
          else if (h.kind === 'prefix') add(t.tail, h.value, h);
        }
      }
      if (c.ignored.size) conflicts.set(si, c);
    }
    if (superseded.length) this.b.model.superseded = superseded;
    for (const [si, c] of conflicts) {
      const site = sites[si];
      const drop = new Set([...c.ignored].filter(([, n]) => n === c.sockets).map(([text]) => text));
      if (drop.size === 0) continue;
      const previous = this.cache?.siteCopies.get(site);
      // The ignored name stays as a name no host has (a site without names would take every host).
      const hosts: HostPattern[] = [];
      for (const h of site.hosts) {
        if (!(h.text !== undefined && drop.has(h.text))) hosts.push(h);
        else if (h.kind === 'exact') hosts.push({ kind: 'exact', value: h.text, text: `${h.text} (ignored: conflicting server name)` });
      }
      const copy = previous && previous.hosts.length === hosts.length && previous.hosts.every((h, i) => h === hosts[i]) ? previous : { ...site, hosts };
      this.nextSiteCopies.set(site, copy);
      sites[si] = copy;
    }
  }

  /** Problems to add when the model turns out to be a closed world. */
  closedWorld(): void {
    for (const p of this.closedWorldProblems) this.b.problem('LB002', p.message, p.source);
  }

  private outline(nodes: Node[]): Outline {
    const o: Outline = { upstreams: [], servers: [], maps: [], looseLocations: [], isMain: false };
    const visit = (list: Node[], ns: Namespace, top: boolean) => {
      for (const node of list) {
        const name = node.d.name;
        if (BLOCK_DIRECTIVES.has(name) && !node.children) {
          // A top-level `server 10.0.0.1;` is an upstream body kept in its own file, not a broken server block.
          const upstreamFragment = top && name === 'server' && node.d.args.length > 0;
          if (!upstreamFragment && (top || name !== 'location')) this.problem('LB001', `directive "${name}" has no opening "{"`, this.ref(headerRange(node.d), node.uri));
          continue;
        }
        if (top && (name === 'http' || name === 'stream' || name === 'events')) {
          o.isMain = true;
          if (name !== 'events') visit(node.children ?? [], name, false);
        } else if (name === 'upstream') o.upstreams.push({ node, ns });
        else if (name === 'server') o.servers.push({ node, ns });
        else if (name === 'map' || name === 'split_clients') o.maps.push({ node, ns });
        else if (top && name === 'location') o.looseLocations.push(node);
      }
    };
    visit(nodes, 'http', true);
    return o;
  }

  // ---- pools -------------------------------------------------------------------------------------------

  private upstream(node: Node, ns: Namespace): void {
    const { d, uri } = node;
    if (d.args.length === 0) {
      this.invalid('invalid number of arguments in "upstream" directive', headerRange(d), uri);
      return;
    }
    // Ids from the block's position (not a counter), so that an unchanged block keeps its pool and ids.
    const id = this.blockId('u', d, uri);
    const key = `${ns}\u0000${id}`;
    // Blocks with `include`s depend on other files: lowered each time.
    const text = this.cache && !d.block?.some((c) => c.name === 'include') ? d.sourceText : undefined;
    const hit = text !== undefined ? this.memo(this.cache!.upstreams, key, text) : undefined;
    let result = hit?.result;
    if (result) this.cache!.reused++;
    else {
      this.capture = [];
      try {
        result = { pool: this.upstreamPool(node, ns, id), problems: this.capture, thirdPartyCheck: false };
      } finally {
        this.capture = undefined;
      }
      result.thirdPartyCheck = (node.children ?? []).some((c) => c.d.name === 'check');
    }
    if (text !== undefined) this.nextUpstreams.set(key, hit ?? { text: ownCopy(text), result });
    for (const p of result.problems) this.b.problem('LB002', p.message, p.source);
    const pool = this.b.addPool(result.pool);
    if (result.thirdPartyCheck) this.activeChecks.set(pool, 'Active: the "check" directive of nginx_upstream_check_module probes the servers.');
    const table = this.upstreams[ns];
    if (!table.has(pool.name.toLowerCase())) table.set(pool.name.toLowerCase(), pool);
  }

  /** The pool of an `upstream` block (problems go to `invalid`). */
  private upstreamPool(node: Node, ns: Namespace, id: string): Pool {
    const { d, uri } = node;
    if (d.args.length !== 1) this.invalid('invalid number of arguments in "upstream" directive', headerRange(d), uri);
    const nameArg = d.args[0];
    const children = node.children ?? [];
    let balancer: { name: string; index: number } | undefined;
    children.forEach((c, index) => {
      if (BALANCERS.has(c.d.name)) balancer = { name: c.d.name, index };
    });
    const thirdPartyCheck = children.some((c) => c.d.name === 'check');
    const pool: Pool = {
      id,
      servers: [],
      name: nameArg.value,
      namespace: ns,
      kind: 'upstream',
      synthesized: false,
      algorithm: balancer?.name ?? 'round_robin',
      shareModel: 'weighted',
      backupPolicy: 'all',
      healthCheck: { active: thirdPartyCheck, passive: false },
      source: this.ref(d.range, uri),
      nameSource: this.ref(nameArg.range, uri),
    };
    let dynamic = false;
    children.forEach((c, index) => {
      if (c.d.name === 'server') dynamic = this.upstreamServer(pool, c, ns, balancer, index) || dynamic;
    });
    const hasZone = children.some((c) => c.d.name === 'zone');
    // Docs (upstream `resolve`, NGINX Plus `zone`): servers may be added at run time.
    if (dynamic || (hasZone && pool.servers.length === 0)) pool.dynamicServers = true;
    const passive = pool.servers.some((s) => s.healthCheck?.passive);
    pool.healthCheck.passive = passive;
    pool.healthCheck.detail = passive ? PASSIVE_DEFAULT : PASSIVE_OFF;
    if (pool.servers.length === 0 && !hasZone) {
      this.invalid('no servers are inside upstream', headerRange(d), uri);
    } else if (pool.servers.length > 0 && pool.servers.every((s) => s.state === 'backup')) {
      // ngx_http_upstream_init_round_robin counts non-backup servers only.
      this.invalid(`no servers in upstream "${pool.name}": every server is a backup`, headerRange(d), uri);
    }
    return pool;
  }

  /** One `server` of an upstream. Returns true when the server is resolved at run time (`resolve`, `service=`). */
  private upstreamServer(pool: Pool, node: Node, ns: Namespace, balancer: { name: string; index: number } | undefined, index: number): boolean {
    const { d, uri } = node;
    if (d.args.length === 0) {
      this.invalid('invalid number of arguments in "server" directive', headerRange(d), uri);
      return false;
    }
    const addrArg = d.args[0];
    const address = addrArg.value;
    let weight = 1;
    let maxFails = 1;
    let state: ServerState = 'active';
    let dynamic = false;
    const args = d.args;
    for (let i = 1; i < args.length; i++) {
      const p = args[i];
      const eq = p.value.indexOf('=');
      const key = eq < 0 ? p.value : p.value.slice(0, eq + 1);
      const val = eq < 0 ? '' : p.value.slice(eq + 1);
      const bad = (why?: string) => this.invalid(`invalid parameter "${p.value}"${why ? `: ${why}` : ''}`, p.range, uri);
      switch (key) {
        case 'weight=':
          // `nginx -t` 1.22: weight=9223372036854775807 is accepted, weight=9223372036854775808 is an invalid parameter.
          if (!isNgxInt(val) || Number(val) === 0) bad(`the weight must be an integer from 1 to ${NGX_MAX_INT}`);
          else weight = Number(val);
          break;
        case 'max_fails=':
          if (!isNgxInt(val)) bad(`max_fails must be an integer from 0 to ${NGX_MAX_INT}`);
          else maxFails = Number(val);
          break;
        case 'max_conns=':
          if (!isNgxInt(val)) bad(`max_conns must be an integer from 0 to ${NGX_MAX_INT}`);
          break;
        case 'fail_timeout=':
        case 'slow_start=':
          if (!isTime(val, false)) bad('expected a time such as 10s or 1m');
          break;
        case 'backup':
          if (balancer && NO_BACKUP.has(balancer.name)) {
            this.invalid(
              balancer.index < index
                ? 'balancing method does not support parameter "backup"'
                : `"backup" cannot be used with the "${balancer.name}" balancing method`,
              p.range,
              uri,
            );
          }
          if (state === 'active') state = 'backup';
          break;
        case 'down':
          state = 'down';
          break;
        case 'drain': // NGINX Plus: no new requests
          if (state !== 'down') state = 'disabled';
          break;
        case 'resolve': // NGINX Plus, and nginx ≥ 1.27.3
        case 'service=':
          dynamic = true;
          break;
        case 'route=': // NGINX Plus sticky route
          break;
        default:
          bad();
      }
    }
    this.checkServerAddress(addrArg, ns, uri);
    const kind = classifyAddress(address);
    const passive = maxFails !== 0;
    pool.servers.push({
      id: `${pool.id}s${pool.servers.length + 1}`,
      poolId: pool.id,
      address,
      addressKey: addressKey(address, ns === 'http' ? '80' : undefined),
      weight,
      state,
      kind,
      // Docs (upstream `server`): "A domain name that resolves to several IP addresses defines multiple servers at once."
      ...(kind === 'hostname' ? { mayBeMultiple: true } : {}),
      healthCheck: { active: pool.healthCheck.active, passive },
      source: this.ref(d.range, uri),
    });
    return dynamic;
  }

  /** What ngx_parse_url refuses in an upstream `server` address; stream servers need a port. */
  private checkServerAddress(arg: Arg, ns: Namespace, uri: string): void {
    const a = arg.value;
    if (/^unix:/i.test(a) || a.includes('$')) return;
    if (a.includes('/')) {
      this.invalid(`invalid host in upstream "${a}"`, arg.range, uri);
      return;
    }
    const { port } = splitHostPort(a);
    if (port !== undefined && (!isUint(port) || Number(port) < 1 || Number(port) > 65535)) {
      this.invalid(`invalid port in upstream "${a}"`, arg.range, uri);
    } else if (port === undefined && ns === 'stream') {
      this.invalid(`no port in upstream "${a}"`, arg.range, uri);
    }
  }

  private findUpstream(ns: Namespace, name: string): Pool | undefined {
    const pool = this.upstreams[ns].get(name.toLowerCase());
    this.log?.push({ op: 'lookup', ns, name, poolId: pool?.id });
    return pool;
  }

  // ---- entries and routes -------------------------------------------------------------------------------

  /**
   * A `server` block. An unchanged block (same text, position and file, no `include`) is replayed from the
   * previous lowering when every upstream name it looked up names the same pool and every address pool it found
   * still exists; otherwise it is lowered and its steps recorded.
   */
  private server(node: Node, ns: Namespace): void {
    const { d, uri } = node;
    const id = this.blockId('e', d, uri);
    const key = `${ns}\u0000${id}`;
    const text = this.cache && !d.sourceText.includes('include') ? d.sourceText : undefined;
    const hit = text !== undefined ? this.memo(this.cache!.servers, key, text) : undefined;
    if (hit && this.replayable(hit.result)) {
      this.cache!.reused++;
      this.replay(hit.result);
      this.nextServers.set(key, hit);
      return;
    }
    if (text === undefined) return this.lowerServer(node, ns, id);
    const log: ServerOp[] = (this.log = []);
    try {
      this.lowerServer(node, ns, id);
    } finally {
      this.log = undefined;
    }
    this.nextServers.set(key, { text: ownCopy(text), result: log });
  }

  private replayable(ops: ServerOp[]): boolean {
    for (const o of ops) {
      if (o.op === 'lookup' && this.upstreams[o.ns].get(o.name.toLowerCase())?.id !== o.poolId) return false;
      if (o.op === 'address' && !o.created && !this.synthesized.has(o.key)) return false;
    }
    return true;
  }

  private replay(ops: ServerOp[]): void {
    for (const o of ops) {
      switch (o.op) {
        case 'entry':
          this.b.model.entries.push(o.entry);
          break;
        case 'site':
          this.b.model.sites!.push(o.site);
          break;
        case 'route':
          this.b.model.routes.push(o.route);
          break;
        case 'problem':
          this.b.problem(o.ruleId, o.message, o.source);
          break;
        case 'closedWorld':
          this.closedWorldProblems.push({ message: o.message, source: o.source });
          break;
        case 'active':
          this.markActive(o.target, o.detail);
          break;
        case 'address':
          // Created by this block before; an earlier block may have created it this time (same id either way).
          if (o.created && !this.synthesized.has(o.key)) {
            this.synthesized.set(o.key, o.pool);
            this.b.addPool(o.pool);
          }
          break;
      }
    }
  }

  /** `listen` takes a port from 1 to 65535 (`nginx -t`: invalid port in "99999" of the "listen" directive). */
  private checkListenPort(d: Directive, uri: string): void {
    const arg = d.args[0];
    if (!arg || /^unix:/i.test(arg.value)) return;
    const port = isUint(arg.value) ? arg.value : /^(?:\[[^\]]*\]|[^:]*):(.*)$/.exec(arg.value)?.[1];
    if (port === undefined) return;
    if (!isUint(port) || Number(port) < 1 || Number(port) > 65535) {
      this.invalid(`invalid port in "${arg.value}" of the "listen" directive: a port is from 1 to 65535`, arg.range, uri);
    }
  }

  private lowerServer(node: Node, ns: Namespace, id: string): void {
    const { d, uri } = node;
    const children = node.children ?? [];
    const listens: string[] = [];
    const hosts: string[] = [];
    const listenNodes: Node[] = [];
    const nameArgs: Arg[] = [];
    const nameUris = new Map<Arg, string>();
    let named = false;
    let sslOn = false;
    for (const c of children) {
      const name = c.d.name;
      if (name === 'listen') {
        listens.push(argText(c.d));
        listenNodes.push(c);
        this.checkListenPort(c.d, uri);
      } else if (name === 'server_name') {
        named = true;
        for (const a of c.d.args) {
          nameArgs.push(a);
          nameUris.set(a, c.uri);
          if (a.value !== '' && a.value !== '_') hosts.push(a.value);
        }
      } else if (name === 'ssl' && c.d.args[0]?.value === 'on') sslOn = true; // `ssl on;` (before 1.25.1): every listen is TLS
    }
    const binds: Bind[] = [];
    for (const c of listenNodes) {
      const b = listenBind(c.d, ns, this.ref(c.d.range, c.uri), sslOn);
      if (b) binds.push(b);
    }
    // Docs (listen): "Default: listen *:80 | *:8000;" — *:80 when nginx runs as the superuser, as deployed. An
    // include that could not be read may hold the listen: then where the server listens is not known.
    const unknownListen = listenNodes.length === 0 && !!d.block?.some((c) => c.name === 'include' && this.unresolvedIncludes.has(c));
    if (listenNodes.length === 0 && ns === 'http' && !unknownListen) binds.push({ port: 80, tls: sslOn, protocol: 'http' });
    const entry = this.addEntry({
      name: entryName(ns, listens[0]?.split(' ')[0], hosts[0]),
      namespace: ns,
      listen: listens,
      hosts,
      source: this.ref(d.range, uri),
      selection: this.ref(headerRange(d), uri),
      ...(unknownListen ? {} : { binds }),
      ...(ns === 'http' ? { noRoute: NO_LOCATION } : {}),
    }, id);
    if (ns === 'stream') {
      const pass = children.find((c) => c.d.name === 'proxy_pass');
      if (!pass) return;
      const target = this.passTarget(pass, ns, false);
      const healthCheck = children.some((c) => c.d.name === 'health_check');
      this.addRoute({
        entryId: entry.id,
        name: `proxy_pass ${pass.d.args.map((a) => a.value).join(' ')}`.trim(),
        matchText: '*',
        match: [],
        catchAll: true,
        evaluation: { group: `${entry.id}:server`, strategy: 'first-match', index: 0 },
        when: ALWAYS,
        target,
        source: this.ref(pass.d.range, pass.uri),
      });
      if (healthCheck) this.markActive(target, `Active: NGINX Plus "health_check" in ${entry.name}.`);
      return;
    }
    // Docs (server_name): "If no server_name is defined in a server block then nginx uses the empty name as the server name."
    const { patterns, invalid } = hostPatterns(nameArgs, (a) => this.ref(a.range, nameUris.get(a) ?? uri));
    for (const a of invalid) this.invalid(`invalid server name or wildcard "${a.value}"`, a.range, uri);
    const site: Site = {
      id: `${entry.id}.site`,
      entryId: entry.id,
      name: entry.name,
      hosts: named ? patterns : [{ kind: 'exact', value: '', text: '""', source: this.ref(headerRange(d), uri) }],
      source: this.ref(d.range, uri),
    };
    this.addSite(site);
    this.serverScript(children, entry, site);
    this.locations(children, entry, entry.id, true, site);
  }

  /** Top-level `location`s of a fragment (a server body kept in its own file) belong to an implicit server. */
  private implicitServer(locations: Node[]): void {
    const first = locations[0];
    const last = locations[locations.length - 1];
    const range = first.uri === last.uri ? { start: first.d.range.start, end: last.d.range.end } : first.d.range;
    const entry = this.addEntry({
      name: 'server (fragment)',
      namespace: 'http',
      listen: [],
      hosts: [],
      source: this.ref(range, first.uri),
      selection: this.ref(headerRange(first.d), first.uri),
      noRoute: NO_LOCATION,
    }, this.blockId('f', first.d, first.uri));
    this.locations(locations, entry, entry.id, true, undefined);
  }

  /**
   * The ngx_http_rewrite_module directives of a server block: "the directives of this module specified on the
   * server level are executed sequentially" before a location is searched. Each statement that answers (`return`,
   * a redirecting `rewrite`, an `if` that returns) is a route of a group the engine searches before the locations
   * (strategy `exact`: the first route of the group that matches takes the request); a `rewrite … last` (or without
   * flag) changes the URI the locations are searched with: undecidable.
   */
  private serverScript(children: Node[], entry: EntryPoint, site: Site): void {
    const specs = this.script(children, 'server', undefined, undefined);
    specs.forEach((spec, index) => {
      this.addRoute({
        entryId: entry.id,
        ...spec,
        catchAll: false,
        evaluation: { group: `${entry.id}:rewrite`, strategy: 'exact', index },
        siteId: site.id,
      });
    });
  }

  /**
   * The `location`s among `nodes`, nested ones included. Docs (ngx_http_core_module `location`): "nginx first
   * checks locations defined using the prefix strings (prefix locations). Among them, the location with the
   * longest matching prefix is selected and remembered. Then regular expressions are checked, in the order of
   * their appearance in the configuration file. The search of regular expressions terminates on the first
   * match […]. If the longest matching prefix location has the “^~” modifier then regular expressions are not
   * checked. […] using the “=” modifier it is possible to define an exact match of URI and location."
   * Nested locations are searched within the location chosen at their parent's level, hence groups per parent.
   */
  private locations(nodes: Node[], entry: EntryPoint, parentId: string, topLevel: boolean, site: Site | undefined): void {
    let counters: Map<string, number> | undefined;
    /** Prefix and exact location names of this level, and the prefix locations that redirect their name without `/`. */
    let names: Set<string> | undefined;
    let slashed: Array<{ route: Route; value: string }> | undefined;
    for (const node of nodes) {
      if (node.d.name !== 'location') continue;
      counters ??= new Map();
      const { d, uri } = node;
      if (!node.children) {
        this.problem('LB001', 'directive "location" has no opening "{"', this.ref(headerRange(d), uri));
        continue;
      }
      const loc = parseLocation(d);
      if (typeof loc === 'string') {
        this.invalid(loc, headerRange(d), uri);
        continue;
      }
      const desc = describeLocation(loc);
      const group = `${parentId}:${desc.group}`;
      const index = counters.get(group) ?? 0;
      counters.set(group, index + 1);
      const name = `location ${argText(d)}`;
      const children = node.children;
      const noUri = loc.kind === 'regex' || loc.kind === 'iregex' || loc.kind === 'named';
      const pass = children.find((c) => c.d.name in PASS_SCHEMES);
      const handler: RouteTarget = pass ? this.passTarget(pass, 'http', noUri) : { kind: 'none', reason: localReason(children) };
      // A `return` at the location's level ends the request in the rewrite phase, before any content handler runs.
      // The first directive of the module answers every request; after `if`s or rewrites it is a child route that
      // takes the requests they did not stop (those keep the configuration an `if` chose, or the location's).
      const ownReturn = liveReturn(children);
      let target = handler;
      if (ownReturn) {
        const response = returnResponse(ownReturn.d);
        if (typeof response !== 'string') target = { kind: 'none', reason: `return ${argText(ownReturn.d)}`, response };
      }
      const route = this.addRoute({
        entryId: entry.id,
        name,
        matchText: desc.text,
        match: [desc.match],
        catchAll: topLevel && desc.strategy === 'longest-prefix' && loc.value === '/',
        evaluation: {
          group,
          strategy: desc.strategy,
          index,
          // "Then regular expressions are checked … If no match with a regular expression is found then the
          // configuration of the prefix location remembered earlier is used" (ngx_http_core_module, location);
          // `^~` prefixes skip that step.
          preemptedBy: loc.kind === 'prefix' ? `${parentId}:regex` : undefined,
          parent: topLevel ? undefined : parentId,
        },
        when: locationCondition(loc.kind, loc.value),
        siteId: site?.id,
        target,
        source: this.ref(d.range, uri),
      });
      if (children.some((c) => c.d.name === 'health_check')) this.markActive(target, `Active: NGINX Plus "health_check" in ${name}.`);
      if (loc.kind === 'exact' || loc.kind === 'prefix' || loc.kind === 'noregex') (names ??= new Set()).add(loc.value);
      // (nginx sets it for `=` locations too: ngx_http_core_module marks the tree node when either has it.)
      if (pass && !noUri && loc.value.length > 1 && loc.value.endsWith('/')) {
        (slashed ??= []).push({ route, value: loc.value });
      }
      this.locationScript(route, children, entry, site, ownReturn);
      if (!ownReturn) this.tryFiles(route, children, entry, site);
      this.locations(children, entry, route.id, false, site);
    }
    // Docs (location): "If a location is defined by a prefix string that ends with the slash character, and requests
    // are processed by one of proxy_pass, fastcgi_pass, uwsgi_pass, scgi_pass, memcached_pass, or grpc_pass, […] in
    // response to a request with URI equal to this string, but without the trailing slash, a permanent redirect with
    // the code 301 will be returned" — unless a location of that exact name exists; regexes are not checked.
    let index = 0;
    for (const { route, value } of slashed ?? []) {
      const bare = value.slice(0, -1);
      if (names!.has(bare)) continue;
      names!.add(bare);
      this.addRoute({
        entryId: entry.id,
        name: `${route.name} (${bare} → ${value})`,
        matchText: `path = ${bare}`,
        match: [{ field: 'path', op: 'exact', value: bare }],
        catchAll: false,
        evaluation: { group: `${parentId}:slash`, strategy: 'exact', index: index++, parent: topLevel ? undefined : parentId },
        when: { kind: 'test', field: 'path', match: { op: 'exact', value: bare } },
        siteId: site?.id,
        target: { kind: 'none', reason: `redirect to ${value} (${route.name})`, response: { kind: 'redirect', status: 301, location: value } },
        source: route.source,
      });
    }
  }

  /**
   * The `if`, `return`, `rewrite` and `break` directives of a location: children of the location route, searched
   * after it was chosen, with the `last-match` strategy. Docs (ngx_http_rewrite_module): the directives "specified
   * inside the found location are executed sequentially"; for `if`, "If true, this module directives specified
   * inside the braces are executed, and the request is assigned the configuration inside the if directive" — so
   * each matching `if` replaces the configuration and the last one wins, unless a directive stops the processing
   * first (`return`, `break`, a `rewrite` with a flag): later routes exclude the requests stopped before them.
   */
  private locationScript(location: Route, children: Node[], entry: EntryPoint, site: Site | undefined, ownReturn: Node | undefined): void {
    const specs = this.script(children, 'location', location, ownReturn);
    specs.forEach((spec, index) => {
      this.addRoute({
        entryId: entry.id,
        ...spec,
        catchAll: false,
        evaluation: { group: `${location.id}:if`, strategy: 'last-match', index, parent: location.id },
        siteId: site?.id,
      });
    });
  }

  /**
   * Routes for a block's rewrite-module statements, in order. `level` decides how stops guard later statements:
   * in a location (last-match) every route excludes the requests stopped before it; at the server level (first
   * match) only stops that take no route of their own (`break`, `rewrite … break|last`) are excluded — an earlier
   * route that matches takes the request anyway. A statement that stops the processing without answering leaves the
   * request with the configuration chosen so far (the last matching `if` with a handler, else the location).
   */
  private script(nodes: Node[], level: 'server' | 'location', base: Route | undefined, ownReturn: Node | undefined): RouteSpec[] {
    const specs: RouteSpec[] = [];
    const routed: Condition[] = [];
    const unrouted: Condition[] = [];
    let dead = false;
    let count = 0;
    const guard = (): Condition | undefined => {
      const list = level === 'location' ? [...routed, ...unrouted] : unrouted;
      return list.length === 0 ? undefined : not(list.length === 1 ? list[0] : { kind: 'any', of: list });
    };
    const suffix = base ? ` in ${base.name}` : '';
    const matchOf = (extra: MatchCondition) => [...(base?.match ?? []), extra];
    const textOf = (t: string) => (base ? `${base.matchText} ${t}` : t);
    for (const node of nodes) {
      const name = node.d.name;
      if (name !== 'if' && name !== 'return' && name !== 'rewrite' && name !== 'break') continue;
      if (++count > (level === 'server' ? MAX_SERVER_STATEMENTS : MAX_STATEMENTS)) {
        // Bounded work: the rest is not followed, and every request that reaches it says so.
        const text = `${name} … (line ${node.d.nameRange.start.line + 1} and after)`;
        specs.push({
          name: `${text}${suffix}`, matchText: base ? textOf(text) : text, match: matchOf({ field: 'statement', op: 'opaque', value: text }),
          when: and([guard(), { kind: 'opaque', text, why: `more than ${count - 1} rewrite-module directives in one block: the rest is not followed` }]),
          target: { kind: 'none', reason: text }, source: this.ref(node.d.range, node.uri),
        });
        break;
      }
      if (name === 'break') {
        dead = true;
        continue;
      }
      if (name === 'return') {
        if (node === ownReturn || dead) {
          dead = true;
          continue;
        }
        const response = returnResponse(node.d);
        if (typeof response === 'string') {
          this.invalid(response, headerRange(node.d), node.uri);
          continue;
        }
        const text = `return ${argText(node.d)}`;
        specs.push({
          name: `${text}${suffix}`, matchText: base ? textOf(text) : '*', match: matchOf({ field: 'statement', op: 'opaque', value: text }),
          when: and([guard()]), target: { kind: 'none', reason: text, response }, source: this.ref(node.d.range, node.uri),
        });
        dead = true;
        continue;
      }
      if (name === 'rewrite') {
        const r = this.rewrite(node, undefined, dead, guard, { suffix, matchOf, textOf }, level);
        if (!r) continue;
        if (r.spec) specs.push(r.spec);
        if (r.stop) (r.routed ? routed : unrouted).push(r.stop);
        continue;
      }
      // `if`: only its block's rewrite-module directives run; its own handler (a `*_pass`) replaces the location's.
      if (!node.children) continue;
      const cond = ifCondition(node.d);
      if (typeof cond === 'string') {
        this.invalid(cond, headerRange(node.d), node.uri);
        continue;
      }
      const ifText = `if (${cond.text})`;
      const ifName = `${ifText}${suffix}`;
      const reach = dead ? NEVER : and([cond.when, guard()]);
      const pass = level === 'location' ? node.children.find((c) => c.d.name in PASS_SCHEMES) : undefined;
      const ifHandler = pass ? this.passTarget(pass, 'http', true) : undefined;
      const body: RouteSpec[] = [];
      let bodyDead = dead;
      for (const inner of node.children) {
        const n = inner.d.name;
        if (n === 'break') {
          if (!bodyDead) unrouted.push(cond.when);
          bodyDead = true;
        } else if (n === 'return') {
          const response = returnResponse(inner.d);
          if (typeof response === 'string') {
            this.invalid(response, headerRange(inner.d), inner.uri);
            continue;
          }
          body.push({
            name: ifName, matchText: textOf(ifText), match: matchOf({ field: 'if', op: 'opaque', value: cond.text }),
            when: bodyDead ? NEVER : and([cond.when, guard()]), target: { kind: 'none', reason: `return ${argText(inner.d)}`, response },
            source: this.ref(node.d.range, node.uri),
          });
          if (!bodyDead) routed.push(cond.when);
          bodyDead = true;
        } else if (n === 'rewrite') {
          const r = this.rewrite(inner, cond, bodyDead, guard, { suffix: ` in ${ifName}`, matchOf: (x) => [...matchOf({ field: 'if', op: 'opaque', value: cond.text }), x], textOf: (t) => `${textOf(ifText)} ${t}` }, level);
          if (!r) continue;
          if (r.spec) body.push(r.spec);
          if (r.stop) (r.routed ? routed : unrouted).push(r.stop);
        }
      }
      if (ifHandler) {
        // The `if`'s configuration and its handler serve the request unless a later directive answers it.
        specs.push({
          name: ifName, matchText: textOf(ifText), match: matchOf({ field: 'if', op: 'opaque', value: cond.text }),
          when: reach, target: ifHandler, source: this.ref(node.d.range, node.uri),
        });
      }
      specs.push(...body);
    }
    return specs;
  }

  /**
   * `try_files file … uri|@name|=code` (ngx_http_core_module): "Checks the existence of files in the specified order
   * and uses the first found file for request processing; […] If none of the files were found, an internal redirect
   * to the uri specified in the last parameter is made." Which files exist is known only at run time: when the last
   * parameter sends the request elsewhere (a URI or a named location), a child route says so, undecidable.
   */
  private tryFiles(location: Route, children: Node[], entry: EntryPoint, site: Site | undefined): void {
    const node = children.find((c) => c.d.name === 'try_files');
    const last = node?.d.args[node.d.args.length - 1]?.value;
    if (!node || node.d.args.length < 2 || last === undefined || last.startsWith('=')) return;
    const text = `try_files ${argText(node.d)}`;
    const why = `when none of the files exists, nginx continues with ${last} (the file system decides at run time)`;
    this.addRoute({
      entryId: entry.id,
      name: `${text} in ${location.name}`,
      matchText: `${location.matchText} try_files`,
      match: [...location.match, { field: 'try_files', op: 'opaque', value: argText(node.d) }],
      catchAll: false,
      evaluation: { group: `${location.id}:try_files`, strategy: 'last-match', index: 0, parent: location.id },
      when: { kind: 'opaque', text, why },
      siteId: site?.id,
      target: { kind: 'none', reason: `${text}: ${why}` },
      source: this.ref(node.d.range, node.uri),
    });
  }

  /** A `rewrite` statement (inside an `if` with `cond`): its route and the stop it makes. */
  private rewrite(
    node: Node, cond: IfCondition | undefined, dead: boolean, guard: () => Condition | undefined,
    names: { suffix: string; matchOf: (m: MatchCondition) => MatchCondition[]; textOf: (t: string) => string },
    level: 'server' | 'location',
  ): { spec?: RouteSpec; stop?: Condition; routed: boolean } | undefined {
    const r = rewriteOf(node.d);
    if (typeof r === 'string') {
      this.invalid(r, headerRange(node.d), node.uri);
      return undefined;
    }
    const text = `rewrite ${argText(node.d)}`;
    const own = rewriteCondition(r);
    const stop = and([cond?.when, own]);
    const base = {
      name: `${text}${names.suffix}`, matchText: names.textOf(`path ~ ${r.regex}`), match: names.matchOf({ field: 'path', op: 'regex', value: r.regex }),
      source: this.ref(node.d.range, node.uri),
    };
    const when = dead ? NEVER : and([cond?.when, guard(), own]);
    if (dead) return { spec: r.redirect ? { ...base, when, target: { kind: 'none', reason: text, response: r.redirect } } : undefined, routed: true };
    if (r.redirect) return { spec: { ...base, when, target: { kind: 'none', reason: text, response: r.redirect } }, stop, routed: true };
    // At the server level every rewrite that is not a redirect changes the URI the locations are then searched with.
    if (r.researches || level === 'server') {
      const why = level === 'server' ? 'the URI changes before nginx searches the locations' : 'the URI changes and nginx searches the locations again with it';
      return {
        spec: { ...base, when: and([when, { kind: 'opaque', text, why }]), target: { kind: 'none', reason: `${text}: ${why}` } },
        stop, routed: false,
      };
    }
    // `break`: the directives stop; the request stays where it is, with the configuration chosen so far.
    return { stop, routed: false };
  }

  /**
   * The target of a `*_pass` directive. Docs (proxy_pass): "In addition, an address can be specified as a
   * server group" — a host equal to an upstream name (compared case-insensitively, ngx_http_upstream_add) is
   * that upstream; otherwise it is an address, and "if a domain name resolves to several addresses, all of
   * them will be used in a round-robin fashion". With variables the target is computed per request.
   */
  private passTarget(node: Node, ns: Namespace, noUri: boolean): RouteTarget {
    const { d, uri } = node;
    if (d.args.length !== 1) {
      this.invalid(`invalid number of arguments in "${d.name}" directive`, headerRange(d), uri);
      return { kind: 'none', reason: `invalid ${d.name}` };
    }
    const arg = d.args[0];
    const value = arg.value;
    if (value.includes('$')) return { kind: 'dynamic', text: value, nameSource: this.ref(arg.range, uri) };
    const schemes = ns === 'stream' ? [] : PASS_SCHEMES[d.name];
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value);
    let offset = 0;
    let defaultPort: string | undefined;
    if (scheme && schemes.includes(scheme[1].toLowerCase())) {
      offset = scheme[0].length;
      const s = scheme[1].toLowerCase();
      if (s === 'http') defaultPort = '80';
      else if (s === 'https') defaultPort = '443';
    } else if (ns === 'http' && d.name === 'proxy_pass') {
      this.invalid('invalid URL prefix: expected "http://" or "https://"', arg.range, uri);
      return { kind: 'none', reason: 'invalid proxy_pass' };
    }
    const rest = value.slice(offset);
    let hostPort: string;
    let uriPart: string;
    if (/^unix:/i.test(rest)) {
      // `http://unix:/tmp/backend.socket:/uri/` — the path ends at the next colon.
      const colon = d.name === 'proxy_pass' ? rest.indexOf(':', 5) : -1;
      hostPort = colon < 0 ? rest : rest.slice(0, colon);
      uriPart = colon < 0 ? '' : rest.slice(colon + 1);
    } else {
      const cut = rest.search(/[/?]/);
      hostPort = cut < 0 ? rest : rest.slice(0, cut);
      uriPart = cut < 0 ? '' : rest.slice(cut);
    }
    const hostPortRange = argSubRange(arg, offset, offset + hostPort.length);
    if (noUri && uriPart && d.name === 'proxy_pass' && ns === 'http') {
      this.invalid(
        '"proxy_pass" cannot have URI part in location given by regular expression, or inside named location, ' +
          'or inside "if" statement, or inside "limit_except" block',
        arg.range,
        uri,
      );
    }
    if (/^unix:/i.test(hostPort)) return this.addressTarget(hostPort, ns, undefined, this.ref(hostPortRange, uri), d, uri);
    const { host, port } = splitHostPort(hostPort);
    const hostStart = offset + (hostPort.startsWith('[') ? 1 : 0);
    const pool = this.findUpstream(ns, host);
    if (pool) {
      if (port !== undefined) this.invalid(`upstream "${host}" may not have port ${port}`, hostPortRange, uri);
      return { kind: 'pool', name: host, namespace: ns, poolId: pool.id, nameSource: this.ref(argSubRange(arg, hostStart, hostStart + host.length), uri) };
    }
    if (port !== undefined && (!isUint(port) || Number(port) < 1 || Number(port) > 65535)) {
      this.invalid(`invalid port in upstream "${hostPort}"`, hostPortRange, uri);
    } else if (port === undefined && defaultPort === undefined) {
      // Not an upstream here; in a closed world it is not one anywhere, and nginx needs a port.
      const source = this.ref(hostPortRange, uri);
      this.closedWorldProblems.push({ message: `no port in upstream "${hostPort}"`, source });
      this.log?.push({ op: 'closedWorld', message: `no port in upstream "${hostPort}"`, source });
    }
    return this.addressTarget(hostPort, ns, defaultPort, this.ref(hostPortRange, uri), d, uri);
  }

  /** A direct address: one synthesised pool per address (nginx makes one implicit upstream per host:port). */
  private addressTarget(address: string, ns: Namespace, defaultPort: string | undefined, nameSource: SourceRef, d: Directive, uri: string): RouteTarget {
    const key = addressKey(address, defaultPort);
    const mapKey = `${ns}\u0000${key}`;
    let pool = this.synthesized.get(mapKey);
    const created = !pool;
    if (!pool) {
      // The id names the address, not a counter: a replayed block refers to it whoever created it.
      const id = `a.${ns}.${key}`;
      pool = {
        id,
        servers: [],
        name: address,
        namespace: ns,
        kind: 'address',
        synthesized: true,
        algorithm: 'round_robin',
        shareModel: 'weighted',
        backupPolicy: 'all',
        healthCheck: { active: false, passive: true, detail: PASSIVE_DEFAULT },
        source: this.ref(d.range, uri),
        nameSource,
      };
      this.b.addPool(pool);
      const kind = classifyAddress(address);
      pool.servers.push({
        id: `${id}s1`,
        poolId: id,
        address,
        addressKey: key,
        weight: 1,
        state: 'active',
        kind,
        ...(kind === 'hostname' ? { mayBeMultiple: true } : {}),
        healthCheck: { active: false, passive: true },
        source: this.ref(d.range, uri),
      });
      this.synthesized.set(mapKey, pool);
    }
    this.log?.push({ op: 'address', key: mapKey, pool, created });
    return { kind: 'address', address, poolId: pool.id, nameSource };
  }

  private markActive(target: RouteTarget, detail: string): void {
    this.log?.push({ op: 'active', target, detail });
    if (target.kind !== 'pool' || !target.poolId) return;
    const pool = this.b.model.pools.find((p) => p.id === target.poolId);
    if (pool && !this.activeChecks.has(pool)) this.activeChecks.set(pool, detail);
  }

  /** Pools with active checks are replaced by checked copies (a pool may be shared with a previous model). */
  private applyActiveChecks(): void {
    if (this.activeChecks.size === 0) return;
    const pools = this.b.model.pools;
    for (let i = 0; i < pools.length; i++) {
      const pool = pools[i];
      const detail = this.activeChecks.get(pool);
      if (detail === undefined) continue;
      pools[i] = {
        ...pool,
        healthCheck: { ...pool.healthCheck, active: true, detail: pool.healthCheck.passive ? `${detail} ${PASSIVE_DEFAULT}` : detail },
        servers: pool.servers.map((s) => ({ ...s, healthCheck: { active: true, passive: s.healthCheck?.passive ?? false } })),
      };
    }
  }

  /** `map`/`split_clients` values naming an upstream (`proxy_pass http://$backend` picks one of them). */
  private mapMentions(node: Node, ns: Namespace): void {
    for (const c of node.children ?? []) {
      const value = c.d.args[c.d.args.length - 1];
      const pool = value && this.findUpstream(ns, value.value);
      if (pool) this.b.mention({ name: pool.name, namespace: ns, source: this.ref(value.range, c.uri) });
    }
  }
}

/** A route of a rewrite-module statement, before its evaluation is known. */
type RouteSpec = Pick<Route, 'name' | 'matchText' | 'match' | 'when' | 'target' | 'source'>;

/**
 * Rewrite-module statements of one block followed as routes (a location's routes exclude every earlier stop, so
 * their conditions grow with the count; server-level ones only exclude stops without a route); beyond, the
 * requests that reach the rest are undecidable.
 */
const MAX_STATEMENTS = 256;
const MAX_SERVER_STATEMENTS = 5000;

/**
 * Docs ("How nginx processes a request"): when no location matches, the request is processed with the server's
 * own configuration — static files from its root, so 404 Not Found unless the file exists.
 */
const NO_LOCATION = { status: 404, text: 'no location matches: nginx serves the URI from the server root (404 Not Found unless that file exists)' };

/** A `return` that is the first rewrite-module directive of a block: it answers every request. */
function liveReturn(children: Node[]): Node | undefined {
  for (const c of children) {
    const n = c.d.name;
    if (n === 'break' || n === 'if' || n === 'rewrite') return undefined;
    if (n === 'return') return typeof returnResponse(c.d) === 'string' ? undefined : c;
  }
  return undefined;
}

/** The directive's argument values, space-separated. */
function argText(d: Directive): string {
  const args = d.args;
  let text = '';
  for (let i = 0; i < args.length; i++) text += i === 0 ? args[i].value : ` ${args[i].value}`;
  return text;
}

/** `server example.com:443`: the first server_name and the port of the first listen (nginx defaults to *:80). */
function entryName(ns: Namespace, listen: string | undefined, host: string | undefined): string {
  let port: string | undefined;
  if (listen !== undefined) {
    if (isUint(listen)) port = listen;
    else if (!/^unix:/i.test(listen)) port = splitHostPort(listen).port;
  } else if (ns === 'http') port = '80';
  if (host) return `server ${host}${port ? `:${port}` : ''}`;
  if (listen !== undefined) return `server ${isUint(listen) ? `*:${listen}` : listen}`;
  return ns === 'http' ? 'server *:80' : 'server';
}

function localReason(children: Node[]): string {
  for (const [re, describe] of LOCAL_HANDLERS) {
    const c = children.find((n) => re.test(n.d.name));
    if (c) return describe(c.d);
  }
  return 'served by nginx itself (static files)';
}

/**
 * Parse an nginx configuration (with its includes, through the host) and lower it into the traffic model.
 * Never throws on user input.
 */
export function lowerNginx(uri: string, text: string, host: FormatHost, cache?: NginxLowerCache): TrafficModel {
  const b = new ModelBuilder('nginx', uri);
  const expansion = expandIncludes(uri, parseNginx(text), host);
  const fileIndex = new Map(expansion.files.map((f, i) => [f.uri, i]));
  for (const file of expansion.files) {
    if (file.uri !== uri) b.model.files.push(file.uri);
    if (file.cst.bom) b.problem('LB001', file.cst.bom.message, b.ref(file.cst.bom.range, file.uri));
    for (const e of file.cst.errors) b.problem('LB001', e.message, b.ref(e.range, file.uri));
    for (const c of file.cst.comments) b.comment({ text: c.text, source: b.ref(c.range, file.uri) });
  }
  for (const p of expansion.problems) {
    if (p.severity) b.model.problems.push({ ruleId: 'LB001', message: p.message, source: b.ref(p.range, p.uri), severity: p.severity });
    else b.problem('LB001', p.message, b.ref(p.range, p.uri));
  }
  b.model.sites = [];
  const lowering = new Lowering(b, fileIndex, cache, expansion.unresolvedIncludes);
  const { isMain } = lowering.run(expansion.nodes);
  b.model.closedWorld = isMain && expansion.unresolved === 0;
  if (b.model.closedWorld) lowering.closedWorld();
  return b.model;
}
