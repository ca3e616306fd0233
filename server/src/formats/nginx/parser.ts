import type { Range } from '../../model/types';
import { LineIndex } from '../../util/lineIndex';
import { Tokenizer, wordValue, type OffsetError } from './tokenizer';

/** One word of a directive after its name. */
export interface Arg {
  /** Unquoted and unescaped, as nginx sees it. */
  readonly value: string;
  /** As written, quotes and backslashes included. */
  readonly raw: string;
  readonly quoted: boolean;
  readonly range: Range;
}

/** A directive: `name args… ;` or `name args… { block }`. */
export interface Directive {
  readonly name: string;
  readonly nameRange: Range;
  readonly args: Arg[];
  /** The directives inside `{ … }`; undefined for a simple directive. Opaque (Lua) blocks have an empty list. */
  readonly block?: Directive[];
  /** From `{` to `}` inclusive (to the end of the file when the block is not closed). */
  readonly blockRange?: Range;
  /** True for `*_by_lua_block` bodies, which are kept as opaque text. */
  readonly opaque?: boolean;
  /** The whole directive, including its `;` or closing `}`. */
  readonly range: Range;
  /** The directive's text as written, from its name to its `;` or closing `}`. */
  readonly sourceText: string;
}

export interface CstComment {
  /** From `#` to the end of the line. */
  readonly text: string;
  readonly range: Range;
}

export interface SyntaxError {
  message: string;
  range: Range;
}

export interface NginxCst {
  directives: Directive[];
  comments: CstComment[];
  errors: SyntaxError[];
  /**
   * The file starts with a UTF-8 byte order mark, which nginx rejects (reported by the lowering, for every file it
   * reads; kept apart from `errors`, which also tell detection whether text is well-formed nginx).
   */
  bom?: SyntaxError;
}

/** What nginx makes of a byte order mark. */
export const BOM_MESSAGE =
  'The file starts with a UTF-8 byte order mark (BOM): nginx reads it as part of the first directive and rejects the configuration ("unknown directive"). Save the file as UTF-8 without a BOM.';

/*
 * Storage. A large file has millions of words; allocating an object per word makes the garbage collector
 * the bottleneck. Words are therefore kept as offsets in one growable Int32Array per parse, and directives
 * hand out `Arg` objects, values and line/character ranges on demand (ranges from one shared LineIndex).
 */

const QUOTED = 1;
const CLOSED = 2;

/** The words of one parse: [start, end, flags] per word. */
class WordStore {
  private data = new Int32Array(3 * 1024);
  private lineIndex?: LineIndex;
  count = 0;
  constructor(readonly text: string) {}

  /** Built on the first range asked for: parsing alone never needs line numbers. */
  get lines(): LineIndex {
    return (this.lineIndex ??= new LineIndex(this.text));
  }

  push(start: number, end: number, quoted: boolean, closed: boolean): void {
    if (this.count * 3 + 3 > this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    const k = this.count++ * 3;
    this.data[k] = start;
    this.data[k + 1] = end;
    this.data[k + 2] = (quoted ? QUOTED : 0) | (closed ? CLOSED : 0);
  }

  start(i: number): number {
    return this.data[i * 3];
  }

  end(i: number): number {
    return this.data[i * 3 + 1];
  }

  quoted(i: number): boolean {
    return (this.data[i * 3 + 2] & QUOTED) !== 0;
  }

  value(i: number): string {
    const flags = this.data[i * 3 + 2];
    return wordValue(this.text, this.data[i * 3], this.data[i * 3 + 1], (flags & QUOTED) !== 0, (flags & CLOSED) !== 0);
  }

  range(i: number): Range {
    return this.lines.range(this.data[i * 3], this.data[i * 3 + 1]);
  }
}

class ArgNode implements Arg {
  readonly #words: WordStore;
  readonly #index: number;
  readonly value: string;
  readonly quoted: boolean;
  constructor(words: WordStore, index: number) {
    this.#words = words;
    this.#index = index;
    this.value = words.value(index);
    this.quoted = words.quoted(index);
  }
  get raw(): string {
    return this.#words.text.slice(this.#words.start(this.#index), this.#words.end(this.#index));
  }
  get range(): Range {
    return this.#words.range(this.#index);
  }
}

class DirectiveNode implements Directive {
  readonly #words: WordStore;
  /** Index of the name in the word store; the arguments follow it. */
  readonly #first: number;
  readonly #count: number;
  #name?: string;
  #args?: Arg[];
  block?: Directive[];
  opaque?: boolean;
  /** Offsets of the `{` and just past the `}` (or the end of the file); -1 without a block. */
  blockStart = -1;
  blockEnd = -1;
  /** Offsets of the whole directive. */
  readonly start: number;
  end: number;

  constructor(words: WordStore, first: number, count: number, end: number) {
    this.#words = words;
    this.#first = first;
    this.#count = count;
    this.start = words.start(first);
    this.end = end;
  }
  get name(): string {
    return (this.#name ??= this.#words.value(this.#first));
  }
  get nameRange(): Range {
    return this.#words.range(this.#first);
  }
  get args(): Arg[] {
    if (!this.#args) {
      this.#args = [];
      for (let i = 1; i < this.#count; i++) this.#args.push(new ArgNode(this.#words, this.#first + i));
    }
    return this.#args;
  }
  get range(): Range {
    return this.#words.lines.range(this.start, this.end);
  }
  get sourceText(): string {
    return this.#words.text.slice(this.start, this.end);
  }
  get blockRange(): Range | undefined {
    return this.blockStart < 0 ? undefined : this.#words.lines.range(this.blockStart, this.blockEnd);
  }
}

class CommentNode implements CstComment {
  readonly #words: WordStore;
  constructor(words: WordStore, readonly start: number, readonly end: number) {
    this.#words = words;
  }
  get text(): string {
    return this.#words.text.slice(this.start, this.end);
  }
  get range(): Range {
    return this.#words.lines.range(this.start, this.end);
  }
}

/** nginx `*_by_lua_block` directives (content_by_lua_block, set_by_lua_block $v, …) take Lua code, not directives. */
const isLuaBlock = (name: string) => name.endsWith('_by_lua_block');

interface Frame {
  list: Directive[];
  /** The directive whose block this is; undefined for the file itself and for nameless blocks. */
  owner?: DirectiveNode;
  /** Offset of the block's `{`. */
  open: number;
}

/**
 * Parse nginx configuration text into a concrete syntax tree. Error-tolerant and never throws: errors are
 * recorded with nginx's own wording and parsing continues —
 * - a `}` after words without `;` (`unexpected "}"`) ends that directive and then closes the block;
 * - a `}` with no open block (`unexpected "}"`) is skipped;
 * - words at the end of the file (`unexpected end of file, expecting ";" or "}"`) form a directive;
 * - a block still open at the end of the file (`unexpected end of file, expecting "}"`) is reported at its `{`.
 * Iterative (no recursion), so arbitrarily deep nesting cannot overflow the stack. O(n) in the text.
 */
export function parseNginx(source: string): NginxCst {
  // nginx reads a UTF-8 byte order mark as part of the first word (`nginx -t` 1.22: unknown directive
  // "\ufeffhttp"), in the main file and in every included one. One error at the mark; the rest is read as the file
  // without it (the mark becomes a space, so every range stays where it is).
  const bom = source.charCodeAt(0) === 0xfeff;
  const text = bom ? ` ${source.slice(1)}` : source;
  const tk = new Tokenizer(text);
  const errors: OffsetError[] = tk.errors;
  const comments: CstComment[] = [];
  const root: Directive[] = [];
  const stack: Frame[] = [{ list: root, open: -1 }];
  const store = new WordStore(text);
  /** The pending directive's words: store indexes first…store.count-1. */
  let first = 0;
  const error = (message: string, start: number, end: number) => errors.push({ message, start, end });

  /** The directive made of the pending words, ending at offset `end` (after its `;`, `{`, or last word). */
  const pending = () => store.count - first;
  const directive = (end: number): DirectiveNode => {
    const d = new DirectiveNode(store, first, pending(), end);
    first = store.count;
    return d;
  };
  const closeBlock = (frame: Frame, end: number) => {
    if (!frame.owner) return;
    frame.owner.blockStart = frame.open;
    frame.owner.blockEnd = end;
    frame.owner.end = end;
  };

  for (;;) {
    const kind = tk.next();
    const frame = stack[stack.length - 1];
    switch (kind) {
      case 'comment':
        comments.push(new CommentNode(store, tk.start, tk.end));
        break;
      case 'word':
        store.push(tk.start, tk.end, tk.quoted, tk.closed);
        break;
      case ';':
        if (pending() === 0) error('unexpected ";"', tk.start, tk.end);
        else frame.list.push(directive(tk.end));
        break;
      case '{': {
        if (pending() === 0) {
          // A block without a name: parse it to keep the braces balanced, then drop it.
          error('unexpected "{"', tk.start, tk.end);
          stack.push({ list: [], open: tk.start });
          break;
        }
        const d = directive(tk.end);
        d.block = [];
        frame.list.push(d);
        const open = tk.start;
        if (isLuaBlock(d.name)) {
          d.opaque = true;
          if (tk.skipLuaBlock() === 'eof') error('unexpected end of file, expecting "}"', open, open + 1);
          closeBlock({ list: d.block, owner: d, open }, tk.end);
        } else stack.push({ list: d.block, owner: d, open });
        break;
      }
      case '}':
        if (pending() > 0) {
          error('unexpected "}"', tk.start, tk.end);
          frame.list.push(directive(store.end(store.count - 1)));
        } else if (stack.length === 1) error('unexpected "}"', tk.start, tk.end);
        if (stack.length > 1) closeBlock(stack.pop()!, tk.end);
        break;
      case 'eof':
        if (pending() > 0) {
          const last = store.count - 1;
          error('unexpected end of file, expecting ";" or "}"', store.start(last), store.end(last));
          frame.list.push(directive(store.end(last)));
        }
        while (stack.length > 1) {
          const open = stack.pop()!;
          error('unexpected end of file, expecting "}"', open.open, open.open + 1);
          closeBlock(open, text.length);
        }
        return {
          ...(bom ? { bom: { message: BOM_MESSAGE, range: store.lines.range(0, 1) } } : {}),
          directives: root,
          comments,
          errors: errors
            .sort((a, b) => a.start - b.start)
            .map((e) => ({ message: e.message, range: store.lines.range(e.start, e.end) })),
        };
    }
  }
}
