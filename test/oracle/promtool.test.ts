/**
 * The real Prometheus is the oracle of `lb-lens alerts`: `promtool check rules` must accept every generated file, and
 * `promtool test rules` evaluates the generated rules over synthetic series shaped like each exporter's output
 * (test/helpers/alerts.ts, written from the exporters' documentation): each alert fires on a skewed series and stays
 * quiet on a healthy one. The unit test files are generated here from the same rules the CLI writes.
 *
 * Optional: skipped with a message when `promtool` is not installed (Debian `prometheus`).
 */
import { envoyBootstrap } from '../helpers/envoy';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ALERT_NAMES, type AlertKind, type AlertsResult } from '../../server/src/service/alerts';
import { EXPORTERS } from '../../server/src/service/exporters';
import {
  alertsFor, envoySeries, haproxySeries, ingressNginxSeries, istioReviews, istioSeries, rulesOf, traefikSeries, TRAEFIK, type InputSeries,
} from '../helpers/alerts';

const HAVE_PROMTOOL = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
const SKIP = HAVE_PROMTOOL ? false : 'skipped: promtool is not installed (apt-get install prometheus)';

const dir = HAVE_PROMTOOL ? mkdtempSync(join(tmpdir(), 'lb-lens-promtool-')) : '';
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function promtool(args: string[]): { code: number | null; out: string } {
  const r = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

let fileNo = 0;
function checkRules(text: string): void {
  const file = `rules-${++fileNo}.yml`;
  writeFileSync(join(dir, file), text);
  const r = promtool(['check', 'rules', file]);
  assert.equal(r.code, 0, `${r.out}\n${text}`);
  assert.match(r.out, /SUCCESS: \d+ rules found/);
}

/** An alert that must be firing at the evaluation time: which rule, its value, the labels its expression carries. */
interface Firing {
  kind: AlertKind;
  pool: string;
  server?: string;
  value?: number;
  labels?: Record<string, string>;
}

interface Scenario {
  name: string;
  series: InputSeries[];
  firing: Firing[];
}

/** Prometheus' humanizePercentage: `%.4g%%` of the value × 100. */
const humanizePercentage = (v: number) => `${Number((v * 100).toPrecision(4))}%`;

function expected(result: AlertsResult, f: Firing) {
  const rule = rulesOf(result).find((r) => r.kind === f.kind && r.pool === f.pool && r.server === f.server);
  assert.ok(rule, `no ${f.kind} rule for ${f.pool}${f.server ? `/${f.server}` : ''}`);
  const labels = { ...rule.labels, ...f.labels };
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(rule.annotations)) {
    annotations[k] = v
      .replace(/\{\{ \$value \| humanizePercentage \}\}/g, () => humanizePercentage(f.value ?? 0))
      .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, l: string) => labels[l] ?? '');
  }
  return { exp_labels: labels, exp_annotations: annotations };
}

const MINUTES = 60;
const EVAL = '40m';

/**
 * Runs `promtool test rules` over the generated rules: in every scenario, every alert name is evaluated, and exactly
 * the alerts listed must be firing (none in a healthy scenario).
 */
function testRules(result: AlertsResult, scenarios: Scenario[]): void {
  const rules = `rules-${++fileNo}.yml`;
  writeFileSync(join(dir, rules), result.text);
  const tests = scenarios.map((s) => ({
    name: s.name,
    interval: '1m',
    input_series: s.series,
    alert_rule_test: Object.entries(ALERT_NAMES).map(([kind, alertname]) => ({
      eval_time: EVAL,
      alertname,
      exp_alerts: s.firing.filter((f) => f.kind === kind).map((f) => expected(result, f)),
    })),
  }));
  // JSON is YAML: promtool reads it as is.
  const file = `test-${fileNo}.yml`;
  writeFileSync(join(dir, file), JSON.stringify({ rule_files: [rules], evaluation_interval: '1m', tests }, null, 1));
  const r = promtool(['test', 'rules', file]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /SUCCESS/);
}

const HAPROXY = `frontend fe
  bind :80
  use_backend be_api if { path_beg /api }
  default_backend be_web

backend be_web
  server web1 10.0.0.1:80 check
  server web2 10.0.0.2:80 check
  server web3 10.0.0.3:80 check backup

backend be_api
  server api1 10.0.1.1:80 weight 3 check
  server api2 10.0.1.2:80 weight 1 check
`;

const ENVOY = envoyBootstrap(`              - match: { prefix: "/beta" }
                route:
                  weighted_clusters:
                    clusters:
                    - { name: stable, weight: 80 }
                    - { name: canary, weight: 20 }
              - match: { prefix: "/" }
                route: { cluster: web }`, `  - name: web
    type: STATIC
    load_assignment:
      cluster_name: web
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 80 } } }
        - endpoint: { address: { socket_address: { address: 10.0.0.2, port_value: 80 } } }
  - name: stable
    type: STATIC
    load_assignment:
      cluster_name: stable
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 10.0.1.1, port_value: 80 } } }
  - name: canary
    type: STATIC
    load_assignment:
      cluster_name: canary
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 10.0.2.1, port_value: 80 } } }
`, { port: 8080 });


const ISTIO = istioReviews(90, 10);

const INGRESS = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
spec:
  ingressClassName: nginx
  rules:
  - host: a.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: { name: web, port: { number: 80 } }
      - path: /api
        pathType: Prefix
        backend:
          service: { name: api, port: { number: 80 } }
`;

const ALB = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  LB:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Subnets: [subnet-1, subnet-2]
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref LB
      Port: 80
      Protocol: HTTP
      DefaultActions:
        - Type: forward
          ForwardConfig:
            TargetGroups:
              - TargetGroupArn: !Ref Blue
                Weight: 80
              - TargetGroupArn: !Ref Green
                Weight: 20
  Blue:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: { Name: blue-tg, Port: 80, Protocol: HTTP, VpcId: vpc-1 }
  Green:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: { Name: green-tg, Port: 80, Protocol: HTTP, VpcId: vpc-1 }
`;

const NGINX = 'events {}\nhttp {\n  upstream app {\n    zone app 64k;\n    server 10.0.0.1;\n    server 10.0.0.2:8080 weight=3;\n  }\n  server {\n    listen 80;\n    location / { proxy_pass http://app; }\n  }\n}\n';

describe('promtool check rules accepts the generated files', { skip: SKIP }, () => {
  const cases: Array<[string, string, string | undefined]> = [
    ['haproxy.cfg', HAPROXY, undefined], ['envoy.yaml', ENVOY, undefined], ['dynamic.yml', TRAEFIK, undefined],
    ['nginx.conf', NGINX, undefined], ['ingress.yaml', INGRESS, undefined], ['ingress.yaml', INGRESS, 'istio'],
    ['reviews.yaml', ISTIO, undefined], ['template.yaml', ALB, undefined], ['template.yaml', ALB, 'cloudwatch-exporter'],
  ];
  it('covers every exporter', () => {
    const ids = new Set(cases.map(([name, text, exporter]) => alertsFor(name, text, { exporter }).exporter.id));
    assert.deepEqual([...ids].sort(), EXPORTERS.map((e) => e.id).sort());
  });
  for (const [name, text, exporter] of cases) {
    it(`${name}${exporter ? ` --exporter ${exporter}` : ''}`, () => {
      const r = alertsFor(name, text, { exporter });
      assert.ok(r.ruleCount > 0);
      checkRules(r.text);
      // Other thresholds, selectors and windows give valid files too.
      checkRules(alertsFor(name, text, {
        exporter, margin: 0.025, skew: 0.5, errorRatio: 0.001, minRate: 0.5, window: '90s', forDuration: '1h', noTrafficWindow: '2h',
        severity: 'page', selectors: [{ label: 'job', op: '=~', value: 'lb|edge"x' }, { label: 'env', op: '!=', value: 'dev' }],
      }).text);
    });
  }
  it('a file without rules', () => {
    const r = alertsFor('nginx.conf', 'events {}\nhttp {\n  server {\n    listen 80;\n    return 200;\n  }\n}\n');
    assert.equal(r.ruleCount, 0);
    checkRules(r.text);
  });
});

describe('promtool test rules: each alert fires on a skewed series and stays quiet on a healthy one', { skip: SKIP }, () => {
  it('HAProxy: the incident (one server takes the pool, its peer healthy but idle), a server above its share, 5xx, a pool without traffic', () => {
    const r = alertsFor('haproxy.cfg', HAPROXY);
    testRules(r, [
      {
        name: 'healthy: the configured split',
        series: haproxySeries({ be_web: { web1: { rps: 10 }, web2: { rps: 10 }, web3: { rps: 0 } }, be_api: { api1: { rps: 3 }, api2: { rps: 1 } } }, MINUTES),
        firing: [],
      },
      {
        name: 'skewed: web1 takes be_web while web2 is up; api2 takes half of be_api; be_api answers 25% 5xx',
        series: haproxySeries({
          be_web: { web1: { rps: 20 }, web2: { rps: 0 }, web3: { rps: 0 } },
          be_api: { api1: { rps: 2, errors: 0.5 }, api2: { rps: 2, errors: 0.5 } },
        }, MINUTES),
        firing: [
          { kind: 'pool-skew', pool: 'be_web', value: 1, labels: { server: 'web1' } },
          { kind: 'server-share', pool: 'be_web', server: 'web1', value: 1 },
          { kind: 'server-no-traffic', pool: 'be_web', server: 'web2', value: 0 },
          { kind: 'server-share', pool: 'be_api', server: 'api2', value: 0.5 },
          { kind: 'pool-5xx', pool: 'be_api', value: 0.25 },
        ],
      },
      {
        name: 'the incident: a change drains web2 (MAINT, a healthy machine): web1 takes everything',
        series: haproxySeries({ be_web: { web1: { rps: 20 }, web2: { rps: 0, maint: true }, web3: { rps: 0 } }, be_api: { api1: { rps: 3 }, api2: { rps: 1 } } }, MINUTES),
        firing: [
          { kind: 'pool-skew', pool: 'be_web', value: 1, labels: { server: 'web1' } },
          { kind: 'server-share', pool: 'be_web', server: 'web1', value: 1 },
          { kind: 'server-no-traffic', pool: 'be_web', server: 'web2', value: 0 },
        ],
      },
      {
        name: 'an outage is not a distribution problem: web2 fails its health checks, web1 takes everything',
        series: haproxySeries({ be_web: { web1: { rps: 20 }, web2: { rps: 0, up: false }, web3: { rps: 0 } }, be_api: { api1: { rps: 3 }, api2: { rps: 1 } } }, MINUTES),
        firing: [],
      },
      {
        name: 'no traffic: be_api gets no request while be_web has traffic',
        series: haproxySeries({ be_web: { web1: { rps: 10 }, web2: { rps: 10 }, web3: { rps: 0 } }, be_api: { api1: { rps: 0 }, api2: { rps: 0 } } }, MINUTES),
        firing: [{ kind: 'pool-no-traffic', pool: 'be_api', value: 0 }],
      },
      {
        name: 'idle: below the minimum rate nothing fires',
        series: haproxySeries({ be_web: { web1: { rps: 0.5 }, web2: { rps: 0 }, web3: { rps: 0 } }, be_api: { api1: { rps: 0.2, errors: 0.2 }, api2: { rps: 0 } } }, MINUTES),
        firing: [],
      },
    ]);
  });

  it('Envoy: per-endpoint skew, an endpoint without traffic, a weighted split off its weights, 5xx by response code class', () => {
    const r = alertsFor('envoy.yaml', ENVOY);
    testRules(r, [
      {
        name: 'healthy',
        series: envoySeries({ web: { '10.0.0.1:80': { rps: 5 }, '10.0.0.2:80': { rps: 5 } }, stable: { '10.0.1.1:80': { rps: 4 } }, canary: { '10.0.2.1:80': { rps: 1 } } }, MINUTES),
        firing: [],
      },
      {
        name: 'skewed',
        series: envoySeries({
          web: { '10.0.0.1:80': { rps: 10, errors: 1 }, '10.0.0.2:80': { rps: 0 } },
          stable: { '10.0.1.1:80': { rps: 2.5 } }, canary: { '10.0.2.1:80': { rps: 2.5 } },
        }, MINUTES),
        firing: [
          { kind: 'pool-skew', pool: 'web', value: 1, labels: { envoy_endpoint_address: '10.0.0.1:80' } },
          { kind: 'server-share', pool: 'web', server: '10.0.0.1:80', value: 1 },
          { kind: 'server-no-traffic', pool: 'web', server: '10.0.0.2:80', value: 0 },
          { kind: 'pool-5xx', pool: 'web', value: 0.1 },
          { kind: 'split-share', pool: 'canary', value: 0.5 },
        ],
      },
    ]);
  });

  it('Traefik: a weighted split off its weights, a server with a share down, 5xx of a service', () => {
    const r = alertsFor('dynamic.yml', TRAEFIK);
    const up = { 'http://10.0.0.1:80': true, 'http://10.0.0.2:80': true };
    testRules(r, [
      {
        name: 'healthy',
        series: traefikSeries({
          'web@file': { requests: { rps: 10 }, servers: up }, 'blue@file': { requests: { rps: 9 } }, 'green@file': { requests: { rps: 1 } },
        }, MINUTES),
        firing: [],
      },
      {
        name: 'skewed',
        series: traefikSeries({
          'web@file': { requests: { rps: 10, errors: 2 }, servers: { ...up, 'http://10.0.0.2:80': false } },
          'blue@file': { requests: { rps: 5 } }, 'green@file': { requests: { rps: 5 } },
        }, MINUTES),
        firing: [
          { kind: 'split-share', pool: 'green', value: 0.5 },
          { kind: 'server-down', pool: 'web', server: 'http://10.0.0.2:80', value: 0 },
          { kind: 'pool-5xx', pool: 'web', value: 0.2 },
        ],
      },
    ]);
  });

  it('Istio: a subset split off its weights (reporter="source" only), 5xx of a subset, a subset without traffic', () => {
    const r = alertsFor('reviews.yaml', ISTIO);
    const host = 'reviews.shop.svc.cluster.local';
    const dest = (version: string) => ({ destination_service: host, destination_version: version, destination_service_name: 'reviews', destination_service_namespace: 'shop' });
    testRules(r, [
      { name: 'healthy', series: istioSeries([{ labels: dest('v1'), sim: { rps: 9 } }, { labels: dest('v2'), sim: { rps: 1 } }], MINUTES), firing: [] },
      {
        name: 'skewed',
        series: istioSeries([{ labels: dest('v1'), sim: { rps: 4 } }, { labels: dest('v2'), sim: { rps: 6, errors: 3 } }], MINUTES),
        firing: [
          { kind: 'split-share', pool: `${host}|v2`, value: 0.6 },
          { kind: 'pool-5xx', pool: `${host}|v2`, value: 0.5 },
        ],
      },
      {
        name: 'v2 gets nothing',
        series: istioSeries([{ labels: dest('v1'), sim: { rps: 10 } }, { labels: dest('v2'), sim: { rps: 0 } }], MINUTES),
        firing: [{ kind: 'pool-no-traffic', pool: `${host}|v2`, value: 0 }],
      },
    ]);
  });

  it('Kubernetes Ingress with ingress-nginx: 5xx of a Service, a Service without traffic', () => {
    const r = alertsFor('ingress.yaml', INGRESS);
    const svc = (service: string, rps: number, errors = 0) => ({ namespace: 'shop', service, ingress: 'web', sim: { rps, errors } });
    testRules(r, [
      { name: 'healthy', series: ingressNginxSeries([svc('web', 10), svc('api', 2)], MINUTES), firing: [] },
      { name: '5xx', series: ingressNginxSeries([svc('web', 10, 4), svc('api', 2)], MINUTES), firing: [{ kind: 'pool-5xx', pool: 'shop/web', value: 0.4 }] },
      { name: 'api idle', series: ingressNginxSeries([svc('web', 10), svc('api', 0)], MINUTES), firing: [{ kind: 'pool-no-traffic', pool: 'shop/api', value: 0 }] },
    ]);
  });
});
