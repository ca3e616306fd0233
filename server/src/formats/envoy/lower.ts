import { addressKey, classifyAddress } from '../../model/address';
import { ModelBuilder } from '../../model/builder';
import type {
  Bind, Condition, EntryPoint, HostPattern, MatchCondition, Pool, RouteTarget, ServerState, Site, SourceRef, TrafficModel,
} from '../../model/types';
import { bool, entries, isMap, isScalar, isSeq, items, loadYaml, mergeKeys, num, quoted, str, YAML_DIALECTS, type Node, type YamlDoc } from '../yaml/yamlFile';
import { f, fp, numf } from './fields';
import { clusterNotFoundStatus, domainPattern, nodeText, redirectResponse, routeMatchCondition, serverNamePattern } from './routing';

/*
 * Lowering of Envoy configuration into the traffic model, following the Envoy v3 API reference and
 * architecture overview (envoyproxy.io/docs/envoy/latest):
 * - bootstrap `static_resources` (listeners, clusters) and xDS resource files (`resources: [{"@type": …}]`,
 *   a top-level list of resources, or a single resource), in YAML or JSON, with snake_case or the
 *   lowerCamelCase names of the proto3 JSON mapping (`route_config` / `routeConfig`);
 * - listener → filter chains → HTTP connection manager (inline `route_config`, or `rds.route_config_name`
 *   resolved against RouteConfiguration resources of the same file) → virtual hosts → routes. Routes of a
 *   virtual host are checked in order and the first match wins (route.v3.VirtualHost.routes);
 * - `envoy.filters.network.tcp_proxy` (and `udp_proxy`) → one catch-all route of its filter chain;
 * - clusters → pools, `load_assignment` endpoints → servers.
 */

const NS = 'envoy';

/** Cluster discovery types (config.cluster.v3.Cluster.DiscoveryType). */
const CLUSTER_TYPES = new Set(['STATIC', 'STRICT_DNS', 'LOGICAL_DNS', 'EDS', 'ORIGINAL_DST']);
/** config.cluster.v3.Cluster.LbPolicy (ORIGINAL_DST_LB is the v2 spelling of CLUSTER_PROVIDED for original-destination clusters). */
const LB_POLICIES = new Set([
  'ROUND_ROBIN', 'LEAST_REQUEST', 'RING_HASH', 'RANDOM', 'MAGLEV', 'CLUSTER_PROVIDED', 'LOAD_BALANCING_POLICY_CONFIG',
  'ORIGINAL_DST_LB',
]);
/** EDS health statuses (config.core.v3.HealthStatus) that take an endpoint out of rotation. */
const DOWN_STATUSES = new Set(['UNHEALTHY', 'DRAINING', 'TIMEOUT']);

/** Regular expressions that match every path under RE2 full-match semantics (Envoy `safe_regex`). */
const MATCH_ALL_REGEX = new Set(['.*', '^.*$', '^.*', '.*$', '(.*)', '^(.*)$', '/.*', '^/.*', '^/.*$', '/.*$']);

/**
 * Fields of type google.protobuf.Struct (free-form data: any key is accepted, `<<` too) among those where YAML
 * merge keys are likely: core.v3.Metadata and access-log formats.
 */
/** google.protobuf.UInt32Value / uint32 fields: Envoy refuses anything outside 0…4294967295 when it reads them. */
const UINT32_MAX = 4_294_967_295;
/** An integer within [min, max] (`.nan`, `.inf`, fractions and overflowed numbers are not). */
const inRange = (v: number | undefined, min: number, max: number): v is number => v !== undefined && Number.isInteger(v) && v >= min && v <= max;

const STRUCT_FIELDS = new Set(['metadata', 'filter_metadata', 'filterMetadata', 'typed_json_format', 'typedJsonFormat', 'json_format', 'jsonFormat']);

/** A node together with the document it belongs to (ranges are per document). */
interface At {
  doc: YamlDoc;
  node: Node;
}

type ResourceKind = 'listener' | 'cluster' | 'route' | 'endpoints' | 'other';

function typeUrlKind(t: string): ResourceKind | undefined {
  const last = t.slice(t.lastIndexOf('.') + 1);
  if (last === 'Listener') return 'listener';
  if (last === 'Cluster' && /envoy\.(config\.cluster|api\.v2)\./.test(t)) return 'cluster';
  if (last === 'RouteConfiguration') return 'route';
  if (last === 'ClusterLoadAssignment') return 'endpoints';
  return t.includes('envoy.') ? 'other' : undefined;
}

/** What an (untyped) resource is, from its @type or its fields. */
function resourceKind(node: Node): ResourceKind {
  const t = str(f(node, '@type'));
  if (t) return typeUrlKind(t) ?? 'other';
  if (f(node, 'virtual_hosts') || f(node, 'vhds')) return 'route';
  if (f(node, 'filter_chains') || f(node, 'default_filter_chain') || f(node, 'api_listener') || f(node, 'listener_filters')) return 'listener';
  if (f(node, 'cluster_name') && f(node, 'endpoints')) return 'endpoints';
  if (
    f(node, 'load_assignment') || f(node, 'connect_timeout') || f(node, 'lb_policy') || f(node, 'eds_cluster_config') ||
    f(node, 'cluster_type') || f(node, 'hosts') || (f(node, 'type') && f(node, 'name'))
  ) return 'cluster';
  return 'other';
}

interface Resources {
  listeners: At[];
  clusters: At[];
  routes: At[];
  endpoints: At[];
  /** Clusters may come from CDS (`dynamic_resources.cds_config`): the file does not hold all of them. */
  dynamicClusters: boolean;
}

function collect(docs: YamlDoc[]): Resources {
  const res: Resources = { listeners: [], clusters: [], routes: [], endpoints: [], dynamicClusters: false };
  const add = (doc: YamlDoc, node: Node | undefined, kind?: ResourceKind) => {
    if (!isMap(node)) return;
    // A DiscoveryResponse / Resource wrapper: `{name, resource: {"@type": …}}`.
    const inner = f(node, 'resource');
    if (isMap(inner) && f(inner, '@type')) node = inner;
    const k = kind ?? resourceKind(node);
    if (k === 'listener') res.listeners.push({ doc, node });
    else if (k === 'cluster') res.clusters.push({ doc, node });
    else if (k === 'route') res.routes.push({ doc, node });
    else if (k === 'endpoints') res.endpoints.push({ doc, node });
  };
  for (const doc of docs) {
    const root = doc.root;
    if (isSeq(root)) {
      for (const item of items(root)) add(doc, item);
      continue;
    }
    if (!isMap(root)) continue;
    const stat = f(root, 'static_resources');
    if (stat) {
      for (const l of items(f(stat, 'listeners'))) add(doc, l, 'listener');
      for (const c of items(f(stat, 'clusters'))) add(doc, c, 'cluster');
    }
    const dyn = f(root, 'dynamic_resources');
    if (dyn && f(dyn, 'cds_config')) res.dynamicClusters = true;
    if (f(root, 'cluster_manager') || f(root, 'node') || stat || dyn) continue; // a bootstrap
    const list = f(root, 'resources');
    if (isSeq(list)) {
      for (const item of items(list)) add(doc, item);
      continue;
    }
    add(doc, root);
  }
  return res;
}

/** `socket_address` / `pipe` / `envoy_internal_address` as an address string. */
function addressText(addr: Node | undefined): { text: string; node: Node | undefined } | undefined {
  const sa = f(addr, 'socket_address');
  if (sa) {
    const host = str(f(sa, 'address')) ?? '';
    const port = str(f(sa, 'port_value')) ?? str(f(sa, 'named_port'));
    const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    return { text: port !== undefined ? `${h}:${port}` : h, node: sa };
  }
  const pipe = f(addr, 'pipe');
  if (pipe) return { text: `unix:${str(f(pipe, 'path')) ?? ''}`, node: pipe };
  const internal = f(addr, 'envoy_internal_address');
  if (internal) return { text: `internal:${str(f(internal, 'server_listener_name')) ?? ''}`, node: internal };
  return undefined;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** What a filter chain contributes to the sites of its virtual hosts. */
interface ChainView {
  /** The listener's port (undefined: not known statically). */
  port: number | undefined;
  /** The chain terminates (or passes through) TLS; undefined: not a chain of a socket listener. */
  tls?: boolean;
  /** FilterChainMatch.server_names. */
  sni?: HostPattern[];
  /** The Host's port is not compared (strip_any_host_port, strip_matching_host_port). */
  portsIgnored?: boolean;
}

/** Matches every request of its site (a tcp_proxy, a route discovered at run time). */
const ANY_REQUEST: Condition = { kind: 'all', of: [] };

/** Listener.address `socket_address.port_value` (a named port or a template: unknown). */
function listenerPort(addr: Node | undefined): number | undefined {
  const v = num(fp(addr, 'socket_address', 'port_value'));
  return v !== undefined && Number.isInteger(v) && v >= 0 && v <= 65535 ? v : undefined;
}

/** A downstream transport socket that terminates TLS (`envoy.transport_sockets.tls`, DownstreamTlsContext). */
function isTlsSocket(ts: Node | undefined): boolean {
  if (!isMap(ts)) return false;
  const name = str(f(ts, 'name')) ?? '';
  const type = str(fp(ts, 'typed_config', '@type')) ?? '';
  return /(^|\.)tls$/.test(name) || name === 'tls' || /DownstreamTlsContext$/.test(type);
}

class EnvoyLowering {
  readonly b: ModelBuilder;
  private readonly pools = new Map<string, Pool>();
  /** Nodes already accounted for as route targets (not counted again as "other mentions"). */
  private readonly targetNodes = new Set<Node>();
  private readonly routeConfigs = new Map<string, At>();
  private readonly usedRouteConfigs = new Set<Node>();
  private readonly assignments = new Map<string, At>();
  /** A `cluster_header` (route or request mirroring) may name any cluster at run time. */
  private clusterFromHeader = false;
  /** The sites of each lowered RouteConfiguration, by virtual host (for listeners that share it). */
  private readonly routeConfigSites = new Map<Node, string[]>();
  private readonly siteIds = new Set<string>();
  private opaqueSeq = 0;

  constructor(readonly uri: string, private readonly res: Resources) {
    this.b = new ModelBuilder('envoy', uri);
  }

  ref(at: YamlDoc, node: Node | undefined | null): SourceRef {
    return this.b.ref(at.range(node));
  }

  problem(ruleId: 'LB001' | 'LB002', message: string, doc: YamlDoc, node: Node | undefined) {
    this.b.problem(ruleId, message, this.ref(doc, node));
  }

  run(): TrafficModel {
    const { res } = this;
    for (const e of res.endpoints) {
      const name = str(f(e.node, 'cluster_name'));
      if (name && !this.assignments.has(name)) this.assignments.set(name, e);
    }
    for (const c of res.clusters) this.cluster(c);
    for (const r of res.routes) {
      const name = str(f(r.node, 'name'));
      if (name !== undefined && !this.routeConfigs.has(name)) this.routeConfigs.set(name, r);
    }
    for (const l of res.listeners) this.listener(l);
    // Route configurations no listener of this file uses (an RDS resource file): analysed on their own.
    for (const r of res.routes) {
      if (this.usedRouteConfigs.has(r.node)) continue;
      const name = str(f(r.node, 'name')) ?? '';
      const entry = this.b.entry({
        name: `route_config ${name}`.trim(), namespace: NS, listen: [], hosts: [],
        source: this.ref(r.doc, r.node), selection: this.ref(r.doc, f(r.node, 'name') ?? r.node),
      });
      entry.noRoute = { status: 404, text: 'no virtual host or route matches (Envoy answers 404, response flag NR)' };
      this.routeConfig(entry, r, `${entry.id}`, undefined, { port: undefined });
    }
    for (const d of new Set([...res.listeners, ...res.clusters, ...res.routes].map((x) => x.doc))) this.mentions(d, d.root);
    const m = this.b.model;
    if (this.clusterFromHeader) for (const p of m.pools) p.referencedElsewhere = true;
    // Closed world: the file defines the clusters its routes may use (not a listener-only or cluster-only file,
    // and no CDS adding clusters at run time).
    m.closedWorld = res.clusters.length > 0 && (res.listeners.length > 0 || res.routes.length > 0) && !res.dynamicClusters;
    return m;
  }

  // ---- clusters ----

  private cluster({ doc, node }: At): void {
    const nameNode = f(node, 'name');
    const name = str(nameNode) ?? '';
    const typeNode = f(node, 'type');
    const customType = f(node, 'cluster_type');
    const type = customType ? `custom:${str(f(customType, 'name')) ?? ''}` : (str(typeNode) ?? 'STATIC').toUpperCase();
    if (!customType && typeNode && !CLUSTER_TYPES.has(type)) {
      this.problem('LB002', `Unknown cluster type ${quoted(typeNode)} (expected ${[...CLUSTER_TYPES].join(', ')}).`, doc, typeNode);
    }
    const lbNode = f(node, 'lb_policy');
    const lbPolicy = (str(lbNode) ?? 'ROUND_ROBIN').toUpperCase();
    if (lbNode && !LB_POLICIES.has(lbPolicy)) {
      this.problem('LB002', `Unknown lb_policy ${quoted(lbNode)} (expected ${[...LB_POLICIES].slice(0, 7).join(', ')}).`, doc, lbNode);
    }
    // `load_balancing_policy.policies[0].typed_extension_config.name` (envoy.load_balancing_policies.*) overrides lb_policy.
    const policy = items(fp(node, 'load_balancing_policy', 'policies'))[0];
    const policyName = str(fp(policy, 'typed_extension_config', 'name'))?.replace(/^envoy\.load_balancing_policies\./, '');
    const active = items(f(node, 'health_checks')).length > 0;
    const passive = isMap(f(node, 'outlier_detection'));
    const detail = [
      active ? 'Active: health_checks.' : '',
      passive ? 'Passive: outlier_detection ejects failing hosts.' : '',
      !active && !passive ? 'Envoy has no passive health checking unless outlier_detection is configured.' : '',
    ].filter(Boolean).join(' ');
    const pool = this.b.pool({
      name, namespace: NS, kind: 'cluster', synthesized: false,
      algorithm: policyName ?? lbPolicy.toLowerCase(),
      shareModel: 'weighted',
      // Envoy priorities: P0 takes all traffic while healthy; P1 only receives traffic as P0 loses healthy hosts
      // (and P2 only after P1). The spill-over is gradual — with the default overprovisioning factor 1.4 a level
      // keeps all its traffic until fewer than ~71.4% of its hosts are healthy (arch_overview/upstream/
      // load_balancing/priority, …/overprovisioning). `endpoints()` sets the factor and each server's level.
      backupPolicy: 'priority-levels',
      healthCheck: { active, passive, detail },
      source: this.ref(doc, node),
      nameSource: this.ref(doc, nameNode ?? node),
    });
    if (this.pools.has(name)) {
      // LB111 reports the duplicate from the pool list; the first definition is the one referenced.
    } else this.pools.set(name, pool);

    const dnsType = type === 'STRICT_DNS' || type === 'LOGICAL_DNS';
    let assignment: At | undefined = isMap(f(node, 'load_assignment')) ? { doc, node: f(node, 'load_assignment')! } : undefined;
    if (type === 'EDS') {
      const service = str(fp(node, 'eds_cluster_config', 'service_name')) ?? name;
      assignment = this.assignments.get(service);
      if (!assignment) pool.dynamicServers = true;
    } else if (type === 'ORIGINAL_DST' || customType || lbPolicy === 'CLUSTER_PROVIDED' || lbPolicy === 'ORIGINAL_DST_LB') {
      pool.dynamicServers = true;
    }
    if (assignment && !pool.dynamicServers) this.endpoints(pool, node, assignment, type, dnsType);
    else if (!assignment && !pool.dynamicServers) {
      // v2 `hosts: [{socket_address: …}]`.
      for (const h of items(f(node, 'hosts'))) {
        const a = addressText(h);
        if (a) this.server(pool, doc, h, a.text, 1, 'active', type, dnsType);
      }
    }
    if (items(fp(assignment?.node, 'endpoints')).some((e) => f(e, 'leds_cluster_locality_config'))) pool.dynamicServers = true;
  }

  /**
   * `load_assignment.endpoints[]` (LocalityLbEndpoints) → servers.
   * - `priority` (default 0): priority 0 takes the traffic, higher priorities are failover (state `backup`);
   * - endpoint `load_balancing_weight` (default 1) is the host weight;
   * - locality `load_balancing_weight` only counts with locality weighted load balancing
   *   (`common_lb_config.locality_weighted_lb_config`): the locality is picked by its weight, then a host inside
   *   it by host weight; a locality without a weight is then assigned no load (endpoint.v3.LocalityLbEndpoints).
   *   Without that option locality weights are ignored (arch_overview/upstream/load_balancing/locality_weight);
   * - `policy.overprovisioning_factor` (percent, default 140, > 0) and `policy.weighted_priority_health` (a level's
   *   health by host weight instead of host count) shape how load spills from one priority to the next
   *   (endpoint.v3.ClusterLoadAssignment.Policy).
   */
  private endpoints(pool: Pool, cluster: Node, { doc, node }: At, type: string, dnsType: boolean) {
    const localityWeighted = !!fp(cluster, 'common_lb_config', 'locality_weighted_lb_config');
    const policy = f(node, 'policy');
    const factorNode = f(policy, 'overprovisioning_factor');
    const factor = numf(policy, 'overprovisioning_factor');
    if (factorNode && !inRange(factor, 1, UINT32_MAX)) {
      this.problem('LB002', `overprovisioning_factor must be an integer percentage from 1 to ${UINT32_MAX} (a uint32 > 0; got "${str(factorNode) ?? '…'}").`, doc, factorNode);
    } else if (factor !== undefined) pool.overprovisioningFactor = factor;
    if (str(f(policy, 'weighted_priority_health')) === 'true') pool.weightedPriorityHealth = true;
    const groups = items(f(node, 'endpoints')).map((g) => {
      // LbEndpoint.load_balancing_weight: UInt32Value, gte 1.
      const lbs = items(f(g, 'lb_endpoints')).map((e) => {
        const wNode = f(e, 'load_balancing_weight');
        const w = numf(e, 'load_balancing_weight');
        const ok = inRange(w, 1, UINT32_MAX);
        if (wNode && !ok) {
          this.problem('LB002', `load_balancing_weight of an endpoint must be an integer from 1 to ${UINT32_MAX} (a uint32 ≥ 1; got "${str(wNode) ?? '…'}").`, doc, wNode);
        }
        return { e, w: ok ? w : 1 };
      });
      const lwNode = f(g, 'load_balancing_weight');
      const lwRaw = numf(g, 'load_balancing_weight');
      const lw = inRange(lwRaw, 1, UINT32_MAX) ? lwRaw : undefined;
      if (lwNode && lw === undefined) {
        this.problem('LB002', `load_balancing_weight of a locality must be an integer from 1 to ${UINT32_MAX} (a uint32 ≥ 1; got "${str(lwNode) ?? '…'}").`, doc, lwNode);
      }
      const pNode = f(g, 'priority');
      const pRaw = numf(g, 'priority');
      if (pNode && !inRange(pRaw, 0, UINT32_MAX)) this.problem('LB002', `priority must be an integer from 0 to ${UINT32_MAX} (a uint32; got "${str(pNode) ?? '…'}").`, doc, pNode);
      const priority = inRange(pRaw, 0, UINT32_MAX) ? pRaw : 0;
      const sum = lbs.reduce((s, x) => s + x.w, 0);
      // upstream_impl.cc: hosts' weights are added up per locality in a uint64 and may not pass uint32.
      if (sum > UINT32_MAX) this.problem('LB002', `The sum of weights of all upstream hosts in a locality exceeds ${UINT32_MAX} (${sum}): Envoy rejects the cluster.`, doc, f(g, 'lb_endpoints'));
      return { g, lbs, lw: lw ?? (localityWeighted ? 0 : 1), priority, sum };
    });
    if (localityWeighted) {
      const byPriority = new Map<number, number>();
      for (const g of groups) byPriority.set(g.priority, (byPriority.get(g.priority) ?? 0) + g.lw);
      for (const [p, total] of byPriority) {
        if (total > UINT32_MAX) {
          this.problem('LB002', `The sum of weights of all localities at the same priority exceeds ${UINT32_MAX} (priority ${p}: ${total}): Envoy rejects the cluster.`, doc, f(node, 'endpoints'));
        }
      }
    }
    // Effective host weight under locality weighting: lw × w / Σw(locality), scaled to integers when possible.
    let scale = 1;
    if (localityWeighted) {
      for (const g of groups) if (g.sum > 0) scale = (scale * g.sum) / gcd(scale, g.sum);
      if (scale > 1e6) scale = 0;
    }
    for (const g of groups) {
      const locality = f(g.g, 'locality');
      const where = locality
        ? [str(f(locality, 'region')), str(f(locality, 'zone')), str(f(locality, 'sub_zone'))].filter(Boolean).join('/')
        : '';
      for (const { e, w } of g.lbs) {
        const ep = f(e, 'endpoint');
        const a = addressText(f(ep, 'address'));
        if (!a) continue;
        // SocketAddress.port_value: uint32, lte 65535.
        const portNode = fp(ep, 'address', 'socket_address', 'port_value');
        if (isScalar(portNode) && !inRange(num(portNode), 0, 65535)) {
          this.problem('LB002', `port_value must be an integer from 0 to 65535 (got "${str(portNode) ?? '…'}").`, doc, portNode);
        }
        let weight = w;
        if (localityWeighted) {
          weight = g.sum > 0 ? (scale ? (g.lw * w * scale) / g.sum : Math.round(((g.lw * w) / g.sum) * 1e6) / 1e6) : 0;
        }
        const status = (str(f(e, 'health_status')) ?? '').toUpperCase();
        // A priority above 0 is standby capacity; its share follows from the levels' health (`priority-levels`).
        let state: ServerState = g.priority > 0 ? 'backup' : 'active';
        if (DOWN_STATUSES.has(status)) state = 'down';
        // Degraded hosts only take the load the healthy hosts of all levels cannot (arch_overview …/degraded).
        else if (status === 'DEGRADED') state = 'backup';
        const s = this.server(pool, doc, e, a.text, weight, state, type, dnsType);
        if (g.priority > 0) s.priority = g.priority;
        if (status === 'DEGRADED') s.degraded = true;
        const label = str(f(ep, 'hostname')) ?? str(f(e, 'endpoint_name'));
        if (label && label !== a.text.replace(/:\d+$/, '')) s.name = `${label} (${a.text})`;
        if (where || g.priority > 0) s.name = `${s.name ?? a.text}${where ? ` [${where}]` : ''}${g.priority > 0 ? ` priority ${g.priority}` : ''}`;
      }
    }
  }

  private server(pool: Pool, doc: YamlDoc, node: Node, address: string, weight: number, state: ServerState, type: string, dnsType: boolean) {
    const kind = classifyAddress(address.startsWith('internal:') ? 'localhost' : address);
    if (type === 'STATIC' && kind === 'hostname') {
      this.problem('LB002', `A STATIC cluster needs IP addresses; "${address}" is a host name (use type STRICT_DNS or LOGICAL_DNS).`, doc, node);
    }
    return this.b.server(pool, {
      address, addressKey: addressKey(address), weight, state, kind,
      // STRICT_DNS connects to every address the name resolves to; LOGICAL_DNS to whichever address DNS
      // returns first for each new connection — in both cases one name may stand for many machines
      // (arch_overview/upstream/service_discovery).
      mayBeMultiple: dnsType && kind === 'hostname' ? true : undefined,
      healthCheck: { active: pool.healthCheck.active, passive: pool.healthCheck.passive },
      source: this.ref(doc, node),
    });
  }

  // ---- listeners ----

  /**
   * A listener is an entry point. Where it accepts connections (Listener.address, `additional_addresses`): its
   * port (`port_value`; a named port or a template is not known statically: any port), address (`0.0.0.0`/`::`:
   * every address), UDP for `protocol: UDP`; TLS when its filter chains terminate TLS (a `transport_socket` of
   * type tls, or `transport_protocol: tls` for TLS passthrough), either when chains differ; `tcp` when every chain
   * proxies whole connections. Each filter chain's virtual hosts are sites, selected by the chain's
   * `server_names` (SNI) and TLS before their domains. Nothing matches: 404 (response flag NR).
   */
  private listener({ doc, node }: At): void {
    const nameNode = f(node, 'name');
    const addrNode = f(node, 'address');
    const addr = addressText(addrNode);
    const name = str(nameNode) ?? addr?.text ?? 'listener';
    const chains = [...items(f(node, 'filter_chains'))];
    const def = f(node, 'default_filter_chain');
    if (isMap(def)) chains.push(def);
    const entry = this.b.entry({
      name: `listener ${name}`, namespace: NS, listen: addr ? [addr.text] : [], hosts: [],
      source: this.ref(doc, node), selection: this.ref(doc, nameNode ?? node),
    });
    entry.noRoute = { status: 404, text: 'no virtual host or route matches (Envoy answers 404, response flag NR)' };
    const port = listenerPort(addrNode);
    const hosts = new Set<string>();
    const chainTls: boolean[] = [];
    let httpChains = 0;
    chains.forEach((chain, ci) => {
      const filters = items(f(chain, 'filters'));
      const cm = f(chain, 'filter_chain_match');
      const transport = str(f(cm, 'transport_protocol'));
      const tls = transport === 'tls' || (transport !== 'raw_buffer' && (isTlsSocket(f(chain, 'transport_socket')) || isMap(f(chain, 'tls_context'))));
      chainTls.push(tls);
      const sni = items(f(cm, 'server_names')).map((n) => serverNamePattern(str(n) ?? '')).filter((p): p is HostPattern => !!p);
      const view: ChainView = { tls, sni: sni.length ? sni : undefined, port };
      let handled = false;
      for (const filter of filters) {
        const fname = str(f(filter, 'name')) ?? '';
        const config = f(filter, 'typed_config') ?? f(filter, 'config');
        const t = str(f(config, '@type')) ?? '';
        if (/http_connection_manager$/.test(fname) || t.endsWith('.HttpConnectionManager')) {
          this.hcm(entry, doc, config, `${entry.id}:${ci}`, hosts, view);
          handled = true;
          httpChains++;
        } else if (/tcp_proxy$/.test(fname) || t.endsWith('.TcpProxy')) {
          this.proxy(entry, doc, filter, config, `${entry.id}:${ci}`, 'tcp_proxy', view);
          handled = true;
        }
      }
      // Another terminal network filter (redis_proxy, thrift_proxy, a Go/Wasm/Lua extension, …) picks its
      // upstream itself: a run-time target, so no cluster of the file is called unused.
      const last = filters[filters.length - 1];
      if (!handled && last) {
        const fname = str(f(last, 'name')) ?? str(fp(last, 'typed_config', '@type')) ?? 'network filter';
        const target: RouteTarget = /direct_response$/.test(fname)
          ? { kind: 'none', reason: 'direct_response', response: { kind: 'direct' } }
          : { kind: 'dynamic', text: fname, nameSource: this.ref(doc, f(last, 'name') ?? last) };
        const group = `${entry.id}:${ci}`;
        const siteId = this.chainSite(entry, doc, chain, group, `filter chain ${ci}`, view);
        this.b.route({
          entryId: entry.id, name: `${fname} (filter chain ${ci})`, matchText: '*', match: [], catchAll: true,
          evaluation: { group, strategy: 'first-match', index: 0 },
          when: ANY_REQUEST, siteId, target, source: this.ref(doc, last),
        });
      }
    });
    const api = fp(node, 'api_listener', 'api_listener');
    if (api) this.hcm(entry, doc, api, `${entry.id}:api`, hosts, { port: undefined });
    let udp = false;
    for (const lf of items(f(node, 'listener_filters'))) {
      const config = f(lf, 'typed_config') ?? f(lf, 'config');
      if (/udp_proxy$/.test(str(f(lf, 'name')) ?? '') || (str(f(config, '@type')) ?? '').endsWith('.UdpProxyConfig')) {
        this.proxy(entry, doc, lf, config, `${entry.id}:udp`, 'udp_proxy', { port });
        udp = true;
      }
    }
    hosts.delete('*');
    entry.hosts = [...hosts];
    // An api_listener (Envoy Mobile) or a pipe/internal address takes no socket connections lb-lens can address.
    if (!api && addr && f(addrNode, 'socket_address')) {
      const protocol: Bind['protocol'] = udp || (str(fp(addrNode, 'socket_address', 'protocol')) ?? '').toUpperCase() === 'UDP'
        ? 'udp'
        : httpChains === 0 && chains.length > 0 ? 'tcp' : 'http';
      const tls = chainTls.length && chainTls.every((t) => t) ? true : chainTls.length && chainTls.every((t) => !t) ? false : undefined;
      const binds: Bind[] = [];
      const bindOf = (a: Node | undefined) => {
        const sa = f(a, 'socket_address');
        if (!sa) return;
        const host = (str(f(sa, 'address')) ?? '').replace(/^\[|\]$/g, '');
        const b: Bind = { port: listenerPort(a), protocol, source: this.ref(doc, sa) };
        if (host && host !== '0.0.0.0' && host !== '::' && host !== '*') b.address = host;
        if (tls !== undefined) b.tls = tls;
        binds.push(b);
      };
      bindOf(addrNode);
      for (const extra of items(f(node, 'additional_addresses'))) bindOf(f(extra, 'address'));
      entry.binds = binds;
    }
  }

  private hcm(entry: EntryPoint, doc: YamlDoc, config: Node | undefined, group: string, hosts: Set<string>, chain: ChainView) {
    // A Host's port is ignored when the connection manager strips it (`strip_any_host_port`, or
    // `strip_matching_host_port`: the listener's own port) — domains written with a port then match nothing.
    const view: ChainView = {
      ...chain,
      portsIgnored: bool(f(config, 'strip_any_host_port')) === true || bool(f(config, 'strip_matching_host_port')) === true,
    };
    const inline = f(config, 'route_config');
    if (isMap(inline)) {
      this.routeConfig(entry, { doc, node: inline }, group, hosts, view);
      return;
    }
    const rds = f(config, 'rds');
    const scoped = f(config, 'scoped_routes');
    if (rds) {
      const nameNode = f(rds, 'route_config_name');
      const name = str(nameNode) ?? '';
      const found = this.routeConfigs.get(name);
      if (found) {
        // A route configuration shared by several listeners is lowered once, with the first of them; the others
        // get sites of their own (their port, TLS and server names) that search its routes.
        if (!this.usedRouteConfigs.has(found.node)) this.routeConfig(entry, found, group, hosts, view);
        else this.sharedRouteConfig(entry, found, group, hosts, view);
        this.usedRouteConfigs.add(found.node);
        return;
      }
      this.dynamicRoute(entry, doc, rds, nameNode ?? rds, group, `RDS route configuration "${name}"`, view);
    } else if (scoped) {
      this.dynamicRoute(entry, doc, scoped, scoped, group, 'scoped RDS', view);
    }
  }

  /** A site that takes any host of one filter chain (its SNI and TLS), for routes that are not in virtual hosts. */
  private chainSite(entry: EntryPoint, doc: YamlDoc, node: Node, group: string, name: string, chain: ChainView): string {
    const id = `site:${group}`;
    if (this.siteIds.has(id)) return id;
    this.siteIds.add(id);
    this.addSite({ id, entryId: entry.id, name, hosts: [], source: this.ref(doc, node) }, chain);
    return id;
  }

  private addSite(site: Site, chain: ChainView) {
    if (chain.sni) site.sni = chain.sni;
    if (chain.tls !== undefined) site.tls = chain.tls;
    (this.b.model.sites ??= []).push(site);
  }

  private dynamicRoute(entry: EntryPoint, doc: YamlDoc, node: Node, nameNode: Node, group: string, text: string, chain: ChainView) {
    const siteId = this.chainSite(entry, doc, node, group, text, chain);
    this.b.route({
      entryId: entry.id, name: `${text} (discovered at run time)`, matchText: '*', match: [], catchAll: true,
      evaluation: { group, strategy: 'first-match', index: 0 },
      when: ANY_REQUEST, siteId,
      target: { kind: 'dynamic', text, nameSource: this.ref(doc, nameNode) },
      source: this.ref(doc, node),
    });
  }

  /** `tcp_proxy` / `udp_proxy`: every connection of the filter chain goes to `cluster` or `weighted_clusters`. */
  private proxy(entry: EntryPoint, doc: YamlDoc, filter: Node, config: Node | undefined, group: string, kind: string, chain: ChainView) {
    const clusterNode = f(config, 'cluster');
    const weighted = f(config, 'weighted_clusters');
    let target: RouteTarget;
    let what: string;
    if (isScalar(clusterNode)) {
      target = this.poolTarget(doc, clusterNode);
      what = str(clusterNode) ?? '';
    } else if (isMap(weighted)) {
      target = this.split(doc, weighted) ?? { kind: 'none', reason: 'no clusters' };
      what = 'weighted_clusters';
    } else if (f(config, 'matcher')) {
      target = { kind: 'dynamic', text: `${kind} matcher`, nameSource: this.ref(doc, f(config, 'matcher')) };
      what = 'matcher';
    } else return;
    const siteId = this.chainSite(entry, doc, filter, group, `${kind} (filter chain)`, chain);
    this.b.route({
      entryId: entry.id, name: `${kind} → ${what}`, matchText: '*', match: [], catchAll: true,
      evaluation: { group, strategy: 'first-match', index: 0 },
      when: ANY_REQUEST, siteId,
      target, source: this.ref(doc, filter),
    });
  }

  // ---- routes ----

  /** The host patterns of a virtual host's `domains` for a listener (see domainPattern). */
  private domains(vh: Node, chain: ChainView, config: Node, hosts?: Set<string>): HostPattern[] {
    const portsIgnored = chain.portsIgnored || bool(f(config, 'ignore_port_in_host_matching')) === true;
    const out: HostPattern[] = [];
    for (const d of items(f(vh, 'domains'))) {
      const s = str(d);
      if (!s) continue;
      hosts?.add(s);
      out.push(domainPattern(s, chain.port, portsIgnored));
    }
    return out;
  }

  /**
   * RouteConfiguration → one site per virtual host (its domains; the chain's SNI and TLS) and its routes, in order:
   * "The first route that matches will be used" (VirtualHost.routes).
   */
  private routeConfig(entry: EntryPoint, { doc, node }: At, group: string, hosts: Set<string> | undefined, chain: ChainView) {
    const sites: string[] = [];
    for (const [vi, vh] of items(f(node, 'virtual_hosts')).entries()) {
      const vhName = str(f(vh, 'name')) ?? `#${vi}`;
      const vhGroup = `${group}:vh${vi}`;
      const siteId = `site:${vhGroup}`;
      this.addSite({ id: siteId, entryId: entry.id, name: `virtual_host ${vhName}`, hosts: this.domains(vh, chain, node, hosts), source: this.ref(doc, vh) }, chain);
      sites.push(siteId);
      this.requireTls(entry, doc, vh, vhName, vhGroup, siteId);
      for (const [ri, route] of items(f(vh, 'routes')).entries()) this.route(entry, doc, route, vhName, vhGroup, ri, siteId);
    }
    this.routeConfigSites.set(node, sites);
  }

  /** A listener using a route configuration another listener already lowered: sites that search its routes. */
  private sharedRouteConfig(entry: EntryPoint, { doc, node }: At, group: string, hosts: Set<string>, chain: ChainView) {
    const lowered = this.routeConfigSites.get(node) ?? [];
    for (const [vi, vh] of items(f(node, 'virtual_hosts')).entries()) {
      const vhName = str(f(vh, 'name')) ?? `#${vi}`;
      const target = lowered[vi];
      if (!target) continue;
      this.addSite({
        id: `site:${group}:vh${vi}`, entryId: entry.id, name: `virtual_host ${vhName}`, hosts: this.domains(vh, chain, node, hosts),
        source: this.ref(doc, vh), routesFrom: [target],
      }, chain);
    }
  }

  /**
   * VirtualHost.require_tls: `ALL` — "If a request is not using TLS, a 301 redirect will be sent telling the client
   * to use HTTPS"; `EXTERNAL_ONLY` — the same for external requests (whether a request is external depends on its
   * source: undecidable). Modelled as a first route of the virtual host.
   */
  private requireTls(entry: EntryPoint, doc: YamlDoc, vh: Node, vhName: string, group: string, siteId: string) {
    const node = f(vh, 'require_tls');
    const mode = (str(node) ?? '').toUpperCase();
    if (!node || (mode !== 'ALL' && mode !== 'EXTERNAL_ONLY' && mode !== '1' && mode !== '2')) return;
    const all = mode === 'ALL' || mode === '2';
    const plain: Condition = { kind: 'test', field: 'scheme', match: { op: 'exact', value: 'http' } };
    this.b.route({
      entryId: entry.id, name: `require_tls ${all ? 'ALL' : 'EXTERNAL_ONLY'} (${vhName})`, matchText: `require_tls ${all ? 'ALL' : 'EXTERNAL_ONLY'}`,
      match: [{ field: 'scheme', op: 'exact', value: 'http' }, ...(all ? [] : [{ field: 'external', op: 'opaque' as const, value: 'external request' }])],
      catchAll: false,
      evaluation: { group, strategy: 'first-match', index: -1 },
      when: all ? plain : { kind: 'all', of: [plain, { kind: 'opaque', text: 'external request', why: 'whether a request is external depends on its source address' }] },
      siteId,
      target: { kind: 'none', reason: 'require_tls', response: { kind: 'redirect', status: 301, location: 'https://(same host and path)' } },
      source: this.ref(doc, node),
    });
  }

  private route(entry: EntryPoint, doc: YamlDoc, route: Node, vhName: string, group: string, index: number, siteId: string) {
    const matchNode = f(route, 'match');
    const { match, text, catchAll } = this.match(matchNode);
    let target: RouteTarget;
    const action = f(route, 'route');
    if (isMap(action)) {
      const cluster = f(action, 'cluster');
      const weighted = f(action, 'weighted_clusters');
      const header = f(action, 'cluster_header');
      const plugin = f(action, 'cluster_specifier_plugin') ?? f(action, 'inline_cluster_specifier_plugin');
      if (isScalar(cluster)) target = this.poolTarget(doc, cluster);
      else if (isMap(weighted)) target = this.split(doc, weighted) ?? { kind: 'dynamic', text: 'weighted_clusters', nameSource: this.ref(doc, weighted) };
      else if (header) {
        // RouteAction.cluster_header: the cluster named by the header's value. When the header is absent or names
        // no cluster, the router answers cluster_not_found_response_code (default 503 Service Unavailable; the
        // field's own doc says 404, an older default — the router uses cluster_not_found_response_code).
        const h = (str(header) ?? '').toLowerCase();
        target = {
          kind: 'dynamic', text: `cluster_header ${str(header) ?? ''}`.trim(), nameSource: this.ref(doc, header),
          byHeader: { header: h === ':authority' ? 'host' : h, namespace: NS, missingStatus: clusterNotFoundStatus(action) },
        };
      } else if (plugin) target = { kind: 'dynamic', text: 'cluster specifier plugin', nameSource: this.ref(doc, plugin) };
      else target = { kind: 'dynamic', text: 'route', nameSource: this.ref(doc, action) };
    } else if (f(route, 'redirect')) target = { kind: 'none', reason: 'redirect', response: redirectResponse(f(route, 'redirect')) };
    else if (f(route, 'direct_response')) {
      const status = num(fp(route, 'direct_response', 'status'));
      target = { kind: 'none', reason: `direct_response ${str(fp(route, 'direct_response', 'status')) ?? ''}`.trim(), response: status !== undefined ? { kind: 'direct', status } : { kind: 'direct' } };
    } else if (f(route, 'filter_action')) target = { kind: 'none', reason: 'filter_action', response: { kind: 'direct' } };
    else target = { kind: 'none', reason: 'non_forwarding_action', response: { kind: 'direct' } };
    const routeName = str(f(route, 'name'));
    const source = this.ref(doc, route);
    this.b.route({
      entryId: entry.id,
      name: `route ${routeName ? `"${routeName}"` : text} (${vhName})`,
      matchText: text, match, catchAll,
      evaluation: { group, strategy: 'first-match', index },
      when: routeMatchCondition(matchNode, `line ${source.range.start.line + 1}`),
      siteId,
      target, source,
    });
  }

  private poolTarget(doc: YamlDoc, nameNode: Node): RouteTarget {
    this.targetNodes.add(nameNode);
    const name = str(nameNode) ?? '';
    return { kind: 'pool', name, namespace: NS, poolId: this.pools.get(name)?.id, nameSource: this.ref(doc, nameNode) };
  }

  /**
   * `weighted_clusters`: each cluster receives weight / Σ weights (route.v3.WeightedCluster.ClusterWeight.weight).
   * The sum must be > 0; `total_weight` (deprecated) must, when > 0, equal the sum of the weights — Envoy rejects
   * the route otherwise.
   */
  private split(doc: YamlDoc, weighted: Node): RouteTarget | undefined {
    const parts: Extract<RouteTarget, { kind: 'split' }>['parts'] = [];
    let sum = 0;
    for (const c of items(f(weighted, 'clusters'))) {
      const nameNode = f(c, 'name');
      // ClusterWeight.weight: UInt32Value.
      const wNode = f(c, 'weight');
      const raw = numf(c, 'weight');
      if (wNode && !inRange(raw, 0, UINT32_MAX)) {
        this.problem('LB002', `The weight of a weighted cluster must be an integer from 0 to ${UINT32_MAX} (a uint32; got "${str(wNode) ?? '…'}").`, doc, wNode);
      }
      const w = inRange(raw, 0, UINT32_MAX) ? raw : 0;
      sum += w;
      if (!isScalar(nameNode)) continue; // `cluster_header` parts are resolved at run time
      this.targetNodes.add(nameNode);
      const name = str(nameNode) ?? '';
      parts.push({ name, namespace: NS, weight: w, poolId: this.pools.get(name)?.id, nameSource: this.ref(doc, nameNode) });
    }
    const totalNode = f(weighted, 'total_weight');
    const total = numf(weighted, 'total_weight');
    if (sum > UINT32_MAX) {
      // config_impl.cc (WeightedClustersConfig): the weights are added up in a uint64 and may not pass uint32.
      this.problem('LB002', `The sum of weights of all weighted clusters of the route exceeds ${UINT32_MAX} (${sum}): Envoy rejects the route.`, doc, f(weighted, 'clusters'));
    } else if (total !== undefined && total > 0 && total !== sum) {
      this.problem('LB002', `The weights of weighted_clusters add up to ${sum}, but total_weight is ${total}: Envoy rejects the route.`, doc, totalNode);
    } else if (items(f(weighted, 'clusters')).length > 0 && sum <= 0) {
      this.problem('LB002', 'The weights of weighted_clusters add up to 0: Envoy requires a sum greater than 0.', doc, f(weighted, 'clusters'));
    }
    return parts.length ? { kind: 'split', parts } : undefined;
  }

  /** route.v3.RouteMatch → conditions (all must hold). */
  private match(m: Node | undefined): { match: MatchCondition[]; text: string; catchAll: boolean } {
    const match: MatchCondition[] = [];
    const text: string[] = [];
    const caseInsensitive = str(f(m, 'case_sensitive')) === 'false';
    const flags = caseInsensitive ? 'i' : undefined;
    const path = (op: MatchCondition['op'], value: string, shown: string) => {
      match.push(flags ? { field: 'path', op, value, flags } : { field: 'path', op, value });
      text.push(shown);
    };
    const prefix = f(m, 'prefix');
    const exact = f(m, 'path');
    const regex = f(m, 'safe_regex') ?? f(m, 'regex');
    const sep = f(m, 'path_separated_prefix');
    let all = false;
    if (prefix) {
      const v = str(prefix) ?? '';
      // Paths start with "/", so an empty prefix matches every request too.
      if (v === '' || v === '/') all = true;
      path('prefix', v === '' ? '/' : v, `prefix ${v || '""'}`);
    } else if (exact) path('exact', str(exact) ?? '', `path ${str(exact) ?? ''}`);
    else if (sep) {
      // path_separated_prefix "/foo" matches "/foo" and "/foo/…" but not "/foobar": modelled as the prefix "/foo/"
      // so that it never claims to cover "/foobar".
      const v = str(sep) ?? '';
      path('prefix', v.endsWith('/') ? v : `${v}/`, `path_separated_prefix ${v}`);
    } else if (regex) {
      const r = isScalar(regex) ? (str(regex) ?? '') : (str(f(regex, 'regex')) ?? '');
      // RE2 full match: the whole path must match, so "/" alone matches only "/".
      if (MATCH_ALL_REGEX.has(r)) {
        all = true;
        path('regex', '.*', `safe_regex ${r}`);
      } else path('regex', `^(?:${r})$`, `safe_regex ${r}`);
    } else if (f(m, 'connect_matcher')) {
      match.push({ field: 'method', op: 'exact', value: 'CONNECT' });
      text.push('CONNECT');
    } else if (f(m, 'path_match_policy')) {
      match.push({ field: 'path', op: 'opaque', value: 'path_match_policy' });
      text.push('path_match_policy');
    }
    for (const h of items(f(m, 'headers'))) {
      const name = (str(f(h, 'name')) ?? '').toLowerCase();
      const negated = str(f(h, 'invert_match')) === 'true';
      const sm = f(h, 'string_match');
      const pick = (legacy: string, key: string) => str(f(h, legacy)) ?? str(f(sm, key));
      const ex = pick('exact_match', 'exact');
      const pre = pick('prefix_match', 'prefix');
      const re = str(fp(h, 'safe_regex_match', 'regex')) ?? str(fp(sm, 'safe_regex', 'regex'));
      let c: MatchCondition;
      if (ex !== undefined) c = { field: `header:${name}`, op: 'exact', value: ex };
      else if (pre !== undefined) c = { field: `header:${name}`, op: 'prefix', value: pre };
      else if (re !== undefined) c = { field: `header:${name}`, op: 'regex', value: `^(?:${re})$` };
      else {
        const rest = entries(h).filter((e) => e.key !== 'name' && e.key !== 'invert_match' && e.key !== 'invertMatch');
        const desc = rest.map((e) => `${e.key}=${str(e.value) ?? (isMap(e.value) ? entries(e.value).map((x) => `${x.key}:${str(x.value) ?? '…'}`).join(',') : '…')}`).join(' ');
        c = { field: `header:${name}`, op: 'opaque', value: desc || 'present' };
      }
      if (negated) c.negated = true;
      match.push(c);
      text.push(`${negated ? '!' : ''}header ${name}${c.op === 'opaque' ? ` ${c.value}` : `${c.op === 'exact' ? '=' : c.op === 'prefix' ? '^=' : '~'}${ex ?? pre ?? re}`}`);
    }
    for (const q of items(f(m, 'query_parameters'))) {
      const name = str(f(q, 'name')) ?? '';
      const v = str(fp(q, 'string_match', 'exact')) ?? str(f(q, 'value'));
      match.push(v !== undefined ? { field: `query:${name}`, op: 'exact', value: v } : { field: `query:${name}`, op: 'opaque', value: 'present' });
      text.push(`query ${name}${v !== undefined ? `=${v}` : ''}`);
    }
    // Conditions the model cannot compare; each covers only itself. `runtime_fraction` makes the route match
    // only a share of requests, so it never hides the routes after it.
    for (const key of ['grpc', 'tls_context', 'runtime_fraction', 'dynamic_metadata', 'filter_state', 'cel_expression']) {
      const v = f(m, key);
      if (!v) continue;
      const shown = key === 'runtime_fraction' ? `runtime_fraction ${str(f(v, 'runtime_key')) ?? ''}`.trim() : key;
      // Two routes that differ only in these values are different routes: the value compared is the matcher as
      // written (a runtime_fraction is drawn for each route, so it is never the same condition twice).
      const value = key === 'runtime_fraction' ? `${shown} ${nodeText(v)} @${this.opaqueSeq++}` : key === 'grpc' ? shown : `${shown} ${nodeText(v)}`;
      match.push({ field: key, op: 'opaque', value });
      text.push(shown);
    }
    const everything = all && match.length === 1;
    return { match: everything ? [] : match, text: text.join(' & ') || '*', catchAll: everything || match.length === 0 };
  }

  // ---- other references ----

  /**
   * Cluster names used outside route actions (xDS/ADS config sources, tracing, access-log and ext_authz gRPC
   * services, request mirroring, aggregate clusters, redis routes, …): any string under a key that names a
   * cluster. They are references for "find references" and keep LB110 from calling those clusters unused.
   */
  private mentions(doc: YamlDoc, node: Node | null | undefined, parentKey = '') {
    if (isMap(node)) {
      for (const { key, value } of entries(node)) {
        // The cluster_name of a cluster's own load_assignment is its name, not a use.
        if (parentKey === 'load_assignment' || parentKey === 'loadAssignment') {
          if (key === 'cluster_name' || key === 'clusterName') continue;
        }
        if (key === 'cluster_header' || key === 'clusterHeader') this.clusterFromHeader = true;
        if (/cluster/i.test(key) && value) {
          const values = isScalar(value) ? [value] : isSeq(value) ? items(value).filter(isScalar) : [];
          for (const v of values) {
            if (this.targetNodes.has(v)) continue;
            const name = str(v);
            if (!name || !this.pools.has(name)) continue;
            this.b.mention({ name, namespace: NS, source: this.ref(doc, v) });
          }
        }
        if (value && !isScalar(value)) this.mentions(doc, value, key);
      }
    } else if (isSeq(node)) {
      for (const item of items(node)) this.mentions(doc, item, parentKey);
    }
  }
}

/** Parse an Envoy bootstrap or xDS resource file (YAML or JSON) into the traffic model. Never throws. */
export function lowerEnvoy(uri: string, text: string): TrafficModel {
  const file = loadYaml(text, YAML_DIALECTS.envoy);
  const lowering = new EnvoyLowering(uri, collect(file.docs));
  const b = lowering.b;
  for (const e of file.errors) b.problem('LB001', e.message, b.ref(e.range));
  for (const c of file.comments) b.comment({ text: c.text, source: b.ref(c.range) });
  // Envoy reads YAML with yaml-cpp, which resolves aliases but not YAML 1.1 merge keys (envoyproxy/envoy#12926):
  // `<<` stays a field named "<<", which no Envoy message has, so the static configuration is rejected as having
  // unknown fields (unless started with --allow-unknown-static-fields). The lowering reads the merge as its author
  // meant it, so the rest is analysed without a cascade of findings; the merge itself is this one error.
  for (const doc of file.text.includes('<<') ? file.docs : []) {
    for (const key of mergeKeys(doc.root, STRUCT_FIELDS)) {
      lowering.problem('LB002', 'Envoy does not apply YAML merge keys: its YAML loader (yaml-cpp) reads "<<" as a field name, and Envoy rejects the unknown field. Repeat the fields, or use an alias of the whole value (`*name`).', doc, key);
    }
  }
  return lowering.run();
}
