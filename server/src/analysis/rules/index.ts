import type { Rule } from '../rule';
import { LB001 } from './LB001-parse-error';
import { LB002 } from './LB002-invalid-value';
import { LB101 } from './LB101-single-target';
import { LB102 } from './LB102-skewed-share';
import { LB103 } from './LB103-undefined-reference';
import { LB104 } from './LB104-no-reachable-server';
import { LB105 } from './LB105-duplicate-server';
import { LB106 } from './LB106-unreachable-rule';
import { LB107 } from './LB107-no-health-check';
import { LB108 } from './LB108-no-redundancy';
import { LB110 } from './LB110-unused-pool';
import { LB111 } from './LB111-conflicting-definition';

/** Every rule, in id order. Rule ids are a public contract. */
export const RULES: readonly Rule[] = [LB001, LB002, LB101, LB102, LB103, LB104, LB105, LB106, LB107, LB108, LB110, LB111];

export const RULES_BY_ID: ReadonlyMap<string, Rule> = new Map(RULES.map((r) => [r.meta.id, r]));
