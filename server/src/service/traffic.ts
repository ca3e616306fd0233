import type { Pool, Server } from '../model/types';
import type { DocumentAnalysis } from './languageService';
import { analyzeDrift, type DriftPool, type DriftReport } from './logs/drift';
import type { Replay, Rates, ReplaySummary } from './logs/replay';
import { summarize } from './logs/replay';
import type { LogFileSummary } from './logs/session';

/**
 * Logged traffic for the editor: a replay of access logs through one analysis's model (`logs/replay.ts`, the
 * drift test of `logs/drift.ts`), turned into plain data keyed by the model's route, pool and server ids, so that
 * hovers, inlay hints and the preview can put logged numbers next to configured shares without replaying again.
 * Nothing is computed here that `summarize` and `analyzeDrift` do not already compute; this only files their
 * results under ids. Pure: the language server reads the logs and feeds the replay.
 */

export interface RouteTraffic {
  /** Logged requests the engine sends to this route. */
  requests: number;
  /** Of all logged requests. */
  share: number;
  peak: Rates;
}

export interface PoolDrift {
  status: DriftPool['status'];
  reason?: string;
  /** Requests the logs show reaching this pool's servers. */
  requests: number;
  pValue?: number;
  threshold?: number;
  maxShift?: number;
}

export interface PoolTraffic {
  /** Logged requests the configuration sends to this pool (weighted by split shares). */
  requests: number;
  share: number;
  peak: Rates;
  /** The drift test of this pool, when the logs record where requests went. */
  drift?: PoolDrift;
}

export interface ServerTraffic {
  /** Requests the configuration sends this server: its pool's logged requests × its configured share. */
  requests: number;
  peak: Rates;
  /** What the logs say happened (they record the upstream): the share of the pool's logged requests it served. */
  observed?: { share: number; requests: number; interval?: [number, number]; outside?: boolean };
}

export interface TrafficFacts {
  logs: LogFileSummary[];
  /** Logged requests replayed. */
  requests: number;
  window: ReplaySummary['window'];
  peak: Rates;
  /** Set when the replay stopped at its cap: which part of the logs was read (`the first 200,000 lines`). */
  sample?: string;
  routes: Record<string, RouteTraffic>;
  pools: Record<string, PoolTraffic>;
  servers: Record<string, ServerTraffic>;
  /** Requests no pool takes (no route, redirects, direct answers…), as `lb-lens replay` lists them. */
  unrouted: ReplaySummary['unrouted'];
  /** The drift findings that are not per pool; null when no log line records where its request went. */
  drift: Pick<DriftReport, 'test' | 'observedRequests' | 'unexpected' | 'silent' | 'routing' | 'unverifiable'> | null;
  notes: string[];
}

/** File the replay's summary and drift report under the ids of `a`'s model (the model the replay routed through). */
export function trafficFacts(a: DocumentAnalysis, replay: Replay, logs: LogFileSummary[], sample?: string): TrafficFacts {
  const show = (uri: string) => uri;
  const summary = summarize(replay, show, { ids: true });
  const drift = analyzeDrift(replay.classes, a.index, show) ?? null;
  const routes: Record<string, RouteTraffic> = {};
  for (const r of summary.routes) if (r.id) routes[r.id] = { requests: r.requests, share: r.share, peak: r.peak };
  const pools: Record<string, PoolTraffic> = {};
  const servers: Record<string, ServerTraffic> = {};
  for (const p of summary.pools) {
    if (!p.id) continue;
    pools[p.id] = { requests: p.requests, share: p.share, peak: p.peak };
    for (const s of p.servers) if (s.id) servers[s.id] = { requests: s.requests, peak: s.peak };
  }
  for (const d of drift?.pools ?? []) {
    const pool = poolOf(a, d);
    if (!pool) continue;
    const entry = (pools[pool.id] ??= { requests: 0, share: 0, peak: { perSecond: null, perMinute: null } });
    entry.drift = {
      status: d.status,
      ...(d.reason ? { reason: d.reason } : {}),
      requests: d.requests,
      ...(d.chiSquare ? { pValue: d.chiSquare.pValue, threshold: d.chiSquare.threshold } : {}),
      ...(d.maxShift !== undefined ? { maxShift: d.maxShift } : {}),
    };
    for (const ds of d.servers) {
      const server = pool.servers.find((s) => s.address === ds.address && s.name === ds.name);
      if (!server) continue;
      const st = (servers[server.id] ??= { requests: 0, peak: { perSecond: null, perMinute: null } });
      st.observed = { share: ds.observed, requests: ds.requests, ...(ds.interval ? { interval: ds.interval } : {}), ...(ds.outside !== undefined ? { outside: ds.outside } : {}) };
    }
  }
  return {
    logs,
    requests: summary.requests,
    window: summary.window,
    peak: summary.peak,
    ...(sample ? { sample } : {}),
    routes,
    pools,
    servers,
    unrouted: summary.unrouted,
    drift: drift ? { test: drift.test, observedRequests: drift.observedRequests, unexpected: drift.unexpected, silent: drift.silent, routing: drift.routing, unverifiable: drift.unverifiable } : null,
    notes: summary.notes,
  };
}

/** The model's pool a drift report names (by its file, line and name: the report is plain data). */
function poolOf(a: DocumentAnalysis, d: DriftPool): Pool | undefined {
  return a.model.pools.find((p) => p.name === d.name && p.source.uri === d.file && p.source.range.start.line + 1 === d.line);
}

// ---- text ------------------------------------------------------------------------------------------------------

export const count = (n: number): string => Math.round(n).toLocaleString('en-US');

/** A rate in requests/s, as `lb-lens replay` prints it: `1,950`, `18`, `4.33`. */
export function rateText(r: number): string {
  if (r >= 100) return count(r);
  if (r >= 10) return r.toFixed(1).replace(/\.0$/, '');
  return r.toFixed(2).replace(/\.?0+$/, '') || '0';
}

/** `41.2%` (one decimal, like the configured shares). */
export function loggedPercent(share: number): string {
  const p = share * 100;
  if (p === 0 || p === 100) return `${p}%`;
  return `${p < 0.1 ? p.toFixed(2) : p.toFixed(1).replace(/\.0$/, '')}%`;
}

/** `peak 18 req/s` (the busiest second), or '' without timestamps. */
export function peakText(r: Rates): string {
  return r.perSecond ? `peak ${rateText(r.perSecond.rate)} req/s` : '';
}

/** `1,234 requests, peak 18 req/s`. */
export function requestsText(n: number, r: Rates): string {
  const peak = peakText(r);
  return `${count(n)} request${Math.round(n) === 1 ? '' : 's'}${peak ? `, ${peak}` : ''}`;
}

/** `p = 3.1e-9`. */
export function pText(p: number): string {
  if (p === 0) return 'p < 1e-300';
  return `p = ${p >= 0.001 ? Number(p.toPrecision(2)) : p.toExponential(1)}`;
}

/** What one server's logged traffic line says: `configured 33.3% · logged 41.2% (1,234 requests, peak 18 req/s)`. */
export function serverLoggedText(configured: string, facts: TrafficFacts, server: Server, poolName: string): string | undefined {
  const t = facts.servers[server.id];
  if (!t) return undefined;
  const peak = peakText(t.peak);
  if (t.observed) {
    const mark = t.observed.outside ? ' ⚠ outside its interval' : '';
    return `configured ${configured} · logged ${loggedPercent(t.observed.share)} of \`${poolName}\` (${count(t.observed.requests)} request${t.observed.requests === 1 ? '' : 's'}${peak ? `; ${peak} at the configured share` : ''})${mark}`;
  }
  return `configured ${configured} · logged ${count(t.requests)} request${Math.round(t.requests) === 1 ? '' : 's'} at the configured share${peak ? `, ${peak}` : ''} (the log does not say which server served them)`;
}

/** A pool's drift in one line, or undefined when there is nothing to say. */
export function driftText(d: PoolDrift | undefined, poolName: string): string | undefined {
  if (!d) return undefined;
  if (d.status === 'drift') {
    return `⚠ Drift in \`${poolName}\`: the logged split differs from the configured one (chi-square ${pText(d.pValue ?? 0)}, threshold ${d.threshold}; largest shift ${d.maxShift} points)`;
  }
  if (d.status === 'ok') return `The logged split of \`${poolName}\` matches the configuration (chi-square ${pText(d.pValue ?? 1)}${d.reason ? `; ${d.reason}` : ''})`;
  return d.reason ? `Split of \`${poolName}\` not tested: ${d.reason}` : undefined;
}

/** The logs in a few words: `access.log (600 requests, 10 min)`. */
export function logsText(facts: TrafficFacts): string {
  const names = facts.logs.map((l) => l.path.split(/[\\/]/).pop() ?? l.path);
  const shown = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
  return `${shown}: ${count(facts.requests)} request${facts.requests === 1 ? '' : 's'}${facts.window ? ` in ${durationText(facts.window.seconds)}` : ''}${facts.sample ? ` (${facts.sample})` : ''}`;
}

export function durationText(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1).replace(/\.0$/, '')} h`;
  return `${(seconds / 86400).toFixed(1).replace(/\.0$/, '')} days`;
}
