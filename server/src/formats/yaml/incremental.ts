import { isMap, isPair, isScalar, isSeq, Pair, Scalar, YAMLMap, YAMLSeq, type Document, type Node } from 'yaml';
import { MAX_YAML_DEPTH, parseDocumentBounded } from './bounded';

/**
 * Partial re-parsing of one large YAML document after an edit.
 *
 * `parseDocument` with ranges costs ~300 ms per 20k lines, so a one-character edit in a 200k-line Envoy bootstrap
 * (one document) would cost seconds. Given the previous text and its parsed document, `spliceParse` finds the
 * edited region (common prefix and suffix), the smallest run of block-collection items (sequence entries or
 * mapping entries, each starting a line) that encloses it, parses only those lines on their own, and builds a new
 * document: the nodes before the run are shared with the previous document (their ranges do not change), the
 * re-parsed items replace the old ones, and the nodes after the run are copied with shifted ranges. The previous
 * document is never modified, so whoever still reads it (an older `YamlFile`, the parse cache) is unaffected.
 *
 * The result must equal a fresh full parse (same values, ranges, errors, comments and blank-line markers), so
 * anything whose meaning could depend on text outside the re-parsed lines makes it give up and return the reason
 * (the caller then parses the whole document): anchors/aliases/merge keys in the document, errors or warnings in
 * the previous document, a flow (JSON) document, and in the edited lines: tabs, comments, tags, block scalars,
 * multi-line quoted or plain scalars, multi-line flow collections, explicit keys, document markers, a line that
 * leaves the run's indentation, errors in the re-parsed lines, a key that duplicates one outside the run. The
 * randomized differential test (`test/unit/formats/yamlIncremental.test.ts`) compares it with full parses.
 */

/** Options of `parseDocument` shared with the full parse: both must produce the same trees. */
export const YAML_PARSE_OPTIONS = { keepSourceTokens: false, prettyErrors: false, uniqueKeys: true, strict: false } as const;

export type SpliceResult =
  | { document: Document.Parsed; /** The re-parsed range of the new text. */ fragment: [number, number] }
  | { fallback: string };

export interface TextEdit {
  /** First changed offset (same in both texts). */
  start: number;
  /** End of the changed region in the old text. */
  oldEnd: number;
  /** End of the changed region in the new text. */
  newEnd: number;
}

/** The changed region of two texts (undefined when they are equal). */
export function textEdit(a: string, b: string): TextEdit | undefined {
  if (a === b) return undefined;
  const n = Math.min(a.length, b.length);
  // Blocks of characters compare in native code, far faster than a charCodeAt loop over megabytes.
  const BLOCK = 2048;
  let p = 0;
  while (p + BLOCK <= n && a.slice(p, p + BLOCK) === b.slice(p, p + BLOCK)) p += BLOCK;
  while (p < n && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  const max = n - p;
  let s = 0;
  while (s + BLOCK <= max && a.slice(a.length - s - BLOCK, a.length - s) === b.slice(b.length - s - BLOCK, b.length - s)) s += BLOCK;
  while (s < max && a.charCodeAt(a.length - s - 1) === b.charCodeAt(b.length - s - 1)) s++;
  return { start: p, oldEnd: a.length - s, newEnd: b.length - s };
}

/** Why a previous document cannot be the base of a splice (null: it can), computed once per document. */
const baseVerdicts = new WeakMap<Document.Parsed, string | null>();

/** Anchors (`&a`), aliases (`*a`) and merge keys (`<<:`): a value may then depend on text far from the edit. */
const ANCHOR_LIKE = /(?:^|[\s[{,])[&*][^\s[\]{},]|(?:^|[\s{,])<<\s*:/m;
/** Directives (`%YAML`) and document end markers (`...`). */
const MARKERS = /^(?:%|\.\.\.(?:[ \t]|$))/m;

function baseVerdict(text: string, doc: Document.Parsed): string | null {
  const known = baseVerdicts.get(doc);
  if (known !== undefined) return known;
  let v: string | null = null;
  if (doc.errors.length) v = 'errors in the previous document';
  else if (doc.warnings.length) v = 'warnings in the previous document';
  else if (!isBlock(doc.contents)) v = 'the document is not a block collection (JSON or flow style)';
  else if (ANCHOR_LIKE.test(text)) v = 'anchors, aliases or merge keys in the document';
  else if (MARKERS.test(text)) v = 'directives or document end markers';
  baseVerdicts.set(doc, v);
  return v;
}

type Coll = YAMLMap<unknown, unknown> | YAMLSeq<unknown>;

function isBlock(node: unknown): node is Coll {
  return (isMap(node) || isSeq(node)) && !node.flow;
}

/** A run of items `i..j` of a block collection, to be replaced by the re-parse of `[start, oldEnd)`. */
interface Run {
  /** The collections from the root down to `coll`, with the index of the item descended into. */
  path: Array<{ coll: Coll; index: number }>;
  coll: Coll;
  i: number;
  j: number;
  /** Indentation of the items (the column of their `-` or key). */
  indent: number;
  /** Line start of item i. */
  start: number;
  /** End of the run in the old text: after the newline of item j's last line. */
  oldEnd: number;
}

/** A failure that re-parsing a larger run cannot fix (the same lines would be in it): give up at once. */
class Fatal {
  constructor(readonly reason: string) {}
}

const SP = 32;
const NL = 10;
const CR = 13;

/**
 * Re-parse `newText` from `oldText` and its parsed document `oldDoc` (a full parse of `oldText` with
 * `YAML_PARSE_OPTIONS`, or an earlier splice). Never throws; `{ fallback }` says why a full parse is needed.
 */
export function spliceParse(oldText: string, oldDoc: Document.Parsed, newText: string, edit = textEdit(oldText, newText)): SpliceResult {
  try {
    if (!edit) return { fallback: 'no change' };
    const verdict = baseVerdict(oldText, oldDoc);
    if (verdict) return { fallback: verdict };
    const runs = candidateRuns(oldText, newText, oldDoc.contents as Coll, edit);
    // Deepest first; the reason given is the one of the smallest run (why the natural choice did not do).
    let reason: string | undefined;
    for (const run of runs) {
      const r = tryRun(oldText, newText, oldDoc, run, edit);
      if (typeof r !== 'string') return r;
      reason ??= r;
    }
    return { fallback: reason ?? 'the edit is not inside a block collection item' };
  } catch (e) {
    if (e instanceof Fatal) return { fallback: e.reason };
    return { fallback: `internal: ${(e as Error).message}` };
  }
}

// ---- locating the run ----

/** Offset of the first character of item k (`-` of a sequence entry, the key of a mapping entry), -1 if unknown. */
function itemFirst(text: string, coll: Coll, k: number): number {
  const item = coll.items[k];
  if (isSeq(coll)) {
    const node = item as Node | null;
    if (!node?.range) return -1;
    // The node starts after `- ` (possibly on a later line): step back over blanks to the indicator.
    let o = node.range[0] - 1;
    while (o >= 0 && (text.charCodeAt(o) === SP || text.charCodeAt(o) === NL || text.charCodeAt(o) === CR)) o--;
    return o >= 0 && text[o] === '-' ? o : -1;
  }
  const key = isPair(item) ? (item.key as Node | null) : null;
  return isScalar(key) && key.range ? key.range[0] : -1;
}

/** Line start of an offset when only spaces precede it on its line, else -1 (a compact item: `- name: x`). */
function lineStartBefore(text: string, o: number): number {
  let s = o;
  while (s > 0 && text.charCodeAt(s - 1) === SP) s--;
  return s === 0 || text.charCodeAt(s - 1) === NL ? s : -1;
}

/** End of item k in the old text: after the newline that ends the line of its last character. */
function itemEnd(text: string, coll: Coll, k: number): number {
  const item = coll.items[k];
  let last: Node | null | undefined;
  if (isPair(item)) last = ((item.value as Node | null) ?? (item.key as Node | null)) as Node | null;
  else last = item as Node | null;
  const end = last?.range?.[1];
  if (end === undefined) return -1;
  const nl = text.indexOf('\n', Math.max(0, end - 1));
  return nl < 0 ? text.length : nl + 1;
}

/** Runs that enclose the edit, deepest first. */
function candidateRuns(oldText: string, newText: string, root: Coll, edit: TextEdit): Run[] {
  const runs: Run[] = [];
  const path: Run['path'] = [];
  let coll: unknown = root;
  while (isBlock(coll) && !coll.tag && !coll.anchor) {
    const run = runIn(oldText, newText, coll, edit, path);
    if (run) runs.push(run);
    // Descend into the one item whose value holds the edit.
    const k = lastIndex(coll, (m) => {
      const f = itemFirst(oldText, coll as Coll, m);
      return f >= 0 && f < edit.start;
    });
    // An edit just after the item (blank lines between) may be a new last item of a collection inside it.
    const end = k < 0 ? -1 : itemEnd(oldText, coll, k);
    if (end < 0 || (end < edit.oldEnd && /\S/.test(oldText.slice(end, edit.oldEnd)))) break;
    const item = coll.items[k];
    const child = isPair(item) ? item.value : item;
    path.push({ coll, index: k });
    coll = child;
  }
  return runs.reverse();
}

/** The largest index whose predicate holds, for a predicate that is true on a prefix of the items. */
function lastIndex(coll: Coll, pred: (k: number) => boolean): number {
  let lo = 0;
  let hi = coll.items.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (pred(mid)) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function runIn(oldText: string, newText: string, coll: Coll, edit: TextEdit, path: Run['path']): Run | undefined {
  const m = coll.items.length;
  if (m === 0) return undefined;
  // Item i: the last one whose first character is before the edit (so its indentation and indicator are kept).
  const i = lastIndex(coll, (k) => {
    const f = itemFirst(oldText, coll, k);
    return f >= 0 && f < edit.start;
  });
  if (i < 0) return undefined;
  const first = itemFirst(oldText, coll, i);
  const start = lineStartBefore(oldText, first);
  if (start < 0) return undefined;
  // Item j: the first one that ends after the edit, its last newline unchanged.
  let j = -1;
  for (let lo = i, hi = m - 1; lo <= hi; ) {
    const mid = (lo + hi) >> 1;
    if (itemEnd(oldText, coll, mid) > edit.oldEnd) {
      j = mid;
      hi = mid - 1;
    } else lo = mid + 1;
  }
  let oldEnd: number;
  if (j >= 0) oldEnd = itemEnd(oldText, coll, j);
  else {
    // The edit reaches past the last item (typing a new last item): the run takes the rest of the edited lines,
    // which must have been blank in the old text.
    j = m - 1;
    const lastEnd = itemEnd(oldText, coll, j);
    if (lastEnd < 0 || /\S/.test(oldText.slice(lastEnd, edit.oldEnd))) return undefined;
    const atLineStart = (t: string, o: number) => o === 0 || t.charCodeAt(o - 1) === NL;
    if (atLineStart(oldText, edit.oldEnd) && atLineStart(newText, edit.newEnd)) oldEnd = edit.oldEnd;
    else {
      const nl = oldText.indexOf('\n', edit.oldEnd);
      oldEnd = nl < 0 ? oldText.length : nl + 1;
      if (/\S/.test(oldText.slice(lastEnd, oldEnd))) return undefined;
    }
  }
  if (oldEnd < 0) return undefined;
  return { path: [...path], coll, i, j, indent: first - start, start, oldEnd };
}

// ---- checking and re-parsing the run ----

interface LineShape {
  indent: number;
  blank: boolean;
  /** Starts with a sequence indicator (`- ` or a lone `-`). */
  seqItem: boolean;
}

/**
 * The shape of one line, or a Fatal for what the re-parse of a few lines cannot reproduce faithfully. A line must
 * be "simple": an entry (`- …`, `key: …`) whose quoted scalars and flow collections close on the same line, with
 * no comment, tag, anchor, alias, merge key, block scalar or explicit key.
 */
function lineShape(text: string, ls: number, le: number): LineShape {
  if (le > ls && text.charCodeAt(le - 1) === CR) le--;
  let o = ls;
  while (o < le && text.charCodeAt(o) === SP) o++;
  const indent = o - ls;
  if (o === le) return { indent, blank: true, seqItem: false };
  const line = text.slice(ls, le);
  if (line.includes('\t')) throw new Fatal('tab in the edited lines');
  if (line.includes('\r')) throw new Fatal('carriage return inside a line');
  if (indent === 0 && (line.startsWith('---') || line.startsWith('...') || line.startsWith('%'))) throw new Fatal('document marker in the edited lines');
  if (text[o] === '#') throw new Fatal('comment in the edited lines');
  let seqItem = false;
  while (o < le && text[o] === '-' && (o + 1 === le || text.charCodeAt(o + 1) === SP)) {
    seqItem = true;
    o++;
    while (o < le && text.charCodeAt(o) === SP) o++;
  }
  let depth = 0;
  let tokenStart = true;
  let mapIndicator = false;
  for (; o < le; o++) {
    const c = text[o];
    if (c === ' ') {
      tokenStart = true;
      continue;
    }
    if (c === '#') {
      if (tokenStart) throw new Fatal('comment in the edited lines');
    } else if (tokenStart && (c === '"' || c === "'")) {
      // A quoted scalar: it must close on this line (`''` is an escaped quote in single-quoted scalars).
      let q = o + 1;
      for (; q < le; q++) {
        const d = text[q];
        if (c === '"' && d === '\\') q++;
        else if (d === c) {
          if (c === "'" && text[q + 1] === "'") q++;
          else break;
        }
      }
      if (q >= le) throw new Fatal('multi-line quoted scalar in the edited lines');
      o = q;
      tokenStart = false;
      continue;
    } else if (tokenStart && (c === '&' || c === '*')) throw new Fatal('anchor or alias in the edited lines');
    else if (tokenStart && c === '!') throw new Fatal('tag in the edited lines');
    else if (tokenStart && depth === 0 && (c === '|' || c === '>')) throw new Fatal('block scalar in the edited lines');
    else if (tokenStart && c === '?') throw new Fatal('explicit key in the edited lines');
    else if (tokenStart && c === '<' && text[o + 1] === '<') throw new Fatal('merge key in the edited lines');
    else if (c === '[' || c === '{') {
      if (tokenStart || depth > 0) {
        depth++;
        tokenStart = true;
        continue;
      }
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
    else if (c === ',' && depth > 0) {
      tokenStart = true;
      continue;
    } else if (c === ':') {
      const next = o + 1 < le ? text[o + 1] : ' ';
      if (next === ' ' || (depth > 0 && (next === ',' || next === ']' || next === '}'))) {
        if (depth === 0) mapIndicator = true;
        tokenStart = true;
        continue;
      }
    }
    tokenStart = false;
  }
  if (depth !== 0) throw new Fatal('multi-line flow collection in the edited lines');
  // Neither an entry nor a key: the continuation of a multi-line plain scalar, or an error.
  if (!mapIndicator && !seqItem) throw new Fatal('a line that is neither an entry nor a key (multi-line plain scalar?) in the edited lines');
  return { indent, blank: false, seqItem };
}

/** Check the lines of `[start, end)`; for the new text also that they stay inside the run. Returns why not. */
function checkLines(text: string, start: number, end: number, run: Run, isNew: boolean): string | undefined {
  let lastBlank = true;
  for (let ls = start; ls < end; ) {
    let le = text.indexOf('\n', ls);
    if (le < 0 || le > end) le = end;
    const shape = lineShape(text, ls, le);
    lastBlank = shape.blank;
    if (isNew && !shape.blank) {
      if (shape.indent < run.indent) return 'a line of the edited item is indented less than the item';
      if (shape.indent === run.indent && isSeq(run.coll) && !shape.seqItem) return 'a line at the indentation of a sequence is not an entry';
    }
    ls = le + 1;
  }
  if (lastBlank) return 'the edited item ends with a blank line';
  return undefined;
}

/** The nearest line before `o` that is not blank, as text ('' at the start). */
function prevLine(text: string, o: number): string {
  let e = o - 1; // the newline before o
  while (e > 0) {
    const s = text.lastIndexOf('\n', e - 1) + 1;
    const line = text.slice(s, e);
    if (/\S/.test(line)) return line;
    e = s - 1;
  }
  return '';
}

/** The nearest line from `o` on that is not blank ('' at the end). */
function nextLine(text: string, o: number): string {
  while (o < text.length) {
    let e = text.indexOf('\n', o);
    if (e < 0) e = text.length;
    const line = text.slice(o, e);
    if (/\S/.test(line)) return line;
    o = e + 1;
  }
  return '';
}

const indentOf = (line: string) => line.length - line.trimStart().length;

function tryRun(oldText: string, newText: string, oldDoc: Document.Parsed, run: Run, edit: TextEdit): SpliceResult | string {
  const delta = newText.length - oldText.length;
  const newEnd = run.oldEnd + delta;
  if (run.oldEnd - run.start > oldText.length / 2) return 'the enclosing item is most of the document';
  // Comments next to the run attach to its first or last node: a full-line comment before it (or a trailing
  // comment on the line before), or a full-line comment after it.
  if (prevLine(oldText, run.start).includes('#')) throw new Fatal('comment before the edited item');
  const after = nextLine(oldText, run.oldEnd);
  if (after.trimStart().startsWith('#')) throw new Fatal('comment after the edited item');
  // What follows the run must end it, as it did in the old text.
  if (after && indentOf(after) > run.indent) return 'the line after the edited item is indented more than the item';
  const oldWhy = checkLines(oldText, run.start, run.oldEnd, run, false);
  if (oldWhy) return oldWhy;
  const newWhy = checkLines(newText, run.start, newEnd, run, true);
  if (newWhy) return newWhy;

  // The fragment sits below the run's path: the whole document must stay within the nesting bound.
  const bounded = parseDocumentBounded(newText.slice(run.start, newEnd), YAML_PARSE_OPTIONS, MAX_YAML_DEPTH - run.path.length - 1);
  if ('tooDeep' in bounded) throw new Fatal('the edited item nests too deep');
  const fragment = bounded.document;
  if (fragment.errors.length) throw new Fatal('errors in the edited item');
  if (fragment.warnings.length) throw new Fatal('warnings in the edited item');
  const r = fragment.contents;
  if (!isBlock(r) || isMap(r) !== isMap(run.coll) || r.tag || r.anchor || r.items.length === 0) {
    return 'the edited lines are not items of the same collection';
  }
  if (isMap(run.coll)) {
    // `uniqueKeys`: a key equal to one outside the run is an error of the full parse.
    const keys = new Set<unknown>();
    run.coll.items.forEach((p, k) => {
      if (k < run.i || k > run.j) keys.add(isScalar(p.key) ? p.key.value : p.key);
    });
    for (const p of (r as YAMLMap).items) {
      if (!isScalar(p.key)) return 'a key of the edited item is not a scalar';
      if (keys.has(p.key.value)) throw new Fatal('duplicate key');
    }
  }
  const fresh = r.items as unknown[];
  // An empty value (`key:`) takes the blank lines after it as its own `spaceBefore` (then the next node does not
  // get it): whether the run ends with one, before or after the edit, decides a marker outside the lines.
  if ((isEmptyEnd(fresh[fresh.length - 1]) || isEmptyEnd(run.coll.items[run.j])) && /^[ \r]*\n/.test(newText.slice(newEnd, newEnd + 256))) {
    return 'an empty value before a blank line';
  }
  for (const item of fresh) offsetItem(item, run.start);
  // A blank line before the run marks its first node (`spaceBefore`), which the lines alone cannot know.
  const oldFirst = firstNode(run.coll.items[run.i]);
  const newFirst = firstNode(fresh[0]);
  if (oldFirst?.spaceBefore && newFirst) newFirst.spaceBefore = true;

  const shift = (x: number) => (x >= run.oldEnd ? x + delta : x);
  const shiftRange = (range: [number, number, number]): [number, number, number] => [shift(range[0]), shift(range[1]), shift(range[2])];
  let child: Coll = copyColl(run.coll, [
    ...run.coll.items.slice(0, run.i),
    ...fresh,
    ...shiftItems(run.coll.items.slice(run.j + 1), delta),
  ]);
  child.range = collRange(run.coll, child, shiftRange);
  for (let l = run.path.length - 1; l >= 0; l--) {
    const { coll, index } = run.path[l];
    const old = coll.items[index];
    const replaced = isPair(old) ? new Pair(old.key, child) : child;
    const parent = copyColl(coll, [...coll.items.slice(0, index), replaced, ...shiftItems(coll.items.slice(index + 1), delta)]);
    parent.range = collRange(coll, parent, shiftRange);
    child = parent;
  }
  const document = Object.create(Object.getPrototypeOf(oldDoc), Object.getOwnPropertyDescriptors(oldDoc)) as Document.Parsed;
  document.contents = child as Document.Parsed['contents'];
  // The document's value ends where its root does (compose-doc: `contentEnd`), its range where its text does.
  const root = oldDoc.contents as Coll;
  document.range = shiftRange(oldDoc.range);
  for (const k of [1, 2]) if (oldDoc.range[k] === root.range![2]) document.range[k] = child.range![2];
  document.errors = [];
  document.warnings = [];
  baseVerdicts.set(document, null);
  return { document, fragment: [run.start, newEnd] };
}

/**
 * The range of a copied collection. A block collection ends where its last item's node ends (`range[2]`,
 * resolve-block-map/-seq), which is not always after a newline: an empty value (`key:`) ends at the line break.
 * So when the last item changed, the end comes from the new last item; otherwise it is shifted like the rest.
 */
function collRange(old: Coll, copy: Coll, shiftRange: (r: [number, number, number]) => [number, number, number]): [number, number, number] {
  const r = shiftRange(old.range!);
  const lastOld = lastNode(old.items[old.items.length - 1]);
  const lastNew = lastNode(copy.items[copy.items.length - 1]);
  if (lastOld?.range && lastNew?.range && lastNew !== lastOld) {
    for (const k of [1, 2]) if (old.range![k] === lastOld.range[2]) r[k] = lastNew.range[2];
  }
  return r;
}

/** Whether an item ends with an empty (zero-width) scalar, as `key:` or a lone `-` do. */
function isEmptyEnd(item: unknown): boolean {
  let node = lastNode(item);
  while (isMap(node) || isSeq(node)) node = lastNode(node.items[node.items.length - 1]);
  return isScalar(node) && !!node.range && node.range[0] === node.range[1];
}

/** The node a collection item ends with: a sequence entry, the value (else the key) of a mapping entry. */
function lastNode(item: unknown): Node | undefined {
  if (isPair(item)) return ((item.value as Node | null) ?? (item.key as Node | null)) ?? undefined;
  return (item as Node | null) ?? undefined;
}

/** Items after the run: shared when their ranges stay (an edit that keeps the length), else shifted copies. */
function shiftItems(items: unknown[], d: number): unknown[] {
  return d === 0 ? items : items.map((it) => shiftItem(it, d));
}

/** The node that carries the blank-line and comment markers of an item: a sequence entry, a mapping key. */
function firstNode(item: unknown): (Node & { spaceBefore?: boolean }) | undefined {
  if (isPair(item)) return (item.key as Node | null) ?? undefined;
  return (item as Node | null) ?? undefined;
}

function copyColl(coll: Coll, items: unknown[]): Coll {
  const copy = isMap(coll) ? new YAMLMap(coll.schema) : new YAMLSeq(coll.schema);
  Object.assign(copy, coll);
  copy.items = items as never;
  return copy;
}

/** Move the ranges of freshly parsed nodes (in place: nobody else has them) by `d`. */
function offsetItem(item: unknown, d: number): void {
  if (isPair(item)) {
    offsetItem(item.key, d);
    offsetItem(item.value, d);
    return;
  }
  const node = item as Node | null;
  if (!node) return;
  if (node.range) node.range = [node.range[0] + d, node.range[1] + d, node.range[2] + d];
  if (isMap(node) || isSeq(node)) for (const it of node.items) offsetItem(it, d);
}

/*
 * Copies of the nodes after the run: a 200k-line document has ~600k nodes and pairs, so they are made without
 * the constructors (each defines its `yaml.node.type` property on the instance, which is slow): the copy's
 * prototype carries that property instead. `isScalar`, `isMap`… read it through the prototype chain
 * (`node[Symbol.for('yaml.node.type')]`), and `instanceof` still holds. A self-check falls back to the
 * constructors should a future `yaml` version identify nodes differently.
 */
const NODE_TYPE = Symbol.for('yaml.node.type');
const typedProto = (proto: object, type: string) => Object.create(proto, { [NODE_TYPE]: { value: Symbol.for(type) } }) as object;
const PROTO = {
  scalar: typedProto(Scalar.prototype, 'yaml.scalar'),
  map: typedProto(YAMLMap.prototype, 'yaml.map'),
  seq: typedProto(YAMLSeq.prototype, 'yaml.seq'),
  pair: typedProto(Pair.prototype, 'yaml.pair'),
};
const fastCopies =
  isScalar(Object.create(PROTO.scalar)) && isMap(Object.create(PROTO.map)) && isSeq(Object.create(PROTO.seq)) && isPair(Object.create(PROTO.pair));

/** A copy of an item of the previous document with its ranges moved by `d` (the original stays as it is). */
function shiftItem(item: unknown, d: number): unknown {
  if (item === null || item === undefined) return item;
  if (!fastCopies) return shiftItemSlow(item, d);
  const node = item as Node & { items?: unknown[] };
  let copy: Node & { items?: unknown[] };
  if (isScalar(node)) copy = Object.assign(Object.create(PROTO.scalar), node);
  else if (isPair(node)) {
    const pair = Object.create(PROTO.pair) as Pair;
    pair.key = shiftItem(node.key, d);
    pair.value = shiftItem(node.value, d);
    return pair;
  } else if (isMap(node) || isSeq(node)) {
    copy = Object.assign(Object.create(isMap(node) ? PROTO.map : PROTO.seq), node);
    // `schema` is not enumerable (Collection's constructor defines it).
    Object.defineProperty(copy, 'schema', { value: node.schema, writable: true, configurable: true });
    const items = node.items as unknown[];
    const out = new Array<unknown>(items.length);
    for (let k = 0; k < items.length; k++) out[k] = shiftItem(items[k], d);
    copy.items = out;
  } else throw new Error('unexpected node');
  const r = node.range;
  if (r) copy.range = [r[0] + d, r[1] + d, r[2] + d];
  return copy;
}

function shiftItemSlow(item: unknown, d: number): unknown {
  if (isPair(item)) return new Pair(shiftItemSlow(item.key, d), shiftItemSlow(item.value, d));
  const node = item as Node | null;
  if (!node) return node;
  let copy: Node;
  if (isScalar(node)) {
    copy = new Scalar(node.value);
    Object.assign(copy, node);
  } else if (isMap(node) || isSeq(node)) {
    copy = copyColl(node, node.items.map((it) => shiftItemSlow(it, d)));
  } else throw new Error('unexpected node');
  const r = node.range;
  if (r) copy.range = [r[0] + d, r[1] + d, r[2] + d];
  return copy;
}
