import type { Range } from '../../model/types';
import { LineIndex } from '../../util/lineIndex';
import type { TNode, TPair } from '../declarative/tree';

/*
 * A small, error-tolerant TOML reader with exact ranges, for Traefik's dynamic configuration.
 *
 * Why hand-written: the npm TOML parsers (`smol-toml`, `@iarna/toml`, `toml`, `@ltd/j-toml`) return plain
 * values without positions; `toml-eslint-parser` has positions but stops at the first error and brings an
 * ESLint AST layer. An editor needs every diagnostic placed on its key and a usable model while the user is
 * typing, so errors here are recorded and the reader resumes on the next line.
 *
 * Supported: `[tables]`, `[[arrays.of.tables]]`, dotted and quoted keys, basic/literal/multi-line strings,
 * integers (with `_`, hex/octal/binary), floats, booleans, dates (kept as strings), arrays (multi-line, trailing
 * commas, comments) and inline tables.
 */

export interface TomlResult {
  root: TNode;
  errors: Array<{ message: string; range: Range }>;
  comments: Array<{ text: string; range: Range }>;
}

class TomlError extends Error {
  constructor(message: string, readonly at: number) {
    super(message);
  }
}

const BARE_KEY = /[A-Za-z0-9_-]/;

/**
 * Nesting of arrays and inline tables, and parts of a dotted key, read at most. The reader recurses into nested
 * values; real configurations nest a few levels. Deeper values are an error at the level where they pass the
 * bound, never a JavaScript "Maximum call stack size exceeded".
 */
export const MAX_TOML_DEPTH = 256;
const INT64_MAX = 2n ** 63n - 1n;

export function parseToml(text: string): TomlResult {
  return new Reader(text).run();
}

class Reader {
  private pos = 0;
  private readonly lines: LineIndex;
  private readonly errors: TomlResult['errors'] = [];
  private readonly comments: TomlResult['comments'] = [];
  private readonly root: TNode;
  /** Tables defined by a header or a dotted key (redefinition is an error). */
  private readonly defined = new Set<TNode>();

  constructor(private readonly text: string) {
    this.lines = new LineIndex(text);
    this.root = { kind: 'map', range: this.lines.range(0, text.length), pairs: [] };
  }

  private range(a: number, b: number): Range {
    return this.lines.range(a, b);
  }

  run(): TomlResult {
    let table = this.root;
    const t = this.text;
    // A UTF-8 byte order mark is skipped, as Traefik's TOML decoder (BurntSushi/toml, parse.go) skips it.
    if (t.charCodeAt(0) === 0xfeff) this.pos = 1;
    while (this.pos < t.length) {
      this.skipWs();
      const c = t[this.pos];
      if (c === undefined) break;
      if (c === '\n' || c === '\r') {
        this.pos++;
        continue;
      }
      if (c === '#') {
        this.comment();
        continue;
      }
      const lineStart = this.pos;
      try {
        if (c === '[') table = this.header();
        else this.keyValue(table);
        this.skipWs();
        if (t[this.pos] === '#') this.comment();
        else if (this.pos < t.length && t[this.pos] !== '\n' && t[this.pos] !== '\r') throw new TomlError('expected the end of the line', this.pos);
      } catch (e) {
        const at = e instanceof TomlError ? e.at : lineStart;
        const end = this.lineEndFrom(at);
        this.errors.push({ message: `TOML: ${(e as Error).message}`, range: this.range(at, Math.max(end, at + 1 > t.length ? at : at + 1)) });
        this.pos = end;
      }
    }
    return { root: this.root, errors: this.errors, comments: this.comments };
  }

  private lineEndFrom(at: number): number {
    const nl = this.text.indexOf('\n', at);
    return nl < 0 ? this.text.length : nl;
  }

  private skipWs(): void {
    while (this.text[this.pos] === ' ' || this.text[this.pos] === '\t') this.pos++;
  }

  /** Whitespace, newlines and comments (inside arrays). */
  private skipAll(): void {
    for (;;) {
      const c = this.text[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.pos++;
      else if (c === '#') this.comment();
      else return;
    }
  }

  private comment(): void {
    const start = this.pos;
    let end = this.lineEndFrom(start);
    const stop = end;
    if (this.text[end - 1] === '\r') end--;
    this.comments.push({ text: this.text.slice(start, end), range: this.range(start, end) });
    this.pos = stop;
  }

  // ---- keys ----

  private keyPart(): { key: string; start: number; end: number } {
    const t = this.text;
    const start = this.pos;
    const c = t[this.pos];
    if (c === '"' || c === "'") {
      const s = this.string();
      return { key: String(s.value), start, end: this.pos };
    }
    while (this.pos < t.length && BARE_KEY.test(t[this.pos])) this.pos++;
    if (this.pos === start) throw new TomlError('invalid character in a key', start);
    return { key: t.slice(start, this.pos), start, end: this.pos };
  }

  private dottedKey(): Array<{ key: string; start: number; end: number }> {
    const parts = [this.keyPart()];
    for (;;) {
      this.skipWs();
      if (this.text[this.pos] !== '.') return parts;
      if (parts.length >= MAX_TOML_DEPTH) throw new TomlError(`a dotted key of more than ${MAX_TOML_DEPTH} parts: lb-lens does not read it`, this.pos);
      this.pos++;
      this.skipWs();
      parts.push(this.keyPart());
    }
  }

  /** The child map `key` of `table`, created when missing (an implicitly defined table). */
  private child(table: TNode, key: string, start: number, end: number, forHeader: boolean): TNode {
    const existing = table.pairs!.find((p) => p.key === key);
    if (existing) {
      const v = existing.value;
      if (v.kind === 'seq' && v.tag === 'aot' && forHeader) return v.items![v.items!.length - 1];
      if (v.kind === 'seq' && v.tag === 'aot') return v.items![v.items!.length - 1];
      if (v.kind !== 'map') throw new TomlError(`"${key}" is already a value, not a table`, start);
      return v;
    }
    const keyRange = this.range(start, end);
    const node: TNode = { kind: 'map', range: keyRange, keyRange, pairs: [] };
    table.pairs!.push({ key, keyRange, value: node });
    return node;
  }

  private header(): TNode {
    const t = this.text;
    const start = this.pos;
    const array = t[this.pos + 1] === '[';
    this.pos += array ? 2 : 1;
    this.skipWs();
    const parts = this.dottedKey();
    this.skipWs();
    if (t[this.pos] !== ']' || (array && t[this.pos + 1] !== ']')) throw new TomlError(`expected "${array ? ']]' : ']'}"`, this.pos);
    this.pos += array ? 2 : 1;
    const headerRange = this.range(start, this.pos);
    let table = this.root;
    for (const p of parts.slice(0, -1)) table = this.child(table, p.key, p.start, p.end, true);
    const last = parts[parts.length - 1];
    const keyRange = this.range(last.start, last.end);
    const existing = table.pairs!.find((p) => p.key === last.key);
    if (array) {
      const item: TNode = { kind: 'map', range: headerRange, keyRange, pairs: [] };
      if (existing) {
        if (existing.value.kind !== 'seq' || existing.value.tag !== 'aot') throw new TomlError(`"${last.key}" is already defined and is not an array of tables`, last.start);
        existing.value.items!.push(item);
        existing.value.range = { start: existing.value.range.start, end: headerRange.end };
      } else {
        table.pairs!.push({ key: last.key, keyRange, value: { kind: 'seq', tag: 'aot', range: headerRange, keyRange, items: [item] } });
      }
      this.defined.add(item);
      return item;
    }
    if (existing) {
      const v = existing.value;
      if (v.kind !== 'map') throw new TomlError(`"${last.key}" is already defined`, last.start);
      if (this.defined.has(v)) throw new TomlError(`table "${parts.map((p) => p.key).join('.')}" is defined twice`, last.start);
      this.defined.add(v);
      v.range = headerRange;
      return v;
    }
    const node: TNode = { kind: 'map', range: headerRange, keyRange, pairs: [] };
    table.pairs!.push({ key: last.key, keyRange, value: node });
    this.defined.add(node);
    return node;
  }

  private keyValue(table: TNode): void {
    const parts = this.dottedKey();
    this.skipWs();
    if (this.text[this.pos] !== '=') throw new TomlError('expected "=" after a key', this.pos);
    this.pos++;
    this.skipWs();
    const value = this.value();
    let target = table;
    for (const p of parts.slice(0, -1)) target = this.child(target, p.key, p.start, p.end, false);
    const last = parts[parts.length - 1];
    if (target.pairs!.some((p) => p.key === last.key)) throw new TomlError(`"${last.key}" is defined twice`, last.start);
    const keyRange = this.range(last.start, last.end);
    value.keyRange = keyRange;
    const pair: TPair = { key: last.key, keyRange, value };
    target.pairs!.push(pair);
  }

  // ---- values ----

  /** Arrays and inline tables open around the current value. */
  private depth = 0;

  private value(): TNode {
    const t = this.text;
    const c = t[this.pos];
    const start = this.pos;
    if (c === '"' || c === "'") return this.string();
    if (c === '[' || c === '{') {
      if (this.depth >= MAX_TOML_DEPTH) throw new TomlError(`nesting deeper than ${MAX_TOML_DEPTH} levels of arrays and inline tables: lb-lens does not read this value`, start);
      this.depth++;
      try {
        return c === '[' ? this.array() : this.inlineTable();
      } finally {
        this.depth--;
      }
    }
    const m = /^[^\s,\]}#]+/.exec(t.slice(this.pos, this.pos + 128));
    if (!m) throw new TomlError('expected a value', start);
    let word = m[0];
    // Dates with a space between date and time: `1979-05-27 07:32:00Z`.
    const dt = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?/.exec(t.slice(this.pos, this.pos + 64));
    if (dt && /^\d{4}-\d{2}-\d{2}$/.test(word)) word = dt[0];
    this.pos += word.length;
    const range = this.range(start, this.pos);
    if (word === 'true' || word === 'false') return { kind: 'scalar', range, value: word === 'true' };
    if (/^[+-]?(inf|nan)$/.test(word)) return { kind: 'scalar', range, value: Number(word.replace(/inf/, 'Infinity').replace(/^[+-]?nan$/, 'NaN')) };
    if (/^0x[0-9A-Fa-f_]+$|^0o[0-7_]+$|^0b[01_]+$/.test(word)) return { kind: 'scalar', range, value: Number(word.replace(/_/g, '')) };
    if (/^[+-]?(0|[1-9](_?\d)*)$/.test(word)) {
      const digits = word.replace(/_/g, '');
      // TOML integers are 64-bit signed (TOML 1.0 "Integer"); the decoder refuses larger ones.
      if (digits.length > 15) {
        const big = BigInt(digits);
        if (big > INT64_MAX || big < -INT64_MAX - 1n) throw new TomlError(`integer "${word}" is out of the range of 64-bit signed integers (TOML integers are -9223372036854775808 to 9223372036854775807)`, start);
      }
      return { kind: 'scalar', range, value: Number(digits) };
    }
    if (/^[+-]?(0|[1-9](_?\d)*)(\.\d(_?\d)*)?([eE][+-]?\d(_?\d)*)?$/.test(word)) return { kind: 'scalar', range, value: Number(word.replace(/_/g, '')) };
    if (/^\d{4}-\d{2}-\d{2}|^\d{2}:\d{2}:\d{2}/.test(word)) return { kind: 'scalar', range, value: word };
    throw new TomlError(`invalid value "${word}"`, start);
  }

  private string(): TNode {
    const t = this.text;
    const start = this.pos;
    const q = t[this.pos];
    const multi = t.startsWith(q.repeat(3), this.pos);
    this.pos += multi ? 3 : 1;
    if (multi && t[this.pos] === '\n') this.pos++;
    else if (multi && t[this.pos] === '\r' && t[this.pos + 1] === '\n') this.pos += 2;
    let out = '';
    for (;;) {
      if (this.pos >= t.length) throw new TomlError('unterminated string', start);
      const c = t[this.pos];
      if (multi && t.startsWith(q.repeat(3), this.pos)) {
        // Up to two quotes may directly precede the closing delimiter.
        let extra = 0;
        while (extra < 2 && t[this.pos + 3 + extra] === q) extra++;
        out += q.repeat(extra);
        this.pos += 3 + extra;
        break;
      }
      if (!multi && c === q) {
        this.pos++;
        break;
      }
      if (!multi && (c === '\n' || c === '\r')) throw new TomlError('unterminated string', start);
      if (q === '"' && c === '\\') {
        const e = t[this.pos + 1];
        const map: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\', e: '\x1b' };
        if (e in map) {
          out += map[e];
          this.pos += 2;
        } else if (e === 'u' || e === 'U') {
          const len = e === 'u' ? 4 : 8;
          const hex = t.slice(this.pos + 2, this.pos + 2 + len);
          if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== len) throw new TomlError('invalid unicode escape', this.pos);
          out += String.fromCodePoint(parseInt(hex, 16));
          this.pos += 2 + len;
        } else if (multi && /[ \t\r\n]/.test(e ?? '')) {
          // Line-ending backslash: trim the newline and the whitespace that follows.
          this.pos++;
          while (/[ \t\r\n]/.test(t[this.pos] ?? '')) this.pos++;
        } else throw new TomlError(`invalid escape "\\${e ?? ''}"`, this.pos);
        continue;
      }
      out += c;
      this.pos++;
    }
    return { kind: 'scalar', range: this.range(start, this.pos), value: out };
  }

  private array(): TNode {
    const start = this.pos;
    this.pos++;
    const items: TNode[] = [];
    for (;;) {
      this.skipAll();
      if (this.text[this.pos] === ']') {
        this.pos++;
        break;
      }
      if (this.pos >= this.text.length) throw new TomlError('unterminated array', start);
      items.push(this.value());
      this.skipAll();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== ']') throw new TomlError('expected "," or "]" in an array', this.pos);
    }
    return { kind: 'seq', range: this.range(start, this.pos), items };
  }

  private inlineTable(): TNode {
    const start = this.pos;
    this.pos++;
    const node: TNode = { kind: 'map', range: this.range(start, start), pairs: [] };
    this.skipWs();
    if (this.text[this.pos] === '}') {
      this.pos++;
    } else {
      for (;;) {
        this.skipWs();
        this.keyValue(node);
        this.skipWs();
        const c = this.text[this.pos];
        if (c === ',') {
          this.pos++;
          continue;
        }
        if (c === '}') {
          this.pos++;
          break;
        }
        throw new TomlError('expected "," or "}" in an inline table', this.pos);
      }
    }
    node.range = this.range(start, this.pos);
    return node;
  }
}
