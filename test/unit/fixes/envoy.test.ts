import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixesFor } from '../../../server/src/service/codeActions';
import { analyzeText, applyEdits } from '../../helpers/edits';
import { envoyBootstrap } from '../../helpers/envoy';
import { checkFix } from './check';

const URI = 'file:///w/envoy.yaml';
const JSON_URI = 'file:///w/envoy.json';

/** A route item of the bootstrap's virtual host (`envoyBootstrap`), with an optional trailing comment. */
const route = (prefix: string, cluster: string, comment = '') =>
  `              - match: { prefix: "${prefix}" }${comment}\n                route: { cluster: ${cluster} }\n`;

/** A cluster with endpoints `ip` or `ip key: value` (an extra endpoint field) and extra cluster lines. */
function cluster(name: string, endpoints: string[], extra = ''): string {
  const eps = endpoints.map((spec) => {
    const [ip, ...rest] = spec.split(' ');
    return `        - endpoint:\n            address:\n              socket_address: { address: ${ip}, port_value: 8080 }\n` +
      (rest.length ? `          ${rest.join(' ')}\n` : '');
  }).join('');
  return `  - name: ${name}\n    connect_timeout: 1s  # fast fail\n${extra}    load_assignment:\n      cluster_name: ${name}\n      endpoints:\n      - lb_endpoints:\n${eps}`;
}

const HC = '    outlier_detection: {}\n';

describe('Envoy quick fixes (YAML)', () => {
  test('LB107: add a TCP connect health check to the cluster (preferred), at the entries\' indentation', () => {
    const text = envoyBootstrap(route('/', 'app'), cluster('app', ['10.0.0.1', '10.0.0.2']));
    const { fix } = checkFix({
      uri: URI, text, ruleId: 'LB107', title: /^Add an active health check/,
      removed: [],
      added: ['    health_checks:', '    - timeout: 1s', '      interval: 10s', '      unhealthy_threshold: 3', '      healthy_threshold: 2', '      tcp_health_check: {}'],
    });
    assert.equal(fix.isPreferred, true);
  });

  test('LB107: or passive outlier detection', () => {
    const text = envoyBootstrap(route('/', 'app'), cluster('app', ['10.0.0.1', '10.0.0.2']));
    checkFix({ uri: URI, text, ruleId: 'LB107', title: /^Add passive health checking/, removed: [], added: ['    outlier_detection: {}'] });
  });

  test('LB107: lowerCamelCase resources get lowerCamelCase fields', () => {
    const text = `resources:
- "@type": type.googleapis.com/envoy.config.route.v3.RouteConfiguration
  name: r
  virtualHosts:
  - name: vh
    domains: ["*"]
    routes:
    - match: { prefix: "/" }
      route: { cluster: app }
- "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
  name: app
  connectTimeout: 1s
  loadAssignment:
    clusterName: app
    endpoints:
    - lbEndpoints:
      - endpoint: { address: { socketAddress: { address: 10.0.0.1, portValue: 80 } } }
      - endpoint: { address: { socketAddress: { address: 10.0.0.2, portValue: 80 } } }
`;
    checkFix({
      uri: URI, text, ruleId: 'LB107', title: /^Add an active health check/, removed: [],
      added: ['  healthChecks:', '  - timeout: 1s', '    interval: 10s', '    unhealthyThreshold: 3', '    healthyThreshold: 2', '    tcpHealthCheck: {}'],
    });
  });

  test('LB102: equal weights removes load_balancing_weight (the default is 1)', () => {
    const text = envoyBootstrap(route('/', 'app'), cluster('app', ['10.0.0.1 load_balancing_weight: 9', '10.0.0.2 load_balancing_weight: 1  # canary'], HC));
    checkFix({
      uri: URI, text, ruleId: 'LB102', title: /equal weight/,
      removed: ['          load_balancing_weight: 9', '          load_balancing_weight: 1  # canary'], added: [],
    });
  });

  test('LB101: bring back an UNHEALTHY endpoint (health_status removed)', () => {
    const text = envoyBootstrap(route('/', 'app'), cluster('app', ['10.0.0.1', '10.0.0.2 health_status: UNHEALTHY'], HC));
    checkFix({ uri: URI, text, ruleId: 'LB101', title: /^Bring back 10\.0\.0\.2:8080/, removed: ['          health_status: UNHEALTHY'], added: [] });
  });

  test('LB101: a health_status that shares its line with "- " is set to HEALTHY instead', () => {
    const text = envoyBootstrap(route('/', 'app'), `  - name: app
    outlier_detection: {}
    load_assignment:
      cluster_name: app
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 80 } } }
        - health_status: DRAINING
          endpoint: { address: { socket_address: { address: 10.0.0.2, port_value: 80 } } }
`);
    checkFix({ uri: URI, text, ruleId: 'LB101', title: /^Bring back/, removed: ['        - health_status: DRAINING'], added: ['        - health_status: HEALTHY'] });
  });

  test('LB104: every endpoint unhealthy → bring them all back', () => {
    const text = envoyBootstrap(route('/', 'app'), cluster('app', ['10.0.0.1 health_status: UNHEALTHY', '10.0.0.2 health_status: TIMEOUT'], HC));
    checkFix({
      uri: URI, text, ruleId: 'LB104', title: /^Bring back 10\.0\.0\.1:8080, 10\.0\.0\.2:8080/,
      removed: ['          health_status: UNHEALTHY', '          health_status: TIMEOUT'], added: [],
    });
  });

  const TYPO = envoyBootstrap(route('/api', '"apii"') + route('/', 'web'), cluster('api', ['10.0.1.1', '10.0.1.2'], HC) + cluster('web', ['10.0.2.1', '10.0.2.2'], HC));

  test('LB103: change to the closest cluster, keeping the quotes', () => {
    checkFix({
      uri: URI, text: TYPO, ruleId: 'LB103', title: /^Change to "api"$/,
      removed: ['                route: { cluster: "apii" }'], added: ['                route: { cluster: "api" }'],
    });
  });

  test('LB103: create the missing cluster at the end of static_resources.clusters', () => {
    const { fixed } = checkFix({
      uri: URI, text: TYPO, ruleId: 'LB103', title: /^Create cluster "apii"$/, removed: [],
      added: [
        '  - name: apii', '    connect_timeout: 1s', '    load_assignment:', '      cluster_name: apii', '      endpoints:',
        '      - lb_endpoints:', '        - endpoint:', '            address:', '              socket_address:',
        '                address: 127.0.0.1', '                port_value: 8080',
      ],
    });
    assert.ok(fixed.endsWith('                port_value: 8080\n'), fixed);
  });

  test('LB105: remove the duplicate endpoint with all its lines', () => {
    const text = envoyBootstrap(route('/', 'app'), cluster('app', ['10.0.0.1', '10.0.0.2', '10.0.0.1'], HC));
    checkFix({
      uri: URI, text, ruleId: 'LB105', title: /^Remove the duplicate server 10\.0\.0\.1:8080$/,
      removed: ['        - endpoint:', '            address:', '              socket_address: { address: 10.0.0.1, port_value: 8080 }'], added: [],
    });
  });

  const SHADOW = envoyBootstrap(
    route('/', 'web', '  # everything else') + route('/api', 'api') + route('/img', 'api'),
    cluster('api', ['10.0.1.1', '10.0.1.2'], HC) + cluster('web', ['10.0.2.1', '10.0.2.2'], HC),
  );

  test('LB106: move the catch-all route after the last route it shadows', () => {
    const { fixed } = checkFix({ uri: URI, text: SHADOW, ruleId: 'LB106', title: /^Move route prefix \/ \(vh\) after route prefix \/img \(vh\)$/, removed: [], added: [] });
    const lines = fixed.split('\n');
    assert.ok(lines.indexOf('              - match: { prefix: "/img" }') < lines.indexOf('              - match: { prefix: "/" }  # everything else'), fixed);
    assert.ok(!analyzeText(URI, fixed).diagnostics.some((d) => d.ruleId === 'LB106'), fixed);
  });

  test('LB106: or delete the unreachable route', () => {
    checkFix({
      uri: URI, text: SHADOW, ruleId: 'LB106', where: (d) => /\/img/.test(d.message), title: /^Delete the unreachable route prefix \/img/,
      removed: ['              - match: { prefix: "/img" }', '                route: { cluster: api }'], added: [],
    });
  });

  test('LB110: remove the unused cluster; not when its name is used elsewhere (an access-log gRPC service)', () => {
    const text = envoyBootstrap(route('/', 'web'), cluster('web', ['10.0.2.1', '10.0.2.2'], HC) + cluster('old', ['10.0.9.1']));
    checkFix({
      uri: URI, text, ruleId: 'LB110', title: /^Remove the unused cluster "old"$/,
      removed: ['  - name: old', '    connect_timeout: 1s  # fast fail', '    load_assignment:', '      cluster_name: old', '      endpoints:', '      - lb_endpoints:',
        '        - endpoint:', '            address:', '              socket_address: { address: 10.0.9.1, port_value: 8080 }'],
      added: [],
    });
    // "old" is named as a value somewhere else (a comment-free mention the model does not treat as a use).
    const mentioned = text.replace('stat_prefix: ingress_http', 'stat_prefix: old');
    const a = analyzeText(URI, mentioned);
    const d = a.ownDiagnostics.find((x) => x.ruleId === 'LB110')!;
    assert.ok(d, JSON.stringify(a.ownDiagnostics.map((x) => x.ruleId)));
    assert.deepEqual(fixesFor(a, d).map((f) => f.title), ['Disable LB110 for this line (lb-lens-disable-next-line)']);
  });

  test('LB002: load_balancing_weight 0 becomes 1 (the minimum)', () => {
    const text = envoyBootstrap(route('/', 'app'), cluster('app', ['10.0.0.1 load_balancing_weight: 0', '10.0.0.2'], HC));
    checkFix({ uri: URI, text, ruleId: 'LB002', title: /^Change to 1 \(the minimum\)$/, removed: ['          load_balancing_weight: 0'], added: ['          load_balancing_weight: 1'] });
  });

  test('LB002: total_weight becomes the sum of the weights', () => {
    const routes = `              - match: { prefix: "/" }
                route:
                  weighted_clusters:
                    total_weight: 100
                    clusters:
                    - { name: a, weight: 30 }
                    - { name: b, weight: 20 }
`;
    const text = envoyBootstrap(routes, cluster('a', ['10.0.0.1', '10.0.0.2'], HC) + cluster('b', ['10.0.1.1', '10.0.1.2'], HC));
    checkFix({ uri: URI, text, ruleId: 'LB002', title: /^Change to 50 \(the sum of the weights\)$/, removed: ['                    total_weight: 100'], added: ['                    total_weight: 50'] });
  });

  test('CRLF files keep their line breaks', () => {
    const text = envoyBootstrap(route('/', 'app'), cluster('app', ['10.0.0.1', '10.0.0.2', '10.0.0.1'])).replace(/\n/g, '\r\n');
    for (const [ruleId, title] of [['LB107', /^Add an active/], ['LB105', /^Remove the duplicate/]] as const) {
      const a = analyzeText(URI, text);
      const d = a.ownDiagnostics.find((x) => x.ruleId === ruleId)!;
      const fix = fixesFor(a, d).find((f) => title.test(f.title))!;
      const fixed = applyEdits(text, fix.edits);
      assert.ok(!/[^\r]\n/.test(fixed), JSON.stringify(fixed));
      assert.ok(!analyzeText(URI, fixed).ownDiagnostics.some((x) => x.ruleId === ruleId || x.ruleId === 'LB001'), ruleId);
    }
  });

  test('suppression comment in YAML', () => {
    const text = envoyBootstrap(route('/', 'app'), cluster('app', ['10.0.0.1', '10.0.0.2']));
    checkFix({ uri: URI, text, ruleId: 'LB107', title: /^Disable LB107/, removed: [], added: ['  # lb-lens-disable-next-line LB107'] });
  });
});

const JSON_TEXT = `{
  "static_resources": {
    "listeners": [{
      "name": "ingress",
      "filter_chains": [{"filters": [{
        "name": "envoy.filters.network.http_connection_manager",
        "typed_config": {"route_config": {"virtual_hosts": [{"name": "vh", "domains": ["*"], "routes": [
          {"match": {"prefix": "/api"}, "route": {"cluster": "apii"}},
          {"match": {"prefix": "/"}, "route": {"cluster": "app"}}
        ]}]}}
      }]}]
    }],
    "clusters": [
      {
        "name": "app",
        "connect_timeout": "1s",
        "load_assignment": {"cluster_name": "app", "endpoints": [{"lb_endpoints": [
          {"endpoint": {"address": {"socket_address": {"address": "10.0.0.1", "port_value": 80}}}, "load_balancing_weight": 0},
          {"endpoint": {"address": {"socket_address": {"address": "10.0.0.2", "port_value": 80}}}},
          {"endpoint": {"address": {"socket_address": {"address": "10.0.0.2", "port_value": 80}}}}
        ]}]}
      },
      {
        "name": "old",
        "connect_timeout": "1s"
      }
    ]
  }
}
`;

describe('Envoy quick fixes (JSON)', () => {
  test('LB107: health_checks spread over lines like the rest of the object', () => {
    const { fixed } = checkFix({
      uri: JSON_URI, text: JSON_TEXT, ruleId: 'LB107', title: /^Add an active health check/,
      removed: ['        ]}]}'],
      added: ['        ]}]},', '        "health_checks": [', '          {', '            "timeout": "1s",', '            "interval": "10s",',
        '            "unhealthy_threshold": 3,', '            "healthy_threshold": 2,', '            "tcp_health_check": {}', '          }', '        ]'],
    });
    assert.doesNotThrow(() => JSON.parse(fixed));
  });

  test('LB105: the last duplicate goes with the comma before it', () => {
    const { fixed } = checkFix({
      uri: JSON_URI, text: JSON_TEXT, ruleId: 'LB105', title: /^Remove the duplicate/,
      // The line diff is a multiset: the first 10.0.0.2 line loses its comma, the second goes.
      removed: ['          {"endpoint": {"address": {"socket_address": {"address": "10.0.0.2", "port_value": 80}}}},'], added: [],
    });
    assert.equal(fixed.split('10.0.0.2').length - 1, 1, fixed);
    assert.doesNotThrow(() => JSON.parse(fixed));
  });

  test('LB110: remove the unused last cluster and its comma', () => {
    const { fixed } = checkFix({
      uri: JSON_URI, text: JSON_TEXT, ruleId: 'LB110', title: /^Remove the unused cluster "old"$/,
      removed: ['      },', '      {', '        "name": "old",', '        "connect_timeout": "1s"'], added: [],
    });
    assert.doesNotThrow(() => JSON.parse(fixed));
  });

  test('LB103 and LB002 in JSON; no suppression comment (JSON has none)', () => {
    const { fixed, before } = checkFix({
      uri: JSON_URI, text: JSON_TEXT, ruleId: 'LB103', title: /^Change to "app"$/,
      removed: ['          {"match": {"prefix": "/api"}, "route": {"cluster": "apii"}},'],
      added: ['          {"match": {"prefix": "/api"}, "route": {"cluster": "app"}},'],
    });
    assert.doesNotThrow(() => JSON.parse(fixed));
    for (const d of before.ownDiagnostics) {
      assert.ok(!fixesFor(before, d).some((f) => /^Disable/.test(f.title)), d.ruleId);
    }
    checkFix({
      uri: JSON_URI, text: JSON_TEXT, ruleId: 'LB002', title: /^Change to 1/,
      removed: ['          {"endpoint": {"address": {"socket_address": {"address": "10.0.0.1", "port_value": 80}}}, "load_balancing_weight": 0},'],
      added: ['          {"endpoint": {"address": {"socket_address": {"address": "10.0.0.1", "port_value": 80}}}, "load_balancing_weight": 1},'],
    });
  });
});
