import type { Condition, RequestField, StringMatch } from '../../model/types';

/*
 * Traefik router rules in the routing engine's language, after doc.traefik.io "Rules & Priority" (HTTP and TCP)
 * and the muxers that implement them (pkg/muxer/http, pkg/muxer/tcp, pkg/rules):
 *
 * - a rule is a boolean expression: matchers `Name(`arg`, …)` combined with `&&`, `||` (with `&&` binding
 *   tighter: "the usual AND (&&) and OR (||) logical operators … with the expected precedence rules"), `!` and
 *   parentheses. Arguments are Go string literals: `raw` in backticks or "interpreted" in double quotes. A matcher
 *   name is accepted as written in the docs, in lower case, in upper case or capitalised (`Host`, `host`, `HOST`);
 * - `ruleSyntax: v3` (the default) and `v2` differ in the matchers they know and in what their values mean:
 *   v3 `PathPrefix` is a plain string prefix and every `…Regexp` matcher takes a Go (RE2) regular expression that
 *   may match anywhere in the value (`regexp.MatchString`: anchor it with `^…$`); v2 `Path`/`PathPrefix`/
 *   `HostRegexp`/`Query` take gorilla/mux templates (`/{id:[0-9]+}`), which match the whole value (a prefix for
 *   `PathPrefix`), and most v2 matchers take several values (any of them);
 * - a rule Traefik refuses (unknown matcher, wrong number of values, an empty value, a path without a leading `/`,
 *   a regexp that does not compile) leaves its router out: such a router takes no request. Anything this reader
 *   cannot follow is an opaque (undecidable) condition rather than a guess.
 */

export type RuleProto = 'http' | 'tcp';

/** The parsed expression of a rule. */
export type RuleExpr =
  | { kind: 'and' | 'or'; left: RuleExpr; right: RuleExpr }
  | { kind: 'not'; of: RuleExpr }
  | { kind: 'matcher'; name: string; args: string[]; text: string };

class ParseError extends Error {}

/** Tokens of a rule: identifiers, string literals (their Go value), operators and punctuation. */
type Token = { t: 'id' | 'str' | '&&' | '||' | '!' | '(' | ')' | ','; v: string; at: number };

const GO_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"' };

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (c === '&' && s[i + 1] === '&') {
      out.push({ t: '&&', v: '&&', at });
      i += 2;
    } else if (c === '|' && s[i + 1] === '|') {
      out.push({ t: '||', v: '||', at });
      i += 2;
    } else if (c === '!' || c === '(' || c === ')' || c === ',') {
      out.push({ t: c, v: c, at });
      i++;
    } else if (c === '`') {
      const end = s.indexOf('`', i + 1);
      if (end < 0) throw new ParseError('unterminated `');
      // Go raw strings drop carriage returns.
      out.push({ t: 'str', v: s.slice(i + 1, end).replace(/\r/g, ''), at });
      i = end + 1;
    } else if (c === '"') {
      let v = '';
      i++;
      for (;;) {
        if (i >= s.length) throw new ParseError('unterminated "');
        const d = s[i];
        if (d === '"') break;
        if (d === '\n') throw new ParseError('newline in string');
        if (d !== '\\') {
          v += d;
          i++;
          continue;
        }
        const e = s[i + 1];
        if (e !== undefined && e in GO_ESCAPES) {
          v += GO_ESCAPES[e];
          i += 2;
        } else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) {
          v += String.fromCharCode(parseInt(s.slice(i + 2, i + 4), 16));
          i += 4;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) {
          v += String.fromCharCode(parseInt(s.slice(i + 2, i + 6), 16));
          i += 6;
        } else if (/^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
          v += String.fromCharCode(parseInt(s.slice(i + 1, i + 4), 8));
          i += 4;
        } else throw new ParseError(`unknown escape \\${e ?? ''} in a string`);
      }
      out.push({ t: 'str', v, at });
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < s.length && /[A-Za-z0-9_]/.test(s[j])) j++;
      out.push({ t: 'id', v: s.slice(i, j), at });
      i = j;
    } else throw new ParseError(`unexpected "${c}"`);
  }
  return out;
}

/** Parse a rule; undefined when it is not a well-formed expression. Bounded: nesting deeper than 200 fails. */
export function parseRuleExpr(rule: string): RuleExpr | undefined {
  let tokens: Token[];
  try {
    tokens = tokenize(rule);
  } catch {
    return undefined;
  }
  let i = 0;
  let depth = 0;
  const peek = () => tokens[i];
  const expect = (t: Token['t']) => {
    if (tokens[i]?.t !== t) throw new ParseError(`expected ${t}`);
    return tokens[i++];
  };
  const or = (): RuleExpr => {
    let left = and();
    while (peek()?.t === '||') {
      i++;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  const and = (): RuleExpr => {
    let left = unary();
    while (peek()?.t === '&&') {
      i++;
      left = { kind: 'and', left, right: unary() };
    }
    return left;
  };
  const unary = (): RuleExpr => {
    if (++depth > 200) throw new ParseError('too deep');
    try {
      const t = peek();
      if (t?.t === '!') {
        i++;
        return { kind: 'not', of: unary() };
      }
      if (t?.t === '(') {
        i++;
        const e = or();
        expect(')');
        return e;
      }
      const name = expect('id');
      expect('(');
      const args: string[] = [];
      if (peek()?.t !== ')') {
        args.push(expect('str').v);
        while (peek()?.t === ',') {
          i++;
          args.push(expect('str').v);
        }
      }
      const close = expect(')');
      return { kind: 'matcher', name: name.v, args, text: rule.slice(name.at, close.at + 1) };
    } finally {
      depth--;
    }
  };
  try {
    const e = or();
    if (i !== tokens.length) return undefined;
    return e;
  } catch {
    return undefined;
  }
}

// ---- matchers ----------------------------------------------------------------------------------------------

const HTTP_V3 = ['ClientIP', 'Method', 'Host', 'HostRegexp', 'Path', 'PathRegexp', 'PathPrefix', 'Header', 'HeaderRegexp', 'Query', 'QueryRegexp'];
const HTTP_V2 = ['Host', 'HostHeader', 'HostRegexp', 'ClientIP', 'Path', 'PathPrefix', 'Method', 'Headers', 'HeadersRegexp', 'Query'];
const TCP_V3 = ['ALPN', 'ClientIP', 'HostSNI', 'HostSNIRegexp'];
const TCP_V2 = ['ALPN', 'ClientIP', 'HostSNI', 'HostSNIRegexp'];

/**
 * The documented name of a matcher as written: Traefik registers each one as documented, in lower case, in upper
 * case and capitalised (pkg/rules/parser.go), nothing else.
 */
function canonicalName(written: string, known: string[]): string | undefined {
  for (const k of known) {
    const lower = k.toLowerCase();
    if (written === k || written === lower || written === k.toUpperCase() || written === lower[0].toUpperCase() + lower.slice(1)) return k;
  }
  return undefined;
}

const test = (field: RequestField, match: StringMatch): Condition => ({ kind: 'test', field, match });
const re2 = (value: string, anchored: boolean): StringMatch => ({ op: 'regex', value, dialect: 're2', anchored });
const NEVER: Condition = { kind: 'any', of: [] };
const ALWAYS: Condition = { kind: 'all', of: [] };
const anyOf = (of: Condition[]): Condition => (of.length === 1 ? of[0] : { kind: 'any', of });
const allOf = (of: Condition[]): Condition => (of.length === 1 ? of[0] : { kind: 'all', of });
const isAscii = (s: string) => /^[\x00-\x7f]*$/.test(s);
const quoteMeta = (s: string) => s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');

/** Why a rule is refused by Traefik (the router takes nothing) or cannot be followed (opaque). */
class Refused extends Error {}
class Opaque extends Error {}

/**
 * A host name of `Host`/`HostSNI`: lower case without a trailing dot (Traefik compares the canonical host, and a
 * trailing period on either side is ignored); in v3 `*.example.com` stands for exactly one label and
 * `**.example.com` for one or more ("Supports wildcard subdomain matching"; muxer.DomainMatchHostExpression).
 */
function hostName(field: 'host' | 'sni', value: string, wildcards: boolean): Condition {
  const v = value.toLowerCase().replace(/\.$/, '');
  if (wildcards && v.startsWith('**.') && !v.slice(3).includes('*')) return test(field, re2(`.+${quoteMeta(v.slice(2))}`, true));
  if (wildcards && v.startsWith('*.') && !v.slice(2).includes('*')) return test(field, re2(`[^.]+${quoteMeta(v.slice(1))}`, true));
  if (wildcards && v.includes('*')) throw new Opaque(`host "${value}": a wildcard only stands first`);
  return test(field, { op: 'exact', value: v, ignoreCase: true });
}

/**
 * A gorilla/mux template (v2 `Path`, `PathPrefix`, `HostRegexp`, `Query` values) as an RE2 pattern matching the
 * whole value (or its start, `prefix`): literal text, `{name}` (any run without `/`, or without `.` in a host) and
 * `{name:pattern}`. Undefined for a template without variables.
 */
export function gorillaTemplate(tpl: string, kind: 'path' | 'host' | 'query', prefix: boolean): string | undefined {
  if (!tpl.includes('{')) return undefined;
  const def = kind === 'host' ? '[^.]+' : kind === 'query' ? '[^?&]*' : '[^/]+';
  let out = '';
  let level = 0;
  let start = 0;
  let lit = 0;
  for (let i = 0; i < tpl.length; i++) {
    if (tpl[i] === '{') {
      if (level++ === 0) start = i;
    } else if (tpl[i] === '}') {
      if (--level === 0) {
        out += quoteMeta(tpl.slice(lit, start));
        const inner = tpl.slice(start + 1, i);
        const colon = inner.indexOf(':');
        const name = colon < 0 ? inner : inner.slice(0, colon);
        const patt = colon < 0 ? def : inner.slice(colon + 1);
        if (!name || !patt) throw new Refused(`missing name or pattern in "${tpl.slice(start, i + 1)}"`);
        out += patt[0] === '(' && patt[patt.length - 1] === ')' ? patt : `(${patt})`;
        lit = i + 1;
      } else if (level < 0) throw new Refused(`unbalanced braces in "${tpl}"`);
    }
  }
  if (level !== 0) throw new Refused(`unbalanced braces in "${tpl}"`);
  out += quoteMeta(tpl.slice(lit));
  return prefix ? `${out}.*` : out;
}

function count(args: string[], ...n: number[]): void {
  if (!n.includes(args.length)) throw new Refused(`expects ${n.join(' or ')} value${n.length === 1 && n[0] === 1 ? '' : 's'}, got ${args.length}`);
}

function pathValue(p: string): string {
  if (!p.startsWith('/')) throw new Refused(`path "${p}" does not start with a '/'`);
  return p;
}

function httpV3(name: string, args: string[]): Condition {
  switch (name) {
    case 'ClientIP':
      count(args, 1);
      return test('src', { op: 'cidr', value: args[0] });
    case 'Method':
      count(args, 1);
      return test('method', { op: 'exact', value: args[0].toUpperCase() });
    case 'Host':
      count(args, 1);
      if (!isAscii(args[0])) throw new Refused('non-ASCII characters are not allowed (use punycode)');
      return hostName('host', args[0], true);
    case 'HostRegexp':
      count(args, 1);
      if (!isAscii(args[0])) throw new Refused('non-ASCII characters are not allowed (use punycode)');
      return test('host', re2(args[0], false));
    case 'Path':
      count(args, 1);
      return test('path', { op: 'exact', value: pathValue(args[0]) });
    case 'PathPrefix':
      count(args, 1);
      // v3: "PathPrefix no longer uses regular expressions": a plain string prefix (`/products` also takes `/products-for-sale`).
      return test('path', { op: 'prefix', value: pathValue(args[0]) });
    case 'PathRegexp':
      count(args, 1);
      return test('path', re2(args[0], false));
    case 'Header':
      count(args, 2);
      return test(`header:${args[0].toLowerCase()}`, { op: 'exact', value: args[1] });
    case 'HeaderRegexp':
      count(args, 2);
      return test(`header:${args[0].toLowerCase()}`, re2(args[1], false));
    case 'Query':
    case 'QueryRegexp':
      count(args, 1, 2);
      // `Query(`mobile`)` takes a parameter without a value (`?mobile`, or `?mobile=`): the empty value.
      if (args.length === 1 || name === 'Query') return test(`arg:${args[0]}`, { op: 'exact', value: args[1] ?? '' });
      return test(`arg:${args[0]}`, re2(args[1], false));
  }
  throw new Refused('unknown matcher');
}

function httpV2(name: string, args: string[]): Condition {
  if (args.length === 0) throw new Refused('no values');
  switch (name) {
    case 'Host':
    case 'HostHeader':
      for (const a of args) if (!isAscii(a)) throw new Refused('non-ASCII characters are not allowed (use punycode)');
      return anyOf(args.map((a) => hostName('host', a, false)));
    case 'HostRegexp':
      return anyOf(args.map((a) => {
        if (!isAscii(a)) throw new Refused('non-ASCII characters are not allowed (use punycode)');
        const t = gorillaTemplate(a, 'host', false);
        return t === undefined ? test('host', { op: 'exact', value: a.toLowerCase() }) : test('host', re2(t, true));
      }));
    case 'ClientIP':
      return anyOf(args.map((a) => test('src', { op: 'cidr', value: a })));
    case 'Path':
    case 'PathPrefix':
      return anyOf(args.map((a) => {
        const t = gorillaTemplate(a, 'path', name === 'PathPrefix');
        if (t !== undefined) return test('path', re2(t, true));
        return test('path', { op: name === 'Path' ? 'exact' : 'prefix', value: a });
      }));
    case 'Method':
      return anyOf(args.map((a) => test('method', { op: 'exact', value: a.toUpperCase() })));
    case 'Headers':
    case 'HeadersRegexp': {
      // gorilla/mux Headers/HeadersRegexp take key, value pairs; all must hold.
      if (args.length % 2 !== 0) throw new Refused('expects key, value pairs');
      const parts: Condition[] = [];
      for (let k = 0; k < args.length; k += 2) {
        parts.push(test(`header:${args[k].toLowerCase()}`, name === 'Headers' ? { op: 'exact', value: args[k + 1] } : re2(args[k + 1], false)));
      }
      return allOf(parts);
    }
    case 'Query': {
      // `Query(`foo=bar`, `baz=`)`: every pair holds, on the parameter's first value; an empty value takes any.
      const parts: Condition[] = [];
      for (const a of args) {
        const eq = a.indexOf('=');
        if (eq < 0) throw new Refused(`"${a}" is not key=value`);
        const key = a.slice(0, eq);
        const value = a.slice(eq + 1);
        if (key.includes('{')) throw new Opaque('a variable in a query key');
        const t = gorillaTemplate(value, 'query', false);
        parts.push(test(`arg:${key}`, value === '' ? { op: 'present' } : t !== undefined ? re2(t, true) : { op: 'exact', value }));
      }
      return allOf(parts);
    }
  }
  throw new Refused('unknown matcher');
}

function tcpMatcher(name: string, args: string[], v2: boolean): Condition {
  if (name === 'ALPN') throw new Opaque('the TLS ALPN protocols of a connection are not part of a request here');
  if (name === 'ClientIP') {
    if (!v2) count(args, 1);
    if (args.length === 0) throw new Refused('no values');
    return anyOf(args.map((a) => test('src', { op: 'cidr', value: a })));
  }
  if (name === 'HostSNI') {
    if (!v2) count(args, 1);
    if (args.length === 0) throw new Refused('no values');
    // "HostSNI(`*`)" takes every connection, TLS or not (the only rule a non-TLS TCP router can use).
    if (args.includes('*')) return ALWAYS;
    return anyOf(args.map((a) => hostName('sni', a, !v2)));
  }
  if (name === 'HostSNIRegexp') {
    if (!v2) count(args, 1);
    if (args.length === 0) throw new Refused('no values');
    return anyOf(args.map((a) => {
      if (!v2) return test('sni', re2(a, false));
      // v2: a gorilla/mux host template, matching the whole name.
      const t = gorillaTemplate(a, 'host', false);
      return t === undefined ? test('sni', { op: 'exact', value: a.toLowerCase(), ignoreCase: true }) : test('sni', re2(t, true));
    }));
  }
  throw new Refused('unknown matcher');
}

export interface LoweredRule {
  /** The rule as a condition (undefined parts are opaque conditions inside it). */
  when: Condition;
  /** Traefik refuses the rule: the router takes no request (`why`). */
  refused?: string;
}

/**
 * A router's rule in the engine's language. `syntax` is the router's `ruleSyntax` (v3 unless `v2`). An empty or
 * missing rule: Traefik refuses an HTTP router without one; a TCP router needs one too.
 */
export function lowerRule(rule: string | undefined, proto: RuleProto, syntax: string | undefined): LoweredRule {
  const text = (rule ?? '').trim();
  if (!text) return { when: NEVER, refused: 'the router has no rule' };
  const expr = parseRuleExpr(text);
  if (!expr) return { when: { kind: 'opaque', text, why: 'a rule lb-lens cannot parse' } };
  const v2 = syntax === 'v2';
  const known = proto === 'tcp' ? (v2 ? TCP_V2 : TCP_V3) : v2 ? HTTP_V2 : HTTP_V3;
  let refused: string | undefined;
  const walk = (e: RuleExpr): Condition => {
    switch (e.kind) {
      case 'and':
        return { kind: 'all', of: [walk(e.left), walk(e.right)] };
      case 'or':
        return { kind: 'any', of: [walk(e.left), walk(e.right)] };
      case 'not':
        return { kind: 'not', of: walk(e.of) };
      case 'matcher': {
        const name = canonicalName(e.name, known);
        try {
          if (!name) throw new Refused(`unknown ${proto.toUpperCase()} matcher ${e.name}${v2 ? ' (ruleSyntax v2)' : ''}`);
          // "CheckRule": every matcher needs at least one value, and no value may be empty.
          if (e.args.length === 0 || e.args.some((a) => a === '')) throw new Refused('empty values');
          return proto === 'tcp' ? tcpMatcher(name, e.args, v2) : v2 ? httpV2(name, e.args) : httpV3(name, e.args);
        } catch (err) {
          if (err instanceof Opaque) return { kind: 'opaque', text: e.text, why: err.message };
          if (err instanceof Refused) {
            refused ??= `${e.text}: ${err.message}`;
            return NEVER;
          }
          throw err;
        }
      }
    }
  };
  const when = flatten(walk(expr));
  return refused ? { when: NEVER, refused } : { when };
}

/** `a && (b && c)` as one `all` of three; `!(x)` kept as written. */
function flatten(c: Condition): Condition {
  if (c.kind === 'all' || c.kind === 'any') {
    const of: Condition[] = [];
    for (const part of c.of.map(flatten)) {
      if (part.kind === c.kind) of.push(...part.of);
      else of.push(part);
    }
    return { kind: c.kind, of };
  }
  if (c.kind === 'not') return { kind: 'not', of: flatten(c.of) };
  return c;
}
