import type { Range, TrafficModel } from '../model/types';

/**
 * Inline suppression through comments, in any format with comments:
 * - `# lb-lens-disable-next-line LB108 LB102` — the next line;
 * - `# lb-lens-disable-line LB108` — the comment's own line;
 * - `# lb-lens-disable LB107` — inside a block (an upstream, backend, server block, location…): the rest of
 *   the innermost block that contains the comment; outside any block: until `# lb-lens-enable LB107` or the
 *   end of the file.
 * Without rule ids, every rule is suppressed. Ids may be separated by spaces or commas, and a reason may
 * follow `--` (`# lb-lens-disable-next-line LB108 -- single test box`). A directive whose words are not rule
 * ids (a typo like `LB1O8`) suppresses nothing rather than everything.
 */

interface Span {
  uri: string;
  startLine: number;
  endLine: number;
  rules: Set<string> | 'all';
}

const DIRECTIVE = /lb-lens-(disable-next-line|disable-line|disable|enable)\b([^#]*)/;

function parseIds(text: string): Set<string> | 'all' {
  const words = text.split('--')[0].split(/[\s,]+/).filter(Boolean);
  if (words.length === 0) return 'all';
  return new Set(words.filter((t) => /^LB\d{3}$/i.test(t)).map((t) => t.toUpperCase()));
}

export class Suppressions {
  private readonly spans: Span[] = [];

  constructor(model: TrafficModel) {
    // Only a `disable` directive needs the blocks: most files have none, so they are listed on first use.
    let blockList: Array<{ uri: string; range: Range }> | undefined;
    const blocks = () =>
      (blockList ??= [
        ...model.entries.map((e) => e.source),
        ...model.pools.filter((p) => !p.synthesized).map((p) => p.source),
        ...model.routes.map((r) => r.source),
      ]);
    const open: Array<{ uri: string; line: number; rules: Set<string> | 'all' }> = [];
    const comments = model.comments.filter((c) => c.text.includes('lb-lens-')).sort(
      (a, b) => a.source.uri.localeCompare(b.source.uri) || a.source.range.start.line - b.source.range.start.line,
    );
    for (const c of comments) {
      const m = DIRECTIVE.exec(c.text);
      if (!m) continue;
      const rules = parseIds(m[2]);
      const line = c.source.range.start.line;
      const uri = c.source.uri;
      switch (m[1]) {
        case 'disable-next-line':
          this.spans.push({ uri, startLine: line + 1, endLine: line + 1, rules });
          break;
        case 'disable-line':
          this.spans.push({ uri, startLine: line, endLine: line, rules });
          break;
        case 'disable': {
          const inner = blocks()
            .filter((b) => b.uri === uri && contains(b.range, c.source.range))
            .sort((a, b) => size(a.range) - size(b.range))[0];
          if (inner) this.spans.push({ uri, startLine: line, endLine: inner.range.end.line, rules });
          else open.push({ uri, line, rules });
          break;
        }
        case 'enable': {
          for (let i = open.length - 1; i >= 0; i--) {
            const o = open[i];
            if (o.uri !== uri) continue;
            if (rules === 'all' || o.rules === 'all') {
              this.spans.push({ uri, startLine: o.line, endLine: line, rules: o.rules });
              open.splice(i, 1);
              continue;
            }
            // Enabling some rules ends only those; the others stay disabled.
            const ended = [...rules].filter((r) => (o.rules as Set<string>).has(r));
            if (ended.length === 0) continue;
            this.spans.push({ uri, startLine: o.line, endLine: line, rules: new Set(ended) });
            const rest = [...o.rules].filter((r) => !ended.includes(r));
            if (rest.length) o.rules = new Set(rest);
            else open.splice(i, 1);
          }
          break;
        }
      }
    }
    for (const o of open) this.spans.push({ uri: o.uri, startLine: o.line, endLine: Number.MAX_SAFE_INTEGER, rules: o.rules });
  }

  isSuppressed(ruleId: string, uri: string, line: number): boolean {
    return this.spans.some(
      (s) => s.uri === uri && line >= s.startLine && line <= s.endLine && (s.rules === 'all' || s.rules.has(ruleId)),
    );
  }
}

function contains(outer: Range, inner: Range): boolean {
  const before = (a: Range['start'], b: Range['start']) => a.line < b.line || (a.line === b.line && a.character <= b.character);
  return before(outer.start, inner.start) && before(inner.end, outer.end);
}

const size = (r: Range) => (r.end.line - r.start.line) * 1e6 + (r.end.character - r.start.character);
