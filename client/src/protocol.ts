// The custom request's shapes come from the server (type-only: nothing of the server is bundled into the client).
import type { PreviewFile } from '../../server/src/lsp/protocol';

export { DISTRIBUTION_REQUEST } from '../../server/src/lsp/protocol';
export type { DistributionParams, PreviewFile, PreviewRoute, PreviewServer } from '../../server/src/lsp/protocol';

/** Messages the webview posts to the extension. */
export type FromWebview =
  | { type: 'ready' }
  | { type: 'toggleFailed'; serverId: string }
  | { type: 'reset' }
  | { type: 'reveal'; routeId?: string; serverId?: string };

/** Messages the extension posts to the webview. */
export type ToWebview =
  | { type: 'data'; file: PreviewFile; failed: string[]; /** The file as the user knows it (workspace-relative). */ displayPath?: string }
  | { type: 'error'; message: string }
  | { type: 'empty'; message: string };

export const LANGUAGE_IDS: readonly string[] = ['nginx', 'haproxy'];

/**
 * Languages of the declarative formats (Envoy, Istio, Kubernetes, Traefik, CloudFormation). The server detects
 * them by content and ignores every other YAML/JSON/TOML file, so the YAML extension keeps plain YAML.
 */
export const DECLARATIVE_LANGUAGE_IDS: readonly string[] = ['yaml', 'json', 'toml'];
