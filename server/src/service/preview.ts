import type { Diagnostic } from '../analysis/analyze';
import { routeDistribution, type RouteDistribution } from '../analysis/distribution';
import type { ModelIndex } from '../analysis/modelIndex';
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

/** The distribution preview of a document, optionally with some servers failed. */
export function buildPreview(analysis: DocumentAnalysis, path: string, failedNames: readonly string[] = []): PreviewFile {
  const { ids } = resolveFailed(analysis.index, failedNames);
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
    });
  }
  return { path, format: analysis.format.id, routes };
}
