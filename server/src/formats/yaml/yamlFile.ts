import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Pair, type Scalar } from 'yaml';
import type { Range } from '../../model/types';
import { LineIndex } from '../../util/lineIndex';
import { aliasFacts, deref, goRefusesAliasing, isMergeKey, mapPairs, markWithoutAliases, type AliasFacts } from './aliases';
import { MAX_YAML_DEPTH, parseDocumentBounded } from './bounded';
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
 *
 * Bounded by construction: a document nested deeper than `MAX_YAML_DEPTH` is never composed (`bounded.ts`), and a
 * document whose aliases would expand past `MAX_ALIAS_NODES` nodes, nest past `MAX_EXPANDED_DEPTH` levels, or refer
 * to themselves is refused (`aliases.ts` measures the expansion without doing it) — each with an LB001 in the
 * product's terms, the other documents of the file still read. Every reader of YAML goes through `loadYaml`
 * (formats, sibling files, the base text of a comparison), so the bounds hold everywhere. Accepted documents are
 * read through aliases and YAML 1.1 merge keys by the helpers at the end of this file and by `declarative/tree.ts`.
 */

/** Nodes that aliases may add to a document (lb-lens' own bound; cfn-lint stops at 250,000 for a whole template). */
export const MAX_ALIAS_NODES = 100_000;
/** Nesting with aliases expanded. */
export const MAX_EXPANDED_DEPTH = 2 * MAX_YAML_DEPTH;

/** How a product's YAML loader treats aliases, merge keys and nesting, for the messages. */
export interface YamlDialect {
  /** The product, as messages name it (`Kubernetes`). */
  product: string;
  /**
   * `go-yaml`: Go's decoders (Kubernetes and Istio through sigs.k8s.io/yaml, Traefik's file provider): aliases and
   * merge keys resolved, "excessive aliasing" refused, 10,000 levels at most. `yaml-cpp`: Envoy — aliases resolved,
   * merge keys not applied (envoyproxy/envoy#12926), no bound. `cloudformation`: CloudFormation refuses aliases
   * ("YAML aliases are not allowed in CloudFormation templates"); `aws cloudformation package` and SAM resolve
   * them (PyYAML) before they reach it.
   */
  loader: 'go-yaml' | 'yaml-cpp' | 'cloudformation';
}

export const YAML_DIALECTS = {
  kubernetes: { product: 'Kubernetes', loader: 'go-yaml' },
  istio: { product: 'Istio', loader: 'go-yaml' },
  traefik: { product: 'Traefik', loader: 'go-yaml' },
  envoy: { product: 'Envoy', loader: 'yaml-cpp' },
  cloudformation: { product: 'CloudFormation', loader: 'cloudformation' },
} as const satisfies Record<string, YamlDialect>;

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
 * The cache is also bounded by the memory it holds, estimated from the documents' nodes: a composed node with its
 * range and pair costs about 300 bytes (56 bytes per character of dense flow-style YAML, 10 of block style), so a
 * bound on characters alone let a few dense files fill the heap (the fuzzer saw 600 MB). A handful of versions
 * of a 200k-line file still fit; the most recent document is always kept.
 */
const CACHE_BYTES = 256 * 1024 * 1024;
const BYTES_PER_NODE = 300;
/** A parsed document, or where a document nests deeper than `MAX_YAML_DEPTH` (it is then never composed). */
type Parsed = Document.Parsed | { tooDeep: number };
const cache = new Map<string, Parsed>();
/** Estimated bytes of each cached document (its text included). */
const weights = new Map<string, number>();
let cachedBytes = 0;

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

function parseCached(text: string, lineCount: number): Parsed {
  const hit = cache.get(text);
  if (hit) {
    // Refresh recency.
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  const large = lineCount >= incrementalOptions.minLines;
  const spliced = large && incrementalOptions.enabled ? parseIncremental(text) : undefined;
  let doc: Parsed;
  let weight: number;
  if (spliced) {
    doc = spliced.document;
    markWithoutAliases(doc);
    // A splice shares most nodes with its base: estimated from the base's weight.
    weight = Math.round(spliced.baseWeight * (text.length / Math.max(1, spliced.baseLength)));
  } else {
    const r = parseDocumentBounded(text, YAML_PARSE_OPTIONS);
    doc = 'tooDeep' in r ? r : r.document;
    weight = 2 * text.length + ('nodes' in r ? r.nodes * BYTES_PER_NODE : 0);
  }
  if (large && !('tooDeep' in doc)) {
    const at = recentLarge.indexOf(text);
    if (at >= 0) recentLarge.splice(at, 1);
    recentLarge.push(text);
    if (recentLarge.length > incrementalOptions.bases) recentLarge.shift();
  }
  cache.set(text, doc);
  weights.set(text, weight);
  cachedBytes += weight;
  while (cache.size > 1 && (cache.size > CACHE_LIMIT || cachedBytes > CACHE_BYTES)) {
    const oldest = cache.keys().next().value as string;
    cache.delete(oldest);
    cachedBytes -= weights.get(oldest) ?? 0;
    weights.delete(oldest);
    const at = recentLarge.indexOf(oldest);
    if (at >= 0) recentLarge.splice(at, 1);
  }
  return doc;
}

/** Splice the document from the closest recent large document, or undefined (then it is parsed in full). */
function parseIncremental(text: string): { document: Document.Parsed; baseWeight: number; baseLength: number } | undefined {
  let best: { base: string; doc: Document.Parsed; edit: NonNullable<ReturnType<typeof textEdit>>; size: number } | undefined;
  for (let k = recentLarge.length - 1; k >= 0; k--) {
    const base = recentLarge[k];
    const doc = cache.get(base);
    if (!doc || 'tooDeep' in doc) continue;
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
  return { document: r.document, baseWeight: weights.get(best.base) ?? 2 * best.base.length, baseLength: best.base.length };
}

/** Document boundaries: offsets where a document starts (the `---` line belongs to the document it opens). */
function splitDocuments(text: string): number[] {
  const starts = [0];
  DOC_SEPARATOR.lastIndex = 0;
  for (let m; (m = DOC_SEPARATOR.exec(text)); ) if (m.index > 0) starts.push(m.index);
  return starts;
}

/**
 * Parse a YAML/JSON file into documents with ranges. Never throws. `dialect` names the product whose loader the
 * messages about limits describe (aliases, merge keys and nesting are bounded whatever it is).
 */
export function loadYaml(text: string, dialect?: YamlDialect): YamlFile {
  const lines = new LineIndex(text);
  const file: YamlFile = { text, lines, docs: [], errors: [], comments: [] };
  const starts = splitDocuments(text);
  for (let i = 0; i < starts.length; i++) {
    const base = starts[i];
    const end = i + 1 < starts.length ? starts[i + 1] : text.length;
    const chunk = text.slice(base, end);
    let parsed: Parsed;
    try {
      parsed = parseCached(chunk, lines.position(end).line - lines.position(base).line);
    } catch (e) {
      file.errors.push({ message: `YAML: ${(e as Error).message}`, range: lines.range(base, end) });
      continue;
    }
    if ('tooDeep' in parsed) {
      const at = base + parsed.tooDeep;
      file.errors.push({ message: tooDeepMessage(dialect), range: lines.range(at, Math.min(end, at + 1)) });
      continue;
    }
    const document = parsed;
    // One mistake often makes the parser report several errors, the later ones consequences of the first (a
    // tab-indented line: six, some on the following lines). Only the first of each document is reported, so
    // one mistake is one LB001 at its line; the next one shows once it is fixed.
    const err = document.errors[0];
    if (err) {
      const [s, e] = err.pos ?? [0, 0];
      file.errors.push({ message: err.message.split('\n')[0], range: lines.range(base + s, base + Math.max(e, s + 1)) });
    }
    if (document.contents === null && !/\S/.test(chunk.replace(/^---.*$/m, '').replace(/#.*$/gm, ''))) continue;
    const facts = aliasFacts(document, chunk);
    const refusal = aliasRefusal(facts, dialect);
    if (refusal) {
      const [s, e] = rangeOf(refusal.node);
      file.errors.push({ message: refusal.message, range: lines.range(base + s, base + Math.max(e, s + 1)) });
      continue;
    }
    if (facts.unknown.length && !err) {
      // go-yaml: the document is not decoded; here the alias reads as an empty value and the rest is analysed.
      const a = facts.unknown[0];
      const [s, e] = rangeOf(a);
      file.errors.push({ message: `unknown anchor '${a.source}' referenced: no node before this alias has the anchor &${a.source}`, range: lines.range(base + s, base + Math.max(e, s + 1)) });
    }
    file.docs.push(new YamlDoc(file, base, document));
  }
  collectComments(file);
  return file;
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

function tooDeepMessage(dialect: YamlDialect | undefined): string {
  const go = dialect?.loader === 'go-yaml' ? ` (go-yaml, the YAML decoder of ${dialect.product}, stops at 10,000 levels)` : '';
  return `Nesting deeper than ${MAX_YAML_DEPTH} levels: lb-lens does not read this document${go}`;
}

/** Why a document's aliases make it unreadable (for the product, or for lb-lens' bounds), or undefined. */
function aliasRefusal(f: AliasFacts, dialect: YamlDialect | undefined): { message: string; node: Node | undefined } | undefined {
  if (!f.aliases) return undefined;
  const product = dialect?.product ?? 'the product';
  if (f.cycle) {
    const name = (f.cycle as { source?: string }).source ?? '';
    const go = dialect?.loader === 'go-yaml' ? ` (go-yaml: "anchor '${name}' value contains itself")` : '';
    return { message: `YAML alias *${name} refers to a node that contains it, an endless value: ${product} cannot load this document${go}`, node: f.cycle };
  }
  const expansion = `YAML aliases expand this document to ${count(f.expanded)} nodes, ${count(f.viaAliases)} of them through aliases`;
  if (dialect?.loader === 'go-yaml' && goRefusesAliasing(f)) {
    return { message: `${expansion}: ${product} refuses it (go-yaml: "document contains excessive aliasing")`, node: f.largest };
  }
  if (f.viaAliases > MAX_ALIAS_NODES) {
    const why =
      dialect?.loader === 'yaml-cpp' ? ` (${product}'s loader, yaml-cpp, would build every one of them)`
      : dialect?.loader === 'cloudformation' ? ' (CloudFormation itself refuses aliases; `aws cloudformation package` and SAM would expand every one of them)'
      : '';
    return { message: `${expansion}: more than ${count(MAX_ALIAS_NODES)}, so lb-lens does not analyse it${why}`, node: f.largest };
  }
  if (f.depth > MAX_EXPANDED_DEPTH) {
    return { message: `YAML aliases nest this document deeper than ${MAX_EXPANDED_DEPTH} levels: lb-lens does not analyse it`, node: f.largest };
  }
  return undefined;
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

/**
 * The entry `key` of a map, read as the products' loaders read YAML: through aliases (`*name`) and merge keys
 * (`<<: *base`, an entry written in the map wins).
 */
export function findPair(node: Node | null | undefined, key: string): Pair | undefined {
  const map = deref(node);
  if (!isMap(map)) return undefined;
  // The entries written in the map first (this runs for every field the lowerings read: no allocation, no
  // lookup besides the scan); merged entries only when the map has a `<<` and the key is not written in it.
  const list = map.items as Pair[];
  let merge = false;
  for (let i = 0; i < list.length; i++) {
    const raw = list[i].key as unknown;
    if (raw === key) return list[i];
    if (isScalar(raw)) {
      const v = raw.value;
      if (v === key || (typeof v !== 'string' && String(v) === key)) return list[i];
      if (v === '<<') merge = true;
    } else if (isAlias(raw)) {
      const k = deref(raw);
      if (isScalar(k) && String(k.value) === key) return list[i];
    }
  }
  if (!merge) return undefined;
  const all = mapPairs(map);
  for (let i = 0; i < all.length; i++) {
    const k = deref(all[i].key as Node | null);
    if (isScalar(k) && (k.value === key || String(k.value) === key)) return all[i];
  }
  return undefined;
}

/** The value node at `key` of a map (or at a path of keys). */
export function get(node: Node | null | undefined, ...path: string[]): Node | undefined {
  let cur: Node | null | undefined = node;
  for (const key of path) {
    const pair = findPair(cur, key);
    if (!pair) return undefined;
    cur = deref(pair.value as Node | null);
  }
  return deref(cur);
}

/** The value of an entry (through an alias). */
export const valueOf = (pair: Pair | undefined): Node | undefined => deref(pair?.value as Node | null);

/** A scalar's value as a string (numbers and booleans too), else undefined. */
export function str(n: Node | null | undefined): string | undefined {
  const node = deref(n);
  if (!isScalar(node)) return undefined;
  const v = (node as Scalar).value;
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? '.nan' : v > 0 ? '.inf' : '-.inf';
  return v === null || v === undefined ? undefined : String(v);
}

/** A scalar's numeric value (also from a numeric string), else undefined. */
export function num(node: Node | null | undefined): number | undefined {
  const s = str(node);
  if (s === undefined || s.trim() === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** A value for a message: `"ROUND_ROBN"` as written, or what it is when it is not a scalar value. */
export function quoted(n: Node | null | undefined): string {
  const v = str(n);
  if (v !== undefined) return `"${v}"`;
  const node = deref(n);
  return isMap(node) || isSeq(node) ? 'a map or a list' : 'an empty value';
}

export function bool(n: Node | null | undefined): boolean | undefined {
  const node = deref(n);
  if (!isScalar(node)) return undefined;
  const v = (node as Scalar).value;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'True') return true;
  if (v === 'false' || v === 'False') return false;
  return undefined;
}

/** The items of a sequence ([] for anything else), aliases resolved. */
export function items(n: Node | null | undefined): Node[] {
  const node = deref(n);
  if (!isSeq(node)) return [];
  const list = node.items as Node[];
  let alias = false;
  for (let i = 0; i < list.length && !alias; i++) alias = deref(list[i]) !== list[i];
  return alias ? list.map((x) => deref(x)).filter((x): x is Node => x !== undefined) : list;
}

/** The key/value pairs of a map, keys as strings, through aliases and merge keys (see `findPair`). */
export function entries(n: Node | null | undefined): Array<{ key: string; keyNode: Node; value: Node | undefined }> {
  const node = deref(n);
  if (!isMap(node)) return [];
  let merge = false;
  for (const p of node.items) if (isScalar(p.key) && p.key.value === '<<') merge = true;
  return (merge ? mapPairs(node) : (node.items as Pair[])).map((p) => {
    const k = deref(p.key as Node | null);
    return { key: isScalar(k) ? String(k.value) : String(k), keyNode: p.key as Node, value: deref(p.value as Node | null) };
  });
}

/**
 * The merge keys (`<<`) written in a document's maps, for formats whose product does not apply them; the values of
 * keys in `opaque` (free-form data, where any key is allowed) are not searched.
 */
export function mergeKeys(root: Node | null | undefined, opaque: ReadonlySet<string> = new Set()): Node[] {
  const out: Node[] = [];
  const stack: unknown[] = [root];
  while (stack.length) {
    const n = stack.pop();
    if (isMap(n)) {
      for (const p of n.items) {
        if (isMergeKey(p.key)) out.push(p.key as Node);
        else if (!(isScalar(p.key) && opaque.has(String(p.key.value)))) stack.push(p.value);
      }
    } else if (isSeq(n)) for (const x of n.items) stack.push(x);
  }
  return out;
}

export { deref, isMap, isScalar, isSeq };
export type { Node };
