export type { Diagnostic } from '../analysis/analyze';
export type { Severity } from '../analysis/rule';
import type { Severity } from '../analysis/rule';

/** One server of a route in the preview (CLI `preview` JSON and `lbLens/distribution` alike). */
export interface PreviewServer {
  /** The server's name where the format has one, else its address. */
  name: string;
  address: string;
  /** Fraction of the route's requests in [0,1]. */
  share: number;
  /** 1-based line of the server's definition. */
  line: number;
  /** Extras beyond the CLI contract: */
  id: string;
  state: 'active' | 'backup' | 'down' | 'disabled';
  weight: number;
  /** True when the server was marked failed for this simulation. */
  failed: boolean;
  uri: string;
  /** Logged traffic (the editor's `lbLens.traffic.logs`), when a replay of this model is ready. */
  logged?: PreviewServerTraffic;
}

/** A server's logged traffic in the preview. */
export interface PreviewServerTraffic {
  /** Requests of this route the configuration sends it: the route's logged requests × its configured share. */
  requests: number;
  /**
   * What the log says happened, when it records the upstream: `share` is comparable with the configured `share`
   * (the share of its pool's logged requests it served × the pool's part of this route), `poolShare` of its pool,
   * `requests` it served; `outside`: the configured share lies outside the logged share's interval (drift test).
   */
  observed?: { share: number; poolShare: number; requests: number; interval?: [number, number]; outside?: boolean };
}

/** A route's logged traffic in the preview. */
export interface PreviewRouteTraffic {
  requests: number;
  /** Of all logged requests. */
  share: number;
  /** Busiest second and busiest minute (averaged), req/s; null without timestamps. */
  peak: number | null;
  peakMinute: number | null;
  /** The drift test's words for each of the route's pools that has one (`⚠ Drift in app: …`). */
  drift: Array<{ pool: string; status: 'drift' | 'ok' | 'not tested'; text: string }>;
}

/** The replay of the configured access logs through this document's configuration (`lbLens.traffic.logs`). */
export interface PreviewTraffic {
  /** `replaying`: numbers not ready yet; `done`; `cancelled` (by the user: replayed again on the next edit); `failed`: no log could be read. */
  status: 'replaying' | 'done' | 'cancelled' | 'failed';
  /** Why there are no numbers, or what went wrong. */
  message?: string;
  /** 0–100 while replaying. */
  progress?: number;
  /** Paths of the setting that were not read, and why (outside the workspace, not a regular file, no match…). */
  refused: Array<{ path: string; reason: string }>;
  logs: Array<{ path: string; format?: string; lines: number; requests: number; noRequest: number; unparseable: number; error?: string }>;
  requests: number;
  window: { start: string; end: string; seconds: number } | null;
  /** Busiest second and minute of all logged requests, req/s. */
  peak: number | null;
  peakMinute: number | null;
  /** Set when the replay stopped at its cap (`the first 200,000 lines`). */
  sample?: string;
  /** Logged requests no pool takes (no route, redirects, direct answers…). */
  unrouted: Array<{ outcome: string; status?: number; summary: string; requests: number; share: number; example: string; route?: string }>;
  /** Drift findings that are not per route: servers that got traffic the configuration does not send them, silent servers. */
  unexpected: Array<{ pool: string; observed: string; requests: number; why: string }>;
  silent: Array<{ pool: string; server: string; poolRequests: number }>;
  notes: string[];
}

export interface PreviewRoute {
  name: string;
  /** 1-based first line of the rule or directive that defines the route. */
  line: number;
  /** The pool's name (or the address for a direct target; `a + b` for splits); null when the route has no pool. */
  pool: string | null;
  servers: PreviewServer[];
  /** Extras beyond the CLI contract: */
  id: string;
  entry: string;
  match: string;
  catchAll: boolean;
  uri: string;
  /** Why the numbers are what they are (`balance first: …`, `dynamic target`, `backups serving`…). */
  notes: string[];
  /** Findings attached to this route (rule id, severity, message). */
  findings: Array<{ ruleId: string; severity: Severity; message: string }>;
  /** A request that reaches the route (checked by the routing engine), when one was found in the time allowed. */
  example?: string;
  /** The same request as parameters of `lbLens/route` (nothing lost to text: headers, SNI, connection port). */
  exampleRequest?: { request: string; headers: string[]; sni?: string; port?: number };
  /** Logged traffic, when a replay of this model is ready. */
  logged?: PreviewRouteTraffic;
}

export interface PreviewFile {
  path: string;
  format: string;
  routes: PreviewRoute[];
  /** Only with the editor's `lbLens.traffic.logs` setting. */
  traffic?: PreviewTraffic;
}
