import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeModel } from '../../../server/src/analysis/analyze';
import { kubernetesFormat } from '../../../server/src/formats/kubernetes';
import { NO_FILES, type FormatHost } from '../../../server/src/formats/types';
import type { TrafficModel } from '../../../server/src/model/types';

const URI = 'file:///repo/k8s/route.yaml';
const yaml = (...lines: string[]) => lines.join('\n');
const parse = (text: string, host: FormatHost = NO_FILES) => kubernetesFormat.parse(URI, text, host);
const rules = (m: TrafficModel) => analyzeModel(m).diagnostics.map((d) => d.ruleId);

/** A folder holding the document and the given siblings. */
function folder(files: Record<string, string>): FormatHost {
  const all: Record<string, string> = { ...files };
  return {
    readFile: (uri) => all[uri],
    glob: (pattern) => {
      const ext = pattern.replace('*.', '');
      return [URI, ...Object.keys(all)].filter((u) => u.endsWith(`.${ext}`)).sort();
    },
  };
}

function shares(m: TrafficModel, routeIndex = 0): Record<string, number> {
  const a = analyzeModel(m);
  const route = m.routes.find((r) => r.evaluation.index === routeIndex && r.evaluation.group === 'rules') ?? m.routes[routeIndex];
  const d = a.distributions.get(route.id)!;
  return Object.fromEntries(d.shares.map((s) => [s.pool.name, Math.round(s.share * 1000) / 1000]));
}

const HTTPROUTE = (rulesYaml: string) => yaml(
  'apiVersion: gateway.networking.k8s.io/v1',
  'kind: HTTPRoute',
  'metadata:',
  '  name: web',
  'spec:',
  '  parentRefs:',
  '  - name: gw',
  '  rules:',
  rulesYaml,
);

describe('kubernetes: detection by content', () => {
  it('claims Ingress and Gateway API manifests, not plain Deployments/Services, Istio or Traefik CRDs', () => {
    assert.ok(kubernetesFormat.detect('file:///a.yaml', HTTPROUTE('  - {}')) >= 0.9);
    assert.ok(kubernetesFormat.detect('file:///a.yaml', 'apiVersion: networking.k8s.io/v1\nkind: Ingress\n') >= 0.9);
    assert.equal(kubernetesFormat.detect('file:///a.yaml', 'apiVersion: apps/v1\nkind: Deployment\n---\napiVersion: v1\nkind: Service\n'), 0);
    assert.equal(kubernetesFormat.detect('file:///a.yaml', 'apiVersion: networking.istio.io/v1\nkind: Gateway\n'), 0);
    assert.equal(kubernetesFormat.detect('file:///a.yaml', 'apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\n'), 0);
    assert.equal(kubernetesFormat.detect('file:///package.json', '{"name": "x", "version": "1.0.0"}'), 0);
    assert.equal(kubernetesFormat.detect('file:///docker-compose.yml', 'services:\n  web:\n    image: nginx\n'), 0);
  });
});

describe('kubernetes: Gateway API HTTPRoute precedence (HTTPRouteRule API reference)', () => {
  it('orders Exact path > longest PathPrefix > method > most headers > most query params, then written order', () => {
    const m = parse(HTTPROUTE(yaml(
      '  - matches: [{path: {type: PathPrefix, value: /}}]',
      '    backendRefs: [{name: root, port: 80}]',
      '  - matches: [{path: {type: PathPrefix, value: /api}, headers: [{name: x-canary, value: "1"}]}]',
      '    backendRefs: [{name: canary, port: 80}]',
      '  - matches: [{path: {type: PathPrefix, value: /api}}]',
      '    backendRefs: [{name: api, port: 80}]',
      '  - matches: [{path: {type: Exact, value: /api}}]',
      '    backendRefs: [{name: exact, port: 80}]',
      '  - matches: [{path: {type: PathPrefix, value: /api}, method: GET}]',
      '    backendRefs: [{name: get, port: 80}]',
    )));
    const order = m.routes.slice().sort((a, b) => a.evaluation.index - b.evaluation.index)
      .map((r) => (r.target.kind === 'pool' ? r.target.name : r.target.kind));
    assert.deepEqual(order, ['exact', 'get', 'canary', 'api', 'root']);
    assert.ok(m.routes.every((r) => r.evaluation.strategy === 'first-match' && r.evaluation.group === 'rules'));
    assert.deepEqual(rules(m), []);
  });

  it('reports a match repeated in a later rule as unreachable (LB106): the first rule wins a tie', () => {
    const m = parse(HTTPROUTE(yaml(
      '  - matches: [{path: {type: PathPrefix, value: /a}}]',
      '    backendRefs: [{name: one}]',
      '  - matches: [{path: {type: PathPrefix, value: /a/}}]',
      '    backendRefs: [{name: two}]',
    )));
    assert.deepEqual(rules(m), ['LB106']);
  });

  it('a rule without matches matches every request (PathPrefix /) and is the catch-all', () => {
    const m = parse(HTTPROUTE(yaml('  - backendRefs: [{name: web, port: 80}]')));
    assert.equal(m.routes[0].catchAll, true);
    assert.deepEqual(m.routes[0].match, []);
  });
});

/** An HTTPRoute with the given metadata/spec lines (`parentRefs`, `hostnames`, `rules` written by the test). */
const route = (name: string, ...spec: string[]) => yaml(
  'apiVersion: gateway.networking.k8s.io/v1', 'kind: HTTPRoute', `metadata: {name: ${name}}`, 'spec:', ...spec.map((l) => `  ${l}`),
);
const GATEWAY = yaml(
  'apiVersion: gateway.networking.k8s.io/v1', 'kind: Gateway', 'metadata: {name: gw}', 'spec:', '  gatewayClassName: example', '  listeners:',
  '  - {name: http, protocol: HTTP, port: 80}',
  '  - {name: https, protocol: HTTPS, port: 443}',
  '  - {name: tcp, protocol: TCP, port: 5432}',
);
const docs = (...d: string[]) => d.join('\n---\n');
const lb106 = (m: TrafficModel) => analyzeModel(m).diagnostics.filter((d) => d.ruleId === 'LB106').map((d) => d.message.split(' (line')[0]);

describe('kubernetes: Gateway API precedence across the routes of one listener (HTTPRouteRule.matches)', () => {
  it('"Across all rules specified on applicable Routes": a longer PathPrefix or more header matches in another route wins, whatever the order', () => {
    const m = parse(docs(
      route('a-root', 'parentRefs: [{name: gw}]', 'rules:', '- backendRefs: [{name: root}]'),
      route('b-api', 'parentRefs: [{name: gw}]', 'rules:',
        '- matches: [{path: {type: PathPrefix, value: /}, headers: [{name: x-canary, value: "1"}]}]', '  backendRefs: [{name: canary}]',
        '- matches: [{path: {type: Exact, value: /healthz}}]', '  backendRefs: [{name: health}]',
        '- matches: [{path: {type: PathPrefix, value: /api}}]', '  backendRefs: [{name: api}]'),
    ));
    assert.equal(m.entries.length, 1);
    const order = m.routes.slice().sort((a, b) => a.evaluation.index - b.evaluation.index)
      .map((r) => (r.target.kind === 'pool' ? r.target.name : r.target.kind));
    assert.deepEqual(order, ['health', 'api', 'canary', 'root']);
    assert.deepEqual(rules(m), []);
  });

  it('identical matches in two routes: "the oldest Route based on creation timestamp" wins, the other is unreachable (LB106, not LB111)', () => {
    const m = parse(docs(
      route('a-new', 'parentRefs: [{name: gw}]', 'rules:', '- matches: [{path: {value: /api}}]', '  backendRefs: [{name: new}]')
        .replace('metadata: {name: a-new}', 'metadata: {name: a-new, creationTimestamp: "2024-05-02T10:00:00Z"}'),
      route('b-old', 'parentRefs: [{name: gw}]', 'rules:', '- matches: [{path: {value: /api}}]', '  backendRefs: [{name: old}]')
        .replace('metadata: {name: b-old}', 'metadata: {name: b-old, creationTimestamp: "2024-05-01T10:00:00Z"}'),
    ));
    assert.deepEqual(rules(m), ['LB106']);
    assert.deepEqual(lb106(m), ['HTTPRoute a-new rule 1 (path /api) can never match: HTTPRoute b-old rule 1 (path /api)']);
  });

  it('without creationTimestamp (routes applied together) "alphabetical order by {namespace}/{name}" decides', () => {
    const m = parse(docs(
      route('zeta', 'parentRefs: [{name: gw}]', 'rules:', '- backendRefs: [{name: z}]'),
      route('alpha', 'parentRefs: [{name: gw}]', 'rules:', '- backendRefs: [{name: a}]'),
    ));
    assert.deepEqual(lb106(m), ['HTTPRoute zeta rule 1 (path /) can never match: HTTPRoute alpha rule 1 (path /)']);
    const related = analyzeModel(m).diagnostics[0].related![0].range.start.line;
    assert.equal(related, m.routes.find((r) => r.name.startsWith('HTTPRoute alpha'))!.source.range.start.line);
  });

  it('routes on other listeners (sectionName, port) or other Gateways are separate entry points', () => {
    const m = parse(docs(
      GATEWAY,
      route('web', 'parentRefs: [{name: gw, sectionName: http}]', 'rules:', '- backendRefs: [{name: web}]'),
      route('secure', 'parentRefs: [{name: gw, port: 443}]', 'rules:', '- backendRefs: [{name: secure}]'),
      route('other', 'parentRefs: [{name: other-gw}]', 'rules:', '- backendRefs: [{name: other}]'),
    ));
    assert.deepEqual(m.entries.map((e) => e.name), ['Gateway gw/http', 'Gateway gw/https', 'Gateway other-gw']);
    assert.deepEqual(m.entries.map((e) => e.listen), [['gw/http :80'], ['gw/https :443'], ['other-gw']]);
    assert.deepEqual(rules(m), []);
  });

  it('a route attached to the whole Gateway joins every HTTP listener; listeners with the same routes share one table', () => {
    const m = parse(docs(
      GATEWAY,
      route('all', 'parentRefs: [{name: gw}]', 'rules:', '- matches: [{path: {value: /api}}]', '  backendRefs: [{name: all}]'),
      route('https-only', 'parentRefs: [{name: gw, sectionName: https}]', 'rules:', '- matches: [{path: {value: /api}}]', '  backendRefs: [{name: one}]'),
    ));
    // http: only "all"; https: "all" and "https-only" ("all" < "https-only" alphabetically); never the TCP listener.
    assert.deepEqual(m.entries.map((e) => e.name), ['Gateway gw/http', 'Gateway gw/https']);
    assert.deepEqual(lb106(m), ['HTTPRoute https-only rule 1 (path /api) can never match: HTTPRoute all rule 1 (path /api)']);
    const alone = parse(docs(GATEWAY, route('all', 'parentRefs: [{name: gw}]', 'rules:', '- backendRefs: [{name: all}]')));
    assert.deepEqual(alone.entries.map((e) => [e.name, e.listen]), [['Gateway gw (http, https)', ['gw/http :80', 'gw/https :443']]]);
    assert.equal(alone.routes.length, 1);
  });

  it('HTTPRouteSpec.hostnames: routes with other hostnames share the listener\'s table, more specific hostnames first, and never shadow each other; a listener hostname must intersect', () => {
    const m = parse(docs(
      route('any', 'parentRefs: [{name: gw}]', 'rules:', '- backendRefs: [{name: any}]'),
      route('foo', 'parentRefs: [{name: gw}]', 'hostnames: [foo.example.com]', 'rules:', '- backendRefs: [{name: foo}]'),
      route('wild', 'parentRefs: [{name: gw}]', 'hostnames: ["*.example.com"]', 'rules:', '- backendRefs: [{name: wild}]'),
    ));
    assert.equal(m.entries.length, 1);
    assert.deepEqual(m.routes.map((r) => (r.target.kind === 'pool' ? r.target.name : '')), ['foo', 'wild', 'any']);
    assert.deepEqual(rules(m), []);
    const gw = GATEWAY.replace('{name: http, protocol: HTTP, port: 80}', '{name: http, protocol: HTTP, port: 80, hostname: "*.example.com"}');
    const n = parse(docs(gw, route('net', 'parentRefs: [{name: gw, sectionName: http}]', 'hostnames: [foo.example.net]', 'rules:', '- backendRefs: [{name: net}]')));
    assert.deepEqual(n.entries.map((e) => [e.name, e.listen]), [['HTTPRoute net foo.example.net', ['no listener accepts it']]]);
  });

  it('allowedRoutes: a route of another namespace attaches only where the listener allows it (default "Same")', () => {
    const other = (name: string) => route(name, 'parentRefs: [{name: gw, namespace: default}]', 'rules:', '- backendRefs: [{name: x}]')
      .replace(`metadata: {name: ${name}}`, `metadata: {name: ${name}, namespace: team}`);
    const m = parse(docs(GATEWAY, route('local', 'parentRefs: [{name: gw}]', 'rules:', '- backendRefs: [{name: y}]'), other('remote')));
    assert.deepEqual(m.entries.map((e) => e.name), ['Gateway gw (http, https)', 'HTTPRoute remote']);
    assert.deepEqual(rules(m), []);
    const all = parse(docs(GATEWAY.replace(/port: (80|443)\}/g, 'port: $1, allowedRoutes: {namespaces: {from: All}}}'), route('local', 'parentRefs: [{name: gw}]', 'rules:', '- backendRefs: [{name: y}]'), other('remote')));
    assert.deepEqual(lb106(all), ['HTTPRoute remote rule 1 (path /) can never match: HTTPRoute local rule 1 (path /)']);
  });

  it('RegularExpression paths ("implementation-specific" precedence) are neither shadowed by nor shadow PathPrefix rules', () => {
    const m = parse(HTTPROUTE(yaml(
      '  - backendRefs: [{name: root}]',
      '  - matches: [{path: {type: RegularExpression, value: "/v[0-9]+/.*"}}]', '    backendRefs: [{name: versioned}]',
      '  - matches: [{path: {type: RegularExpression, value: "/v[0-9]+/.*"}}]', '    backendRefs: [{name: again}]',
    )));
    assert.deepEqual(lb106(m), ['HTTPRoute web rule 3 (path ~ /v[0-9]+/.*) can never match: HTTPRoute web rule 2 (path ~ /v[0-9]+/.*)']);
  });

  it('GRPCRoutes and HTTPRoutes on one listener are separate tables ("Merging MUST not be done")', () => {
    const grpc = yaml('apiVersion: gateway.networking.k8s.io/v1', 'kind: GRPCRoute', 'metadata: {name: rpc}', 'spec:', '  parentRefs: [{name: gw}]', '  rules:', '  - backendRefs: [{name: rpc}]');
    const m = parse(docs(route('web', 'parentRefs: [{name: gw}]', 'rules:', '- backendRefs: [{name: web}]'), grpc));
    assert.deepEqual(m.entries.map((e) => e.name), ['Gateway gw', 'Gateway gw (gRPC)']);
    assert.deepEqual(rules(m), []);
  });

  it('routes of sibling files join the table of a Gateway defined among the manifests, and only then', () => {
    const mine = route('shop', 'parentRefs: [{name: gw}]', 'rules:', '- matches: [{path: {value: /cart}}]', '  backendRefs: [{name: cart}]');
    const theirs = route('cart', 'parentRefs: [{name: gw}]', 'rules:', '- matches: [{path: {value: /cart/}}]', '  backendRefs: [{name: cart-v2}]');
    const m = parse(mine, folder({ 'file:///repo/k8s/gateway.yaml': GATEWAY, 'file:///repo/k8s/cart.yaml': theirs }));
    // "cart" sorts before "shop": the sibling's rule takes every /cart request.
    assert.deepEqual(lb106(m), ['HTTPRoute shop rule 1 (path /cart) can never match: HTTPRoute cart rule 1 (path /cart/)']);
    assert.ok(m.files.includes('file:///repo/k8s/cart.yaml'));
    assert.equal(m.routes.find((r) => r.name.startsWith('HTTPRoute cart'))!.source.uri, 'file:///repo/k8s/cart.yaml');
    // The finding belongs to this file; the sibling's own analysis shows nothing of this file's routes' problems.
    const a = analyzeModel(m);
    assert.deepEqual(a.diagnostics.map((d) => d.uri), [URI]);
    // Without the Gateway manifest the set attached to it is unknown: each file's routes stay apart.
    assert.deepEqual(rules(parse(mine, folder({ 'file:///repo/k8s/cart.yaml': theirs }))), []);
  });

  it('an object written twice in one file is the last one (kubectl applies the documents in order); the first gets LB111', () => {
    const first = route('web', 'parentRefs: [{name: gw}]', 'rules:', '- backendRefs: [{name: old}]');
    const second = route('web', 'parentRefs: [{name: gw}]', 'rules:', '- backendRefs: [{name: new}]');
    const m = parse(docs(GATEWAY, first, second));
    assert.deepEqual(m.routes.map((r) => r.target.kind === 'pool' || r.target.kind === 'split' ? JSON.stringify(r.target).match(/"name":"([^"]+)"/)![1] : r.target.kind), ['new']);
    const found = analyzeModel(m).diagnostics.filter((d) => d.ruleId === 'LB111');
    assert.equal(found.length, 1);
    assert.equal(found[0].severity, 'warning');
    assert.match(found[0].message, /^HTTPRoute web is defined again at line \d+; only that later definition takes effect/);
    const text = docs(GATEWAY, first, second);
    assert.equal(found[0].range.start.line, text.split('\n').findIndex((l) => l.includes('name: web')));
    assert.deepEqual(rules(parse(docs(GATEWAY, first, second.replace('{name: web}', '{name: web, namespace: other}')))).filter((r) => r === 'LB111'), [], 'another namespace is another object');
  });

  it('a sibling manifest with this file\'s kind, namespace and name is the same cluster object, not a second route (a folder of examples)', () => {
    const mine = route('http-filter-1', 'parentRefs: [{name: gw}]', 'rules:', '- backendRefs: [{name: web}]');
    const again = route('http-filter-1', 'parentRefs: [{name: gw}]', 'rules:', '- backendRefs: [{name: other}]');
    const m = parse(mine, folder({ 'file:///repo/k8s/gateway.yaml': GATEWAY, 'file:///repo/k8s/a.yaml': again, 'file:///repo/k8s/b.yaml': again }));
    assert.deepEqual(m.routes.filter((r) => r.name.startsWith('HTTPRoute http-filter-1')).map((r) => r.source.uri), [URI]);
    assert.deepEqual(lb106(m), []);
    // Another name is another object: both join the listener's table.
    const n = parse(mine, folder({ 'file:///repo/k8s/gateway.yaml': GATEWAY, 'file:///repo/k8s/a.yaml': again.replace('{name: http-filter-1}', '{name: http-filter-0}') }));
    assert.deepEqual(n.routes.map((r) => r.name.split(' rule')[0]).sort(), ['HTTPRoute http-filter-0', 'HTTPRoute http-filter-1']);
    assert.deepEqual(lb106(n), ['HTTPRoute http-filter-1 rule 1 (path /) can never match: HTTPRoute http-filter-0 rule 1 (path /)']);
  });
});

describe('kubernetes: backendRefs weights (BackendRef.weight)', () => {
  it('weight defaults to 1 and shares are per Service', () => {
    const m = parse(HTTPROUTE(yaml('  - backendRefs: [{name: a}, {name: b, weight: 3}]')));
    assert.deepEqual(shares(m), { a: 0.25, b: 0.75 });
  });

  it('a deliberate 100/0 traffic shift between Services is not LB101', () => {
    const m = parse(HTTPROUTE(yaml('  - backendRefs: [{name: blue, weight: 100}, {name: green, weight: 0}]')));
    assert.deepEqual(shares(m), { blue: 1, green: 0 });
    assert.deepEqual(rules(m), []);
  });

  it('all weights 0 leaves no backend: LB104 (Gateway weights all zero)', () => {
    const m = parse(HTTPROUTE(yaml('  - backendRefs: [{name: blue, weight: 0}, {name: green, weight: 0}]')));
    assert.deepEqual(rules(m), ['LB104']);
    const single = parse(HTTPROUTE(yaml('  - backendRefs: [{name: blue, weight: 0}]')));
    assert.deepEqual(rules(single), ['LB104']);
  });

  it('a negative weight is rejected (LB002)', () => {
    const m = parse(HTTPROUTE(yaml('  - backendRefs: [{name: blue, weight: -1}]')));
    assert.ok(rules(m).includes('LB002'));
  });

  it('GRPCRoute, TCPRoute and TLSRoute rules become routes with weighted backends', () => {
    const m = parse(yaml(
      'apiVersion: gateway.networking.k8s.io/v1alpha2', 'kind: TCPRoute', 'metadata: {name: db}', 'spec:', '  rules:',
      '  - backendRefs: [{name: pg-a, port: 5432, weight: 1}, {name: pg-b, port: 5432, weight: 1}]',
      '---',
      'apiVersion: gateway.networking.k8s.io/v1', 'kind: GRPCRoute', 'metadata: {name: rpc}', 'spec:', '  rules:',
      '  - matches: [{method: {service: foo.Bar}}]', '    backendRefs: [{name: bar}]',
      '  - matches: [{method: {service: foo.Bar, method: Get}}]', '    backendRefs: [{name: get}]',
    ));
    assert.equal(m.entries.length, 2);
    assert.equal(m.routes.length, 3);
    const grpc = m.routes.filter((r) => r.name.startsWith('GRPCRoute')).sort((a, b) => a.evaluation.index - b.evaluation.index);
    assert.deepEqual(grpc.map((r) => (r.target.kind === 'pool' ? r.target.name : '')), ['get', 'bar']);
  });
});

describe('kubernetes: Ingress (ingress path types)', () => {
  const ING = yaml(
    'apiVersion: networking.k8s.io/v1', 'kind: Ingress', 'metadata: {name: shop}', 'spec:',
    '  defaultBackend: {service: {name: fallback, port: {number: 80}}}',
    '  rules:', '  - host: shop.example.com', '    http:', '      paths:',
    '      - {path: /cart, pathType: Exact, backend: {service: {name: cart, port: {number: 80}}}}',
    '      - {path: /api/, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}',
    '      - {path: /api, pathType: Prefix, backend: {service: {name: api2, port: {number: 80}}}}',
    '      - {path: /legacy, pathType: ImplementationSpecific, backend: {service: {name: legacy, port: {name: http}}}}',
  );

  it('Exact paths are exact lookups, Prefix longest-prefix (trailing slash ignored), ImplementationSpecific its own group', () => {
    const m = parse(ING);
    const byTarget = Object.fromEntries(m.routes.map((r) => [r.target.kind === 'pool' ? r.target.name : '?', r]));
    assert.equal(byTarget.cart.evaluation.strategy, 'exact');
    assert.equal(byTarget.api.evaluation.strategy, 'longest-prefix');
    assert.deepEqual(byTarget.api.match.find((c) => c.field === 'path'), { field: 'path', op: 'prefix', value: '/api' });
    assert.notEqual(byTarget.legacy.evaluation.group, byTarget.api.evaluation.group);
    assert.equal(byTarget.fallback.catchAll, true);
    // `/api/` and `/api` are the same Prefix path: two definitions of one match (LB111).
    assert.deepEqual(rules(m), ['LB111']);
  });

  it('legacy v1beta1 serviceName/servicePort backends', () => {
    const m = parse(yaml(
      'apiVersion: extensions/v1beta1', 'kind: Ingress', 'metadata: {name: old}', 'spec:', '  rules:', '  - http:', '      paths:',
      '      - path: /', '        backend: {serviceName: web, servicePort: 80}',
    ));
    assert.equal(m.routes[0].target.kind, 'pool');
    assert.equal(m.pools[0].servers[0].address, 'web.default:80');
    assert.equal(m.pools[0].servers[0].kind, 'service');
  });
});

describe('kubernetes: Services across files (open world unless the whole set was seen)', () => {
  const ING = yaml(
    'apiVersion: networking.k8s.io/v1', 'kind: Ingress', 'metadata: {name: shop}', 'spec:', '  rules:', '  - http:', '      paths:',
    '      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}',
    '      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}',
  );
  const SVC = (name: string) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  ports: [{port: 80}]\n`;

  it('stays quiet about Services it cannot see (single file, or no Service manifests around)', () => {
    assert.equal(parse(ING).closedWorld, false);
    assert.deepEqual(rules(parse(ING)), []);
    const m = parse(ING, folder({ 'file:///repo/k8s/deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\n' }));
    assert.equal(m.closedWorld, false);
    assert.deepEqual(rules(m), []);
  });

  it('resolves Services of sibling files and reports one missing from the whole set (LB103)', () => {
    const m = parse(ING, folder({ 'file:///repo/k8s/svc.yaml': SVC('web') }));
    assert.equal(m.closedWorld, true);
    const a = analyzeModel(m);
    assert.deepEqual(a.diagnostics.map((d) => `${d.ruleId} ${d.message}`), ['LB103 "api" is not defined.']);
    assert.equal(m.pools.find((p) => p.name === 'web')!.source.uri, 'file:///repo/k8s/svc.yaml');
  });

  it('a route whose Services are all defined elsewhere stays open, even next to Service manifests (another application)', () => {
    const dashboard = yaml(
      'apiVersion: networking.k8s.io/v1', 'kind: Ingress', 'metadata: {name: dash}', 'spec:', '  rules:', '  - http:', '      paths:',
      '      - {path: /, pathType: Prefix, backend: {service: {name: kubernetes-dashboard, port: {number: 443}}}}',
    );
    const m = parse(`${dashboard}\n---\n${SVC('oauth2-proxy')}`, folder({}));
    assert.deepEqual(rules(m), []);
  });

  it('Service manifests in the same file count too', () => {
    const m = parse(`${ING}\n---\n${SVC('web')}---\n${SVC('api')}`, folder({}));
    assert.equal(m.closedWorld, true);
    assert.deepEqual(rules(m), []);
  });
});

describe('kubernetes: syntax, comments, multi-document files', () => {
  it('odd Gateway API input never throws', () => {
    for (const text of [
      docs(GATEWAY.replace('listeners:', 'listeners: 3\n  x:'), route('a', 'parentRefs: [3, {name: gw, port: "x"}, {}]', 'rules: [1, {matches: 2}]')),
      docs('apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec: {listeners: [{}, 1]}', route('b', 'parentRefs: {name: gw}', 'hostnames: 7', 'rules:', '- backendRefs: {}')),
      route('c', 'parentRefs: [{name: gw, kind: Service}]', 'rules:', '- matches: [{path: {type: RegularExpression}}]'),
    ]) assert.doesNotThrow(() => rules(parse(text, folder({ 'file:///repo/k8s/gw.yaml': '{{ .Values }}' }))), text);
  });


  it('YAML errors are LB001 and comments are kept for suppressions', () => {
    const m = parse(HTTPROUTE(yaml('  # lb-lens-disable-next-line LB104', '  - backendRefs: [{name: a, weight: 0}]', '  - backendRefs: [{name: b')));
    assert.ok(m.problems.some((p) => p.ruleId === 'LB001'));
    assert.ok(m.comments.some((c) => c.text.includes('lb-lens-disable')));
  });
});
