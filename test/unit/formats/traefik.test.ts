import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeModel } from '../../../server/src/analysis/analyze';
import { traefikFormat, parseRule, parseToml } from '../../../server/src/formats/traefik';
import { toJs } from '../../../server/src/formats/declarative/tree';
import { NO_FILES, type FormatHost } from '../../../server/src/formats/types';
import type { Route, TrafficModel } from '../../../server/src/model/types';
import { detectFormat } from '../../../server/src/service/formats';

const URI = 'file:///etc/traefik/dynamic/app.yml';
const yaml = (...lines: string[]) => lines.join('\n');
const parse = (text: string, host: FormatHost = NO_FILES, uri = URI) => traefikFormat.parse(uri, text, host);
const rules = (m: TrafficModel) => analyzeModel(m).diagnostics.map((d) => d.ruleId).sort();
const ordered = (m: TrafficModel): Route[] => m.routes.slice().sort((a, b) => a.evaluation.index - b.evaluation.index);

/** A folder tree in memory: `files` by URI (plus `self`, the document); `glob` expands `*` within one segment and `..`. */
function folder(files: Record<string, string>, self = URI): FormatHost {
  const all = [self, ...Object.keys(files)];
  return {
    readFile: (uri) => files[uri],
    glob: (pattern, base) => {
      let target = base.slice(0, base.lastIndexOf('/') + 1) + pattern;
      while (/[^/]+\/\.\.\//.test(target)) target = target.replace(/[^/]+\/\.\.\//, '');
      const re = new RegExp(`^${target.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
      return all.filter((u) => re.test(u)).sort();
    },
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

describe('traefik: file formats ("the file provider lets you define the dynamic configuration in a YAML or TOML file")', () => {
  const JSON_CFG = JSON.stringify({
    http: { routers: { r: { rule: 'Host(`a`)', service: 's' } }, services: { s: { loadBalancer: { servers: [{ url: 'http://10.0.0.1' }] } } } },
  }, null, 2);

  it('a .json file is not Traefik configuration (the provider skips other extensions), and no other format claims it', () => {
    assert.equal(traefikFormat.detect('file:///etc/traefik/dynamic/app.json', JSON_CFG), 0);
    assert.equal(detectFormat('file:///etc/traefik/dynamic/app.json', JSON_CFG), undefined);
  });

  it('YAML in flow style (JSON syntax) in a .yml file is Traefik, with exact ranges', () => {
    assert.equal(detectFormat(URI, JSON_CFG)?.id, 'traefik');
    const m = parse(JSON_CFG);
    assert.deepEqual(m.problems, []);
    const lines = JSON_CFG.split('\n');
    const route = m.routes[0];
    // The router runs from its key `"r"` to its closing brace.
    assert.equal(lines[route.source.range.start.line].slice(route.source.range.start.character), '"r": {');
    assert.equal(lines[route.source.range.end.line].slice(0, route.source.range.end.character).trim(), '}');
    assert.equal(route.target.kind, 'pool');
    const server = m.pools[0].servers[0];
    assert.equal(server.address, 'http://10.0.0.1');
    assert.equal(lines[server.source.range.start.line + 1].trim(), '"url": "http://10.0.0.1"');
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
    // `any` (priority 36 = rule length) matches every host (`HostRegexp(`.*`)`) and every path: it takes the
    // requests of every router after it — `all` (27), `api` (18) and `also` (priority 1).
    const shadowed = analyzeModel(m).diagnostics.filter((d) => d.ruleId === 'LB106');
    assert.deepEqual(shadowed.map((d) => d.message.split(' can')[0]).sort(), ['router all', 'router also', 'router api']);
    assert.equal(parseRule('Host(`a`) || Host(`b`)').match[0].op, 'opaque');
  });

  it('"the priority is directly equal to the length of the rule" in bytes (Go len): non-ASCII characters count as UTF-8', () => {
    const m = parse(yaml(
      'http:', '  routers:',
      '    accents: {rule: "Path(`/éé`)", service: web}', // 11 characters, 13 bytes
      '    plain: {rule: "Path(`/abcd`)", service: web}', // 13 characters, 13 bytes
      '  services:', '    web: {loadBalancer: {servers: [{url: "http://a"}]}}',
    ));
    const [a, b] = m.routes;
    assert.equal(a.evaluation.index, b.evaluation.index);
  });

  it('a TCP HostSNI(`*`) router without priority is the fallback, evaluated last (the TCP muxer gives it -1)', () => {
    const m = parse(yaml(
      'tcp:', '  routers:',
      '    all: {rule: "HostSNI(`*`)", service: db}', // 12 bytes
      '    h2: {rule: "ALPN(`h2`)", service: db}', // 10 bytes: still before the fallback
      '    pinned: {rule: "HostSNI(`*`)", priority: 3, service: db}',
      '  services:', '    db: {loadBalancer: {servers: [{address: "10.0.0.1:5432"}]}}',
    ));
    assert.deepEqual(ordered(m).map((r) => r.name), ['router h2', 'router pinned', 'router all']);
    // `pinned` (explicit 3) takes all of `all`'s connections, and nothing shadows ALPN(`h2`).
    const shadowed = analyzeModel(m).diagnostics.filter((d) => d.ruleId === 'LB106');
    assert.deepEqual(shadowed.map((d) => d.message.split(' can')[0]), ['router all']);
  });

  it('Host(`*.example.com`) matches exactly one subdomain label (v3 wildcard); in ruleSyntax v2 it is a plain name', () => {
    assert.deepEqual(parseRule('Host(`*.Example.com`)').match, [{ field: 'host', op: 'regex', value: '^[^.]+\\.example\\.com$' }]);
    assert.deepEqual(parseRule('Host(`*.example.com`)', 'v2').match, [{ field: 'host', op: 'exact', value: '*.example.com' }]);
    assert.equal(parseRule('Host(`a.*.com`)').match[0].op, 'opaque');
    // Explicitly equal priorities on the wildcard and a name it matches: one request can match both (LB111).
    const cfg = (syntax: string) => yaml(
      'http:', '  routers:',
      `    wild: {rule: "Host(\`*.example.com\`)", priority: 5, service: web, ruleSyntax: ${syntax}}`,
      '    api: {rule: "Host(`api.example.com`)", priority: 5, service: web}',
      '  services:', '    web: {loadBalancer: {servers: [{url: "http://a"}]}}',
    );
    assert.deepEqual(rules(parse(cfg('v3'))).filter((r) => r === 'LB111'), ['LB111']);
    assert.deepEqual(rules(parse(cfg('v2'))).filter((r) => r === 'LB111'), []);
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

  it('"a handler with a non-positive weight is ignored": a negative weight gets no traffic and is no error; a non-integer is LB002', () => {
    const m = parse(yaml(
      'http:', '  routers:', '    r: {rule: "Host(`r`)", service: s}', '  services:',
      '    s:', '      loadBalancer:', '        healthCheck: {path: /}',
      '        servers: [{url: "http://10.0.0.1"}, {url: "http://10.0.0.2", weight: -1}, {url: "http://10.0.0.3", weight: 1.5}]',
    ));
    assert.deepEqual(shares(m, 'r'), { 's:http://10.0.0.1': 0.5, 's:http://10.0.0.2': 0, 's:http://10.0.0.3': 0.5 });
    assert.deepEqual(m.problems.map((p) => `${p.ruleId} ${p.message}`), ['LB002 server weight must be an integer (a Go int, -9223372036854775808 to 9223372036854775807), not "1.5".']);
  });

  it('failover with `errors` ("status code-based failover") checks the main service passively: no LB107', () => {
    const cfg = (errors: string) => yaml(
      'http:', '  routers:', '    r: {rule: "Host(`r`)", service: app}', '  services:',
      `    app: {failover: {service: main, fallback: spare${errors}}}`,
      '    main: {loadBalancer: {servers: [{url: "http://10.0.0.1"}]}}',
      '    spare: {loadBalancer: {servers: [{url: "http://10.0.0.2"}]}}',
    );
    assert.deepEqual(rules(parse(cfg(''))).filter((r) => r === 'LB107'), ['LB107']);
    const m = parse(cfg(', errors: {status: ["500-504"]}'));
    assert.deepEqual(rules(m).filter((r) => r === 'LB107'), []);
    assert.deepEqual(shares(m, 'r'), { 'app:http://10.0.0.1': 1, 'app:http://10.0.0.2': 0 });
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

describe('traefik: weighted, highestRandomWeight and mirroring services are named definitions', () => {
  const line = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle));
  const findings = (m: TrafficModel, id: string) => analyzeModel(m).diagnostics.filter((d) => d.ruleId === id).map((d) => `${d.range.start.line} ${d.message}`);
  const CHAIN = yaml(
    'http:', '  routers:',
    '    a: {rule: "Host(`a`)", service: outer}',
    '    b: {rule: "Host(`b`)", service: outer@file}',
    '  services:',
    '    outer:', '      weighted:', '        services: [{name: blue, weight: 3}, {name: canary}]',
    '    canary:', '      mirroring: {service: green, mirrors: [{name: blue, percent: 5}]}',
    '    hrw:', '      highestRandomWeight:', '        services: [{name: green}]',
    '    fo: {failover: {service: blue, fallback: green}}',
    '    blue: {loadBalancer: {healthCheck: {path: /}, servers: [{url: "http://10.0.0.1"}, {url: "http://10.0.0.2"}]}}',
    '    green: {loadBalancer: {healthCheck: {path: /}, servers: [{url: "http://10.0.1.1"}, {url: "http://10.0.1.2"}]}}',
  );

  it('each is a definition at its key (not a pool); failover stays a pool; the names on the way are mentions, once each', () => {
    const m = parse(CHAIN);
    assert.deepEqual(m.definitions!.map((d) => [d.name, d.namespace, d.kind, d.nameSource.range.start.line]), [
      ['outer', 'http', 'weighted', line(CHAIN, 'outer:')], ['canary', 'http', 'mirroring', line(CHAIN, 'canary:')], ['hrw', 'http', 'highestRandomWeight', line(CHAIN, 'hrw:')],
    ]);
    const outer = m.definitions![0];
    assert.deepEqual(outer.nameSource.range, { start: { line: 5, character: 4 }, end: { line: 5, character: 9 } });
    assert.equal(outer.source.range.start.line, 5);
    assert.ok(outer.source.range.end.line >= 7);
    assert.deepEqual(m.pools.map((p) => `${p.name} ${p.kind}`), ['fo failover', 'blue loadBalancer', 'green loadBalancer']);
    // Both routers name `outer`; `canary` is named once in the text although both routes reach it.
    const mentions = (name: string) => m.mentions.filter((x) => x.name === name).map((x) => x.source.range.start.line);
    assert.deepEqual(mentions('outer'), [2, 3]);
    assert.deepEqual(mentions('canary'), [line(CHAIN, 'name: canary')]);
  });

  it('LB110: a definition nothing names is unused; one named only by an unused one is not; the pools behind it as before', () => {
    const m = parse(yaml(
      'http:', '  routers:', '    r: {rule: "Host(`r`)", service: web}', '  services:',
      '    web: {loadBalancer: {healthCheck: {path: /}, servers: [{url: "http://10.0.0.1"}, {url: "http://10.0.0.2"}]}}',
      '    old:', '      weighted:', '        services: [{name: web}, {name: inner}]',
      '    inner:', '      mirroring: {service: spare}',
      '    spare: {loadBalancer: {healthCheck: {path: /}, servers: [{url: "http://10.0.1.1"}, {url: "http://10.0.1.2"}]}}',
    ), folder({}));
    assert.equal(m.closedWorld, true);
    assert.deepEqual(findings(m, 'LB110'), ['5 "old" is defined but no route sends traffic to it.', '10 "spare" is defined but no route sends traffic to it.']);
    const d = analyzeModel(m).diagnostics.find((x) => x.ruleId === 'LB110')!;
    assert.deepEqual(d.tags, ['unnecessary']);
    // Used through a router, a definition is quiet, and so is everything of its chain (only the failover `fo` is unused).
    const fo = `${line(CHAIN, 'fo:')} "fo" is defined but no route sends traffic to it.`;
    assert.deepEqual(findings(parse(CHAIN.replace('service: outer@file', 'service: hrw'), folder({})), 'LB110'), [fo]);
    assert.deepEqual(findings(parse(CHAIN.replace('service: outer@file', 'service: blue'), folder({})), 'LB110'), [`${line(CHAIN, 'hrw:')} "hrw" is defined but no route sends traffic to it.`, fo]);
  });

  it('LB103 suggests the name of a weighted service', () => {
    const m = parse(CHAIN.replace('service: outer@file', 'service: outr'), folder({}));
    assert.deepEqual(findings(m, 'LB103'), ['3 "outr" is not defined; did you mean "outer"?']);
  });

  it('the LB110 page\'s Traefik examples: the bad one reports the split and the load balancer behind it, the fixed one nothing', () => {
    const page = readFileSync(resolve(__dirname, '../../../docs/rules/LB110.md'), 'utf8');
    const block = (heading: string) => new RegExp(`## ${heading}[\\s\\S]*?\`\`\`yaml\\n([\\s\\S]*?)\`\`\``).exec(page)![1];
    assert.deepEqual(findings(parse(block('Bad \\(Traefik\\)'), folder({})), 'LB110').map((f) => f.replace(/^\d+ /, '')), [
      '"shop-split" is defined but no route sends traffic to it.', '"shop-v2" is defined but no route sends traffic to it.',
    ]);
    assert.deepEqual(findings(parse(block('Fixed \\(Traefik\\)'), folder({})), 'LB110'), []);
  });

  it('TOML: the weighted service is a definition at its name in the table header', () => {
    const text = yaml(
      '[http.routers.r]', '  rule = "Host(`a`)"', '  service = "split"',
      '[[http.services.split.weighted.services]]', '  name = "web"',
      '[[http.services.web.loadBalancer.servers]]', '  url = "http://10.0.0.1"',
    );
    const m = parse(text, NO_FILES, 'file:///etc/traefik/dynamic.toml');
    const [d] = m.definitions!;
    assert.equal(d.name, 'split');
    assert.deepEqual(d.nameSource.range.start, { line: 3, character: text.split('\n')[3].indexOf('split') });
    assert.deepEqual(m.mentions.map((x) => [x.name, x.source.range.start.line]), [['split', 2]]);
  });

  it('across the provider directory: a sibling\'s weighted service is a definition of that file; pools behind one a sibling router uses are not unused', () => {
    const SERVICES = 'file:///etc/traefik/dynamic/services.yml';
    const services = yaml(
      'http:', '  services:', '    split:', '      weighted:', '        services: [{name: blue}, {name: canary}]',
      '    canary: {mirroring: {service: green}}',
      '    blue: {loadBalancer: {healthCheck: {path: /}, servers: [{url: "http://10.0.0.1"}, {url: "http://10.0.0.2"}]}}',
      '    green: {loadBalancer: {healthCheck: {path: /}, servers: [{url: "http://10.0.1.1"}, {url: "http://10.0.1.2"}]}}',
    );
    const routers = yaml('http:', '  routers:', '    r: {rule: "Host(`a`)", service: split@file}');
    const fromRouters = parse(routers, folder({ [SERVICES]: services }));
    assert.deepEqual(fromRouters.definitions!.map((d) => [d.name, d.nameSource.uri, d.referencedElsewhere]), [['split', SERVICES, true], ['canary', SERVICES, true]]);
    assert.deepEqual(rules(fromRouters), []);
    // The services file alone sees the router only as a mention of `split`: blue and green are still reached.
    const fromServices = parse(services, folder({ [URI]: routers }, SERVICES), SERVICES);
    assert.equal(fromServices.closedWorld, true);
    assert.deepEqual(rules(fromServices), []);
    assert.deepEqual(fromServices.mentions.filter((x) => x.source.uri === SERVICES).map((x) => x.name).sort(), ['blue', 'canary', 'green']);
    // Without the router, the split is unused, and so are the load balancers behind it.
    assert.deepEqual(findings(parse(services, folder({}, SERVICES), SERVICES), 'LB110').map((f) => f.replace(/^\d+ /, '').split(' ')[0]), ['"split"', '"blue"', '"green"']);
  });

  it('CRDs: TraefikService weighted and mirroring are definitions at metadata.name; the IngressRoute naming one mentions it', () => {
    const text = yaml(
      'apiVersion: traefik.io/v1alpha1', 'kind: IngressRoute', 'metadata: {name: app}', 'spec:', '  routes:',
      '  - match: Host(`a`)', '    kind: Rule', '    services: [{name: wrr, kind: TraefikService}]',
      '---',
      'apiVersion: traefik.io/v1alpha1', 'kind: TraefikService', 'metadata: {name: wrr}', 'spec:', '  weighted:',
      '    services: [{name: v1, port: 80}, {name: shadow, kind: TraefikService}]',
      '---',
      'apiVersion: traefik.io/v1alpha1', 'kind: TraefikService', 'metadata: {name: shadow}', 'spec:', '  mirroring: {name: v1, port: 80, mirrors: [{name: v2, port: 80, percent: 10}]}',
    );
    const m = parse(text);
    assert.deepEqual(m.definitions!.map((d) => [d.name, d.kind, d.nameSource.range.start]), [
      ['wrr', 'weighted', { line: 11, character: text.split('\n')[11].indexOf('wrr') }],
      ['shadow', 'mirroring', { line: 18, character: text.split('\n')[18].indexOf('shadow') }],
    ]);
    assert.deepEqual(m.mentions.map((x) => [x.name, x.source.range.start.line]), [['wrr', 7], ['shadow', 14]]);
    assert.equal(m.closedWorld, false);
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

  it('a `directory` is read with its subdirectories: services one folder down resolve (no LB103)', () => {
    const m = parse(ROUTERS, folder({
      'file:///etc/traefik/dynamic/services/web.yml': yaml('http:', '  services:', '    web: {loadBalancer: {servers: [{url: "http://10.0.0.1"}]}}'),
      'file:///etc/traefik/dynamic/legacy/gone.toml': '[[http.services.gone.loadBalancer.servers]]\nurl = "http://10.0.0.2"\n',
    }));
    assert.equal(m.closedWorld, true);
    assert.deepEqual(rules(m).filter((r) => r === 'LB103'), []);
  });

  it('only .yml/.yaml/.toml files count (the provider skips other extensions): a .json sibling defines nothing', () => {
    const m = parse(ROUTERS, folder({
      'file:///etc/traefik/dynamic/services.json': JSON.stringify({ http: { services: { web: { loadBalancer: { servers: [{ url: 'http://a' }] } }, gone: {} } } }),
    }));
    assert.equal(m.closedWorld, true);
    assert.deepEqual(rules(m).filter((r) => r === 'LB103'), ['LB103', 'LB103']);
  });

  it('a folder above with dynamic configuration may be the provider directory: open world (no LB103); static configuration does not count', () => {
    const sub = 'file:///etc/traefik/dynamic/extra/app.yml';
    const services = yaml('http:', '  services:', '    web: {loadBalancer: {servers: [{url: "http://10.0.0.1"}]}}');
    const open = parse(ROUTERS, folder({ 'file:///etc/traefik/dynamic/common.yml': services }, sub), sub);
    assert.equal(open.closedWorld, false);
    assert.deepEqual(rules(open), []);
    const stat = parse(ROUTERS, folder({ 'file:///etc/traefik/dynamic/traefik.yml': 'entryPoints:\n  web:\n    address: ":80"\n' }, sub), sub);
    assert.equal(stat.closedWorld, true);
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
