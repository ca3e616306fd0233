import assert from 'node:assert/strict';
import { routeRequest, type RoutingResult } from '../../server/src/analysis/routing/engine';
import { parseRequest, type RequestOptions } from '../../server/src/analysis/routing/request';
import type { DocumentAnalysis } from '../../server/src/service/languageService';
import { analyzeText } from './edits';

/**
 * Route requests through a config written inline: `routes(uri, text)` parses it like the editor does (format
 * detected from the uri and text, or `languageId`), then `.send('GET https://a.com/x', { headers: ['X: 1'] })`.
 */
export function routes(uri: string, text: string, opts: { languageId?: string; files?: Record<string, string> } = {}) {
  const a: DocumentAnalysis = analyzeText(uri, text, opts);
  return {
    analysis: a,
    /** Every result (one per socket that takes the request). */
    all(request: string, o: RequestOptions & { entry?: string; failed?: string[] } = {}): RoutingResult[] {
      return routeRequest(a.model, a.index, parseRequest(request, o), { entry: o.entry, failed: new Set(o.failed ?? []) });
    },
    /** The one result (fails when several entry points or none take the request). */
    send(request: string, o: RequestOptions & { entry?: string; failed?: string[] } = {}): RoutingResult {
      const all = this.all(request, o);
      assert.equal(all.length, 1, `expected one result for "${request}", got ${all.length}: ${all.map((r) => r.entry.name).join(', ')}`);
      return all[0];
    },
  };
}

/** The route name, pool names and outcome of a result, for compact assertions. */
export function where(r: RoutingResult): { route?: string; pools: string[]; outcome: string; status?: number } {
  const out: { route?: string; pools: string[]; outcome: string; status?: number } = { route: r.route?.name, pools: r.pools.map((p) => p.pool.name), outcome: r.outcome };
  if (r.status !== undefined) out.status = r.status;
  return out;
}

/** The 1-based line of the chosen route (undefined when none). */
export const routeLine = (r: RoutingResult) => (r.route ? r.route.source.range.start.line + 1 : undefined);
