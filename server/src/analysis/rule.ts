import type { SourceRef, TrafficModel } from '../model/types';
import type { RouteDistribution } from './distribution';
import type { ModelIndex } from './modelIndex';

export type Severity = 'error' | 'warning' | 'info' | 'hint';

export interface RuleMeta {
  /** Stable public id (`LB101`): never reused, never renumbered. */
  id: string;
  /** kebab-case name (`single-target`). */
  name: string;
  /** One line: what the rule reports. */
  title: string;
  defaultSeverity: Severity;
  /** Numeric options with their defaults (LB102 `threshold`). */
  options?: Record<string, number>;
}

export interface Finding {
  source: SourceRef;
  message: string;
  related?: Array<{ message: string; source: SourceRef }>;
  tags?: Array<'unnecessary'>;
  /** Overrides the rule's default severity for this finding (e.g. LB108 on the catch-all route). */
  severity?: Severity;
  /** Ids of the route / pool / server involved, for hover, preview and quick fixes. */
  data?: { routeId?: string; poolId?: string; serverIds?: string[]; [k: string]: unknown };
}

export interface RuleContext {
  model: TrafficModel;
  index: ModelIndex;
  /** Distribution of every route with all servers healthy. */
  distributions: ReadonlyMap<string, RouteDistribution>;
  /** The rule's options, with user settings applied over the defaults. */
  options: Record<string, number>;
  report(finding: Finding): void;
  /** Say the rule stopped before it was done (a time budget ran out): the analysis is marked incomplete. */
  incomplete(why: string): void;
}

export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): void;
}
