/**
 * HAProxy ACLs and conditions lowered into the routing engine's request language, with the semantics of the
 * configuration manual (section 7 "Using ACLs and fetching samples"):
 * - a condition is a disjunction of conjunctions: `[!]acl1 [!]acl2 … { or | || } …` (7.2); an anonymous ACL
 *   `{ … }` is an ACL expression written in place; a name that is neither a declared ACL nor a predefined one
 *   (7.4) is a sample fetch used without patterns (HAProxy's own lookup order);
 * - a named ACL is the OR of every `acl` line with that name in the proxy ("creates a new ACL or completes an
 *   existing one"), also lines written after the rule that uses it (they complete the same ACL), provided one was
 *   declared before the rule (otherwise HAProxy refuses the configuration);
 * - an ACL expression `<fetch>[,<converter>…] [flags] [operator] <pattern>…` matches when some value of the fetch
 *   (headers and cookies iterate over every occurrence) matches some pattern, with the fetch's default match
 *   method or the one given by `-m` (7.1, 7.1.3): `str`, `beg`, `end`, `sub`, `reg` (PCRE, found anywhere),
 *   `dir`/`dom` (slash- or dot-delimited portions), `found`; `-i` ignores case.
 *
 * Everything outside the language (fetches lb-lens does not model — stick counters, variables, maps, rates —,
 * patterns read from files, integer and length comparisons other than trivial ones, converters other than
 * `lower`/`upper`) becomes an opaque condition with the reason: undecidable, never guessed.
 *
 * Regular expressions generated here are PCRE written with the subset the routing engine can run and translate
 * (top-level alternatives anchored with `^`/`$` only at their edges).
 */
import type { Condition, RequestField, StringMatch } from '../../model/types';
import type { Line, Word } from './parser';

// ---- condition builders ------------------------------------------------------------------------------------------

export const ALWAYS: Condition = { kind: 'all', of: [] };
export const NEVER: Condition = { kind: 'any', of: [] };

const test = (field: RequestField, match: StringMatch): Condition => ({ kind: 'test', field, match });
export const opaque = (text: string, why: string): Condition => ({ kind: 'opaque', text, why });
export const not = (c: Condition): Condition => (c.kind === 'not' ? c.of : { kind: 'not', of: c });

export function all(of: Condition[]): Condition {
  const parts: Condition[] = [];
  for (const c of of) {
    if (c.kind === 'all') parts.push(...c.of);
    else if (c.kind === 'any' && c.of.length === 0) return NEVER;
    else parts.push(c);
  }
  return parts.length === 1 ? parts[0] : { kind: 'all', of: parts };
}

export function any(of: Condition[]): Condition {
  const parts: Condition[] = [];
  for (const c of of) {
    if (c.kind === 'any') parts.push(...c.of);
    else if (c.kind === 'all' && c.of.length === 0) return ALWAYS;
    else parts.push(c);
  }
  return parts.length === 1 ? parts[0] : { kind: 'any', of: parts };
}

/** A PCRE pattern found anywhere in the value (HAProxy regexes are searches). */
const pcre = (value: string, ignoreCase: boolean): StringMatch =>
  (ignoreCase ? { op: 'regex', value, dialect: 'pcre', anchored: false, ignoreCase: true } : { op: 'regex', value, dialect: 'pcre', anchored: false });

const str = (op: 'exact' | 'prefix' | 'suffix' | 'contains', value: string, ignoreCase: boolean): StringMatch =>
  (ignoreCase ? { op, value, ignoreCase: true } : { op, value });

/** A literal inside a generated PCRE. */
const lit = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

/** A literal whose letters match either case, for a case-insensitive part of a pattern whose other parts are not. */
const caseless = (s: string) => [...s].map((ch) => (/[a-z]/i.test(ch) ? `[${ch.toLowerCase()}${ch.toUpperCase()}]` : lit(ch))).join('');

const SPACE = /^[ \t]|[ \t]$/;

// ---- match methods on one value --------------------------------------------------------------------------------

export type MatchMethod = 'str' | 'beg' | 'end' | 'sub' | 'reg' | 'dir' | 'dom' | 'found' | 'len' | 'int' | 'bool' | 'ip' | 'bin';
const METHODS = new Set<string>(['str', 'beg', 'end', 'sub', 'reg', 'dir', 'dom', 'found', 'len', 'int', 'bool', 'ip', 'bin']);

/**
 * `-m dir` / `-m dom` (7.1.3): the pattern, without its leading and trailing delimiters, is a delimited portion
 * of the value: preceded by a delimiter or the start, followed by a delimiter or the end. Delimiters are `/` and `?`
 * for `dir`; `/`, `?`, `.` and `:` for `dom`. Undefined for a pattern made only of delimiters.
 */
function wordPattern(p: string, method: 'dir' | 'dom'): { word: string; delims: string } | undefined {
  const delims = method === 'dir' ? '/?' : '/?.:';
  let a = 0;
  let b = p.length;
  while (a < b && delims.includes(p[a])) a++;
  while (b > a && delims.includes(p[b - 1])) b--;
  if (a === b) return undefined;
  return { word: p.slice(a, b), delims: method === 'dir' ? '[/?]' : '[/?.:]' };
}

/** Alternatives of a delimited word with the given left/right boundaries (each either an anchor or a class). */
function bounded(word: string, left: [string, string], right: [string, string]): string {
  const w = lit(word);
  return [`${left[0]}${w}${right[0]}`, `${left[0]}${w}${right[1]}`, `${left[1]}${w}${right[0]}`, `${left[1]}${w}${right[1]}`].join('|');
}

/** One string value matched by `method` against pattern `p`; undefined when the method is not a string match. */
function stringMatch(method: MatchMethod, p: string, ignoreCase: boolean): StringMatch | undefined {
  switch (method) {
    case 'str': return str('exact', p, ignoreCase);
    case 'beg': return str('prefix', p, ignoreCase);
    case 'end': return str('suffix', p, ignoreCase);
    case 'sub': return str('contains', p, ignoreCase);
    case 'reg': return pcre(p, ignoreCase);
    case 'dir':
    case 'dom': {
      const wp = wordPattern(p, method);
      if (!wp) return undefined;
      return pcre(bounded(wp.word, ['^', wp.delims], ['$', wp.delims]), ignoreCase);
    }
  }
  return undefined;
}

// ---- the context of a condition --------------------------------------------------------------------------------

/** An earlier rule that may have rewritten a request field, and when it does. */
export interface Rewrite {
  rule: string;
  when: Condition;
}

/** What a rule's position in its proxy changes about its conditions. */
export interface ConditionContext {
  /** `mode tcp`: HTTP fetches depend on `tcp-request content` inspection — undecidable. */
  tcp: boolean;
  /** The proxy terminates TLS on some bind (`ssl`): `req.ssl_sni` reads no ClientHello there. */
  terminatesTls: boolean;
  /** Request fields earlier `http-request` rules may have rewritten (`set-path`, `set-header`…). */
  tainted: ReadonlyMap<string, Rewrite>;
}

const HTTP_FIELD = /^(path|url|query|method|header:|cookie:|arg:)/;

/**
 * The condition `build` gives on fields as the request arrived, where they can be trusted: HTTP fields in a
 * tcp-mode proxy are undecidable; a field an earlier rule may have rewritten is read as it arrived when that
 * rule's condition does not hold, and is undecidable when it does.
 */
function guarded(ctx: ConditionContext, fields: readonly string[], text: string, build: () => Condition): Condition {
  if (ctx.tcp && fields.some((f) => HTTP_FIELD.test(f))) return opaque(text, 'an HTTP sample in a tcp-mode proxy depends on tcp-request content inspection');
  const rewrites: Rewrite[] = [];
  for (const f of fields) {
    const r = ctx.tainted.get(f);
    if (r && !rewrites.includes(r)) rewrites.push(r);
  }
  if (rewrites.length === 0) return build();
  const why = `the request may have been rewritten before this rule (${rewrites.map((r) => r.rule).join(', ')})`;
  const when = any(rewrites.map((r) => r.when));
  if (when.kind === 'all' && when.of.length === 0) return opaque(text, why);
  return any([all([not(when), build()]), all([when, opaque(text, why)])]);
}

/** The request fields a fetch reads. */
function fieldsOf(fetch: Fetch, args: string[]): string[] {
  switch (fetch.kind) {
    case 'string': case 'full': case 'list': case 'count': {
      const f = fetch.field!(args);
      return f ? [f] : [];
    }
    case 'cookie': return ['header:cookie'];
    case 'urlp': return ['url'];
    case 'query': return ['url', 'query'];
    case 'base': return ['header:host', 'path'];
    case 'method': return ['method'];
    case 'ip': return ['src'];
    case 'port': return ['port'];
    case 'bool': return [];
  }
}

// ---- sample fetches ------------------------------------------------------------------------------------------------

/**
 * How a fetch's values are read:
 * - `string`: one value of a request field;
 * - `list`: a header's comma-separated values, each one on its own (`req.hdr`, `hdr_*`: "considers any comma as a
 *   delimiter for distinct values"; commas inside double quotes do not separate; spaces around values are ignored);
 * - `full`: a header's whole lines (`req.fhdr`);
 * - `cookie`, `urlp`, `query`, `base`, `method`, `ip`, `port`, `bool`, `count`: see {@link lowerSample}.
 */
type FetchKind = 'string' | 'list' | 'full' | 'cookie' | 'urlp' | 'query' | 'base' | 'method' | 'ip' | 'port' | 'bool' | 'count';

interface Fetch {
  kind: FetchKind;
  /** The field read, for `string`, `list`, `full`, `bool`. */
  field?: (args: string[]) => RequestField | undefined;
  method: MatchMethod;
  /** Reads the TLS ClientHello from the request buffer (`req.ssl_sni`). */
  clientHello?: boolean;
  /** A boolean fetch's value as a condition. */
  bool?: (ctx: ConditionContext, text: string) => Condition;
}

const headerName = (args: string[]) => (args[0] ? (`header:${args[0].toLowerCase()}` as RequestField) : undefined);

/** Fetches by name (ACL derivatives `<fetch>_<method>` are resolved onto these). */
const FETCHES: Record<string, Fetch> = {
  path: { kind: 'string', field: () => 'path', method: 'str' },
  url: { kind: 'string', field: () => 'url', method: 'str' },
  base: { kind: 'base', method: 'str' },
  query: { kind: 'query', method: 'str' },
  hdr: { kind: 'list', field: headerName, method: 'str' },
  'req.hdr': { kind: 'list', field: headerName, method: 'str' },
  'req.fhdr': { kind: 'full', field: headerName, method: 'str' },
  hdr_cnt: { kind: 'count', field: headerName, method: 'int' },
  'req.hdr_cnt': { kind: 'count', field: headerName, method: 'int' },
  cook: { kind: 'cookie', method: 'str' },
  'req.cook': { kind: 'cookie', method: 'str' },
  urlp: { kind: 'urlp', method: 'str' },
  url_param: { kind: 'urlp', method: 'str' },
  method: { kind: 'method', method: 'str' },
  src: { kind: 'ip', method: 'ip' },
  dst_port: { kind: 'port', method: 'int' },
  ssl_fc: { kind: 'bool', method: 'bool', bool: () => test('tls', { op: 'exact', value: 'on' }) },
  ssl_fc_has_sni: { kind: 'bool', method: 'bool', bool: () => test('sni', { op: 'present' }) },
  ssl_fc_sni: { kind: 'string', field: () => 'sni', method: 'str' },
  'req.ssl_sni': { kind: 'string', field: () => 'sni', method: 'str', clientHello: true },
  req_ssl_sni: { kind: 'string', field: () => 'sni', method: 'str', clientHello: true },
  always_true: { kind: 'bool', method: 'bool', bool: () => ALWAYS },
  always_false: { kind: 'bool', method: 'bool', bool: () => NEVER },
  'req.proto_http': {
    kind: 'bool', method: 'bool',
    bool: (ctx, text) => (ctx.tcp ? opaque(text, 'whether the connection carries HTTP depends on tcp-request content inspection') : ALWAYS),
  },
};

/** ACL derivatives: `path_beg` is the `path` fetch with the `beg` method (7.3: "ACL derivatives"). */
const SUFFIX_METHODS: Record<string, MatchMethod> = {
  _beg: 'beg', _end: 'end', _sub: 'sub', _reg: 'reg', _dir: 'dir', _dom: 'dom', _len: 'len',
};

function resolveFetch(name: string): { fetch: Fetch; derived?: MatchMethod } | undefined {
  const direct = FETCHES[name];
  if (direct) return { fetch: direct };
  const m = /^(.*)(_beg|_end|_sub|_reg|_dir|_dom|_len)$/.exec(name);
  if (!m) return undefined;
  const base = FETCHES[m[1]];
  if (!base || !['string', 'list', 'full', 'cookie', 'urlp', 'base'].includes(base.kind)) return undefined;
  return { fetch: base, derived: SUFFIX_METHODS[m[2]] };
}

/** Does the word name a sample fetch HAProxy would accept as a condition term (modelled or not)? */
function looksLikeFetch(name: string): boolean {
  return /^[a-z][a-z0-9_.]*(\(.*\))?(,.*)?$/.test(name);
}

/** `hdr(x-a,1),lower` → name `hdr`, args `['x-a', '1']`, converters `['lower']`; undefined when malformed. */
function parseCriterion(word: string): { name: string; args: string[]; converters: string[] } | undefined {
  const open = word.indexOf('(');
  const comma = word.indexOf(',');
  let name: string;
  let args: string[] = [];
  let rest: string;
  if (open >= 0 && (comma < 0 || open < comma)) {
    const close = word.indexOf(')', open);
    if (close < 0) return undefined;
    name = word.slice(0, open);
    const inner = word.slice(open + 1, close);
    args = inner === '' ? [] : inner.split(',').map((a) => a.trim());
    rest = word.slice(close + 1);
  } else {
    name = comma >= 0 ? word.slice(0, comma) : word;
    rest = comma >= 0 ? word.slice(comma) : '';
  }
  if (rest !== '' && !rest.startsWith(',')) return undefined;
  const converters = rest === '' ? [] : rest.slice(1).split(',').map((c) => c.trim());
  return { name, args, converters };
}

// ---- ACL expressions ---------------------------------------------------------------------------------------------

interface Expression {
  /** The words after the ACL name (or inside `{ }`). */
  words: readonly Word[];
  /** The expression as written, single-spaced (opaque conditions are identified by it). */
  text: string;
}

/** Lower one ACL expression: `<criterion> [flags] [operator] <pattern>…`. */
export function lowerExpression(expr: Expression, ctx: ConditionContext): Condition {
  const { text } = expr;
  const words = expr.words.map((w) => w.value);
  if (words.length === 0) return opaque(text, 'an empty ACL expression');
  if (expr.words.some((w) => w.hasVariable)) return opaque(text, 'the expression uses environment variables');
  const crit = parseCriterion(words[0]);
  if (!crit) return opaque(text, `'${words[0]}' is not a sample fetch lb-lens can read`);
  const resolved = resolveFetch(crit.name);
  if (!resolved) return opaque(text, `the sample fetch '${crit.name}' is not modelled`);
  const { fetch } = resolved;

  // Flags (7.1): only before the first pattern; `--` ends them.
  let ignoreCase = false;
  let method: MatchMethod | undefined;
  const files: string[] = [];
  let i = 1;
  for (; i < words.length; i++) {
    const w = words[i];
    if (!w.startsWith('-')) break;
    if (w === '--') {
      i++;
      break;
    }
    if (w === '-i') ignoreCase = true;
    else if (w === '-n') continue;
    else if (w === '-f' || w === '-M') {
      if (w === '-f') files.push(words[i + 1] ?? '');
      else return opaque(text, 'patterns from a map file (-M)');
      i++;
    } else if (w === '-u') i++;
    else if (w === '-m') {
      const m = words[i + 1];
      if (!m || !METHODS.has(m)) return opaque(text, `unknown match method '${m ?? ''}'`);
      method = m as MatchMethod;
      i++;
    } else return opaque(text, `'${w}' is not an ACL flag (HAProxy rejects the configuration)`);
  }
  const patterns = words.slice(i);

  // Converters: `lower`/`upper` are modelled; an ACL derivative followed by a converter loses its own method
  // ("the default matching method from the ACL keyword is simply ignored"): the string output matches with `str`.
  let fold: 'lower' | 'upper' | undefined;
  for (const c of crit.converters) {
    if (c === 'lower' || c === 'upper') fold = c;
    else return opaque(text, `the converter '${c}' is not modelled`);
  }
  if (!method) method = crit.converters.length > 0 && resolved.derived ? 'str' : resolved.derived ?? fetch.method;

  const parts: Condition[] = [];
  if (files.length) parts.push(opaque(text, `patterns read from ${files.map((f) => `'${f}'`).join(', ')} (-f)`));
  const m = method;
  parts.push(guarded(ctx, fieldsOf(fetch, crit.args), text, () => lowerSample(fetch, crit.args, m, patterns, ignoreCase, fold, ctx, text)));
  return any(parts);
}

/** A condition on the values of one fetch. */
function lowerSample(fetch: Fetch, args: string[], method: MatchMethod, patterns: string[], icase: boolean,
  fold: 'lower' | 'upper' | undefined, ctx: ConditionContext, text: string): Condition {
  if (fold) {
    // The value is folded before matching: a pattern with a letter of the other case never matches; otherwise the
    // match is the case-insensitive one (ASCII, as HAProxy folds).
    const other = fold === 'lower' ? /[A-Z]/ : /[a-z]/;
    if (method === 'reg' || method === 'dir' || method === 'dom' || method === 'str' || method === 'beg' || method === 'end' || method === 'sub') {
      if (!icase) patterns = patterns.filter((p) => !other.test(p) || method === 'reg');
      if (method === 'reg' && patterns.some((p) => other.test(p))) return opaque(text, `a regex with letters of both cases after '${fold}'`);
      icase = true;
    }
  }
  if (method === 'found' && fetch.kind !== 'bool') return found(fetch, args, ctx, text);
  switch (fetch.kind) {
    case 'bool':
      if (method !== 'bool') return opaque(text, `'-m ${method}' on a boolean fetch`);
      // These fetches take no argument: HAProxy rejects `always_true(arg)` ("no argument supported").
      if (args.length > 0) return opaque(text, 'HAProxy rejects arguments to this fetch');
      return fetch.bool!(ctx, text);
    case 'string':
    case 'full': {
      const field = fetch.field!(args);
      if (!field || (fetch.kind === 'string' && args.length > 0)) return opaque(text, 'fetch arguments lb-lens does not model');
      if (fetch.clientHello && ctx.terminatesTls) {
        return opaque(text, 'req.ssl_sni reads the TLS ClientHello, which a proxy that terminates TLS has consumed');
      }
      return any(patterns.map((p) => {
        const m = stringMatch(method, p, icase);
        if (!m) return opaque(text, method === 'dir' || method === 'dom' ? `the pattern '${p}' is only delimiters` : `'-m ${method}' comparisons are not modelled`);
        if (fetch.kind === 'full') {
          // Repeated header lines are joined with commas in the request: a value with a comma may be several lines.
          return any([all([not(test(field, { op: 'contains', value: ',' })), test(field, m)]),
            all([test(field, { op: 'contains', value: ',' }), opaque(text, 'a header value with commas may span several header lines')])]);
        }
        return test(field, m);
      }));
    }
    case 'list': {
      const field = fetch.field!(args);
      if (!field || args.length > 1) return opaque(text, args.length > 1 ? 'a header occurrence number' : 'a header fetch without a name');
      return any(patterns.map((p) => listMatch(ctx, text, field, method, p, icase)));
    }
    case 'count': {
      const field = fetch.field!(args);
      if (!field || args.length > 1) return opaque(text, 'a header count without one header name');
      return countMatch(ctx, text, field, patterns);
    }
    case 'cookie':
      if (args.length !== 1) return opaque(text, 'a cookie fetch without one cookie name');
      return any(patterns.map((p) => cookieMatch(ctx, text, args[0], method, p, icase)));
    case 'urlp':
      if (args.length !== 1) return opaque(text, args.length > 1 ? 'a URL parameter delimiter' : 'a URL parameter fetch without a name');
      return any(patterns.map((p) => urlpMatch(ctx, text, args[0], method, p, icase)));
    case 'query':
      return any(patterns.map((p) => {
        const m = stringMatch(method, p, icase);
        if (!m) return opaque(text, `'-m ${method}' comparisons are not modelled`);
        // "If no question mark is present, this fetch returns nothing".
        return all([test('url', { op: 'contains', value: '?' }), test('query', m)]);
      }));
    case 'base':
      return any(patterns.map((p) => baseMatch(ctx, text, method, p, icase)));
    case 'method':
      if (method !== 'str') return opaque(text, `'-m ${method}' on the method`);
      return any(patterns.map((p) => methodMatch(ctx, text, p, icase)));
    case 'ip':
      if (method !== 'ip') return opaque(text, `'-m ${method}' on an address`);
      return any(patterns.map((p) => ipMatch(ctx, text, p)));
    case 'port':
      if (method !== 'int') return opaque(text, `'-m ${method}' on a port`);
      return portMatch(ctx, text, patterns);
  }
}

/** `-m found`: the sample exists. */
function found(fetch: Fetch, args: string[], ctx: ConditionContext, text: string): Condition {
  switch (fetch.kind) {
    case 'string': case 'list': case 'full': {
      const field = fetch.field!(args);
      if (!field || (fetch.kind === 'string' && args.length) || args.length > 1) return opaque(text, 'fetch arguments lb-lens does not model');
      // `path`, `url` always exist in an HTTP request; `sni` only when the client sent one; headers when sent.
      return test(field, { op: 'present' });
    }
    case 'query':
      return test('url', { op: 'contains', value: '?' });
    case 'urlp':
      if (args.length !== 1) return opaque(text, 'a URL parameter fetch without one name');
      return urlpMatch(ctx, text, args[0], 'found', '', false);
    case 'cookie':
      if (args.length !== 1) return opaque(text, 'a cookie fetch without one name');
      return cookieMatch(ctx, text, args[0], 'found', '', false);
    case 'base': case 'method':
      return ctx.tcp ? opaque(text, 'an HTTP sample in a tcp-mode proxy') : ALWAYS;
    case 'ip':
      return test('src', { op: 'present' });
    case 'port':
      return ALWAYS;
  }
  return opaque(text, "'-m found' on this fetch");
}

/**
 * A header read as a list (`req.hdr`, `hdr_*`): some comma-separated value matches. When the request's value has
 * no comma it is the only value; with commas and no double quotes the values are the parts between commas
 * (spaces and tabs around them ignored); a quoted value (commas inside quotes do not separate) is undecidable.
 */
function listMatch(ctx: ConditionContext, text: string, field: RequestField, method: MatchMethod, p: string, icase: boolean): Condition {
  if (method === 'found') return test(field, { op: 'present' });
  if (p.includes(',') || p.includes('"') || SPACE.test(p)) {
    return opaque(text, `a header pattern with a comma, a quote or surrounding spaces ('${p}') compared with comma-separated values`);
  }
  const whole = stringMatch(method, p, icase);
  if (!whole) return opaque(text, method === 'dir' || method === 'dom' ? `the pattern '${p}' is only delimiters` : `'-m ${method}' comparisons are not modelled`);
  // A substring without commas or surrounding spaces lies inside one value whatever the splitting.
  if (method === 'sub') return test(field, whole);
  // The Host header is one authority (RFC 9110 7.2: uri-host [":" port]); a host name holds no comma, so its one
  // value is the whole header (this keeps `hdr(host) -i site1.example.com` a plain, indexable comparison).
  if (field === 'header:host') return test(field, whole);
  const comma = test(field, { op: 'contains', value: ',' });
  const quote = test(field, { op: 'contains', value: '"' });
  const ws = '[ \\t]*';
  let list: string | undefined;
  const w = lit(p);
  switch (method) {
    case 'str': list = `^${ws}${w}${ws},|,${ws}${w}${ws},|,${ws}${w}${ws}$`; break;
    case 'beg': list = `^${ws}${w}|,${ws}${w}`; break;
    case 'end': list = `${w}${ws},|${w}${ws}$`; break;
    case 'dir': case 'dom': {
      const wp = wordPattern(p, method)!;
      list = bounded(wp.word, [`^${ws}`, `(?:,${ws}|${wp.delims})`], [`${ws}$`, `(?:${ws},|${wp.delims})`]);
      break;
    }
  }
  const several = list === undefined
    ? opaque(text, `'-m ${method}' on each comma-separated value of a header`)
    : all([not(quote), test(field, pcre(list, icase))]);
  return any([
    all([not(comma), test(field, whole)]),
    all([comma, several]),
    ...(list === undefined ? [] : [all([comma, quote, opaque(text, 'a header value with quoted strings and commas')])]),
  ]);
}

/** `hdr_cnt(name)` with a trivial comparison: `eq 0`/`0`/`lt 1`/`le 0` (absent), `gt 0`/`ge 1` (present). */
function countMatch(ctx: ConditionContext, text: string, field: RequestField, patterns: string[]): Condition {
  const expr = patterns.join(' ');
  if (/^(eq )?0$|^lt 1$|^le 0$/.test(expr)) return not(test(field, { op: 'present' }));
  if (/^gt 0$|^ge 1$/.test(expr)) return test(field, { op: 'present' });
  return opaque(text, 'a header count comparison');
}

/**
 * `req.cook(name)`: every cookie of that name is tried ("When used with ACLs, all matching cookies are
 * evaluated"); cookies are separated by `;` or `,` with spaces around names and values ignored — a regex on the
 * Cookie header.
 */
function cookieMatch(ctx: ConditionContext, text: string, name: string, method: MatchMethod, p: string, icase: boolean): Condition {
  const field: RequestField = 'header:cookie';
  if (/[;,=\s"$]/.test(name) || name === '') return opaque(text, `the cookie name '${name}'`);
  if (method !== 'found' && (/[;,"]/.test(p) || SPACE.test(p))) return opaque(text, `a cookie pattern with a separator, a quote or surrounding spaces ('${p}')`);
  const ws = '[ \\t]*';
  const v = icase ? caseless(p) : lit(p);
  const head = `${lit(name)}${ws}=`;
  const lefts = [`^${ws}`, `[;,]${ws}`];
  let alts: string[];
  switch (method) {
    // A cookie with an empty value at the very end of the header is not seen (checked against haproxy 2.6).
    case 'found': alts = lefts.map((l) => `${l}${lit(name)}(?:${ws}=.|[ \\t]+=)`); break;
    case 'str': alts = lefts.flatMap((l) => [`${l}${head}${ws}${v}${ws}$`, `${l}${head}${ws}${v}${ws}[;,]`]); break;
    case 'beg': alts = lefts.map((l) => `${l}${head}${ws}${v}`); break;
    case 'end': alts = lefts.flatMap((l) => [`${l}${head}[^;,]*${v}${ws}$`, `${l}${head}[^;,]*${v}${ws}[;,]`]); break;
    case 'sub': alts = lefts.map((l) => `${l}${head}[^;,]*${v}`); break;
    default: return opaque(text, `'-m ${method}' on a cookie`);
  }
  // Quoted values may hold separators ("the end of the value, respecting quotes"): undecidable.
  const quote = test(field, { op: 'contains', value: '"' });
  return any([
    all([not(quote), test(field, pcre(alts.join('|'), false))]),
    all([quote, opaque(text, 'a Cookie header with quoted values')]),
  ]);
}

/**
 * `urlp(name)`: every occurrence of the parameter is tried; a parameter starts after the first `?` of the URL or
 * after `?`, `&` or `;` in the query, needs `name=`, and its value ends before `?`, `&`, `;` or the end; no
 * decoding (7.3.6 "urlp", checked against haproxy 2.6) — a regex on the URL.
 */
function urlpMatch(ctx: ConditionContext, text: string, name: string, method: MatchMethod, p: string, icase: boolean): Condition {
  if (name === '' || /[?&;=]/.test(name)) return opaque(text, `the parameter name '${name}'`);
  if (method !== 'found' && /[?&;]/.test(p)) return NEVER; // a value ends before any of these
  const v = icase ? caseless(p) : lit(p);
  const start = `^[^?]*\\?(?:.*[?&;])?${lit(name)}=`;
  let re: string;
  switch (method) {
    case 'found': re = start; break;
    case 'str': re = `${start}${v}(?:[?&;].*)?$`; break;
    case 'beg': re = `${start}${v}`; break;
    case 'end': re = `${start}[^?&;]*${v}(?:[?&;].*)?$`; break;
    case 'sub': re = `${start}[^?&;]*${v}`; break;
    default: return opaque(text, `'-m ${method}' on a URL parameter`);
  }
  return test('url', pcre(re, false));
}

/**
 * `base`: the first Host header's first value followed by the path, or only the path without a Host (or with an
 * empty one). A Host with a comma (several values or headers) is undecidable.
 */
function baseMatch(ctx: ConditionContext, text: string, method: MatchMethod, p: string, icase: boolean): Condition {
  const host = (m: StringMatch) => test('header:host', m);
  const path = (m: StringMatch) => test('path', m);
  const noHost = any([not(host({ op: 'present' })), host({ op: 'exact', value: '' })]);
  const withHost = all([host({ op: 'present' }), not(host({ op: 'exact', value: '' }))]);
  const pathOnly = stringMatch(method, p, icase);
  if (!pathOnly || !['str', 'beg', 'end', 'sub'].includes(method)) return opaque(text, `'-m ${method}' on host and path`);
  // Splits of the pattern into a host part and a path part (which starts with a slash).
  const splits: number[] = [];
  for (let k = 0; k < p.length; k++) if (p[k] === '/') splits.push(k);
  let joined: Condition[];
  switch (method) {
    case 'str':
      joined = splits.map((k) => all([host(str('exact', p.slice(0, k), icase)), path(str('exact', p.slice(k), icase))]));
      break;
    case 'beg':
      joined = [host(str('prefix', p, icase)), ...splits.map((k) => all([host(str('exact', p.slice(0, k), icase)), path(str('prefix', p.slice(k), icase))]))];
      break;
    case 'end':
      joined = [path(str('suffix', p, icase)), ...splits.map((k) => all([host(str('suffix', p.slice(0, k), icase)), path(str('exact', p.slice(k), icase))]))];
      break;
    default: // sub
      joined = [host(str('contains', p, icase)), path(str('contains', p, icase)),
        ...splits.filter((k) => k > 0).map((k) => all([host(str('suffix', p.slice(0, k), icase)), path(str('prefix', p.slice(k), icase))]))];
  }
  const comma = host({ op: 'contains', value: ',' });
  return any([
    all([noHost, path(pathOnly)]),
    all([withHost, not(comma), any(joined)]),
    all([comma, opaque(text, 'a Host header with several values')]),
  ]);
}

/** Methods HAProxy knows by name (compared by identity); others are compared as strings. */
const KNOWN_METHODS = ['OPTIONS', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'CONNECT'];

/**
 * `method`: a pattern naming a known method (upper case) matches exactly that method; any other pattern is
 * compared as a string (`-i`: any case) with methods HAProxy does not know — so `method -i get` does not match
 * `GET` (checked against haproxy 2.6).
 */
function methodMatch(ctx: ConditionContext, text: string, p: string, icase: boolean): Condition {
  if (KNOWN_METHODS.includes(p)) return test('method', { op: 'exact', value: p });
  const other = all(KNOWN_METHODS.map((k) => not(test('method', { op: 'exact', value: k }))));
  return all([test('method', str('exact', p, icase)), other]);
}

/** A dotted IPv4 address in HAProxy's abbreviated forms (`10.12` is 10.0.0.12, 7.1.6); undefined otherwise. */
function ipv4(s: string): string | undefined {
  const parts = s.split('.');
  if (parts.length < 2 || parts.length > 4 || parts.some((x) => !/^\d{1,3}$/.test(x) || Number(x) > 255)) return undefined;
  while (parts.length < 4) parts.splice(parts.length - 1, 0, '0');
  return parts.map(Number).join('.');
}

/** `src <address>[/<mask>]`: a network (IPv4 with bits or a dotted mask, IPv6 with bits). */
function ipMatch(ctx: ConditionContext, text: string, p: string): Condition {
  const [addr, mask, extra] = p.split('/');
  if (extra !== undefined) return opaque(text, `the address '${p}'`);
  if (addr.includes(':')) {
    if (mask !== undefined && !/^\d{1,3}$/.test(mask)) return opaque(text, `the IPv6 network '${p}'`);
    return test('src', { op: 'cidr', value: p.toLowerCase() });
  }
  const a = ipv4(addr);
  if (!a) return opaque(text, `'${addr}' is a host name resolved when HAProxy starts`);
  if (mask === undefined) return test('src', { op: 'cidr', value: a });
  let bits: number | undefined;
  if (/^\d{1,2}$/.test(mask) && Number(mask) <= 32) bits = Number(mask);
  else {
    const m = ipv4(mask);
    if (m && mask.split('.').length === 4) {
      const n = m.split('.').reduce((acc, x) => acc * 256 + Number(x), 0);
      const b = n.toString(2).padStart(32, '0');
      if (/^1*0*$/.test(b)) bits = b.indexOf('0') < 0 ? 32 : b.indexOf('0');
    }
  }
  if (bits === undefined) return opaque(text, `the network mask '${mask}'`);
  return test('src', { op: 'cidr', value: `${a}/${bits}` });
}

/** `dst_port`: integers and small ranges (up to 64 ports); other comparisons are opaque. */
function portMatch(ctx: ConditionContext, text: string, patterns: string[]): Condition {
  const out: Condition[] = [];
  let words = patterns;
  if (words[0] === 'eq') words = words.slice(1);
  for (const p of words) {
    const single = /^\d{1,5}$/.exec(p);
    const range = /^(\d{1,5}):(\d{1,5})$/.exec(p);
    if (single) out.push(test('port', { op: 'exact', value: String(Number(p)) }));
    else if (range && Number(range[2]) - Number(range[1]) < 64) {
      for (let n = Number(range[1]); n <= Number(range[2]); n++) out.push(test('port', { op: 'exact', value: String(n) }));
    } else return opaque(text, `the port comparison '${words.join(' ')}'`);
  }
  return any(out);
}

// ---- predefined ACLs (7.4) -------------------------------------------------------------------------------------

const PREDEFINED_FIELDS: Record<string, string[]> = {
  HTTP_URL_ABS: ['url'], HTTP_URL_SLASH: ['url'], HTTP_URL_STAR: ['url'], LOCALHOST: ['src'],
};

function predefined(name: string, ctx: ConditionContext): Condition | undefined {
  const fields = name.startsWith('METH_') ? ['method'] : PREDEFINED_FIELDS[name] ?? [];
  const c = predefinedCondition(name, ctx);
  return c && fields.length ? guarded(ctx, fields, name, () => c) : c;
}

function predefinedCondition(name: string, ctx: ConditionContext): Condition | undefined {
  const m = (p: string[]) => any(p.map((x) => methodMatch(ctx, name, x, false)));
  switch (name) {
    case 'TRUE': return ALWAYS;
    case 'FALSE': return NEVER;
    case 'HTTP': return ctx.tcp ? opaque(name, 'whether the connection carries HTTP depends on tcp-request content inspection') : ALWAYS;
    case 'HTTP_1.0': case 'HTTP_1.1': case 'HTTP_2.0': return opaque(name, 'the HTTP version of the request');
    case 'HTTP_CONTENT': return opaque(name, 'the request body length');
    case 'HTTP_URL_ABS': return test('url', pcre('^[^/:]*://', false));
    case 'HTTP_URL_SLASH': return test('url', { op: 'prefix', value: '/' });
    case 'HTTP_URL_STAR': return test('url', { op: 'exact', value: '*' });
    case 'LOCALHOST': return any([ipMatch(ctx, name, '127.0.0.1/8'), ipMatch(ctx, name, '::1')]);
    case 'METH_CONNECT': return m(['CONNECT']);
    case 'METH_DELETE': return m(['DELETE']);
    case 'METH_GET': return m(['GET', 'HEAD']);
    case 'METH_HEAD': return m(['HEAD']);
    case 'METH_OPTIONS': return m(['OPTIONS']);
    case 'METH_POST': return m(['POST']);
    case 'METH_PUT': return m(['PUT']);
    case 'METH_TRACE': return m(['TRACE']);
    case 'RDP_COOKIE': return opaque(name, 'an RDP cookie in the request buffer');
    case 'REQ_CONTENT': return opaque(name, 'data in the request buffer');
    case 'WAIT_END': return opaque(name, 'the end of content analysis');
  }
  return undefined;
}

// ---- conditions ----------------------------------------------------------------------------------------------------

/** The `acl` lines of one proxy, by name, in order. */
export type AclTable = ReadonlyMap<string, readonly Line[]>;

/**
 * Lowers the conditions of one proxy's rules, in file order. Named ACLs are lowered once per context (the
 * rewrites seen so far), since many rules use the same ones.
 */
/**
 * Lowered ACL expressions shared across analyses: an edit re-lowers the whole section that holds it (a frontend of
 * thousands of `acl`/`use_backend` lines), and most expressions in it are as they were. Keyed by the words (with
 * their environment-variable marks) and the context, and only while no earlier rule rewrote a field (a tainted
 * context depends on the lines before). The same object comes back, so the routing engine's per-condition caches
 * (signatures, proofs) still hold after the edit. Bounded: cleared when full.
 */
const expressions = new Map<string, Condition>();
const MAX_EXPRESSIONS = 100_000;

function lowerShared(words: readonly Word[], text: string, ctx: ConditionContext): Condition {
  if (ctx.tainted.size > 0) return lowerExpression({ words, text }, ctx);
  let key = `${ctx.tcp ? 1 : 0}${ctx.terminatesTls ? 1 : 0}`;
  for (const w of words) key += `\u0000${w.value}${w.hasVariable ? '\u0001' : ''}`;
  let c = expressions.get(key);
  if (!c) {
    c = lowerExpression({ words, text }, ctx);
    if (expressions.size >= MAX_EXPRESSIONS) expressions.clear();
    expressions.set(key, c);
  }
  return c;
}

export class ConditionLowering {
  private readonly named = new Map<string, Condition>();
  private context: ConditionContext;
  private version = 0;

  constructor(private readonly acls: AclTable, tcp: boolean, terminatesTls: boolean) {
    this.context = { tcp, terminatesTls, tainted: new Map() };
  }

  /** Rules after this point see `fields` as rewritten by `rule` when `when` holds (an `http-request set-path` …). */
  taint(fields: string[], rule: string, when: Condition): void {
    const next = new Map(this.context.tainted);
    for (const f of fields) {
      const prev = next.get(f);
      next.set(f, prev ? { rule: `${prev.rule}, ${rule}`, when: any([prev.when, when]) } : { rule, when });
    }
    this.context = { ...this.context, tainted: next };
    this.version++;
  }

  /**
   * The condition after `if`/`unless` (`words`: the words following the keyword), for a rule on line `lineNo`.
   * Undefined when an anonymous ACL is not closed (the caller reports it).
   */
  lower(words: readonly Word[], lineNo: number): Condition | undefined {
    const suites: Condition[] = [];
    let terms: Condition[] = [];
    let neg = false;
    for (let k = 0; k < words.length; k++) {
      let word = words[k].value;
      while (word.startsWith('!')) {
        neg = !neg;
        word = word.slice(1);
      }
      if (word === '') continue;
      if (word.toLowerCase() === 'or' || word === '||') {
        suites.push(all(terms));
        terms = [];
        neg = false;
        continue;
      }
      let term: Condition;
      if (word === '{') {
        let end = k + 1;
        while (end < words.length && words[end].value !== '}') end++;
        if (end >= words.length) return undefined;
        const inner = words.slice(k + 1, end);
        term = lowerShared(inner, `{ ${inner.map((w) => w.value).join(' ')} }`, this.context);
        k = end;
      } else {
        term = this.term(word, lineNo);
      }
      terms.push(neg ? not(term) : term);
      neg = false;
    }
    suites.push(all(terms));
    return any(suites);
  }

  /** A named term: a declared ACL, else a predefined one, else a fetch used without patterns. */
  private term(name: string, lineNo: number): Condition {
    const lines = this.acls.get(name);
    if (lines && lines[0].words[0].range.start.line < lineNo) {
      const key = `${this.version}\u0000${name}`;
      let c = this.named.get(key);
      if (!c) {
        const parts = lines.map((l) => {
          const words = l.words.slice(2);
          return lowerShared(words, words.map((w) => w.value).join(' '), this.context);
        });
        c = any(parts);
        this.named.set(key, c);
      }
      return c;
    }
    const pre = predefined(name, this.context);
    if (pre) return pre;
    if (lines) return opaque(name, `ACL '${name}' is used before it is declared (HAProxy rejects the configuration)`);
    if (looksLikeFetch(name) && resolveFetch(parseCriterion(name)?.name ?? '')) {
      return lowerExpression({ words: [{ value: name } as Word], text: name }, this.context);
    }
    return opaque(name, `'${name}' is neither a declared ACL nor a sample fetch lb-lens models`);
  }
}
