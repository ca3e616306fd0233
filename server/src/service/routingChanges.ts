import { routeRequest, type RoutingResult } from '../analysis/routing/engine';
import { describeRequest, parseRequest, type Request } from '../analysis/routing/request';
import { exampleRequest } from '../analysis/routing/shadowing';
import type { DocumentAnalysis } from './languageService';

/**
 * Which requests change destination between two versions of a configuration — the incident, caught in review:
 * "`GET /api/users` went to `api` (3 servers), now goes to `web` (1 server)". Both versions are asked the same
 * requests: an example request of every route of either version (checked by the engine to reach it) and `GET /`
 * for each host the sites name. A request whose destination (outcome, pools, status) differs is a move; moves
 * with the same before and after are one class, shown with its first example. Bounded: at most MAX_SAMPLES
 * requests and TIME_BUDGET_MS per configuration file.
 */

export interface Destination {
  outcome: string;
  status?: number;
  route: { name: string; file: string; line: number } | null;
  pools: Array<{ name: string; share: number; servers: number }>;
  entry: string;
}

export interface RoutingMove {
  /** The configuration file the requests were sent to. */
  file: string;
  entry: string;
  before: Destination;
  after: Destination;
  /** The first request of the class (`GET https://a.com/api/users`). */
  example: string;
  /** How many of the sampled requests moved this way. */
  samples: number;
  /** Optional weighting by real traffic (filled by callers that replayed logs): the share of the logged requests that move this way. */
  loggedShare?: number;
  /** The logged requests that move this way (with `loggedShare`). */
  loggedRequests?: number;
}

const MAX_SAMPLES = 2000;
const TIME_BUDGET_MS = 5000;

export function destination(r: RoutingResult | undefined, fileName: (uri: string) => string): Destination {
  if (!r) return { outcome: 'not listening', route: null, pools: [], entry: '' };
  return {
    outcome: r.outcome,
    ...(r.status !== undefined ? { status: r.status } : {}),
    route: r.route ? { name: r.route.name, file: fileName(r.route.source.uri), line: r.route.source.range.start.line + 1 } : null,
    pools: r.pools.map((p) => ({
      name: p.pool.name,
      share: Math.round(p.share * 1e4) / 1e4,
      servers: r.servers.filter((s) => s.pool === p.pool && s.share > 0).length,
    })),
    entry: r.entry.name,
  };
}

/** Where a request ends: what must be equal for it not to have moved. */
export const destKey = (d: Destination) => `${d.outcome}|${d.status ?? ''}|${d.pools.map((p) => `${p.name}:${p.share}`).join(',')}`;

/** Requests that exercise every route of an analysis (engine-checked examples) and every named host. */
export function sampleRequests(a: DocumentAnalysis, deadline: number): Request[] {
  const out: Request[] = [];
  const seen = new Set<string>();
  const add = (text: string | undefined, headers: string[] = []) => {
    if (!text || out.length >= MAX_SAMPLES) return;
    const key = `${text}\u0000${headers.join('\u0000')}`;
    if (seen.has(key)) return;
    seen.add(key);
    try {
      out.push(parseRequest(text, { headers }));
    } catch {
      // an example the request parser cannot read back: skip it
    }
  };
  for (const s of a.model.sites ?? []) {
    for (const h of s.hosts) if (h.kind === 'exact' && h.value) add(`GET http://${h.value}/`);
  }
  add('GET /');
  for (const route of a.model.routes) {
    if (out.length >= MAX_SAMPLES || performance.now() > deadline) break;
    const { request } = exampleRequest(a.model, a.index, route);
    if (!request) continue;
    const key = describeRequest(request);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(request);
  }
  return out;
}

/**
 * The moves between base and head analyses, paired by configuration file (the analysis's own URI). A file only
 * on one side has no moves (its routes are added or removed, which the route comparison reports).
 */
export function routingChanges(base: Iterable<DocumentAnalysis>, head: Iterable<DocumentAnalysis>, fileName: (uri: string) => string | undefined, budgetMs = TIME_BUDGET_MS): RoutingMove[] {
  const baseByUri = new Map<string, DocumentAnalysis>();
  for (const a of base) baseByUri.set(a.model.uri, a);
  const moves = new Map<string, RoutingMove>();
  const done = new Set<string>();
  for (const h of head) {
    const uri = h.model.uri;
    if (done.has(uri)) continue;
    done.add(uri);
    const b = baseByUri.get(uri);
    const file = fileName(uri);
    if (!b || file === undefined) continue;
    const show = (u: string) => fileName(u) ?? u;
    const deadline = performance.now() + budgetMs;
    const samples = [...sampleRequests(b, deadline), ...sampleRequests(h, deadline)];
    const seen = new Set<string>();
    for (const req of samples) {
      const text = describeRequest(req);
      if (seen.has(text)) continue;
      seen.add(text);
      const before = routeRequest(b.model, b.index, req, { trace: false });
      const after = routeRequest(h.model, h.index, req, { trace: false });
      const entries = new Set([...before.map((r) => r.entry.name), ...after.map((r) => r.entry.name)]);
      for (const entry of entries) {
        const db = destination(before.find((r) => r.entry.name === entry), show);
        const da = destination(after.find((r) => r.entry.name === entry), show);
        if (destKey(db) === destKey(da)) continue;
        const key = `${file}\u0000${entry}\u0000${destKey(db)}\u0000${db.route?.name ?? ''}\u0000${destKey(da)}\u0000${da.route?.name ?? ''}`;
        const m = moves.get(key);
        if (m) m.samples++;
        else moves.set(key, { file, entry, before: db, after: da, example: text, samples: 1 });
      }
    }
  }
  return [...moves.values()].sort((x, y) => x.file.localeCompare(y.file) || (x.before.route?.line ?? 0) - (y.before.route?.line ?? 0));
}

/** `api (3 servers)`, `api 80% (3 servers) + web 20% (1 server)`, `redirect 301`, `no backend (404)`. */
export function describeDestination(d: Destination): string {
  if (d.outcome === 'pool') {
    return d.pools.map((p) => `${p.name}${d.pools.length > 1 ? ` ${Math.round(p.share * 100)}%` : ''} (${p.servers} server${p.servers === 1 ? '' : 's'})`).join(' + ');
  }
  if (d.outcome === 'no-backend') return `no backend${d.status ? ` (${d.status})` : ''}`;
  if (d.outcome === 'not listening') return 'no entry point';
  return `${d.outcome}${d.status ? ` ${d.status}` : ''}`;
}

/** One line: "GET /api/users went to api (3 servers) via location /api/ (nginx.conf:20), now goes to web (1 server) via location / (nginx.conf:12)". */
export function describeMove(m: RoutingMove): string {
  const via = (d: Destination) => (d.route ? ` via ${d.route.name} (${d.route.file}:${d.route.line})` : '');
  const more = m.samples > 1 ? ` (and ${m.samples - 1} more sampled request${m.samples > 2 ? 's' : ''})` : '';
  return `${m.example} went to ${describeDestination(m.before)}${via(m.before)}, now goes to ${describeDestination(m.after)}${via(m.after)}${more}`;
}
