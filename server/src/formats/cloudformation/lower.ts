import { addressKey, classifyAddress } from '../../model/address';
import type { ModelBuilder } from '../../model/builder';
import type { Bind, Condition, EntryPoint, MatchCondition, Pool, Range, RouteResponse, RouteTarget, Server, SourceRef, StringMatch, TrafficModel } from '../../model/types';
import { builderFor } from '../declarative/common';
import { anchor, bool, get, num, pairs, seq, str, yamlTrees, type TNode } from '../declarative/tree';
import type { FormatHost } from '../types';
import { loadYaml, YAML_DIALECTS } from '../yaml/yamlFile';

/*
 * AWS Application Load Balancer in CloudFormation (YAML with short tags, or JSON), after the
 * AWS::ElasticLoadBalancingV2::* resource reference and the ALB user guide:
 * - a Listener's DefaultActions answer requests no rule matched ("the default rule is evaluated last");
 * - ListenerRules are "evaluated in priority order, from the lowest value to the highest value"; each
 *   priority (1–50000) may be used once per listener (a duplicate is refused: LB111);
 * - a `forward` action names one TargetGroupArn, or ForwardConfig.TargetGroups with weights 0–999;
 * - a TargetGroup with `Targets` lists its machines; without, targets are registered elsewhere (ECS, Auto
 *   Scaling): it is one logical `service` server, so LB101/LB108 stay quiet.
 *
 * Conditions are evaluated when the stack is deployed, from its parameters, so this template is several
 * possible configurations. `Fn::If` "returns one value if the specified condition evaluates to true and another
 * value if the specified condition evaluates to false"; "you can use the AWS::NoValue pseudo parameter as a
 * return value to remove the corresponding property". Every part of the model that depends on one is computed
 * for each deployment (each combination of the conditions it tests) and merged so that nothing is claimed that
 * holds in only some of them: a target that differs is a run-time target naming the alternatives, a target
 * group's targets are their union with `dynamicServers`, a rule created under a resource `Condition` shadows only
 * rules under the same one. Parameters, `Fn::ImportValue` and literal ARNs name things outside the template:
 * run-time targets, never "undefined".
 */

const NS = 'alb';
const ELB = 'AWS::ElasticLoadBalancingV2::';

interface Res {
  id: string;
  type: string;
  node: TNode;
  props: TNode | undefined;
}

/**
 * A reference as CloudFormation writes it: `!Ref X`, `{Ref: X}`, `!GetAtt X.Arn`, `{"Fn::GetAtt": [X, Arn]}`, and
 * a `Fn::Sub` that is nothing but one variable (`!Sub '${X}'` is `!Ref X`, `!Sub '${X.Arn}'` is `!GetAtt X.Arn`)
 * unless the variable is given in the `Fn::Sub` map.
 */
export function refTarget(n: TNode | undefined): string | undefined {
  if (!n) return undefined;
  if (n.kind === 'scalar' && n.tag === '!Ref') return str(n);
  if (n.kind === 'scalar' && n.tag === '!GetAtt') return str(n)?.split('.')[0];
  if (n.kind === 'seq' && n.tag === '!GetAtt') return str(n.items![0]);
  if (n.tag === '!Sub') return subVariable(n);
  const only = n.kind === 'map' && n.pairs!.length === 1 ? n.pairs![0] : undefined;
  if (only?.key === 'Ref') return str(only.value);
  if (only?.key === 'Fn::GetAtt') return only.value.kind === 'seq' ? str(only.value.items![0]) : str(only.value)?.split('.')[0];
  if (only?.key === 'Fn::Sub') return subVariable(only.value);
  return undefined;
}

/** `'${X}'` or `['${X}', {vars}]` without X in vars → X. */
function subVariable(args: TNode): string | undefined {
  const template = args.kind === 'seq' ? args.items![0] : args;
  const m = /^\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}$/.exec(str(template) ?? '');
  if (!m || (args.kind === 'seq' && get(args.items![1], m[1]))) return undefined;
  return m[1];
}

/** An intrinsic function (`!Ref P`, `{"Fn::FindInMap": …}`): a value CloudFormation computes at deploy time. */
const isIntrinsic = (n: TNode): boolean =>
  !!n.tag || (n.kind === 'map' && n.pairs!.length === 1 && (n.pairs![0].key === 'Ref' || n.pairs![0].key.startsWith('Fn::')));

/** A literal string value (a `!Sub` without variables is one too), else undefined. */
function literal(n: TNode | undefined): string | undefined {
  if (!n || n.kind !== 'scalar') return undefined;
  if (!n.tag || (n.tag === '!Sub' && !(str(n) ?? '').includes('${'))) return str(n);
  return undefined;
}

/** Text of an unresolved value for messages and run-time targets (`Fn::ImportValue !Sub ${Stack}-TG`). */
function describe(n: TNode, depth = 0): string {
  if (n.kind === 'scalar') return `${n.tag ? `${n.tag} ` : ''}${str(n) ?? ''}`.trim();
  if (depth > 2) return '…';
  if (n.kind === 'map' && isIntrinsic(n)) return `${n.pairs![0].key} ${describe(n.pairs![0].value, depth + 1)}`;
  if (n.kind === 'map') return n.pairs!.length === 1 ? `{${n.pairs![0].key}: ${describe(n.pairs![0].value, depth + 1)}}` : '{…}';
  const items = n.items!.slice(0, 3).map((i) => describe(i, depth + 1)).join(', ') + (n.items!.length > 3 ? ', …' : '');
  return `${n.tag ? `${n.tag} ` : ''}[${items}]`;
}

// ---- conditions (Fn::If) --------------------------------------------------------------------------------------

/** One deployment: the value of each condition an `Fn::If` tests. */
type Deployment = ReadonlyMap<string, boolean>;

/** Past this many conditions in one property, its alternatives are not enumerated (2^n deployments). */
const MAX_CONDITIONS = 4;

/** `!If [Cond, A, B]` / `{"Fn::If": [Cond, A, B]}`: the condition's name and both values. */
function ifOf(n: TNode | undefined): { condition: string; values: [TNode, TNode] } | undefined {
  if (!n) return undefined;
  const args = n.kind === 'seq' && n.tag === '!If' ? n : n.kind === 'map' && n.pairs!.length === 1 && n.pairs![0].key === 'Fn::If' ? n.pairs![0].value : undefined;
  if (!args || args.kind !== 'seq' || args.items!.length !== 3) return undefined;
  const condition = str(args.items![0]);
  return condition === undefined ? undefined : { condition, values: [args.items![1], args.items![2]] };
}

/** The first `Fn::If` under `n`, not below a key of `skip` (where a run-time target that depends on it points). */
function firstIf(n: TNode | undefined, skip?: ReadonlySet<string>): TNode | undefined {
  if (!n) return undefined;
  if (ifOf(n)) return n;
  for (const c of n.items ?? n.pairs?.filter((p) => !skip?.has(p.key)).map((p) => p.value) ?? []) {
    const f = firstIf(c, skip);
    if (f) return f;
  }
  return undefined;
}

function conditionNames(n: TNode | undefined, out: Set<string>, skip?: ReadonlySet<string>): Set<string> {
  if (!n) return out;
  const f = ifOf(n);
  if (f) out.add(f.condition);
  for (const c of n.items ?? []) conditionNames(c, out, skip);
  for (const p of n.pairs ?? []) if (!skip?.has(p.key)) conditionNames(p.value, out, skip);
  return out;
}

/** Parts of an action that do not change where a request goes (a redirect is a redirect, whatever its `Host`). */
const NOT_ROUTING = new Set(['AuthenticateOidcConfig', 'AuthenticateCognitoConfig', 'RedirectConfig', 'FixedResponseConfig', 'TargetGroupStickinessConfig']);

/** The properties of a target group the model reads. */
const TARGET_GROUP_FACTS = ['Targets', 'TargetType', 'HealthCheckEnabled', 'Port', 'TargetGroupAttributes', 'Name'];

/**
 * Every deployment of the conditions `Fn::If` tests under `nodes` (not below a key of `skip`); one empty deployment
 * when there are none; undefined past MAX_CONDITIONS.
 */
function deployments(nodes: Array<TNode | undefined>, skip?: ReadonlySet<string>): Deployment[] | undefined {
  const names = new Set<string>();
  for (const n of nodes) conditionNames(n, names, skip);
  const list = [...names].sort();
  if (list.length > MAX_CONDITIONS) return undefined;
  const out: Deployment[] = [];
  for (let mask = 0; mask < 1 << list.length; mask++) out.push(new Map(list.map((c, i) => [c, (mask & (1 << i)) === 0])));
  return out;
}

/**
 * `n` as one deployment sees it: each `Fn::If` replaced by the value its condition picks, undefined for
 * `AWS::NoValue` (the property, or the list item, is absent). Unchanged subtrees are shared, not copied.
 */
function resolveIn(n: TNode | undefined, d: Deployment): TNode | undefined {
  if (!n) return undefined;
  const f = ifOf(n);
  if (f) {
    // A condition not enumerated (past MAX_CONDITIONS) takes value_if_true.
    const v = resolveIn(f.values[d.get(f.condition) === false ? 1 : 0], d);
    return v && n.keyRange ? { ...v, keyRange: n.keyRange } : v;
  }
  if (refTarget(n) === 'AWS::NoValue') return undefined;
  if (n.kind === 'map') {
    let changed = false;
    const pairs = [];
    for (const p of n.pairs!) {
      const v = resolveIn(p.value, d);
      if (v !== p.value) changed = true;
      if (v) pairs.push(v === p.value ? p : { ...p, value: v });
    }
    return changed ? { ...n, pairs } : n;
  }
  if (n.kind === 'seq') {
    const items = n.items!.map((i) => resolveIn(i, d));
    return items.every((i, k) => i === n.items![k]) ? n : { ...n, items: items.filter((i): i is TNode => !!i) };
  }
  return n;
}

/** When a set of deployments happens, in words: `if IsProd`, `unless IsProd`, `if HasCert and not IsProd`, … */
function when(group: Deployment[], all: Deployment[]): string {
  const names = [...(all[0]?.keys() ?? [])];
  const fixed = names.filter((c) => group.every((d) => d.get(c) === group[0].get(c)));
  const term = (d: Deployment, cs: string[]) => {
    const yes = cs.filter((c) => d.get(c));
    const no = cs.filter((c) => !d.get(c));
    return yes.length ? `if ${[...yes, ...no.map((c) => `not ${c}`)].join(' and ')}` : `unless ${no.join(' or ')}`;
  };
  // The fixed conditions describe the group exactly when it holds every combination of the others.
  if (group.length === 2 ** (names.length - fixed.length)) return fixed.length ? term(group[0], fixed) : 'always';
  return group.map((d) => `(${term(d, names)})`).join(' or ');
}

/** ALB path/host patterns: `*` any characters, `?` one; case-sensitive paths, case-insensitive hosts. */
function patternCondition(field: string, value: string): MatchCondition | undefined {
  const v = field === 'host' ? value.toLowerCase() : value;
  if (field === 'path' && (v === '*' || v === '/*')) return undefined; // every request
  if (!/[*?]/.test(v)) return { field, op: 'exact', value: v };
  if (/^[^*?]*\*$/.test(v)) return { field, op: 'prefix', value: v.slice(0, -1) };
  const re = '^' + v.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$';
  return { field, op: 'regex', value: re, flags: field === 'host' ? 'i' : undefined };
}

/** A glob of ALB (`*` any run, `?` one character) as the engine's match: exact or prefix when it can be, else a glob. */
function globMatch(value: string, ignoreCase: boolean, prefixOk: boolean): StringMatch {
  const ic = ignoreCase ? { ignoreCase: true } : {};
  if (!/[*?]/.test(value)) return { op: 'exact', value, ...ic };
  if (prefixOk && /^[^*?]*\*$/.test(value)) return { op: 'prefix', value: value.slice(0, -1), ...ic };
  return { op: 'glob', value, ...ic };
}

const reQuote = (s: string) => s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');

/**
 * One query-string value of a rule as an RE2 search over the raw query string: "the key/value pairs or values to
 * find in the query string", `*` and `?` wildcards within the key or the value, `\*` and `\?` literal. Without a
 * key, any parameter's value (a `name=value` pair) counts.
 */
export function queryPairPattern(key: string | undefined, value: string): string {
  const part = (g: string, cls: string) => {
    let out = '';
    for (let i = 0; i < g.length; i++) {
      const c = g[i];
      if (c === '\\' && (g[i + 1] === '*' || g[i + 1] === '?')) out += reQuote(g[++i]);
      else if (c === '*') out += `${cls}*`;
      else if (c === '?') out += cls;
      else out += reQuote(c);
    }
    return out;
  };
  return `(?:^|&)${key === undefined ? '[^&=]*' : part(key, '[^&=]')}=${part(value, '[^&]')}(?:&|$)`;
}

/**
 * One condition of a ListenerRule in the engine's language, after "Condition types for listener rules": its values
 * are alternatives; `host-header` is case-insensitive with `*`/`?` wildcards, `path-pattern` case-sensitive and
 * "compared only to the path of the URL, not to its query string", `http-header` values case-insensitive (the name
 * too), `http-request-method` case-sensitive without wildcards, `query-string` case-insensitive key/value pairs
 * (the key optional), `source-ip` CIDR blocks of the connection's source ("if a client is behind a proxy, this is
 * the IP address of the proxy"). Values computed at deploy time and `RegexValues` are opaque.
 */
function conditionWhen(c: TNode): Condition {
  const field = literal(get(c, 'Field')) ?? (get(c, 'Field') ? describe(get(c, 'Field')!) : '?');
  const cfgKey: Record<string, string> = {
    'host-header': 'HostHeaderConfig', 'path-pattern': 'PathPatternConfig', 'http-header': 'HttpHeaderConfig',
    'http-request-method': 'HttpRequestMethodConfig', 'query-string': 'QueryStringConfig', 'source-ip': 'SourceIpConfig',
  };
  const opaque = (why: string): Condition => ({ kind: 'opaque', text: `${field} ${describe(c)}`, why });
  if (!cfgKey[field]) return opaque(`condition type "${field}" is not one lb-lens knows`);
  const config = get(c, cfgKey[field]);
  if (seq(get(config, 'RegexValues')).length > 0) return opaque('regex matching (RegexValues): how ALB anchors the expression is not documented');
  const valuesNode = get(config, 'Values') ?? get(c, 'Values');
  if (!valuesNode || valuesNode.kind !== 'seq' || valuesNode.tag) return opaque('its values are computed at deploy time');
  const items = valuesNode.items!;
  if (items.length === 0) return opaque('no values');
  const strings: string[] = [];
  if (field !== 'query-string') {
    for (const i of items) {
      const v = literal(i);
      if (v === undefined) return opaque('a value is computed at deploy time');
      strings.push(v);
    }
  }
  const any = (of: Condition[]): Condition => (of.length === 1 ? of[0] : { kind: 'any', of });
  switch (field) {
    case 'host-header':
      return any(strings.map((v) => ({ kind: 'test', field: 'host', match: globMatch(v.toLowerCase().replace(/\.$/, ''), true, false) })));
    case 'path-pattern':
      return any(strings.map((v) => ({ kind: 'test', field: 'path', match: globMatch(v, false, true) })));
    case 'http-header': {
      const name = literal(get(config, 'HttpHeaderName'));
      if (!name) return opaque('the header name is computed at deploy time');
      return any(strings.map((v) => ({ kind: 'test', field: `header:${name.toLowerCase()}`, match: globMatch(v, true, true) })));
    }
    case 'http-request-method':
      return any(strings.map((v) => ({ kind: 'test', field: 'method', match: { op: 'exact', value: v } })));
    case 'source-ip':
      return any(strings.map((v) => ({ kind: 'test', field: 'src', match: { op: 'cidr', value: v } })));
    case 'query-string': {
      const parts: Condition[] = [];
      for (const i of items) {
        const keyNode = get(i, 'Key');
        const key = keyNode ? literal(keyNode) : undefined;
        const value = literal(get(i, 'Value'));
        if ((keyNode && key === undefined) || value === undefined) return opaque('a key or value is computed at deploy time');
        parts.push({ kind: 'test', field: 'query', match: { op: 'regex', value: queryPairPattern(key, value), dialect: 're2', anchored: false, ignoreCase: true } });
      }
      return any(parts);
    }
  }
  return opaque('unknown condition');
}

/** What a redirect or fixed-response action answers, from its (resolved) configuration. */
function responseOf(type: string, action: TNode): RouteResponse | undefined {
  if (type === 'redirect') {
    const cfg = get(action, 'RedirectConfig');
    const code = literal(get(cfg, 'StatusCode'));
    const status = code === 'HTTP_301' ? 301 : code === 'HTTP_302' ? 302 : undefined;
    // The documented defaults: "#{protocol}://#{host}:#{port}/#{path}?#{query}", each part kept unless given.
    const part = (k: string, d: string) => literal(get(cfg, k)) ?? (get(cfg, k) ? '…' : d);
    const location = `${part('Protocol', '#{protocol}').toLowerCase()}://${part('Host', '#{host}')}:${part('Port', '#{port}')}${part('Path', '/#{path}')}?${part('Query', '#{query}')}`;
    return { kind: 'redirect', status, location };
  }
  if (type === 'fixed-response') {
    const code = Number(literal(get(action, 'FixedResponseConfig', 'StatusCode')));
    return { kind: 'direct', status: Number.isInteger(code) && code >= 100 && code <= 599 ? code : undefined };
  }
  return undefined;
}

/** A value under a `key` below `n` depends on a template condition (the deployments of actions do not enumerate it). */
function dependsOnCondition(n: TNode | undefined, key: string): boolean {
  if (!n) return false;
  for (const p of n.pairs ?? []) {
    if (p.key === key && conditionNames(p.value, new Set()).size > 0) return true;
    if (dependsOnCondition(p.value, key)) return true;
  }
  return (n.items ?? []).some((i) => dependsOnCondition(i, key));
}

/** What one deployment makes of a target group. */
interface TargetGroupFacts {
  active: boolean;
  algorithm: string;
  servers: Array<Omit<Server, 'id' | 'poolId'>>;
  /** The literal `Name` property, when there is one. */
  name?: string;
}

const conditionKey = (c: MatchCondition) => `${c.field}|${c.op}|${c.flags ?? ''}|${c.negated ? '!' : ''}${c.value}`;

/** A target in words (the alternatives of a target that depends on conditions). */
function targetText(t: RouteTarget): string {
  switch (t.kind) {
    case 'pool':
      return t.name;
    case 'split': {
      const total = t.parts.reduce((n, p) => n + p.weight, 0);
      return t.parts.map((p) => `${p.name} ${total > 0 ? Math.round((p.weight / total) * 1000) / 10 : 0}%`).join(' + ');
    }
    case 'none':
      return t.reason;
    case 'dynamic':
      return t.text;
    case 'address':
      return t.address;
  }
}

const targetKey = (t: RouteTarget): string =>
  t.kind === 'split' ? `split ${t.parts.map((p) => `${p.name}=${p.weight}`).join(',')}` : `${t.kind} ${targetText(t)}`;

/** The target group references of a target. */
const refsOf = (t: RouteTarget) => (t.kind === 'pool' ? [t] : t.kind === 'split' ? t.parts : []);

class AlbLowering {
  private readonly resources = new Map<string, Res>();
  private readonly pools = new Map<string, Pool>();
  private readonly entries = new Map<string, EntryPoint>();
  /** Logical ids referenced from anywhere but a listener action: such target groups are never "unused". */
  private readonly refsElsewhere = new Set<string>();
  private readonly params = new Set<string>();
  /** LB002s already reported: a value is looked at once per deployment. */
  private readonly reported = new Set<string>();

  constructor(private readonly b: ModelBuilder, private readonly uri: string) {}

  private ref(range: Range): SourceRef {
    return this.b.ref(range, this.uri);
  }

  private invalid(message: string, at: TNode): void {
    const key = `${at.range.start.line}:${at.range.start.character}\u0000${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.b.problem('LB002', message, this.ref(at.range));
  }

  run(template: TNode): void {
    for (const p of pairs(get(template, 'Parameters'))) this.params.add(p.key);
    for (const p of pairs(get(template, 'Resources'))) {
      const type = str(get(p.value, 'Type')) ?? '';
      this.resources.set(p.key, { id: p.key, type, node: p.value, props: get(p.value, 'Properties') });
    }
    this.collectRefs(template, false);
    for (const r of this.resources.values()) if (r.type === `${ELB}TargetGroup`) this.targetGroup(r);
    const listeners = [...this.resources.values()].filter((r) => r.type === `${ELB}Listener`);
    for (const r of listeners) this.listenerEntry(r);
    const rules = [...this.resources.values()].filter((r) => r.type === `${ELB}ListenerRule`);
    this.listenerRules(rules);
    // The default actions come after the rules in the model: "the default rule is evaluated last".
    for (const r of listeners) this.listener(r);
  }

  /** Record every logical id referenced outside the Actions/DefaultActions of listeners and rules. */
  private collectRefs(n: TNode, inActions: boolean): void {
    const t = refTarget(n);
    if (t && !inActions) this.refsElsewhere.add(t);
    if (n.kind === 'scalar' && n.tag === '!Sub' && !inActions) for (const m of (str(n) ?? '').matchAll(/\$\{([A-Za-z0-9]+)/g)) this.refsElsewhere.add(m[1]);
    for (const i of n.items ?? []) this.collectRefs(i, inActions);
    for (const p of n.pairs ?? []) this.collectRefs(p.value, inActions || p.key === 'Actions' || p.key === 'DefaultActions');
  }

  // ---- target groups ----

  /**
   * One pool per target group. Its properties may depend on conditions: health checks count when some deployment
   * has them; targets are the union over the deployments (each address as often as the deployment listing it
   * most often), with `dynamicServers` when the deployments disagree.
   */
  private targetGroup(r: Res): void {
    const keyRange = r.node.keyRange ?? r.node.range;
    // The properties read, or all of them when `Properties` itself is chosen by a condition.
    const all = deployments(ifOf(r.props) ? [r.props] : TARGET_GROUP_FACTS.map((k) => get(r.props, k)));
    const variants = (all ?? [new Map()]).map((d) => this.targetGroupIn(r, resolveIn(r.props, d)));
    const differ = (f: (v: TargetGroupFacts) => string) => new Set(variants.map(f)).size > 1;
    const active = variants.some((v) => v.active);
    const pool = this.b.pool({
      name: r.id, namespace: NS, kind: 'target group', synthesized: false,
      algorithm: [...new Set(variants.map((v) => v.algorithm))].join(' or '), shareModel: 'weighted', backupPolicy: 'all',
      healthCheck: {
        active, passive: false,
        detail: !active
          ? 'HealthCheckEnabled is false: the load balancer keeps sending requests to failed targets.'
          : differ((v) => String(v.active)) ? 'HealthCheckEnabled depends on a condition: some deployments have no health checks.' : undefined,
      },
      referencedElsewhere: this.refsElsewhere.has(r.id), source: this.ref(r.node.keyRange ? { start: keyRange.start, end: r.node.range.end } : r.node.range),
      nameSource: this.ref(keyRange),
    });
    // The target group's name as deployed (CloudWatch's TargetGroup dimension is `targetgroup/<Name>/<id>`); without a
    // literal `Name` CloudFormation generates one.
    const names = new Set(variants.map((v) => v.name));
    if (names.size === 1 && variants[0].name) pool.runtimeName = variants[0].name;
    this.pools.set(r.id, pool);
    if (!all || differ((v) => v.servers.map((s) => `${s.addressKey}\u0000${s.kind}`).join(','))) pool.dynamicServers = true;
    const most = new Map<string, number>();
    for (const v of variants) {
      const seen = new Map<string, number>();
      for (const s of v.servers) {
        const k = `${s.addressKey}\u0000${s.kind}`;
        const n = (seen.get(k) ?? 0) + 1;
        seen.set(k, n);
        if (n <= (most.get(k) ?? 0)) continue;
        most.set(k, n);
        this.b.server(pool, s);
      }
    }
  }

  private targetGroupIn(r: Res, props: TNode | undefined): TargetGroupFacts {
    const keyRange = r.node.keyRange ?? r.node.range;
    const targetType = literal(get(props, 'TargetType')) ?? 'instance';
    // HealthCheckEnabled: "If the target type is lambda, health checks are disabled by default"; otherwise on.
    const active = bool(get(props, 'HealthCheckEnabled')) ?? targetType !== 'lambda';
    const attrs = seq(get(props, 'TargetGroupAttributes'));
    const algo = attrs.find((a) => str(get(a, 'Key')) === 'load_balancing.algorithm.type');
    const facts: TargetGroupFacts = { active, algorithm: str(get(algo, 'Value')) ?? 'round_robin', servers: [], name: literal(get(props, 'Name')) };
    const port = str(get(props, 'Port'));
    const targets = seq(get(props, 'Targets'));
    if (targets.length === 0) {
      facts.servers.push({
        name: r.id, address: `target group ${r.id}`, addressKey: `tg:${r.id}`, weight: 1, state: 'active', kind: 'service',
        healthCheck: { active, passive: false }, source: this.ref(keyRange),
      });
      return facts;
    }
    for (const t of targets) {
      const idNode = get(t, 'Id');
      const refd = refTarget(idNode);
      const id = refd ?? (idNode ? str(idNode) : undefined) ?? '?';
      const p = str(get(t, 'Port')) ?? port;
      const address = p ? `${id}:${p}` : id;
      const kind = targetType === 'lambda' || targetType === 'alb' ? 'service' : refd || !idNode || idNode.kind !== 'scalar' || idNode.tag ? 'hostname' : classifyAddress(address);
      facts.servers.push({
        name: refd ?? undefined, address, addressKey: addressKey(address), weight: 1, state: 'active', kind,
        healthCheck: { active, passive: false }, source: this.ref(t.range),
      });
    }
    return facts;
  }

  // ---- listeners ----

  private entryFor(listenerRef: TNode | undefined, fallback: TNode): EntryPoint {
    // `ListenerArn: !If [C, !Ref A, !Ref B]`: the rule belongs to one of them, depending on the deployment. It gets an
    // entry of its own, so it is compared with the rules of neither.
    const all = deployments([listenerRef]);
    const options = listenerRef && all
      ? [...new Set(all.map((d) => resolveIn(listenerRef, d)).map((n) => (n ? refTarget(n) ?? describe(n) : '?')))]
      : undefined;
    if (listenerRef && (!options || options.length > 1)) {
      const text = options ? options.join(' or ') : describe(listenerRef);
      return this.entry(`?if ${text}`, `listener ${text} (Fn::If)`, ['?'], listenerRef);
    }
    if (listenerRef && all) listenerRef = resolveIn(listenerRef, all[0]);
    const id = refTarget(listenerRef);
    const listener = id ? this.resources.get(id) : undefined;
    const key = listener ? listener.id : listenerRef ? `?${describe(listenerRef)}` : '?';
    const protocol = str(get(listener?.props, 'Protocol'));
    const port = str(get(listener?.props, 'Port'));
    return this.entry(
      key, listener ? `Listener ${listener.id}` : `listener ${listenerRef ? describe(listenerRef) : '?'}`,
      [protocol || port ? `${protocol ?? ''} ${port ?? ''}`.trim() : '?'], listener?.node ?? listenerRef ?? fallback,
    );
  }

  private entry(key: string, name: string, listen: string[], node: TNode): EntryPoint {
    const existing = this.entries.get(key);
    if (existing) return existing;
    const entry = this.b.entry({
      name, namespace: NS, listen, hosts: [],
      // A listener of the template answers with its default action, a route of its own: this is only reached when
      // it has none (CloudFormation requires DefaultActions). A listener defined elsewhere (a parameter, an import)
      // has a default action this template does not show: what it answers is not known.
      noRoute: this.resources.has(key)
        ? { text: 'no rule matches and the listener has no DefaultActions (CloudFormation requires them)' }
        : { text: 'no rule of this template matches: the listener and its default action are defined outside it' },
      source: this.ref(node.keyRange ? { start: node.keyRange.start, end: node.range.end } : node.range), selection: this.ref(anchor(node)),
    });
    this.entries.set(key, entry);
    return entry;
  }

  /**
   * The entry of a listener, with where it listens: `Port` and `Protocol` (HTTPS and TLS terminate TLS; TCP, TLS,
   * UDP and TCP_UDP are Network Load Balancer listeners that forward connections). A port or protocol computed at
   * deploy time is unknown: any.
   */
  private listenerEntry(r: Res): EntryPoint {
    const entry = this.entryFor({ kind: 'scalar', tag: '!Ref', value: r.id, range: r.node.range, keyRange: r.node.keyRange }, r.node);
    if (entry.binds) return entry;
    const all = deployments([get(r.props, 'Port'), get(r.props, 'Protocol')]);
    const values = (all ?? []).map((d) => ({ port: num(resolveIn(get(r.props, 'Port'), d)), protocol: literal(resolveIn(get(r.props, 'Protocol'), d))?.toUpperCase() }));
    const same = values.length > 0 && values.every((v) => v.port === values[0].port && v.protocol === values[0].protocol);
    const port = same && values[0].port !== undefined && Number.isInteger(values[0].port) && values[0].port >= 1 && values[0].port <= 65535 ? values[0].port : undefined;
    const protocol = same ? values[0].protocol : undefined;
    const bind: Bind = { source: this.ref(r.node.keyRange ?? r.node.range) };
    if (port !== undefined) bind.port = port;
    if (protocol === 'HTTPS' || protocol === 'TLS') bind.tls = true;
    else if (protocol === 'HTTP' || protocol === 'TCP' || protocol === 'UDP' || protocol === 'TCP_UDP') bind.tls = false;
    if (protocol === 'TCP' || protocol === 'TLS') bind.protocol = 'tcp';
    else if (protocol === 'UDP' || protocol === 'TCP_UDP') bind.protocol = protocol === 'UDP' ? 'udp' : 'tcp';
    entry.binds = [bind];
    return entry;
  }

  private listener(r: Res): void {
    const entry = this.listenerEntry(r);
    const actions = get(r.props, 'DefaultActions');
    if (!actions) return;
    this.b.route({
      entryId: entry.id, name: `Listener ${r.id} default action`, matchText: '*', match: [], catchAll: true,
      // Its own group: the default action is mandatory and answers what no rule took, so a `/*` rule
      // above it does not make it "unreachable" in any way the user could fix by removing it.
      evaluation: { group: 'default', strategy: 'first-match', index: 0 },
      target: this.actionsTarget(actions), source: this.ref(actions.keyRange ? { start: actions.keyRange.start, end: actions.range.end } : actions.range),
    });
  }

  private listenerRules(rules: Res[]): void {
    // Priority order per listener. A rule whose priority is only known at deploy time may stand before any other: it
    // is searched first, and where another rule of its listener could take the same request the answer is
    // undecidable (see `when` below) rather than given to either.
    const withPriority = rules.map((r) => ({ r, priority: this.priority(get(r.props, 'Priority')) }));
    withPriority.sort((a, b) => (a.priority ?? -Infinity) - (b.priority ?? -Infinity));
    const items = withPriority.map(({ r, priority }) => {
      const entry = this.entryFor(get(r.props, 'ListenerArn'), r.node);
      let { match, text, when: whenOf } = this.conditions(get(r.props, 'Conditions'));
      // A rule created under a resource `Condition` exists only in some deployments: it takes requests from rules
      // under the same condition only, and makes no duplicate-priority claim.
      const condition = str(get(r.node, 'Condition'));
      if (condition) {
        match = [...match, { field: 'condition', op: 'opaque', value: condition }];
        text = `${text} (Condition ${condition})`;
        whenOf = [...whenOf, { kind: 'opaque', text: `Condition ${condition}`, why: 'the rule exists only in the deployments where this template condition holds' }];
      }
      return { r, priority, entry, match, text, condition, whenOf, when: { kind: 'all', of: whenOf } as Condition };
    });
    for (const { r, priority, entry, match, text, condition, whenOf, when: own } of items) {
      let when = own;
      if (priority === undefined) {
        const others = items.filter((x) => x.entry === entry && x.r !== r).map((x) => x.when);
        const unknown: Condition = { kind: 'opaque', text: `Priority ${describe(get(r.props, 'Priority') ?? r.node)}`, why: 'the priority is decided at deploy time: whether the rule comes before the others that match is not known' };
        // Decided when no other rule of the listener matches the request; past a bound, always undecidable.
        const alone: Condition[] = others.length === 0 ? [] : [{ kind: 'any', of: [...(others.length <= 64 ? [{ kind: 'not', of: { kind: 'any', of: others } } as Condition] : []), unknown] }];
        when = { kind: 'all', of: [...whenOf, ...alone] };
      }
      const actions = get(r.props, 'Actions');
      this.b.route({
        entryId: entry.id, name: `ListenerRule ${r.id}`, matchText: text, match, catchAll: false, when,
        evaluation: priority !== undefined
          ? { group: 'rules', strategy: 'first-match', index: priority }
          : { group: `unordered ${r.id}`, strategy: 'first-match', index: 0 },
        priority: condition ? undefined : priority,
        target: actions ? this.actionsTarget(actions) : { kind: 'none', reason: 'no actions' },
        source: this.ref(r.node.keyRange ? { start: r.node.keyRange.start, end: r.node.range.end } : r.node.range),
      });
    }
  }

  /** A rule's priority when every deployment gives the same number; LB002 for values outside 1–50000. */
  private priority(pNode: TNode | undefined): number | undefined {
    const all = deployments([pNode]);
    if (!pNode || !all) return undefined;
    const values = all.map((d) => {
      const n = resolveIn(pNode, d);
      const v = num(n);
      if (n && v !== undefined && (v < 1 || v > 50000 || !Number.isInteger(v))) {
        this.invalid(`ListenerRule Priority must be an integer from 1 to 50000, not ${str(n)}.`, n);
      }
      return v;
    });
    return values.every((v) => v !== undefined && v === values[0]) ? values[0] : undefined;
  }

  /**
   * Conditions (all must hold; the values of one condition are alternatives). When they depend on a deployment,
   * the conditions every deployment has, plus one opaque condition for the rest (it covers only an identical one).
   */
  private conditions(list: TNode | undefined): { match: MatchCondition[]; text: string; when: Condition[] } {
    const all = deployments([list]);
    if (!all) {
      const text = describe(list!);
      return { match: [{ field: 'conditions', op: 'opaque', value: text }], text, when: [{ kind: 'opaque', text, why: `the conditions depend on more than ${MAX_CONDITIONS} template conditions` }] };
    }
    const variants = all.map((d) => this.conditionsIn(resolveIn(list, d)));
    const keys = variants.map((v) => v.match.map(conditionKey).sort().join('&'));
    const whenKeys = variants.map((v) => v.when.map((c) => JSON.stringify(c)).sort().join('&'));
    if (new Set(keys).size === 1 && new Set(whenKeys).size === 1) return variants[0];
    const common = variants[0].match.filter((c) => variants.every((v) => v.match.some((x) => conditionKey(x) === conditionKey(c))));
    // The request matches in every deployment when it satisfies each variant, in none when it satisfies none; else
    // which deployment is used decides it (opaque).
    const distinct = [...new Map(variants.map((v, i) => [whenKeys[i], { kind: 'all', of: v.when } as Condition])).values()];
    const either: Condition = { kind: 'any', of: distinct };
    const both: Condition = { kind: 'all', of: distinct };
    const groups = new Map<string, { text: string; ds: Deployment[] }>();
    variants.forEach((v, i) => {
      const g = groups.get(keys[i]);
      if (g) g.ds.push(all[i]);
      else groups.set(keys[i], { text: v.text, ds: [all[i]] });
    });
    const text = [...groups.values()].map((g) => `${g.text} ${when(g.ds, all)}`).join('; ');
    return {
      match: [...common, { field: 'conditions', op: 'opaque', value: text }], text,
      when: [either, { kind: 'any', of: [both, { kind: 'opaque', text, why: 'the conditions depend on template conditions (Fn::If) decided at deploy time' }] }],
    };
  }

  private conditionsIn(list: TNode | undefined): { match: MatchCondition[]; text: string; when: Condition[] } {
    const match: MatchCondition[] = [];
    const text: string[] = [];
    const whenOf: Condition[] = [];
    for (const c of seq(list)) {
      whenOf.push(conditionWhen(c));
      const field = str(get(c, 'Field')) ?? '';
      const cfg: Record<string, [string, string]> = {
        'path-pattern': ['PathPatternConfig', 'path'], 'host-header': ['HostHeaderConfig', 'host'],
        'http-header': ['HttpHeaderConfig', 'header'], 'http-request-method': ['HttpRequestMethodConfig', 'method'],
        'query-string': ['QueryStringConfig', 'query'], 'source-ip': ['SourceIpConfig', 'source-ip'],
      };
      const [cfgKey, f] = cfg[field] ?? ['', field];
      const config = cfgKey ? get(c, cfgKey) : undefined;
      // A value computed at deploy time (`!Ref HostParam`, `!Sub '${Path}'`) is not the text written here.
      let computed = false;
      const lit = (n: TNode | undefined): string => {
        const v = literal(n);
        if (n && v === undefined) computed = true;
        return v ?? (n ? describe(n) : '');
      };
      let values: string[];
      let modelField = f;
      if (field === 'http-header') {
        modelField = `header:${lit(get(config, 'HttpHeaderName')).toLowerCase()}`;
        values = seq(get(config, 'Values')).map(lit);
      } else if (field === 'query-string') {
        values = seq(get(config, 'Values')).map((v) => `${lit(get(v, 'Key'))}=${lit(get(v, 'Value'))}`);
      } else {
        values = seq(get(config, 'Values') ?? get(c, 'Values')).map(lit);
      }
      text.push(`${field} ${values.join(',')}`);
      if (!computed && values.length === 1 && (f === 'path' || f === 'host' || f.startsWith('header:'))) {
        const cond = patternCondition(f === 'host' ? 'host' : modelField, values[0]);
        if (cond) match.push(cond);
      } else if (!computed && values.length === 1 && f === 'method') {
        match.push({ field: 'method', op: 'exact', value: values[0].toUpperCase() });
      } else {
        match.push({ field: modelField, op: 'opaque', value: values.join('|') });
      }
    }
    return { match, text: text.join(' & ') || '*', when: whenOf };
  }

  // ---- actions ----

  /**
   * The target of a list of actions, in every deployment of the conditions they test: the one target when the
   * deployments agree, else a run-time target naming each alternative and when it applies.
   */
  private actionsTarget(actions: TNode): RouteTarget {
    const all = deployments([actions], NOT_ROUTING);
    const at = firstIf(actions, NOT_ROUTING) ?? actions;
    if (!all) return { kind: 'dynamic', text: `depends on more than ${MAX_CONDITIONS} conditions`, nameSource: this.ref(at.range) };
    let outcomes = all.map((d) => this.actionsIn(resolveIn(actions, d)));
    // A status or redirect target chosen by a template condition is not known here (the true branch was read).
    const unknownStatus = dependsOnCondition(actions, 'StatusCode');
    const unknownLocation = dependsOnCondition(actions, 'RedirectConfig');
    if (unknownStatus || unknownLocation) {
      outcomes = outcomes.map((t) => {
        if (t.kind !== 'none' || !t.response) return t;
        const response: RouteResponse = { kind: t.response.kind };
        if (!unknownStatus && t.response.status !== undefined) response.status = t.response.status;
        if (!unknownLocation && t.response.location !== undefined) response.location = t.response.location;
        return { ...t, response };
      });
    }
    const keys = outcomes.map(targetKey);
    if (new Set(keys).size === 1) return outcomes[0];
    // Every alternative is used: none is unused, and references find them.
    for (const t of outcomes) for (const p of refsOf(t)) if (p.poolId) this.b.mention({ name: p.name, namespace: NS, source: p.nameSource });
    // A target group defined nowhere makes CloudFormation reject the template, whatever the conditions (LB103).
    const undefinedRef = outcomes.find((t) => refsOf(t).some((p) => !p.poolId));
    if (undefinedRef) return undefinedRef;
    const groups = new Map<string, { target: RouteTarget; ds: Deployment[] }>();
    outcomes.forEach((t, i) => {
      const g = groups.get(keys[i]);
      if (g) g.ds.push(all[i]);
      else groups.set(keys[i], { target: t, ds: [all[i]] });
    });
    const text = [...groups.values()].map((g) => `${targetText(g.target)} ${when(g.ds, all)}`).join('; ');
    return { kind: 'dynamic', text, nameSource: this.ref(at.range) };
  }

  /** The terminal action (forward, redirect, fixed-response) after any authenticate actions, by Order. */
  private actionsIn(actions: TNode | undefined): RouteTarget {
    if (!actions) return { kind: 'none', reason: 'no actions' };
    const list = seq(actions).slice().sort((a, b) => (num(get(a, 'Order')) ?? 0) - (num(get(b, 'Order')) ?? 0));
    const terminal = list.find((a) => !/^authenticate/.test(str(get(a, 'Type')) ?? ''));
    if (!terminal) return actions.kind === 'seq' ? { kind: 'none', reason: 'no action' } : { kind: 'dynamic', text: describe(actions), nameSource: this.ref(actions.range) };
    const type = str(get(terminal, 'Type')) ?? '';
    if (type !== 'forward') {
      const response = responseOf(type, terminal);
      return response ? { kind: 'none', reason: type, response } : { kind: 'none', reason: type || 'action' };
    }
    const groups = seq(get(terminal, 'ForwardConfig', 'TargetGroups'));
    if (groups.length > 0) {
      let computedWeight: TNode | undefined;
      const parts = groups.map((g) => {
        const arn = get(g, 'TargetGroupArn') ?? g;
        const wNode = get(g, 'Weight');
        let weight = 1;
        if (wNode && isIntrinsic(wNode)) computedWeight ??= wNode;
        else if (wNode) {
          const w = num(wNode);
          // TargetGroupTuple.Weight: "The weight. The range is 0 to 999."
          if (w === undefined || w < 0 || w > 999 || !Number.isInteger(w)) {
            this.invalid(`Target group weight must be an integer from 0 to 999, not ${str(wNode) ?? describe(wNode)}.`, wNode);
            weight = w === undefined ? 1 : Math.max(0, Math.min(999, Math.round(w)));
          } else weight = w;
        }
        return this.targetRef(arn, weight);
      });
      if (parts.some((p) => p.dynamic)) {
        const d = parts.find((p) => p.dynamic)!;
        return { kind: 'dynamic', text: d.name, nameSource: d.nameSource };
      }
      if (parts.length === 1 && parts[0].weight > 0) {
        const p = parts[0];
        return { kind: 'pool', name: p.name, namespace: NS, poolId: p.poolId, nameSource: p.nameSource };
      }
      // Weights from parameters: the split is known at deploy time only (unless a group is undefined: LB103).
      if (computedWeight && parts.every((p) => p.poolId)) {
        for (const p of parts) this.b.mention({ name: p.name, namespace: NS, source: p.nameSource });
        return { kind: 'dynamic', text: `${parts.map((p) => p.name).join(' + ')} (weights: ${describe(computedWeight)})`, nameSource: this.ref(computedWeight.range) };
      }
      return { kind: 'split', parts: parts.map(({ dynamic: _d, ...p }) => p) };
    }
    const arn = get(terminal, 'TargetGroupArn');
    if (!arn) return { kind: 'none', reason: 'forward without target group' };
    const p = this.targetRef(arn, 1);
    if (p.dynamic) return { kind: 'dynamic', text: p.name, nameSource: p.nameSource };
    return { kind: 'pool', name: p.name, namespace: NS, poolId: p.poolId, nameSource: p.nameSource };
  }

  private targetRef(arn: TNode, weight: number) {
    const id = refTarget(arn);
    const nameSource = this.ref(arn.range);
    if (id && (this.pools.has(id) || (!this.resources.has(id) && !this.isParameter(id)))) {
      // A reference to a target group of the template, or to a logical id defined nowhere (LB103).
      return { name: id, namespace: NS, weight, poolId: this.pools.get(id)?.id, nameSource, dynamic: false };
    }
    // A parameter, an import, a literal ARN: resolved by CloudFormation at deploy time.
    return { name: describe(arn), namespace: NS, weight, nameSource, dynamic: true };
  }

  private isParameter(id: string): boolean {
    return this.params.has(id) || id.startsWith('AWS::');
  }
}

export function lowerAlb(uri: string, text: string, _host: FormatHost): TrafficModel {
  const file = loadYaml(text, YAML_DIALECTS.cloudformation);
  const b = builderFor('aws-alb', uri, file);
  for (const t of yamlTrees(file)) {
    if (t.kind !== 'map' || !get(t, 'Resources')) continue;
    new AlbLowering(b, uri).run(t);
  }
  return b.model;
}
