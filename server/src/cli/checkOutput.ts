import type { Diagnostic } from '../analysis/analyze';
import { RULES } from '../analysis/rules';
import type { Severity } from '../analysis/rule';
import { ruleDocUrl } from '../service/ruleDocs';
import { createHash } from 'node:crypto';

export interface CheckedFile {
  path: string;
  format: string;
  diagnostics: Diagnostic[];
}

/** A file given or walked that was not checked, and why (not a configuration, binary, too large, outside…). */
export interface SkippedFile {
  path: string;
  reason: string;
}

/** 1-based line/column like ESLint. */
const pos = (d: Diagnostic) => ({
  line: d.range.start.line + 1,
  column: d.range.start.character + 1,
  endLine: d.range.end.line + 1,
  endColumn: d.range.end.character + 1,
});

/** `path:line:col severity RULE message`, one per line, then `path: skipped (reason)` lines, then a summary. */
export function renderCheckText(files: CheckedFile[], skipped: SkippedFile[] = []): string {
  const lines: string[] = [];
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0, hint: 0 };
  for (const f of files) {
    for (const d of f.diagnostics) {
      const p = pos(d);
      counts[d.severity]++;
      lines.push(`${f.path}:${p.line}:${p.column} ${d.severity} ${d.ruleId} ${d.message}`);
    }
  }
  for (const s of skipped) lines.push(`${s.path}: skipped (${s.reason})`);
  const total = counts.error + counts.warning + counts.info + counts.hint;
  lines.push(
    `${total} finding${total === 1 ? '' : 's'} (${counts.error} error${counts.error === 1 ? '' : 's'}, ${counts.warning} warning${counts.warning === 1 ? '' : 's'}, ${counts.info} info, ${counts.hint} hint${counts.hint === 1 ? '' : 's'}) in ${files.length} file${files.length === 1 ? '' : 's'}` +
      (skipped.length ? `; ${skipped.length} skipped` : ''),
  );
  return lines.join('\n');
}

export function renderCheckJson(files: CheckedFile[], skipped: SkippedFile[] = []): string {
  return JSON.stringify(
    {
      files: files.map((f) => ({
        path: f.path,
        format: f.format,
        diagnostics: f.diagnostics.map((d) => ({ ruleId: d.ruleId, severity: d.severity, message: d.message, ...pos(d) })),
      })),
      skipped: skipped.map((s) => ({ path: s.path, reason: s.reason })),
    },
    null,
    2,
  );
}

/** A relative path as a SARIF URI reference (`/`-separated, percent-encoded where a URI needs it). */
const sarifUri = (path: string) => path.split('\\').join('/').split('/').map(encodeURIComponent).join('/');

const SARIF_LEVEL: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };

/**
 * SARIF 2.1.0 with rule metadata and partial fingerprints that survive line moves. Skipped files are tool
 * execution notifications of the run's invocation (level `note`, descriptor `lb-lens/skipped`), so code scanning
 * shows what was not checked.
 */
export function renderSarif(files: CheckedFile[], version: string, skipped: SkippedFile[] = []): string {
  const ruleIndex = new Map(RULES.map((r, i) => [r.meta.id, i]));
  const results = files.flatMap((f) => {
    const occurrences = new Map<string, number>();
    return f.diagnostics.map((d) => {
      const p = pos(d);
      // Stable across commits: rule, file and message, not the line number; equal findings of one file are
      // told apart by their order.
      const identity = `${d.ruleId}\u0000${f.path}\u0000${d.message.replace(/\(line \d+\)|line \d+/g, '')}`;
      const n = (occurrences.get(identity) ?? 0) + 1;
      occurrences.set(identity, n);
      const fingerprint = createHash('sha256').update(n === 1 ? identity : `${identity}\u0000${n}`).digest('hex').slice(0, 32);
      return {
        ruleId: d.ruleId,
        ruleIndex: ruleIndex.get(d.ruleId),
        level: SARIF_LEVEL[d.severity],
        message: { text: d.message },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: sarifUri(f.path), uriBaseId: '%SRCROOT%' },
              region: { startLine: p.line, startColumn: p.column, endLine: p.endLine, endColumn: p.endColumn },
            },
          },
        ],
        partialFingerprints: { 'lbLens/v1': fingerprint },
      };
    });
  });
  return JSON.stringify(
    {
      $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: 'lb-lens',
              version,
              informationUri: 'https://github.com/lb-lens/lb-lens',
              rules: RULES.map((r) => ({
                id: r.meta.id,
                name: r.meta.name,
                shortDescription: { text: r.meta.title },
                fullDescription: { text: r.meta.title },
                helpUri: ruleDocUrl(r.meta.id),
                help: { text: `${r.meta.title}. See ${ruleDocUrl(r.meta.id)}` },
                defaultConfiguration: { level: SARIF_LEVEL[r.meta.defaultSeverity] },
              })),
            },
          },
          originalUriBaseIds: { '%SRCROOT%': { uri: './' } },
          invocations: [
            {
              executionSuccessful: files.length > 0,
              toolExecutionNotifications: skipped.map((s) => ({
                level: 'note',
                descriptor: { id: 'lb-lens/skipped' },
                message: { text: `Not checked: ${s.reason}` },
                locations: [{ physicalLocation: { artifactLocation: { uri: sarifUri(s.path), uriBaseId: '%SRCROOT%' } } }],
              })),
            },
          ],
          results,
        },
      ],
    },
    null,
    2,
  );
}
