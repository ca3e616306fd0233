import type { Rule } from '../rule';

/** LB002 — a value the real product rejects (nginx `weight=0`, an unknown balance algorithm, …). */
export const LB002: Rule = {
  meta: { id: 'LB002', name: 'invalid-value', title: 'A value the load balancer rejects', defaultSeverity: 'error' },
  check(ctx) {
    for (const p of ctx.model.problems) {
      if (p.ruleId === 'LB002') ctx.report({ source: p.source, message: p.message, related: p.related });
    }
  },
};
