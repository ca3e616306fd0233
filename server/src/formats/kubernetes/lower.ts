import type { ModelBuilder } from '../../model/builder';
import type { Bind, Condition, HostPattern, MatchCondition, Pool, Range, RequestField, RouteEvaluation, RouteResponse, RouteTarget, Site, SourceRef, StringMatch, TrafficModel } from '../../model/types';
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
  /** The listener as written, for the traces of the routing engine. */
  source: SourceRef;
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
  /** The listener's hostname (lower case), when the parent is a known listener that has one. */
  hostname?: string;
  /**
   * Where requests arrive: a known listener's port and protocol, or the `port` of the parentRef; undefined when
   * not known (an unknown Gateway without port: any request may arrive).
   */
  bind?: Bind;
  /** No listener takes the route (or it has no parentRefs): it receives no traffic. */
  unbound?: boolean;
}

/** One match of an HTTPRoute/GRPCRoute rule, ready to be sorted with the matches of the other routes. */
interface RuleItem {
  /** Precedence within one hostname (higher first): HTTP [tier (Exact 2, RegularExpression 1, PathPrefix 0), length, method, headers, query params]. */
  key: number[];
  /** Regex paths (and gRPC regex methods) have implementation-specific precedence. */
  regex: boolean;
  order: number;
  match: MatchCondition[];
  /** The match in the engine's language (without the hostnames, which depend on the listener). */
  when: Condition[];
  /** What every path the match takes begins with ('' when not known): regex rules are compared only with rules whose paths can meet theirs. */
  pathStart: string;
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
    this.ingresses(resources.filter((r) => r.kind === 'Ingress' && isIngressApi(r.apiVersion)));
    for (const r of resources) {
      if ((r.kind === 'HTTPRoute' || r.kind === 'GRPCRoute') && isGatewayApi(r.apiVersion)) routes.push(gatewayRoute(r, true));
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
   * The host patterns of every Ingress rule of the file, so that each rule's host condition can leave out the
   * requests a more specific rule's host takes (see `ingressHost`).
   */
  private ingressHosts: { exact: Set<string>; wildcard: Set<string> } = { exact: new Set(), wildcard: new Set() };
  /** The one site every Ingress of the file routes in (controllers merge the rules of all Ingresses by host). */
  private ingressSite?: Site;

  /**
   * Ingress (kubernetes.io/docs/concepts/services-networking/ingress/#path-types): `Exact` matches the path
   * exactly; `Prefix` matches element by element, ignoring a trailing slash; "if two or more paths still
   * match, the longest matching path wins" and Exact wins over Prefix. `ImplementationSpecific` is up to the
   * IngressClass: taken as a prefix in a group of its own, so it never conflicts with the other two (see
   * `ingressPath` for what the routing engine makes of it).
   *
   * Routing: every Ingress listens on ports 80 and 443 (the controller's HTTP and HTTPS ports; a `tls` section only
   * chooses the certificate). The rules of all the Ingresses of a file are searched together, as ingress-nginx
   * merges the paths of every Ingress of one host into one server: the host conditions (`ingressHost`) pick the
   * rules of the request's host, Exact paths are looked up first, then the longest Prefix path, then the first
   * `defaultBackend` ("If none of the hosts or paths match the HTTP request in the Ingress objects, the traffic is
   * routed to your default backend"); without one the controller answers 404.
   */
  private ingresses(list: Resource[]): void {
    for (const r of list) {
      for (const rule of seq(get(r.node, 'spec', 'rules'))) {
        const host = str(get(rule, 'host'))?.toLowerCase();
        if (!host) continue;
        if (host.startsWith('*.')) this.ingressHosts.wildcard.add(host);
        else this.ingressHosts.exact.add(host);
      }
    }
    for (const r of list) this.ingress(r);
  }

  private ingress(r: Resource): void {
    this.closedHere = this.isClosedFor(r);
    const spec = get(r.node, 'spec');
    const hosts = [...new Set(seq(get(spec, 'rules')).map((rule) => str(get(rule, 'host')) ?? '*'))];
    const nameNode = get(r.node, 'metadata', 'name') ?? r.node;
    const className = str(get(spec, 'ingressClassName')) ?? str(get(r.node, 'metadata', 'annotations', 'kubernetes.io/ingress.class'));
    const entry = this.b.entry({
      name: `Ingress ${r.name}`, namespace: NS, listen: [className ?? 'ingress'].filter(Boolean),
      hosts: hosts.filter((h) => h !== '*'), source: this.ref(r.node.range), selection: this.ref(anchor(nameNode)),
      binds: [{ port: 80, tls: false, protocol: 'http' }, { port: 443, tls: true, protocol: 'http' }],
      noRoute: { status: 404, text: 'no Ingress rule matches and there is no defaultBackend (the controller answers 404)' },
    });
    if (!this.ingressSite) {
      this.ingressSite = { id: `site:ingress:${entry.id}`, entryId: entry.id, name: 'Ingress rules (all Ingresses of the file)', hosts: [], source: entry.source };
      (this.b.model.sites ??= []).push(this.ingressSite);
    }
    const siteId = this.ingressSite.id;
    const useRegex = str(get(r.node, 'metadata', 'annotations', 'nginx.ingress.kubernetes.io/use-regex')) === 'true';
    for (const rule of seq(get(spec, 'rules'))) {
      const host = str(get(rule, 'host'));
      const hostCond = this.ingressHost(host?.toLowerCase());
      for (const p of seq(get(rule, 'http', 'paths'))) {
        const path = str(get(p, 'path')) ?? '/';
        const pathType = str(get(p, 'pathType')) ?? 'ImplementationSpecific';
        const match: MatchCondition[] = [];
        if (host) match.push({ field: 'host', op: 'exact', value: host.toLowerCase() });
        let evaluation: RouteEvaluation;
        let text: string;
        let pathCond: Condition;
        const hostGroup = host ?? '*';
        if (pathType === 'Exact') {
          match.push({ field: 'path', op: 'exact', value: path });
          evaluation = { group: `${hostGroup} exact`, strategy: 'exact', index: 0 };
          text = `${host ?? '*'} path = ${path}`;
          pathCond = test('path', { op: 'exact', value: path });
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
          pathCond = pathType === 'Prefix' ? test('path', { op: 'segment-prefix', value }) : ingressPath(path, useRegex);
        }
        const backend = get(p, 'backend');
        this.b.route({
          entryId: entry.id, name: `Ingress ${r.name} ${host ?? '*'}${path}`, matchText: text, match,
          catchAll: !host && match.length === 0, evaluation, siteId,
          when: hostCond ? { kind: 'all', of: [hostCond, pathCond] } : pathCond,
          target: backend ? this.ingressBackend(backend, r.namespace) : { kind: 'none', reason: 'no backend' },
          source: this.ref(span(p)),
        });
      }
    }
    // After the rules: the engine searches first-match groups in model order, and the default comes last.
    const defaultBackend = get(spec, 'defaultBackend') ?? get(spec, 'backend');
    if (defaultBackend) {
      this.b.route({
        entryId: entry.id, name: `Ingress ${r.name} defaultBackend`, matchText: '*', match: [], catchAll: true,
        evaluation: { group: 'default', strategy: 'first-match', index: 0 }, siteId, when: ALL,
        target: this.ingressBackend(defaultBackend, r.namespace), source: this.ref(span(defaultBackend)),
      });
    }
  }

  /**
   * The requests an Ingress rule's `host` takes (kubernetes.io Ingress "Hostname wildcards"): an exact name; or
   * `*.foo.com`, which matches exactly one DNS label (`bar.foo.com`, not `baz.bar.foo.com` nor `foo.com`) and yields
   * to an exact host of the same name (nginx server_name precedence, as ingress-nginx generates one server per
   * host); a rule without host takes only the hosts no rule names (ingress-nginx puts it in the catch-all server
   * `_`). Undefined: any host.
   */
  private ingressHost(host: string | undefined): Condition | undefined {
    const { exact, wildcard } = this.ingressHosts;
    const exactTest = (h: string): Condition => test('host', { op: 'exact', value: h });
    const wildcardTest = (h: string): Condition => test('host', { op: 'regex', value: `[^.]+${escapeRe2(h.slice(1))}`, dialect: 're2', anchored: true, ignoreCase: true });
    if (host === undefined) {
      const named = [...[...exact].map(exactTest), ...[...wildcard].map(wildcardTest)];
      return named.length ? { kind: 'not', of: { kind: 'any', of: named } } : undefined;
    }
    if (!host.startsWith('*.')) return exactTest(host);
    const suffix = host.slice(1);
    const covered = [...exact].filter((h) => h.endsWith(suffix) && !h.slice(0, -suffix.length).includes('.'));
    const w = wildcardTest(host);
    return covered.length ? { kind: 'all', of: [w, { kind: 'not', of: { kind: 'any', of: covered.map(exactTest) } }] } : w;
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

  /**
   * TCPRoute/TLSRoute/UDPRoute rules have no matches: each forwards its connections to its backendRefs. A TLSRoute
   * takes the connections whose TLS server name matches its `hostnames` (TLSRouteSpec.hostnames, matched against
   * the SNI); the binds are the TCP/UDP/TLS listeners of the parents defined among the manifests.
   */
  private l4Route(r: Resource): void {
    this.closedHere = this.isClosedFor(r);
    const spec = get(r.node, 'spec');
    const nameNode = get(r.node, 'metadata', 'name') ?? r.node;
    const hostnames = strings(get(spec, 'hostnames')).map((h) => h.toLowerCase());
    const entry = this.b.entry({
      name: `${r.kind} ${r.name}`, namespace: NS, listen: parentsAsWritten(r), hosts: strings(get(spec, 'hostnames')),
      source: this.ref(r.node.range), selection: this.ref(anchor(nameNode)), binds: this.l4Binds(r),
    });
    const sni: Condition | undefined = r.kind === 'TLSRoute' && hostnames.length ? { kind: 'any', of: hostnames.map((h) => hostTest('sni', h)) } : undefined;
    seq(get(spec, 'rules')).forEach((rule, i) => {
      this.b.route({
        entryId: entry.id, name: `${r.kind} ${r.name} rule ${i + 1}`, matchText: '*', match: [], catchAll: true,
        evaluation: { group: `rule ${i + 1}`, strategy: 'first-match', index: 0 }, when: sni ?? ALL,
        target: this.backendTarget(seq(get(rule, 'backendRefs')), r.namespace, 'Service'), source: this.ref(span(rule)),
      });
    });
  }

  /** The listeners of known parent Gateways an L4 route attaches to (TCP/TLS for TCPRoute, TLS for TLSRoute, UDP for UDPRoute). */
  private l4Binds(r: Resource): Bind[] | undefined {
    const protocols = r.kind === 'UDPRoute' ? ['UDP'] : r.kind === 'TLSRoute' ? ['TLS'] : ['TCP', 'TLS'];
    const parentRefs = seq(get(r.node, 'spec', 'parentRefs'));
    // Without parentRefs: a fragment whose parents are set elsewhere (see `attachments`).
    if (parentRefs.length === 0) return undefined;
    const binds: Bind[] = [];
    for (const p of parentRefs) {
      const name = str(get(p, 'name'));
      const namespace = str(get(p, 'namespace')) ?? r.namespace;
      const gw = (str(get(p, 'kind')) ?? 'Gateway') === 'Gateway' && name ? this.gateways.get(`${namespace}/${name}`) : undefined;
      const section = str(get(p, 'sectionName'));
      const port = num(get(p, 'port'));
      if (!gw) {
        // An unknown parent: its listeners are not known, so any connection may arrive (or the parentRef's port).
        if (port === undefined) return undefined;
        binds.push({ port, address: `${namespace}/${name ?? ''}`, protocol: r.kind === 'UDPRoute' ? 'udp' : 'tcp' });
        continue;
      }
      for (const l of gw.listeners) {
        if ((section !== undefined && l.name !== section) || (port !== undefined && l.port !== port) || !protocols.includes(l.protocol)) continue;
        binds.push({ port: l.port, address: `${gw.namespace}/${gw.name}`, protocol: l.protocol === 'UDP' ? 'udp' : 'tcp', tls: l.protocol === 'TLS' ? true : undefined, source: l.source });
      }
    }
    return binds;
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
          out.set(id, {
            id, parent: `Gateway ${display}`, section: l.name, listen: `${display}/${l.name}${l.port ? ` :${l.port}` : ''}`, known: true,
            hostname: l.hostname,
            // Each Gateway has addresses of its own: its listeners are sockets no other Gateway shares.
            bind: { port: l.port, address: `${namespace}/${name}`, tls: l.protocol === 'HTTPS' ? true : l.protocol === 'HTTP' ? false : undefined, protocol: 'http', source: l.source },
          });
        }
        continue;
      }
      const where = section !== undefined ? `/${section}` : port !== undefined ? ` :${port}` : '';
      const id = `${kind} ${namespace}/${name}${where}`;
      // Mesh routing (GAMMA: a Service as parent) joins routes of other files once the Service is among the manifests.
      const known = kind === 'Service' && this.services.has(`${namespace}/${name}`);
      out.set(id, {
        id, parent: `${kind} ${display}`, section: section ?? (port !== undefined ? `:${port}` : undefined), listen: `${display}${where}`, known,
        bind: port !== undefined ? { port, address: `${namespace}/${name}`, protocol: 'http' } : undefined,
      });
    }
    if (out.size === 0) {
      // parentRefs name no listener that takes the route: it receives no traffic. Without parentRefs the manifest is
      // taken as a fragment whose parents are set elsewhere (an overlay, a chart): any request may arrive.
      const id = `${r.kind} ${r.uri} ${r.namespace}/${r.name}`;
      return [{ id, parent: `${r.kind} ${r.name}`, listen: parentRefs.length ? 'no listener accepts it' : 'no parentRefs', known: false, unbound: parentRefs.length > 0 }];
    }
    return [...out.values()];
  }

  /**
   * HTTPRoute/GRPCRoute route tables. The HTTPRouteRule API reference: "Across all rules specified on applicable
   * Routes, precedence must be given to the match having: Exact path match; Prefix path match with largest number
   * of characters; Method match; Largest number of header matches; Largest number of query param matches"; then
   * "the oldest Route based on creation timestamp", "the Route appearing first in alphabetical order by
   * {namespace}/{name}", and within a route "the FIRST matching rule (in list order)". Hostnames come before all of
   * that (HTTPRouteSpec.hostnames: "precedence must be given to rules from the HTTPRoute with the largest number
   * of: Characters in a matching non-wildcard hostname; Characters in a matching hostname"). So the rules of every
   * route attached to one listener are one first-match list sorted by that order — an entry point of their own —
   * and each rule's condition (`when`) includes the route's hostnames, so a request whose host a more specific
   * route names still reaches a less specific route's rule when none of the former's rules match.
   *
   * GRPCRoutes get tables of their own (GRPCRouteRule: "Merging MUST not be done between GRPCRoutes and
   * HTTPRoutes"). Listeners with the same hostname and the same routes share a table.
   */
  private routeTables(routes: GatewayRoute[]): void {
    const vhosts = new Map<string, { kind: string; attachment: Attachment; members: GatewayRoute[] }>();
    // This file's routes open the tables (they come first); a route of another file joins one only through a parent
    // defined among the manifests, whose attached set was then seen whole.
    for (const route of routes) {
      for (const a of this.attachments(route.resource, route.hostnames)) {
        if (!route.own && !a.known) continue;
        const key = `${a.id}\u0000${route.resource.kind}`;
        let v = vhosts.get(key);
        if (!v) {
          if (!route.own) continue;
          vhosts.set(key, (v = { kind: route.resource.kind, attachment: a, members: [] }));
        }
        if (!v.members.includes(route)) v.members.push(route);
      }
    }
    const ids = new Map(routes.map((r, i) => [r, i]));
    const tables = new Map<string, { kind: string; hostname?: string; attachments: Attachment[]; members: GatewayRoute[] }>();
    for (const v of vhosts.values()) {
      const members = v.members.slice().sort(routeOrder);
      const key = `${v.kind}\u0000${v.attachment.hostname ?? ''}\u0000${members.map((m) => ids.get(m)).join(',')}`;
      const t = tables.get(key);
      if (t) t.attachments.push(v.attachment);
      else tables.set(key, { kind: v.kind, hostname: v.attachment.hostname, attachments: [v.attachment], members });
    }
    // Listeners with a hostname first: on one port the most specific listener hostname takes a request, and the
    // routing engine gives a tie between equal host patterns to the first site.
    const ordered = [...tables.values()].sort((a, b) => Number(b.hostname !== undefined) - Number(a.hostname !== undefined));
    for (const t of ordered) this.routeTable(t);
  }

  private routeTable(t: { kind: string; hostname?: string; attachments: Attachment[]; members: GatewayRoute[] }): void {
    const first = t.members.find((m) => m.own)!.resource;
    const nameNode = get(first.node, 'metadata', 'name') ?? first.node;
    const grpc = t.kind === 'GRPCRoute';
    const listener = t.hostname;
    // Each route's hostnames as the listener sees them (HTTPRouteSpec.hostnames: "any HTTPRoute hostnames that do
    // not match the Listener hostname MUST be ignored"; a route without hostnames takes the listener's).
    const effective = new Map(t.members.map((m) => [m, effectiveHostnames(m.hostnames, listener)]));
    const allHosts = [...new Set(t.members.flatMap((m) => m.hostnames))].sort();
    const sameHosts = t.members.every((m) => m.hostnames.join(' ') === t.members[0].hostnames.join(' '));
    let binds: Bind[] | undefined = [];
    for (const a of t.attachments) {
      if (a.unbound) continue;
      if (!a.bind) {
        binds = undefined;
        break;
      }
      if (!binds.some((b) => b.port === a.bind!.port && b.address === a.bind!.address && b.tls === a.bind!.tls)) binds.push(a.bind);
    }
    const entry = this.b.entry({
      name: `${entryName(t.attachments)}${grpc ? ' (gRPC)' : ''}${sameHosts && allHosts.length ? ` ${allHosts.join(' ')}` : ''}`,
      namespace: NS, listen: t.attachments.map((a) => a.listen), hosts: allHosts,
      source: this.ref(first.node.range), selection: this.ref(anchor(nameNode)), binds,
      noRoute: { status: 404, text: `no ${t.kind} rule matches (Gateway API: 404)` },
      ...(grpc ? {} : { undefinedPoolStatus: 500 }),
    });
    // The site: the listener's hostname; on a listener without one, the routes' hostnames (any host when a route
    // names none), so that HTTP and gRPC tables of one listener with disjoint hostnames each take their own hosts.
    let siteHosts: string[] | undefined;
    if (listener) siteHosts = [listener];
    else if (t.members.every((m) => m.hostnames.length)) siteHosts = allHosts;
    let siteId: string | undefined;
    if (siteHosts) {
      siteId = `site:${entry.id}`;
      (this.b.model.sites ??= []).push({ id: siteId, entryId: entry.id, name: `hostnames ${siteHosts.join(' ')}`, hosts: siteHosts.map(hostPattern), source: entry.source });
    }

    interface Placed { item: RuleItem; route: GatewayRoute; rank: number; hostKey: number[]; hosts: string[] }
    const placed: Placed[] = [];
    t.members.forEach((route, rank) => {
      const eff = effective.get(route)!;
      // Whether another route shares a host with this one (only asked of routes whose hostnames rank differently).
      const competing = () => t.members.some((m) => {
        if (m === route) return false;
        const other = effective.get(m)!;
        return other.length === 0 || other.some((h) => eff.some((x) => hostsIntersect(h, x)));
      });
      for (const g of hostGroups(eff, competing)) {
        for (const item of this.ruleItems(route)) placed.push({ item, route, rank, hostKey: g.key, hosts: g.hosts });
      }
    });
    placed.sort((a, b) => compareKeys(a.hostKey, b.hostKey) || compareKeys(a.item.key, b.item.key) || a.rank - b.rank || a.item.order - b.item.order);

    // RegularExpression paths: "The precedence of RegularExpression path matches are implementation-specific" —
    // Envoy Gateway puts them before PathPrefix matches, Istio after. A request that a regex rule and a PathPrefix
    // rule of the same hostname both match is undecidable; the regex rule takes the requests no such rule matches.
    // Only rules that can take a request of the regex rule are asked: same hostname rank, a shared host, and paths
    // whose literal beginnings agree (one is a prefix of the other) — so tables of many regex rules stay small.
    const buckets = placed.map((p) => p.hostKey.join(','));
    const hostKeys = placed.map((p) => p.hosts.join(' '));
    const conditions = placed.map((p) => whenOf(p.item.when, p.hosts, listener));
    const rivalsByBucket = new Map<string, number[]>();
    placed.forEach((p, i) => {
      if (p.item.regex || (!grpc && p.item.key[0] === 2)) return;
      const list = rivalsByBucket.get(buckets[i]);
      if (list) list.push(i);
      else rivalsByBucket.set(buckets[i], [i]);
    });
    const shared = new Map<string, boolean>();
    const sharesHost = (i: number, j: number): boolean => {
      const a = placed[i].hosts;
      const b = placed[j].hosts;
      if (a.length === 0 || b.length === 0 || hostKeys[i] === hostKeys[j]) return true;
      const k = `${hostKeys[i]}\u0000${hostKeys[j]}`;
      let r = shared.get(k);
      if (r === undefined) shared.set(k, (r = a.some((x) => b.some((y) => hostsIntersect(x, y)))));
      return r;
    };
    let next = 0;
    placed.forEach((p, i) => {
      const { item, route } = p;
      let when = conditions[i];
      if (item.regex) {
        const start = item.pathStart;
        const rivals: number[] = [];
        for (const j of rivalsByBucket.get(buckets[i]) ?? []) {
          const other = placed[j].item.pathStart;
          if ((other.startsWith(start) || start.startsWith(other)) && sharesHost(i, j)) rivals.push(j);
        }
        if (rivals.length) {
          const opaque: Condition = { kind: 'opaque', text: `${item.text} or a ${grpc ? 'non-regex' : 'PathPrefix'} rule`, why: 'the precedence of RegularExpression matches is implementation-specific (Envoy Gateway: before PathPrefix; Istio: after)' };
          const any: Condition = rivals.length === 1 ? conditions[rivals[0]] : { kind: 'any', of: rivals.map((j) => conditions[j]) };
          when = { kind: 'all', of: [when, { kind: 'any', of: [{ kind: 'not', of: any }, opaque] }] };
        }
      }
      const match = item.match.slice();
      const hostText = p.hosts.join(' ');
      if (p.hosts.length && !(listener && hostText === listener)) match.unshift({ field: 'host', op: 'opaque', value: hostText });
      // A regex rule's place against PathPrefix rules is implementation-specific: a condition only an identical
      // rule shares keeps LB106 from taking the order above as evidence either way.
      if (item.regex) match.push({ field: 'precedence', op: 'opaque', value: 'RegularExpression (implementation-specific)' });
      this.b.route({
        entryId: entry.id, name: `${route.resource.kind} ${route.resource.name} rule ${item.ruleIndex + 1} (${item.text})`, matchText: item.text,
        match, catchAll: match.length === 0, evaluation: { group: 'rules', strategy: 'first-match', index: next++ }, when, siteId,
        target: item.target, source: item.source,
      });
    });
  }

  /** The matches of a route's rules with their targets and precedence keys (computed once per route). */
  private ruleItems(route: GatewayRoute): RuleItem[] {
    if (route.items) return route.items;
    const r = route.resource;
    this.closedHere = this.isClosedFor(r);
    const items: RuleItem[] = [];
    let order = 0;
    const grpc = r.kind === 'GRPCRoute';
    seq(get(r.node, 'spec', 'rules')).forEach((rule, ruleIndex) => {
      const refs = seq(get(rule, 'backendRefs'));
      const redirect = seq(get(rule, 'filters')).find((f) => str(get(f, 'type')) === 'RequestRedirect');
      // HTTPRouteRule.backendRefs: "If *all* entries in BackendRefs are invalid, and there are also no filters
      // specified in this route rule, *all* traffic which matches this rule MUST receive a 500 status code" — a rule
      // without backendRefs answers 500 (GRPCRoute: an UNAVAILABLE status), unless a RequestRedirect answers it.
      const target: RouteTarget = refs.length === 0 && redirect
        ? { kind: 'none', reason: 'RequestRedirect', response: redirectResponse(get(redirect, 'requestRedirect')) }
        : refs.length === 0
          ? { kind: 'none', reason: grpc ? 'no backendRefs (gRPC status UNAVAILABLE)' : 'no backendRefs', response: { kind: 'no-backend', status: grpc ? undefined : 500 } }
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
        const d = grpc ? grpcMatch(m) : httpMatch(m);
        items.push({ ...d, order: order++, target, ruleIndex, source: this.ref(m ? m.range : span(rule), r.uri) });
      }
    });
    return (route.items = items);
  }
}

/** HTTPRequestRedirectFilter: "StatusCode is the HTTP status code to be used in response" (default 302). */
function redirectResponse(f: TNode | undefined): RouteResponse {
  const code = num(get(f, 'statusCode'));
  const scheme = str(get(f, 'scheme'));
  const hostname = str(get(f, 'hostname'));
  const port = num(get(f, 'port'));
  const path = str(get(f, 'path', 'replaceFullPath')) ?? str(get(f, 'path', 'replacePrefixMatch'));
  const parts = [scheme ? `${scheme}://` : '', hostname ?? (scheme || port ? '(same host)' : ''), port ? `:${port}` : '', path ?? ''].join('');
  return { kind: 'redirect', status: code ?? 302, location: parts || undefined };
}

/** A hostname as a condition on a request field: `*.example.com` is a suffix match over one or more labels. */
function hostTest(field: RequestField, h: string): Condition {
  return h.startsWith('*.') ? test(field, { op: 'suffix', value: h.slice(1), ignoreCase: true }) : test(field, { op: 'exact', value: h, ignoreCase: true });
}

/** Gateway API hostnames as site patterns ("Hostnames that are prefixed with a wildcard label (`*.`) are interpreted as a suffix match"). */
function hostPattern(h: string): HostPattern {
  return h.startsWith('*.') ? { kind: 'suffix', value: h.slice(1), text: h } : { kind: 'exact', value: h, text: h };
}

/** A rule's full condition: its match, and the route's hostnames unless the site (the listener's hostname) decides them. */
function whenOf(match: Condition[], hosts: string[], listener: string | undefined): Condition {
  const of = match.slice();
  if (hosts.length && !(listener && hosts.length === 1 && hosts[0] === listener)) of.unshift(hosts.length === 1 ? hostTest('host', hosts[0]) : { kind: 'any', of: hosts.map((h) => hostTest('host', h)) });
  return of.length === 1 ? of[0] : { kind: 'all', of };
}

/**
 * A route's hostnames intersected with the listener's (HTTPRouteSpec.hostnames): a route without hostnames takes
 * the listener's; a route hostname the listener's does not match is ignored; of two nested wildcards the narrower
 * one is what both match. Empty: any host.
 */
function effectiveHostnames(hostnames: string[], listener: string | undefined): string[] {
  if (!listener) return hostnames;
  if (hostnames.length === 0) return [listener];
  const out = new Set<string>();
  for (const h of hostnames) {
    if (h === listener || covers(listener, h)) out.add(h);
    else if (covers(h, listener)) out.add(listener);
  }
  return [...out].sort();
}

/** `*.example.com` covers `a.example.com`, `a.b.example.com` and `*.a.example.com` (one or more labels), not `example.com`. */
function covers(wildcard: string, h: string): boolean {
  return wildcard.startsWith('*.') && h !== wildcard && h.endsWith(wildcard.slice(1));
}

/** The precedence of a matching hostname: [characters of a non-wildcard hostname, characters of the hostname]. */
const hostKey = (h: string): number[] => [h.startsWith('*.') ? 0 : h.length, h.length];

/**
 * A route's hostnames grouped by their precedence, each group placed in the table on its own: for a request, the
 * route ranks by the hostname that matches it (`example.com` and `*.example.com` rank differently). When no other
 * route of the table shares a host with it, the ranks never meet another route's and one group is enough.
 */
function hostGroups(hosts: string[], competing: () => boolean): Array<{ key: number[]; hosts: string[] }> {
  if (hosts.length === 0) return [{ key: [0, 0], hosts: [] }];
  const byKey = new Map<string, { key: number[]; hosts: string[] }>();
  for (const h of hosts) {
    const key = hostKey(h);
    const k = key.join(',');
    const g = byKey.get(k);
    if (g) g.hosts.push(h);
    else byKey.set(k, { key, hosts: [h] });
  }
  const groups = [...byKey.values()].sort((a, b) => compareKeys(a.key, b.key));
  if (groups.length === 1 || competing()) return groups;
  return [{ key: groups[0].key, hosts }];
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
    source: { uri: r.uri, range: span(l) },
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
  return a === b || covers(a, b) || covers(b, a);
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

/** A test on one request field. */
const test = (field: RequestField, match: StringMatch): Condition => ({ kind: 'test', field, match });
/** Every request. */
const ALL: Condition = { kind: 'all', of: [] };
/** Characters that make an ImplementationSpecific path a pattern rather than a plain prefix. */
const REGEXY = /[()[\]*+?$^|\\{}]/;

/** A literal string as an RE2/PCRE pattern. */
function escapeRe2(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * An `ImplementationSpecific` Ingress path, whose meaning the IngressClass decides. As ingress-nginx (and Traefik)
 * read it: a plain string prefix (nginx `location /path`, so `/foo` also takes `/foobar`). With ingress-nginx's
 * `use-regex` annotation it is a case-insensitive regex location `~* "^path"`, which ingress-nginx orders among the
 * host's paths by length — an order lb-lens does not model, so a request it matches is undecidable. A path with
 * pattern characters and no `use-regex` (a GKE `/*` glob, a regex for another controller) is undecidable.
 */
function ingressPath(path: string, useRegex: boolean): Condition {
  if (useRegex) {
    return {
      kind: 'all', of: [
        test('path', { op: 'regex', value: `^${path.replace(/^\^/, '')}`, dialect: 'pcre', anchored: false, ignoreCase: true }),
        { kind: 'opaque', text: `ImplementationSpecific path ${path} (use-regex)`, why: 'ingress-nginx orders regex paths by length among all the paths of the host' },
      ],
    };
  }
  if (REGEXY.test(path)) return { kind: 'opaque', text: `ImplementationSpecific path ${path}`, why: 'a pattern whose meaning depends on the IngressClass (a regex with ingress-nginx use-regex, a glob on GKE)' };
  return test('path', { op: 'prefix', value: path });
}

const span = (n: TNode): Range => (n.keyRange ? { start: n.keyRange.start, end: n.range.end } : n.range);

/**
 * Header and query param matches. HTTPHeaderMatch.name: "Name matching MUST be case-insensitive"; "If multiple
 * entries specify equivalent header names, only the first entry with an equivalent name MUST be considered for a
 * match. Subsequent entries with an equivalent header name MUST be ignored" (the same for query params, whose names
 * are an "exact string match"). Values: `Exact` (case-sensitive), or `RegularExpression` (implementation-specific
 * dialect: RE2 matching the whole value, as in the Envoy-based implementations).
 */
function headerConditions(m: TNode | undefined, field: string, prefix: string): { match: MatchCondition[]; when: Condition[] } {
  const match: MatchCondition[] = [];
  const when: Condition[] = [];
  const seen = new Set<string>();
  for (const h of seq(get(m, field))) {
    const type = str(get(h, 'type')) ?? 'Exact';
    const written = str(get(h, 'name')) ?? '';
    const name = prefix === 'header' ? written.toLowerCase() : written;
    const value = str(get(h, 'value')) ?? '';
    match.push({ field: `${prefix}:${name}`, op: type === 'RegularExpression' ? 'regex' : 'exact', value });
    if (seen.has(name)) continue;
    seen.add(name);
    const f = `${prefix === 'header' ? 'header' : 'arg'}:${name}` as RequestField;
    when.push(test(f, type === 'RegularExpression' ? { op: 'regex', value, dialect: 're2', anchored: true } : { op: 'exact', value }));
  }
  return { match, when };
}

/**
 * HTTPRouteMatch → conditions and a precedence key (higher first). A match without path is PathPrefix `/`.
 * HTTPPathMatch: `Exact` "matches the URL path exactly and with case sensitivity"; `PathPrefix` matches "on a path
 * element by element basis", "a trailing `/` is ignored"; `RegularExpression` is implementation-specific — RE2
 * matching the whole path (Envoy Gateway, Istio, Contour, Cilium: Envoy `safe_regex`).
 */
function httpMatch(m: TNode | undefined): Pick<RuleItem, 'key' | 'regex' | 'match' | 'when' | 'text' | 'pathStart'> {
  const match: MatchCondition[] = [];
  const when: Condition[] = [];
  const path = get(m, 'path');
  const type = path ? str(get(path, 'type')) ?? 'PathPrefix' : 'PathPrefix';
  const value = path ? str(get(path, 'value')) ?? '/' : '/';
  let tier = 0;
  let length = 0;
  const text: string[] = [];
  if (type === 'Exact') {
    tier = 2;
    length = value.length;
    match.push({ field: 'path', op: 'exact', value });
    when.push(test('path', { op: 'exact', value }));
    text.push(`path = ${value}`);
  } else if (type === 'RegularExpression') {
    tier = 1;
    length = value.length;
    match.push({ field: 'path', op: 'regex', value });
    when.push(test('path', { op: 'regex', value, dialect: 're2', anchored: true }));
    text.push(`path ~ ${value}`);
  } else {
    // PathPrefix: "/foo/" and "/foo" are equivalent (trailing slash ignored), matched element by element.
    const v = value.length > 1 ? value.replace(/\/+$/, '') || '/' : value;
    length = v.length;
    if (v !== '/') {
      match.push({ field: 'path', op: 'prefix', value: v });
      when.push(test('path', { op: 'segment-prefix', value: v }));
    }
    text.push(`path ${value}`);
  }
  const method = str(get(m, 'method'));
  if (method) {
    match.push({ field: 'method', op: 'exact', value: method.toUpperCase() });
    when.push(test('method', { op: 'exact', value: method.toUpperCase() }));
    text.push(`method ${method}`);
  }
  const headers = headerConditions(m, 'headers', 'header');
  const query = headerConditions(m, 'queryParams', 'query');
  match.push(...headers.match, ...query.match);
  when.push(...headers.when, ...query.when);
  for (const h of headers.match) text.push(`header ${h.field.slice(7)}`);
  for (const q of query.match) text.push(`query ${q.field.slice(6)}`);
  const pathStart = type === 'RegularExpression' ? literalStart(value) : type === 'Exact' ? value : value.length > 1 ? value.replace(/\/+$/, '') : '';
  return { key: [tier, length, method ? 1 : 0, headers.when.length, query.when.length], regex: type === 'RegularExpression', match, when, text: text.join(' '), pathStart };
}

/**
 * GRPCRouteMatch: a gRPC call is an HTTP/2 request for `/{service}/{method}`, so the method match is a path
 * condition — `Exact` service and method: that path; service only: every method of it; method only: that method
 * of any service; `RegularExpression`: RE2 over each part (implementation-specific, as Envoy-based implementations
 * do). Precedence (GRPCRouteRule.matches): "Characters in a matching service; Characters in a matching method;
 * Header matches"; regex matches first, with the order against the others undecidable (see `routeTable`).
 */
function grpcMatch(m: TNode | undefined): Pick<RuleItem, 'key' | 'regex' | 'match' | 'when' | 'text' | 'pathStart'> {
  const match: MatchCondition[] = [];
  const when: Condition[] = [];
  const method = get(m, 'method');
  const type = str(get(method, 'type')) ?? 'Exact';
  const service = str(get(method, 'service'));
  const name = str(get(method, 'method'));
  const op = type === 'RegularExpression' ? 'regex' : 'exact';
  if (service) match.push({ field: 'grpc:service', op, value: service });
  if (name) match.push({ field: 'grpc:method', op, value: name });
  if (op === 'regex') {
    if (service || name) when.push(test('path', { op: 'regex', value: `/(?:${service ?? '[^/]+'})/(?:${name ?? '[^/]+'})`, dialect: 're2', anchored: true }));
  } else if (service && name) when.push(test('path', { op: 'exact', value: `/${service}/${name}` }));
  else if (service) when.push(test('path', { op: 'prefix', value: `/${service}/` }));
  else if (name) when.push(test('path', { op: 'regex', value: `/[^/]+/${escapeRe2(name)}`, dialect: 're2', anchored: true }));
  const headers = headerConditions(m, 'headers', 'header');
  match.push(...headers.match);
  when.push(...headers.when);
  const text = [service ?? '*', name ?? '*'].join('/') + headers.match.map((h) => ` header ${h.field.slice(7)}`).join('');
  return { key: [op === 'regex' ? 1 : 0, service?.length ?? 0, name?.length ?? 0, headers.when.length], regex: op === 'regex', match, when, text, pathStart: '' };
}

/**
 * The literal text every match of an RE2 pattern (matching the whole path) begins with: the characters before the
 * first metacharacter, less one that a quantifier makes optional; '' when the pattern has an alternation.
 */
function literalStart(pattern: string): string {
  if (pattern.includes('|')) return '';
  const p = pattern.replace(/^\^/, '');
  let i = 0;
  while (i < p.length && !'\\.[](){}*+?^$'.includes(p[i])) i++;
  return i < p.length && '*?{'.includes(p[i]) && i > 0 ? p.slice(0, i - 1) : p.slice(0, i);
}

const SERVICE_KIND = /kind["']?\s*:\s*["']?Service\b/;
const GATEWAY_KINDS = /kind["']?\s*:\s*["']?(?:Gateway|HTTPRoute|GRPCRoute)\b/;
/** Sibling files read at most (a folder of thousands of manifests is not one application's set). */
const MAX_SIBLINGS = 500;
const MAX_SIBLING_SIZE = 4_000_000;

/** An object's identity in a cluster: API group, kind, namespace and name. */
const objectKey = (r: Resource) => `${r.apiVersion.includes('/') ? r.apiVersion.split('/')[0] : ''}\u0000${r.kind}\u0000${r.namespace}\u0000${r.name}`;

/**
 * An object written twice in one file is one object in the cluster: `kubectl apply -f` applies the documents in
 * order, so the last one is what runs. Keeps the last of each identity (in place) and records the others.
 */
function lastDefinitions(b: ModelBuilder, resources: Resource[]): void {
  const last = new Map<string, Resource>();
  for (const r of resources) if (r.name) last.set(objectKey(r), r);
  if (last.size === resources.filter((r) => r.name).length) return;
  const at = (r: Resource) => b.ref((get(r.node, 'metadata', 'name') ?? r.node).range, r.uri);
  const kept = resources.filter((r) => {
    const l = last.get(objectKey(r));
    if (!r.name || l === r) return true;
    (b.model.superseded ??= []).push({ name: `${r.kind} ${r.namespace === 'default' ? r.name : `${r.namespace}/${r.name}`}`, source: at(r), by: at(l!), keeps: 'later' });
    return false;
  });
  resources.length = 0;
  resources.push(...kept);
}

/**
 * The sibling objects that are not this file's: a manifest with the kind, namespace and name of one in this file
 * (or of an earlier sibling) is the same cluster object written again — one of them replaces the other when
 * applied — not a second object (a folder of examples that all define `HTTPRoute http-filter-1`).
 */
function distinctObjects(own: readonly Resource[], siblingResources: readonly Resource[]): Resource[] {
  const seen = new Set(own.map(objectKey));
  return siblingResources.filter((r) => {
    const k = objectKey(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function lowerKubernetes(uri: string, text: string, host: FormatHost): TrafficModel {
  const file = loadYaml(text, YAML_DIALECTS.kubernetes);
  const b = builderFor('kubernetes', uri, file);
  const resources: Resource[] = [];
  for (const t of yamlTrees(file)) resourcesOf(t, uri, resources);
  lastDefinitions(b, resources);
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
  new KubernetesLowering(b, uri).run(resources, distinctObjects(resources, siblingResources), complete);
  return b.model;
}
