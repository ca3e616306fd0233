import type { ModelBuilder } from '../../model/builder';
import type { EntryPoint, MatchCondition, Pool, Range, RouteEvaluation, RouteTarget, TrafficModel } from '../../model/types';
import { builderFor, siblings } from '../declarative/common';
import { anchor, get, num, pairs, seq, str, strings, yamlTrees, type TNode } from '../declarative/tree';
import type { FormatHost } from '../types';
import { loadYaml } from '../yaml/yamlFile';

/*
 * Kubernetes Ingress (networking.k8s.io/v1, v1beta1, extensions/v1beta1) and Gateway API routes
 * (gateway.networking.k8s.io HTTPRoute, GRPCRoute, TCPRoute, TLSRoute, UDPRoute) lowered into the model.
 *
 * Backends are Kubernetes Services (or other backend kinds): logical sets of endpoints, so each becomes a pool
 * with one `service` server — the preview shows shares per Service, and LB101/LB102/LB108, which are about
 * individual machines, stay quiet for a deliberate 100/0 shift between Services.
 *
 * Every Service lives in the pool namespace `k8s`; pools are keyed `<namespace>/<name>`.
 */

const NS = 'k8s';

/** A Kubernetes object found in a file: a document, an item of a `List`, or an entry of a grouped test input. */
export interface Resource {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  node: TNode;
  uri: string;
}

const ROUTE_KINDS = new Set(['HTTPRoute', 'GRPCRoute', 'TCPRoute', 'TLSRoute', 'UDPRoute']);

export function isIngressApi(apiVersion: string): boolean {
  return /^(networking\.k8s\.io|extensions)\//.test(apiVersion);
}
export function isGatewayApi(apiVersion: string): boolean {
  return apiVersion.startsWith('gateway.networking.k8s.io/');
}

/** Resources of a document tree: the object itself, `kind: List` items, or maps of resource lists. */
export function resourcesOf(root: TNode, uri: string, out: Resource[] = [], depth = 0): Resource[] {
  if (depth > 3) return out;
  if (root.kind === 'seq') {
    for (const item of root.items!) resourcesOf(item, uri, out, depth + 1);
    return out;
  }
  if (root.kind !== 'map') return out;
  const apiVersion = str(get(root, 'apiVersion'));
  const kind = str(get(root, 'kind'));
  if (apiVersion && kind) {
    if (kind.endsWith('List')) {
      for (const item of seq(get(root, 'items'))) resourcesOf(item, uri, out, depth + 1);
      return out;
    }
    out.push({
      apiVersion, kind, uri, node: root,
      name: str(get(root, 'metadata', 'name')) ?? '',
      namespace: str(get(root, 'metadata', 'namespace')) ?? 'default',
    });
    return out;
  }
  // Grouped test inputs (`httpRoutes: [...]`, `services: [...]`): lists of resources under plain keys.
  for (const p of pairs(root)) if (p.value.kind === 'seq') resourcesOf(p.value, uri, out, depth + 1);
  return out;
}

interface ServiceDef {
  key: string;
  resource: Resource;
}

class KubernetesLowering {
  private readonly pools = new Map<string, Pool>();
  private readonly services = new Map<string, ServiceDef>();
  private closed = false;

  constructor(private readonly b: ModelBuilder, private readonly uri: string) {}

  run(resources: Resource[], siblingResources: Resource[], listed: boolean): void {
    for (const r of [...resources, ...siblingResources]) {
      if (r.kind === 'Service' && r.apiVersion === 'v1') {
        const key = `${r.namespace}/${r.name}`;
        if (!this.services.has(key)) this.services.set(key, { key, resource: r });
      }
    }
    // Services referenced but not defined are "undefined" only when the folder was listed and holds Service
    // manifests: the set of manifests is then taken as whole. Otherwise Services live elsewhere (open world).
    this.closed = listed && this.services.size > 0;
    this.b.model.closedWorld = this.closed;
    for (const r of resources) {
      if (r.kind === 'Ingress' && isIngressApi(r.apiVersion)) this.ingress(r);
      else if (ROUTE_KINDS.has(r.kind) && isGatewayApi(r.apiVersion)) this.gatewayRoute(r);
    }
  }

  private ref(range: Range) {
    return this.b.ref(range, this.uri);
  }

  // ---- backends ----

  /** The pool of a backend (Service or other kind); undefined only for an undefined Service in a closed world. */
  private backendPool(kind: string, name: string, namespace: string, port: string | undefined, at: TNode): Pool | undefined {
    const key = `${kind === 'Service' ? '' : `${kind}:`}${namespace}/${name}`;
    const existing = this.pools.get(key);
    if (existing) return existing;
    const def = kind === 'Service' ? this.services.get(`${namespace}/${name}`) : undefined;
    if (kind === 'Service' && !def && this.closed) return undefined;
    const display = `${kind === 'Service' ? '' : `${kind} `}${namespace === 'default' ? name : `${namespace}/${name}`}`;
    const src = def ? this.b.ref(anchor(get(def.resource.node, 'metadata', 'name') ?? def.resource.node), def.resource.uri) : this.ref(at.range);
    const pool = this.b.pool({
      name: display, namespace: NS, kind: kind === 'Service' ? 'service' : kind, synthesized: false, algorithm: 'kube-proxy',
      shareModel: 'weighted', backupPolicy: 'all',
      // Kubernetes removes endpoints whose readiness probe fails: the Service itself is the health-checked unit.
      healthCheck: { active: true, passive: false, detail: 'Endpoints are health-checked by their readiness probes.' },
      referencedElsewhere: true, source: src, nameSource: src,
    });
    const address = `${name}.${namespace}${port ? `:${port}` : ''}`;
    this.b.server(pool, { name: display, address, addressKey: address.toLowerCase(), weight: 1, state: 'active', kind: 'service', source: src });
    this.pools.set(key, pool);
    return pool;
  }

  /** A route target for weighted backend refs (Gateway API `backendRefs`). */
  private backendTarget(refs: TNode[], routeNamespace: string, defaultKind: string): RouteTarget {
    const parts: Array<{ name: string; namespace: string; weight: number; poolId?: string; nameSource: ReturnType<KubernetesLowering['ref']> }> = [];
    for (const ref of refs) {
      const name = str(get(ref, 'name'));
      const nameNode = get(ref, 'name') ?? ref;
      if (!name) continue;
      const kind = str(get(ref, 'kind')) ?? defaultKind;
      const namespace = str(get(ref, 'namespace')) ?? routeNamespace;
      const weightNode = get(ref, 'weight');
      let weight = weightNode ? num(weightNode) : 1;
      // Gateway API BackendRef.weight: "Weight … defaults to 1"; minimum 0, maximum 1000000.
      if (weight === undefined || weight < 0 || weight > 1_000_000 || !Number.isInteger(weight)) {
        if (weightNode) this.b.problem('LB002', `backendRef weight must be an integer from 0 to 1000000, not "${str(weightNode) ?? ''}".`, this.ref(weightNode.range));
        weight = weight === undefined || weight < 0 ? 1 : Math.min(Math.round(weight), 1_000_000);
      }
      const pool = this.backendPool(kind, name, namespace, str(get(ref, 'port')), nameNode);
      const label = pool?.name ?? (namespace === routeNamespace || namespace === 'default' ? name : `${namespace}/${name}`);
      parts.push({ name: label, namespace: NS, weight, poolId: pool?.id, nameSource: this.ref(nameNode.range) });
    }
    if (parts.length === 0) return { kind: 'none', reason: 'no backendRefs' };
    if (parts.length === 1 && parts[0].weight > 0) {
      const p = parts[0];
      return { kind: 'pool', name: p.name, namespace: NS, poolId: p.poolId, nameSource: p.nameSource };
    }
    // Several refs, or a single ref of weight 0 ("weight 0 … no traffic should be forwarded"): a split, so
    // that all weights 0 leaves nothing served (LB104).
    return { kind: 'split', parts };
  }

  // ---- Ingress ----

  /**
   * Ingress (kubernetes.io/docs/concepts/services-networking/ingress/#path-types): `Exact` matches the path
   * exactly; `Prefix` matches element by element, ignoring a trailing slash; "if two or more paths still
   * match, the longest matching path wins" and Exact wins over Prefix. `ImplementationSpecific` is up to the
   * IngressClass: taken as a prefix in a group of its own, so it never conflicts with the other two.
   */
  private ingress(r: Resource): void {
    const spec = get(r.node, 'spec');
    const hosts = [...new Set(seq(get(spec, 'rules')).map((rule) => str(get(rule, 'host')) ?? '*'))];
    const nameNode = get(r.node, 'metadata', 'name') ?? r.node;
    const entry = this.b.entry({
      name: `Ingress ${r.name}`, namespace: NS, listen: [str(get(spec, 'ingressClassName')) ?? str(get(r.node, 'metadata', 'annotations', 'kubernetes.io/ingress.class')) ?? 'ingress'].filter(Boolean),
      hosts: hosts.filter((h) => h !== '*'), source: this.ref(r.node.range), selection: this.ref(anchor(nameNode)),
    });
    const defaultBackend = get(spec, 'defaultBackend') ?? get(spec, 'backend');
    if (defaultBackend) {
      this.b.route({
        entryId: entry.id, name: `Ingress ${r.name} defaultBackend`, matchText: '*', match: [], catchAll: true,
        evaluation: { group: 'default', strategy: 'first-match', index: 0 },
        target: this.ingressBackend(defaultBackend, r.namespace), source: this.ref(span(defaultBackend)),
      });
    }
    for (const rule of seq(get(spec, 'rules'))) {
      const host = str(get(rule, 'host'));
      for (const p of seq(get(rule, 'http', 'paths'))) {
        const path = str(get(p, 'path')) ?? '/';
        const pathType = str(get(p, 'pathType')) ?? 'ImplementationSpecific';
        const match: MatchCondition[] = [];
        if (host) match.push({ field: 'host', op: 'exact', value: host.toLowerCase() });
        let evaluation: RouteEvaluation;
        let text: string;
        const hostGroup = host ?? '*';
        if (pathType === 'Exact') {
          match.push({ field: 'path', op: 'exact', value: path });
          evaluation = { group: `${hostGroup} exact`, strategy: 'exact', index: 0 };
          text = `${host ?? '*'} path = ${path}`;
        } else {
          if (pathType !== 'Prefix' && pathType !== 'ImplementationSpecific') {
            const n = get(p, 'pathType')!;
            this.b.problem('LB002', `pathType must be Exact, Prefix or ImplementationSpecific, not "${pathType}".`, this.ref(n.range));
          }
          // "/foo/bar/ matches /foo/bar": a trailing slash is ignored for Prefix.
          const value = pathType === 'Prefix' && path.length > 1 ? path.replace(/\/+$/, '') || '/' : path;
          const regexy = pathType === 'ImplementationSpecific' && /[()[\]*+?$^|\\]/.test(path);
          if (!(value === '/' && pathType === 'Prefix')) match.push({ field: 'path', op: regexy ? 'regex' : 'prefix', value });
          evaluation = { group: `${hostGroup} ${pathType === 'Prefix' ? 'prefix' : 'implementation-specific'}`, strategy: 'longest-prefix', index: 0 };
          text = `${host ?? '*'} path ${pathType === 'Prefix' ? '' : '(ImplementationSpecific) '}${path}`;
        }
        const backend = get(p, 'backend');
        this.b.route({
          entryId: entry.id, name: `Ingress ${r.name} ${host ?? '*'}${path}`, matchText: text, match,
          catchAll: !host && match.length === 0, evaluation,
          target: backend ? this.ingressBackend(backend, r.namespace) : { kind: 'none', reason: 'no backend' },
          source: this.ref(span(p)),
        });
      }
    }
  }

  private ingressBackend(backend: TNode, namespace: string): RouteTarget {
    const service = get(backend, 'service');
    const nameNode = get(service, 'name') ?? get(backend, 'serviceName');
    const name = str(nameNode);
    if (!name || !nameNode) {
      const resource = get(backend, 'resource');
      return { kind: 'none', reason: resource ? `resource ${str(get(resource, 'kind')) ?? ''} ${str(get(resource, 'name')) ?? ''}`.trim() : 'no service' };
    }
    const port = str(get(service, 'port', 'number')) ?? str(get(service, 'port', 'name')) ?? str(get(backend, 'servicePort'));
    const pool = this.backendPool('Service', name, namespace, port, nameNode);
    return { kind: 'pool', name: pool?.name ?? name, namespace: NS, poolId: pool?.id, nameSource: this.ref(nameNode.range) };
  }

  // ---- Gateway API ----

  private gatewayRoute(r: Resource): void {
    const spec = get(r.node, 'spec');
    const nameNode = get(r.node, 'metadata', 'name') ?? r.node;
    const parents = seq(get(spec, 'parentRefs')).map((p) => {
      const n = str(get(p, 'name')) ?? '?';
      const s = str(get(p, 'sectionName'));
      return s ? `${n}/${s}` : n;
    });
    const entry = this.b.entry({
      name: `${r.kind} ${r.name}`, namespace: NS, listen: parents, hosts: strings(get(spec, 'hostnames')),
      source: this.ref(r.node.range), selection: this.ref(anchor(nameNode)),
    });
    const rules = seq(get(spec, 'rules'));
    if (r.kind === 'HTTPRoute' || r.kind === 'GRPCRoute') this.orderedRules(r, entry, rules);
    else {
      // TCPRoute/TLSRoute/UDPRoute rules have no matches: each forwards its connections to its backendRefs.
      rules.forEach((rule, i) => {
        this.b.route({
          entryId: entry.id, name: `${r.kind} ${r.name} rule ${i + 1}`, matchText: '*', match: [], catchAll: true,
          evaluation: { group: `rule ${i + 1}`, strategy: 'first-match', index: 0 },
          target: this.backendTarget(seq(get(rule, 'backendRefs')), r.namespace, 'Service'), source: this.ref(span(rule)),
        });
      });
    }
  }

  /**
   * HTTPRoute/GRPCRoute precedence, from the HTTPRouteRule API reference: among matching rules the one with
   * (1) an Exact path match, (2) the longest PathPrefix, (3) a method match, (4) the largest number of header
   * matches, (5) the largest number of query param matches wins; ties go to the oldest route, then
   * alphabetical order, then rule and match order. GRPCRoute: the longest service, then method, then the
   * most header matches. Routes are one first-match group sorted by that key, equal keys keeping their
   * written order.
   */
  private orderedRules(r: Resource, entry: EntryPoint, rules: TNode[]): void {
    type Item = { key: number[]; order: number; match: MatchCondition[]; text: string; source: Range; target: RouteTarget; ruleIndex: number };
    const list: Item[] = [];
    let order = 0;
    rules.forEach((rule, ruleIndex) => {
      const refs = seq(get(rule, 'backendRefs'));
      const redirect = seq(get(rule, 'filters')).find((f) => str(get(f, 'type')) === 'RequestRedirect');
      const target: RouteTarget = refs.length === 0 && redirect
        ? { kind: 'none', reason: 'RequestRedirect' }
        : refs.length === 0
          ? { kind: 'none', reason: 'no backendRefs (the Gateway answers 404/500)' }
          : this.backendTarget(refs, r.namespace, 'Service');
      for (const f of seq(get(rule, 'filters'))) {
        const mirror = get(f, 'requestMirror', 'backendRef');
        const mn = str(get(mirror, 'name'));
        if (mirror && mn) {
          const pool = this.backendPool(str(get(mirror, 'kind')) ?? 'Service', mn, str(get(mirror, 'namespace')) ?? r.namespace, str(get(mirror, 'port')), get(mirror, 'name')!);
          if (pool) this.b.mention({ name: pool.name, namespace: NS, source: this.ref(get(mirror, 'name')!.range) });
        }
      }
      const matches = seq(get(rule, 'matches'));
      const ms = matches.length ? matches : [undefined];
      for (const m of ms) {
        const d = r.kind === 'GRPCRoute' ? grpcMatch(m) : httpMatch(m);
        list.push({ ...d, order: order++, target, ruleIndex, source: m ? m.range : span(rule) });
      }
    });
    list.sort((a, b) => {
      for (let i = 0; i < Math.max(a.key.length, b.key.length); i++) {
        const d = (b.key[i] ?? 0) - (a.key[i] ?? 0);
        if (d !== 0) return d;
      }
      return a.order - b.order;
    });
    list.forEach((it, index) => {
      this.b.route({
        entryId: entry.id, name: `${r.kind} ${r.name} rule ${it.ruleIndex + 1} (${it.text})`, matchText: it.text, match: it.match,
        catchAll: it.match.length === 0, evaluation: { group: 'rules', strategy: 'first-match', index },
        target: it.target, source: this.ref(it.source),
      });
    });
  }
}

const span = (n: TNode): Range => (n.keyRange ? { start: n.keyRange.start, end: n.range.end } : n.range);

function headerConditions(m: TNode | undefined, field: string, prefix: string): MatchCondition[] {
  return seq(get(m, field)).map((h) => {
    const type = str(get(h, 'type')) ?? 'Exact';
    const name = (str(get(h, 'name')) ?? '').toLowerCase();
    return { field: `${prefix}:${name}`, op: type === 'RegularExpression' ? 'regex' : 'exact', value: str(get(h, 'value')) ?? '' } as MatchCondition;
  });
}

/** HTTPRouteMatch → conditions and a precedence key (higher first). A match without path is PathPrefix `/`. */
function httpMatch(m: TNode | undefined): { key: number[]; match: MatchCondition[]; text: string } {
  const match: MatchCondition[] = [];
  const path = get(m, 'path');
  const type = path ? str(get(path, 'type')) ?? 'PathPrefix' : 'PathPrefix';
  const value = path ? str(get(path, 'value')) ?? '/' : '/';
  let exact = 0;
  let prefixLen = 0;
  const text: string[] = [];
  if (type === 'Exact') {
    exact = 1;
    prefixLen = value.length;
    match.push({ field: 'path', op: 'exact', value });
    text.push(`path = ${value}`);
  } else if (type === 'RegularExpression') {
    match.push({ field: 'path', op: 'regex', value });
    text.push(`path ~ ${value}`);
  } else {
    // PathPrefix: "/foo/" and "/foo" are equivalent (trailing slash ignored), matched element by element.
    const v = value.length > 1 ? value.replace(/\/+$/, '') || '/' : value;
    prefixLen = v.length;
    if (v !== '/') match.push({ field: 'path', op: 'prefix', value: v });
    text.push(`path ${value}`);
  }
  const method = str(get(m, 'method'));
  if (method) {
    match.push({ field: 'method', op: 'exact', value: method.toUpperCase() });
    text.push(`method ${method}`);
  }
  const headers = headerConditions(m, 'headers', 'header');
  const query = headerConditions(m, 'queryParams', 'query');
  match.push(...headers, ...query);
  for (const h of headers) text.push(`header ${h.field.slice(7)}`);
  for (const q of query) text.push(`query ${q.field.slice(6)}`);
  // RegularExpression precedence is implementation-specific: ranked after prefixes of any length (-1).
  return { key: [exact, type === 'RegularExpression' ? -1 : prefixLen, method ? 1 : 0, headers.length, query.length], match, text: text.join(' ') };
}

function grpcMatch(m: TNode | undefined): { key: number[]; match: MatchCondition[]; text: string } {
  const match: MatchCondition[] = [];
  const method = get(m, 'method');
  const type = str(get(method, 'type')) ?? 'Exact';
  const service = str(get(method, 'service'));
  const name = str(get(method, 'method'));
  const op = type === 'RegularExpression' ? 'regex' : 'exact';
  if (service) match.push({ field: 'grpc:service', op, value: service });
  if (name) match.push({ field: 'grpc:method', op, value: name });
  const headers = headerConditions(m, 'headers', 'header');
  match.push(...headers);
  const text = [service ?? '*', name ?? '*'].join('/') + headers.map((h) => ` header ${h.field.slice(7)}`).join('');
  return { key: [service?.length ?? 0, name?.length ?? 0, headers.length], match, text };
}

export function lowerKubernetes(uri: string, text: string, host: FormatHost): TrafficModel {
  const file = loadYaml(text);
  const b = builderFor('kubernetes', uri, file);
  const resources: Resource[] = [];
  for (const t of yamlTrees(file)) resourcesOf(t, uri, resources);
  const sib = siblings(uri, host, ['yaml', 'yml', 'json']);
  const siblingResources: Resource[] = [];
  let complete = sib.listed;
  for (const f of sib.files) {
    const t = host.readFile(f);
    if (t === undefined) complete = false;
    if (t === undefined || !/kind["']?\s*:\s*["']?Service\b/.test(t)) continue;
    for (const tree of yamlTrees(loadYaml(t))) resourcesOf(tree, f, siblingResources);
    b.model.files.push(f);
  }
  new KubernetesLowering(b, uri).run(resources, siblingResources, complete);
  return b.model;
}
