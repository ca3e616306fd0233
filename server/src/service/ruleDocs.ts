/** Where each rule's documentation page lives (docs/rules/LBxxx.md in the repository). */
export const RULE_DOCS_BASE = 'https://github.com/lb-lens/lb-lens/blob/main/docs/rules/';

/** Route-test diagnostics (LBT01…) are documented on the route-test format's page. */
export const ROUTE_TESTS_DOC = 'https://github.com/lb-lens/lb-lens/blob/main/docs/route-tests.md#diagnostics';

export const ruleDocUrl = (ruleId: string): string => (/^LBT\d+$/.test(ruleId) ? ROUTE_TESTS_DOC : `${RULE_DOCS_BASE}${ruleId}.md`);
