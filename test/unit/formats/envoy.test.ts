import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeModel } from '../../../server/src/analysis/analyze';
import { routeDistribution } from '../../../server/src/analysis/distribution';
import { envoyFormat } from '../../../server/src/formats/envoy';
import { NO_FILES } from '../../../server/src/formats/types';
import type { TrafficModel } from '../../../server/src/model/types';
import { detectFormat } from '../../../server/src/service/formats';
import { envoyBootstrap } from '../../helpers/envoy';

const parse = (text: string, uri = 'file:///etc/envoy/envoy.yaml'): TrafficModel => envoyFormat.parse(uri, text, NO_FILES);
const analyze = (m: TrafficModel) => analyzeModel(m);
const rules = (m: TrafficModel, id?: string) => analyze(m).diagnostics.filter((d) => !id || d.ruleId === id);
const ids = (m: TrafficModel) => [...new Set(rules(m).map((d) => d.ruleId))].sort();
/** Shares (in %) of a route's servers, by address. */
function shares(m: TrafficModel, routeIndex = 0): Record<string, number> {
  const a = analyze(m);
  const d = a.distributions.get(m.routes[routeIndex].id)!;
  const out: Record<string, number> = {};
  for (const s of d.shares) out[s.server.address] = Math.round(s.share * 1000) / 10;
  return out;
}

/** A bootstrap with one listener routing `routes` (YAML, indented for `routes:`) and the given clusters. */
const bootstrap = (routes: string, clusters: string): string =>
  envoyBootstrap(routes, `${clusters}\n`, { routeConfig: 'local_route', virtualHost: 'backend', domain: 'example.com' });

/** A STATIC cluster with IP endpoints (`ip[:weight]`), and optional extra cluster fields. */
function cluster(name: string, ips: string[], extra = ''): string {
  const eps = ips
    .map((spec) => {
      const [ip, w] = spec.split('*');
      return `        - endpoint:
            address:
              socket_address: { address: ${ip}, port_value: 8080 }${w ? `\n          load_balancing_weight: ${w}` : ''}`;
    })
    .join('\n');
  return `  - name: ${name}
    connect_timeout: 1s
${extra}    load_assignment:
      cluster_name: ${name}
      endpoints:
      - lb_endpoints:
${eps}`;
}
const HC = '    health_checks:\n    - timeout: 1s\n      interval: 5s\n      http_health_check: { path: /healthz }\n';
const route = (prefix: string, target: string) => `              - match: { prefix: "${prefix}" }\n                route: { cluster: ${target} }`;

describe('envoy detection', () => {
  it('claims bootstraps and xDS resources, in YAML and JSON', () => {
    assert.ok(envoyFormat.detect('file:///a.yaml', 'static_resources:\n  listeners: []\n') >= 0.9);
    assert.ok(envoyFormat.detect('file:///a.json', '{\n  "static_resources": {"clusters": []}\n}') >= 0.9);
    assert.ok(envoyFormat.detect('file:///c.yaml', 'resources:\n- "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster\n  name: a\n') >= 0.9);
    assert.ok(envoyFormat.detect('file:///r.yaml', '- name: r\n  virtualHosts:\n  - domains: ["*"]\n    routes: []\n') >= 0.5);
  });

  it('leaves other YAML and JSON alone (k8s, compose, package.json, Istio EnvoyFilter, Traefik, CloudFormation)', () => {
    const others = [
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n',
      'services:\n  web:\n    image: nginx\n    ports: ["80:80"]\n',
      '{\n  "name": "pkg",\n  "version": "1.0.0",\n  "dependencies": {}\n}\n',
      'apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nspec:\n  configPatches:\n  - patch:\n      value:\n        "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster\n',
      'http:\n  routers:\n    r:\n      rule: Host(`a`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers:\n        - url: http://a\n',
      'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  LB:\n    Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n',
    ];
    for (const text of others) assert.equal(envoyFormat.detect('file:///x.yaml', text), 0, text);
    assert.equal(detectFormat('file:///x.yaml', others[0])?.id === 'envoy', false);
  });
});

describe('envoy model', () => {
  it('lowers listener → virtual host → routes → clusters → endpoints, with exact ranges', () => {
    const m = parse(bootstrap(route('/api', 'api') + '\n' + route('/', 'web'), cluster('api', ['10.0.0.1', '10.0.0.2'], HC) + '\n' + cluster('web', ['10.0.1.1', '10.0.1.2'], HC)));
    assert.deepEqual(m.problems, []);
    assert.equal(m.entries.length, 1);
    assert.equal(m.entries[0].name, 'listener ingress');
    assert.deepEqual(m.entries[0].listen, ['0.0.0.0:10000']);
    assert.deepEqual(m.entries[0].hosts, ['example.com']);
    assert.deepEqual(m.routes.map((r) => [r.matchText, r.catchAll, r.evaluation.strategy, r.evaluation.index]), [
      ['prefix /api', false, 'first-match', 0],
      ['prefix /', true, 'first-match', 1],
    ]);
    assert.deepEqual(m.pools.map((p) => [p.name, p.algorithm, p.servers.length]), [['api', 'round_robin', 2], ['web', 'round_robin', 2]]);
    const t = m.routes[0].target;
    assert.equal(t.kind, 'pool');
    // `cluster: api` on line 18 (0-based), the value starts after "route: { cluster: ".
    if (t.kind === 'pool') assert.deepEqual(t.nameSource.range, { start: { line: 18, character: 34 }, end: { line: 18, character: 37 } });
    assert.equal(m.closedWorld, true);
    assert.deepEqual(ids(m), []);
  });

  it('weighted_clusters split by weight / Σ weights', () => {
    const routes = `              - match: { prefix: "/" }
                route:
                  weighted_clusters:
                    clusters:
                    - { name: a, weight: 75 }
                    - { name: b, weight: 25 }`;
    const m = parse(bootstrap(routes, cluster('a', ['10.0.0.1'], HC) + '\n' + cluster('b', ['10.0.0.2'], HC)));
    assert.deepEqual(shares(m), { '10.0.0.1:8080': 75, '10.0.0.2:8080': 25 });
    assert.deepEqual(m.problems, []);
  });

  it('total_weight must equal the sum of the weights when set (RouteAction WeightedCluster.total_weight) → LB002', () => {
    const routes = `              - match: { prefix: "/" }
                route:
                  weighted_clusters:
                    total_weight: 100
                    clusters:
                    - { name: a, weight: 70 }
                    - { name: b, weight: 20 }`;
    const m = parse(bootstrap(routes, cluster('a', ['10.0.0.1'], HC) + '\n' + cluster('b', ['10.0.0.2'], HC)));
    assert.deepEqual(m.problems.map((p) => p.ruleId), ['LB002']);
    assert.match(m.problems[0].message, /add up to 90, but total_weight is 100/);
    const ok = parse(bootstrap(routes.replace('weight: 20', 'weight: 30'), cluster('a', ['10.0.0.1'], HC) + '\n' + cluster('b', ['10.0.0.2'], HC)));
    assert.deepEqual(ok.problems, []);
  });

  it('endpoint load_balancing_weight is the host weight (default 1); 0 is rejected', () => {
    const m = parse(bootstrap(route('/', 'a'), cluster('a', ['10.0.0.1*3', '10.0.0.2'], HC)));
    assert.deepEqual(shares(m), { '10.0.0.1:8080': 75, '10.0.0.2:8080': 25 });
    const bad = parse(bootstrap(route('/', 'a'), cluster('a', ['10.0.0.1*0', '10.0.0.2'], HC)));
    assert.deepEqual(bad.problems.map((p) => p.ruleId), ['LB002']);
  });

  it('priority 0 takes the traffic; higher priorities are failover (backup) — LB101 only as information', () => {
    const clusters = `  - name: a
    type: STATIC
${HC}    load_assignment:
      cluster_name: a
      endpoints:
      - priority: 0
        lb_endpoints:
        - endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 80 } } }
      - priority: 1
        lb_endpoints:
        - endpoint: { address: { socket_address: { address: 10.0.0.2, port_value: 80 } } }`;
    const m = parse(bootstrap(route('/', 'a'), clusters));
    assert.deepEqual(m.pools[0].servers.map((s) => s.state), ['active', 'backup']);
    assert.deepEqual(m.pools[0].servers.map((s) => s.priority), [undefined, 1]);
    assert.equal(m.pools[0].backupPolicy, 'priority-levels');
    assert.deepEqual(shares(m), { '10.0.0.1:80': 100, '10.0.0.2:80': 0 });
    const lb101 = rules(m, 'LB101');
    assert.equal(lb101.length, 1);
    assert.equal(lb101[0].severity, 'info');
    // Failing the priority-0 host moves the traffic to priority 1.
    const a = analyze(m);
    const failed = new Set([m.pools[0].servers[0].id]);
    const d = routeDistribution(m.routes[0], a.index, failed);
    assert.equal(d.shares[1].share, 1);
  });

  /** Cluster `a`: two P0 endpoints (the first one weighs `w0`), one P1 endpoint, and an optional load_assignment policy. */
  const prioritized = (policy = '', w0 = 1) => `  - name: a
    type: STATIC
${HC}    load_assignment:
      cluster_name: a
${policy}      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 80 } } }
          load_balancing_weight: ${w0}
        - endpoint: { address: { socket_address: { address: 10.0.0.2, port_value: 80 } } }
      - priority: 1
        lb_endpoints:
        - endpoint: { address: { socket_address: { address: 10.0.0.3, port_value: 80 } } }`;
  /** Shares (in %) of the first route with the given endpoint addresses failed. */
  const failedShares = (m: TrafficModel, failed: string[]) => {
    const ids = new Set(m.pools.flatMap((p) => p.servers).filter((s) => failed.includes(s.address)).map((s) => s.id));
    const d = routeDistribution(m.routes[0], analyze(m).index, ids);
    return Object.fromEntries(d.shares.map((x) => [x.server.address, Math.round(x.share * 1000) / 10]));
  };

  it('priority levels: one of two P0 endpoints failed → P0 keeps 50% × 1.4 = 70%, P1 gets 30% (arch_overview/upstream/load_balancing/priority)', () => {
    const m = parse(bootstrap(route('/', 'a'), prioritized()));
    assert.equal(m.pools[0].overprovisioningFactor, undefined); // Envoy's default 140
    assert.deepEqual(shares(m), { '10.0.0.1:80': 50, '10.0.0.2:80': 50, '10.0.0.3:80': 0 });
    assert.deepEqual(failedShares(m, ['10.0.0.1:80']), { '10.0.0.1:80': 0, '10.0.0.2:80': 70, '10.0.0.3:80': 30 });
    assert.deepEqual(failedShares(m, ['10.0.0.1:80', '10.0.0.2:80']), { '10.0.0.1:80': 0, '10.0.0.2:80': 0, '10.0.0.3:80': 100 });
  });

  it('priority levels: load_assignment.policy.overprovisioning_factor (percent, > 0) and weighted_priority_health', () => {
    const generous = parse(bootstrap(route('/', 'a'), prioritized('      policy: { overprovisioning_factor: 200 }\n')));
    assert.equal(generous.pools[0].overprovisioningFactor, 200);
    assert.deepEqual(failedShares(generous, ['10.0.0.1:80']), { '10.0.0.1:80': 0, '10.0.0.2:80': 100, '10.0.0.3:80': 0 });
    const exact = parse(bootstrap(route('/', 'a'), prioritized('      policy:\n        overprovisioning_factor: { value: 100 }\n')));
    assert.deepEqual(failedShares(exact, ['10.0.0.1:80']), { '10.0.0.1:80': 0, '10.0.0.2:80': 50, '10.0.0.3:80': 50 });
    // By weight, the failed host is 3 of 4: health 25 × 1.4 = 35%. By count it would be 70%.
    const weighted = parse(bootstrap(route('/', 'a'), prioritized('      policy: { weighted_priority_health: true }\n', 3)));
    assert.equal(weighted.pools[0].weightedPriorityHealth, true);
    assert.deepEqual(failedShares(weighted, ['10.0.0.1:80']), { '10.0.0.1:80': 0, '10.0.0.2:80': 35, '10.0.0.3:80': 65 });
    assert.deepEqual(failedShares(parse(bootstrap(route('/', 'a'), prioritized('', 3))), ['10.0.0.1:80']), { '10.0.0.1:80': 0, '10.0.0.2:80': 70, '10.0.0.3:80': 30 });
    // The factor must be > 0 (endpoint.v3.ClusterLoadAssignment.Policy): 0 is rejected and the default is used.
    const zero = parse(bootstrap(route('/', 'a'), prioritized('      policy: { overprovisioning_factor: 0 }\n')));
    assert.deepEqual(zero.problems.map((p) => p.ruleId), ['LB002']);
    assert.match(zero.problems[0].message, /overprovisioning_factor must be an integer percentage from 1 to 4294967295/);
    assert.equal(zero.pools[0].overprovisioningFactor, undefined);
  });

  it('priority levels: an EDS ClusterLoadAssignment in the same file brings its priorities and policy (JSON names)', () => {
    const text = JSON.stringify({
      resources: [
        { '@type': 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration', name: 'rc', virtualHosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] }] },
        { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: 'c', type: 'EDS', edsClusterConfig: { edsConfig: { ads: {} } }, outlierDetection: {} },
        { '@type': 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment', clusterName: 'c', policy: { overprovisioningFactor: 120 },
          endpoints: [
            { lbEndpoints: [1, 2, 3, 4].map((i) => ({ endpoint: { address: { socketAddress: { address: `10.0.0.${i}`, portValue: 80 } } } })) },
            { priority: 1, lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '10.0.1.1', portValue: 80 } } } }] },
          ] },
      ],
    }, null, 2);
    const m = parse(text, 'file:///x.json');
    assert.equal(m.pools[0].overprovisioningFactor, 120);
    assert.deepEqual(m.pools[0].servers.map((s) => s.priority ?? 0), [0, 0, 0, 0, 1]);
    // 1 of 4 healthy at P0: 25% × 1.2 = 30%.
    const after = failedShares(m, ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80']);
    assert.deepEqual(after, { '10.0.0.1:80': 0, '10.0.0.2:80': 0, '10.0.0.3:80': 0, '10.0.0.4:80': 30, '10.0.1.1:80': 70 });
  });

  it('a DEGRADED endpoint counts in its level and only takes the load the healthy ones cannot (arch_overview/upstream/load_balancing/degraded)', () => {
    const clusters = `  - name: a
    type: STATIC
${HC}    load_assignment:
      cluster_name: a
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 80 } } }
        - endpoint: { address: { socket_address: { address: 10.0.0.2, port_value: 80 } } }
        - endpoint: { address: { socket_address: { address: 10.0.0.3, port_value: 80 } } }
          health_status: DEGRADED`;
    const m = parse(bootstrap(route('/', 'a'), clusters));
    const degraded = m.pools[0].servers[2];
    assert.equal(degraded.state, 'backup');
    assert.equal(degraded.degraded, true);
    // Healthy: 2 of 3 × 1.4 = 93%; degraded: 1 of 3 × 1.4 = 46% → the 7% left.
    assert.deepEqual(shares(m), { '10.0.0.1:80': 46.5, '10.0.0.2:80': 46.5, '10.0.0.3:80': 7 });
    // With one healthy host failed: healthy 46%, degraded 46% → normalised to 50% / 50%.
    assert.deepEqual(failedShares(m, ['10.0.0.1:80']), { '10.0.0.1:80': 0, '10.0.0.2:80': 50, '10.0.0.3:80': 50 });
  });

  it('locality weights count only with locality_weighted_lb_config: locality share × host share', () => {
    const clusters = (lwlb: boolean) => `  - name: a
    type: STATIC
${HC}${lwlb ? '    common_lb_config:\n      locality_weighted_lb_config: {}\n' : ''}    load_assignment:
      cluster_name: a
      endpoints:
      - locality: { zone: z1 }
        load_balancing_weight: 1
        lb_endpoints:
        - endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 80 } } }
        - endpoint: { address: { socket_address: { address: 10.0.0.2, port_value: 80 } } }
      - locality: { zone: z2 }
        load_balancing_weight: 2
        lb_endpoints:
        - endpoint: { address: { socket_address: { address: 10.0.0.3, port_value: 80 } } }`;
    const weighted = parse(bootstrap(route('/', 'a'), clusters(true)));
    const s = shares(weighted);
    assert.deepEqual(s, { '10.0.0.1:80': 16.7, '10.0.0.2:80': 16.7, '10.0.0.3:80': 66.7 });
    assert.ok(weighted.pools[0].servers.every((x) => Number.isInteger(x.weight)));
    // Without the option the locality weights are ignored: every host weighs 1.
    assert.deepEqual(shares(parse(bootstrap(route('/', 'a'), clusters(false)))), { '10.0.0.1:80': 33.3, '10.0.0.2:80': 33.3, '10.0.0.3:80': 33.3 });
  });

  it('routes are first-match in order: prefix "/" before others → LB106', () => {
    const m = parse(bootstrap(route('/', 'a') + '\n' + route('/api', 'a'), cluster('a', ['10.0.0.1', '10.0.0.2'], HC)));
    const lb106 = rules(m, 'LB106');
    assert.equal(lb106.length, 1);
    assert.match(lb106[0].message, /prefix \/api .* can never match/);
  });

  it('path_separated_prefix "/foo" does not hide a later prefix "/foobar"; safe_regex is a full match', () => {
    const routes = `              - match: { path_separated_prefix: "/foo" }
                route: { cluster: a }
              - match: { prefix: "/foobar" }
                route: { cluster: a }
              - match: { safe_regex: { regex: "/" } }
                route: { cluster: a }
              - match: { prefix: "/x" }
                route: { cluster: a }
              - match: { safe_regex: { regex: ".*" } }
                route: { cluster: a }
              - match: { prefix: "/y" }
                route: { cluster: a }`;
    const m = parse(bootstrap(routes, cluster('a', ['10.0.0.1', '10.0.0.2'], HC)));
    assert.deepEqual(rules(m, 'LB106').map((d) => d.range.start.line), [m.routes[5].source.range.start.line]);
  });

  it('header matches are conditions; a header route does not hide the catch-all after it', () => {
    const routes = `              - match:
                  prefix: "/"
                  headers:
                  - name: x-canary
                    string_match: { exact: "1" }
                route: { cluster: a }
              - match: { prefix: "/" }
                route: { cluster: a }`;
    const m = parse(bootstrap(routes, cluster('a', ['10.0.0.1', '10.0.0.2'], HC)));
    assert.deepEqual(m.routes[0].match, [{ field: 'path', op: 'prefix', value: '/' }, { field: 'header:x-canary', op: 'exact', value: '1' }]);
    assert.deepEqual(rules(m, 'LB106'), []);
  });

  it('a route to an undefined cluster → LB103 with a suggestion', () => {
    const m = parse(bootstrap(route('/', 'backnd'), cluster('backend', ['10.0.0.1', '10.0.0.2'], HC)));
    const lb103 = rules(m, 'LB103');
    assert.equal(lb103.length, 1);
    assert.match(lb103[0].message, /"backnd" is not defined; did you mean "backend"\?/);
  });

  it('health_checks (active) or outlier_detection (passive) keep LB107 quiet; neither → LB107', () => {
    const none = parse(bootstrap(route('/', 'a'), cluster('a', ['10.0.0.1', '10.0.0.2'])));
    assert.equal(rules(none, 'LB107').length, 1);
    assert.deepEqual(rules(parse(bootstrap(route('/', 'a'), cluster('a', ['10.0.0.1', '10.0.0.2'], HC))), 'LB107'), []);
    const od = parse(bootstrap(route('/', 'a'), cluster('a', ['10.0.0.1', '10.0.0.2'], '    outlier_detection: { consecutive_5xx: 5 }\n')));
    assert.deepEqual(rules(od, 'LB107'), []);
    assert.deepEqual(od.pools[0].healthCheck, { active: false, passive: true, detail: 'Passive: outlier_detection ejects failing hosts.' });
  });

  it('STRICT_DNS hostnames may be several machines; EDS clusters have dynamic servers', () => {
    const clusters = `  - name: dns
    type: STRICT_DNS
    load_assignment:
      cluster_name: dns
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: backend.internal, port_value: 80 } } }
  - name: eds
    type: EDS
    eds_cluster_config: { eds_config: { ads: {} } }`;
    const m = parse(bootstrap(route('/a', 'dns') + '\n' + route('/', 'eds'), clusters));
    assert.equal(m.pools[0].servers[0].mayBeMultiple, true);
    assert.equal(m.pools[1].dynamicServers, true);
    assert.deepEqual(ids(m), []); // no LB108 for the DNS name, no LB104 for the EDS cluster
  });

  it('tcp_proxy is the catch-all route of its filter chain (cluster or weighted_clusters)', () => {
    const text = `static_resources:
  listeners:
  - name: tcp
    address: { socket_address: { address: 0.0.0.0, port_value: 5432 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: tcp
          weighted_clusters:
            clusters:
            - { name: a, weight: 1 }
            - { name: b, weight: 3 }
  clusters:
${cluster('a', ['10.0.0.1'], HC)}
${cluster('b', ['10.0.0.2'], HC)}
`;
    const m = parse(text);
    assert.equal(m.routes.length, 1);
    assert.equal(m.routes[0].catchAll, true);
    assert.deepEqual(shares(m), { '10.0.0.1:8080': 25, '10.0.0.2:8080': 75 });
  });

  it('xDS resource lists: rds route_config_name resolved in the same file, JSON lowerCamelCase names', () => {
    const text = JSON.stringify({
      resources: [
        {
          '@type': 'type.googleapis.com/envoy.config.listener.v3.Listener', name: 'l',
          address: { socketAddress: { address: '0.0.0.0', portValue: 80 } },
          filterChains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typedConfig: {
            '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
            rds: { routeConfigName: 'rc', configSource: { ads: {} } },
          } }] }],
        },
        { '@type': 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration', name: 'rc', virtualHosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] }] },
        { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: 'c', type: 'STATIC', healthChecks: [{ timeout: '1s' }],
          loadAssignment: { clusterName: 'c', endpoints: [{ lbEndpoints: [
            { endpoint: { address: { socketAddress: { address: '10.0.0.1', portValue: 80 } } } },
            { endpoint: { address: { socketAddress: { address: '10.0.0.2', portValue: 80 } } } },
          ] }] } },
      ],
    }, null, 2);
    assert.ok(envoyFormat.detect('file:///x.json', text) >= 0.9);
    const m = parse(text, 'file:///x.json');
    assert.equal(m.entries.length, 1);
    assert.equal(m.routes.length, 1);
    assert.deepEqual(shares(m), { '10.0.0.1:80': 50, '10.0.0.2:80': 50 });
    assert.deepEqual(ids(m), []);
  });

  it('an RDS name not in the file is a run-time target; clusters used by config sources are not unused', () => {
    const text = `static_resources:
  listeners:
  - name: l
    address: { socket_address: { address: 0.0.0.0, port_value: 80 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          rds:
            route_config_name: remote
            config_source:
              api_config_source:
                api_type: GRPC
                grpc_services:
                - envoy_grpc: { cluster_name: xds_cluster }
  clusters:
${cluster('xds_cluster', ['10.0.0.9'])}
`;
    const m = parse(text);
    assert.equal(m.routes[0].target.kind, 'dynamic');
    assert.deepEqual(m.mentions.map((x) => x.name), ['xds_cluster']);
    assert.deepEqual(ids(m), []);
  });

  it('YAML syntax errors are LB001; comments are kept for suppression', () => {
    const m = parse('static_resources:\n  clusters:\n  - name: a\n    type: [STATIC\n# lb-lens-disable LB107\n');
    assert.ok(m.problems.some((p) => p.ruleId === 'LB001'));
    assert.ok(m.comments.some((c) => c.text.includes('lb-lens-disable')));
  });

  it('never throws on odd input', () => {
    for (const text of ['', '---\n', 'static_resources: 3', 'static_resources:\n  listeners: {a: 1}\n  clusters: [1, null, "x"]', '- 1\n- [2]\n', 'resources: [{}]']) {
      assert.doesNotThrow(() => parse(text), text);
    }
  });
});
