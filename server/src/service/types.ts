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
}

export interface PreviewFile {
  path: string;
  format: string;
  routes: PreviewRoute[];
}
