import type { Condition, HostPattern, RequestField, RouteResponse, StringMatch } from '../../model/types';
import { bool, entries, isMap, isScalar, isSeq, items, str, type Node } from '../yaml/yamlFile';
import { f, fp } from './fields';

/*
 * Envoy's request matching in the routing engine's language, following the v3 API reference
 * (envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto):
 * - VirtualHost.domains → host patterns (exact, `*.foo.com`/`*-bar.foo.com` suffix, `foo.*` prefix, `*`); the
 *   engine's one host precedence is Envoy's domain search order (exact > longest suffix > longest prefix > `*`);
 * - RouteMatch → a condition: the path specifier (`prefix`, `path`, `safe_regex` as an RE2 full match,
 *   `path_separated_prefix`, `connect_matcher`, `path_match_policy`), `case_sensitive`, `headers`
 *   (HeaderMatcher, with `invert_match` and `treat_missing_header_as_empty`), `query_parameters`, `grpc`; the
 *   matchers that depend on run-time state (`runtime_fraction`, `dynamic_metadata`, `filter_state`, `tls_context`,
 *   CEL) are opaque.
 */

/** A map or list written back as compact text, for opaque conditions (bounded; a hash keeps long ones distinct). */
export function nodeText(node: Node | undefined, limit = 160): string {
  const full = write(node, 0);
  if (full.length <= limit) return full;
  let h = 0x811c9dc5;
  for (let i = 0; i < full.length; i++) h = Math.imul(h ^ full.charCodeAt(i), 0x01000193) >>> 0;
  return `${full.slice(0, limit)}… #${h.toString(16)}`;
}

function write(node: Node | undefined, depth: number): string {
  if (node === undefined || node === null) return '';
  if (depth > 12) return '…';
  if (isScalar(node)) return str(node) ?? '';
  if (isSeq(node)) return `[${items(node).map((n) => write(n, depth + 1)).join(', ')}]`;
  if (isMap(node)) return `{${entries(node).map((e) => `${e.key}: ${write(e.value, depth + 1)}`).join(', ')}}`;
  return '';
}

// ---- hosts ---------------------------------------------------------------------------------------------------

/**
 * One `domains` entry as a host pattern. The engine compares host names without their port; a domain written with
 * a port (`example.com:8080`) matches, in Envoy, a Host header carrying that port — taken here as the name without
 * the port when the port is the listener's own (or the listener's port is unknown); otherwise, or when the connection
 * manager strips ports (`strip_any_host_port`, `strip_matching_host_port`) or the route configuration ignores them
 * (`ignore_port_in_host_matching`), it matches nothing here.
 */
export function domainPattern(domain: string, listenerPort: number | undefined, portsIgnored: boolean): HostPattern {
  let d = domain.trim().toLowerCase();
  const port = /^(.*[^:\]]):(\d+)$/.exec(d);
  if (port && !port[1].includes(':')) {
    // Kept as written (with its port), the pattern matches no host name: the virtual host takes nothing by it.
    if (portsIgnored || (listenerPort !== undefined && Number(port[2]) !== listenerPort)) return { kind: 'exact', value: d, text: domain };
    d = port[1];
  }
  if (d === '*') return { kind: 'any', value: '', text: domain };
  if (d.startsWith('*')) return { kind: 'suffix', value: d.slice(1), text: domain };
  if (d.endsWith('*')) return { kind: 'prefix', value: d.slice(0, -1), text: domain };
  return { kind: 'exact', value: d.replace(/\.$/, ''), text: domain };
}

/**
 * FilterChainMatch.server_names: exact names and `*.example.com` wildcards ("www.example.com will be first matched
 * against www.example.com, then *.example.com, then *.com" — the longest suffix wins, as the engine ranks them).
 */
export function serverNamePattern(name: string): HostPattern | undefined {
  const n = name.trim().toLowerCase();
  if (!n) return undefined;
  if (n === '*') return { kind: 'any', value: '', text: name };
  if (n.startsWith('*')) return { kind: 'suffix', value: n.slice(1), text: name };
  return { kind: 'exact', value: n, text: name };
}

// ---- route matches ---------------------------------------------------------------------------------------------

const snakeNames = new Map<string, string>();
/** `pathSeparatedPrefix` → `path_separated_prefix` (JSON names back to proto names), memoised. */
function snake(key: string): string {
  let s = snakeNames.get(key);
  if (s === undefined) {
    s = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    if (snakeNames.size < 1000) snakeNames.set(key, s);
  }
  return s;
}

const test = (field: RequestField, match: StringMatch): Condition => ({ kind: 'test', field, match });
const not = (of: Condition): Condition => ({ kind: 'not', of });
const all = (of: Condition[]): Condition => (of.length === 1 ? of[0] : { kind: 'all', of });
const any = (of: Condition[]): Condition => (of.length === 1 ? of[0] : { kind: 'any', of });
const opaque = (text: string, why: string): Condition => ({ kind: 'opaque', text, why });

/**
 * A StringMatcher (type.matcher.v3.StringMatcher: exact, prefix, suffix, contains, safe_regex — the regex must
 * match the whole value — with `ignore_case`, which "has no effect for safe_regex"), or undefined when it uses a
 * form lb-lens does not model (a custom matcher extension).
 */
export function stringMatcher(sm: Node | undefined): StringMatch | undefined {
  const ignoreCase = bool(f(sm, 'ignore_case')) === true ? true : undefined;
  const with_ = (op: 'exact' | 'prefix' | 'suffix' | 'contains', v: string): StringMatch => (ignoreCase ? { op, value: v, ignoreCase } : { op, value: v });
  for (const op of ['exact', 'prefix', 'suffix', 'contains'] as const) {
    const v = f(sm, op);
    if (v !== undefined && isScalar(v)) return with_(op, str(v) ?? '');
  }
  const re = f(sm, 'safe_regex');
  if (re !== undefined) return { op: 'regex', value: str(f(re, 'regex')) ?? '', dialect: 're2', anchored: true };
  return undefined;
}

/** Does a match hold for the empty value (what `treat_missing_header_as_empty` compares an absent header as)? */
function matchesEmpty(m: StringMatch): boolean | undefined {
  switch (m.op) {
    case 'exact': case 'prefix': case 'suffix': case 'contains': return m.value === '';
    case 'regex': return /^(\.\*|\^?\$?|\(\.\*\)|\^\.\*\$)$/.test(m.value) ? true : undefined;
    default: return undefined;
  }
}

/**
 * The request field a header name designates: the pseudo-headers `:method`, `:path` (the path with its query),
 * `:scheme`, `:authority` (the Host as sent); any other name is that request header.
 */
function headerField(name: string): RequestField | undefined {
  const n = name.toLowerCase();
  if (n === ':method') return 'method';
  if (n === ':path') return 'url';
  if (n === ':scheme') return 'scheme';
  if (n === ':authority') return 'header:host';
  // "Internally, Envoy always uses the HTTP/2 :authority header to represent the HTTP/1 Host header. Thus, if
  // attempting to match on Host, match on :authority instead": a matcher on `host` is not modelled.
  if (n === 'host' || n.startsWith(':')) return undefined;
  return `header:${n}`;
}

/**
 * route.v3.HeaderMatcher:
 * - the value specifiers (`exact_match`, `prefix_match`, `suffix_match`, `contains_match`, `safe_regex_match`,
 *   `string_match`) need the header present; `present_match: true|false` tests presence; no specifier is a presence
 *   test; `range_match` is not modelled (opaque);
 * - `invert_match` inverts the result — but an absent header "will be ignored so it will not match" unless
 *   `treat_missing_header_as_empty`, which compares an absent header as the empty value (HeaderMatcher docs,
 *   examples of treat_missing_header_as_empty); a presence test is inverted whether or not the header is there.
 */
export function headerCondition(h: Node): Condition {
  const nameText = str(f(h, 'name')) ?? '';
  const field = headerField(nameText);
  const invert = bool(f(h, 'invert_match')) === true;
  const missingAsEmpty = bool(f(h, 'treat_missing_header_as_empty')) === true;
  const desc = `header ${nameText} ${nodeText(h)}`;
  if (!field) return opaque(desc, nameText.toLowerCase() === 'host' ? 'Envoy matches the Host header as :authority; a matcher on "host" is not modelled' : `pseudo-header ${nameText} is not modelled`);
  const present = test(field, { op: 'present' });
  const presentMatch = f(h, 'present_match');
  let m: StringMatch | undefined;
  const scalar = (k: string) => {
    const v = f(h, k);
    return v !== undefined && isScalar(v) ? (str(v) ?? '') : undefined;
  };
  const ex = scalar('exact_match');
  const pre = scalar('prefix_match');
  const suf = scalar('suffix_match');
  const con = scalar('contains_match');
  const re = f(h, 'safe_regex_match') ?? f(h, 'regex_match');
  const sm = f(h, 'string_match');
  if (ex !== undefined) m = { op: 'exact', value: ex };
  else if (pre !== undefined) m = { op: 'prefix', value: pre };
  else if (suf !== undefined) m = { op: 'suffix', value: suf };
  else if (con !== undefined) m = { op: 'contains', value: con };
  else if (re !== undefined) {
    const r = isScalar(re) ? str(re) : str(f(re, 'regex'));
    if (r === undefined) return opaque(desc, 'a regex lb-lens cannot read');
    m = { op: 'regex', value: r, dialect: 're2', anchored: true };
  } else if (sm !== undefined) {
    m = stringMatcher(sm);
    if (!m) return opaque(desc, 'a string matcher lb-lens does not model');
  } else if (f(h, 'range_match') !== undefined) {
    return opaque(desc, 'range_match (an integer range) is not modelled');
  } else if (presentMatch !== undefined) {
    const want = bool(presentMatch) !== false;
    return (want !== invert) ? present : not(present);
  } else {
    // No specifier: a presence match.
    return invert ? not(present) : present;
  }
  const base = test(field, m);
  if (!missingAsEmpty) return invert ? all([present, not(base)]) : base;
  const empty = matchesEmpty(m);
  const absentCase: Condition[] = [not(present)];
  if (empty === undefined) absentCase.push(opaque(`${desc} (absent, compared as "")`, 'whether the pattern matches the empty value is not evaluated'));
  else if (empty === invert) return invert ? all([present, not(base)]) : base;
  return any([invert ? all([present, not(base)]) : base, all(absentCase)]);
}

/**
 * route.v3.QueryParameterMatcher: `string_match` on the parameter's value; `present_match: true` (or no specifier)
 * requires the parameter; the v2 `value` (+ `regex`) form. Envoy compares the first value of the parameter.
 */
export function queryCondition(q: Node): Condition {
  const name = str(f(q, 'name')) ?? '';
  const field: RequestField = `arg:${name}`;
  const desc = `query parameter ${name} ${nodeText(q)}`;
  const sm = f(q, 'string_match');
  if (sm !== undefined) {
    const m = stringMatcher(sm);
    return m ? test(field, m) : opaque(desc, 'a string matcher lb-lens does not model');
  }
  const pm = f(q, 'present_match');
  if (pm !== undefined) return bool(pm) === false ? opaque(desc, 'present_match: false is not modelled') : test(field, { op: 'present' });
  const v = f(q, 'value');
  if (v !== undefined) {
    if (bool(f(q, 'regex')) === true) return opaque(desc, 'a v2 regex query matcher (std::regex) is not modelled');
    return test(field, { op: 'exact', value: str(v) ?? '' });
  }
  return test(field, { op: 'present' });
}

/**
 * RouteMatch → the route's condition. `where` makes opaque matchers whose outcome is drawn per route
 * (`runtime_fraction`) distinct from every other route's.
 */
export function routeMatchCondition(m: Node | undefined, where: string): Condition {
  const parts: Condition[] = [];
  // One pass over the match's fields (proto or JSON names): most routes set one or two of the many a match may have.
  const fields = new Map<string, Node | undefined>();
  for (const e of entries(m)) fields.set(snake(e.key), e.value);
  const get = (k: string) => fields.get(k);
  // "Indicates that prefix/path matching should be case sensitive. The default is true. Ignored for safe_regex."
  const ignoreCase = bool(get('case_sensitive')) === false ? true : undefined;
  const ci = (s: StringMatch): StringMatch => (ignoreCase && s.op !== 'regex' && s.op !== 'present' && s.op !== 'cidr' ? { ...s, ignoreCase } : s);
  const prefix = get('prefix');
  const exact = get('path');
  const regex = get('safe_regex') ?? get('regex');
  const sep = get('path_separated_prefix');
  const policy = get('path_match_policy');
  if (prefix !== undefined) {
    const v = str(prefix) ?? '';
    // "the prefix must match the beginning of the :path header", which holds the query too: a prefix with `?`
    // reaches into it. Every path starts with "/", so "" and "/" match every request.
    if (v !== '' && v !== '/') parts.push(test(v.includes('?') ? 'url' : 'path', ci({ op: 'prefix', value: v })));
  } else if (exact !== undefined) {
    // "the path must exactly match the :path header once the query string is removed".
    parts.push(test('path', ci({ op: 'exact', value: str(exact) ?? '' })));
  } else if (regex !== undefined) {
    // "The entire path (without the query string) must match the regex" (RE2).
    const r = isScalar(regex) ? (str(regex) ?? '') : (str(f(regex, 'regex')) ?? '');
    parts.push(test('path', { op: 'regex', value: r, dialect: 're2', anchored: true }));
  } else if (sep !== undefined) {
    // "must either exactly match the path_separated_prefix or have it as a prefix, followed by /".
    parts.push(test('path', ci({ op: 'segment-prefix', value: str(sep) ?? '' })));
  } else if (get('connect_matcher') !== undefined) {
    parts.push(test('method', { op: 'exact', value: 'CONNECT' }));
  } else if (policy !== undefined) {
    const template = str(fp(policy, 'typed_config', 'path_match_template'));
    if (template !== undefined && !/[*{}]/.test(template)) parts.push(test('path', { op: 'exact', value: template }));
    else parts.push(opaque(`path_match_policy ${template ?? nodeText(policy)}`, 'URI templates are not modelled'));
  }
  for (const h of items(get('headers'))) parts.push(headerCondition(h));
  for (const q of items(get('query_parameters'))) parts.push(queryCondition(q));
  if (get('grpc') !== undefined) {
    // "The router will check that the content-type header has a application/grpc or one of the various
    // application/grpc+ values."
    const ct: RequestField = 'header:content-type';
    parts.push(any([test(ct, { op: 'exact', value: 'application/grpc' }), test(ct, { op: 'prefix', value: 'application/grpc+' }), test(ct, { op: 'prefix', value: 'application/grpc;' })]));
  }
  const tls = get('tls_context');
  if (tls !== undefined) parts.push(opaque(`tls_context ${nodeText(tls)}`, 'the client certificate (presented/validated) is not part of the request lb-lens routes'));
  const rf = get('runtime_fraction');
  if (rf !== undefined) {
    parts.push(opaque(`runtime_fraction ${nodeText(rf)} (${where})`, 'a share of requests drawn at random each time the route is considered'));
  }
  const dm = get('dynamic_metadata');
  if (dm !== undefined) parts.push(opaque(`dynamic_metadata ${nodeText(dm)}`, 'metadata set by filters at run time'));
  const fs = get('filter_state');
  if (fs !== undefined) parts.push(opaque(`filter_state ${nodeText(fs)}`, 'filter state set at run time'));
  const cel = get('cel_expression');
  if (cel !== undefined) parts.push(opaque(`cel_expression ${nodeText(cel)}`, 'a CEL expression'));
  return { kind: 'all', of: parts };
}

// ---- responses -------------------------------------------------------------------------------------------------

/** RedirectAction.RedirectResponseCode; "The HTTP status code to use in the redirect response. The default response code is MOVED_PERMANENTLY (301)." */
const REDIRECT_CODES: Record<string, number> = { MOVED_PERMANENTLY: 301, FOUND: 302, SEE_OTHER: 303, TEMPORARY_REDIRECT: 307, PERMANENT_REDIRECT: 308 };

export function redirectResponse(r: Node | undefined): RouteResponse {
  const codeText = str(f(r, 'response_code'));
  const code = codeText === undefined ? 301 : (REDIRECT_CODES[codeText.toUpperCase()] ?? (/^\d+$/.test(codeText) ? [301, 302, 303, 307, 308][Number(codeText)] : undefined));
  const https = bool(f(r, 'https_redirect')) === true;
  const scheme = https ? 'https' : str(f(r, 'scheme_redirect'));
  const host = str(f(r, 'host_redirect'));
  const port = str(f(r, 'port_redirect'));
  const path = str(f(r, 'path_redirect')) ?? (str(f(r, 'prefix_rewrite')) !== undefined ? `${str(f(r, 'prefix_rewrite'))}…` : undefined);
  const location = [scheme ? `${scheme}://` : '', host ?? (scheme || port ? '(same host)' : ''), port ? `:${port}` : '', path ?? ''].join('');
  const out: RouteResponse = { kind: 'redirect' };
  if (code !== undefined) out.status = code;
  if (location) out.location = location;
  return out;
}

/** RouteAction.cluster_not_found_response_code: "The default response code is 503 Service Unavailable." */
export function clusterNotFoundStatus(action: Node | undefined): number {
  const v = str(f(action, 'cluster_not_found_response_code'))?.toUpperCase();
  if (v === 'NOT_FOUND' || v === '1') return 404;
  if (v === 'INTERNAL_SERVER_ERROR' || v === '2') return 500;
  return 503;
}
