import type { AnalysisSettings } from '../../server/src/analysis/settings';
import type { Position } from '../../server/src/model/types';
import type { FixEdit } from '../../server/src/formats/types';
import { LanguageService, type DocumentAnalysis } from '../../server/src/service/languageService';
import type { FileSystem } from '../../server/src/service/fileSystem';

function offsetAt(text: string, pos: Position): number {
  let line = 0;
  let i = 0;
  while (line < pos.line) {
    const n = text.indexOf('\n', i);
    if (n < 0) return text.length;
    i = n + 1;
    line++;
  }
  const end = text.indexOf('\n', i);
  const lineEnd = end < 0 ? text.length : text[end - 1] === '\r' ? end - 1 : end;
  return Math.min(i + pos.character, lineEnd);
}

/** Apply LSP-style text edits (positions against the original text; non-overlapping) to `text`. */
export function applyEdits(text: string, edits: ReadonlyArray<Pick<FixEdit, 'range' | 'newText'>>): string {
  const withOffsets = edits.map((e) => ({ start: offsetAt(text, e.range.start), end: offsetAt(text, e.range.end), newText: e.newText }));
  withOffsets.sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 1; i < withOffsets.length; i++) {
    if (withOffsets[i].start < withOffsets[i - 1].end) throw new Error('overlapping edits');
  }
  let out = '';
  let at = 0;
  for (const e of withOffsets) {
    out += text.slice(at, e.start) + e.newText;
    at = e.end;
  }
  return out + text.slice(at);
}

/** A file system over a map of URIs to texts (the live map: later changes are seen); folders are URI prefixes. */
export function memoryFileSystem(files: ReadonlyMap<string, string>): FileSystem {
  return {
    readFile: (u) => files.get(u),
    readDirectory(dir) {
      const prefix = `${dir.replace(/\/$/, '')}/`;
      const names = new Map<string, boolean>();
      for (const u of files.keys()) {
        if (!u.startsWith(prefix)) continue;
        const rest = u.slice(prefix.length);
        const slash = rest.indexOf('/');
        names.set(slash < 0 ? rest : rest.slice(0, slash), slash >= 0);
      }
      return [...names].map(([name, isDirectory]) => ({ name, isDirectory }));
    },
  };
}

/** A single-file, in-memory analysis (the document is its own root). */
export function analyzeText(
  uri: string,
  text: string,
  opts: { languageId?: string; files?: Record<string, string>; root?: string; settings?: AnalysisSettings } = {},
): DocumentAnalysis {
  const { languageId, files = {} } = opts;
  const fs = memoryFileSystem(new Map(Object.entries({ ...files, [uri]: text })));
  const root = opts.root ?? uri.slice(0, uri.lastIndexOf('/'));
  const service = new LanguageService({ fileSystem: fs, roots: () => [root] });
  const a = service.analyze({ uri, text, languageId }, opts.settings);
  if (!a) throw new Error(`${uri} is not a recognised configuration`);
  return a;
}

/**
 * Lines of `before` that are absent from `after` and lines of `after` absent from `before` (a multiset line
 * diff, order-insensitive): what an edit removed and added.
 */
export function lineDiff(before: string, after: string): { removed: string[]; added: string[] } {
  const count = (lines: string[]) => {
    const m = new Map<string, number>();
    for (const l of lines) m.set(l, (m.get(l) ?? 0) + 1);
    return m;
  };
  const a = count(before.split('\n'));
  const b = count(after.split('\n'));
  const removed: string[] = [];
  const added: string[] = [];
  for (const [l, n] of a) for (let i = 0; i < n - (b.get(l) ?? 0); i++) removed.push(l);
  for (const [l, n] of b) for (let i = 0; i < n - (a.get(l) ?? 0); i++) added.push(l);
  return { removed, added };
}
