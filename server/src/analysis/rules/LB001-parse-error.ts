import type { Rule } from '../rule';

/** LB001 — the text cannot be parsed. The format reports each error with its range; the rest is still analysed. */
export const LB001: Rule = {
  meta: { id: 'LB001', name: 'parse-error', title: 'The configuration cannot be parsed', defaultSeverity: 'error' },
  check(ctx) {
    for (const p of ctx.model.problems) {
      if (p.ruleId === 'LB001') ctx.report({ source: p.source, message: p.message, related: p.related, severity: p.severity });
    }
  },
};
