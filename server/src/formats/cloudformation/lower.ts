import { addressKey, classifyAddress } from '../../model/address';
import type { ModelBuilder } from '../../model/builder';
import type { EntryPoint, MatchCondition, Pool, Range, RouteTarget, SourceRef, TrafficModel } from '../../model/types';
import { builderFor } from '../declarative/common';
import { anchor, bool, get, num, pairs, seq, str, yamlTrees, type TNode } from '../declarative/tree';
import type { FormatHost } from '../types';
import { loadYaml } from '../yaml/yamlFile';

/*
 * AWS Application Load Balancer in CloudFormation (YAML with short tags, or JSON), after the
 * AWS::ElasticLoadBalancingV2::* resource reference and the ALB user guide:
 * - a Listener's DefaultActions answer requests no rule matched ("the default rule is evaluated last");
 * - ListenerRules are "evaluated in priority order, from the lowest value to the highest value"; each
 *   priority (1–50000) may be used once per listener (a duplicate is refused: LB111);
 * - a `forward` action names one TargetGroupArn, or ForwardConfig.TargetGroups with weights 0–999;
 * - a TargetGroup with `Targets` lists its machines; without, targets are registered elsewhere (ECS, Auto
 *   Scaling): it is one logical `service` server, so LB101/LB108 stay quiet.
 */

const NS = 'alb';
const ELB = 'AWS::ElasticLoadBalancingV2::';

interface Res {
  id: string;
  type: string;
  node: TNode;
  props: TNode | undefined;
}

/** A reference as CloudFormation writes it: `!Ref X`, `{Ref: X}`, `!GetAtt X.Arn`, `{"Fn::GetAtt": [X, Arn]}`. */
export function refTarget(n: TNode | undefined): string | undefined {
  if (!n) return undefined;
  if (n.kind === 'scalar' && n.tag === '!Ref') return str(n);
  if (n.kind === 'scalar' && n.tag === '!GetAtt') return str(n)?.split('.')[0];
  if (n.kind === 'seq' && n.tag === '!GetAtt') return str(n.items![0]);
  const ref = get(n, 'Ref');
  if (ref && n.pairs!.length === 1) return str(ref);
  const ga = get(n, 'Fn::GetAtt');
  if (ga && n.pairs!.length === 1) return ga.kind === 'seq' ? str(ga.items![0]) : str(ga)?.split('.')[0];
  return undefined;
}

/** Text of an unresolved value for messages (`!ImportValue shared-tg`). */
function describe(n: TNode): string {
  if (n.kind === 'scalar') return `${n.tag ? `${n.tag} ` : ''}${str(n) ?? ''}`.trim();
  if (n.kind === 'map' && n.pairs!.length === 1) return `${n.pairs![0].key} …`;
  return n.tag ? `${n.tag} …` : '…';
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

class AlbLowering {
  private readonly resources = new Map<string, Res>();
  private readonly pools = new Map<string, Pool>();
  private readonly entries = new Map<string, EntryPoint>();
  /** Logical ids referenced from anywhere but a listener action: such target groups are never "unused". */
  private readonly refsElsewhere = new Set<string>();

  constructor(private readonly b: ModelBuilder, private readonly uri: string) {}

  private ref(range: Range): SourceRef {
    return this.b.ref(range, this.uri);
  }

  run(template: TNode): void {
    for (const p of pairs(get(template, 'Resources'))) {
      const type = str(get(p.value, 'Type')) ?? '';
      this.resources.set(p.key, { id: p.key, type, node: p.value, props: get(p.value, 'Properties') });
    }
    this.collectRefs(template, false);
    for (const r of this.resources.values()) if (r.type === `${ELB}TargetGroup`) this.targetGroup(r);
    for (const r of this.resources.values()) if (r.type === `${ELB}Listener`) this.listener(r);
    const rules = [...this.resources.values()].filter((r) => r.type === `${ELB}ListenerRule`);
    this.listenerRules(rules);
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

  private targetGroup(r: Res): void {
    const props = r.props;
    const keyRange = r.node.keyRange ?? r.node.range;
    const targetType = str(get(props, 'TargetType')) ?? 'instance';
    const enabled = bool(get(props, 'HealthCheckEnabled'));
    // HealthCheckEnabled: "If the target type is lambda, health checks are disabled by default"; otherwise on.
    const active = enabled ?? targetType !== 'lambda';
    const attrs = seq(get(props, 'TargetGroupAttributes'));
    const algo = attrs.find((a) => str(get(a, 'Key')) === 'load_balancing.algorithm.type');
    const pool = this.b.pool({
      name: r.id, namespace: NS, kind: 'target group', synthesized: false,
      algorithm: str(get(algo, 'Value')) ?? 'round_robin', shareModel: 'weighted', backupPolicy: 'all',
      healthCheck: {
        active, passive: false,
        detail: active ? undefined : 'HealthCheckEnabled is false: the load balancer keeps sending requests to failed targets.',
      },
      referencedElsewhere: this.refsElsewhere.has(r.id), source: this.ref(r.node.keyRange ? { start: keyRange.start, end: r.node.range.end } : r.node.range),
      nameSource: this.ref(keyRange),
    });
    this.pools.set(r.id, pool);
    const port = str(get(props, 'Port'));
    const targets = seq(get(props, 'Targets'));
    if (targets.length === 0) {
      this.b.server(pool, {
        name: r.id, address: `target group ${r.id}`, addressKey: `tg:${r.id}`, weight: 1, state: 'active', kind: 'service',
        healthCheck: { active, passive: false }, source: this.ref(keyRange),
      });
      return;
    }
    for (const t of targets) {
      const idNode = get(t, 'Id');
      const refd = refTarget(idNode);
      const id = refd ?? (idNode ? str(idNode) : undefined) ?? '?';
      const p = str(get(t, 'Port')) ?? port;
      const address = p ? `${id}:${p}` : id;
      const kind = targetType === 'lambda' || targetType === 'alb' ? 'service' : refd || !idNode || idNode.kind !== 'scalar' || idNode.tag ? 'hostname' : classifyAddress(address);
      this.b.server(pool, {
        name: refd ?? undefined, address, addressKey: addressKey(address), weight: 1, state: 'active', kind,
        healthCheck: { active, passive: false }, source: this.ref(t.range),
      });
    }
  }

  // ---- listeners ----

  private entryFor(listenerRef: TNode | undefined, fallback: TNode): EntryPoint {
    const id = refTarget(listenerRef);
    const listener = id ? this.resources.get(id) : undefined;
    const key = listener ? listener.id : listenerRef ? `?${describe(listenerRef)}` : '?';
    const existing = this.entries.get(key);
    if (existing) return existing;
    const node = listener?.node ?? listenerRef ?? fallback;
    const protocol = str(get(listener?.props, 'Protocol'));
    const port = str(get(listener?.props, 'Port'));
    const entry = this.b.entry({
      name: listener ? `Listener ${listener.id}` : `listener ${listenerRef ? describe(listenerRef) : '?'}`,
      namespace: NS, listen: [protocol || port ? `${protocol ?? ''} ${port ?? ''}`.trim() : '?'], hosts: [],
      source: this.ref(node.keyRange ? { start: node.keyRange.start, end: node.range.end } : node.range), selection: this.ref(anchor(node)),
    });
    this.entries.set(key, entry);
    return entry;
  }

  private listener(r: Res): void {
    const entry = this.entryFor({ kind: 'scalar', tag: '!Ref', value: r.id, range: r.node.range, keyRange: r.node.keyRange }, r.node);
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
    // Priority order per listener; rules whose priority is not a number (a parameter) keep an unknown place.
    const withPriority = rules.map((r) => ({ r, priority: num(get(r.props, 'Priority')) }));
    withPriority.sort((a, b) => (a.priority ?? Infinity) - (b.priority ?? Infinity));
    for (const { r, priority } of withPriority) {
      const entry = this.entryFor(get(r.props, 'ListenerArn'), r.node);
      const pNode = get(r.props, 'Priority');
      if (priority !== undefined && (priority < 1 || priority > 50000 || !Number.isInteger(priority)) && pNode) {
        this.b.problem('LB002', `ListenerRule Priority must be an integer from 1 to 50000, not ${str(pNode)}.`, this.ref(pNode.range));
      }
      const { match, text } = this.conditions(get(r.props, 'Conditions'));
      const actions = get(r.props, 'Actions');
      this.b.route({
        entryId: entry.id, name: `ListenerRule ${r.id}`, matchText: text, match, catchAll: false,
        evaluation: priority !== undefined
          ? { group: 'rules', strategy: 'first-match', index: priority }
          : { group: `unordered ${r.id}`, strategy: 'first-match', index: 0 },
        // Rules created under a CloudFormation `Condition` may exclude each other: no duplicate-priority claim.
        priority: get(r.node, 'Condition') ? undefined : priority,
        target: actions ? this.actionsTarget(actions) : { kind: 'none', reason: 'no actions' },
        source: this.ref(r.node.keyRange ? { start: r.node.keyRange.start, end: r.node.range.end } : r.node.range),
      });
    }
  }

  /** Conditions (all must hold; the values of one condition are alternatives). */
  private conditions(list: TNode | undefined): { match: MatchCondition[]; text: string } {
    const match: MatchCondition[] = [];
    const text: string[] = [];
    for (const c of seq(list)) {
      const field = str(get(c, 'Field')) ?? '';
      const cfg: Record<string, [string, string]> = {
        'path-pattern': ['PathPatternConfig', 'path'], 'host-header': ['HostHeaderConfig', 'host'],
        'http-header': ['HttpHeaderConfig', 'header'], 'http-request-method': ['HttpRequestMethodConfig', 'method'],
        'query-string': ['QueryStringConfig', 'query'], 'source-ip': ['SourceIpConfig', 'source-ip'],
      };
      const [cfgKey, f] = cfg[field] ?? ['', field];
      const config = cfgKey ? get(c, cfgKey) : undefined;
      let values: string[];
      let modelField = f;
      if (field === 'http-header') {
        modelField = `header:${(str(get(config, 'HttpHeaderName')) ?? '').toLowerCase()}`;
        values = seq(get(config, 'Values')).map((v) => str(v) ?? '');
      } else if (field === 'query-string') {
        values = seq(get(config, 'Values')).map((v) => `${str(get(v, 'Key')) ?? ''}=${str(get(v, 'Value')) ?? ''}`);
      } else {
        values = seq(get(config, 'Values') ?? get(c, 'Values')).map((v) => str(v) ?? describe(v));
      }
      text.push(`${field} ${values.join(',')}`);
      if (values.length === 1 && (f === 'path' || f === 'host' || f.startsWith('header:'))) {
        const cond = patternCondition(f === 'host' ? 'host' : modelField, values[0]);
        if (cond) match.push(cond);
      } else if (values.length === 1 && f === 'method') {
        match.push({ field: 'method', op: 'exact', value: values[0].toUpperCase() });
      } else if (values.length === 1 && (f === 'path') && (values[0] === '*' || values[0] === '/*')) {
        // every request
      } else {
        match.push({ field: modelField, op: 'opaque', value: values.join('|') });
      }
    }
    return { match, text: text.join(' & ') || '*' };
  }

  /** The terminal action (forward, redirect, fixed-response) after any authenticate actions, by Order. */
  private actionsTarget(actions: TNode): RouteTarget {
    const list = seq(actions).slice().sort((a, b) => (num(get(a, 'Order')) ?? 0) - (num(get(b, 'Order')) ?? 0));
    const terminal = list.find((a) => !/^authenticate/.test(str(get(a, 'Type')) ?? ''));
    if (!terminal) return actions.kind === 'seq' ? { kind: 'none', reason: 'no action' } : { kind: 'dynamic', text: describe(actions), nameSource: this.ref(actions.range) };
    const type = str(get(terminal, 'Type')) ?? '';
    if (type !== 'forward') return { kind: 'none', reason: type || 'action' };
    const groups = seq(get(terminal, 'ForwardConfig', 'TargetGroups'));
    if (groups.length > 0) {
      const parts = groups.map((g) => {
        const arn = get(g, 'TargetGroupArn') ?? g;
        const wNode = get(g, 'Weight');
        let weight = wNode ? num(wNode) : 1;
        // TargetGroupTuple.Weight: "The weight. The range is 0 to 999."
        if (wNode && (weight === undefined || weight < 0 || weight > 999 || !Number.isInteger(weight))) {
          if (weight !== undefined || !wNode.tag) this.b.problem('LB002', `Target group weight must be an integer from 0 to 999, not ${str(wNode) ?? describe(wNode)}.`, this.ref(wNode.range));
          weight = weight === undefined ? 1 : Math.max(0, Math.min(999, Math.round(weight)));
        }
        return this.targetRef(arn, weight ?? 1);
      });
      if (parts.some((p) => p.dynamic)) {
        const d = parts.find((p) => p.dynamic)!;
        return { kind: 'dynamic', text: d.name, nameSource: d.nameSource };
      }
      if (parts.length === 1 && parts[0].weight > 0) {
        const p = parts[0];
        return { kind: 'pool', name: p.name, namespace: NS, poolId: p.poolId, nameSource: p.nameSource };
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
    if (id && (this.pools.has(id) || !this.resources.has(id) && !this.isParameter(id))) {
      // A reference to a target group of the template, or to a logical id defined nowhere (LB103).
      return { name: id, namespace: NS, weight, poolId: this.pools.get(id)?.id, nameSource, dynamic: false };
    }
    // A parameter, an import, a literal ARN, a condition (`Fn::If`): resolved by CloudFormation at deploy time.
    return { name: describe(arn), namespace: NS, weight, nameSource, dynamic: true };
  }

  private params = new Set<string>();
  setParameters(template: TNode): void {
    for (const p of pairs(get(template, 'Parameters'))) this.params.add(p.key);
  }
  private isParameter(id: string): boolean {
    return this.params.has(id) || id.startsWith('AWS::');
  }
}

export function lowerAlb(uri: string, text: string, _host: FormatHost): TrafficModel {
  const file = loadYaml(text);
  const b = builderFor('aws-alb', uri, file);
  for (const t of yamlTrees(file)) {
    if (t.kind !== 'map' || !get(t, 'Resources')) continue;
    const l = new AlbLowering(b, uri);
    l.setParameters(t);
    l.run(t);
  }
  return b.model;
}
