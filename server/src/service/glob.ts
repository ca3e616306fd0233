/**
 * Shell-style glob matching in time linear in the text for a given pattern (O(text × pattern) at worst), without
 * building a RegExp from user text: a glob like `*a*a*a*a*b` compiled to a backtracking RegExp takes exponential
 * time on a long name, and include patterns and `exclude` settings come from the files being checked.
 *
 * Written by hand (no dependency): the glob dialects needed are tiny (nginx `include` uses glob(3): `*`, `?`,
 * `[…]`, `\` escapes; `.lb-lens.json` excludes add `**`), and the libraries that do this (minimatch, picomatch)
 * compile to JavaScript RegExps. The pattern becomes a list of tokens and is run as an NFA over the text: the set
 * of pattern positions reachable after each character, so every character is looked at once per pattern token.
 */

type Token =
  | { kind: 'char'; c: string }
  /** `?`: one character, never `/`. */
  | { kind: 'any' }
  /** `*` (one path segment: never `/`) or `**` in exclude patterns (`crossSlash`: anything, also `/`). */
  | { kind: 'star'; crossSlash: boolean }
  /** `**` then `/` at the start of a segment in exclude patterns: zero or more whole folders (`a/`, `a/b/`, or nothing). */
  | { kind: 'dirs' }
  | { kind: 'class'; negated: boolean; items: Array<[string, string]> };

export interface CompiledGlob {
  readonly tokens: readonly Token[];
  /** The pattern has no magic characters: it names one path. */
  readonly literal: boolean;
}

/** Longest pattern accepted; longer ones match nothing (a real include or exclude pattern is a line of text). */
export const MAX_GLOB_PATTERN = 4096;

/**
 * Compile a glob. `globstar`: `**` matches across `/` (exclude patterns); otherwise `**` is the same as `*` (glob(3)).
 * Brackets follow glob(3): `[abc]`, `[a-z]`, `[!x]` / `[^x]`, `]` first in the class is literal; an unclosed `[`
 * is a literal `[`. `\x` is a literal `x`.
 */
export function compileGlob(pattern: string, options: { globstar?: boolean } = {}): CompiledGlob {
  const tokens: Token[] = [];
  let literal = true;
  const p = pattern.length > MAX_GLOB_PATTERN ? '' : pattern;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\' && i + 1 < p.length) {
      tokens.push({ kind: 'char', c: p[++i] });
    } else if (c === '*') {
      literal = false;
      let crossSlash = false;
      while (p[i + 1] === '*') {
        i++;
        crossSlash = !!options.globstar;
      }
      // `**/` at a segment start also matches no folder at all (`**/x` matches `x`): the `/` becomes optional.
      const prev = tokens[tokens.length - 1];
      if (crossSlash && p[i + 1] === '/' && (tokens.length === 0 || (prev.kind === 'char' && prev.c === '/'))) {
        i++;
        if (prev?.kind !== 'dirs') tokens.push({ kind: 'dirs' });
        continue;
      }
      // Consecutive stars are one star (keeps the token list short for `*****`).
      if (prev?.kind === 'star') {
        if (crossSlash) prev.crossSlash = true;
        continue;
      }
      tokens.push({ kind: 'star', crossSlash });
    } else if (c === '?') {
      literal = false;
      tokens.push({ kind: 'any' });
    } else if (c === '[') {
      const parsed = parseClass(p, i);
      if (!parsed) {
        tokens.push({ kind: 'char', c: '[' });
        continue;
      }
      literal = false;
      tokens.push(parsed.token);
      i = parsed.end;
    } else tokens.push({ kind: 'char', c });
  }
  return { tokens, literal };
}

function parseClass(p: string, open: number): { token: Token; end: number } | undefined {
  let i = open + 1;
  let negated = false;
  if (p[i] === '!' || p[i] === '^') {
    negated = true;
    i++;
  }
  const items: Array<[string, string]> = [];
  let first = true;
  for (; i < p.length; i++) {
    let c = p[i];
    if (c === ']' && !first) return { token: { kind: 'class', negated, items }, end: i };
    first = false;
    if (c === '\\' && i + 1 < p.length) c = p[++i];
    if (p[i + 1] === '-' && i + 2 < p.length && p[i + 2] !== ']') {
      let hi = p[i + 2];
      i += 2;
      if (hi === '\\' && i + 1 < p.length) hi = p[++i];
      items.push([c, hi]);
    } else items.push([c, c]);
  }
  return undefined;
}

function step(t: Token, ch: string): boolean {
  switch (t.kind) {
    case 'char':
      return t.c === ch;
    case 'any':
      return ch !== '/';
    case 'star':
      return t.crossSlash || ch !== '/';
    case 'dirs':
      return true;
    case 'class': {
      if (ch === '/') return false;
      let hit = false;
      for (const [lo, hi] of t.items) if (ch >= lo && ch <= hi) hit = true;
      return hit !== t.negated;
    }
  }
}

/**
 * Does the whole `text` match? At most text.length × tokens.length steps. States: `at[k]` — the first k tokens
 * matched the text read so far; `inside[k]` — token k (a star or `**` + `/`) has consumed some of it and may go on.
 */
export function matchGlob(glob: CompiledGlob, text: string): boolean {
  const tokens = glob.tokens;
  const n = tokens.length;
  let at = new Uint8Array(n + 1);
  let inside = new Uint8Array(n + 1);
  let nextAt = new Uint8Array(n + 1);
  let nextInside = new Uint8Array(n + 1);
  /** Stars and `**` + `/` may match nothing: reaching token k also reaches k + 1. */
  const close = (set: Uint8Array) => {
    for (let k = 0; k < n; k++) if (set[k] && (tokens[k].kind === 'star' || tokens[k].kind === 'dirs')) set[k + 1] = 1;
  };
  at[0] = 1;
  close(at);
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    nextAt.fill(0);
    nextInside.fill(0);
    let alive = false;
    for (let k = 0; k < n; k++) {
      if (!at[k] && !inside[k]) continue;
      const t = tokens[k];
      if (!step(t, ch)) continue;
      alive = true;
      if (t.kind === 'star') {
        // A star that read this character may read more, or be done.
        nextInside[k] = 1;
        nextAt[k + 1] = 1;
      } else if (t.kind === 'dirs') {
        // Inside `**` + `/`: a `/` ends a folder (done, or go on with the next folder).
        nextInside[k] = 1;
        if (ch === '/') nextAt[k + 1] = 1;
      } else nextAt[k + 1] = 1;
    }
    if (!alive) return false;
    close(nextAt);
    [at, nextAt] = [nextAt, at];
    [inside, nextInside] = [nextInside, inside];
  }
  return at[n] === 1;
}

/** True when the string has glob magic (`*`, `?`, `[`). */
export const hasGlobMagic = (s: string): boolean => /[*?[]/.test(s);
