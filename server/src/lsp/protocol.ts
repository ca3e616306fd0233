/** The custom LSP messages of lb-lens, shared by the server and the VS Code client (keep this file free of imports with runtime code). */
export type { PreviewFile, PreviewRoute, PreviewServer, PreviewTraffic, PreviewRouteTraffic, PreviewServerTraffic } from '../service/types';

/** Custom request: the distribution preview of a document, as one `files[]` entry of `lb-lens preview --format json`. */
export const DISTRIBUTION_REQUEST = 'lbLens/distribution';

export interface DistributionParams {
  textDocument: { uri: string };
  /** Servers to simulate as failed: server ids, names, `pool/name` or addresses. */
  failed?: string[];
}

export type { ComparedRoute, DiffDiagnostic, DocumentComparison, ServerRow, ServerShare } from '../service/compare';

/**
 * Custom request: the open document against another text of it (the client reads its HEAD version from git):
 * per route the servers' shares before and after, the largest shift, added and removed routes, and the findings
 * the change introduces or resolves. Files are named by URI. Null when the document is not one of ours.
 */
export const COMPARE_REQUEST = 'lbLens/compare';

export interface CompareParams {
  textDocument: { uri: string };
  /** The base text (HEAD); null when the file is new (not in HEAD): every route and finding is then "added". */
  baseText: string | null;
  /** How the base is labelled in the result (default `HEAD`). */
  baseLabel?: string;
  /** Servers to simulate as failed on both sides: names, `pool/name` or addresses. */
  failed?: string[];
}

export type { RouteAnswer, RouteResponse } from '../service/routing';

/**
 * Custom request: which entry point, route, pool and servers of the document take one request (the routing
 * engine; the same answer as `lb-lens route --format json`, under `results`, files named by URI), with the
 * range of each chosen route for highlighting. Null when the document is not one of ours.
 */
export const ROUTE_REQUEST = 'lbLens/route';

export interface RouteParams {
  textDocument: { uri: string };
  /** `[METHOD] URL`. */
  request: string;
  headers?: string[];
  sni?: string;
  port?: number;
  entry?: string;
  failed?: string[];
}

/**
 * Notification from the server: the logged traffic of a document changed (a replay of `lbLens.traffic.logs` ended,
 * was cancelled or failed). The preview asks `lbLens/distribution` again; hovers ask when they are shown.
 */
export const TRAFFIC_CHANGED_NOTIFICATION = 'lbLens/trafficChanged';

export interface TrafficChangedParams {
  uri: string;
  /** `replaying` is sent when a long replay begins reporting work-done progress, with its token. */
  status: 'replaying' | 'done' | 'cancelled' | 'failed';
  /** The `$/progress` token of the replay (`window/workDoneProgress/cancel` with it stops the replay). */
  progressToken?: string | number;
}

/** Custom request: replay the access logs through this document now, also after a cancelled replay. */
export const REPLAY_REQUEST = 'lbLens/replayLogs';

export interface ReplayParams {
  textDocument: { uri: string };
}
