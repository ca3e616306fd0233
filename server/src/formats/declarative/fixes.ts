/**
 * Quick-fix editing shared by the declarative formats (Envoy, Traefik, Kubernetes, Istio, CloudFormation).
 *
 * The document is read as the value tree of `tree.ts` (YAML and JSON through `yaml/yamlFile.ts`, TOML through
 * the format's reader), and edits are made in the syntax the file already uses: block or flow YAML, JSON,
 * TOML tables, arrays of tables and inline tables. A scalar keeps its quoting; a deleted mapping entry or
 * sequence item takes its own lines (block syntax) or its comma (flow syntax, JSON, inline tables); an
 * inserted entry gets the indentation of its siblings. Whenever an edit cannot be made without touching
 * something else (a key that shares its line with a `- `, a TOML key defined by a dotted key, the last entry
 * of a mapping), the helper returns undefined and the format offers no fix.
 */
import type { Position, Range, Route, Server, TrafficModel, Pool } from '../../model/types';
import { FixText, posKey, shadowedBy } from '../fixText';
import type { Fix, FixContext, FixDiagnostic, FixEdit, FixProvider } from '../types';
import { loadYaml } from '../yaml/yamlFile';
import { str, yamlTrees, type TNode, type TPair } from './tree';

/** A value to write into a document (rendered in the document's syntax). */
export type Value = string | number | boolean | Value[] | { [key: string]: Value };

export type Syntax = 'yaml' | 'toml';

const isContainer = (v: Value): v is Value[] | { [key: string]: Value } => typeof v === 'object';
const isEmpty = (v: Value) => (Array.isArray(v) ? v.length === 0 : isContainer(v) && Object.keys(v).length === 0);

/** YAML 1.1/1.2 scalars that would not read back as the same string when written plain. */
const YAML_SPECIAL = /^(?:true|false|yes|no|on|off|y|n|null|~|[-+]?(?:\.?\d[\d_]*(?:\.\d*)?(?:e[-+]?\d+)?|0x[\da-f]+|0o[0-7]+|\.inf|\.nan))$/i;
const YAML_PLAIN = /^[\w./-][\w./:@-]*$/;
const TOML_BARE_KEY = /^[A-Za-z0-9_-]+$/;

function yamlString(s: string): string {
  return YAML_PLAIN.test(s) && !YAML_SPECIAL.test(s) && !s.endsWith(':') ? s : JSON.stringify(s);
}

function add<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Everything below a node (the node first). */
export function* walk(n: TNode): Generator<TNode> {
  yield n;
  for (const p of n.pairs ?? []) yield* walk(p.value);
  for (const i of n.items ?? []) yield* walk(i);
}

/** The trees of one document text with the lookups fixes need; built once per text (see `docFor`). */
class DeclDoc {
  /** Nodes by the position where their value starts, outer nodes first. */
  readonly byStart = new Map<string, TNode[]>();
  /** Map values by the position of their key. */
  readonly byKey = new Map<string, TNode>();
  readonly parents = new Map<TNode, TNode>();
  readonly pairs = new Map<TNode, TPair>();
  /** TOML: lines that hold a `[table]` or `[[array]]` header. */
  readonly headerLines = new Set<number>();
  /** Scalars by their text, and by each alphanumeric word in it (mentions of a name, found without a walk). */
  readonly byValue = new Map<string, TNode[]>();
  readonly byWord = new Map<string, TNode[]>();
  unit?: string;
  /** TOML: some line is indented (tables' entries are then indented under their header). */
  anyIndent?: boolean;
  /** Whether block sequences are indented under their key (found on first use). */
  indentedSequences?: boolean;

  constructor(readonly t: FixText, readonly roots: TNode[], readonly syntax: Syntax) {
    const visit = (n: TNode) => {
      add(this.byStart, posKey(n.range.start), n);
      if (syntax === 'toml' && this.isHeader(n)) this.headerLines.add(n.range.start.line);
      const value = n.kind === 'scalar' ? str(n) : undefined;
      if (value !== undefined) {
        add(this.byValue, value, n);
        for (const w of new Set(value.match(/[A-Za-z0-9]+/g))) add(this.byWord, w, n);
      }
      // An alias (`*name`) and merged keys (`<<: *name`) repeat nodes written elsewhere: they are indexed where
      // they are written, so an edit is made there.
      if (this.charAt(n.range.start) === '*') return;
      for (const p of this.ownPairs(n)) {
        this.parents.set(p.value, n);
        this.pairs.set(p.value, p);
        this.byKey.set(posKey(p.keyRange.start), p.value);
        visit(p.value);
      }
      for (const i of n.items ?? []) {
        this.parents.set(i, n);
        visit(i);
      }
    };
    for (const r of roots) visit(r);
  }

  charAt(p: Position): string {
    return this.t.line(p.line)[p.character] ?? '';
  }

  /** The entries written in the map itself (YAML: not those a `<<` merge key brings in; TOML: all). */
  ownPairs(n: TNode): TPair[] {
    if (!n.pairs) return [];
    if (this.syntax === 'toml') return n.pairs;
    const { start, end } = n.range;
    const inside = (p: Position) =>
      (p.line > start.line || (p.line === start.line && p.character >= start.character)) && (p.line < end.line || (p.line === end.line && p.character <= end.character));
    return n.pairs.every((p) => inside(p.keyRange.start)) ? n.pairs : n.pairs.filter((p) => inside(p.keyRange.start));
  }

  /** A TOML table or array-of-tables item written as a `[header]`. */
  isHeader(n: TNode): boolean {
    return this.syntax === 'toml' && n.kind === 'map' && this.charAt(n.range.start) === '[';
  }

  /** A flow mapping or sequence (`{…}`, `[…]`): YAML flow style, JSON, TOML inline tables and arrays. */
  isFlow(n: TNode): boolean {
    if (n.kind === 'scalar') return false;
    const c = this.charAt(n.range.start);
    return c === '{' || (c === '[' && n.kind === 'seq' && n.tag !== 'aot');
  }
}

let cached: DeclDoc | undefined;

/** The document's trees, reused while the text is the same (fix-all asks once per finding). */
function docFor(uri: string, text: string, syntax: Syntax, roots: () => TNode[]): DeclDoc {
  if (cached && cached.t.uri === uri && cached.t.text === text && cached.syntax === syntax) return cached;
  cached = new DeclDoc(new FixText(uri, text), roots(), syntax);
  return cached;
}

/** The document of a YAML or JSON file as trees. */
export const yamlRoots = (text: string) => () => yamlTrees(loadYaml(text));

/** A JSON document (no comments, quoted keys): text that starts with `{` or `[`. */
export const isJsonText = (text: string): boolean => /^\s*[{[]/.test(text);

/** `#` for YAML and TOML; JSON has no comments, so no suppression comment is offered there. */
export const hashUnlessJson = (_uri: string, text: string): string | undefined => (isJsonText(text) ? undefined : '#');

/** A model's elements by id (fix-all asks for one finding after another of the same model). */
const byId = new WeakMap<TrafficModel, { pools: Map<string, Pool>; routes: Map<string, Route>; servers: Map<string, Server> }>();
function elementsOf(model: TrafficModel) {
  let e = byId.get(model);
  if (!e) {
    e = {
      pools: new Map(model.pools.map((p) => [p.id, p])),
      routes: new Map(model.routes.map((r) => [r.id, r])),
      servers: new Map(model.pools.flatMap((p) => p.servers.map((s) => [s.id, s] as const))),
    };
    byId.set(model, e);
  }
  return e;
}

interface Element {
  start: Position;
  end: Position;
}

/**
 * One finding's fixer: the model's elements, the tree nodes behind them, and edits in the document's syntax.
 */
export class DeclarativeFixer {
  readonly t: FixText;
  private readonly doc: DeclDoc;

  constructor(readonly ctx: FixContext, syntax: Syntax = 'yaml', roots: () => TNode[] = yamlRoots(ctx.text)) {
    this.doc = docFor(ctx.uri, ctx.text, syntax, roots);
    this.t = this.doc.t;
  }

  get model(): TrafficModel {
    return this.ctx.model;
  }

  get toml(): boolean {
    return this.doc.syntax === 'toml';
  }

  get roots(): TNode[] {
    return this.doc.roots;
  }

  // ---- model ----

  pool(id: unknown): Pool | undefined {
    return typeof id === 'string' ? elementsOf(this.model).pools.get(id) : undefined;
  }

  route(id: unknown): Route | undefined {
    return typeof id === 'string' ? elementsOf(this.model).routes.get(id) : undefined;
  }

  servers(ids: unknown): Server[] {
    if (!Array.isArray(ids)) return [];
    const { servers } = elementsOf(this.model);
    return ids.map((id) => servers.get(id)).filter((s): s is Server => !!s);
  }

  /** True when the element is written in the document being fixed. */
  here(el: { source: { uri: string } } | undefined): boolean {
    return !!el && el.source.uri === this.ctx.uri;
  }

  // ---- tree ----

  /** The node whose value spans exactly `range` (the innermost when several do), else the innermost starting there. */
  nodeAt(range: Range | undefined): TNode | undefined {
    if (!range) return undefined;
    const list = this.doc.byStart.get(posKey(range.start));
    if (!list) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const e = list[i].range.end;
      if (e.line === range.end.line && e.character === range.end.character) return list[i];
    }
    return list[list.length - 1];
  }

  /** The node behind a model element of this document. */
  nodeOf(el: { source: { uri: string; range: Range } } | undefined): TNode | undefined {
    return el && this.here(el) ? this.nodeAt(el.source.range) : undefined;
  }

  /** The node at the finding, when the finding is in the document being fixed. */
  findingNode(): TNode | undefined {
    const d = this.ctx.diagnostic;
    return d.uri === this.ctx.uri ? this.nodeAt(d.range) : undefined;
  }

  /** The value of the map entry whose key starts at `pos`. */
  valueAtKey(pos: Position | undefined): TNode | undefined {
    return pos ? this.doc.byKey.get(posKey(pos)) : undefined;
  }

  parent(n: TNode | undefined): TNode | undefined {
    return n ? this.doc.parents.get(n) : undefined;
  }

  /** The map entry a node is the value of. */
  pairOf(n: TNode | undefined): TPair | undefined {
    return n ? this.doc.pairs.get(n) : undefined;
  }

  /** The key a node is the value of (undefined for sequence items and roots). */
  keyOf(n: TNode | undefined): string | undefined {
    return this.pairOf(n)?.key;
  }

  /** The outermost node above `n` (its document). */
  rootOf(n: TNode): TNode {
    let cur = n;
    for (let p = this.parent(cur); p; p = this.parent(cur)) cur = p;
    return cur;
  }

  /**
   * Scalars outside the `except` ranges that mention a name: whose text is one of `names`, or — `word` — that
   * hold it as a whole alphanumeric word (`${Name.Arn}`, `Name.Arn`).
   */
  mentionsOf(names: string[], except: Range[], word = false): TNode[] {
    const inside = (p: Position, r: Range) =>
      (p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character)) &&
      (p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character));
    const found = names.flatMap((n) => (word ? this.doc.byWord : this.doc.byValue).get(n) ?? []);
    return found.filter((n) => !except.some((r) => inside(n.range.start, r)));
  }

  /** The last line that holds part of a node (block collections end at the next line; trailing comments excluded). */
  lastLine(n: TNode): number {
    if (n.kind === 'scalar') {
      const { start, end } = n.range;
      return end.character === 0 && end.line > start.line ? end.line - 1 : end.line;
    }
    if (this.doc.isFlow(n)) return n.range.end.line;
    let last = n.range.start.line;
    for (const p of this.doc.ownPairs(n)) last = Math.max(last, p.keyRange.end.line, this.lastLine(p.value));
    for (const i of n.items ?? []) last = Math.max(last, this.lastLine(i));
    return last;
  }

  isFlow(n: TNode): boolean {
    return this.doc.isFlow(n);
  }

  /** JSON rather than YAML: the node's document is a flow collection. */
  private json(n: TNode): boolean {
    return !this.toml && this.doc.isFlow(this.rootOf(n));
  }

  // ---- rendering ----

  /** The file's indentation step (looked up once per text). */
  private unit(): string {
    return (this.doc.unit ??= this.t.indentUnit());
  }

  private key(k: string, json: boolean): string {
    if (this.toml) return TOML_BARE_KEY.test(k) ? k : JSON.stringify(k);
    return json ? JSON.stringify(k) : yamlString(k);
  }

  private scalar(v: string | number | boolean, json: boolean): string {
    if (typeof v !== 'string') return String(v);
    return this.toml || json ? JSON.stringify(v) : yamlString(v);
  }

  /** A value on one line: `{ a: 1 }` (YAML), `{"a": 1}` (JSON), `{ a = 1 }` (TOML). */
  private inline(v: Value, json: boolean): string {
    if (!isContainer(v)) return this.scalar(v, json);
    if (Array.isArray(v)) return v.length ? `[${v.map((x) => this.inline(x, json)).join(', ')}]` : '[]';
    const entries = Object.entries(v).map(([k, x]) => this.entry(k, this.inline(x, json), json));
    if (!entries.length) return '{}';
    return json ? `{${entries.join(', ')}}` : `{ ${entries.join(', ')} }`;
  }

  private entry(k: string, rendered: string, json: boolean): string {
    return this.toml ? `${this.key(k, json)} = ${rendered}` : `${this.key(k, json)}: ${rendered}`;
  }

  /** JSON spread over lines, its closing bracket at `indent`. */
  private pretty(v: Value, indent: string): string {
    if (!isContainer(v) || isEmpty(v)) return this.inline(v, true);
    const inner = indent + this.unit();
    const eol = this.t.eol;
    const lines = Array.isArray(v)
      ? v.map((x) => inner + this.pretty(x, inner))
      : Object.entries(v).map(([k, x]) => `${inner}${JSON.stringify(k)}: ${this.pretty(x, inner)}`);
    const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
    return `${open}${eol}${lines.join(`,${eol}`)}${eol}${indent}${close}`;
  }

  /** Block YAML lines of `key: value` at `indent`. */
  private yamlEntry(k: string, v: Value, indent: string): string[] {
    const head = `${indent}${this.key(k, false)}:`;
    if (!isContainer(v) || isEmpty(v)) return [`${head} ${this.inline(v, false)}`];
    if (Array.isArray(v)) return [head, ...v.flatMap((x) => this.yamlItem(x, indent + (this.indentedSequences() ? this.unit() : '')))];
    return [head, ...Object.entries(v).flatMap(([ck, cv]) => this.yamlEntry(ck, cv, indent + this.unit()))];
  }

  /** Block YAML lines of a sequence item `- value` with its dash at `dash`. */
  private yamlItem(v: Value, dash: string): string[] {
    if (!isContainer(v) || isEmpty(v)) return [`${dash}- ${this.inline(v, false)}`];
    const inner = `${dash}  `;
    const lines = Array.isArray(v) ? v.flatMap((x) => this.yamlItem(x, inner)) : Object.entries(v).flatMap(([k, x]) => this.yamlEntry(k, x, inner));
    lines[0] = `${dash}- ${lines[0].slice(inner.length)}`;
    return lines;
  }

  /** Whether the file indents a block sequence under its key (`key:\n  - a`) or not (`key:\n- a`); indented when unknown. */
  private indentedSequences(): boolean {
    this.doc.indentedSequences ??= (() => {
      for (const root of this.doc.roots) {
        for (const n of walk(root)) {
          const pair = this.pairOf(n);
          if (n.kind !== 'seq' || !pair || this.doc.isFlow(n) || !n.items!.length) continue;
          return n.range.start.character > pair.keyRange.start.character;
        }
      }
      return true;
    })();
    return this.doc.indentedSequences;
  }

  private lines(lines: string[]): string {
    return lines.map((l) => l + this.t.eol).join('');
  }

  // ---- edits ----

  /** Replace a scalar, keeping its quotes (`"…"`, `'…'`) or writing it plain when it was plain and may stay so. */
  replaceScalar(n: TNode, v: string | number | boolean): FixEdit {
    const q = this.doc.charAt(n.range.start);
    const s = String(v);
    let text: string;
    if (q === '"') text = JSON.stringify(s);
    else if (q === "'" && !(this.toml && s.includes("'"))) text = this.toml ? `'${s}'` : `'${s.replace(/'/g, "''")}'`;
    else text = this.scalar(v, this.json(n));
    return this.t.replace(n.range, text);
  }

  /** Text between two positions on one line is blank (the element stands alone on its line). */
  private blankBefore(p: Position): boolean {
    return this.t.line(p.line).slice(0, p.character).trim() === '';
  }

  /** Only blanks or a comment after `p` on its line. */
  private restIsComment(line: number, from: number): boolean {
    const rest = this.t.line(line).slice(from).trim();
    return rest === '' || rest.startsWith('#');
  }

  /** End column of a node on its last line (the whole line for block collections). */
  private endColumn(n: TNode, last: number): number {
    return n.range.end.line === last ? n.range.end.character : this.t.line(last).length;
  }

  /** Delete element `i` of a flow collection with the comma that separates it. */
  private flowDelete(elements: Element[], i: number): FixEdit[] | undefined {
    if (elements.length < 2 || i < 0) return undefined;
    if (i < elements.length - 1) return [this.t.edit(elements[i].start, elements[i + 1].start, '')];
    return [this.t.edit(elements[i - 1].end, elements[i].end, '')];
  }

  /** Add an element at the end of a flow collection: on a line of its own when the elements are on lines of their own. */
  private flowAppend(container: TNode, elements: Element[], render: (indent: string | undefined) => string): FixEdit[] {
    if (elements.length === 0) {
      const open = container.range.start;
      const at = { line: open.line, character: open.character + 1 };
      const json = this.json(container);
      return [this.t.edit(at, { line: container.range.end.line, character: container.range.end.character - 1 }, json ? render(undefined) : ` ${render(undefined)} `)];
    }
    const last = elements[elements.length - 1];
    if (last.start.line !== container.range.start.line && this.blankBefore(last.start)) {
      const indent = this.t.line(last.start.line).slice(0, last.start.character);
      return [this.t.edit(last.end, last.end, `,${this.t.eol}${indent}${render(indent)}`)];
    }
    return [this.t.edit(last.end, last.end, `, ${render(undefined)}`)];
  }

  private pairElements(map: TNode): Element[] {
    return this.doc.ownPairs(map).map((p) => ({ start: p.keyRange.start, end: p.value.range.end }));
  }

  private itemElements(seq: TNode): Element[] {
    return seq.items!.map((i) => ({ start: i.range.start, end: i.range.end }));
  }

  /** Delete lines `first…last` when nothing else is on them. */
  private deleteWholeLines(start: Position, last: number, endColumn: number): FixEdit[] | undefined {
    if (!this.blankBefore(start) || !this.restIsComment(last, endColumn)) return undefined;
    return [this.t.deleteLines(start.line, last)];
  }

  /** TOML: lines of a table (or array-of-tables item) and its sub-tables, when no other table's header is among them. */
  private tomlSubtree(n: TNode): { first: number; last: number } | undefined {
    const own = new Set<number>();
    let first = Infinity;
    for (const x of walk(n)) {
      if (this.doc.isHeader(x)) own.add(x.range.start.line);
      first = Math.min(first, x.range.start.line);
    }
    const last = this.lastLine(n);
    if (!own.has(first)) return undefined;
    for (const h of this.doc.headerLines) if (h >= first && h <= last && !own.has(h)) return undefined;
    return { first, last };
  }

  /** A TOML table defined only by the headers of its sub-tables (`[a.b.c]` defines `a.b`). */
  private tomlImplicit(n: TNode): boolean {
    return n.kind === 'map' && !!n.keyRange && !this.doc.isHeader(n) && !this.doc.isFlow(n) && this.doc.headerLines.has(n.keyRange.start.line);
  }

  /** Delete a map entry: its lines (block YAML, TOML `key = value`, TOML tables) or its comma (flow). */
  deletePair(map: TNode, pair: TPair): FixEdit[] | undefined {
    if (map.kind !== 'map') return undefined;
    const own = this.doc.ownPairs(map);
    const i = own.indexOf(pair);
    if (i < 0) return undefined;
    if (this.doc.isFlow(map)) return this.flowDelete(this.pairElements(map), i);
    const v = pair.value;
    if (this.toml && (this.doc.isHeader(v) || this.tomlImplicit(v) || (v.kind === 'seq' && v.tag === 'aot'))) {
      const lines = this.tomlSubtree(v);
      return lines ? [this.t.deleteLines(lines.first, lines.last)] : undefined;
    }
    // Block YAML: an entry that is not the only one (an empty mapping would read as null).
    if (!this.toml && own.length < 2) return undefined;
    const last = this.lastLine(v);
    return this.deleteWholeLines(pair.keyRange.start, last, this.endColumn(v, last));
  }

  /** Delete a sequence item: its lines (`- item`, a TOML `[[item]]`) or its comma (flow). Never the only item. */
  deleteItem(seq: TNode, item: TNode): FixEdit[] | undefined {
    if (seq.kind !== 'seq') return undefined;
    const i = seq.items!.indexOf(item);
    if (i < 0 || seq.items!.length < 2) return undefined;
    if (this.doc.isFlow(seq)) return this.flowDelete(this.itemElements(seq), i);
    if (this.toml) {
      const lines = this.tomlSubtree(item);
      return lines ? [this.t.deleteLines(lines.first, lines.last)] : undefined;
    }
    const start = item.range.start;
    if (!/^[ \t]*-[ \t]+$/.test(this.t.line(start.line).slice(0, start.character))) return undefined;
    const last = this.lastLine(item);
    if (!this.restIsComment(last, this.endColumn(item, last))) return undefined;
    return [this.t.deleteLines(start.line, last)];
  }

  /** Delete a node from the collection it is in (an item from its sequence, an entry from its mapping). */
  deleteNode(n: TNode | undefined): FixEdit[] | undefined {
    const parent = this.parent(n);
    if (!n || !parent) return undefined;
    if (parent.kind === 'seq') return this.deleteItem(parent, n);
    const pair = this.pairOf(n);
    return pair ? this.deletePair(parent, pair) : undefined;
  }

  /** Add `key: value` at the end of a mapping, in its syntax and at its entries' indentation. */
  insertPair(map: TNode, key: string, v: Value): FixEdit[] | undefined {
    if (map.kind !== 'map') return undefined;
    const json = this.json(map);
    if (this.doc.isFlow(map)) {
      return this.flowAppend(map, this.pairElements(map), (indent) =>
        this.entry(key, indent !== undefined && json ? this.pretty(v, indent) : this.inline(v, json), json));
    }
    if (this.toml) return this.tomlInsert(map, key, v);
    const [first] = this.doc.ownPairs(map);
    if (!first) return undefined;
    const indent = ' '.repeat(first.keyRange.start.character);
    if (this.t.line(first.keyRange.start.line).slice(0, indent.length).includes('\t')) return undefined;
    return [this.t.insertLinesAfter(this.lastLine(map), this.lines(this.yamlEntry(key, v, indent)))];
  }

  /** Add an item at the end of a sequence (block YAML or flow; not TOML arrays of tables). */
  appendItem(seq: TNode, v: Value): FixEdit[] | undefined {
    if (seq.kind !== 'seq' || seq.tag === 'aot') return undefined;
    const json = this.json(seq);
    if (this.doc.isFlow(seq)) return this.flowAppend(seq, this.itemElements(seq), (indent) => (indent !== undefined && json ? this.pretty(v, indent) : this.inline(v, json)));
    if (this.toml || !seq.items!.length) return undefined;
    const lastItem = seq.items![seq.items!.length - 1];
    const prefix = this.t.line(lastItem.range.start.line).slice(0, lastItem.range.start.character);
    const m = /^( *)-[ \t]+$/.exec(prefix);
    if (!m) return undefined;
    return [this.t.insertLinesAfter(this.lastLine(seq), this.lines(this.yamlItem(v, m[1])))];
  }

  /**
   * Move an item of a sequence to just after a later item of the same sequence: its lines (with the comment
   * lines above it) in block YAML, the item and its comma in flow syntax.
   */
  moveItemAfter(seq: TNode, item: TNode, after: TNode): FixEdit[] | undefined {
    const items = seq.items ?? [];
    const i = items.indexOf(item);
    const j = items.indexOf(after);
    if (seq.kind !== 'seq' || i < 0 || j <= i || this.toml) return undefined;
    if (this.doc.isFlow(seq)) {
      const next = items[i + 1];
      const between = this.t.slice({ start: item.range.end, end: next.range.start });
      const m = /^\s*,(\s*)$/.exec(between);
      if (!m) return undefined;
      return [
        this.t.edit(item.range.start, next.range.start, ''),
        this.t.edit(after.range.end, after.range.end, `,${m[1]}${this.t.slice(item.range)}`),
      ];
    }
    const dashed = (n: TNode) => /^[ \t]*-[ \t]+$/.test(this.t.line(n.range.start.line).slice(0, n.range.start.character));
    const last = this.lastLine(item);
    const afterLast = this.lastLine(after);
    if (!dashed(item) || !dashed(after) || !this.restIsComment(last, this.endColumn(item, last))) return undefined;
    if (!this.restIsComment(afterLast, this.endColumn(after, afterLast))) return undefined;
    return this.t.moveLinesAfter(item.range.start.line, last, afterLast);
  }

  /** A new YAML document at the end of the file (`---` and the value's lines); not in JSON. */
  appendDocument(v: { [key: string]: Value }): FixEdit[] | undefined {
    if (this.toml || isJsonText(this.t.text)) return undefined;
    let last = this.t.lines.length - 1;
    while (last > 0 && this.t.line(last).trim() === '') last--;
    const lines = ['---', ...Object.entries(v).flatMap(([k, x]) => this.yamlEntry(k, x, ''))];
    return [this.t.insertLinesAfter(last, this.lines(lines))];
  }

  /**
   * TOML: `key = value` as the last line of a `[table]`'s own entries; for a table that only its sub-tables'
   * headers define, its own `[header]` with the entry, placed before the first of them.
   */
  private tomlInsert(map: TNode, key: string, v: Value): FixEdit[] | undefined {
    const line = `${this.key(key, false)} = ${this.inline(v, false)}`;
    const anyIndent = (this.doc.anyIndent ??= this.t.lines.some((l) => /^[ \t]+\S/.test(l)));
    if (this.doc.isHeader(map)) {
      const own = map.pairs!.filter((p) => !this.doc.headerLines.has(p.keyRange.start.line));
      const header = map.range.start.line;
      const lastOwn = own.length ? own[own.length - 1] : undefined;
      const indent = lastOwn
        ? this.t.indent(lastOwn.keyRange.start.line)
        : this.t.indent(header) + (anyIndent ? this.unit() : '');
      const after = lastOwn ? this.lastLine(lastOwn.value) : header;
      return [this.t.insertLinesAfter(after, this.lines([indent + line]))];
    }
    if (!this.tomlImplicit(map)) return undefined;
    const path = this.tomlPath(map);
    if (!path) return undefined;
    let first = Infinity;
    for (const x of walk(map)) if (this.doc.isHeader(x)) first = Math.min(first, x.range.start.line);
    if (!Number.isFinite(first)) return undefined;
    const indent = this.t.indent(first);
    const block = this.lines([`${indent}[${path}]`, `${indent}${anyIndent ? this.unit() : ''}${line}`]);
    return [this.t.insertLinesAfter(first - 1, block)];
  }

  /** The dotted key of a TOML table (undefined inside arrays of tables, which no header can name). */
  private tomlPath(n: TNode): string | undefined {
    const keys: string[] = [];
    for (let cur: TNode | undefined = n; cur && this.parent(cur); cur = this.parent(cur)) {
      const pair = this.pairOf(cur);
      if (!pair) return undefined;
      keys.unshift(this.key(pair.key, false));
    }
    return keys.join('.');
  }
}

// ---- fixes every declarative format shares ----------------------------------------------------------------

export const serverLabel = (s: Server): string => s.name ?? s.address;
export const serverList = (servers: Server[]): string =>
  servers.slice(0, 3).map(serverLabel).join(', ') + (servers.length > 3 ? ` and ${servers.length - 3} more` : '');

/** A fix from edits that may be missing (no fix then). */
export function fix(title: string, edits: FixEdit[] | undefined, isPreferred?: boolean): Fix[] {
  if (!edits?.length) return [];
  return [isPreferred ? { title, kind: 'quickfix', isPreferred, edits } : { title, kind: 'quickfix', edits }];
}

/** LB103: the name at the finding replaced by the closest defined one (`data.suggestion`, or `name` when given). */
export function renameFix(f: DeclarativeFixer, name?: string): Fix[] {
  const suggestion = name ?? f.ctx.diagnostic.data?.suggestion;
  const node = f.findingNode();
  if (typeof suggestion !== 'string' || !node || node.kind !== 'scalar') return [];
  return fix(`Change to "${suggestion}"`, [f.replaceScalar(node, suggestion)], true);
}

/** LB105: the duplicate server's item deleted from its list. */
export function removeDuplicateFix(f: DeclarativeFixer): Fix[] {
  const [dup] = f.servers(f.ctx.diagnostic.data?.serverIds);
  if (!dup || dup.generated) return [];
  const node = f.nodeOf(dup);
  if (!node || f.parent(node)?.kind !== 'seq') return [];
  return fix(`Remove the duplicate server ${dup.address}`, f.deleteNode(node), true);
}

/**
 * LB110: the unused pool's definition (`definition`, a node of this document) deleted, only when none of its
 * `names` (the pool's name unless given; or, `word`, no scalar holding them as a word) appears elsewhere in the
 * document; a pool defined in another file is left alone.
 */
export function removeUnusedFix(
  f: DeclarativeFixer,
  what: string,
  definition: (pool: Pool) => TNode | undefined,
  { names = (pool: Pool) => [pool.name], word = false }: { names?: (pool: Pool) => string[]; word?: boolean } = {},
): Fix[] {
  const pool = f.pool(f.ctx.diagnostic.data?.poolId);
  const node = pool && definition(pool);
  if (!pool || !node || !f.here(pool) || pool.referencedElsewhere || pool.synthesized) return [];
  const own = f.pairOf(node)?.keyRange;
  const range = own ? { start: own.start, end: node.range.end } : node.range;
  if (f.mentionsOf(names(pool), [range], word).length) return [];
  return fix(`Remove the unused ${what} "${pool.name}"`, f.deleteNode(node));
}

/**
 * LB101/LB102/LB104: the active servers of the pool get equal weight — the weight entries `weightOf` finds on
 * them are deleted (the product's default weight is 1), or set to 1 where an entry cannot be deleted.
 */
export function equalWeightsFix(f: DeclarativeFixer, pool: Pool | undefined, weightOf: (server: TNode) => TNode | undefined): Fix[] {
  if (!pool || pool.synthesized || !f.here(pool)) return [];
  const active = pool.servers.filter((s) => s.state === 'active');
  if (active.length < 2 || active.every((s) => s.weight === active[0].weight && s.weight > 0)) return [];
  const edits: FixEdit[] = [];
  for (const s of active) {
    const node = f.nodeOf(s);
    const w = node && weightOf(node);
    if (!node || !w) continue;
    const pair = f.pairOf(w);
    edits.push(...(pair ? (f.deletePair(node, pair) ?? [f.replaceScalar(w, 1)]) : []));
  }
  return fix(`Give the active servers of "${pool.name}" equal weight (remove the weights)`, edits);
}

/** LB002: a number replaced by the closest valid value. */
export function clampFix(f: DeclarativeFixer, node: TNode | undefined, value: number, why: string): Fix[] {
  if (!node || node.kind !== 'scalar') return [];
  return fix(`Change to ${value} (${why})`, [f.replaceScalar(node, value)], true);
}

/** LB002: a number (`value`, read from `node`) replaced by the closest integer of `lo…hi`. */
export function rangeFix(f: DeclarativeFixer, node: TNode, value: number, lo: number, hi: number): Fix[] {
  const fixed = Math.max(lo, Math.min(hi, Math.round(value)));
  return clampFix(f, node, fixed, value > hi ? 'the maximum' : value < lo ? 'the minimum' : 'an integer');
}

/** A map entry at a finding: its value (the finding's node), the entry, and the map it is in. */
export interface FindingEntry {
  node: TNode;
  pair: TPair;
  owner: TNode;
}

/** The entry whose value is at the finding, when its key is `key` (`anyCase`: compared case-insensitively). */
export function findingEntry(f: DeclarativeFixer, key: string, anyCase = false): FindingEntry | undefined {
  const node = f.findingNode();
  const pair = f.pairOf(node);
  const owner = f.parent(node);
  if (!node || !pair || !owner) return undefined;
  return (anyCase ? pair.key.toLowerCase() === key.toLowerCase() : pair.key === key) ? { node, pair, owner } : undefined;
}

/** LB002: an invalid weight deleted; the products' default weight, 1, is also what the analysis assumed for it. */
export function removeWeightFix(f: DeclarativeFixer, weight: FindingEntry): Fix[] {
  return fix('Remove the invalid weight (the default is 1)', f.deletePair(weight.owner, weight.pair), true);
}

/**
 * LB106 where routes are a list evaluated in order (Envoy virtual host routes, Istio http/tcp/tls routes): delete
 * the unreachable route, or move the route that takes its requests after the last route it shadows in that list.
 */
const positions = new WeakMap<TNode, Map<TNode, number>>();
const lastShadowed = new WeakMap<readonly FixDiagnostic[], Map<string, { node: TNode | undefined; route: Route | undefined }>>();

export function unreachableRouteFix(f: DeclarativeFixer): Fix[] {
  const d = f.ctx.diagnostic;
  const route = f.route(d.data?.routeId);
  const shadow = f.route(d.data?.shadowedBy);
  const node = f.nodeOf(route);
  const list = f.parent(node);
  if (!route || !node || list?.kind !== 'seq') return [];
  const fixes: Fix[] = [];
  const shadowNode = f.nodeOf(shadow);
  if (shadow && shadowNode && f.parent(shadowNode) === list && shadow.matchText !== route.matchText) {
    // Positions in the list once per list, the findings of this shadow once per findings list: a scan of both per
    // finding made fix-all cubic (minutes for 3,000 routes).
    let index = positions.get(list);
    if (!index) positions.set(list, (index = new Map(list.items!.map((n, i) => [n, i]))));
    const at = (n: TNode) => index!.get(n) ?? -1;
    // The last item this shadow hides is the same for each of its findings: found once.
    let byShadow = lastShadowed.get(f.ctx.diagnostics);
    if (!byShadow) lastShadowed.set(f.ctx.diagnostics, (byShadow = new Map()));
    let found = byShadow.get(shadow.id);
    if (!found) {
      found = { node: undefined, route: undefined };
      for (const x of shadowedBy(f.ctx.diagnostics, shadow.id)) {
        const r = f.route(x.data?.routeId);
        const n = f.nodeOf(r);
        if (r && n && f.parent(n) === list && (!found.node || at(n) > at(found.node))) found = { node: n, route: r };
      }
      byShadow.set(shadow.id, found);
    }
    let last = node;
    let lastRoute = route;
    if (found.node && found.route && at(found.node) > at(last)) [last, lastRoute] = [found.node, found.route];
    fixes.push(...fix(`Move ${shadow.name} after ${lastRoute.name}`, f.moveItemAfter(list, shadowNode, last)));
  }
  fixes.push(...fix(`Delete the unreachable ${route.name}`, f.deleteItem(list, node)));
  return fixes;
}

// ---- the provider ------------------------------------------------------------------------------------------

/** A format's fixes for one rule, from the document's fixer and the finding's `data`. */
export type RuleFix = (f: DeclarativeFixer, data: NonNullable<FixDiagnostic['data']>) => Fix[];

/**
 * A declarative format's fix provider: `#` line comments (none in JSON), and the fixes of `rules` by rule id
 * (none for another rule). `fixer` reads the document (YAML or JSON unless the format says otherwise).
 */
export function declarativeFixProvider(
  rules: { [ruleId: string]: RuleFix },
  fixer: (ctx: FixContext) => DeclarativeFixer = (ctx) => new DeclarativeFixer(ctx),
): FixProvider {
  return {
    lineComment: '#',
    lineCommentFor: hashUnlessJson,
    provideFixes(ctx) {
      const { ruleId, data } = ctx.diagnostic;
      return Object.hasOwn(rules, ruleId) ? rules[ruleId](fixer(ctx), data ?? {}) : [];
    },
  };
}
