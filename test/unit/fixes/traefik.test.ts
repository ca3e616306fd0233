import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixesFor } from '../../../server/src/service/codeActions';
import { parseToml } from '../../../server/src/formats/traefik/toml';
import { analyzeText } from '../../helpers/edits';
import { checkFix } from './check';

const URI = 'file:///w/dynamic.yml';
const TOML_URI = 'file:///w/dynamic.toml';

/** Routers `name → service` and the services' YAML (at the services' indentation). */
const yml = (routers: Record<string, string>, services: string) =>
  'http:\n  routers:\n' +
  Object.entries(routers).map(([n, svc], i) => `    ${n}:\n      rule: PathPrefix(\`/${n}\`)\n      priority: ${100 - i}\n      service: ${svc}\n`).join('') +
  `  services:\n${services}`;

const lb = (name: string, servers: string[], extra = '') =>
  `    ${name}:\n      loadBalancer:\n        servers:\n${servers.map((s) => `          - url: ${s.replace(' ', '\n            ')}\n`).join('')}${extra}`;

const HC = '        healthCheck:\n          path: /health\n';

describe('Traefik quick fixes (YAML)', () => {
  test('LB107: add healthCheck under loadBalancer (path and interval), not preferred', () => {
    const text = yml({ app: 'app' }, lb('app', ['http://10.0.0.1', 'http://10.0.0.2']));
    const { fix } = checkFix({
      uri: URI, text, ruleId: 'LB107', title: /^Add an active health check/, removed: [],
      added: ['        healthCheck:', '          path: /', '          interval: 10s'],
    });
    assert.equal(fix.isPreferred, undefined, 'a health check path the servers do not serve takes them all out');
  });

  test('LB107: a map with a merge key gets the entry at its own indentation, not the merged map\'s', () => {
    const text = yml({ app: 'app' }, '    base: &base\n      passHostHeader: true\n' + lb('app', ['http://10.0.0.1', 'http://10.0.0.2']).replace('      loadBalancer:\n', '      loadBalancer:\n        <<: *base\n'));
    checkFix({
      uri: URI, text, ruleId: 'LB107', title: /^Add an active health check/, removed: [],
      added: ['        healthCheck:', '          path: /', '          interval: 10s'],
    });
  });

  test('LB102: equal weights removes the weights', () => {
    const text = yml({ app: 'app' }, lb('app', ['http://10.0.0.1 weight: 9', 'http://10.0.0.2 weight: 1   # canary'], HC));
    checkFix({ uri: URI, text, ruleId: 'LB102', title: /equal weight/, removed: ['            weight: 9', '            weight: 1   # canary'], added: [] });
  });

  test('LB101: a weight 0 server gets the default weight again', () => {
    const text = yml({ app: 'app' }, lb('app', ['http://10.0.0.1 weight: 3', 'http://10.0.0.2 weight: 0'], HC));
    checkFix({ uri: URI, text, ruleId: 'LB101', title: /equal weight/, removed: ['            weight: 3', '            weight: 0'], added: [] });
  });

  test('LB101: weights in flow mappings go with their comma', () => {
    const text = yml({ app: 'app' }, `    app:\n      loadBalancer:\n        servers:\n          - { url: "http://10.0.0.1", weight: 3 }\n          - { weight: 0, url: "http://10.0.0.2" }\n${HC}`);
    checkFix({
      uri: URI, text, ruleId: 'LB101', title: /equal weight/,
      removed: ['          - { url: "http://10.0.0.1", weight: 3 }', '          - { weight: 0, url: "http://10.0.0.2" }'],
      added: ['          - { url: "http://10.0.0.1" }', '          - { url: "http://10.0.0.2" }'],
    });
  });

  const TYPO = yml({ api: 'apii@file', web: 'web' }, lb('api', ['http://10.0.1.1', 'http://10.0.1.2'], HC) + lb('web', ['http://10.0.2.1', 'http://10.0.2.2'], HC));

  test('LB103: change to the closest service, keeping @file', () => {
    checkFix({ uri: URI, text: TYPO, ruleId: 'LB103', title: /^Change to "api@file"$/, removed: ['      service: apii@file'], added: ['      service: api@file'] });
  });

  test('LB103: create the missing service', () => {
    checkFix({
      uri: URI, text: TYPO, ruleId: 'LB103', title: /^Create service "apii"$/, removed: [],
      added: ['    apii:', '      loadBalancer:', '        servers:', '          - url: http://127.0.0.1:8080'],
    });
  });

  test('LB105: remove the duplicate server item', () => {
    const text = yml({ app: 'app' }, lb('app', ['http://10.0.0.1', 'http://10.0.0.2', '"http://10.0.0.1:80"'], HC));
    checkFix({ uri: URI, text, ruleId: 'LB105', title: /^Remove the duplicate server/, removed: ['          - url: "http://10.0.0.1:80"'], added: [] });
  });

  test('LB106: delete the router a higher priority catch-all shadows', () => {
    const text = 'http:\n  routers:\n    all:\n      rule: PathPrefix(`/`)\n      priority: 100\n      service: app\n' +
      '    api:\n      rule: PathPrefix(`/api`)\n      priority: 10\n      service: app\n  services:\n' + lb('app', ['http://10.0.0.1', 'http://10.0.0.2'], HC);
    checkFix({
      uri: URI, text, ruleId: 'LB106', title: /^Delete the unreachable router api$/,
      removed: ['    api:', '      rule: PathPrefix(`/api`)', '      priority: 10', '      service: app'], added: [],
    });
  });

  test('LB110: remove the unused service; not when a value names it', () => {
    const text = yml({ web: 'web' }, lb('web', ['http://10.0.2.1', 'http://10.0.2.2'], HC) + lb('old', ['http://10.0.9.1']));
    checkFix({
      uri: URI, text, ruleId: 'LB110', title: /^Remove the unused service "old"$/,
      removed: ['    old:', '      loadBalancer:', '        servers:', '          - url: http://10.0.9.1'], added: [],
    });
    const named = text.replace('rule: PathPrefix(`/web`)', 'rule: PathPrefix(`/web`)\n      middlewares: [old]');
    const a = analyzeText(URI, named);
    const d = a.ownDiagnostics.find((x) => x.ruleId === 'LB110')!;
    assert.ok(d);
    assert.ok(!fixesFor(a, d).some((f) => /^Remove/.test(f.title)));
  });

  test('LB002: a fractional weight is rounded', () => {
    const text = yml({ app: 'app' }, lb('app', ['http://10.0.0.1 weight: 2.5', 'http://10.0.0.2 weight: 3'], HC));
    checkFix({ uri: URI, text, ruleId: 'LB002', title: /^Change to 3 \(an integer\)$/, removed: ['            weight: 2.5'], added: ['            weight: 3'] });
  });

  test('LB002: a weight that is no number is removed (the default is 1)', () => {
    const text = yml({ app: 'app' }, lb('app', ['http://10.0.0.1 weight: heavy', 'http://10.0.0.2'], HC));
    checkFix({ uri: URI, text, ruleId: 'LB002', title: /^Remove the invalid weight/, removed: ['            weight: heavy'], added: [] });
  });
});

const TOML = `# dynamic configuration
[http.routers.web]
  rule = "PathPrefix(\`/\`)"
  service = "web"

[http.routers.api]
  rule = "PathPrefix(\`/api\`)"
  service = "apii"

[http.services]
  [http.services.web.loadBalancer]
    passHostHeader = true
    [[http.services.web.loadBalancer.servers]]
      url = "http://10.0.0.1:80"
      weight = 1
    [[http.services.web.loadBalancer.servers]]
      url = "http://10.0.0.2:80"  # big one
      weight = 9
    [[http.services.web.loadBalancer.servers]]
      url = "http://10.0.0.2:80"

  [[http.services.api.loadBalancer.servers]]
    url = "http://10.0.1.1:80"
  [[http.services.api.loadBalancer.servers]]
    url = "http://10.0.1.2:80"

[http.services.old.loadBalancer]
  servers = [{ url = "http://10.0.9.1:80" }, { url = "http://10.0.9.1:80", weight = 2.5 }]
`;

/** The fixed TOML must still read without errors. */
const tomlOk = (text: string) => assert.deepEqual(parseToml(text).errors, [], text);

describe('Traefik quick fixes (TOML)', () => {
  test('LB107: healthCheck as an inline table after the table\'s own keys', () => {
    const { fixed } = checkFix({
      uri: TOML_URI, text: TOML, ruleId: 'LB107', where: (d) => /"web"/.test(d.message), title: /^Add an active health check/,
      removed: [], added: ['    healthCheck = { path = "/", interval = "10s" }'],
    });
    tomlOk(fixed);
    assert.ok(fixed.includes('    passHostHeader = true\n    healthCheck = '), fixed);
  });

  test('LB107: a loadBalancer only its [[servers]] define gets its own [table] first', () => {
    const { fixed } = checkFix({
      uri: TOML_URI, text: TOML, ruleId: 'LB107', where: (d) => /"api"/.test(d.message), title: /^Add an active health check/,
      removed: [], added: ['  [http.services.api.loadBalancer]', '    healthCheck = { path = "/", interval = "10s" }'],
    });
    tomlOk(fixed);
  });

  test('LB102: equal weights removes the weight lines of [[servers]]', () => {
    checkFix({ uri: TOML_URI, text: TOML, ruleId: 'LB102', title: /equal weight/, removed: ['      weight = 1', '      weight = 9'], added: [] });
  });

  test('LB103: rename and create (an inline table in [http.services])', () => {
    checkFix({ uri: TOML_URI, text: TOML, ruleId: 'LB103', title: /^Change to "api"$/, removed: ['  service = "apii"'], added: ['  service = "api"'] });
    const { fixed } = checkFix({
      uri: TOML_URI, text: TOML, ruleId: 'LB103', title: /^Create service "apii"$/, removed: [],
      added: ['  apii = { loadBalancer = { servers = [{ url = "http://127.0.0.1:8080" }] } }'],
    });
    tomlOk(fixed);
  });

  test('LB105: remove a duplicate [[servers]] table, and a duplicate in an inline array', () => {
    checkFix({
      uri: TOML_URI, text: TOML, ruleId: 'LB105', where: (d) => /"web"/.test(d.message), title: /^Remove the duplicate/,
      removed: ['    [[http.services.web.loadBalancer.servers]]', '      url = "http://10.0.0.2:80"'], added: [],
    });
    const { fixed } = checkFix({
      uri: TOML_URI, text: TOML, ruleId: 'LB105', where: (d) => /"old"/.test(d.message), title: /^Remove the duplicate/,
      removed: ['  servers = [{ url = "http://10.0.9.1:80" }, { url = "http://10.0.9.1:80", weight = 2.5 }]'],
      added: ['  servers = [{ url = "http://10.0.9.1:80" }]'],
    });
    tomlOk(fixed);
  });

  test('LB110: remove an unused service defined by several tables', () => {
    const { fixed } = checkFix({
      uri: TOML_URI, text: TOML.replace('service = "apii"', 'service = "web"'), ruleId: 'LB110', where: (d) => /"api"/.test(d.message),
      title: /^Remove the unused service "api"$/,
      removed: ['', '  [[http.services.api.loadBalancer.servers]]', '    url = "http://10.0.1.1:80"', '  [[http.services.api.loadBalancer.servers]]', '    url = "http://10.0.1.2:80"'],
      added: [],
    });
    tomlOk(fixed);
  });

  test('LB002: a fractional weight in an inline table is rounded', () => {
    checkFix({
      uri: TOML_URI, text: TOML, ruleId: 'LB002', title: /^Change to 3/,
      removed: ['  servers = [{ url = "http://10.0.9.1:80" }, { url = "http://10.0.9.1:80", weight = 2.5 }]'],
      added: ['  servers = [{ url = "http://10.0.9.1:80" }, { url = "http://10.0.9.1:80", weight = 3 }]'],
    });
  });

  test('suppression comment in TOML', () => {
    checkFix({ uri: TOML_URI, text: TOML, ruleId: 'LB103', title: /^Disable LB103/, removed: [], added: ['  # lb-lens-disable-next-line LB103'] });
  });
});
