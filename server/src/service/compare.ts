/**
 * Comparing two analyses of a configuration: how each route's split moved, and which findings appeared or went
 * away. Used by `lb-lens diff` (two git revisions of a folder) and by the `lbLens/compare` request (an editor
 * document against its HEAD text). Routes are matched by identity — file, entry point, match and pool — never
 * by line, so moving a block does not count as a change; servers by name and address.
 */
import type { Diagnostic } from '../analysis/analyze';
import { routeDistribution } from '../analysis/distribution';
import type { DocumentAnalysis } from './languageService';
import { poolLabel, previewedRoutes, resolveFailed, serverDisplayName } from './preview';
import { routingChanges, type RoutingMove } from './routingChanges';

export interface ServerShare {
  name: string;
  address: string;
  /** Fraction of the route's requests in [0,1]. */
  share: number;
}

export interface RouteDiff {
  name: string;
  /** The file the route is written in, as the caller names it (`lb-lens diff`: a path relative to its working directory; the language server: the URI). */
  file: string;
  /** 1-based line of the route (in the head revision, or the base one for a removed route). */
  line: number;
  entry: string;
  match: string;
  pool: string | null;
  status: 'changed' | 'unchanged' | 'added' | 'removed';
  before: ServerShare[];
  after: ServerShare[];
  /** The largest change of one server's share, in percentage points; null for added and removed routes. */
  maxShift: number | null;
}

export interface DiffDiagnostic {
  /** The file, named like `RouteDiff.file`. */
  path: string;
  ruleId: string;
  severity: string;
  message: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface DiffReport {
  base: string;
  head: string;
  routes: RouteDiff[];
  introduced: DiffDiagnostic[];
  resolved: DiffDiagnostic[];
  /** Classes of requests whose destination changes (routing engine), when computed. */
  routing?: RoutingMove[];
}

interface RouteRecord extends Pick<RouteDiff, 'name' | 'file' | 'line' | 'entry' | 'match' | 'pool'> {
  key: string;
  servers: Array<ServerShare & { key: string }>;
}

/** One side of a comparison: its routes by identity and its findings, in a form `compare` pairs up. */
export interface ComparisonSide {
  routes: Map<string, RouteRecord>;
  diagnostics: Array<DiffDiagnostic & { key: string }>;
}

export interface SideOptions {
  /** How results name a file; undefined leaves that file's routes and findings out (the CLI: outside the repository). */
  fileName: (uri: string) => string | undefined;
  /** Servers to simulate as failed on this side: ids, names, `pool/name` or addresses (see `resolveFailed`). */
  failed?: readonly string[];
}

/** Line numbers in messages (`(line 23)`) do not make a finding different. */
const messageKey = (m: string) => m.replace(/\(line \d+\)|line \d+/g, 'line …');

/** Give repeated keys an occurrence number, so equal items pair up one to one. */
function numbered<T>(items: T[], key: (t: T) => string): Array<T & { key: string }> {
  const seen = new Map<string, number>();
  return items.map((t) => {
    const k = key(t);
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    return { ...t, key: n === 1 ? k : `${k}\u0000#${n}` };
  });
}

/**
 * The routes and findings of one side, from the analyses of its files. A route already seen through another
 * file's analysis (a fragment and the nginx.conf that includes it) is the same route; a finding likewise.
 */
export function collectSide(analyses: Iterable<DocumentAnalysis>, options: SideOptions): ComparisonSide {
  const routes = new Map<string, RouteRecord>();
  const diagnostics: DiffDiagnostic[] = [];
  const seenDiagnostics = new Set<string>();
  for (const a of analyses) {
    const failed = options.failed?.length ? resolveFailed(a.index, options.failed).ids : undefined;
    const records: Array<Omit<RouteRecord, 'key'>> = [];
    for (const route of previewedRoutes(a.model.routes)) {
      const file = options.fileName(route.source.uri);
      if (file === undefined) continue;
      const d = failed?.size ? routeDistribution(route, a.index, failed) : a.distributions.get(route.id)!;
      const servers = numbered(
        d.shares.map((s) => ({ name: serverDisplayName(s.server), address: s.server.address, share: s.share })),
        (s) => `${s.name}\u0000${s.address}`,
      );
      records.push({
        name: route.name,
        file,
        line: route.source.range.start.line + 1,
        entry: a.index.entryById.get(route.entryId)?.name ?? '',
        match: route.matchText,
        pool: poolLabel(d, route),
        servers,
      });
    }
    for (const r of numbered(records, (r) => `${r.file}\u0000${r.entry}\u0000${r.match}\u0000${r.pool ?? ''}`)) {
      if (!routes.has(r.key)) routes.set(r.key, r);
    }
    for (const d of a.diagnostics) {
      const k = `${d.uri}|${d.ruleId}|${d.range.start.line}|${d.range.start.character}|${d.message}`;
      if (seenDiagnostics.has(k)) continue;
      const path = options.fileName(d.uri);
      if (path === undefined) continue;
      seenDiagnostics.add(k);
      diagnostics.push(toDiffDiagnostic(path, d));
    }
  }
  diagnostics.sort((x, y) => x.path.localeCompare(y.path) || x.line - y.line || x.column - y.column);
  return { routes, diagnostics: numbered(diagnostics, (d) => `${d.path}\u0000${d.ruleId}\u0000${messageKey(d.message)}`) };
}

function toDiffDiagnostic(path: string, d: Diagnostic): DiffDiagnostic {
  return {
    path,
    ruleId: d.ruleId,
    severity: d.severity,
    message: d.message,
    line: d.range.start.line + 1,
    column: d.range.start.character + 1,
    endLine: d.range.end.line + 1,
    endColumn: d.range.end.character + 1,
  };
}

const strip = ({ key: _key, ...s }: ServerShare & { key: string }): ServerShare => s;
const stripDiagnostic = ({ key: _key, ...d }: DiffDiagnostic & { key: string }): DiffDiagnostic => d;
export const round1 = (n: number) => Math.round(n * 10) / 10;

/** Pair the routes and findings of two sides. */
export function compare(base: ComparisonSide, head: ComparisonSide, labels: { base: string; head: string }): DiffReport {
  const routes: RouteDiff[] = [];
  const describe = (r: RouteRecord) => ({ name: r.name, file: r.file, line: r.line, entry: r.entry, match: r.match, pool: r.pool });
  for (const [key, after] of head.routes) {
    const before = base.routes.get(key);
    if (!before) {
      routes.push({ ...describe(after), status: 'added', before: [], after: after.servers.map(strip), maxShift: null });
      continue;
    }
    const beforeShare = new Map(before.servers.map((s) => [s.key, s.share]));
    const afterShare = new Map(after.servers.map((s) => [s.key, s.share]));
    let shift = 0;
    for (const k of new Set([...beforeShare.keys(), ...afterShare.keys()])) {
      shift = Math.max(shift, Math.abs((afterShare.get(k) ?? 0) - (beforeShare.get(k) ?? 0)));
    }
    const sameServers = before.servers.length === after.servers.length && before.servers.every((s) => afterShare.has(s.key));
    const changed = !sameServers || shift > 1e-9;
    routes.push({
      ...describe(after),
      status: changed ? 'changed' : 'unchanged',
      before: before.servers.map(strip),
      after: after.servers.map(strip),
      maxShift: round1(shift * 100),
    });
  }
  for (const [key, before] of base.routes) {
    if (!head.routes.has(key)) routes.push({ ...describe(before), status: 'removed', before: before.servers.map(strip), after: [], maxShift: null });
  }
  routes.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  const baseKeys = new Set(base.diagnostics.map((d) => d.key));
  const headKeys = new Set(head.diagnostics.map((d) => d.key));
  return {
    base: labels.base,
    head: labels.head,
    routes,
    introduced: head.diagnostics.filter((d) => !baseKeys.has(d.key)).map(stripDiagnostic),
    resolved: base.diagnostics.filter((d) => !headKeys.has(d.key)).map(stripDiagnostic),
  };
}

/** One server of a compared route: its share on each side (null where the server is not on that side). */
export interface ServerRow {
  name: string;
  address: string;
  before: number | null;
  after: number | null;
}

/** The before/after rows of a route: every server of either side, in head order, then the base-only servers. */
export function serverRows(r: RouteDiff): ServerRow[] {
  const out: ServerRow[] = [];
  // Base servers by name and address, each key's in base order (a pool of 30,000 servers: no scan per server).
  const pending = new Map<string, number[]>();
  const key = (x: { name: string; address: string }) => `${x.name}\u0000${x.address}`;
  r.before.forEach((b, i) => {
    const list = pending.get(key(b));
    if (list) list.push(i);
    else pending.set(key(b), [i]);
  });
  const taken = new Set<number>();
  for (const s of r.after) {
    const i = pending.get(key(s))?.shift();
    const b = i === undefined ? undefined : r.before[i];
    if (i !== undefined) taken.add(i);
    out.push({ name: s.name, address: s.address, before: b ? b.share : null, after: s.share });
  }
  r.before.forEach((b, i) => {
    if (!taken.has(i)) out.push({ name: b.name, address: b.address, before: b.share, after: null });
  });
  return out;
}

// ---- one document against another text of it (the editor's `lbLens/compare`) ---------------------------

export interface ComparedRoute extends RouteDiff {
  rows: ServerRow[];
}

/** `lbLens/compare`: a document's analysis against its base text. Files are named by their URI. */
export interface DocumentComparison extends DiffReport {
  /** The compared document. */
  uri: string;
  format: string;
  /** True when there was no base text (the file is new): every route and finding counts as added. */
  newFile: boolean;
  routes: ComparedRoute[];
}

/** Time the editor's comparison may spend finding requests that change destination. */
const COMPARE_ROUTING_BUDGET_MS = 250;

/**
 * Compare the analysis of a document with the analysis of its base text (`undefined`: no base, or a base that
 * is not a configuration of ours — then every route is added). Failures, when given, are simulated on both
 * sides alike, resolved by name or address on each side.
 */
export function compareDocument(
  head: DocumentAnalysis,
  base: DocumentAnalysis | undefined,
  options: { labels: { base: string; head: string }; failed?: readonly string[]; newFile?: boolean },
): DocumentComparison {
  const side = { fileName: (uri: string) => uri, failed: options.failed };
  const report = compare(collectSide(base ? [base] : [], side), collectSide([head], side), options.labels);
  // Which requests change destination (recomputed on every keystroke while the comparison is shown: kept short).
  if (base) report.routing = routingChanges([base], [head], (uri) => uri, COMPARE_ROUTING_BUDGET_MS);
  return {
    ...report,
    uri: head.uri,
    format: head.format.id,
    newFile: options.newFile ?? false,
    routes: report.routes.map((r) => ({ ...r, rows: serverRows(r) })),
  };
}
