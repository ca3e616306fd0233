import type { Diagnostic } from '../analysis/analyze';
import { routeDistribution, type RouteDistribution } from '../analysis/distribution';
import type { ModelIndex } from '../analysis/modelIndex';
import { exampleRequest } from '../analysis/routing/shadowing';
import type { Route, Server } from '../model/types';
import type { DocumentAnalysis } from './languageService';
import type { PreviewFile, PreviewRoute } from './types';

/**
 * Resolve user-given failure names (CLI `--fail`, the webview's clicks) to server ids: a server id, a
 * server name, `pool/name`, or an address as written or normalised.
 */
export function resolveFailed(index: ModelIndex, names: readonly string[]): { ids: Set<string>; unknown: string[] } {
  const ids = new Set<string>();
  const unknown: string[] = [];
  for (const raw of names) {
    const n = raw.trim();
    let found = false;
    for (const pool of index.model.pools) {
      for (const s of pool.servers) {
        if (
          s.id === n || s.name === n || s.address === n || s.addressKey === n.toLowerCase() ||
          (s.name !== undefined && `${pool.name}/${s.name}` === n)
        ) {
          ids.add(s.id);
          found = true;
        }
      }
    }
    if (!found) unknown.push(raw);
  }
  return { ids, unknown };
}

/** Routes that send traffic somewhere (static/return locations are left out of the preview). */
export const previewedRoutes = (routes: readonly Route[]): Route[] => routes.filter((r) => r.target.kind !== 'none');

const line1 = (s: { range: { start: { line: number } } }) => s.range.start.line + 1;
export const serverDisplayName = (s: Server): string => s.name ?? s.address;

export function poolLabel(d: RouteDistribution, route: Route): string | null {
  const t = route.target;
  if (t.kind === 'pool') return t.name;
  if (t.kind === 'split') return t.parts.map((p) => p.name).join(' + ');
  if (t.kind === 'address') return d.pools[0]?.name ?? t.address;
  return null;
}

function exampleOf(analysis: DocumentAnalysis, route: Route): Pick<PreviewRoute, 'example' | 'exampleRequest'> {
  const { example, request } = exampleRequest(analysis.model, analysis.index, route);
  if (!example || !request) return {};
  const defaultPort = request.scheme === 'https' ? 443 : 80;
  const authority = request.host ? `${request.scheme}://${request.host}${request.port !== defaultPort ? `:${request.port}` : ''}` : '';
  const headers = [...request.headers].filter(([k]) => k !== 'host').map(([k, v]) => `${k}: ${v}`);
  // Without a host the URL is a bare path; the connection's port then travels on its own.
  const port = !request.host && request.port !== 80 ? { port: request.port } : {};
  const sni = request.sni && request.sni !== request.host ? { sni: request.sni } : {};
  return {
    example,
    exampleRequest: { request: `${request.method} ${authority}${request.path}${request.query ? `?${request.query}` : ''}`, headers, ...sni, ...port },
  };
}

/** The findings of each route, by route id (one pass: a scan per route was quadratic — 30,000 rules took minutes). */
function findingsByRoute(diagnostics: readonly Diagnostic[]) {
  const out = new Map<string, Array<{ ruleId: string; severity: Diagnostic['severity']; message: string }>>();
  for (const d of diagnostics) {
    const id = d.data?.routeId;
    if (typeof id !== 'string') continue;
    let list = out.get(id);
    if (!list) out.set(id, (list = []));
    list.push({ ruleId: d.ruleId, severity: d.severity, message: d.message });
  }
  return out;
}

/** Time the preview may spend finding example requests (the rest of the routes show none this time). */
const EXAMPLES_BUDGET_MS = 150;

/** The distribution preview of a document, optionally with some servers failed (`examples`: a request per route). */
export function buildPreview(analysis: DocumentAnalysis, path: string, failedNames: readonly string[] = [], examples = false): PreviewFile {
  const { ids } = resolveFailed(analysis.index, failedNames);
  const examplesUntil = examples ? performance.now() + EXAMPLES_BUDGET_MS : 0;
  const routes: PreviewRoute[] = [];
  const findings = findingsByRoute(analysis.diagnostics);
  for (const route of previewedRoutes(analysis.model.routes)) {
    const d = ids.size ? routeDistribution(route, analysis.index, ids) : analysis.distributions.get(route.id)!;
    const entry = analysis.index.entryById.get(route.entryId);
    routes.push({
      name: route.name,
      line: line1(route.source),
      pool: poolLabel(d, route),
      servers: d.shares.map((s) => ({
        name: serverDisplayName(s.server),
        address: s.server.address,
        share: s.share,
        line: line1(s.server.source),
        id: s.server.id,
        state: s.server.state,
        weight: s.server.weight,
        failed: s.failed,
        uri: s.server.source.uri,
      })),
      id: route.id,
      entry: entry?.name ?? '',
      match: route.matchText,
      catchAll: route.catchAll,
      uri: route.source.uri,
      notes: d.kind === 'unresolved' ? ['the target pool is not defined', ...d.notes] : d.notes,
      findings: findings.get(route.id) ?? [],
      ...(performance.now() < examplesUntil ? exampleOf(analysis, route) : {}),
    });
  }
  return { path, format: analysis.format.id, routes };
}
