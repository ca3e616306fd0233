/**
 * A hand-written, line-oriented, error-tolerant parser for HAProxy configuration files.
 *
 * It produces a concrete syntax tree: sections (`global`, `defaults`, `frontend`, …) holding their lines,
 * each line a list of words with exact ranges. It follows the configuration manual:
 * - "2.1. Configuration file format": a statement is one line, words are separated by unprotected spaces
 *   or tabs, `#` outside quotes starts a comment, a section keyword starts a new section;
 * - "2.2. Quoting and escaping": `\` escapes, weak `"…"` and strong `'…'` quoting, quoted parts glued into
 *   one word;
 * - "2.3. Environment variables": `$VAR` / `${VAR}` are expanded inside double quotes only. Their run-time
 *   value is unknown here, so the word keeps the reference as written and is marked `hasVariable`;
 * - "2.4. Conditional blocks": `.if/.elif/.else/.endif`, evaluated statically where possible.
 *
 * It never throws: problems are collected as LB001 with precise ranges.
 */
import type { Range } from '../../model/types';
import { ASSUMED_HAPROXY_VERSION, evaluateCondition } from './conditions';

export interface Word {
  /** The word after unquoting and unescaping; environment variable references are kept as written. */
  value: string;
  /** The word exactly as written, quotes and escapes included. */
  raw: string;
  range: Range;
  /** Part of the word was quoted. */
  quoted: boolean;
  /** The word references an environment variable (inside double quotes): its run-time value is unknown. */
  hasVariable: boolean;
  /**
   * Only for words whose value differs from `raw`: for each character of `value` (and one past the end), its
   * column relative to the word's start. See {@link valueRange}.
   */
  offsets?: number[];
}

export interface LineComment {
  /** The comment from its `#` to the end of the line. */
  text: string;
  range: Range;
}

export interface Line {
  words: Word[];
  /** From the first word to the end of the last word (the comment excluded). */
  range: Range;
  comment?: LineComment;
}

export interface Section {
  /** The section keyword: `global`, `defaults`, `frontend`, `backend`, `listen`, `resolvers`, … */
  keyword: string;
  /** The section name, when one is written (`frontend fe_http`). */
  name?: Word;
  /** The defaults section named after `from` (`backend b from tcp_defaults`). */
  from?: Word;
  header: Line;
  /** The statements of the section, in order, without the header and without inactive conditional lines. */
  lines: Line[];
  /** From the header to the end of the last line. */
  range: Range;
}

export interface ParseProblem {
  ruleId: 'LB001' | 'LB002';
  message: string;
  range: Range;
}

export interface HaproxyCst {
  sections: Section[];
  /** Every `#` comment of the file, in order (active or not). */
  comments: LineComment[];
  /** Lines inside conditional branches that are not taken: tokenised (their errors reported) but not lowered. */
  skipped: Line[];
  /** Conditional and message directives (`.if`, `.endif`, `.notice`, …). */
  directives: Line[];
  problems: ParseProblem[];
  lineCount: number;
}

export interface ParseOptions {
  /** The HAProxy version `version_atleast()` / `version_before()` are evaluated against. */
  version?: string;
}

/** Keywords that start a section (manual chapters 3 and 4, plus sections of later versions). */
export const SECTION_KEYWORDS: ReadonlySet<string> = new Set([
  'global', 'defaults', 'frontend', 'backend', 'listen', 'resolvers', 'peers', 'userlist', 'mailers', 'cache',
  'program', 'http-errors', 'ring', 'log-forward', 'fcgi-app', 'crt-store', 'traces', 'acme',
]);

/** Directives allowed anywhere, including before the first section (manual 2.4). */
const MESSAGE_DIRECTIVES = new Set(['.diag', '.notice', '.warning', '.alert']);

/**
 * What one document's previous parse leaves for the next: the parse of each section ("chunk": a section header
 * and the lines up to the next header), by its first line. See {@link parseHaproxy}.
 */
export class HaproxyParseCache {
  chunks = new Map<number, { text: string; cst: HaproxyCst }>();
  /** Chunks reused by the latest parse (for tests and measurements). */
  reused = 0;
}

/**
 * Parse HAProxy configuration text. Never throws.
 *
 * With a `cache` (one per document), the text is cut at section headers and a section whose text and first
 * line are unchanged since the previous parse is not parsed again: its lines, words and ranges are the same
 * objects (ranges are line/column based, so they stay valid when only other lines changed). A section is
 * parsed on its own exactly as in one pass over the file, because nothing but `.if` blocks carries parser
 * state across a section header; a file with conditional blocks, or with a quoted or escaped first word on
 * some line (which could be a section keyword once unquoted), is parsed in one pass.
 */
export function parseHaproxy(text: string, options: ParseOptions = {}, cache?: HaproxyParseCache): HaproxyCst {
  if (text.charCodeAt(0) === 0xfeff) {
    // HAProxy reads a UTF-8 byte order mark as part of the first word (`haproxy -c` 2.6: "unknown keyword
    // '\ufeffglobal' out of section", then every line of that section). One error at the mark; the rest is read as
    // the file without it (the mark becomes a space, so every range stays where it is).
    const cst = parseHaproxy(` ${text.slice(1)}`, options, cache);
    const problem: ParseProblem = { ruleId: 'LB001', message: BOM_MESSAGE, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } } };
    return { ...cst, problems: [problem, ...cst.problems] };
  }
  const version = options.version ?? ASSUMED_HAPROXY_VERSION;
  const starts = cache ? sectionStarts(text) : undefined;
  if (cache) cache.reused = 0;
  if (!cache || !starts) {
    if (cache) cache.chunks = new Map();
    return new Parser(text, version).run();
  }
  const cst: HaproxyCst = { sections: [], comments: [], skipped: [], directives: [], problems: [], lineCount: 0 };
  const next = new Map<number, { text: string; cst: HaproxyCst }>();
  for (let i = 0; i < starts.length; i += 2) {
    const from = starts[i];
    const line = starts[i + 1];
    const to = i + 2 < starts.length ? starts[i + 2] : text.length;
    let chunk = cache.chunks.get(line);
    if (chunk && chunk.text.length === to - from && text.startsWith(chunk.text, from)) cache.reused++;
    else {
      // The chunk is parsed from its own copy of its text: the words it keeps refer to that copy (V8 slices share
      // their parent string), so a reused chunk does not keep an old version of the whole file alive.
      const own = ownCopy(text.slice(from, to));
      chunk = { text: own, cst: new Parser(own, version, 0, own.length, line).run() };
    }
    next.set(line, chunk);
    const part = chunk.cst;
    for (const x of part.sections) cst.sections.push(x);
    for (const x of part.comments) cst.comments.push(x);
    for (const x of part.skipped) cst.skipped.push(x);
    for (const x of part.directives) cst.directives.push(x);
    for (const x of part.problems) cst.problems.push(x);
    cst.lineCount = part.lineCount;
  }
  cache.chunks = next;
  return cst;
}

const BOM_MESSAGE =
  'The file starts with a UTF-8 byte order mark (BOM): HAProxy reads it as part of the first keyword and refuses the configuration ("unknown keyword … out of section"). Save the file as UTF-8 without a BOM.';

/** A string with its own storage (not a slice sharing a larger parent string). */
export function ownCopy(s: string): string {
  // Prepending creates a new string; flattening it copies the characters; the slice then refers to the copy.
  return (' ' + s).slice(1);
}

/** First letters of the section keywords: most lines are rejected on their first character. */
const SECTION_INITIALS = new Set([...SECTION_KEYWORDS].map((k) => k.charCodeAt(0)));

/**
 * Where the chunks of the text start: pairs of (offset, line number) — offset 0, then every line whose first
 * word is a section keyword. Undefined when the text must be parsed in one pass (see {@link parseHaproxy}).
 */
function sectionStarts(text: string): number[] | undefined {
  const starts = [0, 0];
  const len = text.length;
  // Without carriage returns, line ends are found by the engine's own search.
  const noCR = text.indexOf('\r') < 0;
  let pos = 0;
  let lineNo = 0;
  while (pos <= len) {
    const lineStart = pos;
    let c = text.charCodeAt(pos);
    while (c === SPACE || c === TAB) c = text.charCodeAt(++pos);
    const wordStart = pos;
    while (pos < len && c !== SPACE && c !== TAB && c !== HASH && c !== LF && c !== CR) {
      if (c === DQUOTE || c === SQUOTE || c === BACKSLASH) return undefined;
      c = text.charCodeAt(++pos);
    }
    if (pos > wordStart) {
      const first = text.charCodeAt(wordStart);
      if (first === DOT) {
        const kw = text.slice(wordStart, pos);
        if (kw === '.if' || kw === '.elif' || kw === '.else' || kw === '.endif') return undefined;
      } else if (SECTION_INITIALS.has(first) && lineStart > 0 && SECTION_KEYWORDS.has(text.slice(wordStart, pos))) {
        starts.push(lineStart, lineNo);
      }
    }
    // To the end of the line, then over its break (\n, \r\n or a lone \r, like the parser).
    if (noCR) {
      pos = text.indexOf('\n', pos);
      if (pos < 0) break;
      pos++;
    } else {
      while (pos < len && c !== LF && c !== CR) c = text.charCodeAt(++pos);
      if (pos >= len) break;
      pos += c === CR && text.charCodeAt(pos + 1) === LF ? 2 : 1;
    }
    lineNo++;
  }
  return starts;
}

/** The range of `value[from, to)` inside a word, mapped through quotes and escapes to the raw text. */
export function valueRange(word: Word, from: number, to: number): Range {
  const { line, character } = word.range.start;
  const col = (i: number): number => character + (word.offsets ? word.offsets[Math.min(i, word.offsets.length - 1)] : i);
  return { start: { line, character: col(from) }, end: { line, character: col(to) } };
}

/** The range spanning several words (or one). */
export function spanRange(first: Word, last: Word): Range {
  return { start: first.range.start, end: last.range.end };
}

/*
 * A large file has millions of words. Storing a Range (three objects) per word made the garbage collector
 * the bottleneck, so words and lines keep their line and columns as numbers and build a Range when asked
 * (each access returns a fresh object; read it once where it is used several times).
 */
class WordNode implements Word {
  offsets?: number[];
  constructor(
    readonly value: string,
    readonly raw: string,
    readonly quoted: boolean,
    readonly hasVariable: boolean,
    /** 0-based line and UTF-16 columns of the word (end exclusive). */
    readonly lineNo: number,
    readonly startCol: number,
    readonly endCol: number,
  ) {}
  get range(): Range {
    return { start: { line: this.lineNo, character: this.startCol }, end: { line: this.lineNo, character: this.endCol } };
  }
}

class LineNode implements Line {
  comment?: LineComment;
  constructor(readonly words: WordNode[]) {}
  get range(): Range {
    const first = this.words[0];
    const last = this.words[this.words.length - 1];
    return { start: { line: first.lineNo, character: first.startCol }, end: { line: last.lineNo, character: last.endCol } };
  }
}

interface CondFrame {
  /** The `.if` line, for "non-terminated" errors. */
  line: Line;
  /** Lines of the enclosing level are active. */
  parentActive: boolean;
  /** A branch of this block was (or is) taken: later `.elif`/`.else` are not. */
  taken: boolean;
  /** The current branch is active. */
  active: boolean;
  sawElse: boolean;
}

// Character codes are module-local on purpose: imported from a shared module they become property loads
// in the hot loop (measured: the 200k-line nginx parse test went from passing to ~1.5 s).
const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const DQUOTE = 34;
const HASH = 35;
const DOLLAR = 36;
const SQUOTE = 39;
const BACKSLASH = 92;
const DOT = 46;

/** Characters an escape outside single quotes maps to a single character (manual 2.2). */
const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', ' ': ' ', '\t': '\t', '#': '#', "'": "'", '"': '"', $: '$', n: '\n', r: '\r', t: '\t',
};

/**
 * Builds a word's value from literal runs of the raw text and characters produced by escapes. While the
 * value equals the raw text no offsets are kept; from the first quote or escape on, every value character
 * records its raw column.
 */
class WordBuilder {
  value = '';
  offsets: number[] | undefined;
  private text = '';
  private start = 0;
  private segStart = 0;

  reset(text: string, start: number): this {
    this.text = text;
    this.start = start;
    this.segStart = start;
    this.value = '';
    this.offsets = undefined;
    return this;
  }

  /** Append the pending literal run up to `end` (the end of the word). */
  finish(end: number): void {
    if (end > this.segStart) {
      if (this.offsets) for (let i = this.segStart; i < end; i++) this.offsets.push(i - this.start);
      this.value += this.text.slice(this.segStart, end);
    }
    this.segStart = end;
  }

  /** Append the pending literal run before a quote or escape at `end`: from here on the value departs from raw. */
  flush(end: number): void {
    this.finish(end);
    if (!this.offsets) {
      this.offsets = [];
      for (let i = 0; i < this.value.length; i++) this.offsets.push(i);
    }
  }

  /** Literal text resumes at `at`. */
  resume(at: number): void {
    this.segStart = at;
  }

  /** Append a character produced by an escape written at raw offset `from`. */
  emit(ch: string, from: number): void {
    this.offsets!.push(from - this.start);
    this.value += ch;
  }
}

class Parser {
  private readonly cst: HaproxyCst = { sections: [], comments: [], skipped: [], directives: [], problems: [], lineCount: 0 };
  private pos = 0;
  private lineNo = 0;
  private lineStart = 0;
  private current: Section | undefined;
  /** The last line of the current section; its range is set when the section ends. */
  private currentLast: Line | undefined;
  private readonly conds: CondFrame[] = [];
  private readonly builder = new WordBuilder();

  /** Parses `text` from offset `from` (the start of line `lineNo`) up to offset `to` (a line start, or the end). */
  constructor(private readonly text: string, private readonly version: string, from = 0, private readonly to = text.length, lineNo = 0) {
    this.pos = from;
    this.lineStart = from;
    this.lineNo = lineNo;
  }

  run(): HaproxyCst {
    const len = this.text.length;
    while (this.pos <= len) {
      const line = this.readLine();
      if (line) this.handle(line);
      // Step over the line break (\n, \r\n or a lone \r, like LineIndex).
      if (this.pos >= len) break;
      const c = this.text.charCodeAt(this.pos);
      this.pos += c === CR && this.text.charCodeAt(this.pos + 1) === LF ? 2 : 1;
      this.lineNo++;
      this.lineStart = this.pos;
      if (this.pos >= this.to) break;
    }
    this.closeSection();
    this.cst.lineCount = this.lineNo + 1;
    for (const frame of this.conds) this.error(frame.line.words[0].range, "non-terminated '.if' block: '.endif' expected");
    return this.cst;
  }

  private error(range: Range, message: string): void {
    this.cst.problems.push({ ruleId: 'LB001', message, range });
  }

  private at(offset: number): { line: number; character: number } {
    return { line: this.lineNo, character: offset - this.lineStart };
  }

  private get active(): boolean {
    return this.conds.length === 0 || this.conds[this.conds.length - 1].active;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Tokenisation

  /** Read one line from `pos` up to (not including) its line break; undefined for a blank line. */
  private readLine(): Line | undefined {
    const t = this.text;
    const len = t.length;
    const words: WordNode[] = [];
    let comment: LineComment | undefined;
    for (;;) {
      let c = t.charCodeAt(this.pos);
      while (c === SPACE || c === TAB) c = t.charCodeAt(++this.pos);
      if (this.pos >= len || c === LF || c === CR) break;
      if (c === HASH) {
        const start = this.pos;
        while (this.pos < len && (c = t.charCodeAt(this.pos)) !== LF && c !== CR) this.pos++;
        comment = { text: t.slice(start, this.pos), range: { start: this.at(start), end: this.at(this.pos) } };
        this.cst.comments.push(comment);
        break;
      }
      words.push(this.readWord());
    }
    if (words.length === 0) return undefined;
    const line = new LineNode(words);
    if (comment) line.comment = comment;
    return line;
  }

  /** Read one word starting at `pos` (not a delimiter). Stops at a delimiter, a line break or a comment. */
  private readWord(): WordNode {
    const t = this.text;
    const len = t.length;
    const start = this.pos;
    // Fast path: a plain word (no quote, escape or `$`), by far the most common.
    let i = start;
    let c = t.charCodeAt(i);
    while (i < len && c !== SPACE && c !== TAB && c !== HASH && c !== LF && c !== CR && c !== DQUOTE && c !== SQUOTE && c !== BACKSLASH) {
      c = t.charCodeAt(++i);
    }
    if (i >= len || c === SPACE || c === TAB || c === HASH || c === LF || c === CR) {
      this.pos = i;
      const value = t.slice(start, i);
      return new WordNode(value, value, false, false, this.lineNo, start - this.lineStart, i - this.lineStart);
    }
    const b = this.builder.reset(t, start);
    let quote = 0; // DQUOTE, SQUOTE or 0
    let quoteStart = 0;
    let quoted = false;
    let hasVariable = false;
    while (this.pos < len) {
      const c = t.charCodeAt(this.pos);
      if (c === LF || c === CR) break;
      if (quote === 0 && (c === SPACE || c === TAB || c === HASH)) break;
      if (c === SQUOTE && quote !== DQUOTE || c === DQUOTE && quote !== SQUOTE) {
        b.flush(this.pos);
        if (quote === 0) {
          quote = c;
          quoteStart = this.pos;
          quoted = true;
        } else quote = 0;
        b.resume(++this.pos);
        continue;
      }
      if (c === BACKSLASH && quote !== SQUOTE) {
        b.flush(this.pos);
        b.resume(this.escape());
        continue;
      }
      if (c === DOLLAR && quote === DQUOTE) {
        b.flush(this.pos);
        hasVariable = true;
        b.resume(this.variable());
        continue;
      }
      this.pos++;
    }
    b.finish(this.pos);
    if (quote !== 0) this.error({ start: this.at(quoteStart), end: this.at(this.pos) }, 'unmatched quote: the quoted text runs to the end of the line');
    const word = new WordNode(b.value, t.slice(start, this.pos), quoted, hasVariable, this.lineNo, start - this.lineStart, this.pos - this.lineStart);
    if (b.offsets) {
      b.offsets.push(this.pos - start);
      word.offsets = b.offsets;
    }
    return word;
  }

  /** Handle a backslash at `pos`; returns the offset where literal text resumes. */
  private escape(): number {
    const t = this.text;
    const from = this.pos;
    const next = t[from + 1];
    if (next !== undefined && Object.hasOwn(SIMPLE_ESCAPES, next)) {
      this.builder.emit(SIMPLE_ESCAPES[next], from);
      this.pos = from + 2;
      return this.pos;
    }
    if (next === 'x') {
      const hex = t.slice(from + 2, from + 4);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        this.builder.emit(String.fromCharCode(parseInt(hex, 16)), from);
        this.pos = from + 4;
        return this.pos;
      }
      const digits = /^[0-9a-fA-F]?/.exec(hex)![0].length;
      this.error({ start: this.at(from), end: this.at(from + 2 + digits) }, 'truncated or invalid hexadecimal sequence: \\x needs two hex digits');
      this.pos = from + 2;
      return from; // keep the text as written
    }
    // Not an escape sequence: the backslash stays (regular expressions such as `\.` rely on it).
    this.pos = from + 1;
    return from;
  }

  /** Handle `$NAME` / `${NAME…}` inside double quotes at `pos`; the reference is kept as written. */
  private variable(): number {
    const t = this.text;
    const from = this.pos;
    let end: number;
    if (t[from + 1] === '{') {
      end = from + 2;
      while (end < t.length && t[end] !== '}' && t[end] !== '"' && t[end] !== '\n' && t[end] !== '\r') end++;
      if (t[end] !== '}') {
        this.error({ start: this.at(from), end: this.at(end) }, "unmatched brace in environment variable name: '}' expected");
        this.pos = end;
        return from;
      }
      end++;
    } else {
      end = from + 1;
      if (!/[A-Za-z_.]/.test(t[end] ?? '')) {
        this.error({ start: this.at(from), end: this.at(from + 1) }, "forbidden first character in environment variable name (escape a literal '$' as '\\$')");
        this.pos = from + 1;
        return from;
      }
      while (/[A-Za-z0-9_.]/.test(t[end] ?? '')) end++;
    }
    this.pos = end;
    return from; // the reference is literal text of the value
  }

  // ---------------------------------------------------------------------------------------------------------
  // Structure

  private handle(line: Line): void {
    const kw = line.words[0].value;
    const nul = line.words.find((w) => w.raw.includes('\0'));
    if (nul) this.error(nul.range, 'NUL character in the configuration');
    if (kw === '.if' || kw === '.elif' || kw === '.else' || kw === '.endif') {
      this.cst.directives.push(line);
      this.conditional(kw, line);
      return;
    }
    if (!this.active) {
      this.cst.skipped.push(line);
      return;
    }
    if (MESSAGE_DIRECTIVES.has(kw)) {
      this.cst.directives.push(line);
      return;
    }
    if (SECTION_KEYWORDS.has(kw)) {
      this.startSection(kw, line);
      return;
    }
    if (!this.current) {
      this.error(line.words[0].range, `unknown keyword '${kw}' out of section: a section keyword (global, defaults, frontend, backend, listen, …) must come first`);
      return;
    }
    this.current.lines.push(line);
    this.currentLast = line;
  }

  private startSection(keyword: string, header: Line): void {
    const section: Section = { keyword, header, lines: [], range: header.range };
    let [, name, fromKw, from]: Array<Word | undefined> = header.words;
    if (keyword === 'defaults' && name?.value === 'from' && fromKw) {
      // `defaults from other`: an anonymous defaults section inheriting from a named one.
      [name, fromKw, from] = [undefined, name, fromKw];
    }
    if (name) section.name = name;
    if (fromKw?.value === 'from' && from) section.from = from;
    this.closeSection();
    this.current = section;
    this.cst.sections.push(section);
  }

  /** The current section spans from its header to its last line. */
  private closeSection(): void {
    if (this.current && this.currentLast) this.current.range = { start: this.current.range.start, end: this.currentLast.range.end };
    this.currentLast = undefined;
  }

  private conditional(kw: string, line: Line): void {
    const top = this.conds[this.conds.length - 1];
    const kwRange = line.words[0].range;
    switch (kw) {
      case '.if': {
        const parentActive = this.active;
        const take = parentActive && this.evaluate(line) !== 'false';
        this.conds.push({ line, parentActive, taken: take, active: take, sawElse: false });
        return;
      }
      case '.elif': {
        if (!top) return this.error(kwRange, "lone '.elif' with no matching '.if'");
        if (top.sawElse) return this.error(kwRange, "'.elif' after '.else' is not allowed");
        const take = top.parentActive && !top.taken && this.evaluate(line) !== 'false';
        top.active = take;
        top.taken ||= take;
        return;
      }
      case '.else': {
        if (!top) return this.error(kwRange, "lone '.else' with no matching '.if'");
        if (top.sawElse) return this.error(kwRange, "only one '.else' is allowed per '.if'");
        top.sawElse = true;
        top.active = top.parentActive && !top.taken;
        top.taken = true;
        return;
      }
      default: // .endif
        if (!top) return this.error(kwRange, "lone '.endif' with no matching '.if'");
        this.conds.pop();
    }
  }

  /**
   * Evaluate the condition of a `.if`/`.elif` line. An unknown value counts as true: the `.if` branch of an
   * environment-dependent condition is the one that is modelled.
   */
  private evaluate(line: Line): 'true' | 'false' | 'unknown' {
    const args = line.words.slice(1);
    const text = args.map((w) => w.value).join(' ');
    const result = evaluateCondition(text, { version: this.version });
    if ('value' in result) return result.value;
    // Map the offset in the joined text back to a word for the error range.
    let offset = result.at;
    let word = args[args.length - 1];
    for (const w of args) {
      if (offset <= w.value.length) {
        word = w;
        break;
      }
      offset -= w.value.length + 1;
    }
    this.error(word ? word.range : line.range, `unparsable conditional expression: ${result.error}`);
    return 'unknown';
  }
}
