import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALERT_NAMES, durationSeconds, generateAlerts, parseSelector, ALERT_DEFAULTS } from '../../../server/src/service/alerts';
import { alertsFor, analyzeText, istioReviews, rulesOf, TRAEFIK } from '../../helpers/alerts';
import { envoyBootstrap } from '../../helpers/envoy';

const HAPROXY = `frontend fe
  bind :80
  use_backend be_api if { path_beg /api }
  default_backend be_web

backend be_web
  balance roundrobin
  server web1 10.0.0.1:80 check
  server web2 10.0.0.2:80 check
  server web3 10.0.0.3:80 check backup
  server web4 10.0.0.4:80 check disabled
  server web5 10.0.0.5:80 check weight 0

backend be_api
  server api1 10.0.1.1:80 weight 3 check
  server api2 10.0.1.2:80 weight 1 check

backend be_unused
  server u1 10.0.9.1:80
`;

const kinds = (rules: ReturnType<typeof rulesOf>, server?: string) => rules.filter((r) => r.server === server).map((r) => r.kind).sort();

test('HAProxy: per-server share thresholds are the configured share plus the margin; rule labels and annotations name the file and line', () => {
  const r = alertsFor('haproxy.cfg', HAPROXY);
  assert.equal(r.exporter.id, 'haproxy');
  const rules = rulesOf(r);
  const share = (server: string) => rules.find((x) => x.kind === 'server-share' && x.server === server)!;
  assert.equal(share('web1').configured, 0.5);
  assert.equal(share('web1').threshold, 0.6);
  assert.equal(share('api1').threshold, 0.85);
  assert.equal(share('api2').threshold, 0.35);
  assert.match(share('api2').expr, /haproxy_server_http_responses_total\{proxy="be_api",server="api2"\}\[5m\]/);
  assert.match(share('api2').expr, /> 0\.35\nand on\(\) sum\(rate\(haproxy_server_http_responses_total\{proxy="be_api"\}\[5m\]\)\) >= 1\n/);
  // The configured share holds while both servers sharing the pool are healthy.
  assert.match(share('api2').expr, /\nand on\(\) count\(haproxy_server_status\{state="DOWN",proxy="be_api",server=~"api1\|api2"\} == 0\) >= 2$/);
  assert.equal(share('api2').alert, ALERT_NAMES['server-share']);
  assert.equal(share('api2').annotations.lb_lens_source, 'haproxy.cfg:16');
  assert.equal(share('api2').annotations.lb_lens_configured_share, '25%');
  assert.deepEqual(share('api2').labels, {
    severity: 'warning', lb_lens_rule: 'server-share', lb_lens_exporter: 'haproxy', lb_lens_config: 'haproxy.cfg', lb_lens_pool: 'be_api', lb_lens_server: 'api2',
  });
  assert.match(share('api2').comment, /^haproxy\.cfg:16 api2: configured 25% of be_api, alert above 35%$/);
  assert.ok(r.groups.some((g) => g.name === 'lb-lens haproxy.cfg:14 backend be_api'));
  assert.match(r.text, /^ {2}- name: "lb-lens haproxy\.cfg:6 backend be_web"$/m);
});

test('backups, disabled servers and weight 0 get no "should get traffic" rule, but traffic above the margin still alerts', () => {
  const rules = rulesOf(alertsFor('haproxy.cfg', HAPROXY));
  assert.deepEqual(kinds(rules, 'web1'), ['server-no-traffic', 'server-share']);
  for (const s of ['web3', 'web4', 'web5']) {
    assert.deepEqual(kinds(rules, s), ['server-share'], s);
    const rule = rules.find((x) => x.server === s)!;
    assert.equal(rule.configured, 0);
    assert.equal(rule.threshold, 0.1);
  }
  assert.match(rules.find((x) => x.server === 'web3')!.annotations.description, /web3 \(backup\)/);
  assert.match(rules.find((x) => x.server === 'web5')!.annotations.description, /web5 \(weight 0\)/);
});

test('pool rules: 5xx ratio, no traffic, one-server skew guarded by two servers up; an unused pool gets nothing and is listed', () => {
  const r = alertsFor('haproxy.cfg', HAPROXY, { errorRatio: 0.02, skew: 0.8 });
  const rules = rulesOf(r);
  const web = rules.filter((x) => x.pool === 'be_web' && !x.server).map((x) => x.kind).sort();
  assert.deepEqual(web, ['pool-5xx', 'pool-no-traffic', 'pool-skew']);
  const skew = rules.find((x) => x.kind === 'pool-skew' && x.pool === 'be_web')!;
  assert.match(skew.expr, /sum by \(server\) \(rate\(haproxy_server_http_responses_total\{proxy="be_web"\}\[5m\]\)\)\n\/ on\(\) group_left\(\)/);
  assert.match(skew.expr, /> 0\.8\n/);
  // Only the servers that share the pool count as "others healthy".
  assert.match(skew.expr, /count\(haproxy_server_status\{state="DOWN",proxy="be_web",server=~"web1\|web2"\} == 0\) >= 2$/);
  assert.deepEqual(skew.resultLabels, ['server']);
  assert.match(skew.annotations.summary, /\{\{ \$labels\.server \}\}/);
  const err = rules.find((x) => x.kind === 'pool-5xx' && x.pool === 'be_api')!;
  assert.match(err.expr, /haproxy_backend_http_responses_total\{code="5xx",proxy="be_api"\}/);
  assert.match(err.expr, /\) > 0\.02\n/);
  const none = rules.find((x) => x.kind === 'pool-no-traffic' && x.pool === 'be_api')!;
  assert.match(none.expr, /^sum\(rate\(haproxy_backend_http_requests_total\{proxy="be_api"\}\[30m\]\)\) == 0\nand on\(\) sum\(rate\(haproxy_backend_http_requests_total\[30m\]\)\) >= 1$/);
  assert.match(none.annotations.description, /use_backend be_api if \{ path_beg \/api \} \(haproxy\.cfg:3\)/);
  assert.ok(!rules.some((x) => x.pool === 'be_unused'));
  assert.ok(r.notes.some((n) => /no route sends traffic to pool be_unused \(haproxy\.cfg:18\)/.test(n)));
  assert.match(r.text, /^# {3}- no route sends traffic to pool be_unused/m);
});

test('a server with no traffic while up: the guard asks for enough pool traffic that a healthy server sees 20 requests in the window', () => {
  const rules = rulesOf(alertsFor('haproxy.cfg', HAPROXY, { minRate: 0.01 }));
  const api2 = rules.find((x) => x.kind === 'server-no-traffic' && x.server === 'api2')!;
  // 25% of the pool over 300 s: 20 / (0.25 × 300) = 0.266667 req/s.
  assert.match(api2.expr, />= 0\.266667\n/);
  assert.match(api2.expr, /and on\(\) count\(haproxy_server_status\{state="DOWN",proxy="be_api",server="api2"\} == 0\) >= 1$/);
  const big = rulesOf(alertsFor('haproxy.cfg', HAPROXY, { minRate: 5 })).find((x) => x.kind === 'server-no-traffic' && x.server === 'api2')!;
  assert.match(big.expr, />= 5\n/);
});

test('a share whose threshold reaches 100% gets no share rule; a pool whose largest share reaches the skew gets no skew rule', () => {
  const cfg = 'frontend fe\n  bind :80\n  default_backend b\nbackend b\n  server a 10.0.0.1:80 weight 95\n  server c 10.0.0.2:80 weight 5\n';
  const rules = rulesOf(alertsFor('haproxy.cfg', cfg));
  assert.deepEqual(kinds(rules, 'a'), ['server-no-traffic']);
  assert.deepEqual(kinds(rules, 'c'), ['server-no-traffic', 'server-share']);
  assert.ok(!rules.some((x) => x.kind === 'pool-skew'));
});

test('pools whose servers are discovered at run time get pool-level rules only, and the output says so', () => {
  const cfg = 'resolvers dns\n  nameserver ns 10.0.0.53:53\nfrontend fe\n  bind :80\n  default_backend b\nbackend b\n  server-template srv 5 app.internal:80 check resolvers dns\n';
  const r = alertsFor('haproxy.cfg', cfg);
  assert.deepEqual(rulesOf(r).map((x) => x.kind).sort(), ['pool-5xx', 'pool-no-traffic']);
  assert.ok(r.notes.some((n) => /backend b \(haproxy\.cfg:6\): its servers are discovered at run time: pool-level rules only/.test(n)), r.notes.join('\n'));
  assert.match(r.text, /discovered at run time: pool-level rules only/);
});

test('hash-based balancing: no per-server share rule (shares follow the keys), the skew rule stays', () => {
  const cfg = 'frontend fe\n  bind :80\n  default_backend b\nbackend b\n  balance source\n  server a 10.0.0.1:80\n  server c 10.0.0.2:80\n';
  const r = alertsFor('haproxy.cfg', cfg);
  const got = rulesOf(r).map((x) => x.kind).sort();
  assert.deepEqual(got, ['pool-5xx', 'pool-no-traffic', 'pool-skew', 'server-no-traffic', 'server-no-traffic']);
  assert.ok(r.notes.some((n) => /algorithm "source"/.test(n)));
});

test('balance first: the first server takes everything by design, so no skew or share rule alerts on it', () => {
  const cfg = 'frontend fe\n  bind :80\n  default_backend b\nbackend b\n  balance first\n  server a 10.0.0.1:80\n  server c 10.0.0.2:80\n';
  const kindsAll = rulesOf(alertsFor('haproxy.cfg', cfg)).map((x) => x.kind).sort();
  assert.deepEqual(kindsAll, ['pool-5xx', 'pool-no-traffic']);
});

test('options: selectors are added to every selector; thresholds, durations and severity follow the options', () => {
  const r = alertsFor('haproxy.cfg', HAPROXY, {
    selectors: [{ label: 'job', op: '=', value: 'haproxy' }], window: '2m', forDuration: '15m', noTrafficWindow: '1h', severity: 'page', margin: 0.2,
  });
  for (const rule of rulesOf(r)) {
    for (const sel of rule.expr.match(/haproxy_\w+(\{[^}]*\})?/g)!) assert.match(sel, /job="haproxy"/, `${rule.kind}: ${sel}`);
    assert.equal(rule.for, '15m');
    assert.equal(rule.labels.severity, 'page');
  }
  const share = rulesOf(r).find((x) => x.kind === 'server-share' && x.server === 'api2')!;
  assert.equal(share.threshold, 0.45);
  assert.match(share.expr, /\[2m\]/);
  assert.match(rulesOf(r).find((x) => x.kind === 'pool-no-traffic')!.expr, /\[1h\]/);
});

test('names with quotes and backslashes are escaped in label values, matchers and YAML', () => {
  const cfg = 'frontend fe\n  bind :80\n  default_backend b\nbackend b\n  server "a\\"x" 10.0.0.1:80\n  server c 10.0.0.2:80\n';
  const r = alertsFor('haproxy.cfg', cfg);
  const names = rulesOf(r).filter((x) => x.server !== undefined).map((x) => x.server!);
  const odd = names.find((n) => n !== 'c');
  assert.ok(odd, names.join(','));
  const rule = rulesOf(r).find((x) => x.server === odd && x.kind === 'server-share')!;
  assert.ok(rule.expr.includes(`server=${JSON.stringify(odd)}`));
  assert.ok(r.text.includes(`lb_lens_server: ${JSON.stringify(odd)}`));
});

test('Envoy: cluster and per-endpoint series; endpoints written as DNS names get cluster rules only; a split shared with another route is not watched', () => {
  const cfg = envoyBootstrap(`              - match: { prefix: "/canary" }
                route:
                  weighted_clusters:
                    clusters:
                    - { name: api, weight: 90 }
                    - { name: dns, weight: 10 }
              - match: { prefix: "/" }
                route: { cluster: api }`, `  - name: api
    type: STATIC
    load_assignment:
      cluster_name: api
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 80 } } }
        - endpoint: { address: { socket_address: { address: 10.0.0.2, port_value: 80 } } }
          load_balancing_weight: 3
  - name: dns
    type: STRICT_DNS
    load_assignment:
      cluster_name: dns
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: a.internal, port_value: 80 } } }
        - endpoint: { address: { socket_address: { address: b.internal, port_value: 80 } } }
`, { port: 8080 });
  const r = alertsFor('envoy.yaml', cfg);
  assert.equal(r.exporter.id, 'envoy');
  const rules = rulesOf(r);
  const share = rules.find((x) => x.kind === 'server-share' && x.server === '10.0.0.2:80')!;
  assert.equal(share.configured, 0.75);
  assert.match(share.expr, /envoy_cluster_endpoint_rq_total\{envoy_cluster_name="api",envoy_endpoint_address="10\.0\.0\.2:80"\}/);
  const err = rules.find((x) => x.kind === 'pool-5xx' && x.pool === 'api')!;
  assert.match(err.expr, /envoy_cluster_upstream_rq_xx\{envoy_response_code_class="5",envoy_cluster_name="api"\}/);
  // The skew rule groups by whatever addresses Envoy resolved; per-server rules need the address itself.
  assert.deepEqual(rules.filter((x) => x.pool === 'dns').map((x) => x.kind).sort(), ['pool-5xx', 'pool-no-traffic', 'pool-skew']);
  assert.ok(r.notes.some((n) => /a\.internal:80 is a DNS name/.test(n)), r.notes.join('\n'));
  assert.ok(r.notes.some((n) => /its split is not watched: api also gets requests from other routes/.test(n)), r.notes.join('\n'));
  assert.ok(!rules.some((x) => x.kind === 'split-share'));
  assert.match(r.text, /per_endpoint_stats: true/);
});


test('Traefik: services matched as name@provider; no per-server counters, so servers with a share get a down rule when health-checked; the split is watched', () => {
  const r = alertsFor('dynamic.yml', TRAEFIK);
  assert.equal(r.exporter.id, 'traefik');
  const rules = rulesOf(r);
  const down = rules.filter((x) => x.kind === 'server-down');
  assert.deepEqual(down.map((x) => x.server), ['http://10.0.0.1:80', 'http://10.0.0.2:80']);
  assert.equal(down[0].expr, 'max(traefik_service_server_up{service=~"web@.+",url="http://10.0.0.1:80"}) == 0');
  assert.ok(!rules.some((x) => x.kind === 'server-share' || x.kind === 'pool-skew'));
  assert.ok(r.notes.some((n) => /loadBalancer blue .* no health check/.test(n)));
  const split = rules.filter((x) => x.kind === 'split-share');
  // blue's 90% + 10 points reaches 100%: only green has a threshold.
  assert.deepEqual(split.map((x) => [x.pool, x.configured, x.threshold]), [['green', 0.1, 0.2]]);
  assert.equal(split[0].labels.lb_lens_route, 'router r1');
  assert.match(split[0].expr, /traefik_service_requests_total\{service=~"green@\.\+"\}/);
  assert.match(split[0].expr, /or on\(\) vector\(0\)\)\n {4}\+ \(sum/);
  assert.match(rules.find((x) => x.kind === 'pool-5xx' && x.pool === 'web')!.expr, /code=~"5\.\."/);
});

test('Istio: subsets are matched by destination_service and destination_version, with reporter="source"', () => {
  const cfg = istioReviews(75, 25);
  const r = alertsFor('reviews.yaml', cfg);
  assert.equal(r.exporter.id, 'istio');
  const split = rulesOf(r).filter((x) => x.kind === 'split-share');
  assert.deepEqual(split.map((x) => [x.pool, x.configured, x.threshold]), [
    ['reviews.shop.svc.cluster.local|v1', 0.75, 0.85], ['reviews.shop.svc.cluster.local|v2', 0.25, 0.35],
  ]);
  assert.match(split[1].expr, /istio_requests_total\{reporter="source",destination_service="reviews\.shop\.svc\.cluster\.local",destination_version="v2"\}/);
});

test('Kubernetes: ingress-nginx by default (namespace and service labels), Istio with --exporter istio; an exporter for another product is refused', () => {
  const cfg = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: r
  namespace: shop
spec:
  parentRefs: [{ name: gw }]
  rules:
  - backendRefs:
    - { name: web, port: 80, weight: 90 }
    - { name: web-canary, port: 80, weight: 10 }
`;
  const nginx = alertsFor('route.yaml', cfg);
  assert.equal(nginx.exporter.id, 'ingress-nginx');
  assert.match(rulesOf(nginx).find((x) => x.kind === 'pool-5xx')!.expr, /nginx_ingress_controller_requests\{status=~"5\.\.",namespace="shop",service="web"\}/);
  const istio = alertsFor('route.yaml', cfg, { exporter: 'istio' });
  const split = rulesOf(istio).find((x) => x.kind === 'split-share' && x.pool === 'shop/web-canary')!;
  assert.match(split.expr, /destination_service_namespace="shop",destination_service_name="web-canary"/);
  const bad = generateAlerts(analyzeText('route.yaml', cfg), { ...ALERT_DEFAULTS, selectors: [], show: (u) => u, exporter: 'haproxy' });
  assert.deepEqual(bad, { error: 'exporter "haproxy" does not watch kubernetes configurations' });
  const unknown = generateAlerts(analyzeText('route.yaml', cfg), { ...ALERT_DEFAULTS, selectors: [], show: (u) => u, exporter: 'datadog' });
  assert.match((unknown as { error: string }).error, /^unknown exporter "datadog" \(haproxy, envoy/);
});

test('ALB: target groups with a literal Name are matched on the TargetGroup dimension (YACE or cloudwatch_exporter names); others are listed as not covered', () => {
  const cfg = `AWSTemplateFormatVersion: "2010-09-09"
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
    Properties:
      Name: blue-tg
      Port: 80
      Protocol: HTTP
      VpcId: vpc-1
  Green:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties:
      Name: green.tg
      Port: 80
      Protocol: HTTP
      VpcId: vpc-1
  Other:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties:
      Port: 80
      Protocol: HTTP
      VpcId: vpc-1
  Rule:
    Type: AWS::ElasticLoadBalancingV2::ListenerRule
    Properties:
      ListenerArn: !Ref Listener
      Priority: 1
      Conditions:
        - Field: path-pattern
          Values: ["/other/*"]
      Actions:
        - Type: forward
          TargetGroupArn: !Ref Other
`;
  const yace = alertsFor('template.yaml', cfg);
  assert.equal(yace.exporter.id, 'yace');
  const rules = rulesOf(yace);
  const split = rules.find((x) => x.kind === 'split-share' && x.pool === 'Green')!;
  assert.equal(split.configured, 0.2);
  assert.match(split.expr, /avg_over_time\(aws_applicationelb_request_count_sum\{dimension_TargetGroup=~"targetgroup\/green\\\\\.tg\/\[0-9a-f\]\+"\}\[5m\]\) \/ 300/);
  assert.match(rules.find((x) => x.kind === 'pool-5xx' && x.pool === 'Blue')!.expr, /aws_applicationelb_httpcode_target_5_xx_count_sum\{dimension_TargetGroup=~"targetgroup\/blue-tg\/\[0-9a-f\]\+"\}/);
  assert.ok(!rules.some((x) => x.pool === 'Other'));
  assert.ok(yace.notes.some((n) => /target group Other .*no literal Name/.test(n)), yace.notes.join('\n'));
  const cw = alertsFor('template.yaml', cfg, { exporter: 'cloudwatch-exporter' });
  assert.match(rulesOf(cw).find((x) => x.kind === 'pool-5xx' && x.pool === 'Blue')!.expr, /\{target_group=~"targetgroup\/blue-tg\/\[0-9a-f\]\+"\}\[5m\]\) \/ 60/);
});

test('nginx: NGINX Plus upstream series by upstream and server address; direct proxy_pass targets are not covered', () => {
  const cfg = 'events {}\nhttp {\n  upstream app {\n    zone app 64k;\n    server 10.0.0.1;\n    server 10.0.0.2:8080 weight=3;\n  }\n  server {\n    listen 80;\n    location / { proxy_pass http://app; }\n    location /direct { proxy_pass http://10.0.9.9:80; }\n  }\n}\n';
  const r = alertsFor('nginx.conf', cfg);
  assert.equal(r.exporter.id, 'nginx-plus');
  const share = rulesOf(r).find((x) => x.kind === 'server-share' && x.server === '10.0.0.1')!;
  assert.match(share.expr, /nginxplus_upstream_server_requests\{upstream="app",server="10\.0\.0\.1:80"\}/);
  assert.ok(r.notes.some((n) => /10\.0\.9\.9:80 .*direct proxy_pass/.test(n)), r.notes.join('\n'));
  assert.match(r.text, /Open-source nginx has no per-upstream-server counters/);
});

test('a configuration without pools gives no rules and a valid empty file', () => {
  const r = alertsFor('nginx.conf', 'events {}\nhttp {\n  server {\n    listen 80;\n    location / { return 200 "ok"; }\n  }\n}\n');
  assert.equal(r.ruleCount, 0);
  assert.equal(r.poolsWatched, 0);
  assert.match(r.text, /^groups: \[\]$/m);
});

test('parseSelector and durationSeconds accept PromQL matchers and durations only', () => {
  assert.deepEqual(parseSelector('job="haproxy", env=~"prod|staging"'), [
    { label: 'job', op: '=', value: 'haproxy' }, { label: 'env', op: '=~', value: 'prod|staging' },
  ]);
  assert.deepEqual(parseSelector('{a!="x\\"y"}'), [{ label: 'a', op: '!=', value: 'x"y' }]);
  for (const bad of ['job=haproxy', 'job="a"} or vector(1) {b="c"', '1a="x"', '', 'a="x" b="y"']) assert.ok('error' in parseSelector(bad), bad);
  assert.equal(durationSeconds('5m'), 300);
  assert.equal(durationSeconds('1h30m'), 5400);
  assert.equal(durationSeconds('250ms'), 0.25);
  for (const bad of ['', '5', 'm', '5 m', '0s', '-5m']) assert.equal(durationSeconds(bad), undefined, bad);
});
