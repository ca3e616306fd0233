import { routeRequest, type RoutingResult } from '../analysis/routing/engine';
import { parseRequest, RequestError, describeRequest, type Request } from '../analysis/routing/request';
import type { Range, SourceRef } from '../model/types';
import type { DocumentAnalysis } from './languageService';
import { resolveFailed } from './preview';

/**
 * "Which route and which server gets this request?" — the routing engine's answer for one document, as plain data
 * (the CLI prints it, `lbLens/route` sends it, route tests assert on it). The JSON shape is documented in
 * docs/routing/README.md and stable: fields are only ever added.
 */

export interface RouteQuery {
  /** `GET https://shop.example.com/api/users?x=1` (method optional). */
  request: string;
  /** `Name: value`. */
  headers?: string[];
  sni?: string;
  /** The connection's port when it differs from the URL's. */
  port?: number;
  /** Only this entry point (`frontend fe_http` or `fe_http`). */
  entry?: string;
  /** Servers to treat as failed (names, `pool/name`, addresses). */
  fail?: string[];
}

export interface Where {
  /** File path or URI as the caller shows it. */
  file: string;
  /** 1-based. */
  line: number;
}

export interface RouteAnswer {
  entry: { name: string; port?: number; address?: string; tls?: boolean } & Partial<Where>;
  /** The virtual host that took the request (absent when the entry point has none of its own). */
  site?: { name: string } & Partial<Where>;
  outcome: 'pool' | 'redirect' | 'direct' | 'no-backend' | 'dynamic';
  status?: number;
  /** `range`: where the route is written (0-based, as LSP ranges; for highlighting). */
  route: ({ name: string; match: string; range: Range } & Where) | null;
  /** The pool when there is one (several: the first; see `pools`). */
  pool: { name: string } | null;
  pools: Array<{ name: string; share: number }>;
  servers: Array<{ name?: string; address: string; pool: string; share: number; state: string; failed?: boolean } & Partial<Where>>;
  summary: string;
  trace: Array<{ kind: string; name: string; result: string; why: string } & Partial<Where>>;
  undecidable?: string[];
}

export type RouteResponse = { request: string; results: RouteAnswer[] } | { error: string };

/** Route one request through an analysed document. `show` turns a URI into what the caller prints. */
export function routeInDocument(a: DocumentAnalysis, q: RouteQuery, show: (uri: string) => string = (u) => u): RouteResponse {
  let req: Request;
  try {
    req = parseRequest(q.request, { headers: q.headers, sni: q.sni, port: q.port });
  } catch (e) {
    if (e instanceof RequestError) return { error: e.message };
    throw e;
  }
  const { ids, unknown } = resolveFailed(a.index, q.fail ?? []);
  if (unknown.length) return { error: `no server matches ${unknown.map((u) => `"${u}"`).join(', ')}` };
  if (q.entry !== undefined && !a.model.entries.some((e) => entryNamed(e.name, q.entry!))) {
    return { error: `no entry point is named "${q.entry}" (${a.model.entries.map((e) => e.name).slice(0, 8).join(', ') || 'the file has none'})` };
  }
  const results = routeRequest(a.model, a.index, req, { entry: q.entry, failed: ids });
  return { request: describeRequest(req), results: results.map((r) => answer(r, show)) };
}

function entryNamed(name: string, wanted: string): boolean {
  const n = wanted.trim().toLowerCase();
  const full = name.toLowerCase();
  return full === n || full.split(/\s+/).slice(1).join(' ') === n || full.endsWith(` ${n}`);
}

const at = (s: SourceRef | undefined, show: (uri: string) => string): Partial<Where> => (s ? { file: show(s.uri), line: s.range.start.line + 1 } : {});

function answer(r: RoutingResult, show: (uri: string) => string): RouteAnswer {
  const out: RouteAnswer = {
    entry: { name: r.entry.name, ...(r.bind?.port !== undefined ? { port: r.bind.port } : {}), ...(r.bind?.address ? { address: r.bind.address } : {}), ...(r.bind?.tls !== undefined ? { tls: r.bind.tls } : {}), ...at(r.entry.selection, show) },
    outcome: r.outcome,
    route: r.route ? { name: r.route.name, match: r.route.matchText, file: show(r.route.source.uri), line: r.route.source.range.start.line + 1, range: r.route.source.range } : null,
    pool: r.pools[0] ? { name: r.pools[0].pool.name } : null,
    pools: r.pools.map((p) => ({ name: p.pool.name, share: round(p.share) })),
    servers: r.servers.map((s) => ({
      ...(s.server.name !== undefined ? { name: s.server.name } : {}),
      address: s.server.address,
      pool: s.pool.name,
      share: round(s.share),
      state: s.server.state,
      ...(s.failed ? { failed: true } : {}),
      ...at(s.server.source, show),
    })),
    summary: r.summary,
    trace: r.trace.map((t) => ({ kind: t.kind, name: t.name, result: t.result, why: t.why, ...at(t.source, show) })),
  };
  if (r.site && !r.site.implicit) out.site = { name: r.site.name, ...at(r.site.source, show) };
  if (r.status !== undefined) out.status = r.status;
  if (r.undecidable.length) out.undecidable = r.undecidable;
  return out;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
