import type { Diagnostic } from '../analysis/analyze';
import { isAlias } from 'yaml';
import { parseRequest, RequestError } from '../analysis/routing/request';
import { loadYaml, isMap, isScalar, isSeq, type Node, type YamlDoc } from '../formats/yaml/yamlFile';
import type { Range } from '../model/types';
import type { FileSystem } from './fileSystem';
import type { DocumentAnalysis } from './languageService';
import { resolveFailed } from './preview';
import { routeInDocument, type RouteAnswer, type RouteQuery } from './routing';
import { basenameUri, dirnameUri, pathToUri, resolveUri, uriToPath } from './uri';

/**
 * Route tests: `*.lbtest.yaml` files of request → expected route / pool / server share assertions, run against
 * the routing engine's answer (`routeInDocument`) — the CLI's `lb-lens test` and the language server use this
 * module. Pure: the caller gives the text of the test file and a callback that analyses a config by URI.
 * The format is documented in docs/route-tests.md; the JSON Schema is schemas/route-tests.schema.json.
 *
 * Parsing never throws: YAML errors and malformed cases become problems with the range of the offending node,
 * and every well-formed case still runs.
 */

// ---- the file name ----------------------------------------------------------------------------------------------

const TEST_FILE = /\.lbtest\.ya?ml$/i;

/** `routes.lbtest.yaml` / `.lbtest.yml` (a URI or a path): a route test file, never a load-balancer config. */
export function isRouteTestFile(uriOrPath: string): boolean {
  return TEST_FILE.test(uriOrPath);
}

/** The glob editors watch (LSP `workspace/didChangeWatchedFiles`, the VS Code file watcher). */
export const ROUTE_TEST_GLOB = '**/*.lbtest.{yaml,yml}';

// ---- diagnostic codes (stable; documented in docs/route-tests.md) ----------------------------------------------

/** An assertion that does not hold: the routing answer differs from the expectation. */
export const LBT_FAILED = 'LBT01';
/** The test file or a case is malformed (YAML syntax, unknown key, wrong type, missing request…). */
export const LBT_MALFORMED = 'LBT02';
/** A case could not run: its config is missing or not a load-balancer config, or the request/entry/failed server is unknown. */
export const LBT_CANNOT_RUN = 'LBT03';

// ---- the parsed file ---------------------------------------------------------------------------------------------

export interface TestProblem {
  code: typeof LBT_FAILED | typeof LBT_MALFORMED | typeof LBT_CANNOT_RUN;
  message: string;
  range: Range;
}

/** How a share is compared: `90%` (±SHARE_TOLERANCE), `< 50%`, `>= 0.5`… */
export interface ShareCheck {
  op: '=' | '<' | '<=' | '>' | '>=';
  /** A fraction in [0, 1]. */
  value: number;
}

/**
 * Exact shares match within 0.05 percentage points: lb-lens prints shares with one decimal (33.3%), and a share
 * written as printed always matches (1/3 → "33.3%"), while "33%" does not pass for a third.
 */
export const SHARE_TOLERANCE = 0.0005;
/** Comparisons (`<`, `>=`…) are exact, up to floating-point noise. */
const EPSILON = 1e-9;

type Check =
  | { kind: 'outcome'; value: string }
  | { kind: 'status'; value: number }
  | { kind: 'route'; name?: string; line?: number; none?: boolean }
  | { kind: 'entry'; value: string }
  | { kind: 'pool'; value: string | null }
  | { kind: 'pools'; names: string[] }
  | { kind: 'poolShare'; name: string; share: ShareCheck; text: string }
  | { kind: 'serverShare'; key: string; share: ShareCheck; text: string }
  | { kind: 'serverNone'; key: string };

export interface Assertion {
  /** `pool`, `servers`, `not.pool`… (what the case wrote). */
  key: string;
  negated: boolean;
  check: Check;
  /** The range of the assertion in the test file (the `key: value` pair). */
  range: Range;
}

export interface TestCase {
  name: string;
  /** The list item of the case. */
  range: Range;
  /** Where the case's name (else its request) is written: the line reports point at. */
  nameRange: Range;
  request?: string;
  requestRange: Range;
  query?: RouteQuery;
  /** The config's URI (the case's own, else the file's). */
  config?: string;
  configText?: string;
  configRange?: Range;
  /** Ranges of the case's `entry` and `fail` (errors about them point there). */
  entryRange?: Range;
  failRange?: Range;
  assertions: Assertion[];
  /** `expect: { entry: null }`: no entry point may take the request. */
  expectNoEntry?: { range: Range };
  /** Malformed: the case does not run. */
  problems: TestProblem[];
}

export interface RouteTestFile {
  uri: string;
  /** The file-level `config` (resolved URI), with the text as written and its range. */
  config?: { uri: string; text: string; range: Range };
  cases: TestCase[];
  /** Problems outside any case (YAML syntax, top-level keys, a missing `tests` list). */
  problems: TestProblem[];
}

const CASE_KEYS = ['name', 'request', 'headers', 'sni', 'port', 'entry', 'fail', 'config', 'expect'];
const EXPECT_KEYS = ['outcome', 'status', 'route', 'entry', 'pool', 'pools', 'servers', 'not'];
const NOT_KEYS = ['outcome', 'status', 'route', 'entry', 'pool', 'pools', 'servers'];
const TOP_KEYS = ['config', 'tests'];
const OUTCOMES = ['pool', 'redirect', 'direct', 'no-backend', 'dynamic'];

/** Parse a route test file. Never throws. */
export function parseRouteTests(uri: string, text: string): RouteTestFile {
  const out: RouteTestFile = { uri, cases: [], problems: [] };
  const yaml = loadYaml(text);
  // Every YAML error of the document (loadYaml keeps only the first, as one LB001 per config document): each case
  // reports the first error inside it, so a mistake in one case does not hide another's.
  const yamlProblems: TestProblem[] = yaml.docs[0]
    ? yaml.docs[0].document.errors.map((e) => {
        const base = yaml.docs[0].base;
        const [from, to] = e.pos ?? [0, 0];
        return { code: LBT_MALFORMED, message: `YAML: ${e.message.split('\n')[0]}`, range: yaml.lines.range(base + from, base + Math.max(to, from + 1)) } as TestProblem;
      })
    : yaml.errors.map((e) => ({ code: LBT_MALFORMED, message: `YAML: ${e.message}`, range: e.range }));
  const whole = yaml.lines.range(0, text.length);
  const doc = yaml.docs[0];
  if (yaml.docs.length > 1) out.problems.push({ code: LBT_MALFORMED, message: 'a route test file holds one YAML document: the ones after the first are ignored', range: yaml.docs[1].range(yaml.docs[1].root) });
  const root = doc?.root;
  if (!doc || !isMap(root)) {
    out.problems.push(...yamlProblems.slice(0, 1));
    if (!yaml.errors.length) out.problems.push({ code: LBT_MALFORMED, message: 'expected a map with `config` and `tests` (see docs/route-tests.md)', range: doc && root ? doc.range(root) : firstLine(whole) });
    return out;
  }
  const dir = dirnameUri(uri);
  let testsNode: Node | undefined;
  for (const p of root.items) {
    const key = keyOf(p.key);
    const value = deref(doc, p.value);
    if (key === 'config') {
      const s = stringValue(value);
      if (s === undefined || !s.trim()) out.problems.push({ code: LBT_MALFORMED, message: '`config` is the path of the config file, relative to this file', range: doc.range(value ?? (p.key as Node)) });
      else out.config = { uri: resolveUri(dir, s.trim()), text: s.trim(), range: doc.range(value) };
    } else if (key === 'tests') testsNode = value;
    else out.problems.push(unknownKey(doc, p.key as Node, key, TOP_KEYS, 'at the top of a route test file'));
  }
  if (!testsNode || !isSeq(testsNode)) {
    out.problems.push(...yamlProblems.slice(0, 1));
    out.problems.push({ code: LBT_MALFORMED, message: '`tests` must be a list of cases (`- name: …, request: …, expect: …`)', range: testsNode ? doc.range(testsNode) : doc.keyRange(root, 'tests') ?? firstLine(whole) });
    return out;
  }
  for (const item of testsNode.items as Node[]) out.cases.push(parseCase(doc, deref(doc, item) ?? item, out, dir));
  // A case that a YAML syntax error cuts through may be read wrongly: the error is the case's, and it does not run.
  const reported = new Set<TestCase>();
  let outside = false;
  for (const p of yamlProblems) {
    const c = out.cases.find((x) => overlaps(x.range, p.range));
    if (c) {
      if (!reported.has(c)) c.problems.unshift(p);
      reported.add(c);
    } else if (!outside) {
      out.problems.push(p);
      outside = true;
    }
  }
  return out;
}

function parseCase(doc: YamlDoc, item: Node, file: RouteTestFile, dir: string): TestCase {
  const range = doc.range(item);
  const c: TestCase = { name: '', range, nameRange: firstLineOf(range), requestRange: firstLineOf(range), assertions: [], problems: [] };
  const bad = (node: Node | undefined | null, message: string) => c.problems.push({ code: LBT_MALFORMED, message, range: node ? doc.range(node) : c.nameRange });
  if (!isMap(item)) {
    c.name = `case ${file.cases.length + 1}`;
    bad(item, 'a case is a map: `- name: …`, `request: "GET http://…"`, `expect: { … }`');
    return c;
  }
  const query: RouteQuery = { request: '' };
  let expectNode: Node | undefined;
  let expectKey: Node | undefined;
  for (const p of item.items) {
    const key = keyOf(p.key);
    const value = deref(doc, p.value);
    switch (key) {
      case 'name': {
        const s = stringValue(value);
        if (s === undefined) bad(value ?? (p.key as Node), '`name` is a string');
        else {
          c.name = s;
          c.nameRange = doc.range(value);
        }
        break;
      }
      case 'request': {
        const s = stringValue(value);
        if (s === undefined || !s.trim()) bad(value ?? (p.key as Node), '`request` is "[METHOD] URL", e.g. "GET https://shop.example.com/api/users"');
        else {
          c.request = s.trim();
          c.requestRange = doc.range(value);
          try {
            parseRequest(c.request);
          } catch (e) {
            if (e instanceof RequestError) bad(value, `request: ${e.message}`);
            else throw e;
          }
        }
        break;
      }
      case 'headers':
        query.headers = parseHeaders(doc, value, (n, m) => bad(n, m));
        if (query.headers) {
          try {
            parseRequest('/', { headers: query.headers });
          } catch (e) {
            if (e instanceof RequestError) bad(value, `headers: ${e.message}`);
            else throw e;
          }
        }
        break;
      case 'sni': {
        const s = stringValue(value);
        if (s === undefined) bad(value ?? (p.key as Node), '`sni` is the TLS server name (a string)');
        else query.sni = s;
        break;
      }
      case 'port': {
        const n = numberValue(value);
        if (!Number.isInteger(n) || n < 1 || n > 65535) bad(value ?? (p.key as Node), '`port` is the connection port, 1-65535');
        else query.port = n;
        break;
      }
      case 'entry': {
        const s = stringValue(value);
        if (s === undefined || !s.trim()) bad(value ?? (p.key as Node), '`entry` names one entry point (`frontend fe_http` or `fe_http`)');
        else {
          query.entry = s.trim();
          c.entryRange = doc.range(value);
        }
        break;
      }
      case 'fail': {
        const list = stringList(value);
        if (!list || !list.length) bad(value ?? (p.key as Node), '`fail` is a server (name, `pool/name` or address) or a list of them');
        else {
          query.fail = list;
          c.failRange = doc.range(value);
        }
        break;
      }
      case 'config': {
        const s = stringValue(value);
        if (s === undefined || !s.trim()) bad(value ?? (p.key as Node), '`config` is the path of the config file, relative to this file');
        else {
          c.config = resolveUri(dir, s.trim());
          c.configText = s.trim();
          c.configRange = doc.range(value);
        }
        break;
      }
      case 'expect':
        expectNode = value;
        expectKey = p.key as Node;
        break;
      default:
        c.problems.push(unknownKey(doc, p.key as Node, key, CASE_KEYS, 'in a case'));
    }
  }
  if (!c.name) c.name = c.request ?? `case ${file.cases.length + 1}`;
  if (c.request === undefined && !c.problems.some((p) => /^`request`/.test(p.message))) bad(undefined, 'the case has no `request` ("[METHOD] URL")');
  if (!c.config && file.config) {
    c.config = file.config.uri;
    c.configText = file.config.text;
    c.configRange = file.config.range;
  }
  if (!c.config) bad(undefined, 'no config to route through: set `config:` at the top of the file or in the case');
  query.request = c.request ?? '';
  c.query = query;
  if (!expectNode || !isMap(expectNode)) {
    bad(expectNode ?? expectKey, expectNode ? '`expect` is a map of assertions (`pool: api`, `servers: { … }`…)' : 'the case has no `expect` (what should happen to the request)');
  } else {
    parseExpect(doc, expectNode, c, false);
    if (!c.assertions.length && !c.expectNoEntry && !c.problems.length) bad(expectNode, '`expect` has no assertions');
    if (c.expectNoEntry && c.assertions.length) bad(expectNode, '`entry: null` (no entry point takes the request) cannot be combined with other assertions');
  }
  return c;
}

function parseExpect(doc: YamlDoc, map: Node, c: TestCase, negated: boolean): void {
  if (!isMap(map)) return;
  const bad = (node: Node | undefined | null, message: string) => c.problems.push({ code: LBT_MALFORMED, message, range: node ? doc.range(node) : c.nameRange });
  const prefix = negated ? 'not.' : '';
  for (const p of map.items) {
    const key = keyOf(p.key);
    const value = deref(doc, p.value);
    const range = doc.range(p);
    const add = (check: Check) => c.assertions.push({ key: prefix + key, negated, check, range });
    switch (key) {
      case 'outcome': {
        const s = stringValue(value);
        if (s === undefined || !OUTCOMES.includes(s)) bad(value ?? (p.key as Node), `\`outcome\` is one of ${OUTCOMES.join(', ')}`);
        else add({ kind: 'outcome', value: s });
        break;
      }
      case 'status': {
        const n = numberValue(value);
        if (!Number.isInteger(n) || n < 100 || n > 599) bad(value ?? (p.key as Node), '`status` is an HTTP status code (100-599)');
        else add({ kind: 'status', value: n });
        break;
      }
      case 'route': {
        if (isNull(value)) {
          if (negated) bad(value ?? (p.key as Node), '`not: { route: null }`: write the route that should take the request instead');
          else add({ kind: 'route', none: true });
        } else if (isMap(value)) {
          let name: string | undefined;
          let line: number | undefined;
          for (const q of value.items) {
            const k = keyOf(q.key);
            const v = deref(doc, q.value);
            if (k === 'name') {
              name = stringValue(v);
              if (name === undefined) bad(v ?? (q.key as Node), '`route.name` is the route\'s name (`location /api/`, `use_backend be_api if is_api`)');
            } else if (k === 'line') {
              const n = numberValue(v);
              if (!Number.isInteger(n) || n < 1) bad(v ?? (q.key as Node), '`route.line` is the 1-based line of the route in its file');
              else line = n;
            } else c.problems.push(unknownKey(doc, q.key as Node, k, ['name', 'line'], 'in `route`'));
          }
          if (name === undefined && line === undefined) bad(value, '`route` needs a `name` or a `line`');
          else add({ kind: 'route', name, line });
        } else {
          const s = stringValue(value);
          if (s === undefined || !s.trim()) bad(value ?? (p.key as Node), '`route` is the route\'s name, `{ name, line }`, or null (no route)');
          else add({ kind: 'route', name: s.trim() });
        }
        break;
      }
      case 'entry': {
        if (isNull(value) && !negated) {
          c.expectNoEntry = { range };
          break;
        }
        const s = stringValue(value);
        if (s === undefined || !s.trim()) bad(value ?? (p.key as Node), negated ? '`not.entry` names an entry point' : '`entry` names the entry point that takes the request, or null (none does)');
        else add({ kind: 'entry', value: s.trim() });
        break;
      }
      case 'pool': {
        if (isNull(value)) {
          if (negated) bad(value ?? (p.key as Node), '`not: { pool: null }`: use `outcome: pool` to say the request goes to a pool');
          else add({ kind: 'pool', value: null });
          break;
        }
        const s = stringValue(value);
        if (s === undefined || !s.trim()) bad(value ?? (p.key as Node), '`pool` is the name of the pool (backend, cluster, upstream, service) that takes all of the request');
        else add({ kind: 'pool', value: s.trim() });
        break;
      }
      case 'pools':
        if (isSeq(value)) {
          const names = stringList(value);
          if (!names || !names.length) bad(value, '`pools` is a list of pool names, or a map of pool name → share');
          else add({ kind: 'pools', names });
        } else if (isMap(value)) {
          if (!value.items.length) bad(value, '`pools` is empty');
          for (const q of value.items) {
            const name = keyOf(q.key);
            const v = deref(doc, q.value);
            const share = parseShare(isScalar(v) ? v.value : undefined);
            const r = doc.range(q);
            if (typeof share === 'string') bad(v ?? (q.key as Node), share);
            else c.assertions.push({ key: `${prefix}pools.${name}`, negated, check: { kind: 'poolShare', name, share, text: shareText(share) }, range: r });
          }
        } else bad(value ?? (p.key as Node), '`pools` is a list of pool names, or a map of pool name → share');
        break;
      case 'servers':
        if (isMap(value)) {
          if (!value.items.length) bad(value, '`servers` is empty');
          for (const q of value.items) {
            const name = keyOf(q.key);
            const v = deref(doc, q.value);
            const share = parseShare(isScalar(v) ? v.value : undefined);
            const r = doc.range(q);
            if (typeof share === 'string') bad(v ?? (q.key as Node), share);
            else c.assertions.push({ key: `${prefix}servers.${name}`, negated, check: { kind: 'serverShare', key: name, share, text: shareText(share) }, range: r });
          }
        } else if (isSeq(value) && negated) {
          const names = stringList(value);
          if (!names || !names.length) bad(value, '`not.servers` is a list of servers that must get nothing, or a map of server → share');
          else for (const [i, n] of names.entries()) c.assertions.push({ key: `not.servers.${n}`, negated, check: { kind: 'serverNone', key: n }, range: doc.range((value.items as Node[])[i]) });
        } else bad(value ?? (p.key as Node), negated ? '`not.servers` is a list of servers that must get nothing, or a map of server → share' : '`servers` is a map of server (name, `pool/name` or address, or `*` for every server) → share ("90%", 0.9, "< 50%")');
        break;
      case 'not':
        if (negated) bad(p.key as Node, '`not` cannot be nested');
        else if (!isMap(value) || !value.items.length) bad(value ?? (p.key as Node), '`not` is a map of assertions that must NOT hold (`pool: web`, `servers: [10.0.0.5]`…)');
        else parseExpect(doc, value, c, true);
        break;
      default:
        c.problems.push(unknownKey(doc, p.key as Node, key, negated ? NOT_KEYS : EXPECT_KEYS, negated ? 'in `not`' : 'in `expect`'));
    }
  }
}

/**
 * `90%`, `0.9`, `"< 50%"`, `">= 0.5"`, `≤ 10%`, `at most 10%`… → a check; a string says what is wrong. A bare
 * number is a fraction of 1 (a number above 1 is an error: it would be ambiguous).
 */
export function parseShare(v: unknown): ShareCheck | string {
  const hint = 'a share is "90%", 0.9, or a comparison such as "< 50%", ">= 0.5", "at most 10%" (quote values that start with > in YAML)';
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0 || v > 1) return `${v} is not a share: ${hint}`;
    return { op: '=', value: v };
  }
  if (typeof v !== 'string') return hint;
  const m = /^\s*(<=|>=|==|=|<|>|≤|≥|at most|at least|more than|less than|below|above)?\s*(\d+(?:\.\d+)?|\.\d+)\s*(%)?\s*$/.exec(v);
  if (!m) return `"${v}" is not a share: ${hint}`;
  const ops: Record<string, ShareCheck['op']> = { '<': '<', '<=': '<=', '≤': '<=', 'at most': '<=', 'less than': '<', below: '<', '>': '>', '>=': '>=', '≥': '>=', 'at least': '>=', 'more than': '>', above: '>', '=': '=', '==': '=' };
  const op = ops[m[1] ?? '='];
  const n = Number(m[2]);
  const value = m[3] ? n / 100 : n;
  if (value > 1 + EPSILON) return m[3] ? `${v}: a share is at most 100%` : `${v}: write a percentage ("${n}%") or a fraction of 1`;
  return { op, value };
}

export function shareText(s: ShareCheck): string {
  const p = pct(s.value);
  switch (s.op) {
    case '=':
      return p;
    case '<':
      return `below ${p}`;
    case '<=':
      return `at most ${p}`;
    case '>':
      return `above ${p}`;
    case '>=':
      return `at least ${p}`;
  }
}

export function shareHolds(s: ShareCheck, actual: number): boolean {
  switch (s.op) {
    case '=':
      return Math.abs(actual - s.value) <= SHARE_TOLERANCE + EPSILON;
    case '<':
      return actual < s.value - EPSILON;
    case '<=':
      return actual <= s.value + EPSILON;
    case '>':
      return actual > s.value + EPSILON;
    case '>=':
      return actual >= s.value - EPSILON;
  }
}

/** A share as people read it: `90%`, `33.3%`, `0.05%`. */
export function pct(x: number): string {
  const p = x * 100;
  const r = Math.round(p * 10) / 10;
  if (r === 0 && p > 0) return `${Number(p.toPrecision(2))}%`;
  return `${Number.isInteger(r) ? r.toFixed(0) : r.toFixed(1)}%`;
}

function parseHeaders(doc: YamlDoc, node: Node | undefined, bad: (n: Node | undefined, m: string) => void): string[] | undefined {
  const why = '`headers` is a map (`X-Canary: "yes"`) or a list of "Name: value" lines';
  if (isMap(node)) {
    const out: string[] = [];
    for (const p of node.items) {
      const name = keyOf(p.key);
      const v = deref(doc, p.value);
      const values = isSeq(v) ? stringList(v) : (() => {
        const s = isNull(v) ? '' : stringValue(v);
        return s === undefined ? undefined : [s];
      })();
      if (!values) bad(v ?? (p.key as Node), `header ${name}: a value is a string (or a list of strings for a repeated header)`);
      else for (const x of values) out.push(`${name}: ${x}`);
    }
    return out;
  }
  if (isSeq(node)) {
    const out: string[] = [];
    for (const it of node.items as Node[]) {
      const s = stringValue(it);
      if (s === undefined) bad(it, why);
      else out.push(s);
    }
    return out;
  }
  bad(node, why);
  return undefined;
}

/** A number written as a number (`port: 8080`; a quoted "8080" is a string, as JSON Schema reads it). */
const numberValue = (n: Node | undefined): number => (isScalar(n) && typeof n.value === 'number' ? n.value : NaN);
/**
 * A value node, through an alias (`headers: *canary` after `headers: &canary { … }`): cases may share values with
 * YAML anchors; ranges are then the anchor's. Merge keys (`<<`) are not YAML 1.2 and are not supported.
 */
function deref(doc: YamlDoc, n: unknown): Node | undefined {
  if (isAlias(n)) return (n.resolve(doc.document) as Node | undefined) ?? undefined;
  return (n as Node | null) ?? undefined;
}
const keyOf = (k: unknown): string => (isScalar(k) ? String(k.value) : String(k));
const isNull = (n: Node | undefined): boolean => n === undefined || (isScalar(n) && n.value === null);

/** A scalar as a string (numbers and booleans too: `port: 80` reads as "80" where a string is expected). */
function stringValue(n: Node | undefined): string | undefined {
  if (!isScalar(n) || n.value === null || n.value === undefined || typeof n.value === 'object') return undefined;
  return String(n.value);
}

function stringList(n: Node | undefined): string[] | undefined {
  if (isSeq(n)) {
    const out: string[] = [];
    for (const it of n.items as Node[]) {
      const s = stringValue(it);
      if (s === undefined) return undefined;
      out.push(s);
    }
    return out;
  }
  const s = stringValue(n);
  return s === undefined ? undefined : [s];
}

function unknownKey(doc: YamlDoc, keyNode: Node, key: string, known: string[], where: string): TestProblem {
  const near = closest(key, known);
  return { code: LBT_MALFORMED, message: `unknown key "${key}" ${where}${near ? ` (did you mean "${near}"?)` : ` (expected ${known.join(', ')})`}`, range: doc.range(keyNode) };
}

function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

const firstLine = (r: Range): Range => ({ start: r.start, end: { line: r.start.line, character: r.start.line === r.end.line ? r.end.character : r.start.character + 1 } });
const firstLineOf = firstLine;

function overlaps(a: Range, b: Range): boolean {
  const before = (x: Range['start'], y: Range['start']) => x.line < y.line || (x.line === y.line && x.character <= y.character);
  return before(a.start, b.end) && before(b.start, a.end);
}

// ---- running ----------------------------------------------------------------------------------------------------

/** The analysis of a config by URI, or why there is none (missing, unreadable, not a load-balancer config). */
export type ConfigProvider = (uri: string) => DocumentAnalysis | { error: string };

export interface CaseFailure {
  message: string;
  range: Range;
  code: TestProblem['code'];
}

export interface CaseResult {
  name: string;
  status: 'pass' | 'fail' | 'error';
  /** The case's range and the range of its name (else its request). */
  range: Range;
  nameRange: Range;
  request?: string;
  /** The config's URI. */
  config?: string;
  /** Failed assertions (status `fail`) or why the case could not run (status `error`). */
  failures: CaseFailure[];
  /** What the routing engine answered (absent when the case did not run). */
  actual?: RouteAnswer[];
  /** Milliseconds the case took (its config's analysis included when it was the first to need it). */
  durationMs: number;
}

export interface RouteTestRun {
  uri: string;
  cases: CaseResult[];
  /** Problems outside any case. */
  problems: TestProblem[];
  /** The configs the cases used (URIs), and every file their analyses read (includes, the enclosing nginx.conf). */
  configs: string[];
  reads: string[];
}

/**
 * Run every case of a parsed file. `show` turns a config URI into what messages print (a relative path). Each
 * config is analysed once per run (through `provide`, which may cache as it likes).
 */
export function runRouteTests(file: RouteTestFile, provide: ConfigProvider, show: (uri: string) => string = basenameUri): RouteTestRun {
  const analyses = new Map<string, DocumentAnalysis | { error: string }>();
  const get = (uri: string) => {
    let a = analyses.get(uri);
    if (!a) {
      try {
        a = provide(uri);
      } catch (e) {
        a = { error: (e as Error).message };
      }
      analyses.set(uri, a);
    }
    return a;
  };
  const cases = file.cases.map((c) => {
    const t0 = performance.now();
    const r = runCase(c, get, show);
    r.durationMs = performance.now() - t0;
    return r;
  });
  const configs = [...analyses.keys()];
  const reads = new Set<string>(configs);
  for (const a of analyses.values()) if (!('error' in a)) for (const f of a.model.files) reads.add(f);
  return { uri: file.uri, cases, problems: file.problems, configs, reads: [...reads] };
}

function runCase(c: TestCase, get: (uri: string) => DocumentAnalysis | { error: string }, show: (uri: string) => string): CaseResult {
  const base: CaseResult = { name: c.name, status: 'error', range: c.range, nameRange: c.nameRange, request: c.request, config: c.config, failures: [], durationMs: 0 };
  if (c.problems.length) return { ...base, failures: c.problems.map((p) => ({ ...p })) };
  const a = get(c.config!);
  if ('error' in a) return { ...base, failures: [{ code: LBT_CANNOT_RUN, message: `config ${c.configText}: ${a.error}`, range: c.configRange ?? c.nameRange }] };
  const res = routeInDocument(a, c.query!, show);
  if ('error' in res) {
    const range = /^no server matches/.test(res.error) ? c.failRange : /^no entry point is named/.test(res.error) ? c.entryRange : c.requestRange;
    return { ...base, failures: [{ code: LBT_CANNOT_RUN, message: res.error, range: range ?? c.requestRange }] };
  }
  const failures: CaseFailure[] = [];
  const results = res.results;
  if (c.expectNoEntry) {
    if (results.length) failures.push({ code: LBT_FAILED, message: `expected no entry point to take ${res.request}, but ${results.map((r) => `${r.entry.name}${context(r)}`).join('; ')} does`, range: c.expectNoEntry.range });
  } else if (!results.length) {
    failures.push({ code: LBT_FAILED, message: `no entry point of ${show(c.config!)} takes ${res.request} (check the port, the scheme, \`port\` and \`entry\`)`, range: c.requestRange });
  } else {
    for (const r of results) {
      const label = results.length > 1 ? `${r.entry.name}: ` : '';
      for (const as of c.assertions) {
        const msg = checkAssertion(as, r, a);
        if (msg) failures.push({ code: LBT_FAILED, message: label + msg, range: as.range });
      }
    }
  }
  return { ...base, status: failures.length ? 'fail' : 'pass', failures, actual: results };
}

/** ` (route location / at nginx.conf:12)` — where the answer came from, after what else is worth saying. */
function context(r: RouteAnswer, ...more: Array<string | undefined>): string {
  const parts = more.filter((x): x is string => !!x);
  parts.push(r.route ? `route ${r.route.name} at ${r.route.file}:${r.route.line}` : `no route: ${r.summary}`);
  return ` (${parts.join('; ')})`;
}

function outcomeText(r: RouteAnswer): string {
  if (r.outcome === 'pool') return r.pools.length ? `pool ${r.pools.map((p) => p.name).join(' + ')}` : 'pool';
  return `${r.outcome}${r.status !== undefined ? ` ${r.status}` : ''}`;
}

const entryNamed = (name: string, wanted: string): boolean => {
  const n = wanted.trim().toLowerCase();
  const full = name.toLowerCase();
  return full === n || full.split(/\s+/).slice(1).join(' ') === n || full.endsWith(` ${n}`);
};

/** Pools that get some of the request. */
const poolsTaking = (r: RouteAnswer) => r.pools.filter((p) => p.share > EPSILON);

/** The result's servers a key names (a name, `pool/name`, an address as written or normalised, `pool/address`), or undefined when no server of the config has that name. */
function serversNamed(key: string, r: RouteAnswer, a: DocumentAnalysis): RouteAnswer['servers'] | undefined {
  const slash = key.indexOf('/');
  const poolPart = slash > 0 ? key.slice(0, slash) : undefined;
  const { ids } = resolveFailed(a.index, [key]);
  if (poolPart !== undefined && !ids.size) {
    // `pool/address`: the address inside that pool.
    const pool = a.model.pools.find((p) => p.name === poolPart);
    const addr = key.slice(slash + 1);
    for (const s of pool?.servers ?? []) if (s.address === addr || s.addressKey === addr.toLowerCase()) ids.add(s.id);
  }
  if (!ids.size) return undefined;
  const wanted = new Set<string>();
  for (const p of a.model.pools) for (const s of p.servers) if (ids.has(s.id)) wanted.add(`${p.name}\u0000${s.name ?? ''}\u0000${s.address}`);
  return r.servers.filter((s) => wanted.has(`${s.pool}\u0000${s.name ?? ''}\u0000${s.address}`));
}

const serverLabel = (s: RouteAnswer['servers'][number]) => (s.name ? `${s.name} (${s.address})` : s.address);

function knownServers(a: DocumentAnalysis): string {
  const names = a.model.pools.flatMap((p) => p.servers.map((s) => s.name ?? s.address));
  const uniq = [...new Set(names)];
  return uniq.length ? `${uniq.slice(0, 6).join(', ')}${uniq.length > 6 ? ', …' : ''}` : 'none';
}

/** The failure message of one assertion on one result, or undefined when it holds. */
function checkAssertion(as: Assertion, r: RouteAnswer, a: DocumentAnalysis): string | undefined {
  const ctx = context(r);
  const ch = as.check;
  const neg = as.negated;
  switch (ch.kind) {
    case 'outcome': {
      const ok = r.outcome === ch.value;
      if (ok === !neg) return undefined;
      return neg ? `expected an outcome other than ${ch.value}, got ${outcomeText(r)}${ctx}` : `expected outcome ${ch.value}, got ${outcomeText(r)}${ctx}`;
    }
    case 'status': {
      const ok = r.status === ch.value;
      if (ok === !neg) return undefined;
      if (neg) return `expected a status other than ${ch.value}, got ${ch.value}${ctx}`;
      return `expected status ${ch.value}, got ${r.status !== undefined ? r.status : `no status (${outcomeText(r)})`}${ctx}`;
    }
    case 'route': {
      const got = r.route ? `${r.route.name} at ${r.route.file}:${r.route.line}` : `no route (${r.summary})`;
      if (ch.none) return r.route ? `expected no route to take the request, got route ${got}` : undefined;
      const ok = !!r.route && (ch.name === undefined || r.route.name === ch.name) && (ch.line === undefined || r.route.line === ch.line);
      if (ok === !neg) return undefined;
      const want = [ch.name, ch.line !== undefined ? `line ${ch.line}` : undefined].filter(Boolean).join(' at ');
      return neg ? `expected a route other than ${want}, got route ${got}` : `expected route ${want}, got ${r.route ? `route ${got}` : got}`;
    }
    case 'entry': {
      const ok = entryNamed(r.entry.name, ch.value);
      if (ok === !neg) return undefined;
      return neg ? `expected an entry point other than ${ch.value}, got ${r.entry.name}` : `expected entry point ${ch.value}, got ${r.entry.name}`;
    }
    case 'pool': {
      const taking = poolsTaking(r);
      const got = taking.length ? `pool ${taking.map((p) => (taking.length > 1 ? `${p.name} ${pct(p.share)}` : p.name)).join(', ')}` : `no pool (${outcomeText(r)})`;
      if (ch.value === null) return taking.length ? `expected no pool, got ${got}${ctx}` : undefined;
      if (neg) return taking.some((p) => p.name === ch.value) ? `expected the request not to reach pool ${ch.value}, got ${got}${ctx}` : undefined;
      if (taking.length === 1 && taking[0].name === ch.value) return undefined;
      if (!a.model.pools.some((p) => p.name === ch.value)) return `expected pool ${ch.value}, but ${show1(a)} has no pool named ${ch.value}; got ${got}${ctx}`;
      return `expected pool ${ch.value}, got ${got}${ctx}`;
    }
    case 'pools': {
      const taking = poolsTaking(r).map((p) => p.name);
      if (neg) {
        const hit = ch.names.filter((n) => taking.includes(n));
        return hit.length ? `expected the request not to reach ${hit.map((n) => `pool ${n}`).join(', ')}, got ${taking.join(' + ')}${ctx}` : undefined;
      }
      const want = [...new Set(ch.names)].sort();
      const got = [...new Set(taking)].sort();
      if (want.length === got.length && want.every((n, i) => n === got[i])) return undefined;
      return `expected pools ${want.join(', ')}, got ${got.length ? poolsTaking(r).map((p) => `${p.name} ${pct(p.share)}`).join(', ') : `no pool (${outcomeText(r)})`}${ctx}`;
    }
    case 'poolShare': {
      if (!a.model.pools.some((p) => p.name === ch.name)) return `${show1(a)} has no pool named ${ch.name} (pools: ${a.model.pools.map((p) => p.name).slice(0, 8).join(', ') || 'none'})`;
      const actual = r.pools.filter((p) => p.name === ch.name).reduce((s, p) => s + p.share, 0);
      const ok = shareHolds(ch.share, actual);
      if (ok === !neg) return undefined;
      return neg ? `expected pool ${ch.name} not to get ${ch.text}, got ${pct(actual)}${ctx}` : `expected pool ${ch.name} to get ${ch.text}, got ${pct(actual)}${ctx}`;
    }
    case 'serverShare': {
      if (ch.key === '*') {
        if (!r.servers.length) return neg ? undefined : `expected every server to get ${ch.text}, but the request reaches no server (${outcomeText(r)})${ctx}`;
        for (const s of r.servers) {
          const ok = shareHolds(ch.share, s.share);
          if (ok !== !neg) return `expected ${neg ? 'no server' : 'every server'} to get ${ch.text}, got ${serverLabel(s)} ${pct(s.share)}${context(r, `pool ${s.pool}`)}`;
        }
        return undefined;
      }
      const matched = serversNamed(ch.key, r, a);
      if (!matched) return `${show1(a)} has no server ${ch.key} (servers: ${knownServers(a)})`;
      const actual = matched.reduce((s, x) => s + x.share, 0);
      const ok = shareHolds(ch.share, actual);
      if (ok === !neg) return undefined;
      const states = matched.map((s) => (s.failed ? 'failed' : s.state !== 'active' ? s.state : undefined)).filter(Boolean);
      const where = matched.length
        ? `${states.length === matched.length ? `${[...new Set(states)].join(', ')}, ` : ''}pool ${[...new Set(matched.map((s) => s.pool))].join(', ')}`
        : r.servers.length ? `not in pool ${[...new Set(r.servers.map((s) => s.pool))].join(', ')}, which takes the request` : `the request reaches no server: ${outcomeText(r)}`;
      const got = `got ${pct(actual)}${context(r, where)}`;
      return neg ? `expected ${ch.key} not to get ${ch.text}, ${got}` : `expected ${ch.key} to get ${ch.text}, ${got}`;
    }
    case 'serverNone': {
      const matched = serversNamed(ch.key, r, a);
      if (!matched) return `${show1(a)} has no server ${ch.key} (servers: ${knownServers(a)})`;
      const actual = matched.reduce((s, x) => s + x.share, 0);
      return actual > EPSILON ? `expected ${ch.key} to get none of the request, got ${pct(actual)}${ctx}` : undefined;
    }
  }
}

const show1 = (a: DocumentAnalysis) => basenameUri(a.uri);

/** Parse and run a test file in one go. */
export function checkRouteTestFile(uri: string, text: string, provide: ConfigProvider, show?: (uri: string) => string): RouteTestRun {
  return runRouteTests(parseRouteTests(uri, text), provide, show);
}

/**
 * The run's findings as diagnostics on the test file (LBT01 a failing assertion, LBT02 malformed, LBT03 cannot
 * run), one per distinct range and message: a config that cannot be read is one diagnostic on its `config` line,
 * not one per case.
 */
export function routeTestDiagnostics(run: RouteTestRun): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  const add = (p: { code: string; message: string; range: Range }) => {
    const key = `${p.code}|${p.range.start.line}:${p.range.start.character}|${p.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ ruleId: p.code, severity: 'error', message: p.message, uri: run.uri, range: p.range });
  };
  for (const p of run.problems) add(p);
  for (const c of run.cases) for (const f of c.failures) add(f);
  return out;
}

export interface RunSummary {
  /** Cases. */
  tests: number;
  passed: number;
  failed: number;
  /** Cases that could not run (malformed, config missing or not a config, unknown request/entry/server). */
  errors: number;
  /** Test files with problems outside any case (unreadable, YAML error outside the cases, no `tests` list…). */
  fileErrors: number;
}

export function summarize(runs: readonly RouteTestRun[]): RunSummary {
  const s: RunSummary = { tests: 0, passed: 0, failed: 0, errors: 0, fileErrors: 0 };
  for (const r of runs) {
    if (r.problems.length) s.fileErrors++;
    for (const c of r.cases) {
      s.tests++;
      if (c.status === 'pass') s.passed++;
      else if (c.status === 'fail') s.failed++;
      else s.errors++;
    }
  }
  return s;
}

// ---- finding test files (the language server; the CLI walks folders its own way) ------------------------------------

export interface DiscoveryLimits {
  /** Stop after this many test files. */
  files: number;
  /** Stop after reading this many directory entries (a huge workspace is not walked to the end). */
  entries: number;
  /** Do not descend deeper than this. */
  depth: number;
}

export const DEFAULT_DISCOVERY: DiscoveryLimits = { files: 200, entries: 50_000, depth: 12 };

const SKIP_DIRS = new Set(['node_modules', 'dist', 'out', 'vendor', '__pycache__', 'target', 'build']);

/** Route test files under the roots (hidden folders, node_modules and build output skipped), bounded. */
export function findRouteTestFiles(fs: FileSystem, roots: readonly string[], limits: DiscoveryLimits = DEFAULT_DISCOVERY): { files: string[]; truncated: boolean } {
  const files: string[] = [];
  let entries = 0;
  let truncated = false;
  const queue: Array<{ uri: string; depth: number }> = roots.map((r) => ({ uri: r.replace(/\/$/, ''), depth: 0 }));
  // Breadth first: the test files near the root are found before a deep tree exhausts the budget.
  while (queue.length) {
    const { uri, depth } = queue.shift()!;
    const list = fs.readDirectory(uri).sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    for (const e of list) {
      if (++entries > limits.entries) return { files, truncated: true };
      if (e.name.startsWith('.')) continue;
      // Through a path, so the URI is spelled as everywhere else (`pathToUri`).
      const child = pathToUri(`${uriToPath(uri).replace(/\/$/, '')}/${e.name}`);
      if (e.isDirectory) {
        if (SKIP_DIRS.has(e.name)) continue;
        if (depth + 1 > limits.depth) {
          truncated = true;
          continue;
        }
        queue.push({ uri: child, depth: depth + 1 });
      } else if (isRouteTestFile(e.name)) {
        files.push(child);
        if (files.length >= limits.files) return { files, truncated: true };
      }
    }
  }
  return { files, truncated };
}
