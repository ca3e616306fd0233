import { DEFAULT_PROOF_BUDGET_MS, findUnreachable } from '../routing/shadowing';
import type { Rule } from '../rule';

const line = (r: { source: { range: { start: { line: number } } } }) => r.source.range.start.line + 1;

/**
 * LB106 — a rule can never match: every request it matches is taken first by the rules the product consults
 * before it — the union of earlier rules of a first-match list (HAProxy `use_backend`, Envoy and Istio routes,
 * ALB/Traefik priorities, Gateway API precedence), the regular expressions nginx checks before using a prefix
 * location, or later rules where the last match wins. Proved on the rules' match languages by the routing engine
 * (`analysis/routing/shadowing.ts`); what cannot be decided (opaque matchers, patterns a linear-time engine cannot
 * run, automata or time limits) is never reported.
 */
export const LB106: Rule = {
  meta: { id: 'LB106', name: 'unreachable-rule', title: 'A rule can never match', defaultSeverity: 'warning', options: { budgetMs: DEFAULT_PROOF_BUDGET_MS } },
  check(ctx) {
    const outOfTime = () => ctx.incomplete(`proofs stopped after ${ctx.options.budgetMs} ms`);
    for (const u of findUnreachable(ctx.model, ctx.index, ctx.options.budgetMs, outOfTime)) {
      const shown = u.by.slice(0, 3);
      const names = shown.map((r) => `${r.name} (line ${line(r)})`);
      const list = names.length === 1 ? names[0]
        : `${names.slice(0, -1).join(', ')}${u.by.length > 3 ? ', ' : ' and '}${u.by.length > 3 ? `${names[names.length - 1]} and ${u.by.length - 3} more` : names[names.length - 1]}`;
      const verb = u.by.length === 1 ? 'takes' : 'take';
      const how = u.how === 'later' ? ' (the last matching rule wins)' : '';
      const example = u.example ? ` For example ${u.example}.` : '';
      ctx.report({
        source: u.route.source,
        tags: ['unnecessary'],
        message: `${u.route.name} can never match: ${list} ${verb} all its requests first${how}.${example}`,
        related: u.by.map((r) => ({ message: `${r.name} ${u.how === 'later' ? 'overrides it' : 'matches first'}`, source: r.source })),
        data: {
          routeId: u.route.id,
          // The quick fixes move or delete; moving only helps when one rule alone takes the requests.
          shadowedBy: u.single ? u.by[0].id : undefined,
          shadowedByAll: u.by.map((r) => r.id),
          example: u.example,
        },
      });
    }
  },
};
