import { envoyBootstrap } from '../../helpers/envoy';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv from 'ajv';
import { parse as parseYaml } from 'yaml';
import { analyzeModel } from '../../../server/src/analysis/analyze';
import { nginxFormat } from '../../../server/src/formats/nginx';
import type { FileSystem } from '../../../server/src/service/fileSystem';
import { detectFormat } from '../../../server/src/service/formats';
import { LanguageService, type DocumentAnalysis } from '../../../server/src/service/languageService';
import {
  checkRouteTestFile,
  findRouteTestFiles,
  isRouteTestFile,
  parseRouteTests,
  parseShare,
  routeTestDiagnostics,
  shareHolds,
  summarize,
  type RouteTestRun,
} from '../../../server/src/service/routeTests';
import { TestModel } from '../../helpers/model';
import { posOf } from '../../helpers/text';

const REPO = resolve(__dirname, '..', '..', '..');

/** An in-memory workspace under file:///w: path → text. */
function memfs(files: Record<string, string>): FileSystem {
  const uris = new Map(Object.entries(files).map(([p, t]) => [`file:///w/${p}`, t]));
  return {
    readFile: (uri) => uris.get(uri),
    readDirectory(uri) {
      const prefix = `${uri.replace(/\/$/, '')}/`;
      const names = new Map<string, boolean>();
      for (const u of uris.keys()) {
        if (!u.startsWith(prefix)) continue;
        const rest = u.slice(prefix.length);
        const slash = rest.indexOf('/');
        names.set(slash < 0 ? rest : rest.slice(0, slash), slash >= 0);
      }
      return [...names].map(([name, isDirectory]) => ({ name, isDirectory }));
    },
  };
}

/** Run `tests.lbtest.yaml` (text) against the files of an in-memory workspace. */
function run(files: Record<string, string>, tests: string, name = 'tests.lbtest.yaml'): RouteTestRun {
  const fs = memfs(files);
  const service = new LanguageService({ fileSystem: fs, roots: () => ['file:///w'] });
  return checkRouteTestFile(`file:///w/${name}`, tests, (uri) => {
    const text = fs.readFile(uri);
    if (text === undefined) return { error: 'no such file' };
    return service.analyze({ uri, text }) ?? { error: 'not a load-balancer configuration lb-lens knows' };
  });
}

const NGINX = [
  'events {}',
  'http {',
  '  upstream web { server 10.0.0.1:80; server 10.0.0.2:80; server 10.0.0.3:80 backup; }',
  '  upstream api { server 10.0.1.1:80 weight=3; server 10.0.1.2:80; }',
  '  server {',
  '    listen 80;',
  '    server_name shop.example.com;',
  '    location / { proxy_pass http://web; }',
  '    location /api/ { proxy_pass http://api; }',
  '  }',
  '}',
  '',
].join('\n');

const ENVOY = envoyBootstrap(`              - match: { prefix: "/api/" }
                route:
                  weighted_clusters:
                    clusters:
                    - { name: api_v1, weight: 90 }
                    - { name: api_v2, weight: 10 }
              - match: { prefix: "/" }
                route: { cluster: web }`, `  - name: api_v1
    load_assignment:
      cluster_name: api_v1
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 80 } } }
        - endpoint: { address: { socket_address: { address: 10.0.0.2, port_value: 80 } } }
  - name: api_v2
    load_assignment:
      cluster_name: api_v2
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 10.0.0.3, port_value: 80 } } }
  - name: web
    load_assignment:
      cluster_name: web
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 10.0.0.4, port_value: 80 } } }
`, { port: 80, virtualHost: 'shop' });

const failures = (r: RouteTestRun) => r.cases.flatMap((c) => c.failures.map((f) => `${c.name} | ${f.range.start.line + 1} | ${f.message}`));

describe('route tests: passing files', () => {
  it('nginx prefix locations: route, pool, server shares (backups get 0%), failures simulated', () => {
    const r = run({ 'nginx.conf': NGINX }, `config: nginx.conf
tests:
  - name: the site
    request: GET http://shop.example.com/cart
    expect:
      outcome: pool
      route: location /
      pool: web
      servers: { 10.0.0.1:80: 50%, 10.0.0.2:80: "50%", 10.0.0.3:80: 0 }
  - name: the API, 3:1
    request: POST http://shop.example.com/api/orders
    expect:
      route: { name: location /api/, line: 9 }
      pools: [api]
      servers:
        10.0.1.1:80: 0.75
        10.0.1.2:80: "< 30%"
        "*": ">= 25%"
  - name: both primaries down, the backup takes it
    request: http://shop.example.com/
    fail: [10.0.0.1:80, 10.0.0.2:80]
    expect:
      servers: { 10.0.0.3:80: 100% }
  - name: negations
    request: GET http://shop.example.com/apifoo
    expect:
      not:
        pool: api
        route: location /api/
        servers: [10.0.1.1:80]
`);
    assert.deepEqual(failures(r), []);
    assert.deepEqual(r.cases.map((c) => c.status), ['pass', 'pass', 'pass', 'pass']);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.configs, ['file:///w/nginx.conf']);
  });

  it('Envoy weighted clusters: pools with shares, the servers of a split', () => {
    const r = run({ 'envoy.yaml': ENVOY }, `config: envoy.yaml
tests:
  - request: GET http://a.com/api/users
    expect:
      route: route prefix /api/ (shop)
      pools: { api_v1: 90%, api_v2: 10% }
      servers: { 10.0.0.1:80: 45%, 10.0.0.3:80: 10%, 10.0.0.4:80: 0% }
  - request: GET http://a.com/web
    expect: { pool: web, not: { pools: [api_v1, api_v2] } }
`);
    assert.deepEqual(failures(r), []);
    assert.equal(r.cases[0].name, 'GET http://a.com/api/users', 'a case without a name is named by its request');
  });

  it('cases may share values through YAML anchors and aliases', () => {
    const r = run({ 'nginx.conf': NGINX }, `config: nginx.conf
tests:
  - request: http://shop.example.com/
    headers: &h { X-Canary: "yes" }
    expect: &web { pool: web, servers: { "*": "< 60%" } }
  - request: http://shop.example.com/cart
    headers: *h
    expect: *web
  - *web
`);
    assert.deepEqual(r.cases.map((c) => c.status), ['pass', 'pass', 'error']);
    assert.match(r.cases[2].failures[0].message, /^unknown key "pool" in a case/, "an aliased map is read as what it is");
  });

  it('a case may name its own config; each config is analysed once per run', () => {
    const seen: string[] = [];
    const fs = memfs({ 'nginx.conf': NGINX, 'sub/envoy.yaml': ENVOY });
    const service = new LanguageService({ fileSystem: fs, roots: () => ['file:///w'] });
    const r = checkRouteTestFile('file:///w/t.lbtest.yml', `config: nginx.conf
tests:
  - { request: "http://shop.example.com/", expect: { pool: web } }
  - { request: "http://shop.example.com/api/", expect: { pool: api } }
  - { request: "http://a.com/", config: sub/envoy.yaml, expect: { pool: web } }
`, (uri) => {
      seen.push(uri);
      return service.analyze({ uri, text: fs.readFile(uri)! })!;
    });
    assert.deepEqual(r.cases.map((c) => c.status), ['pass', 'pass', 'pass']);
    assert.deepEqual(seen, ['file:///w/nginx.conf', 'file:///w/sub/envoy.yaml']);
  });
});

describe('route tests: failing assertions say what happened, on the assertion', () => {
  const TESTS = `config: nginx.conf
tests:
  - name: api goes to api
    request: GET http://shop.example.com/v2/users
    expect:
      route: location /api/
      pool: api
      servers: { 10.0.1.1:80: 75%, 10.0.0.1:80: "< 10%" }
  - name: no box takes it all
    request: GET http://shop.example.com/
    fail: 10.0.0.2:80
    expect:
      not: { servers: { "*": 100% } }
`;

  it('messages in people\'s terms, each on its own assertion\'s range', () => {
    const r = run({ 'nginx.conf': NGINX }, TESTS);
    assert.deepEqual(r.cases.map((c) => c.status), ['fail', 'fail']);
    const [route, pool, s1, s2] = r.cases[0].failures;
    assert.equal(route.message, 'expected route location /api/, got route location / at nginx.conf:8');
    assert.equal(pool.message, 'expected pool api, got pool web (route location / at nginx.conf:8)');
    assert.equal(s1.message, 'expected 10.0.1.1:80 to get 75%, got 0% (not in pool web, which takes the request; route location / at nginx.conf:8)');
    assert.equal(s2.message, 'expected 10.0.0.1:80 to get below 10%, got 50% (pool web; route location / at nginx.conf:8)');
    assert.deepEqual(route.range.start, posOf(TESTS, 'route: location /api/'));
    assert.deepEqual(pool.range, { start: posOf(TESTS, 'pool: api'), end: posOf(TESTS, 'pool: api', 9) });
    assert.deepEqual(s1.range.start, posOf(TESTS, '10.0.1.1:80: 75%'));
    assert.deepEqual(s2.range.start, posOf(TESTS, '10.0.0.1:80: "< 10%"'));
    assert.equal(r.cases[1].failures[0].message, 'expected no server to get 100%, got 10.0.0.1:80 100% (pool web; route location / at nginx.conf:8)');
    const diags = routeTestDiagnostics(r);
    assert.equal(diags.length, 5);
    assert.ok(diags.every((d) => d.ruleId === 'LBT01' && d.severity === 'error' && d.uri === 'file:///w/tests.lbtest.yaml'));
  });

  it('the incident: "no single box takes 100%" fails on the incident config and passes on the fix', () => {
    const incident = readFileSync(resolve(REPO, 'examples/incident/nginx.conf'), 'utf8');
    const fixed = readFileSync(resolve(REPO, 'examples/incident-fixed/nginx.conf'), 'utf8');
    const tests = readFileSync(resolve(REPO, 'examples/incident-fixed/routes.lbtest.yaml'), 'utf8');
    assert.deepEqual(failures(run({ 'nginx.conf': fixed }, tests)), []);
    const broken = run({ 'nginx.conf': incident }, tests);
    assert.equal(broken.cases[0].status, 'fail');
    assert.match(broken.cases[0].failures[0].message, /^expected every server to get below 50%, got 10\.0\.1\.11:8080 100% \(pool app; route location \/ at nginx\.conf:23\)$/);
    // The drained servers say why they get nothing.
    assert.match(failures(broken).join('\n'), /expected 10\.0\.1\.12:8080 to get 50%, got 0% \(down, pool app; route location \//);
  });

  it('exact shares match within 0.05 percentage points: a third is "33.3%", not "33%"', () => {
    const three = NGINX.replace('server 10.0.0.3:80 backup;', 'server 10.0.0.3:80;');
    const r = run({ 'nginx.conf': three }, `config: nginx.conf
tests:
  - { request: "http://shop.example.com/", expect: { servers: { 10.0.0.1:80: 33.3% } } }
  - { request: "http://shop.example.com/", expect: { servers: { 10.0.0.1:80: 33.33% } } }
  - { request: "http://shop.example.com/", expect: { servers: { 10.0.0.1:80: 33% } } }
`);
    assert.deepEqual(r.cases.map((c) => c.status), ['pass', 'pass', 'fail']);
    assert.match(r.cases[2].failures[0].message, /to get 33%, got 33\.3%/);
  });

  it('no route: outcome and status; the assertion that expected a pool names the no-route answer', () => {
    const cfg = 'events {}\nhttp {\n  upstream web { server 10.0.0.1; }\n  server {\n    listen 80;\n    location /web/ { proxy_pass http://web; }\n  }\n}\n';
    const r = run({ 'nginx.conf': cfg }, `config: nginx.conf
tests:
  - { request: "http://a.com/nothing", expect: { outcome: no-backend, status: 404, route: null, pool: null } }
  - { request: "http://a.com/nothing", expect: { pool: web } }
  - { request: "http://a.com/web/x", expect: { status: 404 } }
`);
    assert.deepEqual(r.cases.map((c) => c.status), ['pass', 'fail', 'fail']);
    assert.equal(r.cases[1].failures[0].message, 'expected pool web, got no pool (no-backend 404) (no route: no location matches: nginx serves the URI from the server root (404 Not Found unless that file exists): 404)');
    assert.equal(r.cases[2].failures[0].message, 'expected status 404, got no status (pool web) (route location /web/ at nginx.conf:6)');
  });

  it('several entry points take the request: assertions apply to each, `entry` picks one', () => {
    const cfg = [
      'frontend fe_a', '    bind 10.0.0.1:80', '    default_backend be_a',
      'frontend fe_b', '    bind 10.0.0.2:80', '    default_backend be_b',
      'backend be_a', '    server a1 10.1.0.1:80', '    server a2 10.1.0.2:80',
      'backend be_b', '    server b1 10.2.0.1:80', '',
    ].join('\n');
    const r = run({ 'haproxy.cfg': cfg }, `config: haproxy.cfg
tests:
  - { name: each, request: "http://x.com/", expect: { pool: be_a } }
  - { name: picked, request: "http://x.com/", entry: fe_a, expect: { pool: be_a, entry: fe_a, servers: { a1: 50%, be_a/a2: 50% } } }
  - { name: every entry, request: "http://x.com/", expect: { not: { servers: { "*": 100% } } } }
  - { name: unknown entry, request: "http://x.com/", entry: fe_c, expect: { pool: be_a } }
`);
    assert.deepEqual(r.cases.map((c) => c.status), ['fail', 'pass', 'fail', 'error']);
    assert.deepEqual(r.cases[0].failures.map((f) => f.message), ['frontend fe_b: expected pool be_a, got pool be_b (route default_backend be_b at haproxy.cfg:6)']);
    assert.match(r.cases[2].failures[0].message, /^frontend fe_b: expected no server to get 100%, got b1 \(10\.2\.0\.1:80\) 100%/);
    assert.equal(r.cases[3].failures[0].code, 'LBT03');
    assert.match(r.cases[3].failures[0].message, /no entry point is named "fe_c"/);
  });

  it('a model-level check: two entry points on different addresses give two results (format-neutral)', () => {
    const m = new TestModel();
    m.pool('a', ['10.0.0.1:80']);
    m.pool('b', ['10.0.0.2:80']);
    m.entry.binds = [{ port: 80, address: '192.0.2.1' }];
    const other = m.b.entry({ name: 'entry two', namespace: 'http', listen: ['80'], hosts: [], source: m.at(), selection: m.at(), binds: [{ port: 80, address: '192.0.2.2' }] });
    m.route('to a', 'a', { catchAll: true });
    const rb = m.route('to b', 'b', { catchAll: true });
    rb.entryId = other.id;
    const base = analyzeModel(m.b.model);
    const a: DocumentAnalysis = { ...base, uri: 'file:///test.conf', format: nginxFormat, text: '', ownDiagnostics: [], durationMs: 0 };
    const r = checkRouteTestFile('file:///t.lbtest.yaml', 'config: test.conf\ntests:\n  - { request: "http://x/", expect: { outcome: pool, pool: a } }\n  - { request: "http://x/", entry: two, expect: { pool: b } }\n', () => a);
    assert.deepEqual(r.cases.map((c) => c.status), ['fail', 'pass']);
    assert.match(r.cases[0].failures[0].message, /^entry two: expected pool a, got pool b/);
  });

  it('a name that is no pool or server of the config is a failure that says so (typos never pass)', () => {
    const r = run({ 'nginx.conf': NGINX }, `config: nginx.conf
tests:
  - { request: "http://shop.example.com/", expect: { servers: { 10.0.0.9:80: "< 50%" } } }
  - { request: "http://shop.example.com/", expect: { pools: { wbe: "< 50%" } } }
  - { request: "http://shop.example.com/", expect: { pool: wbe } }
`);
    assert.deepEqual(r.cases.map((c) => c.status), ['fail', 'fail', 'fail']);
    assert.match(r.cases[0].failures[0].message, /^nginx\.conf has no server 10\.0\.0\.9:80 \(servers: 10\.0\.0\.1:80, 10\.0\.0\.2:80/);
    assert.match(r.cases[1].failures[0].message, /^nginx\.conf has no pool named wbe \(pools: web, api/);
    assert.match(r.cases[2].failures[0].message, /has no pool named wbe; got pool web/);
  });

  it('no entry point listens there; `entry: null` expects exactly that', () => {
    const cfg = 'frontend fe\n    bind :80\n    default_backend be\nbackend be\n    server s1 10.0.0.1:80\n';
    const m = new TestModel();
    m.pool('p', ['10.0.0.1:80']);
    m.entry.binds = [{ port: 80 }];
    m.route('all', 'p', { catchAll: true });
    const a: DocumentAnalysis = { ...analyzeModel(m.b.model), uri: 'file:///test.conf', format: nginxFormat, text: cfg, ownDiagnostics: [], durationMs: 0 };
    const r = checkRouteTestFile('file:///t.lbtest.yaml', 'config: test.conf\ntests:\n  - { request: "http://x:8080/", expect: { pool: p } }\n  - { request: "http://x:8080/", expect: { entry: null } }\n  - { request: "http://x/", expect: { entry: null } }\n', () => a);
    assert.deepEqual(r.cases.map((c) => c.status), ['fail', 'pass', 'fail']);
    assert.match(r.cases[0].failures[0].message, /^no entry point of test\.conf takes GET http:\/\/x:8080\//);
    assert.match(r.cases[2].failures[0].message, /^expected no entry point to take/);
  });
});

describe('route tests: malformed input is a diagnostic with a precise range; the other cases still run', () => {
  it('unknown keys (with "did you mean"), bad shares, missing request and expect', () => {
    const text = `config: nginx.conf
tests:
  - name: typo
    request: http://shop.example.com/
    expect: { sever: { 10.0.0.1:80: 50% } }
  - name: bad share
    request: http://shop.example.com/
    expect: { servers: { 10.0.0.1:80: lots } }
  - name: no request
    expect: { pool: web }
  - name: no expect
    request: http://shop.example.com/
  - name: still runs
    request: http://shop.example.com/
    expect: { pool: web }
  - name: bad request
    request: "GET ftp://x/"
    expect: { pool: web }
  - name: bad outcome and port
    request: http://shop.example.com/
    port: "80"
    expect: { outcome: pools }
  - just a string
`;
    const r = run({ 'nginx.conf': NGINX }, text);
    assert.deepEqual(r.cases.map((c) => c.status), ['error', 'error', 'error', 'error', 'pass', 'error', 'error', 'error']);
    const msg = (i: number) => r.cases[i].failures.map((f) => f.message);
    assert.deepEqual(msg(0), ['unknown key "sever" in `expect` (did you mean "servers"?)']);
    assert.deepEqual(r.cases[0].failures[0].range, { start: posOf(text, 'sever'), end: posOf(text, 'sever', 5) });
    assert.match(msg(1)[0], /^"lots" is not a share/);
    assert.deepEqual(r.cases[1].failures[0].range.start, posOf(text, 'lots'));
    assert.deepEqual(msg(2), ['the case has no `request` ("[METHOD] URL")']);
    assert.deepEqual(r.cases[2].failures[0].range.start, posOf(text, 'no request'));
    assert.deepEqual(msg(3), ['the case has no `expect` (what should happen to the request)']);
    assert.deepEqual(msg(5), ['request: unsupported scheme "ftp" (http or https)']);
    assert.deepEqual(msg(6), ['`port` is the connection port, 1-65535', '`outcome` is one of pool, redirect, direct, no-backend, dynamic']);
    assert.match(msg(7)[0], /^a case is a map/);
    assert.ok(routeTestDiagnostics(r).every((d) => d.ruleId === 'LBT02'));
  });

  it('a YAML syntax error belongs to the case it is in; the others run', () => {
    const text = 'config: nginx.conf\ntests:\n  - name: broken\n    request: GET http://shop.example.com/: oops\n    expect: { pool: web }\n  - name: fine\n    request: http://shop.example.com/api/\n    expect: { pool: api }\n  - name: twice\n    name: again\n    request: /\n    expect: { pool: web }\n';
    const r = run({ 'nginx.conf': NGINX }, text);
    assert.deepEqual(r.cases.map((c) => c.status), ['error', 'pass', 'error']);
    assert.match(r.cases[0].failures[0].message, /^YAML: Nested mappings are not allowed/);
    assert.deepEqual(r.cases[0].failures[0].range.start, posOf(text, 'GET http://shop.example.com/: oops'));
    assert.match(r.cases[2].failures[0].message, /^YAML: Map keys must be unique/);
    assert.deepEqual(r.problems, []);
  });

  it('the file itself: not a map, no tests list, unknown top-level key, a missing config', () => {
    assert.match(parseRouteTests('file:///w/a.lbtest.yaml', '- a\n- b\n').problems[0].message, /expected a map with `config` and `tests`/);
    assert.match(parseRouteTests('file:///w/a.lbtest.yaml', 'config: x.conf\n').problems[0].message, /`tests` must be a list/);
    assert.match(parseRouteTests('file:///w/a.lbtest.yaml', '').problems[0].message, /expected a map/);
    const p = parseRouteTests('file:///w/a.lbtest.yaml', 'confg: x.conf\ntests: []\n');
    assert.equal(p.problems[0].message, 'unknown key "confg" at the top of a route test file (did you mean "config"?)');
    const noConfig = parseRouteTests('file:///w/a.lbtest.yaml', 'tests:\n  - { request: /, expect: { pool: web } }\n');
    assert.match(noConfig.cases[0].problems[0].message, /no config to route through/);
    // Nothing of this throws, whatever the bytes.
    for (const junk of ['\u0000\u0001', ':::', 'tests: {', 'tests:\n  - expect:\n      not: { not: {} }\n', '[[[[', 'tests: [1, null, [], {}]']) {
      const r = checkRouteTestFile('file:///w/j.lbtest.yaml', junk, () => ({ error: 'none' }));
      assert.ok(r.problems.length + r.cases.filter((c) => c.status === 'error').length > 0, junk);
    }
  });

  it('a config that cannot be read: one diagnostic on `config`, every case that needs it errs', () => {
    const text = 'config: nope.conf\ntests:\n  - { request: /, expect: { pool: web } }\n  - { request: /x, expect: { pool: web } }\n';
    const r = run({}, text);
    assert.deepEqual(r.cases.map((c) => c.status), ['error', 'error']);
    const d = routeTestDiagnostics(r);
    assert.equal(d.length, 1);
    assert.equal(d[0].ruleId, 'LBT03');
    assert.equal(d[0].message, 'config nope.conf: no such file');
    assert.deepEqual(d[0].range, { start: posOf(text, 'nope.conf'), end: posOf(text, 'nope.conf', 9) });
    assert.deepEqual(summarize([r]), { tests: 2, passed: 0, failed: 0, errors: 2, fileErrors: 0 });
  });

  it('an unknown server to fail is an error on `fail`', () => {
    const text = 'config: nginx.conf\ntests:\n  - { request: "http://shop.example.com/", fail: 10.9.9.9:80, expect: { pool: web } }\n';
    const r = run({ 'nginx.conf': NGINX }, text);
    assert.equal(r.cases[0].status, 'error');
    assert.deepEqual(r.cases[0].failures[0].range.start, posOf(text, '10.9.9.9:80'));
  });
});

describe('route tests: shares', () => {
  it('parses percentages, fractions and comparisons; rejects what is ambiguous', () => {
    assert.deepEqual(parseShare('90%'), { op: '=', value: 0.9 });
    assert.deepEqual(parseShare(0.9), { op: '=', value: 0.9 });
    assert.deepEqual(parseShare('< 10%'), { op: '<', value: 0.1 });
    assert.deepEqual(parseShare('>=0.5'), { op: '>=', value: 0.5 });
    assert.deepEqual(parseShare('at most 10%'), { op: '<=', value: 0.1 });
    assert.deepEqual(parseShare('≥ 50 %'), { op: '>=', value: 0.5 });
    assert.equal(typeof parseShare('50'), 'string', 'a bare number above 1 is ambiguous');
    assert.equal(typeof parseShare('150%'), 'string');
    assert.equal(typeof parseShare(2), 'string');
    assert.equal(typeof parseShare('half'), 'string');
    assert.equal(typeof parseShare(true), 'string');
  });

  it('comparisons are strict; equality has the documented tolerance', () => {
    assert.equal(shareHolds({ op: '<', value: 0.5 }, 0.5), false);
    assert.equal(shareHolds({ op: '<=', value: 0.5 }, 0.5), true);
    assert.equal(shareHolds({ op: '>=', value: 0.5 }, 0.5 - 1e-12), true, 'floating-point noise is not a failure');
    assert.equal(shareHolds({ op: '=', value: 1 / 3 }, 0.333), true);
    assert.equal(shareHolds({ op: '=', value: 0.33 }, 1 / 3), false);
    assert.equal(shareHolds({ op: '=', value: 0 }, 0.001), false);
  });
});

describe('route tests: files', () => {
  it('are recognised by name and never detected as a config, whatever they hold', () => {
    assert.ok(isRouteTestFile('file:///w/routes.lbtest.yaml'));
    assert.ok(isRouteTestFile('/w/a/b.LBTEST.YML'));
    assert.ok(!isRouteTestFile('/w/lbtest.yaml'));
    assert.ok(!isRouteTestFile('/w/routes.lbtest.yaml.bak'));
    const looksLikeConfigs = [
      'apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\n',
      'apiVersion: networking.k8s.io/v1\nkind: Ingress\n',
      'http:\n  routers:\n    r: {}\n  services:\n    s: {}\n',
      'static_resources:\n  listeners: []\n  clusters: []\n',
      'Resources:\n  L:\n    Type: AWS::ElasticLoadBalancingV2::Listener\n',
      'frontend fe\n  bind :80\n',
      'http {\n  upstream a { server 1.2.3.4; }\n}\n',
    ];
    for (const text of looksLikeConfigs) {
      assert.ok(detectFormat('file:///w/x.yaml', text), `the sample is a config when not named as a test: ${text}`);
      assert.equal(detectFormat('file:///w/x.lbtest.yaml', text), undefined, text);
      assert.equal(detectFormat('file:///w/x.lbtest.yml', text, 'nginx'), undefined, text);
    }
  });

  it('discovery in the workspace: breadth first, skips hidden folders and node_modules, bounded', () => {
    const fs = memfs({
      'a.lbtest.yaml': '', 'deep/x/y/z.lbtest.yml': '', 'node_modules/p/n.lbtest.yaml': '', '.git/h.lbtest.yaml': '',
      'b/other.yaml': '', 'b/c.lbtest.yaml': '',
    });
    assert.deepEqual(findRouteTestFiles(fs, ['file:///w']).files, ['file:///w/a.lbtest.yaml', 'file:///w/b/c.lbtest.yaml', 'file:///w/deep/x/y/z.lbtest.yml']);
    const capped = findRouteTestFiles(fs, ['file:///w'], { files: 1, entries: 1000, depth: 10 });
    assert.deepEqual(capped, { files: ['file:///w/a.lbtest.yaml'], truncated: true });
    assert.equal(findRouteTestFiles(fs, ['file:///w'], { files: 10, entries: 1000, depth: 1 }).files.length, 2);
    assert.equal(findRouteTestFiles(fs, ['file:///w'], { files: 10, entries: 2, depth: 10 }).truncated, true);
  });
});

describe('route tests: the JSON Schema (schemas/route-tests.schema.json)', () => {
  const schema = JSON.parse(readFileSync(resolve(REPO, 'schemas/route-tests.schema.json'), 'utf8'));
  const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);

  it('is a valid draft-07 schema that package.json maps *.lbtest.yaml / *.lbtest.yml to', () => {
    const pkg = JSON.parse(readFileSync(resolve(REPO, 'package.json'), 'utf8'));
    assert.deepEqual(pkg.contributes.yamlValidation, [{ fileMatch: ['*.lbtest.yaml', '*.lbtest.yml'], url: './schemas/route-tests.schema.json' }]);
    assert.match(readFileSync(resolve(REPO, '.vscodeignore'), 'utf8'), /^!schemas\/\*\.schema\.json$/m, 'the schema ships in the .vsix');
  });

  it('the examples of docs/route-tests.md and the README are valid for both', () => {
    let blocks = 0;
    for (const doc of ['docs/route-tests.md', 'README.md']) {
      const md = readFileSync(resolve(REPO, doc), 'utf8');
      for (const m of md.matchAll(/```yaml\n([\s\S]*?)```/g)) {
        if (!/^tests:/m.test(m[1])) continue;
        blocks++;
        assert.ok(validate(parseYaml(m[1])), `${doc}: ${JSON.stringify(validate.errors)}\n${m[1]}`);
        const parsed = parseRouteTests('file:///w/doc.lbtest.yaml', m[1]);
        assert.deepEqual([...parsed.problems, ...parsed.cases.flatMap((c) => c.problems)], [], `${doc}:\n${m[1]}`);
      }
    }
    assert.ok(blocks >= 2, `found ${blocks} examples`);
  });

  // Each sample is judged the same way by the schema and by lb-lens' own parser (no problem ⇔ valid).
  const samples: Array<[string, boolean]> = [
    [readFileSync(resolve(REPO, 'examples/incident-fixed/routes.lbtest.yaml'), 'utf8'), true],
    ['config: a.conf\ntests: []\n', true],
    ['config: a.conf\ntests:\n  - request: /\n    headers: { X-A: "1", X-B: [a, b] }\n    sni: a.com\n    port: 8443\n    entry: fe\n    fail: [s1, be/s2]\n    expect:\n      outcome: pool\n      status: 200\n      route: { name: x, line: 3 }\n      entry: fe\n      pool: be\n      pools: { be: 100% }\n      servers: { "*": "<= 50%", s1: 0.5 }\n      not: { pool: x, pools: [y], servers: [s3], route: z, outcome: direct, status: 404, entry: fe2 }\n', true],
    ['config: a.conf\ntests:\n  - { request: /, headers: ["X-A: 1"], expect: { route: null, pool: null, not: { servers: { "*": 100% } } } }\n', true],
    ['config: a.conf\ntests:\n  - { request: /, expect: { entry: null } }\n', true],
    ['confg: a.conf\ntests: []\n', false],
    ['config: a.conf\ntests:\n  - { request: /, expect: {} }\n', false],
    ['config: a.conf\ntests:\n  - { request: /, expect: { sever: { a: 1 } } }\n', false],
    ['config: a.conf\ntests:\n  - { request: /, expect: { servers: { a: lots } } }\n', false],
    ['config: a.conf\ntests:\n  - { request: /, expect: { servers: { a: 2 } } }\n', false],
    ['config: a.conf\ntests:\n  - { request: /, port: 0, expect: { pool: a } }\n', false],
    ['config: a.conf\ntests:\n  - { request: /, port: "80", expect: { pool: a } }\n', false],
    ['config: a.conf\ntests:\n  - { request: /, expect: { outcome: pools } }\n', false],
    ['config: a.conf\ntests:\n  - { expect: { pool: a } }\n', false],
    ['config: a.conf\ntests:\n  - { request: / }\n', false],
    ['config: a.conf\ntests:\n  - { request: /, expect: { route: { line: 0 } } }\n', false],
    ['config: a.conf\ntests:\n  - { request: /, expect: { not: { not: { pool: a } } } }\n', false],
    ['config: a.conf\ntests:\n  - { request: /, expect: { pools: [] } }\n', false],
    ['config: a.conf\ntests:\n  - { request: /, fail: [], expect: { pool: a } }\n', false],
    ['config: a.conf\ntests: {}\n', false],
  ];
  for (const [i, [text, valid]] of samples.entries()) {
    it(`sample ${i + 1}: ${valid ? 'valid' : 'invalid'} for the schema and for lb-lens`, () => {
      const ok = validate(parseYaml(text));
      assert.equal(ok, valid, JSON.stringify(validate.errors));
      const parsed = parseRouteTests('file:///w/s.lbtest.yaml', text);
      const problems = [...parsed.problems, ...parsed.cases.flatMap((c) => c.problems)];
      assert.equal(problems.length === 0, valid, JSON.stringify(problems));
    });
  }
});
