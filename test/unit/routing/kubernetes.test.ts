import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RoutingResult } from '../../../server/src/analysis/routing/engine';
import { routes, where } from '../../helpers/routing';

/**
 * The routing engine on Kubernetes Ingress and Gateway API manifests. Each test names the documented rule it
 * checks: the Gateway API reference (HTTPRouteRule, HTTPRouteMatch, HTTPPathMatch, HTTPHeaderMatch,
 * HTTPQueryParamMatch, HTTPRouteSpec.hostnames, Listener, ParentReference, BackendRef, HTTPRequestRedirectFilter,
 * GRPCRouteRule, TLSRoute) and kubernetes.io "Ingress" (Path types, Examples, Hostname wildcards, defaultBackend).
 */

const URI = 'file:///w/k8s/routes.yaml';
const docs = (...d: string[]) => d.join('\n---\n');
const yaml = (...lines: string[]) => lines.join('\n');

const GATEWAY = (...listeners: string[]) => yaml(
  'apiVersion: gateway.networking.k8s.io/v1', 'kind: Gateway', 'metadata: {name: gw}', 'spec:', '  gatewayClassName: eg', '  listeners:',
  ...(listeners.length ? listeners : ['{name: http, protocol: HTTP, port: 80}']).map((l) => `  - ${l}`),
);

/** An HTTPRoute attached to Gateway `gw` (in the same file) with the given rules (YAML lines under `rules:`). */
const httpRoute = (name: string, opts: { hostnames?: string[]; parentRefs?: string; created?: string; namespace?: string } = {}, ...rules: string[]) => yaml(
  'apiVersion: gateway.networking.k8s.io/v1', 'kind: HTTPRoute',
  `metadata: {name: ${name}${opts.namespace ? `, namespace: ${opts.namespace}` : ''}${opts.created ? `, creationTimestamp: "${opts.created}"` : ''}}`,
  'spec:',
  `  parentRefs: ${opts.parentRefs ?? '[{name: gw}]'}`,
  ...(opts.hostnames ? [`  hostnames: [${opts.hostnames.map((h) => JSON.stringify(h)).join(', ')}]`] : []),
  '  rules:',
  ...rules.flatMap((r) => r.split('\n')).map((r) => `  ${r}`),
);

/** One rule: `matches` as flow YAML (or none) and one backend Service. */
const rule = (matches: string | undefined, backend: string) => yaml(
  ...(matches ? [`- matches: ${matches}`, `  backendRefs: [{name: ${backend}, port: 80}]`] : [`- backendRefs: [{name: ${backend}, port: 80}]`]),
);

const pool = (r: RoutingResult) => r.pools.map((p) => p.pool.name).join('+') || r.outcome;

describe('routing: Gateway API HTTPRoute matches (HTTPRouteRule.matches precedence)', () => {
  it('Gateway API: an Exact path beats a PathPrefix of the same path ("Exact" path match first)', () => {
    const cfg = routes(URI, docs(GATEWAY(), httpRoute('web', {},
      rule('[{path: {type: PathPrefix, value: /api/v1}}]', 'prefix'),
      rule('[{path: {type: Exact, value: /api/v1}}]', 'exact'),
    )));
    assert.equal(pool(cfg.send('GET http://a.com/api/v1')), 'exact');
    assert.equal(pool(cfg.send('GET http://a.com/api/v1/users')), 'prefix');
  });

  it('Gateway API: the PathPrefix with the largest number of characters wins, whatever the rule order', () => {
    const cfg = routes(URI, docs(GATEWAY(), httpRoute('web', {},
      rule('[{path: {type: PathPrefix, value: /}}]', 'root'),
      rule('[{path: {type: PathPrefix, value: /api}}]', 'api'),
      rule('[{path: {type: PathPrefix, value: /api/v2}}]', 'v2'),
    )));
    assert.equal(pool(cfg.send('GET http://a.com/api/v2/x')), 'v2');
    assert.equal(pool(cfg.send('GET http://a.com/api/v1')), 'api');
    assert.equal(pool(cfg.send('GET http://a.com/other')), 'root');
  });

  it('Gateway API: PathPrefix /foo matches /foo, /foo/ and /foo/bar but not /foobar (element by element; a trailing / is ignored)', () => {
    const cfg = routes(URI, docs(GATEWAY(), httpRoute('web', {},
      rule('[{path: {type: PathPrefix, value: /foo/}}]', 'foo'),
    )));
    for (const p of ['/foo', '/foo/', '/foo/bar']) assert.equal(pool(cfg.send(`GET http://a.com${p}`)), 'foo', p);
    const r = cfg.send('GET http://a.com/foobar');
    assert.deepEqual(where(r), { route: undefined, pools: [], outcome: 'no-backend', status: 404 });
  });

  it('Gateway API: Exact matches with case sensitivity, not /abc/ nor /Abc ("Exact": only requests to /abc)', () => {
    const cfg = routes(URI, docs(GATEWAY(), httpRoute('web', {}, rule('[{path: {type: Exact, value: /abc}}]', 'abc'))));
    assert.equal(pool(cfg.send('GET http://a.com/abc')), 'abc');
    assert.equal(cfg.send('GET http://a.com/abc/').status, 404);
    assert.equal(cfg.send('GET http://a.com/Abc').status, 404);
  });

  it('Gateway API: on equal paths a method match beats more header matches, more headers beat fewer, more query params beat fewer', () => {
    const cfg = routes(URI, docs(GATEWAY(), httpRoute('web', {},
      rule('[{path: {value: /api}, queryParams: [{name: v, value: "2"}]}]', 'query'),
      rule('[{path: {value: /api}, headers: [{name: x-a, value: "1"}]}]', 'one-header'),
      rule('[{path: {value: /api}, headers: [{name: x-a, value: "1"}, {name: x-b, value: "1"}]}]', 'two-headers'),
      rule('[{path: {value: /api}, method: POST}]', 'post'),
      rule('[{path: {value: /api}}]', 'plain'),
    )));
    const h = ['X-A: 1', 'X-B: 1'];
    assert.equal(pool(cfg.send('POST http://a.com/api?v=2', { headers: h })), 'post');
    assert.equal(pool(cfg.send('GET http://a.com/api?v=2', { headers: h })), 'two-headers');
    assert.equal(pool(cfg.send('GET http://a.com/api?v=2', { headers: ['X-A: 1'] })), 'one-header');
    assert.equal(pool(cfg.send('GET http://a.com/api?v=2')), 'query');
    assert.equal(pool(cfg.send('GET http://a.com/api?v=3')), 'plain');
  });

  it('Gateway API: matches of one rule are ORed, the conditions of one match ANDed (HTTPRouteRule.matches, HTTPRouteMatch)', () => {
    const cfg = routes(URI, docs(GATEWAY(), httpRoute('web', {},
      rule('[{path: {value: /foo}, headers: [{name: version, value: v2}]}, {path: {value: /v2/foo}}]', 'v2'),
      rule(undefined, 'root'),
    )));
    assert.equal(pool(cfg.send('GET http://a.com/foo', { headers: ['version: v2'] })), 'v2');
    assert.equal(pool(cfg.send('GET http://a.com/v2/foo/x')), 'v2');
    assert.equal(pool(cfg.send('GET http://a.com/foo')), 'root', 'path alone is not enough for the first match');
  });

  it('Gateway API: a rule without matches is a PathPrefix / match and takes every request', () => {
    const cfg = routes(URI, docs(GATEWAY(), httpRoute('web', {}, rule(undefined, 'all'))));
    for (const p of ['/', '/x', '/a/b?c=d']) assert.equal(pool(cfg.send(`GET http://a.com${p}`)), 'all', p);
  });

  it('Gateway API: header names match case-insensitively, values exactly; only the first entry of a repeated name counts (HTTPHeaderMatch.name)', () => {
    const cfg = routes(URI, docs(GATEWAY(), httpRoute('web', {},
      rule('[{headers: [{name: X-Canary, value: "yes"}, {name: x-canary, value: "no"}]}]', 'canary'),
      rule(undefined, 'stable'),
    )));
    assert.equal(pool(cfg.send('GET http://a.com/', { headers: ['x-CANARY: yes'] })), 'canary');
    assert.equal(pool(cfg.send('GET http://a.com/', { headers: ['X-Canary: YES'] })), 'stable');
    assert.equal(pool(cfg.send('GET http://a.com/', { headers: ['X-Canary: no'] })), 'stable', 'the second X-Canary entry is ignored');
  });

  it('Gateway API: query param names are an exact string match (HTTPQueryParamMatch.name)', () => {
    const cfg = routes(URI, docs(GATEWAY(), httpRoute('web', {},
      rule('[{queryParams: [{name: Debug, value: "1"}]}]', 'debug'),
      rule(undefined, 'normal'),
    )));
    assert.equal(pool(cfg.send('GET http://a.com/?Debug=1')), 'debug');
    assert.equal(pool(cfg.send('GET http://a.com/?debug=1')), 'normal');
  });

  it('Gateway API: RegularExpression paths match the whole path (RE2, as Envoy-based implementations do)', () => {
    const cfg = routes(URI, docs(GATEWAY(), httpRoute('web', {},
      rule('[{path: {type: RegularExpression, value: "/v[0-9]+/.*"}}]', 'versioned'),
      rule('[{path: {type: Exact, value: /healthz}}]', 'health'),
    )));
    assert.equal(pool(cfg.send('GET http://a.com/v2/users')), 'versioned');
    assert.equal(cfg.send('GET http://a.com/api/v2/users').status, 404, 'a regex is not searched inside the path');
  });

  it('Gateway API: "The precedence of RegularExpression path matches are implementation-specific": a request a PathPrefix rule also matches is undecidable', () => {
    const cfg = routes(URI, docs(GATEWAY(), httpRoute('web', {},
      rule('[{path: {type: PathPrefix, value: /api}}]', 'api'),
      rule('[{path: {type: RegularExpression, value: "/(api|v1)/.*"}}]', 'regex'),
    )));
    const both = cfg.send('GET http://a.com/api/x');
    assert.ok(both.undecidable.some((u) => u.includes('implementation-specific')), JSON.stringify(both.undecidable));
    assert.ok(both.trace.some((t) => t.result === 'undecidable'));
    const regexOnly = cfg.send('GET http://a.com/v1/x');
    assert.equal(pool(regexOnly), 'regex');
    assert.deepEqual(regexOnly.undecidable, []);
  });

  it('Gateway API: ties between routes go to the oldest creationTimestamp, then {namespace}/{name} alphabetically, then the first rule', () => {
    const older = routes(URI, docs(GATEWAY(),
      httpRoute('a-new', { created: '2024-05-02T10:00:00Z' }, rule('[{path: {value: /api}}]', 'new')),
      httpRoute('b-old', { created: '2024-05-01T10:00:00Z' }, rule('[{path: {value: /api}}]', 'old')),
    ));
    assert.equal(pool(older.send('GET http://a.com/api')), 'old');
    const alpha = routes(URI, docs(GATEWAY(),
      httpRoute('zeta', {}, rule('[{path: {value: /api}}]', 'z')),
      httpRoute('alpha', {}, rule('[{path: {value: /api}}]', 'a')),
    ));
    assert.equal(pool(alpha.send('GET http://a.com/api')), 'a');
    const order = routes(URI, docs(GATEWAY(), httpRoute('web', {}, rule('[{path: {value: /api}}]', 'first'), rule('[{path: {value: /api}}]', 'second'))));
    assert.equal(pool(order.send('GET http://a.com/api')), 'first');
  });

  it('Gateway API: a request no rule matches gets 404 ("When no rules matching a request have been successfully attached … a HTTP 404")', () => {
    const cfg = routes(URI, docs(GATEWAY(), httpRoute('web', {}, rule('[{path: {value: /api}}]', 'api'))));
    const r = cfg.send('GET http://a.com/web');
    assert.deepEqual(where(r), { route: undefined, pools: [], outcome: 'no-backend', status: 404 });
  });
});

describe('routing: Gateway API outcomes (backendRefs, filters)', () => {
  it('Gateway API: a rule without backendRefs answers 500 ("all traffic which matches this rule MUST receive a 500 status code")', () => {
    const cfg = routes(URI, docs(GATEWAY(), httpRoute('web', {}, '- matches: [{path: {value: /gone}}]', rule(undefined, 'web'))));
    const r = cfg.send('GET http://a.com/gone/x');
    assert.deepEqual(where(r), { route: 'HTTPRoute web rule 1 (path /gone)', pools: [], outcome: 'no-backend', status: 500 });
  });

  it('Gateway API: backendRefs weights split the requests; weight 0 gets none (BackendRef.weight)', () => {
    const cfg = routes(URI, docs(GATEWAY(), httpRoute('web', {}, '- backendRefs: [{name: blue, port: 80, weight: 90}, {name: green, port: 80, weight: 10}, {name: red, port: 80, weight: 0}]')));
    const r = cfg.send('GET http://a.com/');
    assert.equal(r.outcome, 'pool');
    assert.deepEqual(Object.fromEntries(r.pools.map((p) => [p.pool.name, p.share])), { blue: 0.9, green: 0.1, red: 0 });
  });

  it('Gateway API: the share of an invalid backendRef (a Service that does not exist) answers 500', () => {
    const svc = (name: string) => yaml('apiVersion: v1', 'kind: Service', `metadata: {name: ${name}}`, 'spec: {ports: [{port: 80}]}');
    const text = docs(GATEWAY(), httpRoute('web', {}, '- backendRefs: [{name: blue, port: 80}, {name: missing, port: 80}]'));
    const cfg = routes(URI, text, { files: { 'file:///w/k8s/svc.yaml': svc('blue') } });
    const r = cfg.send('GET http://a.com/');
    assert.equal(r.outcome, 'pool');
    assert.deepEqual(r.unresolved, { share: 0.5, status: 500 });
    const none = routes(URI, docs(GATEWAY(), httpRoute('web', {}, '- backendRefs: [{name: missing, port: 80}]')), { files: { 'file:///w/k8s/svc.yaml': svc('blue') } });
    // The file references no Service that is defined: the set of manifests may be incomplete, so nothing is "invalid".
    assert.equal(none.send('GET http://a.com/').outcome, 'pool');
  });

  it('Gateway API: a RequestRedirect filter answers with its statusCode, 302 by default (HTTPRequestRedirectFilter.statusCode)', () => {
    const cfg = routes(URI, docs(GATEWAY(), httpRoute('web', {},
      '- matches: [{path: {value: /old}}]', '  filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]',
      '- filters: [{type: RequestRedirect, requestRedirect: {hostname: www.example.com}}]',
    )));
    const moved = cfg.send('GET http://a.com/old/page');
    assert.deepEqual([moved.outcome, moved.status], ['redirect', 301]);
    const found = cfg.send('GET http://a.com/new');
    assert.deepEqual([found.outcome, found.status], ['redirect', 302]);
    assert.match(found.summary, /www\.example\.com/);
  });
});

describe('routing: Gateway API hostnames (HTTPRouteSpec.hostnames, Listener.hostname)', () => {
  it('Gateway API: a route with a matching non-wildcard hostname takes precedence over a wildcard one and one without hostnames', () => {
    const cfg = routes(URI, docs(GATEWAY(),
      httpRoute('any', {}, rule(undefined, 'any')),
      httpRoute('wild', { hostnames: ['*.example.com'] }, rule(undefined, 'wild')),
      httpRoute('foo', { hostnames: ['foo.example.com'] }, rule(undefined, 'foo')),
    ));
    assert.equal(pool(cfg.send('GET http://foo.example.com/')), 'foo');
    assert.equal(pool(cfg.send('GET http://bar.example.com/')), 'wild');
    assert.equal(pool(cfg.send('GET http://example.com/')), 'any', '*.example.com does not match example.com');
    assert.equal(pool(cfg.send('GET http://other.net/')), 'any');
  });

  it('Gateway API: a wildcard hostname is a suffix match over one or more labels (`*.example.com` takes foo.test.example.com)', () => {
    const cfg = routes(URI, docs(GATEWAY(), httpRoute('wild', { hostnames: ['*.example.com'] }, rule(undefined, 'wild'))));
    assert.equal(pool(cfg.send('GET http://foo.test.example.com/')), 'wild');
    assert.equal(pool(cfg.send('GET http://Test.Example.com:8080/', { port: 80 })), 'wild', 'case and Host port are ignored');
    assert.equal(cfg.send('GET http://example.com/').status, 404);
  });

  it('Gateway API: the precedence is across all rules: a request the more specific route\'s rules do not match goes to a less specific route', () => {
    const cfg = routes(URI, docs(GATEWAY(),
      httpRoute('site', { hostnames: ['shop.example.com'] }, rule('[{path: {value: /cart}}]', 'cart')),
      httpRoute('default', {}, rule('[{path: {value: /}}]', 'web'), rule('[{path: {value: /cart/v2}}]', 'cart-v2')),
    ));
    assert.equal(pool(cfg.send('GET http://shop.example.com/cart/v2')), 'cart', 'hostname precedence comes before path length');
    assert.equal(pool(cfg.send('GET http://shop.example.com/about')), 'web');
    assert.equal(pool(cfg.send('GET http://blog.example.com/cart/v2')), 'cart-v2');
  });

  it('Gateway API: a route ranks by the hostname that matches the request (`example.com` and `*.example.com` in one route)', () => {
    const cfg = routes(URI, docs(GATEWAY(),
      httpRoute('apex', { hostnames: ['example.com', '*.example.com'] }, rule(undefined, 'apex')),
      httpRoute('www', { hostnames: ['*.example.com'] }, rule('[{path: {value: /api}}]', 'api')),
    ));
    // For www.example.com both routes match through *.example.com: a tie on hostnames, so the longer path wins.
    assert.equal(pool(cfg.send('GET http://www.example.com/api/x')), 'api');
    assert.equal(pool(cfg.send('GET http://www.example.com/')), 'apex');
    assert.equal(pool(cfg.send('GET http://example.com/api')), 'apex');
  });

  it('Gateway API: route hostnames that do not match the listener hostname are ignored; a route without hostnames takes the listener\'s', () => {
    const cfg = routes(URI, docs(
      GATEWAY('{name: http, protocol: HTTP, port: 80, hostname: "*.example.com"}'),
      httpRoute('mixed', { hostnames: ['test.example.com', 'test.example.net'] }, rule(undefined, 'mixed')),
      httpRoute('plain', {}, rule(undefined, 'plain')),
    ));
    assert.equal(pool(cfg.send('GET http://test.example.com/')), 'mixed');
    assert.equal(pool(cfg.send('GET http://other.example.com/')), 'plain');
    const net = cfg.all('GET http://test.example.net/');
    assert.deepEqual(net.map((r) => [r.outcome, r.status]), [['no-backend', 404]], 'no listener hostname matches test.example.net');
  });

  it('Gateway API: on one port the listener with the most specific hostname takes the request (Listener.hostname)', () => {
    const cfg = routes(URI, docs(
      GATEWAY('{name: any, protocol: HTTP, port: 80}', '{name: foo, protocol: HTTP, port: 80, hostname: foo.example.com}'),
      httpRoute('general', { parentRefs: '[{name: gw, sectionName: any}]' }, rule(undefined, 'general')),
      httpRoute('foo', { parentRefs: '[{name: gw, sectionName: foo}]' }, rule('[{path: {value: /api}}]', 'foo-api')),
    ));
    assert.equal(pool(cfg.send('GET http://foo.example.com/api')), 'foo-api');
    const r = cfg.send('GET http://foo.example.com/other');
    assert.equal(r.status, 404, 'the foo listener took the request: the other listener\'s routes are not consulted');
    assert.equal(pool(cfg.send('GET http://bar.example.com/other')), 'general');
  });
});

describe('routing: Gateway API listeners and parentRefs (binds)', () => {
  const GW = GATEWAY('{name: http, protocol: HTTP, port: 80}', '{name: https, protocol: HTTPS, port: 443}');

  it('Gateway API: a route attached with sectionName takes requests on that listener only (ParentReference.sectionName)', () => {
    const cfg = routes(URI, docs(GW,
      httpRoute('plain', { parentRefs: '[{name: gw, sectionName: http}]' }, rule(undefined, 'plain')),
      httpRoute('secure', { parentRefs: '[{name: gw, sectionName: https}]' }, rule(undefined, 'secure')),
    ));
    assert.equal(pool(cfg.send('GET http://a.com/')), 'plain');
    assert.equal(pool(cfg.send('GET https://a.com/')), 'secure');
    assert.deepEqual(cfg.all('GET http://a.com:8080/'), [], 'no listener on port 8080');
    assert.deepEqual(cfg.all('GET https://a.com:80/'), [], 'the HTTP listener does not terminate TLS');
  });

  it('Gateway API: ParentReference.port selects the listeners on that port', () => {
    const cfg = routes(URI, docs(GW, httpRoute('secure', { parentRefs: '[{name: gw, port: 443}]' }, rule(undefined, 'secure'))));
    assert.equal(pool(cfg.send('GET https://a.com/')), 'secure');
    assert.deepEqual(cfg.all('GET http://a.com/'), []);
  });

  it('Gateway API: each Gateway has its own addresses: routes of two Gateways on port 80 give a result each', () => {
    const other = GATEWAY().replace('name: gw}', 'name: gw2}');
    const cfg = routes(URI, docs(GATEWAY(), other,
      httpRoute('one', {}, rule(undefined, 'one')),
      httpRoute('two', { parentRefs: '[{name: gw2}]' }, rule(undefined, 'two')),
    ));
    const all = cfg.all('GET http://a.com/');
    assert.deepEqual(all.map(pool).sort(), ['one', 'two']);
    assert.equal(pool(cfg.send('GET http://a.com/', { entry: 'gw2/http' })), 'two');
  });

  it('Gateway API: a route to a Gateway not among the manifests takes requests on any port, or on the parentRef port', () => {
    const any = routes(URI, httpRoute('web', { parentRefs: '[{name: elsewhere}]' }, rule(undefined, 'web')));
    assert.equal(pool(any.send('GET http://a.com:8080/')), 'web');
    const port = routes(URI, httpRoute('web', { parentRefs: '[{name: elsewhere, port: 8443}]' }, rule(undefined, 'web')));
    assert.deepEqual(port.all('GET http://a.com/'), []);
    assert.equal(pool(port.send('GET http://a.com:8443/')), 'web');
  });

  it('Gateway API: a route without parentRefs is taken as a fragment attached elsewhere: any request may arrive', () => {
    const cfg = routes(URI, httpRoute('web', { parentRefs: '[]' }, rule('[{path: {value: /api}}]', 'api')));
    assert.equal(pool(cfg.send('GET http://a.com:9000/api')), 'api');
  });

  it('Gateway API: a route no listener accepts receives no requests', () => {
    const cfg = routes(URI, docs(
      GATEWAY('{name: http, protocol: HTTP, port: 80, hostname: "*.example.com"}'),
      httpRoute('net', { hostnames: ['foo.example.net'] }, rule(undefined, 'net')),
    ));
    assert.deepEqual(cfg.all('GET http://foo.example.net/'), []);
  });
});

describe('routing: GRPCRoute, TLSRoute, TCPRoute', () => {
  const grpcRoute = (...rules: string[]) => yaml(
    'apiVersion: gateway.networking.k8s.io/v1', 'kind: GRPCRoute', 'metadata: {name: rpc}', 'spec:', '  parentRefs: [{name: gw}]', '  rules:', ...rules.map((r) => `  ${r}`),
  );

  it('GRPCRoute: a gRPC call is POST /{service}/{method}; more characters in the service, then the method, win (GRPCRouteRule.matches)', () => {
    const cfg = routes(URI, docs(GATEWAY(), grpcRoute(
      '- matches: [{method: {service: shop.Cart}}]', '  backendRefs: [{name: cart, port: 50051}]',
      '- matches: [{method: {service: shop.Cart, method: Checkout}}]', '  backendRefs: [{name: checkout, port: 50051}]',
      '- backendRefs: [{name: fallback, port: 50051}]',
    )));
    assert.equal(pool(cfg.send('POST http://a.com/shop.Cart/Checkout')), 'checkout');
    assert.equal(pool(cfg.send('POST http://a.com/shop.Cart/Add')), 'cart');
    assert.equal(pool(cfg.send('POST http://a.com/shop.Other/Add')), 'fallback');
  });

  it('TLSRoute: hostnames are matched against the TLS server name (TLSRouteSpec.hostnames)', () => {
    const cfg = routes(URI, docs(
      GATEWAY('{name: tls, protocol: TLS, port: 443, tls: {mode: Passthrough}}'),
      yaml('apiVersion: gateway.networking.k8s.io/v1alpha2', 'kind: TLSRoute', 'metadata: {name: db}', 'spec:', '  parentRefs: [{name: gw}]',
        '  hostnames: ["*.db.example.com"]', '  rules:', '  - backendRefs: [{name: pg, port: 5432}]'),
    ));
    assert.equal(pool(cfg.send('GET https://x.db.example.com/')), 'pg');
    assert.equal(cfg.send('GET https://x.example.com/').status, 404);
  });
});

// ---- Ingress ---------------------------------------------------------------------------------------------------

const ingress = (name: string, spec: string[], annotations?: Record<string, string>) => yaml(
  'apiVersion: networking.k8s.io/v1', 'kind: Ingress',
  `metadata: {name: ${name}${annotations ? `, annotations: ${JSON.stringify(annotations)}` : ''}}`,
  'spec:', ...spec.map((l) => `  ${l}`),
);
const ipath = (path: string, type: string, svc: string) => `  - {path: "${path}", pathType: ${type}, backend: {service: {name: ${svc}, port: {number: 80}}}}`;
const hostRule = (host: string | undefined, ...paths: string[]) => [host ? `- host: "${host}"` : '- http:', ...(host ? ['  http:'] : []), '    paths:', ...paths.map((p) => `  ${p}`)];

describe('routing: Kubernetes Ingress (kubernetes.io Ingress: Path types, Examples, Hostname wildcards)', () => {
  it('Ingress: Prefix /foo matches /foo/bar but not /foobar (element-wise; a trailing / is ignored)', () => {
    const cfg = routes(URI, ingress('web', ['rules:', ...hostRule(undefined, ipath('/foo/', 'Prefix', 'foo'))]));
    assert.equal(pool(cfg.send('GET http://a.com/foo')), 'foo');
    assert.equal(pool(cfg.send('GET http://a.com/foo/bar')), 'foo');
    assert.equal(cfg.send('GET http://a.com/foobar').status, 404);
  });

  it('Ingress: the longest matching path wins; on a tie Exact beats Prefix (multiple matches)', () => {
    const cfg = routes(URI, ingress('web', ['rules:', ...hostRule(undefined,
      ipath('/', 'Prefix', 'root'), ipath('/aaa', 'Prefix', 'aaa'), ipath('/aaa/bbb', 'Prefix', 'bbb'), ipath('/aaa/bbb', 'Exact', 'exact'),
    )]));
    assert.equal(pool(cfg.send('GET http://a.com/aaa/bbb')), 'exact');
    assert.equal(pool(cfg.send('GET http://a.com/aaa/bbb/ccc')), 'bbb');
    assert.equal(pool(cfg.send('GET http://a.com/aaa/ccc')), 'aaa');
    assert.equal(pool(cfg.send('GET http://a.com/x')), 'root');
  });

  it('Ingress: Exact /foo matches /foo only, not /foo/ (examples table)', () => {
    const cfg = routes(URI, ingress('web', ['rules:', ...hostRule(undefined, ipath('/foo', 'Exact', 'foo'))]));
    assert.equal(pool(cfg.send('GET http://a.com/foo')), 'foo');
    assert.equal(cfg.send('GET http://a.com/foo/').status, 404);
  });

  it('Ingress: a host rule matches that host only; a rule without host takes the hosts no rule names', () => {
    const cfg = routes(URI, ingress('web', ['rules:',
      ...hostRule('foo.bar.com', ipath('/', 'Prefix', 'foo')),
      ...hostRule(undefined, ipath('/', 'Prefix', 'other')),
    ]));
    assert.equal(pool(cfg.send('GET http://foo.bar.com/x')), 'foo');
    assert.equal(pool(cfg.send('GET http://FOO.bar.com:8080/x', { port: 80 })), 'foo');
    assert.equal(pool(cfg.send('GET http://baz.bar.com/x')), 'other');
  });

  it('Ingress: the hostless rule is not consulted for a named host whose paths do not match (ingress-nginx: one server per host)', () => {
    const cfg = routes(URI, ingress('web', ['rules:',
      ...hostRule('foo.bar.com', ipath('/api', 'Prefix', 'api')),
      ...hostRule(undefined, ipath('/', 'Prefix', 'catchall')),
    ]));
    assert.equal(cfg.send('GET http://foo.bar.com/web').status, 404);
  });

  it('Ingress: `*.foo.com` matches exactly one DNS label (bar.foo.com, not baz.bar.foo.com nor foo.com); an exact host wins', () => {
    const cfg = routes(URI, ingress('web', ['rules:',
      ...hostRule('*.foo.com', ipath('/', 'Prefix', 'wild')),
      ...hostRule('api.foo.com', ipath('/', 'Prefix', 'api')),
    ]));
    assert.equal(pool(cfg.send('GET http://bar.foo.com/')), 'wild');
    assert.equal(pool(cfg.send('GET http://api.foo.com/')), 'api');
    assert.equal(cfg.send('GET http://baz.bar.foo.com/').status, 404);
    assert.equal(cfg.send('GET http://foo.com/').status, 404);
  });

  it('Ingress: defaultBackend takes the requests no rule matches; without one the controller answers 404', () => {
    const cfg = routes(URI, ingress('web', [
      'defaultBackend: {service: {name: fallback, port: {number: 80}}}', 'rules:', ...hostRule('foo.bar.com', ipath('/api', 'Prefix', 'api')),
    ]));
    assert.equal(pool(cfg.send('GET http://foo.bar.com/api/x')), 'api');
    assert.equal(pool(cfg.send('GET http://foo.bar.com/web')), 'fallback');
    assert.equal(pool(cfg.send('GET http://other.com/')), 'fallback');
    const only = routes(URI, ingress('web', ['defaultBackend: {service: {name: fallback, port: {number: 80}}}']));
    assert.equal(pool(only.send('GET http://any.com/x')), 'fallback', 'an Ingress with no rules sends all traffic to its default backend');
  });

  it('Ingress: the paths of every Ingress of a host are searched together (ingress-nginx merges them into one server)', () => {
    const cfg = routes(URI, docs(
      ingress('web', ['rules:', ...hostRule('shop.com', ipath('/', 'Prefix', 'web'))]),
      ingress('api', ['rules:', ...hostRule('shop.com', ipath('/api', 'Prefix', 'api'))]),
    ));
    assert.equal(pool(cfg.send('GET http://shop.com/api/users')), 'api');
    assert.equal(pool(cfg.send('GET http://shop.com/')), 'web');
  });

  it('Ingress: ImplementationSpecific is a plain string prefix (ingress-nginx `location /path`): /foo also takes /foobar', () => {
    const cfg = routes(URI, ingress('web', ['rules:', ...hostRule(undefined, ipath('/foo', 'ImplementationSpecific', 'foo'))]));
    assert.equal(pool(cfg.send('GET http://a.com/foobar')), 'foo');
  });

  it('Ingress: an ImplementationSpecific pattern (a regex, a GKE glob) is undecidable unless the request cannot match it', () => {
    const glob = routes(URI, ingress('web', ['rules:', ...hostRule(undefined, ipath('/static/*', 'ImplementationSpecific', 'static'), ipath('/', 'Prefix', 'root'))]));
    const r = glob.send('GET http://a.com/static/x.png');
    assert.ok(r.undecidable.length > 0);
    const regex = routes(URI, ingress('web', ['rules:', ...hostRule(undefined, ipath('/api/v[0-9]+', 'ImplementationSpecific', 'api'))], { 'nginx.ingress.kubernetes.io/use-regex': 'true' }));
    assert.ok(regex.send('GET http://a.com/API/v1/users').undecidable.length > 0, 'use-regex: a case-insensitive regex location, ordered by ingress-nginx');
    assert.deepEqual([regex.send('GET http://a.com/web').status, regex.send('GET http://a.com/web').undecidable], [404, []]);
  });

  it('Ingress: the controller listens on ports 80 and 443', () => {
    const cfg = routes(URI, ingress('web', ['rules:', ...hostRule(undefined, ipath('/', 'Prefix', 'web'))]));
    assert.equal(pool(cfg.send('GET http://a.com/')), 'web');
    assert.equal(pool(cfg.send('GET https://a.com/')), 'web');
    assert.deepEqual(cfg.all('GET http://a.com:8080/'), []);
  });
});
