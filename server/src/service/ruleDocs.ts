/** Where each rule's documentation page lives (docs/rules/LBxxx.md in the repository). */
export const RULE_DOCS_BASE = 'https://github.com/lb-lens/lb-lens/blob/main/docs/rules/';

export const ruleDocUrl = (ruleId: string): string => `${RULE_DOCS_BASE}${ruleId}.md`;
