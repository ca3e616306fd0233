import { routeCondition } from '../../analysis/routing/condition';
import { entryMatchesName, routeRequest, type RoutingResult } from '../../analysis/routing/engine';
import type { Request } from '../../analysis/routing/request';
import type { ModelIndex } from '../../analysis/modelIndex';
import type { Condition, EntryPoint, Pool, Route, Server, TrafficModel } from '../../model/types';
import { peaks, Series, SeriesBudget, type Peak } from './series';
import { own, type LogRecord } from './record';

/**
 * Replay: every logged request through the routing engine, counted per destination. A *destination* (a class)
 * is what the engine answers — entry point, route, outcome and status, pools and each server's share; requests
 * that get the same answer share one class, one counter and one time series. Routes, pools and servers are sums
 * over classes (a pool's requests: Σ class requests × the pool's share; a server's: × its share), so per-server
 * peaks are exact for the configured shares at no per-line cost.
 *
 * Routing is memoised: the engine's answer depends only on the request fields the model's conditions read
 * (method, scheme, port and host always; the path; the query, headers, client address only when some condition
 * reads them), so requests equal in those fields are looked up, not routed again. The memo is bounded.
 */

export interface ReplayOptions {
  /** Only entry points with this name (`--entry`). */
  entry?: string;
  /** The host of requests whose log line records none (`--host`). */
  host?: string;
  /** The port of requests whose log line records none (`--port`). */
  port?: number;
  /** Shared across the replays of one run (diff replays both revisions): the per-second memory budget. */
  budget?: SeriesBudget;
}

export interface Klass {
  id: number;
  entry?: EntryPoint;
  route?: Route;
  outcome: RoutingResult['outcome'] | 'no-entry';
  status?: number;
  pools: Array<{ pool: Pool; share: number }>;
  servers: Array<{ server: Server; pool: Pool; share: number }>;
  summary: string;
  /** The first request of the class, as text. */
  example: string;
  count: number;
  series: Series;
  /** Where the log says its requests went: `pool\0server\0address` → count. */
  observed?: Map<string, number>;
  /** The engine's result this class was made from (for callers that describe destinations). */
  result?: RoutingResult;
}

const MEMO_LIMIT = 200_000;
const OBSERVED_LIMIT = 10_000;

/** Which request fields the model's conditions read, beyond method, scheme, port, host and path. */
interface FieldUse {
  query: boolean;
  src: boolean;
  headers: string[];
}

function fieldUse(model: TrafficModel): FieldUse {
  const headers = new Set<string>();
  let query = false;
  let src = false;
  const visit = (c: Condition): void => {
    switch (c.kind) {
      case 'all':
      case 'any':
        c.of.forEach(visit);
        return;
      case 'not':
        visit(c.of);
        return;
      case 'opaque':
        return;
      case 'test': {
        const f = c.field;
        if (f === 'query' || f === 'url' || f.startsWith('arg:')) query = true;
        else if (f === 'src') src = true;
        else if (f.startsWith('header:')) headers.add(f.slice(7));
        else if (f.startsWith('cookie:')) headers.add('cookie');
      }
    }
  };
  for (const r of model.routes) {
    visit(routeCondition(r));
    if (r.target.kind === 'dynamic' && r.target.byHeader) headers.add(r.target.byHeader.header.toLowerCase());
  }
  headers.delete('host');
  return { query, src, headers: [...headers].sort() };
}

/** The port and scheme a request arrives with when its log line does not say. */
interface Arrival {
  port: number;
  scheme: 'http' | 'https';
  /** How the port was chosen, for the report. */
  why: string;
}

function defaultArrival(model: TrafficModel, options: ReplayOptions): Arrival {
  const tlsByPort = new Map<number, Set<boolean | undefined>>();
  for (const e of model.entries) {
    for (const b of e.binds ?? []) {
      if (b.port === undefined || b.protocol === 'udp') continue;
      let s = tlsByPort.get(b.port);
      if (!s) tlsByPort.set(b.port, (s = new Set()));
      s.add(b.tls);
    }
  }
  const schemeOf = (port: number): 'http' | 'https' => {
    const s = tlsByPort.get(port);
    if (s && s.size === 1 && s.has(true)) return 'https';
    if (!s && port === 443) return 'https';
    return 'http';
  };
  if (options.port !== undefined) return { port: options.port, scheme: schemeOf(options.port), why: `--port ${options.port}` };
  const ports = [...tlsByPort.keys()].sort((a, b) => a - b);
  if (ports.length === 0) return { port: 80, scheme: 'http', why: 'port 80 (the configuration states no port)' };
  if (ports.length === 1) return { port: ports[0], scheme: schemeOf(ports[0]), why: `port ${ports[0]}, the only one the configuration listens on` };
  const port = ports.includes(80) ? 80 : ports.includes(443) ? 443 : ports[0];
  return { port, scheme: schemeOf(port), why: `port ${port} of the ${ports.length} the configuration listens on (${ports.join(', ')}; --port picks another)` };
}

export class Replay {
  readonly classes: Klass[] = [];
  private readonly byKey = new Map<string, Klass>();
  /** Memo: the request's arrival (entry, method, scheme, port, host) → its path and other fields → class. */
  private readonly memo = new Map<string, Map<string, Klass>>();
  private memoSize = 0;
  /** The previous request's arrival and memo (consecutive requests usually share them). */
  private last: { inner?: Map<string, Klass>; entry?: string; method: string; scheme: string; port: number; host: string } = { method: '', scheme: 'http', port: 0, host: '' };
  private readonly use: FieldUse;
  private readonly arrival: Arrival;
  private readonly entryNames = new Map<string, string | null>();
  readonly budget: SeriesBudget;
  /** Requests routed (records given to `add`). */
  requests = 0;
  /** Requests without a usable time (counted, not in rates). */
  untimed = 0;
  minTime = Infinity;
  maxTime = -Infinity;
  /** Requests several entry points could take (their first routing answer was counted). */
  ambiguous = 0;
  /** Records that did not say which port / host: the defaults were used. */
  portAssumed = 0;
  hostAssumed = 0;
  hostMissing = 0;
  /** Entry names the logs give that no entry point of the model has. */
  readonly unknownEntries = new Map<string, number>();
  readonly tcpConnections = { count: 0 };

  constructor(readonly model: TrafficModel, readonly index: ModelIndex, readonly options: ReplayOptions = {}) {
    this.use = fieldUse(model);
    this.arrival = defaultArrival(model, options);
    this.budget = options.budget ?? new SeriesBudget();
  }

  /** Whether a logged header matters to the configuration's routes (parsers skip the others). */
  readonly wantHeader = (name: string): boolean => this.use.headers.includes(name) || (name === 'cookie' && this.use.headers.includes('cookie'));

  get assumedArrival(): string {
    return this.arrival.why;
  }

  /** Route one logged request and count it. Returns its class. */
  add(rec: LogRecord): Klass {
    this.requests++;
    if (rec.tcp) this.tcpConnections.count++;
    const entry = this.entryFor(rec);
    let port = rec.port;
    if (port === undefined) {
      port = rec.scheme === 'https' && this.arrival.scheme === 'http' && this.options.port === undefined ? 443 : this.arrival.port;
      this.portAssumed++;
    }
    const scheme = rec.scheme ?? (port === this.arrival.port ? this.arrival.scheme : port === 443 ? 'https' : 'http');
    let host = rec.host;
    if (host === undefined) {
      if (this.options.host !== undefined) {
        host = this.options.host;
        this.hostAssumed++;
      } else {
        host = '';
        this.hostMissing++;
      }
    }
    const u = this.use;
    let inner: Map<string, Klass> | undefined;
    let arrival = '';
    const last = this.last;
    if (last.inner && last.entry === entry && last.method === rec.method && last.scheme === scheme && last.port === port && last.host === host) {
      inner = last.inner;
    } else {
      arrival = `${entry ?? ''}\u0001${rec.method}\u0001${scheme}\u0001${port}\u0001${host}`;
      inner = this.memo.get(arrival);
      if (!inner) {
        inner = new Map();
        this.memo.set(own(arrival), inner);
      }
      this.last = { inner, entry: entry === undefined ? undefined : own(entry), method: own(rec.method), scheme, port, host: own(host) };
    }
    let key = rec.tcp ? '' : rec.path;
    if (u.query) key += `\u0001${rec.query}`;
    if (u.src) key += `\u0001${rec.src ?? ''}`;
    if (u.headers.length) {
      for (const h of u.headers) key += `\u0001${header(rec, h) ?? '\u0002'}`;
    }
    let k = inner.get(key);
    if (!k) {
      k = this.route(rec, entry, scheme, port, host);
      if (this.memoSize >= MEMO_LIMIT) {
        this.memo.clear();
        this.memoSize = 0;
        this.last = { inner: undefined, entry: undefined, method: '', scheme: 'http', port: 0, host: '' };
        inner = new Map();
        this.memo.set(own(arrival || `${entry ?? ''}\u0001${rec.method}\u0001${scheme}\u0001${port}\u0001${host}`), inner);
      }
      inner.set(own(key), k);
      this.memoSize++;
    }
    k.count++;
    if (rec.time !== undefined && Number.isFinite(rec.time)) {
      k.series.add(rec.time);
      if (rec.time < this.minTime) this.minTime = rec.time;
      if (rec.time > this.maxTime) this.maxTime = rec.time;
    } else this.untimed++;
    const up = rec.upstream;
    if (up && (up.address !== undefined || up.server !== undefined || up.pool !== undefined)) {
      const okey = `${up.pool ?? ''}\u0000${up.server ?? ''}\u0000${up.address ?? ''}`;
      const m = (k.observed ??= new Map());
      const c = m.get(okey);
      if (c !== undefined) m.set(okey, c + 1);
      else if (m.size < OBSERVED_LIMIT) m.set(own(okey), 1);
      else m.set('\u0000\u0000…', (m.get('\u0000\u0000…') ?? 0) + 1);
    }
    return k;
  }

  private entryFor(rec: LogRecord): string | undefined {
    if (this.options.entry !== undefined) return this.options.entry;
    if (rec.entry === undefined) return undefined;
    let e = this.entryNames.get(rec.entry);
    if (e === undefined) {
      const found = this.model.entries.find((x) => entryMatchesName(x, rec.entry!));
      e = found ? rec.entry : null;
      this.entryNames.set(own(rec.entry), e);
    }
    if (e === null) this.unknownEntries.set(own(rec.entry), (this.unknownEntries.get(rec.entry) ?? 0) + 1);
    return e ?? undefined;
  }

  private route(rec: LogRecord, entry: string | undefined, scheme: 'http' | 'https', port: number, host: string): Klass {
    const headers = new Map<string, string>();
    if (rec.headers) {
      for (const [name, value] of rec.headers) {
        const prev = headers.get(name);
        headers.set(name, prev === undefined ? value : `${prev},${value}`);
      }
    }
    if (host && !headers.has('host')) headers.set('host', host);
    const req: Request = {
      method: rec.method,
      scheme,
      host,
      port,
      path: rec.tcp ? '/' : rec.path,
      query: rec.tcp ? '' : rec.query,
      headers,
      sni: scheme === 'https' && host && !/^\d{1,3}(\.\d{1,3}){3}$/.test(host) && !host.includes(':') ? host : undefined,
      src: rec.src,
    };
    const results = routeRequest(this.model, this.index, req, { entry, trace: false });
    if (results.length > 1) this.ambiguous++;
    const r = results.find((x) => x.outcome === 'pool') ?? results.find((x) => x.route) ?? results[0];
    const example = `${rec.tcp ? 'connection to' : rec.method} ${host ? `${scheme}://${host}${port !== (scheme === 'https' ? 443 : 80) ? `:${port}` : ''}` : `(no host, port ${port})`}${rec.tcp ? '' : `${rec.path}${rec.query ? `?${rec.query}` : ''}`}`;
    const ckey = r
      ? `${r.entry.id}\u0000${r.route?.id ?? ''}\u0000${r.outcome}\u0000${r.status ?? ''}\u0000${r.servers.map((s) => `${s.server.id}=${s.share}`).join(',')}\u0000${r.pools.map((p) => `${p.pool.id}=${p.share}`).join(',')}`
      : 'no-entry';
    let k = this.byKey.get(ckey);
    if (!k) {
      k = {
        id: this.classes.length,
        entry: r?.entry,
        route: r?.route,
        outcome: r ? r.outcome : 'no-entry',
        status: r?.status,
        pools: r ? r.pools.map((p) => ({ pool: p.pool, share: p.share })) : [],
        servers: r ? r.servers.map((s) => ({ server: s.server, pool: s.pool, share: s.share })) : [],
        summary: r ? r.summary : 'no entry point listens where the request arrives',
        example: own(example),
        count: 0,
        series: new Series(this.budget),
        result: r,
      };
      this.classes.push(k);
      this.byKey.set(ckey, k);
    }
    return k;
  }
}

function header(rec: LogRecord, name: string): string | undefined {
  if (!rec.headers) return undefined;
  let v: string | undefined;
  for (const [n, x] of rec.headers) if (n === name) v = v === undefined ? x : `${v},${x}`;
  return v;
}

// ---- the summary ------------------------------------------------------------------------------------------------

export interface Rates {
  /** Busiest one-second bucket, requests/s. */
  perSecond: { rate: number; at: string } | null;
  /** Busiest one-minute bucket, averaged to requests/s (`requests` in that minute). */
  perMinute: { rate: number; requests: number; at: string } | null;
}

export interface ReplaySummary {
  requests: number;
  window: { start: string; end: string; seconds: number } | null;
  peak: Rates;
  routes: Array<{
    /** The model's route id (only with `summarize(…, { ids: true })`: the editor's views key by it). */
    id?: string;
    name: string; file: string; line: number; entry: string; outcome: string; status?: number;
    requests: number; share: number; peak: Rates; pools: Array<{ name: string; share: number }>;
  }>;
  pools: Array<{
    id?: string;
    name: string; file: string; line: number; requests: number; share: number; peak: Rates;
    servers: Array<{ id?: string; name?: string; address: string; state: string; line: number; poolShare: number; requests: number; share: number; peak: Rates }>;
  }>;
  /** Requests that reached no pool: no route (404…), redirects, direct answers, no usable server, no entry point. */
  unrouted: Array<{ outcome: string; status?: number; summary: string; requests: number; share: number; example: string; route?: string }>;
  notes: string[];
}

const iso = (sec: number) => new Date(sec * 1000).toISOString().replace('.000Z', 'Z');

function rates(parts: ReadonlyArray<{ series: Series; weight: number }>, timed: boolean): Rates {
  if (!timed) return { perSecond: null, perMinute: null };
  const p = peaks(parts);
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return {
    perSecond: p.second ? { rate: r2(p.second.rate), at: iso(p.second.at) } : null,
    perMinute: p.minute ? { rate: r2(p.minute.rate), requests: r2(p.minute.requests), at: iso(p.minute.at) } : null,
  };
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
const round2 = (x: number) => Math.round(x * 100) / 100;

/** Per route, pool and server: requests, shares and peaks; what no pool took; notes on assumptions. */
export function summarize(replay: Replay, show: (uri: string) => string, options: { ids?: boolean } = {}): ReplaySummary {
  const id = (x: { id: string }) => (options.ids ? { id: x.id } : {});
  const total = replay.requests;
  const timed = replay.requests - replay.untimed > 0;
  const share = (n: number) => (total > 0 ? round4(n / total) : 0);
  const classes = replay.classes.filter((k) => k.count > 0);
  const routeMap = new Map<Route, Klass[]>();
  const poolMap = new Map<Pool, Array<{ k: Klass; share: number }>>();
  const serverMap = new Map<Server, Array<{ k: Klass; share: number }>>();
  for (const k of classes) {
    if (k.route) {
      const l = routeMap.get(k.route);
      if (l) l.push(k);
      else routeMap.set(k.route, [k]);
    }
    if (k.outcome === 'pool') {
      for (const p of k.pools) {
        const l = poolMap.get(p.pool) ?? [];
        l.push({ k, share: p.share });
        poolMap.set(p.pool, l);
      }
      for (const s of k.servers) {
        const l = serverMap.get(s.server) ?? [];
        l.push({ k, share: s.share });
        serverMap.set(s.server, l);
      }
    }
  }
  const parts = (l: Array<{ k: Klass; share: number }>) => l.map((x) => ({ series: x.k.series, weight: x.share }));
  const sum = (l: Array<{ k: Klass; share: number }>) => l.reduce((s, x) => s + x.k.count * x.share, 0);

  const routes = [...routeMap.entries()]
    .map(([route, ks]) => {
      const n = ks.reduce((s, k) => s + k.count, 0);
      const first = ks[0];
      const poolShares = new Map<string, number>();
      for (const k of ks) for (const p of k.pools) poolShares.set(p.pool.name, (poolShares.get(p.pool.name) ?? 0) + (k.count * p.share) / n);
      return {
        ...id(route), name: route.name, file: show(route.source.uri), line: route.source.range.start.line + 1, entry: first.entry?.name ?? '',
        outcome: first.outcome, ...(first.status !== undefined ? { status: first.status } : {}),
        requests: n, share: share(n), peak: rates(ks.map((k) => ({ series: k.series, weight: 1 })), timed),
        pools: [...poolShares].map(([name, s]) => ({ name, share: round4(s) })),
      };
    })
    .sort((a, b) => b.requests - a.requests || a.file.localeCompare(b.file) || a.line - b.line);

  const pools = [...poolMap.entries()]
    .map(([pool, l]) => {
      const n = sum(l);
      return {
        ...id(pool), name: pool.name, file: show(pool.source.uri), line: pool.source.range.start.line + 1,
        requests: round2(n), share: share(n), peak: rates(parts(l), timed),
        servers: pool.servers.map((s) => {
          const sl = serverMap.get(s) ?? [];
          const sn = sum(sl);
          return {
            ...id(s), ...(s.name !== undefined ? { name: s.name } : {}), address: s.address, state: s.state, line: s.source.range.start.line + 1,
            poolShare: n > 0 ? round4(sn / n) : 0, requests: round2(sn), share: share(sn), peak: rates(parts(sl), timed),
          };
        }),
      };
    })
    .sort((a, b) => b.requests - a.requests || a.name.localeCompare(b.name));

  const unroutedMap = new Map<string, { outcome: string; status?: number; summary: string; requests: number; example: string; route?: string }>();
  for (const k of classes) {
    if (k.outcome === 'pool') continue;
    const key = `${k.outcome}\u0000${k.status ?? ''}\u0000${k.route ? k.route.id : ''}`;
    const u = unroutedMap.get(key);
    if (u) u.requests += k.count;
    else unroutedMap.set(key, { outcome: k.outcome, ...(k.status !== undefined ? { status: k.status } : {}), summary: k.summary, requests: k.count, example: k.example, ...(k.route ? { route: k.route.name } : {}) });
  }
  const unrouted = [...unroutedMap.values()].map((u) => ({ ...u, share: share(u.requests) })).sort((a, b) => b.requests - a.requests);

  const notes: string[] = [];
  const n = (x: number) => x.toLocaleString('en-US');
  if (replay.portAssumed > 0) notes.push(`${n(replay.portAssumed)} request(s) without a logged port were sent to ${replay.assumedArrival}.`);
  if (replay.hostMissing > 0) notes.push(`${n(replay.hostMissing)} request(s) without a logged host were sent without one (the default server of their port); --host names one, or log $host.`);
  if (replay.hostAssumed > 0) notes.push(`${n(replay.hostAssumed)} request(s) without a logged host were sent as host ${replay.options.host} (--host).`);
  if (replay.ambiguous > 0) notes.push(`${n(replay.ambiguous)} distinct request(s) could be taken by several entry points listening on the same port: the first that routes them was counted (--entry picks one).`);
  for (const [name, c] of replay.unknownEntries) notes.push(`${n(c)} request(s) name entry point "${name}", which the configuration does not define: they were routed through every entry point.`);
  if (replay.tcpConnections.count > 0) notes.push(`${n(replay.tcpConnections.count)} line(s) are TCP connections (no HTTP request): routed as a request without host or path.`);
  if (replay.untimed > 0) notes.push(`${n(replay.untimed)} request(s) have no usable time: counted, but not in the rates.`);
  if (replay.budget.exhausted) notes.push('The logs cover too long a time for per-second counts of every destination within the memory budget: some per-second peaks are missing or low; per-minute peaks are complete.');

  return {
    requests: total,
    window: Number.isFinite(replay.minTime) ? { start: iso(Math.floor(replay.minTime)), end: iso(Math.floor(replay.maxTime)), seconds: Math.floor(replay.maxTime) - Math.floor(replay.minTime) + 1 } : null,
    peak: rates(classes.map((k) => ({ series: k.series, weight: 1 })), timed),
    routes, pools, unrouted, notes,
  };
}

export type { Peak };
