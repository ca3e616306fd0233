import { ModelBuilder } from '../../model/builder';
import type { MatchCondition, Pool, RouteTarget, SourceRef, TrafficModel } from '../../model/types';
import type { FormatHost } from '../types';
import { entries, get, isMap, isScalar, items, loadYaml, num, str, type Node, type YamlDoc } from '../yaml/yamlFile';

/*
 * Lowering of Istio networking resources into the traffic model, following istio.io/latest/docs/reference/
 * config/networking/virtual-service and …/destination-rule:
 * - a VirtualService is an entry point; its `http`, `tcp` and `tls` routes are evaluated in order and the first
 *   match wins; a route without `match` matches everything; one route with several `match` entries matches when
 *   any of them does (each entry becomes one model route, in order);
 * - a destination (`host` + optional `subset`) is a pool whose single server is that service (subset): Istio
 *   balances over the service's endpoints, which the configuration does not list (Server.kind 'service');
 * - several destinations split the traffic by relative `weight`: a destination receives weight / Σ weights;
 *   a single destination receives everything, whatever its weight;
 * - DestinationRules give the subsets (`subsets[].name`), the load balancer and outlier detection (passive
 *   health checking).
 */

const NS = 'istio';
/** DestinationRule LoadBalancerSettings.SimpleLB. */
const SIMPLE_LB = new Set(['UNSPECIFIED', 'RANDOM', 'PASSTHROUGH', 'ROUND_ROBIN', 'LEAST_REQUEST', 'LEAST_CONN']);
const MATCH_ALL_REGEX = new Set(['.*', '^.*$', '^.*', '.*$', '(.*)', '^(.*)$', '/.*', '^/.*', '^/.*$']);

interface Subset {
  doc: YamlDoc;
  uri: string;
  node: Node;
  nameNode: Node;
  algorithm?: string;
  passive: boolean;
}

interface Rule {
  doc: YamlDoc;
  uri: string;
  host: string;
  hostNode: Node;
  subsets: Map<string, Subset>;
  algorithm?: string;
  passive: boolean;
}

const kindOf = (root: Node | null) => (isMap(root) ? str(get(root, 'kind')) : undefined);
const isIstio = (root: Node | null) => /^networking\.istio\.io\//.test(str(get(root ?? undefined, 'apiVersion')) ?? '');
const namespaceOf = (root: Node | null) => str(get(root ?? undefined, 'metadata', 'namespace')) ?? 'default';

/** Short names are relative to the resource's namespace (`reviews` → `reviews.default.svc.cluster.local`). */
export function fqdn(host: string, namespace: string): string {
  const h = host.trim().toLowerCase();
  if (!h || h.includes('.') || h.includes('*')) return h;
  return `${h}.${namespace}.svc.cluster.local`;
}

function algorithmOf(policy: Node | undefined): string | undefined {
  const lb = get(policy, 'loadBalancer');
  if (!lb) return undefined;
  const simple = str(get(lb, 'simple'));
  if (simple) return simple.toLowerCase();
  if (get(lb, 'consistentHash')) return 'consistent_hash';
  return undefined;
}

class IstioLowering {
  readonly b: ModelBuilder;
  private readonly pools = new Map<string, Pool>();
  /** DestinationRules by host: this file's and those of sibling files. */
  private readonly rules: Rule[] = [];

  constructor(readonly uri: string, private readonly docs: YamlDoc[], private readonly host: FormatHost) {
    this.b = new ModelBuilder('istio', uri);
  }

  ref(doc: YamlDoc, node: Node | undefined | null, uri = this.uri): SourceRef {
    return { uri, range: doc.range(node) };
  }

  run(): TrafficModel {
    for (const doc of this.docs) if (kindOf(doc.root) === 'DestinationRule' && isIstio(doc.root)) this.rule(doc, this.uri, true);
    if (this.docs.some((d) => kindOf(d.root) === 'VirtualService')) this.siblingRules();
    for (const doc of this.docs) if (kindOf(doc.root) === 'VirtualService' && isIstio(doc.root)) this.virtualService(doc);
    // Pools exist only for destinations and subsets written down, so nothing is "unused"; an unresolved
    // reference is a subset missing from DestinationRules that do define the host (see resolve()).
    this.b.model.closedWorld = true;
    return this.b.model;
  }

  /** DestinationRules of the other `*.yaml` / `*.yml` files of the folder (a manifests directory). */
  private siblingRules() {
    const others = [...this.host.glob('*.yaml', this.uri), ...this.host.glob('*.yml', this.uri)].filter((u) => u !== this.uri);
    for (const uri of others.slice(0, 500)) {
      const text = this.host.readFile(uri);
      if (!text || text.length > 4_000_000 || !text.includes('DestinationRule') || !text.includes('networking.istio.io')) continue;
      const file = loadYaml(text);
      for (const doc of file.docs) if (kindOf(doc.root) === 'DestinationRule' && isIstio(doc.root)) this.rule(doc, uri, false);
      if (!this.b.model.files.includes(uri)) this.b.model.files.push(uri);
    }
  }

  private rule(doc: YamlDoc, uri: string, own: boolean) {
    const root = doc.root;
    const spec = get(root, 'spec');
    const hostNode = get(spec, 'host');
    const host = str(hostNode);
    if (!host || !hostNode) return;
    const ns = namespaceOf(root);
    const policy = get(spec, 'trafficPolicy');
    const rule: Rule = {
      doc, uri, host: fqdn(host, ns), hostNode, subsets: new Map(),
      algorithm: algorithmOf(policy), passive: isMap(get(policy, 'outlierDetection')),
    };
    const simpleNode = get(policy, 'loadBalancer', 'simple');
    if (own && simpleNode && !SIMPLE_LB.has((str(simpleNode) ?? '').toUpperCase())) {
      this.b.problem('LB002', `Unknown load balancer "${str(simpleNode)}" (expected ${[...SIMPLE_LB].join(', ')}).`, this.ref(doc, simpleNode));
    }
    for (const s of items(get(spec, 'subsets'))) {
      const nameNode = get(s, 'name');
      const name = str(nameNode);
      if (!name || !nameNode) continue;
      const sp = get(s, 'trafficPolicy');
      const subset: Subset = {
        doc, uri, node: s, nameNode, algorithm: algorithmOf(sp) ?? rule.algorithm,
        passive: isMap(get(sp, 'outlierDetection')) || rule.passive,
      };
      if (!rule.subsets.has(name)) rule.subsets.set(name, subset);
      // The rule's own subsets are pools of this file (outline, definition); VirtualServices elsewhere may use them.
      if (own) this.subsetPool(rule, name, subset, true);
    }
    this.rules.push(rule);
  }

  private rulesFor(host: string): Rule[] {
    const exact = this.rules.filter((r) => r.host === host);
    if (exact.length) return exact;
    return this.rules.filter((r) => r.host === '*' || (r.host.startsWith('*.') && host.endsWith(r.host.slice(1))));
  }

  private newPool(name: string, kind: string, address: string, algorithm: string | undefined, passive: boolean, source: SourceRef, nameSource: SourceRef, elsewhere: boolean) {
    const pool = this.b.pool({
      name, namespace: NS, kind, synthesized: false, algorithm: algorithm ?? 'default', shareModel: 'weighted', backupPolicy: 'all',
      healthCheck: {
        active: false, passive,
        detail: passive ? 'Passive: outlierDetection ejects failing endpoints.' : 'Istio has no outlier detection unless the DestinationRule sets outlierDetection.',
      },
      referencedElsewhere: elsewhere || undefined, source, nameSource,
    });
    this.b.server(pool, {
      name: name.replace(/\.svc\.cluster\.local(?=\||$)/, ''), address, addressKey: address.toLowerCase(), weight: 1, state: 'active', kind: 'service',
      healthCheck: { active: false, passive }, source,
    });
    this.pools.set(name, pool);
    return pool;
  }

  private subsetPool(rule: Rule, subset: string, s: Subset, elsewhere: boolean): Pool {
    const name = `${rule.host}|${subset}`;
    const existing = this.pools.get(name);
    if (existing) return existing;
    return this.newPool(name, 'subset', rule.host, s.algorithm, s.passive, this.ref(s.doc, s.node, s.uri), this.ref(s.doc, s.nameNode, s.uri), elsewhere);
  }

  /** The pool of a destination; `poolId` undefined when a DestinationRule of the host exists but lacks the subset. */
  private resolve(doc: YamlDoc, dest: Node, ns: string): { name: string; poolId?: string; nameSource: SourceRef } | undefined {
    const hostNode = get(dest, 'host');
    const host = str(hostNode);
    if (!host) return undefined;
    const fq = fqdn(host, ns);
    const subsetNode = get(dest, 'subset');
    const subset = str(subsetNode);
    const port = str(get(dest, 'port', 'number'));
    const name = subset ? `${fq}|${subset}` : fq;
    const nameSource = this.ref(doc, subsetNode ?? hostNode);
    const known = this.pools.get(name);
    if (known) return { name, poolId: known.id, nameSource };
    const rules = this.rulesFor(fq);
    if (subset) {
      for (const r of rules) {
        const s = r.subsets.get(subset);
        if (s) return { name, poolId: this.subsetPool(r, subset, s, false).id, nameSource };
      }
      // Some DestinationRule defines the host but none has this subset: the whole set was seen, so this is a
      // real undefined reference (Istio answers 503 "no healthy upstream"). Without any rule for the host the
      // set is not known to be complete: say nothing.
      if (rules.length) return { name, nameSource };
    }
    const rule = rules[0];
    const address = port ? `${fq}:${port}` : fq;
    const pool = this.newPool(
      name, subset ? 'subset' : 'service', address, rule?.algorithm, rule?.passive ?? false, nameSource,
      rule && !subset && rule.uri === this.uri ? this.ref(rule.doc, rule.hostNode, rule.uri) : nameSource, false,
    );
    return { name, poolId: pool.id, nameSource };
  }

  private virtualService(doc: YamlDoc) {
    const root = doc.root;
    const spec = get(root, 'spec');
    const ns = namespaceOf(root);
    const nameNode = get(root, 'metadata', 'name');
    const gateways = items(get(spec, 'gateways')).map(str).filter((s): s is string => !!s);
    const entry = this.b.entry({
      name: `VirtualService ${str(nameNode) ?? ''}`.trim(), namespace: NS,
      listen: gateways.length ? gateways : ['mesh'],
      hosts: items(get(spec, 'hosts')).map(str).filter((s): s is string => !!s),
      source: this.ref(doc, root), selection: this.ref(doc, nameNode ?? root),
    });
    for (const proto of ['http', 'tcp', 'tls'] as const) {
      let index = 0;
      for (const [i, route] of items(get(spec, proto)).entries()) {
        const target = this.target(doc, route, ns, proto);
        const label = `${proto}[${i}]${str(get(route, 'name')) ? ` "${str(get(route, 'name'))}"` : ''}`;
        const matches = items(get(route, 'match'));
        const alternatives = matches.length ? matches : [undefined];
        for (const [j, m] of alternatives.entries()) {
          const { match, text } = this.match(m, proto);
          this.b.route({
            entryId: entry.id,
            name: `${label}${alternatives.length > 1 ? ` match[${j}]` : ''}`,
            matchText: text, match, catchAll: match.length === 0,
            evaluation: { group: `${entry.id}:${proto}`, strategy: 'first-match', index: index++ },
            target, source: this.ref(doc, alternatives.length > 1 && m ? m : route),
          });
        }
      }
    }
  }

  private target(doc: YamlDoc, route: Node, ns: string, proto: string): RouteTarget {
    const dests = items(get(route, 'route'));
    if (dests.length === 0) {
      if (get(route, 'redirect')) return { kind: 'none', reason: 'redirect' };
      if (get(route, 'directResponse')) return { kind: 'none', reason: `directResponse ${str(get(route, 'directResponse', 'status')) ?? ''}`.trim() };
      const delegate = get(route, 'delegate');
      if (delegate) {
        const text = `delegate ${str(get(delegate, 'name')) ?? ''}${get(delegate, 'namespace') ? `.${str(get(delegate, 'namespace'))}` : ''}`;
        return { kind: 'dynamic', text, nameSource: this.ref(doc, delegate) };
      }
      return { kind: 'none', reason: `${proto} route without destination` };
    }
    const parts: Extract<RouteTarget, { kind: 'split' }>['parts'] = [];
    let total = 0;
    for (const d of dests) {
      const weightNode = get(d, 'weight');
      const weight = num(weightNode) ?? 0;
      // Only scalars are checked: a `{{.Weight}}` template placeholder parses as a map and is not a value yet.
      if (isScalar(weightNode) && (num(weightNode) === undefined || weight < 0)) {
        this.b.problem('LB002', `A destination weight must be a non-negative integer (got "${str(weightNode) ?? '…'}").`, this.ref(doc, weightNode));
      }
      total += Math.max(0, weight);
      const dest = get(d, 'destination');
      const r = dest ? this.resolve(doc, dest, ns) : undefined;
      if (r) parts.push({ name: r.name, namespace: NS, weight: Math.max(0, weight), poolId: r.poolId, nameSource: r.nameSource });
    }
    if (parts.length === 0) return { kind: 'none', reason: 'no destination host' };
    // "If there is only one destination in a rule, it will receive all traffic" — whatever its weight.
    if (dests.length === 1) {
      const p = parts[0];
      return { kind: 'pool', name: p.name, namespace: NS, poolId: p.poolId, nameSource: p.nameSource };
    }
    // Weights are relative (weight / Σ weights) since Istio dropped the "must sum to 100" check; the validation
    // webhook still rejects several destinations whose weights are all 0 ("total destination weight = 0").
    if (total === 0) {
      this.b.problem('LB002', `The weights of the ${dests.length} destinations add up to 0: Istio rejects the route ("total destination weight = 0").`, this.ref(doc, get(route, 'route')));
    }
    return { kind: 'split', parts };
  }

  /** HTTPMatchRequest / L4MatchAttributes / TLSMatchAttributes → conditions. */
  private match(m: Node | undefined, proto: string): { match: MatchCondition[]; text: string } {
    const match: MatchCondition[] = [];
    const text: string[] = [];
    if (!m) return { match, text: '*' };
    const flags = str(get(m, 'ignoreUriCase')) === 'true' ? 'i' : undefined;
    const stringMatch = (field: string, sm: Node | undefined, shown: string, negated = false) => {
      const exact = str(get(sm, 'exact'));
      const prefix = str(get(sm, 'prefix'));
      const regex = str(get(sm, 'regex'));
      let c: MatchCondition;
      if (exact !== undefined) c = { field, op: 'exact', value: exact };
      else if (prefix !== undefined) c = { field, op: 'prefix', value: prefix };
      // Istio regexes are RE2 and must match the whole value (Envoy safe_regex).
      else if (regex !== undefined) c = { field, op: 'regex', value: MATCH_ALL_REGEX.has(regex) ? '.*' : `^(?:${regex})$` };
      else c = { field, op: 'opaque', value: negated ? 'absent' : 'present' };
      if (field === 'path' && flags) c.flags = flags;
      if (negated) c.negated = true;
      // A path prefix "/" or a match-everything regex holds for every request.
      if (field === 'path' && !negated && ((c.op === 'prefix' && (c.value === '/' || c.value === '')) || (c.op === 'regex' && c.value === '.*'))) {
        text.push(`${shown} ${prefix ?? regex}`);
        return;
      }
      match.push(c);
      text.push(`${negated ? '!' : ''}${shown}${c.op === 'exact' ? '=' : c.op === 'prefix' ? '^=' : c.op === 'regex' ? '~' : ' '}${exact ?? prefix ?? regex ?? c.value}`);
    };
    if (proto === 'http') {
      const uri = get(m, 'uri');
      if (uri) stringMatch('path', uri, 'uri');
      for (const key of ['scheme', 'method', 'authority'] as const) {
        const v = get(m, key);
        if (v) stringMatch(key === 'authority' ? 'host' : key, v, key);
      }
      for (const { key, value } of entries(get(m, 'headers'))) stringMatch(`header:${key.toLowerCase()}`, value, `header ${key}`);
      for (const { key, value } of entries(get(m, 'withoutHeaders'))) stringMatch(`header:${key.toLowerCase()}`, value, `header ${key}`, true);
      for (const { key, value } of entries(get(m, 'queryParams'))) stringMatch(`query:${key}`, value, `query ${key}`);
    }
    if (proto === 'tls') {
      const sni = items(get(m, 'sniHosts')).map(str).filter((s): s is string => !!s);
      if (sni.length === 1 && !sni[0].includes('*')) match.push({ field: 'sni', op: 'exact', value: sni[0].toLowerCase() });
      else if (sni.length) match.push({ field: 'sni', op: 'opaque', value: sni.join(',') });
      if (sni.length) text.push(`sni ${sni.join(',')}`);
    }
    const port = str(get(m, 'port'));
    if (port) {
      match.push({ field: 'port', op: 'exact', value: port });
      text.push(`port ${port}`);
    }
    for (const key of ['sourceLabels', 'gateways', 'sourceNamespace', 'destinationSubnets', 'sourceSubnet']) {
      const v = get(m, key);
      if (!v) continue;
      const value = isScalar(v) ? (str(v) ?? '') : isMap(v) ? entries(v).map((e) => `${e.key}=${str(e.value) ?? ''}`).join(',') : items(v).map(str).join(',');
      match.push({ field: key, op: 'opaque', value });
      text.push(`${key} ${value}`);
    }
    return { match, text: text.join(' & ') || '*' };
  }
}

/** Parse Istio VirtualServices and DestinationRules (multi-document YAML or JSON). Never throws. */
export function lowerIstio(uri: string, text: string, host: FormatHost): TrafficModel {
  const file = loadYaml(text);
  const lowering = new IstioLowering(uri, file.docs, host);
  const b = lowering.b;
  for (const e of file.errors) b.problem('LB001', e.message, b.ref(e.range));
  for (const c of file.comments) b.comment({ text: c.text, source: b.ref(c.range) });
  return lowering.run();
}

