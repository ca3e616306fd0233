/** The custom LSP messages of lb-lens, shared by the server and the VS Code client (keep this file free of imports with runtime code). */
export type { PreviewFile, PreviewRoute, PreviewServer } from '../service/types';

/** Custom request: the distribution preview of a document, as one `files[]` entry of `lb-lens preview --format json`. */
export const DISTRIBUTION_REQUEST = 'lbLens/distribution';

export interface DistributionParams {
  textDocument: { uri: string };
  /** Servers to simulate as failed: server ids, names, `pool/name` or addresses. */
  failed?: string[];
}
