import { addressKey, classifyAddress } from '../../model/address';
import { ModelBuilder } from '../../model/builder';
import type { Bind, EntryPoint, HostPattern, MatchCondition, Pool, RouteTarget, Server, Site, SourceRef, TrafficModel } from '../../model/types';
import { siblings } from '../declarative/common';
import type { FormatHost } from '../types';
import { entries, get, isMap, isScalar, items, loadYaml, num, quoted, str, YAML_DIALECTS, type Node, type YamlDoc } from '../yaml/yamlFile';
import { gatewayServerBind, hostPattern, httpMatchCondition, l4MatchCondition, narrower, vsHostPatterns } from './routing';

const INT32_MAX = 2_147_483_647;
const UINT32_MAX = 4_294_967_295;

/*
 * Lowering of Istio networking resources into the traffic model, following istio.io/latest/docs/reference/
 * config/networking/virtual-service, …/destination-rule, …/gateway and …/service-entry:
 * - a VirtualService is an entry point; its `http`, `tcp` and `tls` routes are evaluated in order and the first
 *   match wins; a route without `match` matches everything; one route with several `match` entries matches when
 *   any of them does (each entry becomes one model route, in order). Its `gateways` (default `mesh`, "all the
 *   sidecars in the mesh") are resolved to the servers (port, protocol) of the Gateways they name, and each
 *   Gateway server of the document is an entry point of its own (port, hosts);
 * - a destination (`host` + optional `subset`) is a pool. A host declared by a ServiceEntry resolves to its
 *   `endpoints` (address, ports, `weight`), filtered by the subset's labels; any other host is a service whose
 *   endpoints the configuration does not list (Server.kind 'service');
 * - several destinations split the traffic by relative `weight`: a destination receives weight / Σ weights;
 *   a single destination receives everything, whatever its weight;
 * - DestinationRules give the subsets (`subsets[].name`), the load balancer and outlier detection (passive
 *   health checking).
 * DestinationRules, ServiceEntries, Gateways and Kubernetes Services of the folder's other manifests are read too.
 */

const NS = 'istio';
/** DestinationRule LoadBalancerSettings.SimpleLB. */
const SIMPLE_LB = new Set(['UNSPECIFIED', 'RANDOM', 'PASSTHROUGH', 'ROUND_ROBIN', 'LEAST_REQUEST', 'LEAST_CONN']);
/** ServiceEntry.Resolution. */
const RESOLUTIONS = new Set(['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'DYNAMIC_DNS']);
const MATCH_ALL_REGEX = new Set(['.*', '^.*$', '^.*', '.*$', '(.*)', '^(.*)$', '/.*', '^/.*', '^/.*$']);
/** Sibling files read at most, and their largest size. */
const MAX_SIBLINGS = 500;
const MAX_SIBLING_SIZE = 4_000_000;
const SERVICE_KIND = /kind["']?\s*:\s*["']?Service\b/;

interface Subset {
  doc: YamlDoc;
  uri: string;
  node: Node;
  nameNode: Node;
  labels: Map<string, string>;
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
  own: boolean;
}

interface Endpoint {
  address: string;
  /** WorkloadEntry.ports: service port name → endpoint port. */
  ports: Map<string, number>;
  labels: Map<string, string>;
  weight: number;
  node: Node;
}

/** A ServiceEntry: hosts added to Istio's service registry, with their endpoints. */
interface ServiceEntry {
  doc: YamlDoc;
  uri: string;
  node: Node;
  hosts: Array<{ host: string; node: Node }>;
  ports: Array<{ number?: number; name: string; targetPort?: number }>;
  resolution: string;
  location: string;
  endpoints: Endpoint[];
  /** `workloadSelector.labels` as text: the endpoints are pods and WorkloadEntries picked at run time. */
  selector?: string;
  namespace: string;
  exportTo: string[];
}

interface GatewayServer {
  port?: string;
  protocol: string;
  hosts: string[];
  node: Node;
}

/** A server of a Gateway of this file: an entry point whose sites are the VirtualServices bound to it. */
interface LocalServer {
  entry: EntryPoint;
  doc: YamlDoc;
  server: GatewayServer;
  /** The VirtualService route list it serves. */
  routes: 'http' | 'tcp' | 'tls';
  /** `tls.httpsRedirect` on a plain HTTP server. */
  httpsRedirect: boolean;
  /** VirtualServices bound to it, in document order: the host it routes for each, and their route-list sites. */
  bound: Array<{ host: string; vs: string; sites: Partial<Record<'http' | 'tcp' | 'tls', string>> }>;
}

const NO_ROUTE = {
  status: 404,
  text: 'no VirtualService host or route matches (Istio answers 404, response flag NR; in the mesh, a host no VirtualService names goes to its own service)',
};

const kindOf = (root: Node | null) => (isMap(root) ? str(get(root, 'kind')) : undefined);
const isIstio = (root: Node | null) => /^networking\.istio\.io\//.test(str(get(root ?? undefined, 'apiVersion')) ?? '');
const namespaceOf = (root: Node | null) => str(get(root ?? undefined, 'metadata', 'namespace')) ?? 'default';

/** Short names are relative to the resource's namespace (`reviews` → `reviews.default.svc.cluster.local`). */
export function fqdn(host: string, namespace: string): string {
  const h = host.trim().toLowerCase();
  if (!h || h.includes('.') || h.includes('*')) return h;
  return `${h}.${namespace}.svc.cluster.local`;
}

/**
 * The names a destination host may be registered under: its FQDN (short names are "interpreted based on the
 * namespace of the rule"), the host as written (ServiceEntry hosts are taken literally), and `name.namespace`
 * completed with the cluster domain.
 */
function hostCandidates(host: string, namespace: string): string[] {
  const h = host.trim().toLowerCase();
  const out = [fqdn(h, namespace), h];
  if (/^[^.*]+\.[^.]+$/.test(h)) out.push(`${h}.svc.cluster.local`);
  return [...new Set(out)];
}

/** Istio host matching: equal, `*` matches anything, `*.example.com` any name ending in `.example.com` (both ways). */
function hostsIntersect(a: string, b: string): boolean {
  if (a === b || a === '*' || b === '*') return true;
  return (a.startsWith('*.') && b.endsWith(a.slice(1))) || (b.startsWith('*.') && a.endsWith(b.slice(1)));
}

function algorithmOf(policy: Node | undefined): string | undefined {
  const lb = get(policy, 'loadBalancer');
  if (!lb) return undefined;
  const simple = str(get(lb, 'simple'));
  if (simple) return simple.toLowerCase();
  if (get(lb, 'consistentHash')) return 'consistent_hash';
  return undefined;
}

/** The host of a ServiceEntry that declares `host` (for go to definition). */
const seHostNode = (se: ServiceEntry, host: string): Node => (se.hosts.find((h) => h.host === host) ?? se.hosts.find((h) => hostsIntersect(h.host, host)))?.node ?? se.node;

const labelsOf = (node: Node | undefined) => new Map(entries(node).map((e) => [e.key, str(e.value) ?? '']));

class IstioLowering {
  readonly b: ModelBuilder;
  private readonly pools = new Map<string, Pool>();
  /** DestinationRules by host: this file's and those of sibling files. */
  private readonly rules: Rule[] = [];
  private readonly serviceEntries: Array<ServiceEntry & { own: boolean }> = [];
  private readonly gateways = new Map<string, GatewayServer[]>();
  /** FQDNs of the Kubernetes Services among the manifests. */
  private readonly services = new Set<string>();
  /** The folder was listed, so the manifests seen are its whole set. */
  private listed = false;
  /** The VirtualService being lowered routes to at least one host defined among the manifests (see virtualService). */
  private hostsClosed = false;
  /** The servers of this file's Gateways, by `namespace/name`. */
  private readonly localGateways = new Map<string, LocalServer[]>();

  constructor(readonly uri: string, private readonly docs: YamlDoc[], private readonly host: FormatHost) {
    this.b = new ModelBuilder('istio', uri);
  }

  ref(doc: YamlDoc, node: Node | undefined | null, uri = this.uri): SourceRef {
    return { uri, range: doc.range(node) };
  }

  run(): TrafficModel {
    for (const doc of this.docs) this.collect(doc, this.uri, true);
    if (this.docs.some((d) => kindOf(d.root) === 'VirtualService')) this.siblingResources();
    // This file's ServiceEntries and DestinationRule subsets are pools of their own (outline, definition);
    // VirtualServices elsewhere may use them.
    for (const se of this.serviceEntries) if (se.own) for (const h of se.hosts) this.serviceEntryPool(se, h.host, h.node);
    for (const rule of this.rules) if (rule.own) for (const [name, s] of rule.subsets) this.subsetPool(rule, name, s, true);
    for (const doc of this.docs) if (kindOf(doc.root) === 'Gateway' && isIstio(doc.root)) this.gatewayEntries(doc);
    for (const doc of this.docs) if (kindOf(doc.root) === 'VirtualService' && isIstio(doc.root)) this.virtualService(doc);
    for (const servers of this.localGateways.values()) for (const s of servers) this.gatewaySites(s);
    // Pools exist only for destinations, subsets and service entries written down, so nothing is "unused"; an
    // unresolved reference is a subset missing from DestinationRules that do define the host, or a host missing
    // from a set of manifests seen whole (see resolve()).
    this.b.model.closedWorld = true;
    return this.b.model;
  }

  /** A resource the destinations may refer to: DestinationRule, ServiceEntry, Gateway, Kubernetes Service. */
  private collect(doc: YamlDoc, uri: string, own: boolean) {
    const root = doc.root;
    const kind = kindOf(root);
    if (kind === 'Service' && str(get(root, 'apiVersion')) === 'v1') {
      const name = str(get(root, 'metadata', 'name'));
      if (name) this.services.add(`${name.toLowerCase()}.${namespaceOf(root)}.svc.cluster.local`);
      return;
    }
    if (!isIstio(root)) return;
    if (kind === 'DestinationRule') this.rule(doc, uri, own);
    else if (kind === 'ServiceEntry') this.serviceEntry(doc, uri, own);
    else if (kind === 'Gateway') {
      const key = `${namespaceOf(root)}/${str(get(root, 'metadata', 'name')) ?? ''}`;
      if (!this.gateways.has(key)) {
        this.gateways.set(key, items(get(root, 'spec', 'servers')).map((s) => ({
          port: str(get(s, 'port', 'number')),
          protocol: (str(get(s, 'port', 'protocol')) ?? '').toUpperCase(),
          hosts: items(get(s, 'hosts')).map(str).filter((h): h is string => !!h),
          node: s,
        })));
      }
    }
  }

  /** The other `*.yaml` / `*.yml` files of the folder (a manifests directory). */
  private siblingResources() {
    const sib = siblings(this.uri, this.host, ['yaml', 'yml']);
    this.listed = sib.listed && sib.files.length <= MAX_SIBLINGS;
    for (const uri of sib.files.slice(0, MAX_SIBLINGS)) {
      const text = this.host.readFile(uri);
      if (text === undefined) this.listed = false;
      if (!text || text.length > MAX_SIBLING_SIZE) continue;
      const istio = text.includes('networking.istio.io') && /DestinationRule|ServiceEntry|Gateway/.test(text);
      if (!istio && !SERVICE_KIND.test(text)) continue;
      for (const doc of loadYaml(text, YAML_DIALECTS.istio).docs) this.collect(doc, uri, false);
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
      algorithm: algorithmOf(policy), passive: isMap(get(policy, 'outlierDetection')), own,
    };
    const simpleNode = get(policy, 'loadBalancer', 'simple');
    if (own && simpleNode && !SIMPLE_LB.has((str(simpleNode) ?? '').toUpperCase())) {
      this.b.problem('LB002', `Unknown load balancer ${quoted(simpleNode)} (expected ${[...SIMPLE_LB].join(', ')}).`, this.ref(doc, simpleNode));
    }
    for (const s of items(get(spec, 'subsets'))) {
      const nameNode = get(s, 'name');
      const name = str(nameNode);
      if (!name || !nameNode) continue;
      const sp = get(s, 'trafficPolicy');
      const subset: Subset = {
        doc, uri, node: s, nameNode, labels: labelsOf(get(s, 'labels')), algorithm: algorithmOf(sp) ?? rule.algorithm,
        passive: isMap(get(sp, 'outlierDetection')) || rule.passive,
      };
      if (!rule.subsets.has(name)) rule.subsets.set(name, subset);
    }
    this.rules.push(rule);
  }

  private serviceEntry(doc: YamlDoc, uri: string, own: boolean) {
    const root = doc.root;
    const spec = get(root, 'spec');
    const resolutionNode = get(spec, 'resolution');
    // ServiceEntry.Resolution and Location: NONE and MESH_EXTERNAL are the defaults (the enums' zero values).
    const resolution = (str(resolutionNode) ?? 'NONE').toUpperCase();
    const endpointNodes = items(get(spec, 'endpoints'));
    if (own && resolutionNode && !RESOLUTIONS.has(resolution)) {
      this.b.problem('LB002', `Unknown resolution ${quoted(resolutionNode)} (expected ${[...RESOLUTIONS].join(', ')}).`, this.ref(doc, resolutionNode));
    }
    if (own && resolution === 'NONE' && endpointNodes.length) {
      this.b.problem('LB002', 'Resolution NONE cannot have endpoints ("NONE mode cannot set endpoints"): the proxy forwards to the address the client connected to.', this.ref(doc, get(spec, 'endpoints')));
    }
    const endpoints: Endpoint[] = [];
    for (const e of endpointNodes) {
      const address = str(get(e, 'address'));
      if (!address) continue;
      const weightNode = get(e, 'weight');
      const raw = num(weightNode);
      // WorkloadEntry.weight is a uint32.
      const weight = raw !== undefined && Number.isInteger(raw) && raw >= 0 && raw <= UINT32_MAX ? raw : undefined;
      if (own && isScalar(weightNode) && weight === undefined) {
        this.b.problem('LB002', `An endpoint weight must be an integer from 0 to ${UINT32_MAX} (a uint32; got "${str(weightNode) ?? '…'}").`, this.ref(doc, weightNode));
      }
      const ports = new Map<string, number>();
      for (const p of entries(get(e, 'ports'))) {
        const n = num(p.value);
        if (n !== undefined) ports.set(p.key, n);
      }
      // WorkloadEntry.weight is a uint32 where 0 means unset: Istio normalises it to 1 ("always be > 0").
      endpoints.push({ address, ports, labels: labelsOf(get(e, 'labels')), weight: weight !== undefined && weight > 0 ? Math.floor(weight) : 1, node: e });
    }
    const selector = get(spec, 'workloadSelector', 'labels');
    this.serviceEntries.push({
      doc, uri, node: root!, own, resolution, endpoints, namespace: namespaceOf(root),
      exportTo: items(get(spec, 'exportTo')).map(str).filter((e): e is string => !!e),
      hosts: items(get(spec, 'hosts')).map((n) => ({ host: (str(n) ?? '').trim().toLowerCase(), node: n })).filter((h) => h.host),
      ports: items(get(spec, 'ports')).map((p) => ({ number: num(get(p, 'number')), name: str(get(p, 'name')) ?? '', targetPort: num(get(p, 'targetPort')) })),
      location: (str(get(spec, 'location')) ?? 'MESH_EXTERNAL').toUpperCase(),
      selector: selector ? entries(selector).map((e) => `${e.key}=${str(e.value) ?? ''}`).join(',') : undefined,
    });
  }

  private rulesFor(host: string): Rule[] {
    const exact = this.rules.filter((r) => r.host === host);
    if (exact.length) return exact;
    return this.rules.filter((r) => r.host === '*' || (r.host.startsWith('*.') && host.endsWith(r.host.slice(1))));
  }

  /**
   * The ServiceEntry declaring a host, among those exported to the namespace `from` (ServiceEntry.exportTo: "."
   * its own namespace, "*" or absent all): an exact host first; else, unless a Kubernetes Service has the name,
   * the most specific wildcard host (`*.example.com`) covering it.
   */
  private serviceEntryFor(candidates: string[], from?: string): (ServiceEntry & { own: boolean }) | undefined {
    const visible = this.serviceEntries.filter((se) => from === undefined || se.exportTo.length === 0
      || se.exportTo.some((e) => e === '*' || e === from || (e === '.' && se.namespace === from)));
    for (const c of candidates) for (const se of visible) if (se.hosts.some((h) => h.host === c)) return se;
    if (candidates.some((c) => this.services.has(c))) return undefined;
    let best: { se: ServiceEntry & { own: boolean }; length: number } | undefined;
    for (const c of candidates) {
      for (const se of visible) {
        for (const h of se.hosts) {
          if (h.host.startsWith('*.') && c.endsWith(h.host.slice(1)) && (!best || h.host.length > best.length)) best = { se, length: h.host.length };
        }
      }
    }
    return best?.se;
  }

  /** The DestinationRules of the first of a destination's names that has any. */
  private rulesForAny(candidates: string[]): Rule[] {
    for (const c of candidates) {
      const rules = this.rulesFor(c);
      if (rules.length) return rules;
    }
    return [];
  }

  private newPool(name: string, kind: string, address: string, algorithm: string | undefined, passive: boolean, source: SourceRef, nameSource: SourceRef, elsewhere: boolean) {
    const pool = this.b.pool({
      name, namespace: NS, kind, synthesized: false, algorithm: algorithm ?? 'default', shareModel: 'weighted', backupPolicy: 'all',
      healthCheck: healthOf(passive), referencedElsewhere: elsewhere || undefined, source, nameSource,
    });
    this.b.server(pool, {
      name: name.replace(/\.svc\.cluster\.local(?=\||$)/, ''), address, addressKey: address.toLowerCase(), weight: 1, state: 'active', kind: 'service',
      healthCheck: { active: false, passive }, source,
    });
    this.pools.set(name, pool);
    return pool;
  }

  /**
   * The pool of a host declared by a ServiceEntry (named `host`, or `host|subset`), with the servers the entry
   * resolves to (ServiceEntry.Resolution): STATIC and DNS `endpoints` with their weights (only those carrying the
   * subset's labels); DNS without endpoints: the host itself, a DNS name that may resolve to several addresses;
   * NONE and DYNAMIC_DNS: the address the client asked for, known only at run time; `workloadSelector`: pods and
   * WorkloadEntries picked by labels at run time. A port is added when the destination names one or the entry has
   * a single port: WorkloadEntry.ports[port name], else the port's `targetPort`, else its number.
   */
  private serviceEntryPool(se: ServiceEntry, host: string, nameNode: Node, subset?: { name: string; s: Subset }, port?: number): Pool {
    const name = subset ? `${host}|${subset.name}` : host;
    const existing = this.pools.get(name);
    if (existing) return existing;
    const rule = this.rulesFor(host)[0];
    const passive = subset?.s.passive ?? rule?.passive ?? false;
    const source = this.ref(se.doc, se.node, se.uri);
    const pool = this.b.pool({
      name, namespace: NS, kind: `ServiceEntry ${se.location}`, synthesized: false, algorithm: subset?.s.algorithm ?? rule?.algorithm ?? 'default',
      shareModel: 'weighted', backupPolicy: 'all', healthCheck: healthOf(passive),
      // A service entry also serves the mesh's direct traffic to its hosts: never "unused".
      referencedElsewhere: true, source, nameSource: this.ref(se.doc, nameNode, se.uri),
    });
    this.pools.set(name, pool);
    const sp = port !== undefined ? se.ports.find((p) => p.number === port) : se.ports.length === 1 ? se.ports[0] : undefined;
    const portOf = (e?: Endpoint) => (sp ? (e?.ports.get(sp.name) ?? sp.targetPort ?? sp.number) : port);
    const withPort = (address: string, p: number | undefined) =>
      p === undefined || /^unix:/i.test(address) ? address : `${address.includes(':') ? `[${address}]` : address}:${p}`;
    const add = (s: Omit<Server, 'id' | 'poolId' | 'addressKey' | 'state' | 'healthCheck'>) =>
      this.b.server(pool, { ...s, addressKey: addressKey(s.address), state: 'active', healthCheck: { active: false, passive } });
    if (se.selector !== undefined) {
      pool.dynamicServers = true;
      add({ name: `workloads ${se.selector}`, address: withPort(host, portOf()), weight: 1, kind: 'service', source });
    } else if (se.resolution === 'NONE' || se.resolution === 'DYNAMIC_DNS' || (se.endpoints.length === 0 && host.includes('*'))) {
      pool.dynamicServers = true;
      add({ name: `${host} (${se.resolution === 'NONE' ? 'original destination' : 'resolved per request'})`, address: withPort(host, portOf()), weight: 1, kind: 'dynamic', source });
    } else if (se.endpoints.length === 0) {
      if (se.resolution !== 'STATIC') add({ address: withPort(host, portOf()), weight: 1, kind: 'hostname', mayBeMultiple: se.resolution === 'DNS', source });
    } else {
      const wanted = subset ? [...subset.s.labels] : [];
      for (const e of se.endpoints) {
        if (!wanted.every(([k, v]) => e.labels.get(k) === v)) continue;
        const kind = classifyAddress(e.address);
        // DNS resolves every address of the name (Envoy STRICT_DNS); DNS_ROUND_ROBIN uses one at a time.
        add({ address: withPort(e.address, portOf(e)), weight: e.weight, kind, mayBeMultiple: se.resolution === 'DNS' && kind === 'hostname', source: this.ref(se.doc, e.node, se.uri) });
      }
    }
    return pool;
  }

  private subsetPool(rule: Rule, subset: string, s: Subset, elsewhere: boolean): Pool {
    const name = `${rule.host}|${subset}`;
    const existing = this.pools.get(name);
    if (existing) return existing;
    const se = this.serviceEntryFor([rule.host]);
    if (se) return this.serviceEntryPool(se, rule.host, seHostNode(se, rule.host), { name: subset, s });
    return this.newPool(name, 'subset', rule.host, s.algorithm, s.passive, this.ref(s.doc, s.node, s.uri), this.ref(s.doc, s.nameNode, s.uri), elsewhere);
  }

  /** A host is known when a Kubernetes Service or a ServiceEntry among the manifests declares it. */
  private knownHost(host: string, ns: string): boolean {
    const candidates = hostCandidates(host, ns);
    return candidates.some((c) => this.services.has(c)) || this.serviceEntryFor(candidates, ns) !== undefined;
  }

  /** The pool of a destination; `poolId` undefined when the host or subset is known to be missing. */
  private resolve(doc: YamlDoc, dest: Node, ns: string): { name: string; poolId?: string; nameSource: SourceRef } | undefined {
    const hostNode = get(dest, 'host');
    const host = str(hostNode);
    if (!host) return undefined;
    const fq = fqdn(host, ns);
    const subsetNode = get(dest, 'subset');
    const subset = str(subsetNode);
    const port = num(get(dest, 'port', 'number'));
    const candidates = hostCandidates(host, ns);
    const se = this.serviceEntryFor(candidates, ns);
    // A ServiceEntry's hosts are taken as written: its pool is named after the destination host as written.
    const base = se ? host.trim().toLowerCase() : fq;
    const name = subset ? `${base}|${subset}` : base;
    const nameSource = this.ref(doc, subsetNode ?? hostNode);
    const known = this.pools.get(name);
    if (known) return { name, poolId: known.id, nameSource };
    const rules = this.rulesForAny(candidates);
    if (subset) {
      for (const r of rules) {
        const s = r.subsets.get(subset);
        if (s) return { name, poolId: (se ? this.serviceEntryPool(se, base, seHostNode(se, base), { name: subset, s }, port) : this.subsetPool(r, subset, s, false)).id, nameSource };
      }
      // Some DestinationRule defines the host but none has this subset: the whole set was seen, so this is a
      // real undefined reference (Istio answers 503 "no healthy upstream"). Without any rule for the host the
      // set is not known to be complete: say nothing.
      if (rules.length) return { name, nameSource };
    }
    if (se) return { name, poolId: this.serviceEntryPool(se, base, seHostNode(se, base), undefined, port).id, nameSource };
    // Destination.host: "Traffic forwarded to destinations that are not found in either of the two [the platform's
    // service registry and ServiceEntry hosts] will be dropped" — reported once the manifests were seen whole.
    if (this.hostsClosed && !this.knownHost(host, ns)) return { name, nameSource };
    const rule = rules[0];
    const address = port !== undefined ? `${fq}:${port}` : fq;
    const pool = this.newPool(
      name, subset ? 'subset' : 'service', address, rule?.algorithm, rule?.passive ?? false, nameSource,
      rule && !subset && rule.uri === this.uri ? this.ref(rule.doc, rule.hostNode, rule.uri) : nameSource, false,
    );
    return { name, poolId: pool.id, nameSource };
  }

  /**
   * Each server of a Gateway (port, protocol, hosts) is an entry point; the VirtualServices bound to it list it. It
   * listens on its port (TLS for HTTPS/TLS servers); its sites are the hosts of the VirtualServices of this file
   * bound to it (see gatewaySites).
   */
  private gatewayEntries(doc: YamlDoc) {
    const root = doc.root;
    const nameNode = get(root, 'metadata', 'name');
    const key = `${namespaceOf(root)}/${str(nameNode) ?? ''}`;
    const local: LocalServer[] = [];
    for (const server of items(get(root, 'spec', 'servers'))) {
      const portNode = get(server, 'port');
      const number = str(get(portNode, 'number'));
      const protocol = (str(get(portNode, 'protocol')) ?? '').toUpperCase();
      const hosts = items(get(server, 'hosts')).map(str).filter((h): h is string => !!h);
      const entry = this.b.entry({
        name: `Gateway ${str(nameNode) ?? ''} ${number ?? '?'}/${protocol || '?'}`, namespace: NS,
        listen: [`${number ?? '?'}/${protocol}`], hosts,
        source: this.ref(doc, server), selection: this.ref(doc, portNode ?? nameNode ?? server),
      });
      const { bind, routes } = gatewayServerBind(server);
      entry.binds = [{ ...bind, source: this.ref(doc, portNode ?? server) }];
      entry.noRoute = { status: 404, text: 'no VirtualService of this file bound to this server takes the request (Istio answers 404, response flag NR)' };
      const httpsRedirect = routes === 'http' && !bind.tls && str(get(server, 'tls', 'httpsRedirect')) === 'true';
      local.push({ entry, doc, server: { port: number, protocol, hosts, node: server }, routes, httpsRedirect, bound: [] });
    }
    if (!this.localGateways.has(key)) this.localGateways.set(key, local);
  }

  /**
   * The sites of a Gateway server: one per host it routes, taking the routes of the VirtualServices bound to it for
   * that host — several VirtualServices for one host are merged ("Istio supports merging of virtual services that
   * are attached to the ingress gateways", IST0109), searched here in the order of the file (Istio merges them by
   * creation time, which a file does not show). `tls.httpsRedirect`: every request is redirected (301).
   */
  private gatewaySites(s: LocalServer) {
    const sites: Site[] = [];
    const byHost = new Map<string, Site>();
    const source = s.entry.source;
    if (s.httpsRedirect) {
      const siteId = `site:${s.entry.id}:redirect`;
      const group = `${s.entry.id}:httpsRedirect`;
      sites.push({ id: siteId, entryId: s.entry.id, name: `${s.entry.name} httpsRedirect`, hosts: s.server.hosts.map((h) => hostPattern(h.slice(h.indexOf('/') + 1))), source });
      this.b.route({
        entryId: s.entry.id, name: `httpsRedirect (${s.entry.name})`, matchText: 'httpsRedirect', match: [], catchAll: true,
        evaluation: { group, strategy: 'first-match', index: 0 }, when: { kind: 'all', of: [] }, siteId,
        target: { kind: 'none', reason: 'httpsRedirect', response: { kind: 'redirect', status: 301, location: 'https://(same host and path)' } },
        source: this.ref(s.doc, get(s.server.node, 'tls') ?? s.server.node),
      });
    } else {
      for (const b of s.bound) {
        const target = b.sites[s.routes];
        if (!target) continue;
        let site = byHost.get(b.host);
        if (!site) {
          site = { id: `site:${s.entry.id}:${byHost.size}`, entryId: s.entry.id, name: `${b.vs} (${b.host})`, hosts: [hostPattern(b.host)], source, routesFrom: [] };
          byHost.set(b.host, site);
          sites.push(site);
        } else if (!site.routesFrom!.includes(target)) site.name = `${site.name.replace(/ \(.*\)$/, '')} + ${b.vs} (${b.host})`;
        if (!site.routesFrom!.includes(target)) site.routesFrom!.push(target);
      }
    }
    if (sites.length) (this.b.model.sites ??= []).push(...sites);
  }

  /**
   * Where a VirtualService applies (`gateways`): `mesh` (the default: "all the sidecars in the mesh"), or Gateways
   * named `<namespace>/<name>` (no namespace: the VirtualService's). A Gateway among the manifests is resolved to
   * its servers that expose one of the VirtualService's hosts (Gateway Server.hosts: `dnsName` with an optional
   * `namespace/` — `*` any, `.` the Gateway's own — matched exactly or by a wildcard's suffix).
   */
  private bindings(gateways: string[], vsHosts: string[], ns: string): string[] {
    const out: string[] = [];
    for (const g of gateways) {
      if (g === 'mesh') {
        out.push('mesh');
        continue;
      }
      const slash = g.indexOf('/');
      // The legacy `<name>.<namespace>.svc.cluster.local` form names the namespace as its second label.
      const [gwNs, name] = slash >= 0 ? [g.slice(0, slash), g.slice(slash + 1)] : g.includes('.') ? [g.split('.')[1], g.split('.')[0]] : [ns, g];
      const servers = this.gateways.get(`${gwNs}/${name}`);
      if (!servers) {
        out.push(g);
        continue;
      }
      const exposing = servers.filter((s) => s.hosts.some((h) => {
        const i = h.indexOf('/');
        const hostNs = i >= 0 ? h.slice(0, i) : '*';
        if (hostNs !== '*' && (hostNs === '.' ? gwNs : hostNs) !== ns) return false;
        const dns = (i >= 0 ? h.slice(i + 1) : h).toLowerCase();
        return vsHosts.some((v) => hostsIntersect(dns, v.toLowerCase()));
      }));
      if (exposing.length === 0) out.push(`${g} (no server exposes its hosts)`);
      for (const s of exposing) out.push(`${g} :${s.port ?? '?'}/${s.protocol}`);
    }
    return out;
  }

  /**
   * Where a VirtualService's routes take requests: `mesh` — the sidecars, any port (entries binding `mesh` share it and
   * compete by host); a Gateway of this file — its servers' sites (gatewaySites), not the VirtualService itself; a
   * Gateway of another file of the folder — the ports of its servers that expose the VirtualService's hosts; a Gateway
   * lb-lens does not see — any port of that gateway.
   */
  private vsBinds(gateways: string[], vsHosts: string[], ns: string, entry: EntryPoint, sites: Partial<Record<'http' | 'tcp' | 'tls', string>>): Bind[] {
    const binds: Bind[] = [];
    const name = entry.name.replace(/^VirtualService /, '');
    for (const g of gateways) {
      if (g === 'mesh') {
        binds.push({ address: 'mesh', protocol: 'http' });
        continue;
      }
      const slash = g.indexOf('/');
      const [gwNs, gwName] = slash >= 0 ? [g.slice(0, slash), g.slice(slash + 1)] : g.includes('.') ? [g.split('.')[1], g.split('.')[0]] : [ns, g];
      const key = `${gwNs}/${gwName}`;
      const local = this.localGateways.get(key);
      const servers = local ? local.map((l) => l.server) : this.gateways.get(key);
      if (!servers) {
        binds.push({ address: `gateway ${key}` });
        continue;
      }
      servers.forEach((server, i) => {
        const names = this.exposed(server, gwNs, ns, vsHosts);
        if (!names.length) return;
        if (local) for (const host of names) local[i].bound.push({ host, vs: name, sites });
        else binds.push(gatewayServerBind(server.node).bind);
      });
    }
    return binds;
  }

  /** The hosts a Gateway server routes for a VirtualService: each pair of covering hosts, the narrower one. */
  private exposed(server: GatewayServer, gwNs: string, vsNs: string, vsHosts: string[]): string[] {
    const out: string[] = [];
    for (const h of server.hosts) {
      const i = h.indexOf('/');
      const hostNs = i >= 0 ? h.slice(0, i) : '*';
      if (hostNs !== '*' && (hostNs === '.' ? gwNs : hostNs) !== vsNs) continue;
      const dns = i >= 0 ? h.slice(i + 1) : h;
      for (const v of vsHosts) {
        const n = narrower(dns, v);
        if (n !== undefined && !out.includes(n)) out.push(n);
      }
    }
    return out;
  }

  private virtualService(doc: YamlDoc) {
    const root = doc.root;
    const spec = get(root, 'spec');
    const ns = namespaceOf(root);
    const nameNode = get(root, 'metadata', 'name');
    const gateways = items(get(spec, 'gateways')).map(str).filter((s): s is string => !!s);
    const hosts = items(get(spec, 'hosts')).map(str).filter((s): s is string => !!s);
    const entry = this.b.entry({
      name: `VirtualService ${str(nameNode) ?? ''}`.trim(), namespace: NS,
      listen: this.bindings(gateways.length ? gateways : ['mesh'], hosts, ns), hosts,
      source: this.ref(doc, root), selection: this.ref(doc, nameNode ?? root),
    });
    entry.noRoute = NO_ROUTE;
    // The route lists of the VirtualService, one site each (http, tcp, tls), for its hosts.
    const patterns = hosts.flatMap((h) => vsHostPatterns(h, ns));
    const sites: Partial<Record<'http' | 'tcp' | 'tls', string>> = {};
    for (const proto of ['http', 'tcp', 'tls'] as const) {
      if (items(get(spec, proto)).length === 0) continue;
      const id = `site:${entry.id}:${proto}`;
      sites[proto] = id;
      (this.b.model.sites ??= []).push({ id, entryId: entry.id, name: `${entry.name} ${proto} (${hosts.join(', ') || 'no hosts'})`, hosts: patterns.length ? patterns : [{ kind: 'exact', value: '', text: '(no hosts)' }], source: entry.source });
    }
    entry.binds = this.vsBinds(gateways.length ? gateways : ['mesh'], hosts, ns, entry, sites);
    // A destination host no Service or ServiceEntry declares is "undefined" only when the folder's manifests were
    // seen whole and this VirtualService routes to at least one host declared among them: a VirtualService whose
    // services all live elsewhere (or a folder of unrelated samples) stays an open world.
    const destHosts = ['http', 'tcp', 'tls'].flatMap((p) => items(get(spec, p))).flatMap((r) => items(get(r, 'route'))).map((d) => str(get(d, 'destination', 'host')));
    this.hostsClosed = this.listed && destHosts.some((h) => h !== undefined && this.knownHost(h, ns));
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
            // "The first rule matching an incoming request is used"; the match blocks of one rule are OR: each is a
            // route, in order.
            when: proto === 'http' ? httpMatchCondition(m) : l4MatchCondition(m, proto),
            siteId: sites[proto],
            target, source: this.ref(doc, alternatives.length > 1 && m ? m : route),
          });
        }
      }
    }
  }

  private target(doc: YamlDoc, route: Node, ns: string, proto: string): RouteTarget {
    const aborted = proto === 'http' ? abortsEverything(get(route, 'fault')) : undefined;
    if (aborted) return aborted;
    const dests = items(get(route, 'route'));
    if (dests.length === 0) {
      const redirect = get(route, 'redirect');
      if (redirect) {
        // HTTPRedirect.redirectCode: "The default response code is MOVED_PERMANENTLY (301)."
        const code = num(get(redirect, 'redirectCode'));
        const scheme = str(get(redirect, 'scheme'));
        const authority = str(get(redirect, 'authority'));
        const port = str(get(redirect, 'port'));
        const path = str(get(redirect, 'uri'));
        const location = [scheme ? `${scheme}://` : '', authority ?? (scheme || port ? '(same host)' : ''), port ? `:${port}` : '', path ?? ''].join('');
        return { kind: 'none', reason: 'redirect', response: { kind: 'redirect', status: code ?? 301, ...(location ? { location } : {}) } };
      }
      const direct = get(route, 'directResponse');
      if (direct) {
        const status = num(get(direct, 'status'));
        return { kind: 'none', reason: `directResponse ${str(get(direct, 'status')) ?? ''}`.trim(), response: status !== undefined ? { kind: 'direct', status } : { kind: 'direct' } };
      }
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
      const raw = num(weightNode);
      // HTTPRouteDestination.weight is an int32, and the validation webhook refuses negative weights.
      const valid = raw !== undefined && Number.isInteger(raw) && raw >= 0 && raw <= INT32_MAX;
      const weight = valid ? raw : 0;
      // Only scalars are checked: a `{{.Weight}}` template placeholder parses as a map and is not a value yet.
      if (isScalar(weightNode) && !valid) {
        this.b.problem('LB002', `A destination weight must be an integer from 0 to ${INT32_MAX} (an int32 ≥ 0; got "${str(weightNode) ?? '…'}").`, this.ref(doc, weightNode));
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

const healthOf = (passive: boolean): Pool['healthCheck'] => ({
  active: false, passive,
  detail: passive ? 'Passive: outlierDetection ejects failing endpoints.' : 'Istio has no outlier detection unless the DestinationRule sets outlierDetection.',
});

/** Parse Istio VirtualServices, DestinationRules, Gateways and ServiceEntries (multi-document YAML or JSON). Never throws. */
export function lowerIstio(uri: string, text: string, host: FormatHost): TrafficModel {
  const file = loadYaml(text, YAML_DIALECTS.istio);
  const lowering = new IstioLowering(uri, file.docs, host);
  const b = lowering.b;
  for (const e of file.errors) b.problem('LB001', e.message, b.ref(e.range));
  for (const c of file.comments) b.comment({ text: c.text, source: b.ref(c.range) });
  return lowering.run();
}

/**
 * HTTPFaultInjection.Abort that stops every request: "Abort Http request attempts and return error codes back to
 * downstream service" — the sidecar answers with `httpStatus` and nothing reaches the destinations. Only an explicit
 * `percentage.value` of 100 (or the older `percent: 100`) counts: without one the percentage is Envoy's unset
 * FractionalPercent (no request aborted in current Istio; "all requests" in the older API's text), so the route
 * is left as its destinations say. Partial aborts keep the destinations' shares (of the requests not aborted).
 */
function abortsEverything(fault: Node | undefined): RouteTarget | undefined {
  const abort = get(fault, 'abort');
  if (!abort) return undefined;
  const pct = num(get(abort, 'percentage', 'value')) ?? num(get(abort, 'percent'));
  if (pct === undefined || pct < 100) return undefined;
  const status = num(get(abort, 'httpStatus'));
  const grpc = str(get(abort, 'grpcStatus'));
  const reason = `fault abort 100%${status === undefined && grpc ? ` (gRPC ${grpc})` : ''}`;
  return { kind: 'none', reason, response: status !== undefined ? { kind: 'direct', status } : { kind: 'direct' } };
}
