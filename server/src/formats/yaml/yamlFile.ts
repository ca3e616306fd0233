import { isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair, type Scalar } from 'yaml';
import type { Range } from '../../model/types';
import { LineIndex } from '../../util/lineIndex';
import { spliceParse, textEdit, YAML_PARSE_OPTIONS } from './incremental';

/**
 * YAML (and JSON, a subset of YAML 1.2) loading for the declarative formats, with exact ranges.
 *
 * The `yaml` package's `parseDocument` with ranges costs ~170 ms per 10k lines, so a multi-document file is
 * split at `---` lines and each document is parsed on its own, through a small cache keyed by the document's
 * text: after an edit only the documents whose text changed are parsed again. Node ranges of a cached
 * document are relative to that document, so every range goes through `YamlDoc.range()`, which adds the
 * document's current offset in the file.
 *
 * Tags (CloudFormation `!Ref`, `!GetAtt`, `!Sub`…) are kept on the nodes (`node.tag`) and not resolved.
 */

export interface YamlProblem {
  message: string;
  range: Range;
}

export class YamlDoc {
  constructor(
    readonly file: YamlFile,
    /** Offset of the document's first character in the file. */
    readonly base: number,
    readonly document: Document.Parsed,
  ) {}

  get root(): Node | null {
    return (this.document.contents as Node | null) ?? null;
  }

  /** The file range of a node (its value, without trailing comments). */
  range(node: Node | Pair | null | undefined): Range {
    const r = rangeOf(node);
    return this.file.lines.range(this.base + r[0], this.base + r[1]);
  }

  /** The file range of a key in a map (`kind` in `kind: Service`). */
  keyRange(map: Node | null | undefined, key: string): Range | undefined {
    const pair = findPair(map, key);
    return pair ? this.range(pair.key as Node) : undefined;
  }

  /** File offsets of a node (start, end). */
  offsets(node: Node | Pair | null | undefined): [number, number] {
    const r = rangeOf(node);
    return [this.base + r[0], this.base + r[1]];
  }
}

function rangeOf(node: Node | Pair | null | undefined): [number, number] {
  if (!node) return [0, 0];
  if ('range' in node && node.range) return [node.range[0], node.range[1]];
  const pair = node as Pair;
  const k = pair.key as Node | null;
  const v = pair.value as Node | null;
  const start = k?.range?.[0] ?? v?.range?.[0] ?? 0;
  const end = v?.range?.[1] ?? k?.range?.[1] ?? start;
  return [start, end];
}

export interface YamlFile {
  text: string;
  lines: LineIndex;
  docs: YamlDoc[];
  /** Syntax errors (LB001). Unresolved tags and other warnings are not errors. */
  errors: YamlProblem[];
  /** `#` comments with their ranges, for suppression directives. */
  comments: Array<{ text: string; range: Range }>;
}

const DOC_SEPARATOR = /^---(?:[ \t].*)?$/gm;
const CACHE_LIMIT = 4096;
/**
 * The cache is also bounded by the text it holds: a parsed document costs a few hundred bytes per source line,
 * so a handful of versions of a 200k-line file would otherwise fill the heap (and every edit of such a file
 * adds one). The most recent document is always kept.
 */
const CACHE_CHARS = 12 * 1024 * 1024;
const cache = new Map<string, Document.Parsed>();
let cachedChars = 0;

/** Partial re-parsing of large documents; tests lower `minLines` to exercise it on small documents. */
export const incrementalOptions = {
  enabled: true,
  /** Below this many lines a full parse is fast enough (~30 ms per 2000 lines). */
  minLines: 2000,
  /** How many of the last large documents are tried as the base of a splice. */
  bases: 3,
};

/** How large documents were parsed (for tests). */
export const parseStats = { full: 0, spliced: 0, lastFallback: undefined as string | undefined };

/** Texts of the last large documents parsed (most recent last); their documents are in `cache`. */
const recentLarge: string[] = [];

function parseCached(text: string, lineCount: number): Document.Parsed {
  const hit = cache.get(text);
  if (hit) {
    // Refresh recency.
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  const large = lineCount >= incrementalOptions.minLines;
  const doc = (large && incrementalOptions.enabled && parseIncremental(text)) || parseDocument(text, YAML_PARSE_OPTIONS);
  if (large) {
    const at = recentLarge.indexOf(text);
    if (at >= 0) recentLarge.splice(at, 1);
    recentLarge.push(text);
    if (recentLarge.length > incrementalOptions.bases) recentLarge.shift();
  }
  cache.set(text, doc);
  cachedChars += text.length;
  while (cache.size > 1 && (cache.size > CACHE_LIMIT || cachedChars > CACHE_CHARS)) {
    const oldest = cache.keys().next().value as string;
    cache.delete(oldest);
    cachedChars -= oldest.length;
    const at = recentLarge.indexOf(oldest);
    if (at >= 0) recentLarge.splice(at, 1);
  }
  return doc;
}

/** Splice the document from the closest recent large document, or undefined (then it is parsed in full). */
function parseIncremental(text: string): Document.Parsed | undefined {
  let best: { base: string; doc: Document.Parsed; edit: NonNullable<ReturnType<typeof textEdit>>; size: number } | undefined;
  for (let k = recentLarge.length - 1; k >= 0; k--) {
    const base = recentLarge[k];
    const doc = cache.get(base);
    if (!doc) continue;
    const edit = textEdit(base, text);
    if (!edit) continue;
    const size = Math.max(edit.oldEnd, edit.newEnd) - edit.start;
    if (!best || size < best.size) best = { base, doc, edit, size };
  }
  // An unrelated text (another file): nothing to reuse.
  if (!best || best.size > text.length / 4) {
    parseStats.full++;
    parseStats.lastFallback = 'no similar document parsed recently';
    return undefined;
  }
  const r = spliceParse(best.base, best.doc, text, best.edit);
  if ('fallback' in r) {
    parseStats.full++;
    parseStats.lastFallback = r.fallback;
    return undefined;
  }
  parseStats.spliced++;
  parseStats.lastFallback = undefined;
  return r.document;
}

/** Document boundaries: offsets where a document starts (the `---` line belongs to the document it opens). */
function splitDocuments(text: string): number[] {
  const starts = [0];
  DOC_SEPARATOR.lastIndex = 0;
  for (let m; (m = DOC_SEPARATOR.exec(text)); ) if (m.index > 0) starts.push(m.index);
  return starts;
}

/** Parse a YAML/JSON file into documents with ranges. Never throws. */
export function loadYaml(text: string): YamlFile {
  const lines = new LineIndex(text);
  const file: YamlFile = { text, lines, docs: [], errors: [], comments: [] };
  const starts = splitDocuments(text);
  for (let i = 0; i < starts.length; i++) {
    const base = starts[i];
    const end = i + 1 < starts.length ? starts[i + 1] : text.length;
    const chunk = text.slice(base, end);
    let document: Document.Parsed;
    try {
      document = parseCached(chunk, lines.position(end).line - lines.position(base).line);
    } catch (e) {
      file.errors.push({ message: `YAML: ${(e as Error).message}`, range: lines.range(base, end) });
      continue;
    }
    // One mistake often makes the parser report several errors, the later ones consequences of the first (a
    // tab-indented line: six, some on the following lines). Only the first of each document is reported, so
    // one mistake is one LB001 at its line; the next one shows once it is fixed.
    const err = document.errors[0];
    if (err) {
      const [s, e] = err.pos ?? [0, 0];
      file.errors.push({ message: err.message.split('\n')[0], range: lines.range(base + s, base + Math.max(e, s + 1)) });
    }
    if (document.contents === null && !/\S/.test(chunk.replace(/^---.*$/m, '').replace(/#.*$/gm, ''))) continue;
    file.docs.push(new YamlDoc(file, base, document));
  }
  collectComments(file);
  return file;
}

/** `#` comments: at line start or after whitespace, outside quotes. Only lines with a `#` are scanned. */
function collectComments(file: YamlFile): void {
  const text = file.text;
  for (let hash = text.indexOf('#'); hash >= 0; ) {
    const lineStart = text.lastIndexOf('\n', hash) + 1;
    let lineEnd = text.indexOf('\n', hash);
    if (lineEnd < 0) lineEnd = text.length;
    let quote = '';
    for (let i = lineStart; i < lineEnd; i++) {
      const c = text[i];
      if (quote) {
        if (c === quote) quote = '';
        else if (c === '\\' && quote === '"') i++;
      } else if (c === '"' || c === "'") {
        const prev = text[i - 1];
        if (i === lineStart || prev === ' ' || prev === '\t' || prev === ':' || prev === '[' || prev === '{' || prev === ',' || prev === '-') quote = c;
      } else if (c === '#' && (i === lineStart || text[i - 1] === ' ' || text[i - 1] === '\t')) {
        const end = text[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd;
        file.comments.push({ text: text.slice(i, end), range: file.lines.range(i, end) });
        break;
      }
    }
    hash = lineEnd < text.length ? text.indexOf('#', lineEnd + 1) : -1;
  }
}

// ---- node helpers: read values without converting the whole tree to JS ----

export function findPair(map: Node | null | undefined, key: string): Pair | undefined {
  if (!isMap(map)) return undefined;
  const list = map.items;
  for (let i = 0; i < list.length; i++) {
    const k = list[i].key;
    if (isScalar(k)) {
      // Keys are mostly strings: compare without converting (this runs for every field the lowerings read).
      const v = k.value;
      if (v === key || (typeof v !== 'string' && String(v) === key)) return list[i] as Pair;
    } else if (k === key) return list[i] as Pair;
  }
  return undefined;
}

/** The value node at `key` of a map (or at a path of keys). */
export function get(node: Node | null | undefined, ...path: string[]): Node | undefined {
  let cur: Node | null | undefined = node;
  for (const key of path) {
    const pair = findPair(cur, key);
    if (!pair) return undefined;
    cur = pair.value as Node | null;
  }
  return cur ?? undefined;
}

/** A scalar's value as a string (numbers and booleans too), else undefined. */
export function str(node: Node | null | undefined): string | undefined {
  if (!isScalar(node)) return undefined;
  const v = (node as Scalar).value;
  return v === null || v === undefined ? undefined : String(v);
}

/** A scalar's numeric value (also from a numeric string), else undefined. */
export function num(node: Node | null | undefined): number | undefined {
  const s = str(node);
  if (s === undefined || s.trim() === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

export function bool(node: Node | null | undefined): boolean | undefined {
  if (!isScalar(node)) return undefined;
  const v = (node as Scalar).value;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'True') return true;
  if (v === 'false' || v === 'False') return false;
  return undefined;
}

/** The items of a sequence ([] for anything else). */
export function items(node: Node | null | undefined): Node[] {
  return isSeq(node) ? (node.items as Node[]) : [];
}

/** The key/value pairs of a map, keys as strings. */
export function entries(node: Node | null | undefined): Array<{ key: string; keyNode: Node; value: Node | undefined }> {
  if (!isMap(node)) return [];
  return node.items.map((p) => ({
    key: isScalar(p.key) ? String(p.key.value) : String(p.key),
    keyNode: p.key as Node,
    value: (p.value as Node | null) ?? undefined,
  }));
}

export { isMap, isScalar, isSeq };
export type { Node };
