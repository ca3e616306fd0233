/**
 * Text helpers shared by the formats' quick fixes: whole-line deletions and moves, word removal, indentation.
 * Pure functions of the document text; positions are 0-based like the model's.
 */
import type { EntryPoint, Pool, Position, Range, Route, Server, TrafficModel } from '../model/types';
import type { FixDiagnostic, FixEdit } from './types';

let lastSplit: { text: string; lines: string[]; eol: string } | undefined;

/** The document split into lines, with its line break style. */
export class FixText {
  readonly lines: string[];
  readonly eol: string;

  constructor(readonly uri: string, readonly text: string) {
    // Fix-all asks for every finding's fixes on one text: split it once (splitting per finding was quadratic —
    // 30 s for the code actions of a 10,000-finding file). The arrays are never modified.
    if (lastSplit?.text !== text) lastSplit = { text, lines: text.split(/\r\n|\r|\n/), eol: text.includes('\r\n') ? '\r\n' : '\n' };
    this.lines = lastSplit.lines;
    this.eol = lastSplit.eol;
  }

  line(n: number): string {
    return this.lines[n] ?? '';
  }

  indent(n: number): string {
    return /^[ \t]*/.exec(this.line(n))![0];
  }

  /** The text between two positions (on one line or several). */
  slice(range: Range): string {
    const { start, end } = range;
    if (start.line === end.line) return this.line(start.line).slice(start.character, end.character);
    const parts = [this.line(start.line).slice(start.character)];
    for (let l = start.line + 1; l < end.line; l++) parts.push(this.line(l));
    parts.push(this.line(end.line).slice(0, end.character));
    return parts.join(this.eol);
  }

  /**
   * True when `range` is alone on its lines: only blanks before its start, and only blanks or a `comment`
   * after its end. Whole-line edits are only made on such ranges, so nothing else on a line is lost.
   */
  ownsLines(range: Range, comment = '#'): boolean {
    const before = this.line(range.start.line).slice(0, range.start.character);
    const after = this.line(range.end.line).slice(range.end.character).trim();
    return before.trim() === '' && (after === '' || after.startsWith(comment));
  }

  /** Delete lines `first…last` with their line breaks; one blank line left doubled by it goes too. */
  deleteLines(first: number, last: number): FixEdit {
    let endLine = last + 1;
    const blank = (n: number) => n < 0 || n >= this.lines.length || this.line(n).trim() === '';
    // Avoid leaving two blank lines (or a leading blank line) where the block was.
    if (blank(first - 1) && endLine < this.lines.length && blank(endLine) && endLine + 1 < this.lines.length) endLine++;
    // The block is the last thing in a file that ends with a line break: take the blank line before it too.
    if (endLine === this.lines.length - 1 && this.line(endLine) === '' && first > 0 && blank(first - 1)) {
      return this.edit({ line: first - 1, character: 0 }, { line: endLine, character: 0 }, '');
    }
    if (endLine >= this.lines.length) {
      // The block ends the file: take the line break before it instead of one after it.
      if (first === 0) return this.edit({ line: 0, character: 0 }, { line: last, character: this.line(last).length }, '');
      return this.edit({ line: first - 1, character: this.line(first - 1).length }, { line: last, character: this.line(last).length }, '');
    }
    return this.edit({ line: first, character: 0 }, { line: endLine, character: 0 }, '');
  }

  /** Lines `first…last` as text, each followed by a line break. */
  linesText(first: number, last: number): string {
    let s = '';
    for (let l = first; l <= last; l++) s += this.line(l) + this.eol;
    return s;
  }

  /** Insert whole lines (`block` ends with a line break) after line `after` (-1: at the top). */
  insertLinesAfter(after: number, block: string): FixEdit {
    if (after + 1 < this.lines.length) return this.edit({ line: after + 1, character: 0 }, { line: after + 1, character: 0 }, block);
    // After the last line: it may have no line break of its own.
    const last = this.lines.length - 1;
    const end = { line: last, character: this.line(last).length };
    return this.edit(end, end, this.eol + block.slice(0, block.length - this.eol.length));
  }

  /**
   * Move lines `first…last` to after line `after` (> last). Comment lines directly above the block travel
   * with it: they describe it.
   */
  moveLinesAfter(first: number, last: number, after: number, comment = '#'): FixEdit[] {
    while (first > 0 && this.line(first - 1).trim().startsWith(comment)) first--;
    const block = this.linesText(first, last);
    return [
      this.edit({ line: first, character: 0 }, { line: last + 1, character: 0 }, ''),
      this.insertLinesAfter(after, block),
    ];
  }

  /**
   * Remove a word and the blanks before it (`server a:80 down;` → `server a:80;`), back to `prevEnd` (the end
   * of the word before it). Only blanks are removed with it, never a comment or a line break.
   */
  removeWord(prevEnd: Position, word: Range): FixEdit {
    const between = this.slice({ start: prevEnd, end: word.start });
    const from = prevEnd.line === word.start.line && /^[ \t]*$/.test(between) ? prevEnd : word.start;
    return this.edit(from, word.end, '');
  }

  replace(range: Range, newText: string): FixEdit {
    return { uri: this.uri, range, newText };
  }

  edit(start: Position, end: Position, newText: string): FixEdit {
    return { uri: this.uri, range: { start, end }, newText };
  }

  /** One indentation step, in the file's own style (a tab, or the smallest space indentation seen, else 4). */
  indentUnit(): string {
    let smallest = Infinity;
    for (const l of this.lines) {
      if (l.startsWith('\t')) return '\t';
      const n = /^ */.exec(l)![0].length;
      if (n > 0 && n < smallest && l.trim() !== '') smallest = n;
    }
    return ' '.repeat(Number.isFinite(smallest) ? smallest : 4);
  }
}

export const samePos = (a: Position, b: Position) => a.line === b.line && a.character === b.character;
export const posKey = (p: Position) => `${p.line}:${p.character}`;

/**
 * A model's elements by id, built once per model: fix-all asks for every finding of one analysis, and a search
 * of the model per finding was quadratic (8 s for the code actions of a file with 6,000 backends).
 */
const elements = new WeakMap<TrafficModel, { pools: Map<string, Pool>; routes: Map<string, Route>; servers: Map<string, Server>; entries: Map<string, EntryPoint> }>();
export function byId(model: TrafficModel) {
  let e = elements.get(model);
  if (!e) {
    e = { pools: new Map(), routes: new Map(), servers: new Map(), entries: new Map() };
    for (const p of model.pools) {
      e.pools.set(p.id, p);
      for (const s of p.servers) e.servers.set(s.id, s);
    }
    for (const r of model.routes) e.routes.set(r.id, r);
    for (const x of model.entries) e.entries.set(x.id, x);
    elements.set(model, e);
  }
  return e;
}

/** The servers with the given ids, in model order. */
export function serversById(model: TrafficModel, ids: unknown): Server[] {
  if (!Array.isArray(ids)) return [];
  const m = byId(model).servers;
  const wanted = new Set(ids);
  if (wanted.size > 64) return model.pools.flatMap((p) => p.servers.filter((s) => wanted.has(s.id)));
  return [...wanted].map((id) => m.get(id as string)).filter((s): s is Server => !!s).sort((a, b) => order(model, a) - order(model, b));
}
const orders = new WeakMap<TrafficModel, Map<Server, number>>();
function order(model: TrafficModel, s: Server): number {
  let m = orders.get(model);
  if (!m) {
    m = new Map();
    let i = 0;
    for (const p of model.pools) for (const x of p.servers) m.set(x, i++);
    orders.set(model, m);
  }
  return m.get(s) ?? 0;
}

/** LB106 findings grouped by the rule that shadows them (`data.shadowedBy`), once per list of findings. */
const shadowGroups = new WeakMap<readonly FixDiagnostic[], Map<string, FixDiagnostic[]>>();
export function shadowedBy(diagnostics: readonly FixDiagnostic[], id: string): FixDiagnostic[] {
  let m = shadowGroups.get(diagnostics);
  if (!m) {
    m = new Map();
    for (const d of diagnostics) {
      const by = d.ruleId === 'LB106' ? d.data?.shadowedBy : undefined;
      if (typeof by !== 'string') continue;
      const list = m.get(by);
      if (list) list.push(d);
      else m.set(by, [d]);
    }
    shadowGroups.set(diagnostics, m);
  }
  return m.get(id) ?? [];
}
