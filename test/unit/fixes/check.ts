import assert from 'node:assert/strict';
import type { Diagnostic } from '../../../server/src/analysis/analyze';
import type { Fix } from '../../../server/src/formats/types';
import { fixesFor } from '../../../server/src/service/codeActions';
import type { DocumentAnalysis } from '../../../server/src/service/languageService';
import { analyzeText, applyEdits, lineDiff } from '../../helpers/edits';

const key = (d: Diagnostic) => `${d.ruleId} ${d.message}`;

export interface FixCase {
  uri: string;
  text: string;
  ruleId: string;
  /** Picks the finding when the rule fires more than once. */
  where?: (d: Diagnostic) => boolean;
  /** Picks the fix by title. */
  title: RegExp;
  /** Exactly the lines the fix removes and adds (an order-insensitive line diff); moves show as no change. */
  removed: string[];
  added: string[];
  files?: Record<string, string>;
  root?: string;
}

/**
 * Applies one fix to the text and asserts what every fix must guarantee: the finding is gone, no new error
 * appears, the file still parses (no LB001), the edits stay in the document, and no other line changed.
 */
export function checkFix(c: FixCase): { fixed: string; fix: Fix; before: DocumentAnalysis; after: DocumentAnalysis } {
  const before = analyzeText(c.uri, c.text, { files: c.files, root: c.root });
  const target = before.ownDiagnostics.find((d) => d.ruleId === c.ruleId && (!c.where || c.where(d)));
  assert.ok(target, `no ${c.ruleId} in ${JSON.stringify(before.ownDiagnostics.map(key))}`);
  const fixes = fixesFor(before, target);
  const fix = fixes.find((f) => c.title.test(f.title));
  assert.ok(fix, `no fix matching ${c.title} among ${JSON.stringify(fixes.map((f) => f.title))}`);
  assert.equal(fix.kind, 'quickfix');
  for (const e of fix.edits) assert.equal(e.uri, c.uri, 'a fix edits only its own document');
  const fixed = applyEdits(c.text, fix.edits);
  const after = analyzeText(c.uri, fixed, { files: c.files, root: c.root });

  assert.ok(!after.ownDiagnostics.some((d) => key(d) === key(target)), `${key(target)} is still reported:\n${fixed}`);
  assert.ok(!after.diagnostics.some((d) => d.ruleId === 'LB001'), `the fixed file does not parse:\n${fixed}`);
  // No new error: per rule, no more errors than before (a message may name an element the fix renamed).
  const errors = (a: DocumentAnalysis, id: string) => a.diagnostics.filter((d) => d.severity === 'error' && d.ruleId === id).length;
  for (const d of after.diagnostics.filter((x) => x.severity === 'error')) {
    assert.ok(errors(after, d.ruleId) <= errors(before, d.ruleId), `new error after the fix: ${key(d)}\n${fixed}`);
  }

  const diff = lineDiff(c.text, fixed);
  assert.deepEqual(diff.removed.sort(), [...c.removed].sort(), 'removed lines');
  assert.deepEqual(diff.added.sort(), [...c.added].sort(), 'added lines');
  return { fixed, fix, before, after };
}
