import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeModel } from '../../../server/src/analysis/analyze';
import { traefikFormat, parseRule, parseToml } from '../../../server/src/formats/traefik';
import { toJs } from '../../../server/src/formats/declarative/tree';
import { NO_FILES, type FormatHost } from '../../../server/src/formats/types';
import type { Route, TrafficModel } from '../../../server/src/model/types';

const URI = 'file:///etc/traefik/dynamic/app.yml';
const yaml = (...lines: string[]) => lines.join('\n');
const parse = (text: string, host: FormatHost = NO_FILES, uri = URI) => traefikFormat.parse(uri, text, host);
const rules = (m: TrafficModel) => analyzeModel(m).diagnostics.map((d) => d.ruleId).sort();
const ordered = (m: TrafficModel): Route[] => m.routes.slice().sort((a, b) => a.evaluation.index - b.evaluation.index);

function folder(files: Record<string, string>, self = URI): FormatHost {
  return {
    readFile: (uri) => files[uri],
    glob: (pattern) => [self, ...Object.keys(files)].filter((u) => u.endsWith(pattern.slice(1))).sort(),
  };
}

function shares(m: TrafficModel, routeName: string): Record<string, number> {
  const route = m.routes.find((r) => r.name === `router ${routeName}`)!;
  const d = analyzeModel(m).distributions.get(route.id)!;
  return Object.fromEntries(d.shares.map((s) => [`${s.pool.name}:${s.server.address}`, Math.round(s.share * 1000) / 1000]));
}

describe('traefik: detection', () => {
  it('claims dynamic configuration (YAML, TOML) and Traefik CRDs only', () => {
    assert.ok(traefikFormat.detect(URI, 'http:\n  routers:\n    r: {rule: "Host(`a`)", service: s}\n') >= 0.9);
    assert.ok(traefikFormat.detect('file:///d.toml', '[http.routers.r]\n  rule = "Host(`a`)"\n') >= 0.9);
    assert.ok(traefikFormat.detect(URI, 'apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\n') >= 0.9);
    assert.equal(traefikFormat.detect(URI, 'services:\n  web:\n    image: traefik\n'), 0);
    assert.equal(traefikFormat.detect(URI, 'entryPoints:\n  web:\n    address: ":80"\nproviders:\n  docker: {}\n'), 0);
    assert.equal(traefikFormat.detect('file:///package.json', '{"name": "x"}'), 0);
  });
});

describe('traefik: router priority (default: the length of the rule, higher first)', () => {
  const CFG = yaml(
    'http:',
    '  routers:',
    '    short:',
    '      rule: "PathPrefix(`/`)"',
    '      service: web',
    '    long:',
    '      rule: "Host(`a.example.com`) && PathPrefix(`/api`)"',
    '      service: web',
    '    pinned:',
    '      rule: "PathPrefix(`/x`)"',
    '      priority: 1000',
    '      service: web',
    '  services:',
    '    web:',
    '      loadBalancer:',
    '        healthCheck: {path: /health}',
    '        servers: [{url: "http://10.0.0.1:8080"}, {url: "http://10.0.0.2:8080"}]',
  );

  it('sorts by explicit priority, then by rule length', () => {
    const m = parse(CFG);
    assert.deepEqual(ordered(m).map((r) => r.name), ['router pinned', 'router long', 'router short']);
    assert.deepEqual(ordered(m)[1].match, [{ field: 'host', op: 'exact', value: 'a.example.com' }, { field: 'path', op: 'prefix', value: '/api' }]);
    assert.equal(ordered(m)[2].catchAll, true);
    assert.deepEqual(rules(m), []);
  });

  it('a longer catch-all rule shadows a shorter specific one (LB106)', () => {
    const m = parse(yaml(
      'http:', '  routers:',
      '    api: {rule: "PathPrefix(`/api`)", service: web}',
      '    all: {rule: "PathPrefix(`/`) || Host(`x`)", service: web}',
      '    any: {rule: "HostRegexp(`.*`) && PathPrefix(`/`)", service: web}',
      '    also: {rule: "PathPrefix(`/api`) && Method(`GET`)", service: web, priority: 1}',
      '  services:', '    web: {loadBalancer: {servers: [{url: "http://a"}]}}',
    ));
    // `also` (priority 1) comes after `api` (priority 18 = rule length), which takes all its requests. The
    // `||` rule and the host regex are opaque/regex conditions: they shadow nothing.
    const shadowed = analyzeModel(m).diagnostics.filter((d) => d.ruleId === 'LB106');
    assert.deepEqual(shadowed.map((d) => d.message.split(' can')[0]), ['router also']);
    assert.equal(parseRule('Host(`a`) || Host(`b`)').match[0].op, 'opaque');
  });

  it('LB111 for explicitly equal priorities on rules that can overlap; never for default priorities', () => {
    const m = parse(yaml(
      'http:', '  routers:',
      '    a: {rule: "PathPrefix(`/a`)", priority: 10, service: web}',
      '    b: {rule: "PathPrefix(`/b`)", priority: 10, service: web}',
      '    c: {rule: "Host(`c`)", priority: 10, service: web}',
      '    d: {rule: "PathPrefix(`/d`)", service: web}',
      '    e: {rule: "PathPrefix(`/e`)", service: web}',
      '  services:', '    web: {loadBalancer: {servers: [{url: "http://a"}]}}',
    ));
    // a/b differ on the path prefix (disjoint); c may overlap with both.
    assert.deepEqual(rules(m).filter((r) => r === 'LB111'), ['LB111', 'LB111']);
  });
});

describe('traefik: services', () => {
  const SVC = yaml(
    'http:', '  routers:',
    '    w: {rule: "Host(`w`)", service: split}',
    '    m: {rule: "Host(`m`)", service: mirror}',
    '    f: {rule: "Host(`f`)", service: fo}',
    '    z: {rule: "Host(`z`)", service: zero}',
    '  services:',
    '    split:', '      weighted:', '        services: [{name: blue, weight: 3}, {name: green, weight: 1}]',
    '    mirror:', '      mirroring:', '        service: blue', '        mirrors: [{name: green, percent: 10}]',
    '    fo:', '      failover: {service: blue, fallback: green}',
    '    zero:', '      loadBalancer:', '        servers: [{url: "http://10.0.0.5"}, {url: "http://10.0.0.6", weight: 0}]',
    '    blue: {loadBalancer: {healthCheck: {path: /}, servers: [{url: "http://10.0.0.1"}, {url: "http://10.0.0.2"}]}}',
    '    green: {loadBalancer: {healthCheck: {path: /}, servers: [{url: "http://10.0.1.1"}, {url: "http://10.0.1.2"}]}}',
  );

  it('weighted splits by weight; mirrors are not traffic shares; failover fallback is a backup', () => {
    const m = parse(SVC);
    assert.deepEqual(shares(m, 'w'), { 'blue:http://10.0.0.1': 0.375, 'blue:http://10.0.0.2': 0.375, 'green:http://10.0.1.1': 0.125, 'green:http://10.0.1.2': 0.125 });
    assert.deepEqual(shares(m, 'm'), { 'blue:http://10.0.0.1': 0.5, 'blue:http://10.0.0.2': 0.5 });
    assert.deepEqual(shares(m, 'f'), { 'fo:http://10.0.0.1': 0.5, 'fo:http://10.0.0.2': 0.5, 'fo:http://10.0.1.1': 0, 'fo:http://10.0.1.2': 0 });
    assert.equal(m.pools.find((p) => p.name === 'fo')!.servers[2].state, 'backup');
  });

  it('weight 0 removes a server: LB101 when one is left', () => {
    const m = parse(SVC);
    assert.deepEqual(shares(m, 'z'), { 'zero:http://10.0.0.5': 1, 'zero:http://10.0.0.6': 0 });
    assert.deepEqual(rules(m), ['LB101', 'LB107']);
  });

  it('name@provider: @file is this provider, @internal answers itself, other providers are run-time targets', () => {
    const m = parse(yaml(
      'http:', '  routers:',
      '    a: {rule: "Host(`a`)", service: web@file}',
      '    b: {rule: "Host(`b`)", service: api@internal}',
      '    c: {rule: "Host(`c`)", service: whoami@docker}',
      '  services:', '    web: {loadBalancer: {servers: [{url: "http://a"}]}}',
    ));
    const t = Object.fromEntries(m.routes.map((r) => [r.name, r.target.kind]));
    assert.deepEqual(t, { 'router a': 'pool', 'router b': 'none', 'router c': 'dynamic' });
  });
});

describe('traefik: TOML (hand-written reader with ranges)', () => {
  it('reads tables, dotted keys, arrays of tables, inline tables and values with exact ranges', () => {
    const r = parseToml(yaml(
      '# dynamic', '[http.routers.r]', '  rule = "Host(`a`)"', '  entryPoints = ["web", \'websecure\',]', '  priority = 1_0',
      '[[http.services.s.loadBalancer.servers]]', 'url = """http://a"""', '[[http.services.s.loadBalancer.servers]]', 'url = "http://b"', 'x = {a.b = 1, c = true}',
    ));
    assert.deepEqual(r.errors, []);
    assert.deepEqual(toJs(r.root), {
      http: { routers: { r: { rule: 'Host(`a`)', entryPoints: ['web', 'websecure'], priority: 10 } },
        services: { s: { loadBalancer: { servers: [{ url: 'http://a' }, { url: 'http://b', x: { a: { b: 1 }, c: true } }] } } } },
    });
    assert.equal(r.comments[0].text, '# dynamic');
  });

  it('keeps going after an error (LB001 per bad line) and lowers the rest', () => {
    const m = parse(yaml(
      '[http.routers.r]', '  rule = "Host(`a`)"', '  service = "web"', '  oops', '[http.services.web.loadBalancer]', '  [[http.services.web.loadBalancer.servers]]', '    url = "http://a:80"',
    ), NO_FILES, 'file:///etc/traefik/dynamic.toml');
    assert.deepEqual(m.problems.map((p) => `${p.ruleId} ${p.source.range.start.line}`), ['LB001 3']);
    assert.equal(m.routes[0].target.kind, 'pool');
    assert.equal(m.pools[0].servers[0].address, 'http://a:80');
  });
});

describe('traefik: file provider directory (cross-file) and open world', () => {
  const ROUTERS = yaml('http:', '  routers:', '    r: {rule: "Host(`a`)", service: web}', '    s: {rule: "Host(`b`)", service: gone}');
  it('a single file is open: no LB103 for services it cannot see', () => {
    const m = parse(ROUTERS);
    assert.equal(m.closedWorld, false);
    assert.deepEqual(rules(m), []);
  });

  it('resolves services of sibling files and reports LB103 only when the whole folder was read', () => {
    const m = parse(ROUTERS, folder({ 'file:///etc/traefik/dynamic/services.toml': '[[http.services.web.loadBalancer.servers]]\nurl = "http://10.0.0.1"\n' }));
    assert.equal(m.closedWorld, true);
    const a = analyzeModel(m);
    assert.deepEqual(a.diagnostics.filter((d) => d.ruleId === 'LB103').map((d) => `${d.uri} ${d.message}`), [`${URI} "gone" is not defined.`]);
    assert.equal(m.pools[0].source.uri, 'file:///etc/traefik/dynamic/services.toml');
  });

  it('a service used only by a sibling file is not unused (LB110)', () => {
    const m = parse(yaml('http:', '  services:', '    web: {loadBalancer: {servers: [{url: "http://a"}]}}'), folder({ 'file:///etc/traefik/dynamic/r.yml': ROUTERS }));
    assert.deepEqual(rules(m), []);
  });
});

describe('traefik: CRDs', () => {
  it('IngressRoute services are Kubernetes Services with weights; TraefikService weighted', () => {
    const m = parse(yaml(
      'apiVersion: traefik.io/v1alpha1', 'kind: IngressRoute', 'metadata: {name: app}', 'spec:', '  entryPoints: [web]', '  routes:',
      '  - match: Host(`app`)', '    kind: Rule', '    services: [{name: v1, port: 80, weight: 100}, {name: v2, port: 80, weight: 0}]',
      '  - match: Host(`tw`)', '    kind: Rule', '    services: [{name: tw, kind: TraefikService}]',
      '---',
      'apiVersion: traefik.containo.us/v1alpha1', 'kind: TraefikService', 'metadata: {name: tw}', 'spec:', '  weighted:', '    services: [{name: a, port: 80, weight: 1}, {name: b, port: 80, weight: 1}]',
    ));
    assert.equal(m.closedWorld, false);
    assert.deepEqual(rules(m), []);
    const tw = m.routes.find((r) => r.matchText === 'Host(`tw`)')!;
    assert.equal(tw.target.kind, 'split');
  });
});
