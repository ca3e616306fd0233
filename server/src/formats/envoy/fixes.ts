/**
 * Quick fixes in Envoy's syntax (YAML or JSON, snake_case or the lowerCamelCase of the proto3 JSON mapping).
 * The edits go through the shared declarative helpers; this file knows Envoy's field names and values.
 */
import type { Fix } from '../types';
import {
  DeclarativeFixer, clampFix, declarativeFixProvider, equalWeightsFix, fix, rangeFix, removeDuplicateFix, removeUnusedFix,
  renameFix, serverList, unreachableRouteFix, type RuleFix, type Value,
} from '../declarative/fixes';
import { num, pair, str, type TNode, type TPair } from '../declarative/tree';
import type { Server } from '../../model/types';

const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The entry of a field under its proto name or its JSON name. */
const field = (n: TNode | undefined, key: string): TPair | undefined => pair(n, key) ?? (key.includes('_') ? pair(n, camel(key)) : undefined);

/** Field names as the resource writes them: lowerCamelCase when it uses such names and no snake_case one. */
function namer(n: TNode | undefined): (key: string) => string {
  const keys = n?.pairs?.map((p) => p.key) ?? [];
  const camelCase = keys.some((k) => /[a-z][A-Z]/.test(k)) && !keys.some((k) => k.includes('_'));
  return camelCase ? camel : (k) => k;
}

/** EDS health statuses the lowering takes out of rotation (DEGRADED hosts only serve as a last resort). */
const IDLE_STATUSES = new Set(['UNHEALTHY', 'DRAINING', 'TIMEOUT', 'DEGRADED']);

/** LB101/LB104: endpoints marked unhealthy, draining or degraded take traffic again (their health_status goes). */
function bringBack(f: DeclarativeFixer, servers: Server[]): Fix[] {
  const back: Server[] = [];
  const edits = servers.flatMap((s) => {
    const node = f.nodeOf(s);
    const status = field(node, 'health_status');
    if (!node || !status || !IDLE_STATUSES.has((str(status.value) ?? '').toUpperCase())) return [];
    back.push(s);
    return f.deletePair(node, status) ?? [f.replaceScalar(status.value, 'HEALTHY')];
  });
  return fix(`Bring back ${serverList(back)} (remove "health_status")`, edits);
}

/** Endpoint weights, unless locality weighting makes a host's share depend on its locality too. */
function equalWeights(f: DeclarativeFixer, poolId: unknown): Fix[] {
  const pool = f.pool(poolId);
  const cluster = f.nodeOf(pool);
  const lbConfig = field(cluster, 'common_lb_config')?.value;
  if (field(lbConfig, 'locality_weighted_lb_config')) return [];
  return equalWeightsFix(f, pool, (endpoint) => field(endpoint, 'load_balancing_weight')?.value);
}

/**
 * LB107: an active health check — TCP connect-only, which any upstream answers: "Empty payloads imply a
 * connect-only health check" (config.core.v3.HealthCheck.TcpHealthCheck); timeout, interval and both thresholds
 * are required fields — or passive outlier detection, whose empty message enables its defaults (eject after 5
 * consecutive 5xx, config.cluster.v3.OutlierDetection).
 */
function healthCheck(f: DeclarativeFixer): Fix[] {
  const pool = f.pool(f.ctx.diagnostic.data?.poolId);
  const cluster = f.nodeOf(pool);
  if (!cluster || cluster.kind !== 'map' || field(cluster, 'health_checks') || field(cluster, 'outlier_detection')) return [];
  const k = namer(cluster);
  const check: Value = {
    timeout: '1s', interval: '10s', [k('unhealthy_threshold')]: 3, [k('healthy_threshold')]: 2, [k('tcp_health_check')]: {},
  };
  return [
    ...fix('Add an active health check (health_checks: TCP connect every 10s)', f.insertPair(cluster, k('health_checks'), [check]), true),
    ...fix('Add passive health checking (outlier_detection with its defaults)', f.insertPair(cluster, k('outlier_detection'), {})),
  ];
}

/** LB103: the closest cluster name, or a new STATIC cluster in the bootstrap's `clusters`. */
function undefinedCluster(f: DeclarativeFixer): Fix[] {
  const d = f.ctx.diagnostic;
  const fixes = renameFix(f);
  const name = d.data?.name;
  const routeNode = f.nodeOf(f.route(d.data?.routeId));
  if (typeof name !== 'string' || !name || !routeNode) return fixes;
  const resources = field(f.rootOf(routeNode), 'static_resources')?.value;
  const clusters = field(resources, 'clusters')?.value;
  if (!clusters || clusters.kind !== 'seq') return fixes;
  const k = namer(clusters.items?.[0]);
  const cluster: Value = {
    name,
    [k('connect_timeout')]: '1s',
    [k('load_assignment')]: {
      [k('cluster_name')]: name,
      endpoints: [{ [k('lb_endpoints')]: [{ endpoint: { address: { [k('socket_address')]: { address: '127.0.0.1', [k('port_value')]: 8080 } } } }] }],
    },
  };
  return [...fixes, ...fix(`Create cluster "${name}"`, f.appendItem(clusters, cluster))];
}

/** LB002: weights into their range (config.endpoint.v3: load_balancing_weight "at least 1"), total_weight to the sum. */
function invalidValue(f: DeclarativeFixer): Fix[] {
  const node = f.findingNode();
  const key = f.keyOf(node);
  const value = num(node);
  if (!node || value === undefined) return [];
  if (key === 'load_balancing_weight' || key === 'loadBalancingWeight') {
    return Number.isInteger(value) && value >= 1 ? [] : rangeFix(f, node, value, 1, Infinity);
  }
  if (key === 'total_weight' || key === 'totalWeight') {
    const clusters = field(f.parent(node), 'clusters')?.value;
    const weights = (clusters?.items ?? []).map((c) => num(field(c, 'weight')?.value) ?? 0);
    const sum = weights.reduce((a, b) => a + b, 0);
    return sum > 0 ? clampFix(f, node, sum, 'the sum of the weights') : [];
  }
  return [];
}

/** LB101/LB104: more of the pool's endpoints take traffic. */
const moreEndpoints: RuleFix = (f, data) => [...bringBack(f, f.servers(data.serverIds)), ...equalWeights(f, data.poolId)];

export const envoyFixes = declarativeFixProvider({
  LB101: moreEndpoints,
  LB104: moreEndpoints,
  LB102: (f, data) => equalWeights(f, data.poolId),
  LB103: undefinedCluster,
  LB105: removeDuplicateFix,
  LB106: unreachableRouteFix,
  LB107: healthCheck,
  // Only a cluster that is an item of a list (not the `resource` of an xDS wrapper).
  LB110: (f) => removeUnusedFix(f, 'cluster', (pool) => {
    const node = f.nodeOf(pool);
    return f.parent(node)?.kind === 'seq' ? node : undefined;
  }),
  LB002: invalidValue,
});
