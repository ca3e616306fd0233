// The custom request's shapes come from the server (type-only: nothing of the server is bundled into the client).
import type { DocumentComparison, PreviewFile, RouteResponse } from '../../server/src/lsp/protocol';

export { COMPARE_REQUEST, DISTRIBUTION_REQUEST, REPLAY_REQUEST, ROUTE_REQUEST, TRAFFIC_CHANGED_NOTIFICATION } from '../../server/src/lsp/protocol';
export type {
  PreviewTraffic,
  ReplayParams,
  TrafficChangedParams,
  CompareParams,
  RouteAnswer,
  RouteParams,
  RouteResponse,
  ComparedRoute,
  DistributionParams,
  DocumentComparison,
  PreviewFile,
  PreviewRoute,
  PreviewServer,
  ServerRow,
} from '../../server/src/lsp/protocol';

/** What the compare view last showed: the server's comparison, or why there is none. */
export interface CompareState {
  /** The compared document. */
  uri: string;
  /** The comparison as the server returned it (files named by URI); null when there is none. */
  comparison: DocumentComparison | null;
  /** Why there is no comparison (not in a git repository, untrusted workspace, git missing…). */
  message?: string;
  /** A note shown above a comparison (the file is not in HEAD: every route is new). */
  notice?: string;
  /** How the HEAD text was read: `git extension` or `git`. */
  via?: string;
}

/** A request tested with "LB Lens: Test a Request…": what the preview's Request section shows. */
export interface RouteState {
  /** The document the request was routed through. */
  uri: string;
  /** The request in the input box's syntax (client/src/requestSyntax.ts). */
  input: string;
  /** The server's answer (`{ request, results }` or `{ error }`, files named by URI); null without one. */
  response: RouteResponse | null;
  /** Why there is no answer: the input's syntax, the server disabled, not a configuration… */
  message?: string;
  /** Shown to the webview only: results left out of `response.results` (each entry point that takes the request
   * has one; a config with hundreds would make a page nobody reads). */
  moreResults?: number;
}

/** Messages the webview posts to the extension. */
export type FromWebview =
  | { type: 'ready' }
  | { type: 'toggleFailed'; serverId: string }
  | { type: 'reset' }
  | { type: 'reveal'; routeId?: string; serverId?: string }
  /** Compare view: reveal the route at this index of the last comparison. */
  | { type: 'revealCompared'; index: number }
  /** Compare view: back to the live distribution. */
  | { type: 'showDistribution' }
  /** Run the example request of this route of the last preview (ids only: the webview never sends request text). */
  | { type: 'testExample'; routeId: string }
  /** Request section: open the input box on the tested request, forget it, or go to a line of its answer. */
  | { type: 'editRequest' }
  | { type: 'clearRequest' }
  | { type: 'revealRequest'; result: number; trace?: number; server?: number }
  /** Logged traffic: cancel the running replay of the followed document, or replay again after a cancellation. */
  | { type: 'cancelReplay' }
  | { type: 'replayAgain' };

/** Messages the extension posts to the webview. */
export type ToWebview =
  | {
      type: 'data';
      file: PreviewFile;
      failed: string[];
      /** The file as the user knows it (workspace-relative). */
      displayPath?: string;
      /** The tested request, shown above the routes; its files are named relative to the workspace for display. */
      request?: RouteState;
      /** The access-log replay of this document runs and can be cancelled (its progress token is known). */
      replayCancellable?: boolean;
    }
  | { type: 'error'; message: string }
  | { type: 'empty'; message: string }
  /** The comparison with HEAD; its files are named relative to the workspace for display. */
  | { type: 'compare'; comparison: DocumentComparison; displayPath?: string; notice?: string }
  /** Compare view without a comparison: the reason. */
  | { type: 'compareMessage'; message: string; displayPath?: string };

export const LANGUAGE_IDS: readonly string[] = ['nginx', 'haproxy'];

/**
 * Languages of the declarative formats (Envoy, Istio, Kubernetes, Traefik, CloudFormation). The server detects
 * them by content and ignores every other YAML/JSON/TOML file, so the YAML extension keeps plain YAML.
 */
export const DECLARATIVE_LANGUAGE_IDS: readonly string[] = ['yaml', 'json', 'toml'];
