/**
 * A hand-written tokenizer that follows nginx's own `ngx_conf_read_token` (src/core/ngx_conf_file.c)
 * character by character, so that what nginx accepts we accept, and what nginx rejects we report at the
 * same place. It never throws and never backtracks: one pass over the text, O(n).
 *
 * nginx's lexical rules, as implemented here:
 * - words are separated by space, tab, CR, LF, `;` and `{`. A `}` ends a directive only at the start of a
 *   word: `a}b` and `x}` are ordinary words (nginx then reports `unexpected "}"` when it meets the real one);
 * - `#` starts a comment only at the start of a word: `a#b` is one word;
 * - `"…"` and `'…'` quote a whole word (only at its start) and may span lines; after the closing quote
 *   nginx requires a space, `;`, `{` or `)` — `"a"b` is `unexpected "b"`;
 * - a backslash protects the next character everywhere (inside and outside quotes); in the value,
 *   `\"`, `\'`, `\\` become the character and `\t`, `\r`, `\n` the control character, any other pair
 *   is kept as written;
 * - inside an unquoted word, `{` right after `$` does not end the word (`${var}`).
 *
 * Bodies of `*_by_lua_block { … }` directives are not nginx syntax: `skipLuaBlock` skips them as opaque
 * text, balancing braces outside Lua strings and comments, like lua-nginx-module's own lexer does.
 */

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
const RPAREN = 41;
const MINUS = 45;
const SEMICOLON = 59;
const EQUALS = 61;
const LBRACKET = 91;
const BACKSLASH = 92;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;

const isSpace = (c: number) => c === SPACE || c === TAB || c === LF || c === CR;

/** nginx's unescaping of a word's characters (see the loop after `found` in ngx_conf_read_token). */
export function unescapeWord(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length - 1; i++) {
    if (s.charCodeAt(i) !== BACKSLASH) continue;
    const next = s[i + 1];
    let replacement: string | undefined;
    if (next === '"' || next === "'" || next === '\\') replacement = next;
    else if (next === 't') replacement = '\t';
    else if (next === 'r') replacement = '\r';
    else if (next === 'n') replacement = '\n';
    if (replacement === undefined) {
      i++; // `\x` is kept as written, and `x` cannot start another escape
      continue;
    }
    out += s.slice(from, i) + replacement;
    i++;
    from = i + 1;
  }
  return out + s.slice(from);
}

/** The value nginx sees for the word at `start…end`: quotes removed, escapes resolved. */
export function wordValue(text: string, start: number, end: number, quoted: boolean, closed: boolean): string {
  return unescapeWord(quoted ? text.slice(start + 1, closed ? end - 1 : end) : text.slice(start, end));
}

export type TokenKind = 'word' | ';' | '{' | '}' | 'comment' | 'eof';

/** A lexical error, by UTF-16 offsets (end exclusive). */
export interface OffsetError {
  message: string;
  start: number;
  end: number;
}

/**
 * Pull tokenizer. To stay allocation-free, `next()` returns the kind and leaves the token's offsets in the
 * tokenizer's fields (`start`, `end`, `quoted`, `closed`) until the following call; `wordValue` gives a
 * word's value when it is needed.
 */
export class Tokenizer {
  /** Offsets of the current token (end exclusive). */
  start = 0;
  end = 0;
  /** Words: quoted with `"` or `'`; `closed` is false for a string that runs to the end of the file. */
  quoted = false;
  closed = true;
  readonly errors: OffsetError[] = [];

  constructor(private readonly text: string) {}

  private token(kind: TokenKind, start: number, end: number, quoted = false, closed = true): TokenKind {
    this.start = start;
    this.end = end;
    this.quoted = quoted;
    this.closed = closed;
    return kind;
  }

  next(): TokenKind {
    const t = this.text;
    const n = t.length;
    let i = this.end;
    while (i < n && isSpace(t.charCodeAt(i))) i++;
    if (i >= n) return this.token('eof', n, n);
    const c = t.charCodeAt(i);
    switch (c) {
      case SEMICOLON:
        return this.token(';', i, i + 1);
      case LBRACE:
        return this.token('{', i, i + 1);
      case RBRACE:
        return this.token('}', i, i + 1);
      case HASH: {
        let j = i + 1;
        while (j < n) {
          const d = t.charCodeAt(j);
          if (d === LF || d === CR) break;
          j++;
        }
        return this.token('comment', i, j);
      }
      case DQUOTE:
      case SQUOTE:
        return this.quotedWord(i, c);
      default:
        return this.word(i);
    }
  }

  private word(i: number): TokenKind {
    const t = this.text;
    const n = t.length;
    let j = i;
    let variable = false;
    while (j < n) {
      const c = t.charCodeAt(j);
      if (c === LBRACE && variable) {
        j++;
        continue;
      }
      variable = false;
      if (c === BACKSLASH) {
        j += 2;
        continue;
      }
      if (c === DOLLAR) variable = true;
      else if (isSpace(c) || c === SEMICOLON || c === LBRACE) break;
      j++;
    }
    if (j > n) j = n;
    return this.token('word', i, j);
  }

  private quotedWord(i: number, quote: number): TokenKind {
    const t = this.text;
    const n = t.length;
    let j = i + 1;
    while (j < n) {
      const c = t.charCodeAt(j);
      if (c === quote) break;
      j += c === BACKSLASH ? 2 : 1;
    }
    if (j >= n) {
      // Unterminated: nginx reads to the end of the file. For the editor's sake the string is cut at the
      // end of its first line and scanning resumes there, so the rest of the file still parses.
      let k = i + 1;
      while (k < n && t.charCodeAt(k) !== LF && t.charCodeAt(k) !== CR) k++;
      this.errors.push({ message: 'unterminated string', start: i, end: k });
      return this.token('word', i, k, true, false);
    }
    // nginx's `need_space`: a closing quote must be followed by a separator. `}` is left to the parser,
    // which reports it as nginx does (`unexpected "}"`), and `)` closes `if (… "x")`.
    if (j + 1 < n) {
      const next = t.charCodeAt(j + 1);
      if (!isSpace(next) && next !== SEMICOLON && next !== LBRACE && next !== RPAREN && next !== RBRACE) {
        const ch = String.fromCodePoint(t.codePointAt(j + 1) ?? next);
        this.errors.push({ message: `unexpected "${ch}"`, start: j + 1, end: j + 1 + ch.length });
      }
    }
    return this.token('word', i, j + 1, true);
  }

  /**
   * Skip the body of a `*_by_lua_block` after its `{`: ends on the matching `}` (kind `}`), or at the end of
   * the file (kind `eof`). Lua strings ('…', "…", [[…]], [==[…]==]) and comments (`--` to the end of the
   * line, `--[[…]]`) may contain braces.
   */
  skipLuaBlock(): TokenKind {
    const t = this.text;
    const n = t.length;
    let i = this.end;
    let depth = 1;
    while (i < n) {
      const c = t.charCodeAt(i);
      if (c === LBRACE) depth++;
      else if (c === RBRACE) {
        if (--depth === 0) return this.token('}', i, i + 1);
      } else if (c === DQUOTE || c === SQUOTE) {
        i = skipLuaShortString(t, i + 1, c);
        continue;
      } else if (c === LBRACKET) {
        const level = longBracketLevel(t, i);
        if (level >= 0) {
          i = skipLuaLongBracket(t, i + level + 2, level);
          continue;
        }
      } else if (c === MINUS && t.charCodeAt(i + 1) === MINUS) {
        const level = t.charCodeAt(i + 2) === LBRACKET ? longBracketLevel(t, i + 2) : -1;
        if (level >= 0) i = skipLuaLongBracket(t, i + 2 + level + 2, level);
        else {
          i += 2;
          while (i < n && t.charCodeAt(i) !== LF && t.charCodeAt(i) !== CR) i++;
        }
        continue;
      }
      i++;
    }
    return this.token('eof', n, n);
  }
}

/** From just after the opening quote to just after the closing one (or the end of the line: Lua's error, not ours). */
function skipLuaShortString(t: string, i: number, quote: number): number {
  const n = t.length;
  while (i < n) {
    const c = t.charCodeAt(i);
    if (c === quote) return i + 1;
    if (c === LF || c === CR) return i;
    i += c === BACKSLASH ? 2 : 1;
  }
  return n;
}

/** From just after `[==[` to just after the matching `]==]`. */
function skipLuaLongBracket(t: string, i: number, level: number): number {
  const n = t.length;
  while (i < n) {
    if (t.charCodeAt(i) === RBRACKET) {
      let k = i + 1;
      while (k < n && t.charCodeAt(k) === EQUALS) k++;
      if (k - i - 1 === level && t.charCodeAt(k) === RBRACKET) return k + 1;
    }
    i++;
  }
  return n;
}

/** `[[` → 0, `[==[` → 2, anything else → -1. */
function longBracketLevel(t: string, i: number): number {
  let k = i + 1;
  while (t.charCodeAt(k) === EQUALS) k++;
  return t.charCodeAt(k) === LBRACKET ? k - i - 1 : -1;
}
