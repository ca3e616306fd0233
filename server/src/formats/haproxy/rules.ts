/**
 * A proxy's request routing, read from its lines in HAProxy's processing order (configuration manual 4.2 and the
 * request analysers it describes):
 *   1. `http-request` rules in declaration order — a final action (`deny`, `tarpit`, `return`, `redirect`, `auth`,
 *      `reject`, `silent-drop`, `use-service`) answers the request itself; `allow` stops the evaluation of the
 *      following `http-request` rules; rewrites (`set-path`, `set-header`, …) change what later rules see;
 *   2. `redirect` rules ("exactly the same as the "redirect" statement" — evaluated after the http-request rules);
 *   3. `use_backend` rules in declaration order, the first match assigns the backend;
 *   4. `default_backend` (added by the caller).
 * Each becomes one route spec of a first-match group; tcp-mode proxies have no HTTP rules ("http-request" rules
 * are ignored outside `mode http`).
 */
import type { Bind, Condition, MatchCondition, Range, RouteResponse, SourceRef } from '../../model/types';
import { all, ALWAYS, ConditionLowering, not, opaque } from './acl';
import type { Line, Word } from './parser';

/** A route before its target is resolved (targets depend on other sections). */
export interface RuleSpec {
  line: Line;
  name: string;
  matchText: string;
  match: MatchCondition[];
  when: Condition;
  /** `use_backend <word>`; absent for rules that answer the request themselves. */
  backend?: Word;
  answer?: { reason: string; response: RouteResponse };
}

export interface RuleProblem {
  message: string;
  range: Range;
}

/** The lines of a proxy that route requests. */
export interface RoutingLines {
  acls: ReadonlyMap<string, readonly Line[]>;
  httpRequests: readonly Line[];
  redirects: readonly Line[];
  useBackends: readonly Line[];
}

/** `http-request` actions that answer the request and stop the processing. */
const FINAL = new Set(['deny', 'tarpit', 'return', 'redirect', 'auth', 'reject', 'silent-drop', 'use-service']);

/** `http-request` rewrites and the request fields they change for the rules after them. */
function rewritten(action: string, words: Word[]): string[] | undefined {
  const header = () => (words[2] && !words[2].hasVariable ? [`header:${words[2].value.toLowerCase()}`] : []);
  switch (action) {
    case 'set-path': case 'replace-path': return ['path', 'url'];
    case 'set-pathq': case 'replace-pathq': case 'normalize-uri': return ['path', 'query', 'url'];
    case 'set-query': return ['query', 'url'];
    case 'set-uri': case 'replace-uri': return ['path', 'query', 'url', 'header:host'];
    case 'set-method': return ['method'];
    case 'set-src': return ['src'];
    case 'set-dst-port': return ['port'];
    case 'set-header': case 'add-header': case 'del-header': case 'replace-header': case 'replace-value': return header();
  }
  return undefined;
}

/**
 * Condition words single-spaced, `or` written `||`, so that equal conditions have equal texts. Undefined when an
 * anonymous ACL `{ … }` is not closed.
 */
export function normaliseCondition(words: readonly Word[]): string | undefined {
  let depth = 0;
  const parts: string[] = [];
  for (const w of words) {
    if (w.value === '{') depth++;
    else if (w.value === '}') depth--;
    parts.push(w.value === 'or' && depth === 0 ? '||' : w.value);
  }
  return depth > 0 ? undefined : parts.join(' ');
}

export const directiveText = (line: Line) => line.words.map((w) => w.value).join(' ');

interface Guard {
  /** The legacy match (an opaque ACL text): equal texts are equal conditions (LB106, LB111, compare keys). */
  match: MatchCondition[];
  matchText: string;
  when: Condition;
}

/**
 * The guard `{if | unless} <condition>` starting at word `at` (or none when `at` is past the end). Undefined, with
 * a problem, when it is malformed.
 */
function guard(line: Line, at: number, lowering: ConditionLowering, problems: RuleProblem[]): Guard | undefined {
  const policy = line.words[at];
  if (!policy) return { match: [], matchText: '*', when: ALWAYS };
  const cond = line.words.slice(at + 1);
  const text = normaliseCondition(cond);
  const c = text === undefined ? undefined : lowering.lower(cond, line.words[0].range.start.line);
  if (text === undefined || !c) {
    const last = line.words[line.words.length - 1];
    problems.push({ message: "Missing closing '}' in the anonymous ACL.", range: { start: policy.range.start, end: last.range.end } });
    return undefined;
  }
  const negated = policy.value === 'unless';
  // `if TRUE` / `unless FALSE` always match (predefined ACLs, manual 7.4).
  if (text === (negated ? 'FALSE' : 'TRUE')) return { match: [], matchText: '*', when: ALWAYS };
  const m: MatchCondition = { field: 'acl', op: 'opaque', value: text };
  if (negated) m.negated = true;
  return { match: [m], matchText: `${policy.value} ${text}`, when: negated ? not(c) : c };
}

/** The index of the `if`/`unless` of a rule, searched from word `from` (the words' length when there is none). */
function policyIndex(line: Line, from: number): number {
  for (let k = from; k < line.words.length; k++) {
    const v = line.words[k].value;
    if (v === 'if' || v === 'unless') return k;
  }
  return line.words.length;
}

/** The status after `status` / `deny_status` / `code`, when written. */
function statusArg(words: Word[], keys: string[], end: number): number | undefined {
  for (let k = 0; k + 1 < end; k++) {
    if (keys.includes(words[k].value) && /^\d{3}$/.test(words[k + 1].value)) return Number(words[k + 1].value);
  }
  return undefined;
}

/**
 * A redirect rule's response: `location <loc>`, `prefix <pfx>` or `scheme <sch>`, `code <code>` (302 by default:
 * "Only codes 301, 302, 303, 307 and 308 are supported, with 302 used by default"), options. `from`: the word after
 * `redirect`; `end`: the `if`/`unless` word. Undefined when no type is given.
 */
function redirectOf(words: Word[], from: number, end: number): { response: RouteResponse; ignoreEmpty: boolean; dynamic: boolean } | undefined {
  let type: string | undefined;
  let value = '';
  let ignoreEmpty = false;
  for (let k = from; k < end; k++) {
    const v = words[k].value;
    if ((v === 'location' || v === 'prefix' || v === 'scheme') && type === undefined && k + 1 < end) {
      type = v;
      value = words[++k].value;
    } else if (v === 'code' || v === 'set-cookie' || v === 'clear-cookie') k++;
    else if (v === 'ignore-empty') ignoreEmpty = true;
  }
  if (!type) return undefined;
  const status = statusArg(words.slice(0, end), ['code'], end) ?? 302;
  const location = type === 'location' ? value : type === 'prefix' ? (value === '/' ? '(the same URL)' : `${value}<path>`) : `${value}://<host><path>`;
  return { response: { kind: 'redirect', status, location }, ignoreEmpty, dynamic: /%[[{A-Za-z]/.test(value) };
}

/** The answer of a final `http-request` action. */
function answerOf(action: string, words: Word[], end: number): { reason: string; response: RouteResponse } | undefined {
  switch (action) {
    // "By default an HTTP 403 error is returned" (deny), "an HTTP error 500" (tarpit), "The default status code
    // used for the response is 200" (return).
    case 'deny': return { reason: 'http-request deny', response: { kind: 'direct', status: statusArg(words, ['status', 'deny_status'], end) ?? 403 } };
    case 'tarpit': return { reason: 'http-request tarpit', response: { kind: 'direct', status: statusArg(words, ['status', 'deny_status'], end) ?? 500 } };
    case 'return': return { reason: 'http-request return', response: { kind: 'direct', status: statusArg(words, ['status'], end) ?? 200 } };
    case 'auth': return { reason: 'http-request auth', response: { kind: 'direct', status: 401 } };
    case 'reject': case 'silent-drop': return { reason: `http-request ${action}: the connection is closed without a response`, response: { kind: 'direct' } };
    case 'use-service': return { reason: `http-request use-service ${words[2]?.value ?? ''}`.trim(), response: { kind: 'direct' } };
  }
  return undefined;
}

/**
 * The route specs of one proxy, in HAProxy's order. `tcp`: the proxy is in tcp mode (no HTTP rules);
 * `terminatesTls`: some bind has `ssl`.
 */
export function routingSpecs(lines: RoutingLines, tcp: boolean, terminatesTls: boolean): { specs: RuleSpec[]; problems: RuleProblem[] } {
  const lowering = new ConditionLowering(lines.acls, tcp, terminatesTls);
  const specs: RuleSpec[] = [];
  const problems: RuleProblem[] = [];
  // Merge the three kinds of rules by their processing order, keeping each kind's declaration order; rewrites
  // and `allow` affect only the rules processed after them.
  if (!tcp) {
    const allowed: Condition[] = [];
    const allowedMatch: MatchCondition[] = [];
    for (const line of lines.httpRequests) {
      const w = line.words;
      const action = w[1]?.value;
      if (!action) continue;
      const at = policyIndex(line, 2);
      if (FINAL.has(action) || action === 'allow') {
        const g = guard(line, at, lowering, problems);
        if (!g) continue;
        if (action === 'allow') {
          allowed.push(g.when);
          // A later rule only sees requests the allow rule did not take.
          const m = g.match[0];
          if (!m) allowedMatch.push({ field: 'acl', op: 'opaque', value: 'FALSE' });
          else allowedMatch.push(m.negated ? { field: m.field, op: m.op, value: m.value } : { ...m, negated: true });
          continue;
        }
        let answer = answerOf(action, w, at);
        let when = allowed.length ? all([...allowed.map(not), g.when]) : g.when;
        if (action === 'redirect') {
          const r = redirectOf(w, 2, at);
          if (!r) continue;
          answer = { reason: 'http-request redirect', response: r.response };
          if (r.ignoreEmpty && r.dynamic) when = all([when, opaque(directiveText(line), 'ignore-empty: the rule is skipped when its location is empty')]);
        }
        if (!answer) continue;
        specs.push({
          line, name: directiveText(line), matchText: g.matchText,
          match: allowedMatch.length ? [...g.match, ...allowedMatch] : g.match,
          when, answer,
        });
        continue;
      }
      const fields = rewritten(action, w);
      if (fields?.length) {
        const g = guard(line, at, lowering, problems);
        const when = g ? (allowed.length ? all([...allowed.map(not), g.when]) : g.when) : ALWAYS;
        lowering.taint(fields, `http-request ${action} on line ${line.words[0].range.start.line + 1}`, when);
      }
    }
    for (const line of lines.redirects) {
      const at = policyIndex(line, 1);
      const r = redirectOf(line.words, 1, at);
      if (!r) continue;
      const g = guard(line, at, lowering, problems);
      if (!g) continue;
      specs.push({ line, name: directiveText(line), matchText: g.matchText, match: g.match, when: g.when, answer: { reason: 'redirect', response: r.response } });
    }
  }
  for (const line of lines.useBackends) {
    const policy = line.words[2];
    if (policy && policy.value !== 'if' && policy.value !== 'unless') {
      problems.push({ message: `Unexpected '${policy.value}' after the backend name: only 'if' and 'unless' are allowed.`, range: policy.range });
      continue;
    }
    const g = guard(line, 2, lowering, problems);
    if (!g) continue;
    specs.push({ line, name: directiveText(line), matchText: g.matchText, match: g.match, when: g.when, backend: line.words[1] });
  }
  return { specs, problems };
}

// ---- binds -------------------------------------------------------------------------------------------------------

/** At most this many binds per port range; a larger range is a bind on an unknown port. */
const MAX_RANGE = 256;

/**
 * The sockets of `bind` lines (manual 4.2 "bind"): `[<address>]:<port_range>[,…]` with `ssl` terminating TLS.
 * UNIX sockets, abstract namespaces and inherited file descriptors take no TCP request and are left out; an
 * address with environment variables is a bind on an unknown port. `tcp`: the proxy is in tcp mode (its binds
 * forward connections; without `ssl` a TLS client is passed through, so either scheme may arrive).
 */
export function bindsOf(lines: readonly Line[], tcp: boolean, ref: (r: Range) => SourceRef): Bind[] {
  const out: Bind[] = [];
  for (const line of lines) {
    const addr = line.words[1];
    if (!addr) continue;
    const ssl = line.words.some((w, k) => k > 1 && w.value === 'ssl');
    const source = ref(line.range);
    const base = (b: Partial<Bind>): Bind => {
      const bind: Bind = { ...b };
      if (ssl) bind.tls = true;
      else if (!tcp && !b.tls) bind.tls = false;
      bind.protocol = b.protocol ?? (tcp ? 'tcp' : 'http');
      bind.source = source;
      return bind;
    };
    if (addr.hasVariable || addr.value.includes('$')) {
      out.push(base({}));
      continue;
    }
    for (const element of addr.value.split(',')) {
      let e = element.trim();
      const family = /^([a-z0-9]+)@/.exec(e);
      let extra: Partial<Bind> = {};
      if (family) {
        const f = family[1];
        if (['unix', 'abns', 'fd', 'sockpair', 'uxst', 'uxdg', 'rhttp'].includes(f)) continue;
        if (f === 'quic4' || f === 'quic6') extra = { tls: true };
        else if (f.startsWith('udp')) extra = { protocol: 'udp' };
        e = e.slice(family[0].length);
      }
      if (e.startsWith('/') || e === '') continue;
      let host: string;
      let portText: string;
      const bracket = /^\[([^\]]*)\]:(.*)$/.exec(e);
      if (bracket) {
        host = bracket[1];
        portText = bracket[2];
      } else {
        const colon = e.lastIndexOf(':');
        if (colon < 0) continue; // "The port is mandatory for TCP listeners"
        host = e.slice(0, colon);
        portText = e.slice(colon + 1);
      }
      const address = host === '' || host === '*' || host === '0.0.0.0' || host === '::' ? undefined : host;
      const withAddress = (b: Partial<Bind>) => base(address ? { ...extra, ...b, address } : { ...extra, ...b });
      const single = /^\d{1,5}$/.exec(portText);
      const range = /^(\d{1,5})-(\d{1,5})$/.exec(portText);
      if (single) out.push(withAddress({ port: Number(portText) }));
      else if (range && Number(range[2]) >= Number(range[1]) && Number(range[2]) - Number(range[1]) < MAX_RANGE) {
        for (let p = Number(range[1]); p <= Number(range[2]); p++) out.push(withAddress({ port: p }));
      } else out.push(withAddress({}));
    }
  }
  return out;
}
