import type { Diagnostic } from '../analysis/analyze';
import { routeDistribution, type RouteDistribution } from '../analysis/distribution';
import type { ModelIndex } from '../analysis/modelIndex';
import { exampleRequest } from '../analysis/routing/shadowing';
import type { Route, Server } from '../model/types';
import type { DocumentAnalysis } from './languageService';
import { driftText, type TrafficFacts } from './traffic';
import type { PreviewFile, PreviewRoute, PreviewRouteTraffic, PreviewServerTraffic, PreviewTraffic } from './types';

/** What the language server knows of the logged traffic of a document (see lsp/traffic.ts). */
export interface PreviewTrafficInput {
  status: PreviewTraffic['status'];
  facts?: TrafficFacts;
  message?: string;
  progress?: number;
  refused: PreviewTraffic['refused'];
}

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

/**
 * The distribution preview of a document, optionally with some servers failed (`examples`: a request per route;
 * `traffic`: logged traffic from a replay of this analysis's model, beside the configured shares).
 */
export function buildPreview(analysis: DocumentAnalysis, path: string, failedNames: readonly string[] = [], examples = false, traffic?: PreviewTrafficInput): PreviewFile {
  const { ids } = resolveFailed(analysis.index, failedNames);
  const examplesUntil = examples ? performance.now() + EXAMPLES_BUDGET_MS : 0;
  const routes: PreviewRoute[] = [];
  const findings = findingsByRoute(analysis.diagnostics);
  const facts = traffic?.facts;
  for (const route of previewedRoutes(analysis.model.routes)) {
    const d = ids.size ? routeDistribution(route, analysis.index, ids) : analysis.distributions.get(route.id)!;
    const healthy = analysis.distributions.get(route.id)!;
    const entry = analysis.index.entryById.get(route.entryId);
    const routeTraffic = facts?.routes[route.id];
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
        ...(facts ? { logged: serverTraffic(facts, healthy, s.server.id, s.pool.id, routeTraffic?.requests ?? 0) } : {}),
      })),
      id: route.id,
      entry: entry?.name ?? '',
      match: route.matchText,
      catchAll: route.catchAll,
      uri: route.source.uri,
      notes: d.kind === 'unresolved' ? ['the target pool is not defined', ...d.notes] : d.notes,
      findings: findings.get(route.id) ?? [],
      ...(performance.now() < examplesUntil ? exampleOf(analysis, route) : {}),
      ...(facts ? { logged: routeLogged(facts, route.id, healthy) } : {}),
    });
  }
  return { path, format: analysis.format.id, routes, ...(traffic ? { traffic: previewTraffic(traffic) } : {}) };
}

/** A server's logged traffic on one route: its part of the route's logged requests, and what the log says it served. */
function serverTraffic(facts: TrafficFacts, healthy: RouteDistribution, serverId: string, poolId: string, routeRequests: number): PreviewServerTraffic {
  const configured = healthy.shares.find((x) => x.server.id === serverId)?.share ?? 0;
  const out: PreviewServerTraffic = { requests: Math.round(routeRequests * configured * 100) / 100 };
  const o = facts.servers[serverId]?.observed;
  if (o) {
    // The drift test's share is of the pool; on this route the pool gets its part of the route (1 unless split).
    let part = 0;
    for (const x of healthy.shares) if (x.pool.id === poolId) part += x.share;
    const poolPart = part > 0 ? part : 1;
    out.observed = {
      share: Math.round(o.share * poolPart * 1e4) / 1e4,
      poolShare: o.share,
      requests: o.requests,
      ...(o.interval ? { interval: o.interval } : {}),
      ...(o.outside !== undefined ? { outside: o.outside } : {}),
    };
  }
  return out;
}

function routeLogged(facts: TrafficFacts, routeId: string, healthy: RouteDistribution): PreviewRouteTraffic {
  const t = facts.routes[routeId];
  const drift: PreviewRouteTraffic['drift'] = [];
  const seen = new Set<string>();
  for (const s of healthy.shares) {
    if (seen.has(s.pool.id)) continue;
    seen.add(s.pool.id);
    const d = facts.pools[s.pool.id]?.drift;
    const text = driftText(d, s.pool.name);
    if (d && text) drift.push({ pool: s.pool.name, status: d.status, text: text.replace(/`/g, '') });
  }
  return {
    requests: t?.requests ?? 0,
    share: t?.share ?? 0,
    peak: t?.peak.perSecond?.rate ?? null,
    peakMinute: t?.peak.perMinute?.rate ?? null,
    drift,
  };
}

function previewTraffic(t: PreviewTrafficInput): PreviewTraffic {
  const f = t.facts;
  return {
    status: t.status,
    ...(t.message ? { message: t.message } : {}),
    ...(t.progress !== undefined ? { progress: t.progress } : {}),
    refused: t.refused,
    logs: (f?.logs ?? []).map((l) => ({ path: l.path, ...(l.formatLabel ? { format: l.formatLabel } : {}), lines: l.lines, requests: l.requests, noRequest: l.noRequest, unparseable: l.unparseable, ...(l.error ? { error: l.error } : {}) })),
    requests: f?.requests ?? 0,
    window: f?.window ?? null,
    peak: f?.peak.perSecond?.rate ?? null,
    peakMinute: f?.peak.perMinute?.rate ?? null,
    ...(f?.sample ? { sample: f.sample } : {}),
    unrouted: f?.unrouted ?? [],
    unexpected: (f?.drift?.unexpected ?? []).map((u) => ({ pool: u.pool, observed: u.observed, requests: u.requests, why: u.why })),
    silent: (f?.drift?.silent ?? []).map((x) => ({ pool: x.pool, server: x.server, poolRequests: x.poolRequests })),
    notes: f?.notes ?? [],
  };
}
