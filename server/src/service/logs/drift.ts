import { poolShares } from '../../analysis/distribution';
import type { ModelIndex } from '../../analysis/modelIndex';
import { addressKey } from '../../model/address';
import type { Pool, Server } from '../../model/types';
import type { Klass } from './replay';
import { chiSquareStatistic, chiSquareSurvival, wilsonInterval } from './stats';

/**
 * Drift: where the logs say requests went, against where the configuration sends them.
 *
 * For every request whose line records its upstream (nginx `$upstream_addr`, HAProxy backend/server, Envoy
 * `%UPSTREAM_HOST%`/cluster, ALB target and target group, Traefik `ServiceAddr`/`ServiceName`), the server is
 * looked up in the pool(s) the routing engine chose for it — by HAProxy server name, else by address. Then:
 *
 * - **split** — per pool, Pearson's chi-square goodness-of-fit test of the observed counts per server against the
 *   configured shares (the servers that should get traffic; df = servers − 1). A pool is reported when its
 *   p-value is below alpha / m (Bonferroni: m pools are tested at once, so the chance of any false alarm stays
 *   below alpha) AND some server's observed share is off by at least `minShift` percentage points — with a
 *   million requests a 0.3-point wobble is "significant" but nobody's problem. Each server gets Wilson's score
 *   interval at alpha / (m·k); servers whose configured share is outside theirs are the ones that drifted.
 *   The test needs every expected count ≥ 5 (Cochran's rule); smaller samples are not tested (no false alarm);
 * - **unexpected servers** — requests that reached a server the configuration does not send them to (another
 *   pool's server, an address in no pool, a server marked down, a backup while primaries are up): any count is
 *   reported, with what the configuration knows of it;
 * - **silent servers** — a server with a configured share p that got none of the pool's n requests, when
 *   (1 − p)^n < alpha / (servers checked): so unlikely by chance that it is taken out of rotation;
 * - **routing** — requests whose logged pool (a name the configuration defines) is not the one the engine chose.
 *
 * Assumptions, said in docs/replay.md: requests are independent draws (round robin is more even than that, so
 * the test is conservative for it); the pool's shares held during the whole log (no failures, no reloads); only
 * balancing algorithms that split by weight are tested — hashing (ip_hash, hash, source, uri, maglev, ring_hash…)
 * follows the keys and least-connections/least-request follows server speed, so their pools are listed as not
 * tested (silent servers are still checked for the latter); pools of DNS names are not compared by address.
 */

export interface DriftOptions {
  /** Family-wise significance level (default 0.01). */
  alpha?: number;
  /** Minimum shift, in percentage points, for a significant split to be reported (default 5). */
  minShift?: number;
}

export interface DriftServer {
  name?: string;
  address: string;
  /** Configured share of the pool's requests. */
  expected: number;
  observed: number;
  requests: number;
  /** Wilson interval of the observed share (Bonferroni-corrected level). */
  interval?: [number, number];
  /** The configured share lies outside the interval. */
  outside?: boolean;
}

export interface DriftPool {
  name: string;
  file: string;
  line: number;
  algorithm: string;
  /** Requests the logs show reaching this pool's servers. */
  requests: number;
  status: 'drift' | 'ok' | 'not tested';
  reason?: string;
  chiSquare?: { statistic: number; df: number; pValue: number; threshold: number };
  /** The largest |observed − configured| share, in percentage points. */
  maxShift?: number;
  servers: DriftServer[];
}

export interface DriftReport {
  test: string;
  alpha: number;
  minShift: number;
  /** Requests whose log line records where they went. */
  observedRequests: number;
  pools: DriftPool[];
  unexpected: Array<{ pool: string; route?: string; observed: string; requests: number; why: string }>;
  silent: Array<{ pool: string; server: string; expected: number; poolRequests: number; probability: number }>;
  routing: Array<{ route: string; expected: string; observed: string; requests: number }>;
  /** Requests whose upstream could not be compared (DNS-named servers, a log that names no server). */
  unverifiable: number;
}

const SPLIT_BY_WEIGHT = /^(round[_-]?robin|roundrobin|static-rr|random|wrr|weighted[_-]?round[_-]?robin|weighted[_-]?random|kube-proxy|default)$/i;
const SPEED_BASED = /^(least[_-]?conn|leastconn|least[_-]?request|least[_-]?time|least[_-]?outstanding[_-]?requests|p2c)/i;

function algorithmClass(p: Pool): 'weight' | 'speed' | 'hash' {
  const a = p.algorithm.trim().split(/\s+/)[0] ?? '';
  if (SPLIT_BY_WEIGHT.test(a)) return 'weight';
  if (SPEED_BASED.test(a)) return 'speed';
  return 'hash';
}

const stripProvider = (n: string) => n.replace(/@[\w-]+$/, '');

export function analyzeDrift(classes: readonly Klass[], index: ModelIndex, show: (uri: string) => string, options: DriftOptions = {}): DriftReport | undefined {
  const alpha = options.alpha ?? 0.01;
  const minShift = options.minShift ?? 5;
  const model = index.model;
  const byName = new Map<string, Pool[]>();
  const add = (n: string, p: Pool) => byName.set(n, [...(byName.get(n) ?? []), p]);
  for (const p of model.pools) {
    add(p.name, p);
    if (stripProvider(p.name) !== p.name) add(stripProvider(p.name), p);
  }
  const byAddress = new Map<string, Array<{ server: Server; pool: Pool }>>();
  for (const p of model.pools) for (const s of p.servers) byAddress.set(s.addressKey, [...(byAddress.get(s.addressKey) ?? []), { server: s, pool: p }]);
  const poolNamed = (n: string) => byName.get(n) ?? byName.get(stripProvider(n));

  const counts = new Map<Pool, Map<Server, number>>();
  const unexpected = new Map<string, { pool: string; route?: string; observed: string; requests: number; why: string }>();
  const routing = new Map<string, { route: string; expected: string; observed: string; requests: number }>();
  let observedRequests = 0;
  let unverifiable = 0;

  for (const k of classes) {
    if (!k.observed) continue;
    const routeName = k.route?.name ?? '(no route)';
    const expectedText = k.outcome === 'pool' ? k.pools.map((p) => p.pool.name).join(' + ') : k.status !== undefined ? `${k.outcome} ${k.status}` : k.outcome;
    for (const [okey, n] of k.observed) {
      const [poolName, serverName, address] = okey.split('\u0000');
      observedRequests += n;
      const loggedPools = poolName ? poolNamed(poolName) : undefined;
      if (k.outcome !== 'pool') {
        // The configuration answers these itself, or has nothing to send them to; the log says they were forwarded.
        if (address || serverName || loggedPools) {
          const obs = loggedPools ? poolName : address || `${poolName}/${serverName}`;
          const key = `${routeName}\u0000${expectedText}\u0000${obs}`;
          const r = routing.get(key);
          if (r) r.requests += n;
          else routing.set(key, { route: routeName, expected: expectedText, observed: obs, requests: n });
        }
        continue;
      }
      const mine = k.pools.map((p) => p.pool);
      if (loggedPools && !loggedPools.some((p) => mine.includes(p))) {
        const key = `${routeName}\u0000${expectedText}\u0000${poolName}`;
        const r = routing.get(key);
        if (r) r.requests += n;
        else routing.set(key, { route: routeName, expected: expectedText, observed: poolName, requests: n });
        continue;
      }
      const candidates = loggedPools ? mine.filter((p) => loggedPools.includes(p)) : mine;
      let hit: { server: Server; pool: Pool } | undefined;
      if (serverName) {
        for (const p of candidates) {
          const s = p.servers.find((x) => x.name === serverName);
          if (s) {
            hit = { server: s, pool: p };
            break;
          }
        }
      }
      const akey = address ? observedKey(address) : undefined;
      if (!hit && akey) {
        for (const p of candidates) {
          const s = p.servers.find((x) => x.addressKey === akey || observedKey(x.address) === akey);
          if (s) {
            hit = { server: s, pool: p };
            break;
          }
        }
      }
      if (hit) {
        const m = counts.get(hit.pool) ?? new Map<Server, number>();
        m.set(hit.server, (m.get(hit.server) ?? 0) + n);
        counts.set(hit.pool, m);
        continue;
      }
      // Not a server of the chosen pool(s).
      const comparable = candidates.every((p) => !p.dynamicServers && p.servers.every((s) => s.kind === 'ip' || s.kind === 'loopback' || s.kind === 'unix'));
      if ((!serverName && !akey) || (!serverName && !comparable)) {
        unverifiable += n;
        continue;
      }
      const elsewhere = (akey ? byAddress.get(akey) : undefined) ?? [];
      const named = serverName ? model.pools.flatMap((p) => p.servers.filter((s) => s.name === serverName && (!poolName || p.name === poolName)).map((s) => ({ server: s, pool: p }))) : [];
      const known = [...named, ...elsewhere][0];
      const why = known ? `a server of pool ${known.pool.name} (${show(known.server.source.uri)}:${known.server.source.range.start.line + 1})` : 'in no pool of the configuration';
      const obsText = serverName ? `${poolName}/${serverName}${address ? ` (${address})` : ''}` : address;
      const key = `${expectedText}\u0000${obsText}`;
      const u = unexpected.get(key);
      if (u) u.requests += n;
      else unexpected.set(key, { pool: expectedText, route: routeName, observed: obsText, requests: n, why });
    }
  }
  if (observedRequests === 0) return undefined;

  // The split test, per pool.
  const pools: DriftPool[] = [];
  const tested: Array<{ d: DriftPool; pool: Pool; plus: Server[]; exp: number[]; obs: number[] }> = [];
  const silentCandidates: Array<{ pool: Pool; server: Server; p: number; n: number }> = [];
  for (const [pool, m] of counts) {
    const { shares } = poolShares(pool, new Set());
    const total = [...m.values()].reduce((s, x) => s + x, 0);
    const d: DriftPool = {
      name: pool.name, file: show(pool.source.uri), line: pool.source.range.start.line + 1, algorithm: pool.algorithm,
      requests: total, status: 'not tested', servers: [],
    };
    pools.push(d);
    for (const s of pool.servers) {
      const expected = shares.get(s.id) ?? 0;
      const c = m.get(s) ?? 0;
      if (expected === 0 && c > 0) {
        const why = s.state === 'backup' ? 'a backup server: it takes traffic only when the primaries are unavailable' : s.state === 'down' ? 'marked down' : s.state === 'disabled' ? 'disabled' : s.weight === 0 ? 'weight 0' : 'gets no share';
        const key = `${pool.name}\u0000${s.address}`;
        unexpected.set(key, { pool: pool.name, observed: s.name ? `${s.name} (${s.address})` : s.address, requests: c, why: `${why} (${show(s.source.uri)}:${s.source.range.start.line + 1})` });
      }
      d.servers.push({ ...(s.name !== undefined ? { name: s.name } : {}), address: s.address, expected: round4(expected), observed: 0, requests: c });
    }
    const plus = pool.servers.filter((s) => (shares.get(s.id) ?? 0) > 0);
    const nPlus = plus.reduce((s, x) => s + (m.get(x) ?? 0), 0);
    for (const ds of d.servers) {
      const s = pool.servers.find((x) => x.address === ds.address && x.name === ds.name)!;
      ds.observed = nPlus > 0 && (shares.get(s.id) ?? 0) > 0 ? round4((m.get(s) ?? 0) / nPlus) : 0;
    }
    const cls = algorithmClass(pool);
    if (cls !== 'hash') for (const s of plus) if ((m.get(s) ?? 0) === 0 && nPlus > 0) silentCandidates.push({ pool, server: s, p: shares.get(s.id)!, n: nPlus });
    if (cls === 'hash') {
      d.reason = `balancing "${pool.algorithm}" follows the hashed key (clients, URIs), not the weights`;
      continue;
    }
    if (cls === 'speed') {
      d.reason = `balancing "${pool.algorithm}" follows the servers' speed, not only the weights`;
      continue;
    }
    if (plus.length < 2) {
      d.reason = plus.length === 1 ? 'one server takes the whole pool: no split to test' : 'no server should get traffic';
      continue;
    }
    const exp = plus.map((s) => shares.get(s.id)!);
    const obs = plus.map((s) => m.get(s) ?? 0);
    if (exp.some((p) => p * nPlus < 5)) {
      d.reason = `too few requests (${nPlus}) to test the split: every server needs an expected count of 5 or more`;
      continue;
    }
    tested.push({ d, pool, plus, exp, obs });
  }
  const m = tested.length;
  for (const t of tested) {
    const { statistic, df } = chiSquareStatistic(t.obs, t.exp);
    const pValue = chiSquareSurvival(statistic, df);
    const threshold = alpha / m;
    const n = t.obs.reduce((s, x) => s + x, 0);
    let maxShift = 0;
    const k = t.plus.length;
    t.plus.forEach((s, i) => {
      const shift = Math.abs(t.obs[i] / n - t.exp[i]) * 100;
      maxShift = Math.max(maxShift, shift);
      const w = wilsonInterval(t.obs[i], n, alpha / (m * k));
      const ds = t.d.servers.find((x) => x.address === s.address && x.name === s.name)!;
      ds.interval = [round4(w.low), round4(w.high)];
      ds.outside = t.exp[i] < w.low || t.exp[i] > w.high;
    });
    t.d.chiSquare = { statistic: round4(statistic), df, pValue: pValue < 1e-300 ? 0 : Number(pValue.toPrecision(4)), threshold: Number(threshold.toPrecision(4)) };
    t.d.maxShift = Math.round(maxShift * 10) / 10;
    t.d.status = pValue < threshold && maxShift >= minShift ? 'drift' : 'ok';
    if (t.d.status === 'ok' && pValue < threshold) t.d.reason = `significant, but no server is off by ${minShift} points or more`;
  }
  const silent: DriftReport['silent'] = [];
  for (const c of silentCandidates) {
    const probability = Math.pow(1 - c.p, c.n);
    if (probability < alpha / silentCandidates.length) {
      silent.push({ pool: c.pool.name, server: c.server.name ? `${c.server.name} (${c.server.address})` : c.server.address, expected: round4(c.p), poolRequests: c.n, probability: Number(probability.toPrecision(3)) });
    }
  }
  pools.sort((a, b) => (a.status === 'drift' ? 0 : 1) - (b.status === 'drift' ? 0 : 1) || b.requests - a.requests);
  return {
    test: `chi-square goodness of fit per pool, Bonferroni-corrected (alpha ${alpha} over ${m} pool(s)), reported when a server is off by ${minShift} points or more; Wilson intervals per server`,
    alpha, minShift, observedRequests, pools,
    unexpected: [...unexpected.values()].sort((a, b) => b.requests - a.requests),
    silent, routing: [...routing.values()].sort((a, b) => b.requests - a.requests), unverifiable,
  };
}

/** A logged address in the form server address keys take (`10.0.0.1:80`, `[::1]:80`, `unix:/x`). */
function observedKey(address: string): string {
  return addressKey(address.replace(/^\w+:\/\//, ''), '80');
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
