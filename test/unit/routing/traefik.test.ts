import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lowerRule, parseRuleExpr } from '../../../server/src/formats/traefik/rule';
import { routes, where } from '../../helpers/routing';

/*
 * Traefik routing as documented in "Rules & Priority" (doc.traefik.io, reference/routing-configuration/http/
 * routing/rules-and-priority), "EntryPoints", "Routers" (TLS) and the TCP routers page, checked against the muxers
 * (pkg/muxer/http, pkg/muxer/tcp). Each test names the rule it checks.
 */

const URI = 'file:///etc/traefik/dynamic/app.yml';
const yaml = (...lines: string[]) => lines.join('\n');
const SERVICES = [
  '  services:',
  '    a: {loadBalancer: {servers: [{url: "http://10.0.0.1"}]}}',
  '    b: {loadBalancer: {servers: [{url: "http://10.0.0.2"}]}}',
  '    c: {loadBalancer: {servers: [{url: "http://10.0.0.3"}]}}',
];
/** HTTP routers (`name: {…}` lines) with services a, b, c. */
const http = (...routers: string[]) => routes(URI, yaml('http:', '  routers:', ...routers.map((r) => `    ${r}`), ...SERVICES));
const pool = (cfg: ReturnType<typeof http>, request: string, o: Parameters<ReturnType<typeof http>['send']>[1] = {}) => where(cfg.send(request, o)).pools[0];

describe('Traefik: priority ("routes are sorted, by default, in descending order using rules length")', () => {
  it('the default priority is the length of the rule: the documented HostRegexp (34) beats Host (26) for foobar.traefik.com', () => {
    const cfg = http(
      'Router-1: {rule: "HostRegexp(`[a-z]+\\\\.traefik\\\\.com`)", service: a}',
      'Router-2: {rule: "Host(`foobar.traefik.com`)", service: b}',
    );
    const r = cfg.send('GET http://foobar.traefik.com/');
    assert.equal(r.route?.name, 'router Router-1');
    assert.deepEqual(where(cfg.send('GET http://other.traefik.com/')).pools, ['a']);
  });

  it('an explicit priority wins over the length ("the priority is configured to allow Router-2 to handle requests")', () => {
    const cfg = http(
      'Router-1: {rule: "HostRegexp(`[a-z]+\\\\.traefik\\\\.com`)", service: a, priority: 1}',
      'Router-2: {rule: "Host(`foobar.traefik.com`)", service: b, priority: 2}',
    );
    assert.equal(cfg.send('GET http://foobar.traefik.com/').route?.name, 'router Router-2');
  });

  it('"a value of 0 for the priority is ignored": priority 0 means the rule length', () => {
    const cfg = http(
      'short: {rule: "PathPrefix(`/`)", service: a, priority: 0}',
      'long: {rule: "PathPrefix(`/api`)", service: b}',
    );
    assert.equal(pool(cfg, 'GET http://x.com/api/v1'), 'b');
    assert.equal(pool(cfg, 'GET http://x.com/web'), 'a');
  });

  it('the length counts bytes (Go len): of two rules of equal character length, the one with `é` (2 bytes) comes first', () => {
    // Both are 35 characters; `é` makes the second 36 bytes. Counting characters would keep file order.
    const cfg = http(
      'ascii: {rule: "Header(`X`, `e`) || PathPrefix(`/`)", service: a}',
      'accent: {rule: "Header(`X`, `é`) || PathPrefix(`/`)", service: b}',
    );
    assert.equal(pool(cfg, 'GET http://x.com/x'), 'b');
  });

  it('the two stars of a `**.example.com` host do not count: it ranks below the single-label wildcard it covers (DoubleWildcardPenalty)', () => {
    // `Host(`**.example.com`)` is 22 bytes but ranks 20, below `Host(`*.example.com`)` (21).
    const cfg = http('many: {rule: "Host(`**.example.com`)", service: a}', 'one: {rule: "Host(`*.example.com`)", service: b}');
    assert.equal(pool(cfg, 'GET http://api.example.com/'), 'b');
    assert.equal(pool(cfg, 'GET http://v1.api.example.com/'), 'a');
  });

  it('equal priorities have no documented order (an unstable sort): the engine tries them in file order', () => {
    const cfg = http('first: {rule: "Path(`/x`)", service: a, priority: 5}', 'second: {rule: "Path(`/x`)", service: b, priority: 5}');
    assert.equal(pool(cfg, 'GET http://x.com/x'), 'a');
  });
});

describe('Traefik: matchers (v3 syntax)', () => {
  it('Path matches the path exactly: `/products` but neither `/products/shoes` nor `/products/`', () => {
    const cfg = http('p: {rule: "Path(`/products`)", service: a}');
    assert.equal(pool(cfg, 'GET http://x.com/products'), 'a');
    assert.equal(where(cfg.send('GET http://x.com/products/')).status, 404);
    assert.equal(where(cfg.send('GET http://x.com/products/shoes')).status, 404);
  });

  it('PathPrefix is a plain string prefix: `/products` also takes `/products-for-sale`; the query is not part of the path', () => {
    const cfg = http('p: {rule: "PathPrefix(`/products`)", service: a}');
    assert.equal(pool(cfg, 'GET http://x.com/products-for-sale'), 'a');
    assert.equal(pool(cfg, 'GET http://x.com/products/shoes?x=/y'), 'a');
    assert.equal(where(cfg.send('GET http://x.com/product')).outcome, 'no-backend');
  });

  it('PathRegexp is a Go regexp that may match anywhere in the path (`\\.(jpeg|jpg|png)$`), anchored only by ^ and $', () => {
    const cfg = http(
      'img: {rule: "PathRegexp(`\\\\.(jpeg|jpg|png)$`)", service: a}',
      'ids: {rule: "PathRegexp(`^/products/(shoes|socks)/[0-9]+$`)", service: b}',
      'ci: {rule: "PathRegexp(`(?i)^/docs`)", service: c}',
    );
    assert.equal(pool(cfg, 'GET http://x.com/static/logo.png'), 'a');
    assert.equal(pool(cfg, 'GET http://x.com/products/socks/31'), 'b');
    assert.equal(where(cfg.send('GET http://x.com/v1/products/socks/31')).status, 404);
    assert.equal(pool(cfg, 'GET http://x.com/DOCS/intro'), 'c');
  });

  it('Host compares the host in lower case, without its port ("these matchers will match the request\'s host in lowercase")', () => {
    const cfg = http('h: {rule: "Host(`Example.COM`)", service: a}');
    assert.equal(pool(cfg, 'GET http://EXAMPLE.com:8080/'), 'a');
    assert.equal(where(cfg.send('GET http://www.example.com/')).status, 404);
  });

  it('HostRegexp is a Go regexp searched in the host: `^.+\\.example\\.com$` takes subdomains, not the apex', () => {
    const cfg = http('sub: {rule: "HostRegexp(`^.+\\\\.example\\\\.com$`)", service: a}', 'part: {rule: "HostRegexp(`example`)", service: b}');
    assert.equal(pool(cfg, 'GET http://api.example.com/'), 'a');
    assert.equal(pool(cfg, 'GET http://example.com/'), 'b', 'unanchored: `example` is found inside the host');
  });

  it('Host wildcards (v3): `*.example.com` is exactly one label, `**.example.com` one or more, neither the apex', () => {
    const cfg = http('one: {rule: "Host(`*.example.com`)", service: a, priority: 10}', 'many: {rule: "Host(`**.example.com`)", service: b, priority: 5}');
    assert.equal(pool(cfg, 'GET http://api.example.com/'), 'a');
    assert.equal(pool(cfg, 'GET http://v1.api.example.com/'), 'b');
    assert.equal(where(cfg.send('GET http://example.com/')).status, 404);
  });

  it('Method compares the method in upper case', () => {
    const cfg = http('opt: {rule: "Method(`options`)", service: a}');
    assert.equal(pool(cfg, 'OPTIONS http://x.com/'), 'a');
    assert.equal(where(cfg.send('GET http://x.com/')).status, 404);
  });

  it('Header matches a header (any case of its name) set to the value exactly; HeaderRegexp searches the value', () => {
    const cfg = http(
      'yaml: {rule: "Header(`Content-Type`, `application/yaml`)", service: a}',
      'json: {rule: "HeaderRegexp(`content-type`, `^application/(json|xml)$`)", service: b}',
    );
    assert.equal(pool(cfg, 'POST http://x.com/', { headers: ['content-type: application/yaml'] }), 'a');
    assert.equal(pool(cfg, 'POST http://x.com/', { headers: ['Content-Type: application/json'] }), 'b');
    assert.equal(where(cfg.send('POST http://x.com/', { headers: ['Content-Type: Application/YAML'] })).status, 404, 'Header values are case-sensitive');
    assert.equal(where(cfg.send('POST http://x.com/')).status, 404, 'an absent header matches neither');
  });

  it('Query(`mobile`, `true`) matches the parameter\'s value; Query(`mobile`) a parameter without value; QueryRegexp searches it', () => {
    const cfg = http(
      'val: {rule: "Query(`mobile`, `true`)", service: a}',
      'none: {rule: "Query(`mobile`)", service: b}',
      're: {rule: "QueryRegexp(`mobile`, `^(yes|on)$`)", service: c}',
    );
    assert.equal(pool(cfg, 'GET http://x.com/search?mobile=true'), 'a');
    assert.equal(pool(cfg, 'GET http://x.com/search?mobile'), 'b');
    assert.equal(pool(cfg, 'GET http://x.com/search?q=1&mobile=yes'), 'c');
    assert.equal(where(cfg.send('GET http://x.com/search?mobile=no')).status, 404);
  });

  it('ClientIP matches the client address of the connection ("does not use the X-Forwarded-For header")', () => {
    const cfg = http('lan: {rule: "ClientIP(`192.168.1.0/24`)", service: a}', 'all: {rule: "PathPrefix(`/`)", service: b}');
    assert.equal(pool(cfg, 'GET http://x.com/', { src: '192.168.1.7' }), 'a');
    assert.equal(pool(cfg, 'GET http://x.com/', { src: '10.0.0.1', headers: ['X-Forwarded-For: 192.168.1.7'] }), 'b');
  });

  it('`&&` binds tighter than `||` ("the expected precedence rules"), `!` inverts, parentheses group', () => {
    const cfg = http(
      'r: {rule: "Host(`a.com`) || Host(`b.com`) && PathPrefix(`/api`)", service: a, priority: 100}',
      'n: {rule: "!(PathPrefix(`/admin`) || Method(`DELETE`)) && Host(`c.com`)", service: b, priority: 50}',
    );
    assert.equal(pool(cfg, 'GET http://a.com/web'), 'a', 'Host(a.com) alone suffices');
    assert.equal(pool(cfg, 'GET http://b.com/api/x'), 'a');
    assert.equal(where(cfg.send('GET http://b.com/web')).status, 404);
    assert.equal(pool(cfg, 'GET http://c.com/shop'), 'b');
    assert.equal(where(cfg.send('DELETE http://c.com/shop')).status, 404);
    assert.equal(where(cfg.send('GET http://c.com/admin')).status, 404);
  });

  it('matcher names are accepted as documented, in lower case, upper case or capitalised (pkg/rules)', () => {
    const cfg = http('r: {rule: "host(`a.com`) && PATHPREFIX(`/x`) && Method(`GET`)", service: a}');
    assert.equal(pool(cfg, 'GET http://a.com/x'), 'a');
    assert.equal(lowerRule('HoSt(`a.com`)', 'http', undefined).refused?.includes('unknown HTTP matcher'), true);
  });

  it('values are Go string literals: backticks are raw, double quotes take escapes', () => {
    assert.deepEqual(parseRuleExpr('Path("/a\\"b") && Host(`c`)'), {
      kind: 'and', left: { kind: 'matcher', name: 'Path', args: ['/a"b'], text: 'Path("/a\\"b")' }, right: { kind: 'matcher', name: 'Host', args: ['c'], text: 'Host(`c`)' },
    });
    assert.equal(parseRuleExpr('Host(`a`) &&'), undefined);
    assert.equal(parseRuleExpr("Host('a')"), undefined, 'single quotes are not accepted');
  });
});

describe('Traefik: rules Traefik refuses and rules lb-lens cannot decide', () => {
  it('a router whose rule Traefik refuses takes no request (path without `/`, wrong number of values, unknown matcher, empty value)', () => {
    for (const [rule, request] of [['Path(`api`) || PathPrefix(`/`)', '/api'], ['Host(`a`, `b`)', '/'], ['Headers(`X`, `1`) || PathPrefix(`/`)', '/'], ['PathPrefix(``)', '/']]) {
      assert.ok(lowerRule(rule, 'http', undefined).refused, rule);
      const r = http(`bad: {rule: "${rule}", service: a}`).send(`GET http://a${request}`);
      assert.deepEqual([r.status, r.undecidable], [404, []], rule);
    }
  });

  it('an unparseable rule and a regexp RE2 cannot run are undecidable, never a guess', () => {
    const cfg = http('odd: {rule: "Host(`a.com` ", service: a}', 'look: {rule: "PathRegexp(`^/(?!admin)`)", service: b}');
    const r = cfg.send('GET http://a.com/x');
    assert.equal(r.outcome, 'no-backend');
    assert.equal(r.undecidable.length, 2);
    assert.ok(r.trace.some((t) => t.result === 'undecidable' && t.name === 'router odd'));
  });
});

describe('Traefik: ruleSyntax v2 (gorilla/mux templates, several values)', () => {
  it('HostRegexp(`{subdomain:[a-z]+}.traefik.com`) matches the whole host; Host takes several names', () => {
    const cfg = http(
      'tpl: {rule: "HostRegexp(`{subdomain:[a-z]+}.traefik.com`)", service: a, ruleSyntax: v2}',
      'names: {rule: "Host(`x.org`, `y.org`)", service: b, ruleSyntax: v2}',
    );
    assert.equal(pool(cfg, 'GET http://foo.traefik.com/'), 'a');
    assert.equal(where(cfg.send('GET http://foo.traefik.com.evil.org/')).status, 404);
    assert.equal(pool(cfg, 'GET http://y.org/'), 'b');
  });

  it('Path and PathPrefix templates: `/articles/{id:[0-9]+}` whole path, PathPrefix a prefix; Query(`k=v`) pairs', () => {
    const cfg = http(
      'path: {rule: "Path(`/articles/{id:[0-9]+}`)", service: a, ruleSyntax: v2}',
      'pre: {rule: "PathPrefix(`/users/{name}`) && Query(`debug=`)", service: b, ruleSyntax: v2}',
    );
    assert.equal(pool(cfg, 'GET http://x.com/articles/42'), 'a');
    assert.equal(where(cfg.send('GET http://x.com/articles/42/x')).status, 404);
    assert.equal(pool(cfg, 'GET http://x.com/users/bob/posts?debug=1'), 'b');
    assert.equal(where(cfg.send('GET http://x.com/users/bob/posts')).status, 404);
  });

  it('`core.defaultRuleSyntax` in the static configuration sets the syntax of routers without `ruleSyntax`', () => {
    const cfg = routes(URI, yaml('core: {defaultRuleSyntax: v2}', 'entryPoints: {web: {address: ":80"}}', 'http:', '  routers:',
      '    r: {rule: "Host(`a.com`, `b.com`)", service: a}', ...SERVICES));
    assert.equal(pool(cfg, 'GET http://b.com/'), 'a');
  });
});

describe('Traefik: entry points and TLS', () => {
  const STATIC = ['entryPoints:', '  web: {address: ":80"}', '  websecure: {address: ":443"}', '  metrics: {address: "127.0.0.1:8082"}'];

  it('routers listen on the static configuration\'s entry points (address `:80`); without `entryPoints`, on every one', () => {
    const cfg = routes(URI, yaml(...STATIC, 'http:', '  routers:',
      '    web-only: {rule: "PathPrefix(`/a`)", service: a, entryPoints: [web]}',
      '    everywhere: {rule: "PathPrefix(`/`)", service: b}', ...SERVICES));
    const r = cfg.send('GET http://x.com/a');
    assert.equal(r.entry.name, 'http entryPoints web');
    assert.equal(r.bind?.port, 80);
    assert.deepEqual(where(r).pools, ['a']);
    assert.deepEqual(where(cfg.send('GET http://127.0.0.1:8082/a')).pools, ['b'], 'metrics takes only the router without entryPoints');
    assert.equal(cfg.all('GET http://x.com:9999/').length, 0, 'no entry point listens on 9999');
  });

  it('the static configuration is read from a file of the same folder, or traefik.yml in the folder above', () => {
    const routers = yaml('http:', '  routers:', '    r: {rule: "PathPrefix(`/`)", service: a}', ...SERVICES);
    const beside = routes(URI, routers, { files: { 'file:///etc/traefik/dynamic/static.toml': '[entryPoints.web]\n  address = ":8080"\n' } });
    assert.equal(beside.send('GET http://x.com:8080/').bind?.port, 8080);
    const opts = { files: { 'file:///etc/traefik/traefik.yml': 'entryPoints:\n  web:\n    address: ":81"\n' }, root: 'file:///etc/traefik' };
    const above = routes(URI, routers, opts);
    assert.equal(above.send('GET http://x.com:81/').entry.name, 'http entryPoints web');
    assert.equal(above.all('GET http://x.com/').length, 0, 'nothing listens on 80');
  });

  it('a router with `tls` takes HTTPS requests only, one without takes plain HTTP only ("dedicated to HTTPS requests only")', () => {
    const cfg = routes(URI, yaml(...STATIC, 'http:', '  routers:',
      '    secure: {rule: "Host(`shop.com`)", service: a, tls: {}}',
      '    plain: {rule: "Host(`shop.com`)", service: b}', ...SERVICES));
    assert.deepEqual(where(cfg.send('GET https://shop.com/')).pools, ['a']);
    assert.deepEqual(where(cfg.send('GET http://shop.com/')).pools, ['b']);
    // HTTPS sent to the plain port: only the TLS router may answer.
    assert.deepEqual(where(cfg.send('GET https://shop.com/', { port: 80 })).pools, ['a']);
  });

  it('`entryPoints.<name>.http.tls` makes the routers of that entry point TLS routers', () => {
    const cfg = routes(URI, yaml('entryPoints:', '  web: {address: ":80"}', '  websecure: {address: ":443", http: {tls: {}}}',
      'http:', '  routers:', '    r: {rule: "Host(`shop.com`)", service: a}', ...SERVICES));
    assert.deepEqual(where(cfg.send('GET https://shop.com/')).pools, ['a']);
    assert.deepEqual(where(cfg.send('GET http://shop.com/')).pools, ['a']);
    assert.equal(where(cfg.send('GET http://shop.com/', { port: 443 })).status, 404, 'plain HTTP on websecure: no plain router');
  });

  it('without a static configuration the entry points are the names routers list, port unknown: one result each, --entry picks one', () => {
    const cfg = http(
      'a: {rule: "PathPrefix(`/`)", service: a, entryPoints: [web]}',
      'b: {rule: "PathPrefix(`/`)", service: b, entryPoints: [websecure]}',
      'c: {rule: "PathPrefix(`/c`)", service: c}',
    );
    const all = cfg.all('GET http://x.com/c');
    assert.deepEqual(all.map((r) => [r.entry.name, r.pools[0]?.pool.name]), [['http entryPoints web', 'c'], ['http entryPoints websecure', 'c']]);
    assert.deepEqual(where(cfg.send('GET http://x.com/x', { entry: 'websecure' })).pools, ['b']);
  });

  it('a router on an entry point the static configuration does not define is attached nowhere', () => {
    const cfg = routes(URI, yaml(...STATIC, 'http:', '  routers:', '    r: {rule: "PathPrefix(`/`)", service: a, entryPoints: [typo]}', ...SERVICES));
    assert.equal(cfg.all('GET http://x.com/').every((r) => r.outcome === 'no-backend' && r.status === 404), true);
  });

  it('no router matches: Traefik answers 404', () => {
    const r = http('r: {rule: "Host(`a.com`)", service: a}').send('GET http://b.com/');
    assert.deepEqual([r.outcome, r.status], ['no-backend', 404]);
    assert.match(r.summary, /404/);
  });
});

describe('Traefik: services', () => {
  it('a weighted service splits by weight; failover sends to the fallback only when the main service is down', () => {
    const cfg = routes(URI, yaml('http:', '  routers:',
      '    w: {rule: "Host(`w.com`)", service: split}', '    f: {rule: "Host(`f.com`)", service: fo}',
      '  services:',
      '    split: {weighted: {services: [{name: a, weight: 3}, {name: b, weight: 1}]}}',
      '    fo: {failover: {service: a, fallback: b}}',
      ...SERVICES.slice(1)));
    const w = cfg.send('GET http://w.com/');
    assert.deepEqual(w.pools.map((p) => [p.pool.name, p.share]), [['a', 0.75], ['b', 0.25]]);
    const f = cfg.send('GET http://f.com/');
    assert.deepEqual(f.servers.map((s) => [s.server.address, s.share]), [['http://10.0.0.1', 1], ['http://10.0.0.2', 0]]);
    const down = cfg.send('GET http://f.com/', { failed: [f.servers[0].server.id] });
    assert.deepEqual(down.servers.map((s) => [s.server.address, s.share]), [['http://10.0.0.1', 0], ['http://10.0.0.2', 1]]);
  });
});

describe('Traefik: TCP routers and CRDs', () => {
  it('TCP: HostSNI matches the TLS server name; HostSNI(`*`) without priority is the fallback; ALPN is undecidable', () => {
    const cfg = routes(URI, yaml('tcp:', '  routers:',
      '    db: {rule: "HostSNI(`db.example.com`)", service: db, tls: {passthrough: true}}',
      '    h2: {rule: "ALPN(`h2`)", service: other}',
      '    all: {rule: "HostSNI(`*`)", service: other}',
      '  services:', '    db: {loadBalancer: {servers: [{address: "10.0.0.1:5432"}]}}', '    other: {loadBalancer: {servers: [{address: "10.0.0.2:5432"}]}}'));
    const tls = cfg.send('GET https://db.example.com/');
    assert.deepEqual(where(tls).pools, ['db']);
    const plain = cfg.send('GET http://db.example.com/');
    assert.equal(plain.route?.name, 'router all');
    assert.ok(plain.undecidable.some((u) => u.includes('ALPN')));
  });

  it('UDP routers take datagrams, never an HTTP request (an entry point of their own, `address: ":53/udp"`)', () => {
    const cfg = routes(URI, yaml('udp:', '  routers:', '    dns: {service: dns}', '  services:', '    dns: {loadBalancer: {servers: [{address: "10.0.0.53:53"}]}}'));
    assert.equal(cfg.analysis.model.routes.length, 1);
    assert.equal(cfg.all('GET http://x.com:53/').length, 0);
  });

  it('IngressRoute: `match`, `entryPoints`, `spec.tls` (HTTPS only) and Kubernetes Services as pools', () => {
    const cfg = routes('file:///k8s/ingressroute.yml', yaml(
      'apiVersion: traefik.io/v1alpha1', 'kind: IngressRoute', 'metadata: {name: shop}', 'spec:', '  entryPoints: [websecure]', '  tls: {}', '  routes:',
      '  - match: Host(`shop.com`) && PathPrefix(`/api`)', '    kind: Rule', '    services: [{name: api, port: 80}]',
      '  - match: Host(`shop.com`)', '    kind: Rule', '    services: [{name: web, port: 80}]',
    ));
    assert.deepEqual(where(cfg.send('GET https://shop.com/api/x')).pools, ['api']);
    assert.deepEqual(where(cfg.send('GET https://shop.com/')).pools, ['web']);
    assert.equal(where(cfg.send('GET http://shop.com/')).status, 404);
  });
});
