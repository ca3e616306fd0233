import { RE2JS } from 're2js';
import { BudgetCache } from './budgetCache';
import type { RegexDialect } from '../../model/types';

/**
 * The products' regular expressions, read as the products read them — without ever running a user's pattern on a
 * backtracking engine:
 * - to test one value, `re2js` (a linear-time RE2 implementation). RE2 syntax is what Envoy, Istio, Gateway API
 *   implementations and Traefik (Go regexp) use; nginx and HAProxy use PCRE, whose common syntax RE2 shares. A
 *   PCRE construct RE2 cannot run in linear time (back-references, lookaround, atomic groups, possessive
 *   quantifiers, recursion) fails to compile here, and the condition is undecidable rather than guessed;
 * - to compare sets of values (does one route take every request of another?), `toLanguageSource` rewrites the
 *   pattern into the JavaScript syntax `refa` parses into automata, keeping only constructs whose language is the
 *   same in PCRE, RE2 and JavaScript; anything else is reported unsupported (undecidable).
 */

export type Compiled = { ok: true; re: RE2JS } | { ok: false; why: string };

/** Compiled patterns by text, bounded by the patterns' total length (a compiled program grows with its pattern). */
const compiled = new BudgetCache<Compiled>(4_000_000);

/** Longest pattern compiled or analysed; a longer one is undecidable (bounded work whatever the text). */
export const MAX_PATTERN_LENGTH = 4096;

/** A compiled matcher for a pattern (cached). */
export function compileRegex(pattern: string, dialect: RegexDialect, ignoreCase: boolean): Compiled {
  const key = `${dialect}\u0000${ignoreCase ? 'i' : ''}\u0000${pattern}`;
  let c = compiled.get(key);
  if (c) return c;
  if (pattern.length > MAX_PATTERN_LENGTH) c = { ok: false, why: `pattern longer than ${MAX_PATTERN_LENGTH} characters` };
  else {
    try {
      c = { ok: true, re: RE2JS.compile(pattern, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0) };
    } catch (e) {
      const msg = String((e as Error).message ?? e).replace(/^error parsing regexp: /, '');
      c = { ok: false, why: dialect === 'pcre' ? `PCRE construct a linear-time engine cannot run (${msg})` : `invalid RE2 pattern (${msg})` };
    }
  }
  compiled.set(key, c, key.length + 64);
  return c;
}

/** True/false, or undefined when the pattern cannot be run in linear time. `anchored`: the whole value must match. */
export function regexMatches(pattern: string, dialect: RegexDialect, ignoreCase: boolean, anchored: boolean, value: string): boolean | undefined {
  const c = compileRegex(pattern, dialect, ignoreCase);
  if (!c.ok) return undefined;
  const m = c.re.matcher(value);
  return anchored ? m.matches() : m.find();
}

// ---- languages ------------------------------------------------------------------------------------------------

export type LanguageSource = { ok: true; source: string; ignoreCase: boolean } | { ok: false; why: string };

class Unsupported {
  constructor(readonly why: string) {}
}

const POSIX: Record<string, string> = {
  alpha: 'a-zA-Z', digit: '0-9', alnum: 'a-zA-Z0-9', upper: 'A-Z', lower: 'a-z', space: ' \\t\\n\\r\\f\\v',
  xdigit: '0-9A-Fa-f', word: '\\w', punct: '!-\\/:-@\\[-`{-~', blank: ' \\t', cntrl: '\\x00-\\x1f\\x7f',
  print: '\\x20-\\x7e', graph: '\\x21-\\x7e',
};

export const escapeLiteral = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

/**
 * A pattern as a JavaScript regex source (for refa, always with the `s` flag) whose language is the set of values
 * the product's matcher accepts: with `anchored` (full match) the pattern itself; otherwise (a search) every
 * value containing a match, `^` and `$` at the edges of top-level alternatives anchoring that side.
 */
export function toLanguageSource(pattern: string, dialect: RegexDialect, ignoreCase: boolean, anchored: boolean): LanguageSource {
  if (pattern.length > MAX_PATTERN_LENGTH) return { ok: false, why: `pattern longer than ${MAX_PATTERN_LENGTH} characters` };
  try {
    // PCRE and RE2 share every construct the translator accepts; `dialect` is kept for the messages' sake.
    void dialect;
    const t = new Translator(pattern);
    const alternatives = t.translate();
    const ic = ignoreCase || t.ignoreCase;
    const parts = alternatives.map((a) => {
      if (anchored) return `(?:${a.body})`;
      return `${a.start ? '' : '[^]*'}(?:${a.body})${a.end ? '' : '[^]*'}`;
    });
    return { ok: true, source: parts.length === 1 ? parts[0] : parts.map((p) => `(?:${p})`).join('|'), ignoreCase: ic };
  } catch (e) {
    if (e instanceof Unsupported) return { ok: false, why: e.why };
    throw e;
  }
}

interface Alternative {
  body: string;
  start: boolean;
  end: boolean;
}

/** One pass over a PCRE/RE2 pattern, emitting JavaScript syntax; throws Unsupported. */
class Translator {
  private i = 0;
  ignoreCase = false;

  constructor(private readonly p: string) {}

  translate(): Alternative[] {
    const p = this.p;
    // A leading `(?i)` applies to the whole pattern (PCRE and RE2).
    const lead = /^\(\?([a-zA-Z]+)\)/.exec(p);
    if (lead) {
      for (const f of lead[1]) {
        if (f === 'i') this.ignoreCase = true;
        else if (f !== 's' && f !== 'm' && f !== 'U') throw new Unsupported(`inline flag (?${f})`);
        if (f === 'U') throw new Unsupported('inline flag (?U)');
        // `m` only changes `^`/`$` at line breaks, which field values never contain; `s` only changes `.` on them.
      }
      this.i = lead[0].length;
    }
    const alts: Alternative[] = [];
    let cur: Alternative = { body: '', start: false, end: false };
    let depth = 0;
    let atAltStart = true;
    while (this.i < p.length) {
      const c = p[this.i];
      if (c === '^' || (c === '\\' && p[this.i + 1] === 'A')) {
        if (depth !== 0 || !atAltStart) throw new Unsupported('`^` inside the pattern');
        cur.start = true;
        this.i += c === '^' ? 1 : 2;
        continue;
      }
      if (c === '$' || (c === '\\' && p[this.i + 1] === 'z')) {
        const next = this.i + (c === '$' ? 1 : 2);
        if (depth !== 0 || !(next >= p.length || p[next] === '|')) throw new Unsupported('`$` inside the pattern');
        cur.end = true;
        this.i = next;
        continue;
      }
      atAltStart = false;
      if (c === '|') {
        this.i++;
        if (depth > 0) {
          cur.body += '|';
          continue;
        }
        alts.push(cur);
        cur = { body: '', start: false, end: false };
        atAltStart = true;
        continue;
      }
      if (c === '(') {
        cur.body += this.group();
        depth++;
        continue;
      }
      if (c === ')') {
        if (depth === 0) throw new Unsupported('unbalanced `)`');
        depth--;
        cur.body += ')';
        this.i++;
        cur.body += this.quantifier();
        continue;
      }
      if (c === '[') {
        cur.body += this.charClass();
        cur.body += this.quantifier();
        continue;
      }
      if (c === '\\') {
        cur.body += this.escape(false);
        cur.body += this.quantifier();
        continue;
      }
      if (c === '*' || c === '+' || c === '?') throw new Unsupported('quantifier without an operand');
      if (c === '{') {
        if (/^\{\d+(,\d*)?\}/.test(p.slice(this.i))) throw new Unsupported('quantifier without an operand');
        cur.body += '\\{';
        this.i++;
        cur.body += this.quantifier();
        continue;
      }
      cur.body += c === '.' ? '.' : escapeLiteral(c);
      this.i++;
      cur.body += this.quantifier();
    }
    if (depth !== 0) throw new Unsupported('unbalanced `(`');
    alts.push(cur);
    return alts;
  }

  private group(): string {
    const p = this.p;
    const rest = p.slice(this.i);
    if (!rest.startsWith('(?')) {
      this.i++;
      return '(?:';
    }
    const named = /^\(\?(?:P?<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)')/.exec(rest);
    if (named) {
      this.i += named[0].length;
      return '(?:';
    }
    if (rest.startsWith('(?:')) {
      this.i += 3;
      return '(?:';
    }
    const k = rest[2];
    if (k === '=' || k === '!' || rest.startsWith('(?<=') || rest.startsWith('(?<!')) throw new Unsupported('lookaround');
    if (k === '>') throw new Unsupported('atomic group');
    if (k === '#') throw new Unsupported('comment group');
    throw new Unsupported(`group "${rest.slice(0, 4)}…"`);
  }

  /** A quantifier after an atom (or nothing); possessive quantifiers are unsupported. */
  private quantifier(): string {
    const p = this.p;
    let out = '';
    const m = /^(?:[*+?]|\{\d+(?:,\d*)?\})/.exec(p.slice(this.i));
    if (!m) return '';
    out += m[0];
    this.i += m[0].length;
    if (p[this.i] === '+') throw new Unsupported('possessive quantifier');
    if (p[this.i] === '?') {
      out += '?'; // lazy: same language
      this.i++;
    }
    const n = m[0].startsWith('{') ? Math.max(...m[0].slice(1, -1).split(',').filter(Boolean).map(Number)) : 0;
    if (n > 1000) throw new Unsupported('repetition count above 1000');
    if (/^(?:[*+?]|\{\d+(?:,\d*)?\})/.test(p.slice(this.i))) throw new Unsupported('nested quantifier');
    return out;
  }

  private escape(inClass: boolean): string {
    const p = this.p;
    const c = p[this.i + 1];
    if (c === undefined) throw new Unsupported('trailing backslash');
    this.i += 2;
    if (/[1-9]/.test(c)) throw new Unsupported('back-reference');
    switch (c) {
      case 'd': case 'D': case 'w': case 'W': case 's': case 'S':
      case 't': case 'n': case 'r': case 'f': case 'v':
        return `\\${c}`;
      case 'a': return '\\x07';
      case 'e': return '\\x1b';
      case '0': return '\\x00';
      case 'b': if (inClass) return '\\x08'; throw new Unsupported('word boundary');
      case 'x': {
        const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(p.slice(this.i));
        if (braced) {
          const code = parseInt(braced[1], 16);
          if (code > 0xffff) throw new Unsupported('character above U+FFFF');
          this.i += braced[0].length;
          return `\\u${code.toString(16).padStart(4, '0')}`;
        }
        const two = /^[0-9a-fA-F]{2}/.exec(p.slice(this.i));
        if (!two) throw new Unsupported('malformed \\x escape');
        this.i += 2;
        return `\\x${two[0]}`;
      }
      case 'Q': {
        const end = p.indexOf('\\E', this.i);
        const lit = end < 0 ? p.slice(this.i) : p.slice(this.i, end);
        this.i = end < 0 ? p.length : end + 2;
        return inClass ? lit.replace(/[\\\]^-]/g, '\\$&') : `(?:${escapeLiteral(lit)})`;
      }
      case 'E':
        return '';
    }
    if (/[A-Za-z]/.test(c)) throw new Unsupported(`escape \\${c}`);
    return `\\${c}`;
  }

  private charClass(): string {
    const p = this.p;
    this.i++;
    let out = '[';
    if (p[this.i] === '^') {
      out += '^';
      this.i++;
    }
    let first = true;
    for (;;) {
      if (this.i >= p.length) throw new Unsupported('unterminated character class');
      const c = p[this.i];
      if (c === ']' && !first) {
        this.i++;
        return `${out}]`;
      }
      first = false;
      if (c === '[' && p[this.i + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(p.slice(this.i));
        if (!m || !POSIX[m[2]] || m[1]) throw new Unsupported('POSIX character class');
        out += POSIX[m[2]];
        this.i += m[0].length;
        continue;
      }
      if (c === '\\') {
        out += this.escape(true);
        continue;
      }
      out += c === ']' || c === '[' ? `\\${c}` : c;
      this.i++;
    }
  }
}
