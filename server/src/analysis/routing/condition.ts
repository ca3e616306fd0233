import type { Condition, MatchCondition, RequestField, Route, StringMatch } from '../../model/types';
import { compileRegex } from './regex';
import { fieldValue, type Request } from './request';

/**
 * Conditions evaluated on one request. The result is three-valued: `undefined` when the request alone cannot
 * decide (an opaque matcher, a pattern no linear-time engine can run); `why` explains the answer in one line for
 * traces ("path "/web" does not start with "/api/"").
 */
export interface Evaluation {
  value: boolean | undefined;
  why: string;
}

const fieldName = (f: RequestField) =>
  f.startsWith('header:') ? `header ${f.slice(7)}` : f.startsWith('arg:') ? `query parameter ${f.slice(4)}` : f.startsWith('cookie:') ? `cookie ${f.slice(7)}` : f;

/** `path starts with "/api/"`, `header x-canary is present`… */
export function describeTest(field: RequestField, m: StringMatch): string {
  const name = fieldName(field);
  const ci = 'ignoreCase' in m && m.ignoreCase ? ' (any case)' : '';
  switch (m.op) {
    case 'exact': return `${name} is "${m.value}"${ci}`;
    case 'prefix': return `${name} starts with "${m.value}"${ci}`;
    case 'suffix': return `${name} ends with "${m.value}"${ci}`;
    case 'contains': return `${name} contains "${m.value}"${ci}`;
    case 'segment-prefix': return `${name} is "${m.value.replace(/\/+$/, '') || '/'}" or below it${ci}`;
    case 'glob': return `${name} matches "${m.value}"${ci}`;
    case 'regex': return `${name} ${m.anchored ? 'matches' : 'contains a match of'} ${m.dialect.toUpperCase()} /${m.value}/${m.ignoreCase ? 'i' : ''}`;
    case 'cidr': return `${name} is in ${m.value}`;
    case 'present': return `${name} is present`;
  }
}

/** A readable condition (for hovers, traces and JSON). */
export function describeCondition(c: Condition): string {
  switch (c.kind) {
    case 'test': return describeTest(c.field, c.match);
    case 'opaque': return c.text;
    case 'not': return `not (${describeCondition(c.of)})`;
    case 'all': return c.of.length === 0 ? 'any request' : c.of.map((x) => (x.kind === 'any' && x.of.length > 1 ? `(${describeCondition(x)})` : describeCondition(x))).join(' and ');
    case 'any': return c.of.length === 0 ? 'no request' : c.of.map((x) => (x.kind === 'all' && x.of.length > 1 ? `(${describeCondition(x)})` : describeCondition(x))).join(' or ');
  }
}

function lower(s: string, ci: boolean | undefined): string {
  return ci ? s.toLowerCase() : s;
}

/** Does a present value satisfy a match? undefined when the matcher cannot be run. */
export function testValue(m: StringMatch, value: string): boolean | undefined {
  switch (m.op) {
    case 'exact': return lower(value, m.ignoreCase) === lower(m.value, m.ignoreCase);
    case 'prefix': return lower(value, m.ignoreCase).startsWith(lower(m.value, m.ignoreCase));
    case 'suffix': return lower(value, m.ignoreCase).endsWith(lower(m.value, m.ignoreCase));
    case 'contains': return lower(value, m.ignoreCase).includes(lower(m.value, m.ignoreCase));
    case 'segment-prefix': {
      const v = lower(value, m.ignoreCase);
      const p = lower(m.value, m.ignoreCase).replace(/\/+$/, '');
      return p === '' || v === p || v.startsWith(`${p}/`);
    }
    case 'glob': return globMatches(lower(m.value, m.ignoreCase), lower(value, m.ignoreCase));
    case 'regex': return regexMatchesFor(m, value);
    case 'cidr': return cidrContains(m.value, value);
    case 'present': return true;
  }
}

const compiledFor = new WeakMap<object, ReturnType<typeof compileRegex>>();

/** A regex match through the compiled pattern cached on the match object itself (no key strings per request). */
function regexMatchesFor(m: Extract<StringMatch, { op: 'regex' }>, value: string): boolean | undefined {
  let c = compiledFor.get(m);
  if (!c) compiledFor.set(m, (c = compileRegex(m.value, m.dialect, !!m.ignoreCase)));
  if (!c.ok) return undefined;
  const matcher = c.re.matcher(value);
  return m.anchored ? matcher.matches() : matcher.find();
}

/** `*` any run, `?` one character: linear-time two-pointer matching (no regex built from user text). */
export function globMatches(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let mark = 0;
  while (v < value.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === value[v])) {
      p++;
      v++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = v;
    } else if (star >= 0) {
      p = star + 1;
      v = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

function ipv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((x) => x > 255)) return undefined;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

/** IPv4 networks and single addresses; IPv6 only by equality. undefined when it cannot tell. */
export function cidrContains(network: string, address: string): boolean | undefined {
  const [net, bitsText] = network.split('/');
  const a = ipv4(address);
  const n = ipv4(net);
  if (a === undefined || n === undefined) return net.includes(':') && bitsText === undefined ? net.toLowerCase() === address.toLowerCase() : undefined;
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((a & mask) >>> 0) === ((n & mask) >>> 0);
}

/** Evaluate a condition on a request, without explanations (the engine's fast path). */
export function matches(c: Condition, req: Request): boolean | undefined {
  switch (c.kind) {
    case 'test': {
      const v = fieldValue(req, c.field);
      return v === undefined ? false : testValue(c.match, v);
    }
    case 'opaque':
      return undefined;
    case 'not': {
      const r = matches(c.of, req);
      return r === undefined ? undefined : !r;
    }
    case 'all': {
      let unknown = false;
      for (const part of c.of) {
        const r = matches(part, req);
        if (r === false) return false;
        if (r === undefined) unknown = true;
      }
      return unknown ? undefined : true;
    }
    case 'any': {
      let unknown = false;
      for (const part of c.of) {
        const r = matches(part, req);
        if (r === true) return true;
        if (r === undefined) unknown = true;
      }
      return unknown ? undefined : false;
    }
  }
}

/** Evaluate a condition on a request, with a one-line explanation (for traces). */
export function evaluate(c: Condition, req: Request): Evaluation {
  switch (c.kind) {
    case 'test': {
      const v = fieldValue(req, c.field);
      const what = describeTest(c.field, c.match);
      if (v === undefined) return { value: false, why: `${fieldName(c.field)} is absent (${what}: no)` };
      const r = testValue(c.match, v);
      if (r === undefined) return { value: undefined, why: `${what}: cannot be decided (the pattern cannot run on a linear-time engine)` };
      return { value: r, why: `${fieldName(c.field)} "${v}": ${what}: ${r ? 'yes' : 'no'}` };
    }
    case 'opaque':
      return { value: undefined, why: `${c.text}: undecidable (${c.why})` };
    case 'not': {
      const r = evaluate(c.of, req);
      return { value: r.value === undefined ? undefined : !r.value, why: r.value === undefined ? r.why : `not: ${r.why}` };
    }
    case 'all': {
      let unknown: Evaluation | undefined;
      for (const part of c.of) {
        const r = evaluate(part, req);
        if (r.value === false) return r;
        if (r.value === undefined) unknown ??= r;
      }
      if (unknown) return unknown;
      return { value: true, why: c.of.length === 0 ? 'matches every request' : c.of.length === 1 ? evaluate(c.of[0], req).why : 'every condition holds' };
    }
    case 'any': {
      let unknown: Evaluation | undefined;
      const whys: string[] = [];
      for (const part of c.of) {
        const r = evaluate(part, req);
        if (r.value === true) return r;
        if (r.value === undefined) unknown ??= r;
        else whys.push(r.why);
      }
      if (unknown) return unknown;
      return { value: false, why: c.of.length === 0 ? 'matches no request' : whys.length === 1 ? whys[0] : `no alternative holds (${whys.slice(0, 3).join('; ')}${whys.length > 3 ? '; …' : ''})` };
    }
  }
}

// ---- conditions of routes that do not state them ----------------------------------------------------------------

const NEVER: Condition = { kind: 'any', of: [] };

function fromMatch(m: MatchCondition): Condition {
  let c: Condition;
  const field = m.field as RequestField;
  const known = ['path', 'host', 'method', 'sni', 'url', 'query'].includes(m.field) || /^(header|arg|cookie):/.test(m.field);
  if (m.field === 'location') return NEVER; // nginx named locations take no request of their own
  if (!known || m.op === 'opaque') c = { kind: 'opaque', text: `${m.field} ${m.value}`.trim(), why: 'a condition lb-lens does not model' };
  else if (m.op === 'regex') c = { kind: 'test', field, match: { op: 'regex', value: m.value, dialect: 'pcre', anchored: false, ignoreCase: m.flags?.includes('i') || undefined } };
  else c = { kind: 'test', field, match: { op: m.op, value: m.value, ignoreCase: m.flags?.includes('i') || undefined } };
  return m.negated ? { kind: 'not', of: c } : c;
}

const derived = new WeakMap<Route, Condition>();

/**
 * The condition of a route: its `when`, else one derived from its `match` (path and header tests as written, a
 * regex taken as a PCRE search, anything else opaque).
 */
export function routeCondition(route: Route): Condition {
  if (route.when) return route.when;
  let c = derived.get(route);
  if (!c) {
    c = route.match.length === 1 ? fromMatch(route.match[0]) : { kind: 'all', of: route.match.map(fromMatch) };
    derived.set(route, c);
  }
  return c;
}

/**
 * The length that ranks a route of a `longest-prefix` group: the longest literal path prefix its condition
 * requires (nginx compares location prefixes by length).
 */
export function prefixLength(c: Condition): number {
  switch (c.kind) {
    case 'test':
      if (c.field !== 'path') return 0;
      return c.match.op === 'prefix' || c.match.op === 'exact' || c.match.op === 'segment-prefix' ? c.match.value.length : 0;
    case 'all':
      return Math.max(0, ...c.of.map(prefixLength));
    default:
      return 0;
  }
}
