import type { Range, TrafficModel } from '../model/types';
import { routeDistribution, type PoolShareCache, type RouteDistribution } from './distribution';
import { ModelIndex } from './modelIndex';
import type { Finding, Severity } from './rule';
import { RULES } from './rules';
import { ruleSetting, type AnalysisSettings } from './settings';
import { Suppressions } from './suppression';

/** A finding of one rule after settings and suppressions were applied (0-based ranges). */
export interface Diagnostic {
  ruleId: string;
  severity: Severity;
  message: string;
  uri: string;
  range: Range;
  related?: Array<{ message: string; uri: string; range: Range }>;
  tags?: Array<'unnecessary'>;
  data?: Finding['data'];
}

export interface ModelAnalysis {
  model: TrafficModel;
  index: ModelIndex;
  /** Distribution of every route with all servers healthy, by route id. */
  distributions: Map<string, RouteDistribution>;
  diagnostics: Diagnostic[];
  /**
   * Rules that stopped before they were done (LB106 proofs out of time): their findings may be missing. Asking
   * again with a larger budget (the language server does when the document is idle) completes them.
   */
  incomplete?: string[];
}

/** Runs every enabled rule over a model. Pure: the same model and settings give the same result. */
export function analyzeModel(model: TrafficModel, settings?: AnalysisSettings): ModelAnalysis {
  const index = new ModelIndex(model);
  const distributions = new Map<string, RouteDistribution>();
  const poolShares: PoolShareCache = new Map();
  for (const r of model.routes) distributions.set(r.id, routeDistribution(r, index, undefined, poolShares));
  const suppressions = new Suppressions(model);
  const diagnostics: Diagnostic[] = [];
  const incomplete: string[] = [];
  for (const rule of RULES) {
    const { severity, options } = ruleSetting(settings, rule.meta.id);
    if (severity === 'off') continue;
    rule.check({
      model,
      index,
      distributions,
      options: { ...rule.meta.options, ...options },
      incomplete: (why) => incomplete.push(`${rule.meta.id}: ${why}`),
      report(f) {
        if (suppressions.isSuppressed(rule.meta.id, f.source.uri, f.source.range.start.line)) return;
        diagnostics.push({
          ruleId: rule.meta.id,
          // A configured severity wins over the rule's own per-finding choice.
          severity: severity ?? f.severity ?? rule.meta.defaultSeverity,
          message: f.message,
          uri: f.source.uri,
          range: f.source.range,
          related: f.related?.map((r) => ({ message: r.message, uri: r.source.uri, range: r.source.range })),
          tags: f.tags,
          data: f.data,
        });
      },
    });
  }
  diagnostics.sort(
    (a, b) => (a.uri === b.uri ? 0 : a.uri.localeCompare(b.uri)) || a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character,
  );
  return { model, index, distributions, diagnostics: withoutRepeats(diagnostics), ...(incomplete.length ? { incomplete } : {}) };
}

/**
 * One definition can stand for several model elements (a Gateway API route attached to two listeners is a route
 * of each): the same finding at the same place is reported once. Expects `diagnostics` sorted by position.
 */
function withoutRepeats(diagnostics: Diagnostic[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  let seen = new Set<string>();
  let line = -1;
  for (const d of diagnostics) {
    // Equal findings share a start line, so the set only holds the findings of the current line.
    if (d.range.start.line !== line) {
      line = d.range.start.line;
      seen = new Set();
    }
    const r = d.range;
    const key = `${d.uri}\u0000${d.ruleId}\u0000${r.start.character}:${r.end.line}:${r.end.character}\u0000${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out;
}
