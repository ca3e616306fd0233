import type { ModelBuilder } from '../../model/builder';
import type { MatchCondition, Pool, Range, RouteEvaluation, RouteTarget, SourceRef, TrafficModel } from '../../model/types';
import { builderFor, siblings } from '../declarative/common';
import { anchor, get, num, pairs, seq, str, strings, yamlTrees, type TNode } from '../declarative/tree';
import type { FormatHost } from '../types';
import { loadYaml, YAML_DIALECTS } from '../yaml/yamlFile';

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

/** A Gateway listener (Gateway API `spec.listeners[]`). */
interface Listener {
  name: string;
  port?: number;
  protocol: string;
  hostname?: string;
  /** `allowedRoutes.namespaces.from` (default `Same`). */
  from: string;
  /** `allowedRoutes.kinds[].kind`, empty when the protocol decides. */
  kinds: string[];
}

interface GatewayDef {
  namespace: string;
  name: string;
  listeners: Listener[];
}

/** Where a route attaches: a Gateway listener, a Service (GAMMA mesh routing), or nowhere. */
interface Attachment {
  id: string;
  /** For the entry name: the parent (`Gateway gw`) and the listener or section (`https`), if any. */
  parent: string;
  section?: string;
  /** For the entry's `listen`: `gw/https :443`. */
  listen: string;
  /** The parent was defined among the manifests seen (a Gateway), so routes of other files may join it. */
  known: boolean;
}

/** One match of an HTTPRoute/GRPCRoute rule, ready to be sorted with the matches of the other routes. */
interface RuleItem {
  key: number[];
  /** Regex paths (and gRPC regex methods) have implementation-specific precedence: a group of their own. */
  regex: boolean;
  order: number;
  match: MatchCondition[];
  text: string;
  source: SourceRef;
  target: RouteTarget;
  ruleIndex: number;
}

interface GatewayRoute {
  resource: Resource;
  own: boolean;
  /** Lowercased `spec.hostnames`, sorted; empty when any. */
  hostnames: string[];
  /** `metadata.creationTimestamp` in ms; routes without one are created when applied: after any that has one. */
  created: number;
  items?: RuleItem[];
}

class KubernetesLowering {
  private readonly pools = new Map<string, Pool>();
  private readonly services = new Map<string, ServiceDef>();
  private readonly gateways = new Map<string, GatewayDef>();
  private closed = false;
  /** The resource being lowered references at least one Service that is defined: its other ones must be too. */
  private closedHere = false;

  constructor(private readonly b: ModelBuilder, private readonly uri: string) {}

  run(resources: Resource[], siblingResources: Resource[], listed: boolean): void {
    for (const r of [...resources, ...siblingResources]) {
      if (r.kind === 'Service' && r.apiVersion === 'v1') {
        const key = `${r.namespace}/${r.name}`;
        if (!this.services.has(key)) this.services.set(key, { key, resource: r });
      } else if (r.kind === 'Gateway' && isGatewayApi(r.apiVersion)) {
        const key = `${r.namespace}/${r.name}`;
        if (!this.gateways.has(key)) this.gateways.set(key, gatewayDef(r));
      }
    }
    // Services referenced but not defined are "undefined" only when the whole set of manifests was seen: the
    // folder was listed and holds Service manifests, and the route (Ingress) references at least one Service that
    // is among them. A route whose Services all live elsewhere (another folder, another application installed
    // on its own) stays open, so does a folder of unrelated examples.
    this.closed = listed && this.services.size > 0 && resources.some((r) => serviceRefs(r).some((k) => this.services.has(k)));
    this.b.model.closedWorld = this.closed;
    const routes: GatewayRoute[] = [];
    for (const r of resources) {
      if (r.kind === 'Ingress' && isIngressApi(r.apiVersion)) this.ingress(r);
      else if ((r.kind === 'HTTPRoute' || r.kind === 'GRPCRoute') && isGatewayApi(r.apiVersion)) routes.push(gatewayRoute(r, true));
      else if (ROUTE_KINDS.has(r.kind) && isGatewayApi(r.apiVersion)) this.l4Route(r);
    }
    if (routes.length) {
      for (const r of siblingResources) {
        if ((r.kind === 'HTTPRoute' || r.kind === 'GRPCRoute') && isGatewayApi(r.apiVersion)) routes.push(gatewayRoute(r, false));
      }
      this.routeTables(routes);
    }
  }

  private isClosedFor(r: Resource): boolean {
    return this.closed && serviceRefs(r).some((k) => this.services.has(k));
  }

  private ref(range: Range, uri = this.uri) {
    return this.b.ref(range, uri);
  }

  // ---- backends ----

  /** The pool of a backend (Service or other kind); undefined only for an undefined Service in a closed world. */
  private backendPool(kind: string, name: string, namespace: string, port: string | undefined, at: TNode, uri = this.uri): Pool | undefined {
    const key = `${kind === 'Service' ? '' : `${kind}:`}${namespace}/${name}`;
    const existing = this.pools.get(key);
    if (existing) return existing;
    const def = kind === 'Service' ? this.services.get(`${namespace}/${name}`) : undefined;
    if (kind === 'Service' && !def && this.closedHere) return undefined;
    const display = `${kind === 'Service' ? '' : `${kind} `}${namespace === 'default' ? name : `${namespace}/${name}`}`;
    // A defined Service is located at its name (`metadata.name`'s value), for hover and go to definition.
    const src = def ? this.b.ref((get(def.resource.node, 'metadata', 'name') ?? def.resource.node).range, def.resource.uri) : this.ref(at.range, uri);
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

  /** A route target for weighted backend refs (Gateway API `backendRefs`); `own` false: a sibling file's, no LB002. */
  private backendTarget(refs: TNode[], routeNamespace: string, defaultKind: string, uri = this.uri, own = true): RouteTarget {
    const parts: Array<{ name: string; namespace: string; weight: number; poolId?: string; nameSource: SourceRef }> = [];
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
        if (weightNode && own) this.b.problem('LB002', `backendRef weight must be an integer from 0 to 1000000, not "${str(weightNode) ?? ''}".`, this.ref(weightNode.range));
        weight = weight === undefined || weight < 0 ? 1 : Math.min(Math.round(weight), 1_000_000);
      }
      const pool = this.backendPool(kind, name, namespace, str(get(ref, 'port')), nameNode, uri);
      const label = pool?.name ?? (namespace === routeNamespace || namespace === 'default' ? name : `${namespace}/${name}`);
      parts.push({ name: label, namespace: NS, weight, poolId: pool?.id, nameSource: this.ref(nameNode.range, uri) });
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
    this.closedHere = this.isClosedFor(r);
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

  /** TCPRoute/TLSRoute/UDPRoute rules have no matches: each forwards its connections to its backendRefs. */
  private l4Route(r: Resource): void {
    this.closedHere = this.isClosedFor(r);
    const spec = get(r.node, 'spec');
    const nameNode = get(r.node, 'metadata', 'name') ?? r.node;
    const entry = this.b.entry({
      name: `${r.kind} ${r.name}`, namespace: NS, listen: parentsAsWritten(r), hosts: strings(get(spec, 'hostnames')),
      source: this.ref(r.node.range), selection: this.ref(anchor(nameNode)),
    });
    seq(get(spec, 'rules')).forEach((rule, i) => {
      this.b.route({
        entryId: entry.id, name: `${r.kind} ${r.name} rule ${i + 1}`, matchText: '*', match: [], catchAll: true,
        evaluation: { group: `rule ${i + 1}`, strategy: 'first-match', index: 0 },
        target: this.backendTarget(seq(get(rule, 'backendRefs')), r.namespace, 'Service'), source: this.ref(span(rule)),
      });
    });
  }

  /**
   * Where a route attaches (`spec.parentRefs`). A Gateway defined among the manifests is resolved to its
   * listeners: `sectionName` picks one by name, `port` by port, and a listener takes the route only when its
   * protocol carries HTTP, `allowedRoutes` admits the route's kind and namespace (default: the Gateway's own
   * namespace) and, when both name hostnames, they intersect (HTTPRouteSpec.hostnames). Any other parent is one
   * attachment as written: a route attached to a whole unknown Gateway and one attached to one of its sections
   * are kept apart, since which listeners they share is not known.
   */
  private attachments(r: Resource, hostnames: string[]): Attachment[] {
    const parentRefs = seq(get(r.node, 'spec', 'parentRefs'));
    const out = new Map<string, Attachment>();
    for (const p of parentRefs) {
      const name = str(get(p, 'name'));
      if (!name) continue;
      const kind = str(get(p, 'kind')) ?? 'Gateway';
      const namespace = str(get(p, 'namespace')) ?? r.namespace;
      const section = str(get(p, 'sectionName'));
      const port = num(get(p, 'port'));
      const display = namespace === r.namespace ? name : `${namespace}/${name}`;
      const gw = kind === 'Gateway' ? this.gateways.get(`${namespace}/${name}`) : undefined;
      if (gw) {
        for (const l of gw.listeners) {
          if ((section !== undefined && l.name !== section) || (port !== undefined && l.port !== port) || !admits(l, gw, r, hostnames)) continue;
          const id = `Gateway ${namespace}/${name}/${l.name}`;
          out.set(id, { id, parent: `Gateway ${display}`, section: l.name, listen: `${display}/${l.name}${l.port ? ` :${l.port}` : ''}`, known: true });
        }
        continue;
      }
      const where = section !== undefined ? `/${section}` : port !== undefined ? ` :${port}` : '';
      const id = `${kind} ${namespace}/${name}${where}`;
      // Mesh routing (GAMMA: a Service as parent) joins routes of other files once the Service is among the manifests.
      const known = kind === 'Service' && this.services.has(`${namespace}/${name}`);
      out.set(id, { id, parent: `${kind} ${display}`, section: section ?? (port !== undefined ? `:${port}` : undefined), listen: `${display}${where}`, known });
    }
    if (out.size === 0) {
      const id = `${r.kind} ${r.uri} ${r.namespace}/${r.name}`;
      return [{ id, parent: `${r.kind} ${r.name}`, listen: parentRefs.length ? 'no listener accepts it' : 'no parentRefs', known: false }];
    }
    return [...out.values()];
  }

  /**
   * HTTPRoute/GRPCRoute route tables. The HTTPRouteRule API reference: "Across all rules specified on applicable
   * Routes, precedence must be given to the match having: Exact path match; Prefix path match with largest number
   * of characters; Method match; Largest number of header matches; Largest number of query param matches"; then
   * "the oldest Route based on creation timestamp", "the Route appearing first in alphabetical order by
   * {namespace}/{name}", and within a route "the FIRST matching rule (in list order)". So the rules of every route
   * attached to one listener are one first-match group, sorted by that order: an entry point of their own.
   *
   * Hostnames come before all of that (HTTPRouteSpec.hostnames: "precedence must be given to rules from the
   * HTTPRoute with the largest number of characters in a matching non-wildcard hostname"), so only routes with
   * the same hostnames share a table; routes whose hostnames differ or merely overlap are kept apart, which can
   * miss a shadowed rule but never reports a reachable one. GRPCRoutes get tables of their own (GRPCRouteRule:
   * "Merging MUST not be done between GRPCRoutes and HTTPRoutes"). Listeners with the same routes share a table.
   */
  private routeTables(routes: GatewayRoute[]): void {
    const vhosts = new Map<string, { kind: string; hostnames: string[]; attachment: Attachment; members: GatewayRoute[] }>();
    // This file's routes open the tables (they come first); a route of another file joins one only through a parent
    // defined among the manifests, whose attached set was then seen whole.
    for (const route of routes) {
      for (const a of this.attachments(route.resource, route.hostnames)) {
        if (!route.own && !a.known) continue;
        const key = `${a.id}\u0000${route.resource.kind}\u0000${route.hostnames.join(',')}`;
        let v = vhosts.get(key);
        if (!v) {
          if (!route.own) continue;
          vhosts.set(key, (v = { kind: route.resource.kind, hostnames: route.hostnames, attachment: a, members: [] }));
        }
        if (!v.members.includes(route)) v.members.push(route);
      }
    }
    const ids = new Map(routes.map((r, i) => [r, i]));
    const tables = new Map<string, { kind: string; hostnames: string[]; attachments: Attachment[]; members: GatewayRoute[] }>();
    for (const v of vhosts.values()) {
      const members = v.members.slice().sort(routeOrder);
      const key = `${v.kind}\u0000${v.hostnames.join(',')}\u0000${members.map((m) => ids.get(m)).join(',')}`;
      const t = tables.get(key);
      if (t) t.attachments.push(v.attachment);
      else tables.set(key, { kind: v.kind, hostnames: v.hostnames, attachments: [v.attachment], members });
    }
    for (const t of tables.values()) {
      const first = t.members.find((m) => m.own)!.resource;
      const nameNode = get(first.node, 'metadata', 'name') ?? first.node;
      const entry = this.b.entry({
        name: `${entryName(t.attachments)}${t.kind === 'GRPCRoute' ? ' (gRPC)' : ''}${t.hostnames.length ? ` ${t.hostnames.join(' ')}` : ''}`,
        namespace: NS, listen: t.attachments.map((a) => a.listen), hosts: t.hostnames,
        source: this.ref(first.node.range), selection: this.ref(anchor(nameNode)),
      });
      const items: Array<{ item: RuleItem; route: GatewayRoute; rank: number }> = [];
      t.members.forEach((route, rank) => {
        for (const item of this.ruleItems(route)) items.push({ item, route, rank });
      });
      items.sort((a, b) => compareKeys(a.item.key, b.item.key) || a.rank - b.rank || a.item.order - b.item.order);
      const next = { rules: 0, regex: 0 };
      for (const { item, route } of items) {
        const group = item.regex ? 'regex' : 'rules';
        this.b.route({
          entryId: entry.id, name: `${route.resource.kind} ${route.resource.name} rule ${item.ruleIndex + 1} (${item.text})`, matchText: item.text,
          match: item.match, catchAll: item.match.length === 0, evaluation: { group, strategy: 'first-match', index: next[group]++ },
          target: item.target, source: item.source,
        });
      }
    }
  }

  /** The matches of a route's rules with their targets and precedence keys (computed once per route). */
  private ruleItems(route: GatewayRoute): RuleItem[] {
    if (route.items) return route.items;
    const r = route.resource;
    this.closedHere = this.isClosedFor(r);
    const items: RuleItem[] = [];
    let order = 0;
    seq(get(r.node, 'spec', 'rules')).forEach((rule, ruleIndex) => {
      const refs = seq(get(rule, 'backendRefs'));
      const redirect = seq(get(rule, 'filters')).find((f) => str(get(f, 'type')) === 'RequestRedirect');
      const target: RouteTarget = refs.length === 0 && redirect
        ? { kind: 'none', reason: 'RequestRedirect' }
        : refs.length === 0
          ? { kind: 'none', reason: 'no backendRefs (the Gateway answers 404/500)' }
          : this.backendTarget(refs, r.namespace, 'Service', r.uri, route.own);
      for (const f of seq(get(rule, 'filters'))) {
        const mirror = get(f, 'requestMirror', 'backendRef');
        const mn = str(get(mirror, 'name'));
        if (mirror && mn) {
          const pool = this.backendPool(str(get(mirror, 'kind')) ?? 'Service', mn, str(get(mirror, 'namespace')) ?? r.namespace, str(get(mirror, 'port')), get(mirror, 'name')!, r.uri);
          if (pool && route.own) this.b.mention({ name: pool.name, namespace: NS, source: this.ref(get(mirror, 'name')!.range) });
        }
      }
      const matches = seq(get(rule, 'matches'));
      for (const m of matches.length ? matches : [undefined]) {
        const d = r.kind === 'GRPCRoute' ? grpcMatch(m) : httpMatch(m);
        items.push({ ...d, order: order++, target, ruleIndex, source: this.ref(m ? m.range : span(rule), r.uri) });
      }
    });
    return (route.items = items);
  }
}

/** `parentRefs` as written: `gw`, `gw/section`. */
function parentsAsWritten(r: Resource): string[] {
  return seq(get(r.node, 'spec', 'parentRefs')).map((p) => {
    const n = str(get(p, 'name')) ?? '?';
    const s = str(get(p, 'sectionName'));
    return s ? `${n}/${s}` : n;
  });
}

/** `Gateway gw/http`, `Gateway gw (http, https)`, `Gateway gw/http, Service mesh-svc`. */
function entryName(attachments: Attachment[]): string {
  const byParent = new Map<string, string[]>();
  for (const a of attachments) {
    const sections = byParent.get(a.parent) ?? [];
    if (a.section !== undefined) sections.push(a.section);
    byParent.set(a.parent, sections);
  }
  return [...byParent].map(([parent, s]) => (s.length === 0 ? parent : s.length === 1 && !s[0].startsWith(':') ? `${parent}/${s[0]}` : `${parent} (${s.join(', ')})`)).join(', ');
}

/** Higher keys first (the precedence criteria in order). */
function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (b[i] ?? 0) - (a[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Route tie-break: "the oldest Route based on creation timestamp", then "alphabetical order by {namespace}/{name}". */
function routeOrder(a: GatewayRoute, b: GatewayRoute): number {
  if (a.created !== b.created) return a.created < b.created ? -1 : 1;
  const ka = `${a.resource.namespace}/${a.resource.name}`;
  const kb = `${b.resource.namespace}/${b.resource.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : Number(b.own) - Number(a.own);
}

function gatewayRoute(r: Resource, own: boolean): GatewayRoute {
  const hostnames = [...new Set(strings(get(r.node, 'spec', 'hostnames')).map((h) => h.toLowerCase()))].sort();
  // A manifest usually has no creationTimestamp: it gets one when applied, after every route that already has one;
  // routes without one count as created together, so the alphabetical order decides between them.
  const ts = Date.parse(str(get(r.node, 'metadata', 'creationTimestamp')) ?? '');
  return { resource: r, own, hostnames, created: Number.isNaN(ts) ? Infinity : ts };
}

function gatewayDef(r: Resource): GatewayDef {
  const listeners = seq(get(r.node, 'spec', 'listeners')).map((l): Listener => ({
    name: str(get(l, 'name')) ?? '',
    port: num(get(l, 'port')),
    protocol: (str(get(l, 'protocol')) ?? '').toUpperCase(),
    hostname: str(get(l, 'hostname'))?.toLowerCase(),
    from: str(get(l, 'allowedRoutes', 'namespaces', 'from')) ?? 'Same',
    kinds: seq(get(l, 'allowedRoutes', 'kinds')).map((k) => str(get(k, 'kind'))).filter((k): k is string => !!k),
  }));
  return { namespace: r.namespace, name: r.name, listeners };
}

/** Whether a listener takes a route (protocol, `allowedRoutes`, hostname intersection). */
function admits(l: Listener, gw: GatewayDef, r: Resource, hostnames: string[]): boolean {
  // HTTPRoute and GRPCRoute attach to HTTP/HTTPS listeners (or an implementation's own protocols), never L4 ones.
  if (l.protocol === 'TCP' || l.protocol === 'UDP' || l.protocol === 'TLS') return false;
  if (l.kinds.length && !l.kinds.includes(r.kind)) return false;
  // AllowedRoutes.namespaces.from: Same (the default), All, or Selector (labels not known here: admitted).
  if (l.from === 'Same' && r.namespace !== gw.namespace) return false;
  if (!l.hostname || hostnames.length === 0) return true;
  return hostnames.some((h) => hostsIntersect(h, l.hostname!));
}

/** Two hostnames intersect when they are equal or a wildcard (`*.example.com`, a suffix match) covers the other. */
function hostsIntersect(a: string, b: string): boolean {
  if (a === b) return true;
  const covers = (w: string, h: string) => w.startsWith('*.') && h.endsWith(w.slice(1));
  return covers(a, b) || covers(b, a);
}

/** Services a resource references (Ingress backends, route backendRefs and mirrors), as `namespace/name`. */
function serviceRefs(r: Resource): string[] {
  const out: string[] = [];
  const spec = get(r.node, 'spec');
  if (r.kind === 'Ingress') {
    const backends = [get(spec, 'defaultBackend'), get(spec, 'backend'), ...seq(get(spec, 'rules')).flatMap((rule) => seq(get(rule, 'http', 'paths')).map((p) => get(p, 'backend')))];
    for (const b of backends) {
      const name = str(get(b, 'service', 'name')) ?? str(get(b, 'serviceName'));
      if (name) out.push(`${r.namespace}/${name}`);
    }
    return out;
  }
  for (const rule of seq(get(spec, 'rules'))) {
    const refs = [...seq(get(rule, 'backendRefs')), ...seq(get(rule, 'filters')).map((f) => get(f, 'requestMirror', 'backendRef'))];
    for (const ref of refs) {
      const name = str(get(ref, 'name'));
      if (name && (str(get(ref, 'kind')) ?? 'Service') === 'Service') out.push(`${str(get(ref, 'namespace')) ?? r.namespace}/${name}`);
    }
  }
  return out;
}

const span = (n: TNode): Range => (n.keyRange ? { start: n.keyRange.start, end: n.range.end } : n.range);

/** Header names are case-insensitive; query param names are an "exact string match" (HTTPQueryParamMatch.name). */
function headerConditions(m: TNode | undefined, field: string, prefix: string): MatchCondition[] {
  return seq(get(m, field)).map((h) => {
    const type = str(get(h, 'type')) ?? 'Exact';
    const written = str(get(h, 'name')) ?? '';
    const name = prefix === 'header' ? written.toLowerCase() : written;
    return { field: `${prefix}:${name}`, op: type === 'RegularExpression' ? 'regex' : 'exact', value: str(get(h, 'value')) ?? '' } as MatchCondition;
  });
}

/** HTTPRouteMatch → conditions and a precedence key (higher first). A match without path is PathPrefix `/`. */
function httpMatch(m: TNode | undefined): { key: number[]; regex: boolean; match: MatchCondition[]; text: string } {
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
  // "The precedence of RegularExpression path matches are implementation-specific": they form a group of their
  // own (ordered by the remaining criteria), never shadowing nor shadowed by Exact and PathPrefix matches.
  const regex = type === 'RegularExpression';
  return { key: [exact, regex ? 0 : prefixLen, method ? 1 : 0, headers.length, query.length], regex, match, text: text.join(' ') };
}

function grpcMatch(m: TNode | undefined): { key: number[]; regex: boolean; match: MatchCondition[]; text: string } {
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
  // GRPCRouteRule: "Characters in a matching service; Characters in a matching method; Header matches"; a
  // RegularExpression method match has no defined place in that order: a group of its own, like regex paths.
  return { key: [service?.length ?? 0, name?.length ?? 0, headers.length], regex: op === 'regex', match, text };
}

const SERVICE_KIND = /kind["']?\s*:\s*["']?Service\b/;
const GATEWAY_KINDS = /kind["']?\s*:\s*["']?(?:Gateway|HTTPRoute|GRPCRoute)\b/;
/** Sibling files read at most (a folder of thousands of manifests is not one application's set). */
const MAX_SIBLINGS = 500;
const MAX_SIBLING_SIZE = 4_000_000;

export function lowerKubernetes(uri: string, text: string, host: FormatHost): TrafficModel {
  const file = loadYaml(text, YAML_DIALECTS.kubernetes);
  const b = builderFor('kubernetes', uri, file);
  const resources: Resource[] = [];
  for (const t of yamlTrees(file)) resourcesOf(t, uri, resources);
  const sib = siblings(uri, host, ['yaml', 'yml', 'json']);
  const siblingResources: Resource[] = [];
  let complete = sib.listed;
  // Other manifests of the folder: their Services (backends), and when this file has HTTP/gRPC routes, the
  // Gateways and routes that may share a listener with them.
  const routing = resources.some((r) => (r.kind === 'HTTPRoute' || r.kind === 'GRPCRoute') && isGatewayApi(r.apiVersion));
  for (const f of sib.files.slice(0, MAX_SIBLINGS)) {
    const t = host.readFile(f);
    if (t === undefined) complete = false;
    if (t === undefined || t.length > MAX_SIBLING_SIZE || !(SERVICE_KIND.test(t) || (routing && GATEWAY_KINDS.test(t) && t.includes('gateway.networking.k8s.io')))) continue;
    for (const tree of yamlTrees(loadYaml(t, YAML_DIALECTS.kubernetes))) resourcesOf(tree, f, siblingResources);
    b.model.files.push(f);
  }
  if (sib.files.length > MAX_SIBLINGS) complete = false;
  new KubernetesLowering(b, uri).run(resources, siblingResources, complete);
  return b.model;
}
