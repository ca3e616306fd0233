import { addressKey } from '../../model/address';
import type { Server } from '../../model/types';
import type { DocumentAnalysis } from '../languageService';
import { describeDestination, destination, destKey, type Destination, type RoutingMove } from '../routingChanges';
import type { LogRecord } from './record';
import { Replay, type Klass, type ReplayOptions } from './replay';
import { peaks, SeriesBudget, type Series } from './series';

/**
 * The change forecast of `lb-lens diff --traffic`: every logged request is routed through both revisions of a
 * configuration (the same memoised engine as `replay`, twice), so
 * - the *moves* are weighted by real traffic: "this change moves 48% of the logged requests from api (3 servers)
 *   to web (1 server)" — also the moves the sampled example requests did not find;
 * - each server's load before and after: requests, and the busiest second and minute, from the servers'
 *   configured shares on each side. Servers are the same across revisions when their address is the same
 *   (a server in two pools adds up: it is one machine).
 */

export interface ServerForecast {
  name?: string;
  address: string;
  /** Pools it is in, after (else before). */
  pools: string[];
  before: SideLoad;
  after: SideLoad;
  /** after / before of the per-second peak (of requests when the logs have no times); null when it had none. */
  factor: number | null;
}

export interface SideLoad {
  requests: number;
  /** Busiest second, requests/s (null without timestamps). */
  peak: number | null;
  /** Busiest minute averaged to requests/s. */
  peakMinute: number | null;
}

export interface TrafficMove {
  entry: string;
  before: Destination;
  after: Destination;
  requests: number;
  share: number;
  /** The first logged request that moves this way. */
  example: string;
}

export interface FileForecast {
  file: string;
  requests: number;
  /** Logged requests whose destination changes. */
  moved: number;
  movedShare: number;
  /** "48% of the logged requests move from api (3 servers) to web (1 server)", largest first. */
  summary: string[];
  moves: TrafficMove[];
  /** Servers whose load changes, largest rise first. */
  servers: ServerForecast[];
  timed: boolean;
  notes: string[];
}

export class TrafficForecast {
  readonly before: Replay;
  readonly after: Replay;
  private readonly pairs = new Map<number, number>();
  private readonly firstExample = new Map<number, string>();

  constructor(
    readonly file: string, readonly base: DocumentAnalysis, readonly head: DocumentAnalysis, private readonly show: (uri: string) => string,
    budget = new SeriesBudget(), options: Pick<ReplayOptions, 'host' | 'port' | 'entry'> = {},
  ) {
    this.before = new Replay(base.model, base.index, { ...options, budget });
    this.after = new Replay(head.model, head.index, { ...options, budget });
  }

  add(rec: LogRecord): void {
    const b = this.before.add(rec);
    const a = this.after.add(rec);
    const key = b.id * 1_000_003 + a.id;
    this.pairs.set(key, (this.pairs.get(key) ?? 0) + 1);
  }

  result(): FileForecast {
    const total = this.before.requests;
    const dest = new Map<Klass, Destination>();
    const d = (k: Klass) => {
      let x = dest.get(k);
      if (!x) dest.set(k, (x = destination(k.result, this.show)));
      return x;
    };
    const moves = new Map<string, TrafficMove>();
    let moved = 0;
    for (const [key, n] of this.pairs) {
      const b = this.before.classes[Math.floor(key / 1_000_003)];
      const a = this.after.classes[key % 1_000_003];
      const db = d(b);
      const da = d(a);
      if (destKey(db) === destKey(da)) continue;
      moved += n;
      const entry = da.entry || db.entry;
      const mkey = moveKey(entry, db, da);
      const m = moves.get(mkey);
      if (m) m.requests += n;
      else moves.set(mkey, { entry, before: db, after: da, requests: n, share: 0, example: a.example });
    }
    const list = [...moves.values()].sort((x, y) => y.requests - x.requests);
    for (const m of list) m.share = total > 0 ? round4(m.requests / total) : 0;
    const byText = new Map<string, number>();
    for (const m of list) {
      const t = `from ${describeDestination(m.before)} to ${describeDestination(m.after)}`;
      byText.set(t, (byText.get(t) ?? 0) + m.requests);
    }
    const summary = [...byText].sort((x, y) => y[1] - x[1]).map(([t, n]) => `${pctText(n / total)} of the logged requests (${n.toLocaleString('en-US')}) move ${t}`);
    const timed = this.before.requests - this.before.untimed > 0;
    const servers = serverForecasts(this.before, this.after, timed).filter((s) => changed(s));
    servers.sort((x, y) => (y.after.peak ?? y.after.requests) - (y.before.peak ?? y.before.requests) - ((x.after.peak ?? x.after.requests) - (x.before.peak ?? x.before.requests)));
    const notes: string[] = [];
    if (!timed && total > 0) notes.push('The logs have no usable times: loads are compared by request counts, not rates.');
    return { file: this.file, requests: total, moved, movedShare: total > 0 ? round4(moved / total) : 0, summary, moves: list, servers, timed, notes };
  }
}

export const moveKey = (entry: string, b: Destination, a: Destination) => `${entry}\u0000${destKey(b)}\u0000${b.route?.name ?? ''}\u0000${destKey(a)}\u0000${a.route?.name ?? ''}`;

/**
 * Weight the sampled moves of `lb-lens diff` by the logged requests (`loggedShare`, `loggedRequests`), and add the
 * moves only the logs show (with `samples: 0`).
 */
export function weightMoves(moves: RoutingMove[], forecast: FileForecast): RoutingMove[] {
  const out = [...moves];
  const byKey = new Map<string, RoutingMove>();
  for (const m of moves) if (m.file === forecast.file) byKey.set(moveKey(m.entry, m.before, m.after), m);
  for (const m of moves) {
    if (m.file !== forecast.file) continue;
    m.loggedRequests = 0;
    m.loggedShare = 0;
  }
  for (const t of forecast.moves) {
    const m = byKey.get(moveKey(t.entry, t.before, t.after));
    if (m) {
      m.loggedRequests = t.requests;
      m.loggedShare = t.share;
    } else {
      out.push({ file: forecast.file, entry: t.entry, before: t.before, after: t.after, example: t.example, samples: 0, loggedRequests: t.requests, loggedShare: t.share });
    }
  }
  return out;
}

function changed(s: ServerForecast): boolean {
  const b = s.before.peak ?? s.before.requests;
  const a = s.after.peak ?? s.after.requests;
  return Math.abs(a - b) > 0.005 * Math.max(a, b, 1) || Math.abs(s.after.requests - s.before.requests) >= 1;
}

interface Load {
  server: Server;
  pools: Set<string>;
  parts: Array<{ series: Series; weight: number }>;
  requests: number;
}

function loads(r: Replay): Map<string, Load> {
  const out = new Map<string, Load>();
  for (const k of r.classes) {
    if (k.count === 0 || k.outcome !== 'pool') continue;
    for (const s of k.servers) {
      if (s.share <= 0) continue;
      const key = addressKey(s.server.address, '80');
      let l = out.get(key);
      if (!l) out.set(key, (l = { server: s.server, pools: new Set(), parts: [], requests: 0 }));
      l.pools.add(s.pool.name);
      l.parts.push({ series: k.series, weight: s.share });
      l.requests += k.count * s.share;
    }
  }
  return out;
}

function sideLoad(l: Load | undefined, timed: boolean): SideLoad {
  if (!l) return { requests: 0, peak: timed ? 0 : null, peakMinute: timed ? 0 : null };
  const p = timed ? peaks(l.parts) : {};
  return { requests: round2(l.requests), peak: timed ? round2(p.second?.rate ?? 0) : null, peakMinute: timed ? round2(p.minute?.rate ?? 0) : null };
}

function serverForecasts(before: Replay, after: Replay, timed: boolean): ServerForecast[] {
  const b = loads(before);
  const a = loads(after);
  const out: ServerForecast[] = [];
  for (const key of new Set([...b.keys(), ...a.keys()])) {
    const lb = b.get(key);
    const la = a.get(key);
    const s = (la ?? lb)!.server;
    const before = sideLoad(lb, timed);
    const afterLoad = sideLoad(la, timed);
    const bv = before.peak ?? before.requests;
    const av = afterLoad.peak ?? afterLoad.requests;
    out.push({
      ...(s.name !== undefined && s.name !== s.address ? { name: s.name } : {}),
      address: s.address,
      pools: [...(la ?? lb)!.pools],
      before, after: afterLoad,
      factor: bv > 0 ? Math.round((av / bv) * 100) / 100 : null,
    });
  }
  return out;
}

/** Servers whose forecast peak breaks a threshold: above `factor` × their current peak, or above `rate` req/s (and rising). */
export function peakViolations(f: FileForecast, factor?: number, rate?: number): string[] {
  const out: string[] = [];
  for (const s of f.servers) {
    const b = s.before.peak ?? s.before.requests;
    const a = s.after.peak ?? s.after.requests;
    const unit = s.before.peak !== null ? ' req/s' : ' requests';
    const name = s.name ? `${s.name} (${s.address})` : s.address;
    if (factor !== undefined && b > 0 && a > factor * b) out.push(`${f.file}: ${name} goes from ${fmt(b)} to ${fmt(a)}${unit} at peak, ×${s.factor} (above --fail-on-peak-factor ${factor})`);
    if (rate !== undefined && s.after.peak !== null && a > rate && a > b) out.push(`${f.file}: ${name} peaks at ${fmt(a)} req/s (was ${fmt(b)}), above --fail-on-peak-rate ${rate}`);
  }
  return out;
}

const fmt = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : String(Math.round(x * 10) / 10));
const pctText = (x: number) => `${Math.round(x * 1000) / 10}%`;
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
const round2 = (x: number) => Math.round(x * 100) / 100;
