/**
 * Code actions (quick fixes), format-neutral: the format of the document provides the edits for a finding in
 * its own syntax (`FormatParser.fixes`); this module adds what every format shares — a suppression comment for
 * any rule, and "fix all of a rule in this file" — and guarantees that no action edits another file. Pure:
 * an analysis in, plain data out; the LSP adapter turns it into protocol objects.
 */
import type { Diagnostic } from '../analysis/analyze';
import { RULES_BY_ID } from '../analysis/rules';
import { FixText } from '../formats/fixText';
import type { Fix, FixEdit, FixProvider, FormatParser } from '../formats/types';
import type { Position, Range } from '../model/types';
import type { DocumentAnalysis } from './languageService';

export const QUICKFIX_KIND = 'quickfix';
/** The kind of "fix all" source actions (a sub-kind of LSP `source.fixAll`). */
export const FIX_ALL_KIND = 'source.fixAll.lb-lens';

export interface CodeAction {
  title: string;
  kind: typeof QUICKFIX_KIND | typeof FIX_ALL_KIND;
  isPreferred?: boolean;
  /** The findings the action resolves. */
  diagnostics: Diagnostic[];
  /** Edits, all in the analysed document, sorted, never overlapping. */
  edits: FixEdit[];
}

export interface CodeActionRequest {
  /** The selection or cursor: quick fixes are offered for findings that touch it. */
  range: Range;
  /** Kinds wanted (LSP `context.only`), hierarchical: `source` includes `source.fixAll.lb-lens`. */
  only?: readonly string[];
  /**
   * Asked automatically (LSP trigger kind Automatic). Together with `only` asking for fix-all kinds alone (what
   * an editor sends on save), one combined "fix all" of the preferred fixes is returned: the editor applies
   * every action it gets, and separate actions computed on one text would collide. Automatic requests without
   * such a filter (the light bulb following the cursor) get the usual actions.
   */
  automatic?: boolean;
}

/** A format declares its fixes on its parser; the service knows no format by name. */
export function fixProviderFor(format: FormatParser): FixProvider | undefined {
  return format.fixes;
}

const before = (a: Position, b: Position) => a.line < b.line || (a.line === b.line && a.character < b.character);
const samePos = (a: Position, b: Position) => a.line === b.line && a.character === b.character;
const touches = (a: Range, b: Range) => !before(a.end, b.start) && !before(b.end, a.start);

/** The format's fixes for one finding of the document, restricted to edits of the document itself. */
export function formatFixes(analysis: DocumentAnalysis, diagnostic: Diagnostic): Fix[] {
  const provider = fixProviderFor(analysis.format);
  if (!provider) return [];
  let fixes: Fix[];
  try {
    fixes = provider.provideFixes({
      uri: analysis.uri,
      text: analysis.text,
      model: analysis.model,
      diagnostic,
      diagnostics: analysis.ownDiagnostics,
    });
  } catch {
    return []; // a fix must never break the editor
  }
  return fixes.filter((f) => f.edits.length > 0 && f.edits.every((e) => e.uri === analysis.uri));
}

const NEXT_LINE = /^([ \t]*)(\S+)[ \t]*lb-lens-disable-next-line\b([^\r\n]*)$/;

/**
 * `# lb-lens-disable-next-line LBxxx` above the finding's first line, indented like it. When that line already
 * holds such a directive, the id is added to it (a second comment line would shield only the first one).
 */
export function suppressionFix(analysis: DocumentAnalysis, diagnostic: Diagnostic): Fix | undefined {
  const provider = fixProviderFor(analysis.format);
  const comment = provider?.lineCommentFor ? provider.lineCommentFor(analysis.uri, analysis.text) : provider?.lineComment;
  if (!comment || diagnostic.uri !== analysis.uri) return undefined;
  const t = new FixText(analysis.uri, analysis.text);
  const line = diagnostic.range.start.line;
  const id = diagnostic.ruleId;
  const title = `Disable ${id} for this line (lb-lens-disable-next-line)`;
  const prev = line > 0 ? NEXT_LINE.exec(t.line(line - 1)) : null;
  if (prev && prev[2] === comment) {
    const rest = prev[3];
    const reason = rest.indexOf('--');
    const ids = (reason < 0 ? rest : rest.slice(0, reason)).trimEnd();
    const col = t.line(line - 1).length - rest.length + ids.length;
    const at = { line: line - 1, character: col };
    return { title, kind: 'quickfix', edits: [t.edit(at, at, ` ${id}`)] };
  }
  const at = { line, character: 0 };
  return { title, kind: 'quickfix', edits: [t.edit(at, at, `${t.indent(line)}${comment} lb-lens-disable-next-line ${id}${t.eol}`)] };
}

/** Every quick fix for one finding: the format's fixes, then the suppression comment. */
export function fixesFor(analysis: DocumentAnalysis, diagnostic: Diagnostic): Fix[] {
  const fixes = formatFixes(analysis, diagnostic);
  const suppress = suppressionFix(analysis, diagnostic);
  return suppress ? [...fixes, suppress] : fixes;
}

/** A position as one number (lines of up to 10^8 characters). */
const posNum = (p: Position) => p.line * 1e8 + p.character;

/** Index of the first element of a sorted array that is ≥ `x` (by `key`). */
function lowerBound<T>(list: readonly T[], x: number, key: (t: T) => number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(list[mid]) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Edits of several fixes, skipping fixes that would overlap an edit already taken. The taken edits are kept
 * sorted (disjoint ranges, and insertion points apart), so each check is a binary search: a scan of every taken
 * edit per candidate made fix-all quadratic (1.7 s for 12,000 findings).
 */
function combine(candidates: Array<{ diagnostic: Diagnostic; fix: Fix }>): { edits: FixEdit[]; diagnostics: Diagnostic[] } {
  const taken: Array<{ edit: FixEdit; s: number; seq: number }> = [];
  /** Taken edits that replace something: pairwise disjoint, sorted by start. */
  const ranges: Array<{ s: number; e: number }> = [];
  /** Taken insertion points, sorted. */
  const inserts: number[] = [];
  const seen = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  const id = (e: FixEdit) => `${posNum(e.range.start)}|${posNum(e.range.end)}|${e.newText}`;
  const clashes = (s: number, e: number): boolean => {
    // The last replaced range that starts before the end (or, for an insertion, before the point).
    const i = lowerBound(ranges, s === e ? s : e, (r) => r.s) - 1;
    if (s === e) return inserts[lowerBound(inserts, s, (x) => x)] === s || (i >= 0 && ranges[i].e > s);
    if (i >= 0 && ranges[i].e > s) return true;
    // An insertion strictly inside the range.
    const j = lowerBound(inserts, s + 1e-9, (x) => x);
    return j < inserts.length && inserts[j] < e;
  };
  for (const { diagnostic, fix } of candidates) {
    const fresh = fix.edits.filter((e) => !seen.has(id(e)));
    if (fresh.some((e) => clashes(posNum(e.range.start), posNum(e.range.end)))) continue;
    for (const e of fresh) {
      const s = posNum(e.range.start);
      const end = posNum(e.range.end);
      seen.add(id(e));
      taken.push({ edit: e, s, seq: taken.length });
      if (s === end) inserts.splice(lowerBound(inserts, s, (x) => x), 0, s);
      else ranges.splice(lowerBound(ranges, s, (r) => r.s), 0, { s, e: end });
    }
    diagnostics.push(diagnostic);
  }
  taken.sort((a, b) => a.s - b.s || a.seq - b.seq);
  return { edits: taken.map((t) => t.edit), diagnostics };
}

/**
 * "Fix all" for the document: for each finding of `ruleId` (all rules when undefined) its preferred fix, or
 * — unless `preferredOnly` — its first fix; fixes that would overlap one already taken are left out.
 */
export function fixAll(analysis: DocumentAnalysis, ruleId: string | undefined, preferredOnly: boolean): { edits: FixEdit[]; diagnostics: Diagnostic[] } {
  // The editor asks for code actions on every cursor move, each with the fix-all actions of every rule: computed
  // once per analysis (its findings array is shared by every cache hit of that analysis).
  let memo = fixAllMemo.get(analysis.ownDiagnostics);
  if (!memo) fixAllMemo.set(analysis.ownDiagnostics, (memo = new Map()));
  const key = `${ruleId ?? '*'}|${preferredOnly}`;
  const known = memo.get(key);
  if (known) return known;
  const result = computeFixAll(analysis, ruleId, preferredOnly);
  memo.set(key, result);
  return result;
}

const fixAllMemo = new WeakMap<readonly Diagnostic[], Map<string, { edits: FixEdit[]; diagnostics: Diagnostic[] }>>();

function computeFixAll(analysis: DocumentAnalysis, ruleId: string | undefined, preferredOnly: boolean): { edits: FixEdit[]; diagnostics: Diagnostic[] } {
  const candidates: Array<{ diagnostic: Diagnostic; fix: Fix }> = [];
  for (const d of analysis.ownDiagnostics) {
    if (ruleId !== undefined && d.ruleId !== ruleId) continue;
    const fixes = formatFixes(analysis, d);
    const fix = fixes.find((f) => f.isPreferred) ?? (preferredOnly ? undefined : fixes[0]);
    if (fix) candidates.push({ diagnostic: d, fix });
  }
  return combine(candidates);
}

const wanted = (kind: string, only: readonly string[] | undefined) =>
  !only || only.length === 0 || only.some((o) => kind === o || kind.startsWith(`${o}.`));

/** The code actions for a range of the analysed document. */
export function getCodeActions(analysis: DocumentAnalysis, request: CodeActionRequest): CodeAction[] {
  const actions: CodeAction[] = [];
  const fixAllOnly = !!request.only?.length && request.only.every((o) => FIX_ALL_KIND === o || FIX_ALL_KIND.startsWith(`${o}.`));
  if (request.automatic && fixAllOnly) {
    const all = fixAll(analysis, undefined, true);
    if (all.edits.length) {
      actions.push({ title: 'Fix all auto-fixable lb-lens problems', kind: FIX_ALL_KIND, diagnostics: all.diagnostics, edits: all.edits });
    }
    return actions;
  }
  if (wanted(QUICKFIX_KIND, request.only)) {
    for (const d of analysis.ownDiagnostics) {
      if (!touches(d.range, request.range)) continue;
      for (const fix of fixesFor(analysis, d)) {
        const sorted = [...fix.edits].sort((a, b) => (before(a.range.start, b.range.start) ? -1 : 1));
        actions.push({ title: fix.title, kind: QUICKFIX_KIND, isPreferred: fix.isPreferred, diagnostics: [d], edits: sorted });
      }
    }
  }
  if (wanted(FIX_ALL_KIND, request.only)) {
    const rules = [...new Set(analysis.ownDiagnostics.map((d) => d.ruleId))].sort();
    for (const id of rules) {
      const all = fixAll(analysis, id, false);
      if (!all.edits.length) continue;
      const name = RULES_BY_ID.get(id)?.meta.name;
      const n = all.diagnostics.length;
      actions.push({
        title: `Fix all ${id}${name ? ` (${name})` : ''} in this file (${n} problem${n === 1 ? '' : 's'})`,
        kind: FIX_ALL_KIND,
        diagnostics: all.diagnostics,
        edits: all.edits,
      });
    }
  }
  return actions;
}
