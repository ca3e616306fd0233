import { regexMatches } from '../../analysis/routing/regex';
import type { Bind, Condition, HostPattern, RequestField, RouteResponse, SourceRef, StringMatch } from '../../model/types';
import type { Arg, Directive } from './parser';

/*
 * nginx routing in the engine's language: `listen` → binds, `server_name` → host patterns, `location` → path tests,
 * ngx_http_rewrite_module `if` conditions, `return` and `rewrite` → conditions and responses. Pure functions of one
 * directive: a server block's lowering stays a function of its text (the incremental cache replays it).
 */

export const ALWAYS: Condition = { kind: 'all', of: [] };
/** A condition no request satisfies (a named location, a statement nginx never reaches). */
export const NEVER: Condition = { kind: 'any', of: [] };

/** `all` of the defined parts, flattened when there is one. */
export function and(parts: Array<Condition | undefined>): Condition {
  const of = parts.filter((p): p is Condition => p !== undefined && !(p.kind === 'all' && p.of.length === 0));
  if (of.some((p) => p.kind === 'any' && p.of.length === 0)) return NEVER;
  return of.length === 1 ? of[0] : { kind: 'all', of };
}

export function not(c: Condition): Condition {
  return c.kind === 'not' ? c.of : { kind: 'not', of: c };
}

const test = (field: RequestField, match: StringMatch): Condition => ({ kind: 'test', field, match });

// ---- listen ------------------------------------------------------------------------------------------------

/**
 * A `listen` line as a bind (ngx_http_core_module / ngx_stream_core_module `listen`): `address[:port]`, `port`,
 * `[v6]:port`; "If only address is given, the port 80 is used"; `*` and `0.0.0.0` are every IPv4 address, `[::]`
 * every IPv6 address (another socket). `ssl` terminates TLS; `default_server` (`default` before 0.8.21) marks the
 * default server of the address:port. Undefined for sockets a TCP request cannot reach: `unix:` paths and HTTP/3
 * (`quic`, UDP) listeners.
 */
export function listenBind(d: Directive, ns: 'http' | 'stream', source: SourceRef, sslOn: boolean): Bind | undefined {
  if (d.args.length === 0) return undefined;
  const spec = d.args[0].value;
  if (/^unix:/i.test(spec)) return undefined;
  const params = new Set(d.args.slice(1).map((a) => a.value));
  if (ns === 'http' && params.has('quic')) return undefined;
  let address: string | undefined;
  let portText: string | undefined;
  if (/^\d+$/.test(spec)) portText = spec;
  else if (spec.startsWith('[')) {
    const close = spec.indexOf(']');
    address = close > 0 ? spec.slice(1, close) : spec;
    const rest = close > 0 ? spec.slice(close + 1) : '';
    if (rest.startsWith(':')) portText = rest.slice(1);
  } else {
    const colon = spec.lastIndexOf(':');
    if (colon >= 0) {
      address = spec.slice(0, colon);
      portText = spec.slice(colon + 1);
    } else address = spec;
  }
  address = address?.toLowerCase();
  if (address === '*' || address === '0.0.0.0' || address === '') address = undefined;
  let port: number | undefined;
  if (portText === undefined) port = ns === 'http' ? 80 : undefined;
  else if (/^\d+$/.test(portText) && Number(portText) >= 1 && Number(portText) <= 65535) port = Number(portText);
  const bind: Bind = { port };
  if (address !== undefined) bind.address = address;
  if (ns === 'http') {
    bind.tls = sslOn || params.has('ssl');
    bind.protocol = 'http';
    if (params.has('default_server') || params.has('default')) bind.default = true;
  } else {
    if (params.has('ssl')) bind.tls = true;
    bind.protocol = params.has('udp') ? 'udp' : 'tcp';
  }
  bind.source = source;
  return bind;
}

/** The key nginx groups listen sockets by (address:port), as the routing engine does. */
export const socketKey = (b: Bind) => `${b.address ?? '*'}:${b.port}`;

// ---- server_name --------------------------------------------------------------------------------------------

/**
 * `server_name` values as host patterns ("Server names"): exact names (compared case-insensitively; `""` matches
 * requests without a Host, `_` is just a name no real host has), `*.example.org` (any number of labels),
 * `mail.*`, `.example.org` ("both the exact name example.org and the wildcard name *.example.org"), and `~regex`
 * (PCRE; nginx compiles server name regexes caseless). Returns the invalid names too ("A wildcard name may contain
 * an asterisk only on the name's start or end, and only on a dot border").
 */
export function hostPatterns(args: Arg[], sourceOf?: (a: Arg) => SourceRef): { patterns: HostPattern[]; invalid: Arg[] } {
  const patterns: HostPattern[] = [];
  const invalid: Arg[] = [];
  for (const a of args) {
    const v = a.value;
    const at = patterns.length;
    if (v.startsWith('~')) {
      patterns.push({ kind: 'regex', value: v.slice(1), dialect: 'pcre', text: v, ...(sourceOf ? { source: sourceOf(a) } : {}) });
      continue;
    }
    const name = v.toLowerCase();
    const star = name.indexOf('*');
    if (star < 0 && name.startsWith('.') && name.length > 1) {
      patterns.push({ kind: 'exact', value: name.slice(1), text: v }, { kind: 'suffix', value: name, text: v });
    } else if (star < 0) {
      patterns.push({ kind: 'exact', value: name, text: v === '' ? '""' : v });
    } else if (name.startsWith('*.') && name.indexOf('*', 1) < 0 && name.length > 2) {
      patterns.push({ kind: 'suffix', value: name.slice(1), text: v });
    } else if (name.endsWith('.*') && star === name.length - 1 && name.length > 2) {
      patterns.push({ kind: 'prefix', value: name.slice(0, -1), text: v });
    } else invalid.push(a);
    if (sourceOf && patterns.length > at) {
      const source = sourceOf(a);
      for (let i = at; i < patterns.length; i++) patterns[i].source = source;
    }
  }
  return { patterns, invalid };
}

// ---- location -----------------------------------------------------------------------------------------------

/**
 * A location's own test on the path (ngx_http_core_module `location`): `=` exact, prefix and `^~` prefix
 * (case-sensitive on Linux), `~` / `~*` a PCRE search (case-insensitive for `~*`) — nginx matches them against the
 * normalized, decoded URI; named `@` locations take no request of their own.
 */
export function locationCondition(kind: 'exact' | 'prefix' | 'noregex' | 'regex' | 'iregex' | 'named', value: string): Condition {
  switch (kind) {
    case 'exact': return test('path', { op: 'exact', value });
    case 'prefix':
    case 'noregex': return test('path', { op: 'prefix', value });
    case 'regex': return test('path', { op: 'regex', value, dialect: 'pcre', anchored: false });
    case 'iregex': return test('path', { op: 'regex', value, dialect: 'pcre', anchored: false, ignoreCase: true });
    case 'named': return NEVER;
  }
}

// ---- ngx_http_rewrite_module ------------------------------------------------------------------------------

/** Variables that are request fields; absent fields (a header not sent) read as the empty string in nginx. */
function variableField(name: string): { field: RequestField; mayBeAbsent: boolean } | undefined {
  const n = name.toLowerCase();
  switch (n) {
    case 'request_method': return { field: 'method', mayBeAbsent: false };
    case 'uri':
    case 'document_uri': return { field: 'path', mayBeAbsent: false };
    case 'request_uri': return { field: 'url', mayBeAbsent: false };
    case 'args':
    case 'query_string': return { field: 'query', mayBeAbsent: false };
    case 'scheme': return { field: 'scheme', mayBeAbsent: false };
    case 'host': return { field: 'host', mayBeAbsent: false };
    case 'server_port': return { field: 'port', mayBeAbsent: false };
    case 'remote_addr': return { field: 'src', mayBeAbsent: true };
    case 'content_type': return { field: 'header:content-type', mayBeAbsent: true };
    case 'content_length': return { field: 'header:content-length', mayBeAbsent: true };
  }
  if (n.startsWith('http_') && n.length > 5) return { field: `header:${n.slice(5).replace(/_/g, '-')}`, mayBeAbsent: true };
  // `$arg_NAME` (the name compares case-insensitively in nginx and the value is not decoded — see docs/routing/nginx.md).
  if (name.startsWith('arg_') && name.length > 4) return { field: `arg:${name.slice(4)}`, mayBeAbsent: true };
  if (name.startsWith('cookie_') && name.length > 7) return { field: `cookie:${name.slice(7)}`, mayBeAbsent: true };
  return undefined;
}

export interface IfCondition {
  /** The condition as written between the parentheses (for names and messages). */
  text: string;
  when: Condition;
}

const opaque = (text: string, why: string): Condition => ({ kind: 'opaque', text, why });

/**
 * The condition of `if (…)` (ngx_http_rewrite_module `if`): "a variable name; false if the value of a variable is an
 * empty string or “0”"; `=`/`!=` comparison with a string; `~` (case-sensitive) and `~*` (case-insensitive)
 * regular expressions and their negations `!~`/`!~*`; `-f`/`-d`/`-e`/`-x` file tests (decided at run time:
 * opaque). Variables that are not request fields (set by `set`, `map`, `geo`, modules) are opaque. The words are
 * split as nginx splits them (ngx_http_rewrite_if_condition): `(` and `)` may stand alone or stick to the first
 * and last word. Returns a message for a condition nginx rejects.
 */
export function ifCondition(d: Directive): IfCondition | string {
  const words = d.args.map((a) => a.value);
  if (words.length === 0 || !words[0].startsWith('(')) return 'invalid condition: expected "("';
  words[0] = words[0].slice(1);
  if (words[0] === '') words.shift();
  const last = words.length - 1;
  if (last < 0 || !words[last].endsWith(')')) return 'invalid condition: expected ")"';
  words[last] = words[last].slice(0, -1);
  if (words[last] === '' && d.args[d.args.length - 1].value === ')') words.pop();
  const text = d.args.map((a) => a.raw).join(' ').replace(/^\(\s*/, '').replace(/\s*\)$/, '');
  if (words.length === 0) return 'invalid condition';
  const first = words[0];
  if (first.length > 1 && first.startsWith('$')) {
    if (words.length !== 1 && words.length !== 3) return `invalid condition "${text}"`;
    const name = first.slice(1).replace(/^\{(.*)\}$/, '$1');
    if (words.length === 1) return { text, when: truthy(name, text) };
    const op = words[1];
    const value = words[2];
    if (op === '=' || op === '!=') {
      const c = equals(name, value, text);
      return { text, when: op === '=' ? c : not(c) };
    }
    if (op === '~' || op === '~*' || op === '!~' || op === '!~*') {
      const c = matches(name, value, op.endsWith('*'), text);
      return { text, when: op.startsWith('!') ? not(c) : c };
    }
    return `unexpected "${op}" in condition`;
  }
  if (/^!?-[fdex]$/.test(first)) {
    if (words.length !== 2) return `invalid condition "${text}"`;
    return { text, when: opaque(`if (${text})`, 'a file-system test nginx makes at run time') };
  }
  return `invalid condition "${text}"`;
}

function unknownVariable(name: string, text: string): Condition {
  return opaque(`if (${text})`, `$${name} is not a request field lb-lens follows (set, map, geo or a module sets it)`);
}

function truthy(name: string, text: string): Condition {
  if (name === 'https') return test('tls', { op: 'exact', value: 'on' });
  const v = variableField(name);
  if (!v) return unknownVariable(name, text);
  const parts: Condition[] = [not(test(v.field, { op: 'exact', value: '' })), not(test(v.field, { op: 'exact', value: '0' }))];
  return v.mayBeAbsent ? { kind: 'all', of: [test(v.field, { op: 'present' }), ...parts] } : { kind: 'all', of: parts };
}

function equals(name: string, value: string, text: string): Condition {
  if (value.includes('$')) return opaque(`if (${text})`, 'a comparison with a value computed at run time');
  if (name === 'https') return value === 'on' ? test('tls', { op: 'exact', value: 'on' }) : value === '' ? test('tls', { op: 'exact', value: 'off' }) : NEVER;
  const v = variableField(name);
  if (!v) return unknownVariable(name, text);
  const eq = test(v.field, { op: 'exact', value });
  // An absent header reads as "": `$http_x = ""` holds when it was not sent.
  return value === '' && v.mayBeAbsent ? { kind: 'any', of: [not(test(v.field, { op: 'present' })), eq] } : eq;
}

function matches(name: string, pattern: string, ignoreCase: boolean, text: string): Condition {
  const v = variableField(name);
  if (!v || name === 'https') return unknownVariable(name, text);
  const re = test(v.field, { op: 'regex', value: pattern, dialect: 'pcre', anchored: false, ...(ignoreCase ? { ignoreCase } : {}) });
  if (!v.mayBeAbsent) return re;
  // An absent field reads as "": it matches when the pattern matches the empty string.
  const empty = regexMatches(pattern, 'pcre', ignoreCase, false, '');
  if (empty === undefined) return opaque(`if (${text})`, 'a PCRE construct a linear-time engine cannot run');
  return empty ? { kind: 'any', of: [not(test(v.field, { op: 'present' })), re] } : re;
}

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

/**
 * `return code [text]`, `return code URL`, `return URL` (ngx_http_rewrite_module `return`): a redirect for 301, 302,
 * 303, 307 and 308 (with the URL), a direct response otherwise (444 closes the connection); a URL alone is a 302.
 */
export function returnResponse(d: Directive): RouteResponse | string {
  const a = d.args;
  if (a.length === 0 || a.length > 2) return 'invalid number of arguments in "return" directive';
  const code = a[0].value;
  if (/^\d+$/.test(code)) {
    const status = Number(code);
    if (REDIRECT_CODES.has(status)) return a.length === 2 ? { kind: 'redirect', status, location: a[1].value } : { kind: 'redirect', status };
    return { kind: 'direct', status };
  }
  if (a.length === 1 && /^(https?:\/\/|\$scheme)/.test(code)) return { kind: 'redirect', status: 302, location: code };
  return `invalid return code "${code}"`;
}

export interface Rewrite {
  regex: string;
  replacement: string;
  /** `redirect`/`permanent`, or a replacement starting with `http://`, `https://` or `$scheme`: a redirect. */
  redirect?: RouteResponse;
  /** `break`: stops the rewrite directives, the request stays in its location (with another URI). */
  stays: boolean;
  /** `last`, or no flag: the URI changes and nginx searches the locations again. */
  researches: boolean;
}

/** `rewrite regex replacement [flag]` (ngx_http_rewrite_module `rewrite`). */
export function rewriteOf(d: Directive): Rewrite | string {
  const a = d.args;
  if (a.length < 2 || a.length > 3) return 'invalid number of arguments in "rewrite" directive';
  const flag = a[2]?.value;
  if (flag !== undefined && !['last', 'break', 'redirect', 'permanent'].includes(flag)) return `invalid parameter "${flag}"`;
  const replacement = a[1].value;
  const absolute = /^(https?:\/\/|\$scheme)/.test(replacement);
  const base = { regex: a[0].value, replacement };
  if (flag === 'permanent') return { ...base, redirect: { kind: 'redirect', status: 301, location: replacement }, stays: false, researches: false };
  if (flag === 'redirect' || absolute) return { ...base, redirect: { kind: 'redirect', status: 302, location: replacement }, stays: false, researches: false };
  if (flag === 'break') return { ...base, stays: true, researches: false };
  return { ...base, stays: false, researches: true };
}

/** The test of a rewrite's regex on the URI (PCRE search, case-sensitive, on the normalized URI). */
export function rewriteCondition(r: Rewrite): Condition {
  return test('path', { op: 'regex', value: r.regex, dialect: 'pcre', anchored: false });
}
