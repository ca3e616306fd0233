// Shapes of the custom `lbLens/distribution` request, mirrored from server/src/service/types.ts
// (the client bundle must not pull in server code; keep these in step with that file).

export type Severity = 'error' | 'warning' | 'info' | 'hint';

export interface PreviewServer {
  id: string;
  name: string;
  address: string;
  /** Fraction of the route's requests in [0,1]. */
  share: number;
  /** 1-based line of the server's definition. */
  line: number;
  state: 'active' | 'backup' | 'down' | 'disabled';
  weight: number;
  failed: boolean;
  uri: string;
}

export interface PreviewRoute {
  id: string;
  name: string;
  /** 1-based first line of the route's rule or directive. */
  line: number;
  pool: string | null;
  entry: string;
  match: string;
  catchAll: boolean;
  uri: string;
  notes: string[];
  findings: Array<{ ruleId: string; severity: Severity; message: string }>;
  servers: PreviewServer[];
}

export interface PreviewFile {
  path: string;
  format: string;
  routes: PreviewRoute[];
}

export const DISTRIBUTION_REQUEST = 'lbLens/distribution';

export interface DistributionParams {
  textDocument: { uri: string };
  /** Ids of the servers to simulate as failed. */
  failed: string[];
}

/** Messages the webview posts to the extension. */
export type FromWebview =
  | { type: 'ready' }
  | { type: 'toggleFailed'; serverId: string }
  | { type: 'reset' }
  | { type: 'reveal'; routeId?: string; serverId?: string };

/** Messages the extension posts to the webview. */
export type ToWebview =
  | { type: 'data'; file: PreviewFile; failed: string[] }
  | { type: 'error'; message: string }
  | { type: 'empty'; message: string };

export const LANGUAGE_IDS: readonly string[] = ['nginx', 'haproxy'];
