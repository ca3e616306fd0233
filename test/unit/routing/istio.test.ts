import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routes, where } from '../../helpers/routing';

/*
 * Istio request routing as the engine implements it, one test per documented rule
 * (istio.io/latest/docs/reference/config/networking/virtual-service, …/gateway; docs/ops/best-practices/traffic-management).
 */

const URI = 'file:///w/vs.yaml';
const NR = { route: undefined, pools: [], outcome: 'no-backend', status: 404 };

const vs = (http: string, opts: { name?: string; hosts?: string; gateways?: string; extra?: string } = {}) => [
  'apiVersion: networking.istio.io/v1',
  'kind: VirtualService',
  'metadata:',
  `  name: ${opts.name ?? 'shop'}`,
  '  namespace: default',
  'spec:',
  `  hosts: ${opts.hosts ?? '["shop.example.com"]'}`,
  ...(opts.gateways ? [`  gateways: ${opts.gateways}`] : []),
  ...(opts.extra ? [opts.extra] : []),
  '  http:',
  http,
].join('\n');

/** A route to `host` (a Kubernetes service short name). */
const to = (host: string) => `    route:\n    - destination: { host: ${host} }`;
const pool = (svc: string) => `${svc}.default.svc.cluster.local`;

describe('Istio: HTTP routes (VirtualService.http)', () => {
  it('"The first rule matching an incoming request is used": a prefix "/" rule first takes /api too', () => {
    const c = routes(URI, vs(`  - match: [{ uri: { prefix: "/" } }]\n${to('web')}\n  - match: [{ uri: { prefix: "/api" } }]\n${to('api')}`));
    assert.deepEqual(where(c.send('GET http://shop.example.com/api/users')).pools, [pool('web')]);
  });

  it('a rule without match takes every request; no rule matches: 404 (NR)', () => {
    const c = routes(URI, vs(`  - match: [{ uri: { exact: "/health" } }]\n${to('admin')}`));
    assert.deepEqual(where(c.send('GET http://shop.example.com/health')).pools, [pool('admin')]);
    assert.deepEqual(where(c.send('GET http://shop.example.com/x')), NR);
    const all = routes(URI, vs(`  - ${to('web').trim()}`));
    assert.deepEqual(where(all.send('GET http://shop.example.com/anything')).pools, [pool('web')]);
  });

  it('several match blocks are OR: "The rule is matched if any one of the match blocks succeed"', () => {
    const c = routes(URI, vs(`  - match:\n    - uri: { prefix: "/api" }\n    - headers: { x-api: { exact: "1" } }\n${to('api')}\n  - ${to('web').trim()}`));
    assert.deepEqual(where(c.send('GET http://shop.example.com/api/x')).pools, [pool('api')]);
    assert.deepEqual(where(c.send('GET http://shop.example.com/x', { headers: ['X-Api: 1'] })).pools, [pool('api')]);
    assert.deepEqual(where(c.send('GET http://shop.example.com/x')).pools, [pool('web')]);
  });

  it('conditions inside one match block are AND', () => {
    const c = routes(URI, vs(`  - match:\n    - uri: { prefix: "/api" }\n      method: { exact: POST }\n${to('api')}\n  - ${to('web').trim()}`));
    assert.deepEqual(where(c.send('POST http://shop.example.com/api/x')).pools, [pool('api')]);
    assert.deepEqual(where(c.send('GET http://shop.example.com/api/x')).pools, [pool('web')]);
  });

  it('uri regex is RE2 and must match the whole path (the issue\'s safe_regex before prefix routes)', () => {
    const c = routes(URI, vs(`  - match: [{ uri: { regex: "/api/.*" } }]\n${to('api')}\n  - match: [{ uri: { prefix: "/api/v1" } }]\n${to('v1')}\n  - ${to('web').trim()}`));
    assert.deepEqual(where(c.send('GET http://shop.example.com/api/v1/x')).pools, [pool('api')]);
    assert.deepEqual(where(c.send('GET http://shop.example.com/x/api/v1')).pools, [pool('web')], 'a match inside the path is not enough');
  });

  it('uri values are case-sensitive; ignoreUriCase affects exact and prefix, not regex', () => {
    const c = routes(URI, vs([
      `  - match: [{ uri: { prefix: "/API" }, ignoreUriCase: true }]\n${to('api')}`,
      `  - match: [{ uri: { regex: "/IMG/.*" }, ignoreUriCase: true }]\n${to('img')}`,
      `  - match: [{ uri: { exact: "/Health" } }]\n${to('admin')}`,
      `  - ${to('web').trim()}`,
    ].join('\n')));
    assert.deepEqual(where(c.send('GET http://shop.example.com/api/x')).pools, [pool('api')]);
    assert.deepEqual(where(c.send('GET http://shop.example.com/img/a')).pools, [pool('web')]);
    assert.deepEqual(where(c.send('GET http://shop.example.com/health')).pools, [pool('web')]);
  });

  it('scheme, method and authority are StringMatches (authority: the Host as sent)', () => {
    const c = routes(URI, vs(`  - match: [{ scheme: { exact: https }, authority: { prefix: "shop." } }]\n${to('api')}\n  - ${to('web').trim()}`));
    assert.deepEqual(where(c.send('GET https://shop.example.com/')).pools, [pool('api')]);
    assert.deepEqual(where(c.send('GET http://shop.example.com/')).pools, [pool('web')]);
  });

  it('headers: exact/prefix/regex; an empty match ({}) checks presence; header values are case-sensitive', () => {
    const c = routes(URI, vs([
      `  - match: [{ headers: { x-canary: {} } }]\n${to('canary')}`,
      `  - match: [{ headers: { end-user: { regex: "jas.n" } } }]\n${to('v2')}`,
      `  - match: [{ headers: { x-v: { exact: "Beta" } } }]\n${to('v1')}`,
      `  - ${to('web').trim()}`,
    ].join('\n')));
    assert.deepEqual(where(c.send('GET http://shop.example.com/', { headers: ['X-Canary: '] })).pools, [pool('canary')]);
    assert.deepEqual(where(c.send('GET http://shop.example.com/', { headers: ['End-User: jason'] })).pools, [pool('v2')]);
    assert.deepEqual(where(c.send('GET http://shop.example.com/', { headers: ['End-User: xjason'] })).pools, [pool('web')]);
    assert.deepEqual(where(c.send('GET http://shop.example.com/', { headers: ['X-V: beta'] })).pools, [pool('web')]);
  });

  it('withoutHeaders: a request whose header matches is not matched; an absent header is undecidable (docs vs istio/istio#49537)', () => {
    const c = routes(URI, vs(`  - match: [{ withoutHeaders: { x-debug: { exact: "1" } } }]\n${to('api')}\n  - ${to('web').trim()}`));
    assert.deepEqual(where(c.send('GET http://shop.example.com/', { headers: ['X-Debug: 1'] })).pools, [pool('web')]);
    assert.deepEqual(where(c.send('GET http://shop.example.com/', { headers: ['X-Debug: 2'] })).pools, [pool('api')]);
    const absent = c.send('GET http://shop.example.com/');
    assert.equal(absent.undecidable.length, 1);
    const presence = routes(URI, vs(`  - match: [{ withoutHeaders: { x-debug: {} } }]\n${to('api')}\n  - ${to('web').trim()}`));
    assert.deepEqual(where(presence.send('GET http://shop.example.com/')).pools, [pool('api')]);
  });

  it('queryParams: exact (exact "" matches "?key") and regex', () => {
    const c = routes(URI, vs(`  - match: [{ queryParams: { debug: { exact: "" } } }]\n${to('admin')}\n  - match: [{ queryParams: { v: { regex: "[0-9]+" } } }]\n${to('v2')}\n  - ${to('web').trim()}`));
    assert.deepEqual(where(c.send('GET http://shop.example.com/?debug')).pools, [pool('admin')]);
    assert.deepEqual(where(c.send('GET http://shop.example.com/?v=12')).pools, [pool('v2')]);
    assert.deepEqual(where(c.send('GET http://shop.example.com/?v=1a')).pools, [pool('web')]);
  });

  it('port selects the port of the host being addressed', () => {
    const c = routes(URI, vs(`  - match: [{ port: 8080 }]\n${to('admin')}\n  - ${to('web').trim()}`));
    assert.deepEqual(where(c.send('GET http://shop.example.com:8080/')).pools, [pool('admin')]);
    assert.deepEqual(where(c.send('GET http://shop.example.com/')).pools, [pool('web')]);
  });

  it('sourceLabels and gateways in a match are undecidable, not guessed', () => {
    const c = routes(URI, vs(`  - match: [{ sourceLabels: { app: reviews } }]\n${to('v2')}\n  - ${to('web').trim()}`));
    const r = c.send('GET http://shop.example.com/');
    assert.deepEqual(where(r).pools, [pool('web')]);
    assert.equal(r.undecidable.length, 1);
  });
});

describe('Istio: destinations and actions (HTTPRoute)', () => {
  it('destinations split by relative weight', () => {
    const c = routes(URI, vs('  - route:\n    - destination: { host: web, subset: v1 }\n      weight: 75\n    - destination: { host: web, subset: v2 }\n      weight: 25'));
    assert.deepEqual(c.send('GET http://shop.example.com/').pools.map((p) => [p.pool.name, p.share]), [[`${pool('web')}|v1`, 0.75], [`${pool('web')}|v2`, 0.25]]);
  });

  it('redirect: redirectCode, default 301 MOVED_PERMANENTLY', () => {
    const c = routes(URI, vs('  - match: [{ uri: { prefix: "/old" } }]\n    redirect: { uri: /new }\n  - match: [{ uri: { prefix: "/tmp" } }]\n    redirect: { uri: /t, redirectCode: 302 }'));
    assert.equal(where(c.send('GET http://shop.example.com/old')).status, 301);
    assert.equal(where(c.send('GET http://shop.example.com/old')).outcome, 'redirect');
    assert.equal(where(c.send('GET http://shop.example.com/tmp')).status, 302);
  });

  it('directResponse answers with its status', () => {
    const c = routes(URI, vs('  - directResponse: { status: 503, body: { string: "down" } }'));
    assert.deepEqual(where(c.send('GET http://shop.example.com/')), { route: 'http[0]', pools: [], outcome: 'direct', status: 503 });
  });

  it('fault.abort at 100% ("Abort Http request attempts and return error codes"): the sidecar answers, no destination gets the request', () => {
    const fault = (pct: string) => `  - match: [{ uri: { prefix: "/pay" } }]\n    fault: { abort: { httpStatus: 555${pct} } }\n${to('pay')}\n  - ${to('web').trim()}`;
    const all = routes(URI, vs(fault(', percentage: { value: 100 }')));
    assert.deepEqual(where(all.send('GET http://shop.example.com/pay')), { route: 'http[0]', pools: [], outcome: 'direct', status: 555 });
    // The rule still takes its requests: they do not fall through to the next one.
    assert.deepEqual(where(all.send('GET http://shop.example.com/')).pools, [pool('web')]);
    // A partial abort, or none stated (Envoy's unset percentage aborts nothing), keeps the destination.
    assert.deepEqual(where(routes(URI, vs(fault(', percentage: { value: 10 }'))).send('GET http://shop.example.com/pay')).pools, [pool('pay')]);
    assert.deepEqual(where(routes(URI, vs(fault(''))).send('GET http://shop.example.com/pay')).pools, [pool('pay')]);
  });
});

describe('Istio: hosts and gateways (VirtualService.hosts, gateways; Gateway servers)', () => {
  it('VirtualService hosts select it (exact, *.wildcard, *); other hosts get 404 (NR)', () => {
    const c = routes(URI, vs(`  - ${to('web').trim()}`, { hosts: '["*.example.com"]' }));
    assert.deepEqual(where(c.send('GET http://a.example.com/')).pools, [pool('web')]);
    assert.deepEqual(where(c.send('GET http://example.org/')), NR);
  });

  it('a short host name is the service in the VirtualService\'s namespace (reviews → reviews.default.svc.cluster.local)', () => {
    const c = routes(URI, vs(`  - ${to('reviews').trim()}`, { hosts: '["reviews"]' }));
    assert.deepEqual(where(c.send('GET http://reviews.default.svc.cluster.local/')).pools, [pool('reviews')]);
    assert.deepEqual(where(c.send('GET http://reviews:9080/')).pools, [pool('reviews')]);
  });

  it('without gateways a VirtualService applies to the mesh; mesh VirtualServices compete by host', () => {
    const c = routes(URI, `${vs(`  - ${to('web').trim()}`)}\n---\n${vs(`  - ${to('api').trim()}`, { name: 'api', hosts: '["api.example.com"]' })}`);
    const r = c.send('GET http://api.example.com/');
    assert.equal(r.entry.name, 'VirtualService api');
    assert.deepEqual(where(r).pools, [pool('api')]);
  });

  const gateway = (servers: string) => `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: { name: gw, namespace: default }\nspec:\n  selector: { istio: ingressgateway }\n  servers:\n${servers}`;
  const http80 = '  - port: { number: 80, name: http, protocol: HTTP }\n    hosts: ["*.example.com"]';
  const https443 = '  - port: { number: 443, name: https, protocol: HTTPS }\n    tls: { mode: SIMPLE, credentialName: c }\n    hosts: ["shop.example.com"]';

  it('a VirtualService bound to a Gateway takes requests on the Gateway servers\' ports that expose its hosts', () => {
    const c = routes(URI, `${gateway(`${http80}\n${https443}`)}\n---\n${vs(`  - ${to('web').trim()}`, { gateways: '["gw"]' })}`);
    const r = c.send('GET http://shop.example.com/');
    assert.equal(r.entry.name, 'Gateway gw 80/HTTP');
    assert.deepEqual(where(r).pools, [pool('web')]);
    assert.equal(c.send('GET https://shop.example.com/').entry.name, 'Gateway gw 443/HTTPS');
    assert.equal(c.all('GET http://shop.example.com:8080/').length, 0, 'no server on 8080, and the VirtualService is not in the mesh');
  });

  it('a Gateway server takes only its hosts: other hosts on its port get 404', () => {
    const c = routes(URI, `${gateway(http80)}\n---\n${vs(`  - ${to('web').trim()}`, { gateways: '["gw"]' })}`);
    assert.deepEqual(where(c.send('GET http://other.example.com/')), NR);
  });

  it('a Gateway server routes the narrower of its host and the VirtualService\'s (server *.example.com, VirtualService shop.example.com)', () => {
    const c = routes(URI, `${gateway(http80)}\n---\n${vs(`  - ${to('web').trim()}`, { gateways: '["gw"]', hosts: '["*"]' })}`);
    assert.deepEqual(where(c.send('GET http://x.example.com/')).pools, [pool('web')]);
    assert.deepEqual(where(c.send('GET http://example.org/')), NR);
  });

  it('VirtualServices bound to one gateway for the same host are merged (IST0109): the second one\'s routes take what the first leaves', () => {
    const c = routes(URI, [
      gateway(http80),
      vs(`  - match: [{ uri: { prefix: "/api" } }]\n${to('api')}`, { name: 'a', gateways: '["gw"]' }),
      vs(`  - match: [{ uri: { prefix: "/web" } }]\n${to('web')}`, { name: 'b', gateways: '["gw"]' }),
    ].join('\n---\n'));
    assert.deepEqual(where(c.send('GET http://shop.example.com/api/x')).pools, [pool('api')]);
    assert.deepEqual(where(c.send('GET http://shop.example.com/web/x')).pools, [pool('web')]);
    assert.deepEqual(where(c.send('GET http://shop.example.com/other')), NR);
  });

  it('gateways lists mesh too: the routes apply to both the sidecars and the gateway', () => {
    const c = routes(URI, `${gateway(http80)}\n---\n${vs(`  - ${to('web').trim()}`, { gateways: '["gw", "mesh"]' })}`);
    assert.deepEqual(c.all('GET http://shop.example.com/').map((r) => r.entry.name).sort(), ['Gateway gw 80/HTTP', 'VirtualService shop']);
  });

  it('a Gateway in another file of the folder: the VirtualService listens on the ports of its servers that expose its hosts', () => {
    const c = routes(URI, vs(`  - ${to('web').trim()}`, { gateways: '["gw"]' }), { files: { 'file:///w/gw.yaml': gateway(`${http80}\n  - port: { number: 8443, name: https, protocol: HTTPS }\n    tls: { mode: SIMPLE }\n    hosts: ["other.org"]`) } });
    assert.deepEqual(c.analysis.model.entries[0].binds?.map((b) => [b.port, b.tls]), [[80, false]]);
    assert.deepEqual(where(c.send('GET http://shop.example.com/')).pools, [pool('web')]);
    assert.equal(c.all('GET https://shop.example.com:8443/').length, 0);
  });

  it('a gateway the configuration does not show: the VirtualService takes requests on any port of it', () => {
    const c = routes(URI, vs(`  - ${to('web').trim()}`, { gateways: '["istio-system/ingress"]' }));
    const r = c.send('GET http://shop.example.com:31380/');
    assert.equal(r.bind?.address, 'gateway istio-system/ingress');
  });

  it('tls.httpsRedirect: "the load balancer will send a 301 redirect for all http connections"', () => {
    const c = routes(URI, `${gateway('  - port: { number: 80, name: http, protocol: HTTP }\n    tls: { httpsRedirect: true }\n    hosts: ["*.example.com"]')}\n---\n${vs(`  - ${to('web').trim()}`, { gateways: '["gw"]' })}`);
    assert.deepEqual(where(c.send('GET http://shop.example.com/')).status, 301);
  });
});

describe('Istio: TCP and TLS routes', () => {
  it('a TLS passthrough server serves the tls routes, matched by sniHosts', () => {
    const c = routes(URI, [
      'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: { name: gw, namespace: default }\nspec:\n  servers:\n  - port: { number: 443, name: tls, protocol: TLS }\n    tls: { mode: PASSTHROUGH }\n    hosts: ["*.example.com"]',
      'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: t, namespace: default }\nspec:\n  hosts: ["*.example.com"]\n  gateways: [gw]\n  tls:\n  - match: [{ sniHosts: ["a.example.com"] }]\n    route: [{ destination: { host: a } }]\n  - match: [{ sniHosts: ["*.example.com"] }]\n    route: [{ destination: { host: b } }]',
    ].join('\n---\n'));
    assert.deepEqual(where(c.send('GET https://a.example.com/')).pools, [pool('a')]);
    assert.deepEqual(where(c.send('GET https://z.example.com/')).pools, [pool('b')]);
  });
});
