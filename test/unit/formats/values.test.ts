import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { analyzeModel } from '../../../server/src/analysis/analyze';
import { lowerEnvoy } from '../../../server/src/formats/envoy';
import { parseToml } from '../../../server/src/formats/traefik';
import { loadYaml } from '../../../server/src/formats/yaml/yamlFile';
import type { TrafficModel } from '../../../server/src/model/types';
import { analyzeText } from '../../helpers/edits';

/**
 * Values as the products take them: a byte order mark, and numbers outside the product's range. Where the product
 * is installed (Debian `nginx` and `haproxy` here and in CI), it is the oracle: lb-lens must refuse exactly what
 * `nginx -t` / `haproxy -c` refuse.
 */

const BOM = '\uFEFF';
const tmp = mkdtempSync(join(tmpdir(), 'lb-lens-values-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const has = (cmd: string, arg: string) => !spawnSync(cmd, [arg], { stdio: 'ignore' }).error;
const NGINX = has('nginx', '-v');
const HAPROXY = has('haproxy', '-v');

/** `nginx -t` on a configuration text: true when nginx accepts it. */
function nginxAccepts(text: string): { ok: boolean; out: string } {
  const dir = mkdtempSync(join(tmp, 'ng-'));
  mkdirSync(join(dir, 'logs'));
  writeFileSync(join(dir, 'nginx.conf'), text);
  const r = spawnSync('nginx', ['-t', '-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-g', `pid ${dir}/nginx.pid; error_log stderr;`], { encoding: 'utf8' });
  return { ok: r.status === 0, out: r.stderr };
}

/** `haproxy -c`: exit 0, or 2 ("no error but will not start": no listener), is acceptance. */
function haproxyAccepts(text: string): { ok: boolean; out: string } {
  const file = join(mkdtempSync(join(tmp, 'hap-')), 'haproxy.cfg');
  writeFileSync(file, text);
  const r = spawnSync('haproxy', ['-c', '-f', file], { encoding: 'utf8' });
  return { ok: r.status === 0 || r.status === 2, out: r.stdout + r.stderr };
}

const errors = (uri: string, text: string) =>
  analyzeText(uri, text).diagnostics.filter((d) => d.ruleId === 'LB001' || d.ruleId === 'LB002');

const NGINX_CONF = (upstreamServer: string, listen = '8080') =>
  `events {}\nhttp {\n  upstream u {\n    server 127.0.0.1:8081 ${upstreamServer};\n    server 127.0.0.2:8081;\n  }\n  server {\n    listen ${listen};\n    location / { proxy_pass http://u; }\n  }\n}\n`;

const HAPROXY_CFG = (server: string) =>
  `defaults\n  mode http\n  timeout connect 1s\n  timeout client 1s\n  timeout server 1s\nfrontend f\n  bind 127.0.0.1:8080\n  default_backend b\nbackend b\n  ${server}\n  server s2 127.0.0.2:80\n`;

function shares(m: TrafficModel): number[] {
  const a = analyzeModel(m);
  const d = [...a.distributions.values()][0];
  return d.shares.map((s) => Math.round(s.share * 1000) / 10);
}

describe('a UTF-8 byte order mark, as each product reads it', () => {
  it('nginx: LB001 at the mark (nginx -t: unknown directive), and the rest analysed as without it', () => {
    const text = BOM + NGINX_CONF('weight=2');
    const e = errors('file:///w/nginx.conf', text);
    assert.equal(e.length, 1);
    assert.match(e[0].message, /starts with a UTF-8 byte order mark \(BOM\): nginx reads it as part of the first directive and rejects the configuration/);
    assert.deepEqual([e[0].range.start, e[0].range.end], [{ line: 0, character: 0 }, { line: 0, character: 1 }]);
    // The configuration behind the mark is read: the same shares as without it.
    assert.deepEqual(shares(analyzeText('file:///w/nginx.conf', text).model), shares(analyzeText('file:///w/nginx.conf', NGINX_CONF('weight=2')).model));
  });

  it('nginx: an included file with a mark is refused as well', () => {
    const main = 'events {}\nhttp {\n  include conf.d/*.conf;\n}\n';
    const a = analyzeText('file:///w/nginx.conf', main, { files: { 'file:///w/conf.d/app.conf': `${BOM}server { listen 80; location / { return 200; } }\n` } });
    const bom = a.diagnostics.filter((d) => /byte order mark/.test(d.message));
    assert.equal(bom.length, 1);
    assert.equal(bom[0].uri, 'file:///w/conf.d/app.conf');
  });

  it('nginx -t agrees (oracle)', { skip: NGINX ? false : 'nginx is not installed' }, () => {
    const r = nginxAccepts(BOM + NGINX_CONF(''));
    assert.equal(r.ok, false);
    assert.match(r.out, /unknown directive "\uFEFFevents"/);
    assert.equal(nginxAccepts(NGINX_CONF('')).ok, true);
  });

  it('HAProxy: one LB001 at the mark (haproxy -c: unknown keyword out of section), not one per line of the section', () => {
    const text = `${BOM}global\n  maxconn 100\n${HAPROXY_CFG('server s1 127.0.0.1:80')}`;
    const e = errors('file:///w/haproxy.cfg', text);
    assert.deepEqual(e.map((d) => [d.ruleId, d.range.start.line]), [['LB001', 0]]);
    assert.match(e[0].message, /HAProxy reads it as part of the first keyword and refuses the configuration/);
  });

  it('haproxy -c agrees (oracle)', { skip: HAPROXY ? false : 'haproxy is not installed' }, () => {
    const r = haproxyAccepts(`${BOM}global\n  maxconn 100\n${HAPROXY_CFG('server s1 127.0.0.1:80')}`);
    assert.equal(r.ok, false);
    assert.match(r.out, /unknown keyword '\uFEFFglobal' out of section/);
    assert.equal(haproxyAccepts(`global\n  maxconn 100\n${HAPROXY_CFG('server s1 127.0.0.1:80')}`).ok, true);
  });

  it('TOML (Traefik): skipped, as BurntSushi/toml skips it; YAML/JSON: allowed by the YAML spec', () => {
    const toml = parseToml(`${BOM}[http.services.s.loadBalancer]\nservers = [{url = "http://10.0.0.1"}]\n`);
    assert.deepEqual(toml.errors, []);
    assert.equal(toml.root.pairs![0].key, 'http');
    const y = loadYaml(`${BOM}http:\n  services: {}\n`);
    assert.deepEqual(y.errors, []);
    assert.equal(y.docs.length, 1);
  });
});

describe('numbers outside the product’s range are LB002, with the range', () => {
  const cases: Array<[string, string, boolean]> = [
    ['weight=9223372036854775807', '', true],
    ['weight=9223372036854775808', 'the weight must be an integer from 1 to 9223372036854775807', false],
    ['weight=99999999999999999999', 'the weight must be an integer from 1 to 9223372036854775807', false],
    ['weight=0', 'the weight must be an integer from 1 to 9223372036854775807', false],
    ['max_fails=99999999999999999999', 'max_fails must be an integer from 0 to 9223372036854775807', false],
  ];
  for (const [param, message, accepted] of cases) {
    it(`nginx: server … ${param} → ${accepted ? 'accepted' : 'LB002'}${NGINX ? ' (nginx -t agrees)' : ''}`, () => {
      const text = NGINX_CONF(param);
      const e = errors('file:///w/nginx.conf', text);
      if (accepted) assert.deepEqual(e, []);
      else assert.deepEqual(e.map((d) => `${d.ruleId} ${d.message}`), [`LB002 invalid parameter "${param}": ${message}`]);
      if (NGINX) assert.equal(nginxAccepts(text).ok, accepted, nginxAccepts(text).out);
    });
  }

  for (const [listen, accepted] of [['99999', false], ['0', false], ['127.0.0.1:70000', false], ['65535', true], ['[::1]:8080', true]] as const) {
    it(`nginx: listen ${listen} → ${accepted ? 'accepted' : 'LB002'}${NGINX ? ' (nginx -t agrees)' : ''}`, () => {
      const text = NGINX_CONF('', listen);
      const e = errors('file:///w/nginx.conf', text);
      assert.deepEqual(e.map((d) => d.message), accepted ? [] : [`invalid port in "${listen}" of the "listen" directive: a port is from 1 to 65535`]);
      if (NGINX) assert.equal(nginxAccepts(text).ok, accepted, nginxAccepts(text).out);
    });
  }

  it('nginx: an overflowed weight never shows as 100 % / 0 % in the distribution', () => {
    assert.deepEqual(shares(analyzeText('file:///w/nginx.conf', NGINX_CONF('weight=99999999999999999999')).model), [50, 50]);
  });

  for (const [w, accepted] of [['256', true], ['0', true], ['257', false], ['99999999999999999999', false]] as const) {
    it(`HAProxy: weight ${w} → ${accepted ? 'accepted' : 'LB002'} (0 to 256)${HAPROXY ? ', haproxy -c agrees' : ''}`, () => {
      const text = HAPROXY_CFG(`server s1 127.0.0.1:80 weight ${w}`);
      const e = errors('file:///w/haproxy.cfg', text);
      assert.equal(e.length === 0, accepted, e.map((d) => d.message).join());
      if (!accepted) assert.match(e[0].message, /between 0 and 256|0 and 256/);
      if (HAPROXY) assert.equal(haproxyAccepts(text).ok, accepted, haproxyAccepts(text).out);
    });
  }

  const ENVOY = (endpointWeight: string, clusterWeights: [string, string], port = '80') => [
    'static_resources:',
    '  listeners:',
    '  - name: l',
    '    address: {socket_address: {address: 0.0.0.0, port_value: 8080}}',
    '    filter_chains:',
    '    - filters:',
    '      - name: envoy.filters.network.http_connection_manager',
    '        typed_config:',
    '          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    '          stat_prefix: h',
    '          route_config:',
    '            virtual_hosts:',
    '            - name: v',
    '              domains: ["*"]',
    '              routes:',
    '              - match: {prefix: /}',
    `                route: {weighted_clusters: {clusters: [{name: a, weight: ${clusterWeights[0]}}, {name: b, weight: ${clusterWeights[1]}}]}}`,
    '  clusters:',
    ...['a', 'b'].map((c) => `  - {name: ${c}, type: STATIC, load_assignment: {cluster_name: ${c}, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 10.0.0.1, port_value: ${port}}}}, load_balancing_weight: ${endpointWeight}}, {endpoint: {address: {socket_address: {address: 10.0.0.2, port_value: 80}}}}]}]}}`),
  ].join('\n');
  const envoyProblems = (text: string) => lowerEnvoy('file:///w/envoy.yaml', text).problems.map((p) => p.message);

  it('Envoy: weights are uint32 (load_balancing_weight ≥ 1), their sums too; .nan/.inf are not numbers; port_value ≤ 65535', () => {
    assert.deepEqual(envoyProblems(ENVOY('1', ['1', '3'])), []);
    assert.match(envoyProblems(ENVOY('99999999999999999999', ['1', '3'])).join('\n'), /load_balancing_weight of an endpoint must be an integer from 1 to 4294967295 \(a uint32 ≥ 1; got "100000000000000000000"\)/);
    assert.match(envoyProblems(ENVOY('.nan', ['1', '3'])).join('\n'), /load_balancing_weight of an endpoint must be an integer from 1 to 4294967295/);
    assert.match(envoyProblems(ENVOY('1', ['99999999999999999999', '3'])).join('\n'), /The weight of a weighted cluster must be an integer from 0 to 4294967295/);
    assert.match(envoyProblems(ENVOY('1', ['.inf', '3'])).join('\n'), /The weight of a weighted cluster must be an integer from 0 to 4294967295/);
    assert.match(envoyProblems(ENVOY('1', ['4294967295', '3'])).join('\n'), /The sum of weights of all weighted clusters of the route exceeds 4294967295 \(4294967298\): Envoy rejects the route/);
    assert.match(envoyProblems(ENVOY('4294967295', ['1', '3'])).join('\n'), /The sum of weights of all upstream hosts in a locality exceeds 4294967295/);
    assert.match(envoyProblems(ENVOY('1', ['1', '3'], '70000')).join('\n'), /port_value must be an integer from 0 to 65535 \(got "70000"\)/);
    // The overflowed weight is not used: the split and the cluster keep their written proportions (25/75, 50/50).
    const m = lowerEnvoy('file:///w/envoy.yaml', ENVOY('99999999999999999999', ['1', '3']));
    assert.deepEqual(shares(m), [12.5, 12.5, 37.5, 37.5]);
  });

  const ISTIO = (w1: string, w2: string) => [
    'apiVersion: networking.istio.io/v1',
    'kind: VirtualService',
    'metadata: {name: vs}',
    'spec:',
    '  hosts: [web]',
    '  http:',
    '  - route:',
    `    - {destination: {host: a}, weight: ${w1}}`,
    `    - {destination: {host: b}, weight: ${w2}}`,
  ].join('\n');

  it('Istio: destination weights are int32 ≥ 0; an overflowed one is LB002 and never takes 100 %', () => {
    const a = analyzeText('file:///w/vs.yaml', ISTIO('99999999999999999999', '50'));
    const e = a.diagnostics.filter((d) => d.ruleId === 'LB002').map((d) => d.message);
    assert.deepEqual(e, ['A destination weight must be an integer from 0 to 2147483647 (an int32 ≥ 0; got "100000000000000000000").']);
    assert.deepEqual(analyzeText('file:///w/vs.yaml', ISTIO('.nan', '50')).diagnostics.filter((d) => d.ruleId === 'LB002').length, 1);
    assert.deepEqual(analyzeText('file:///w/vs.yaml', ISTIO('2147483647', '1')).diagnostics.filter((d) => d.ruleId === 'LB002'), []);
  });

  const TRAEFIK = (w1: string, w2: string) => [
    'http:',
    '  routers:',
    '    r: {rule: "Host(`a`)", service: split}',
    '  services:',
    `    split: {weighted: {services: [{name: a, weight: ${w1}}, {name: b, weight: ${w2}}]}}`,
    '    a: {loadBalancer: {servers: [{url: "http://10.0.0.1"}, {url: "http://10.0.0.2"}]}}',
    '    b: {loadBalancer: {servers: [{url: "http://10.0.0.3"}, {url: "http://10.0.0.4"}]}}',
  ].join('\n');

  it('Traefik: weights are Go ints; .nan, .inf, fractions and 1e20 are LB002 (the file fails to decode), never weight 1 silently', () => {
    for (const bad of ['.nan', '.inf', '-.inf', '1.5', '99999999999999999999']) {
      const e = errors('file:///w/dyn.yaml', TRAEFIK(bad, '1'));
      assert.equal(e.length, 1, `${bad}: ${e.map((d) => d.message).join()}`);
      assert.match(e[0].message, /^service weight must be an integer \(a Go int, -9223372036854775808 to 9223372036854775807\), not "/);
    }
    assert.match(errors('file:///w/dyn.yaml', TRAEFIK('.nan', '1'))[0].message, /not "\.nan"/);
    assert.deepEqual(errors('file:///w/dyn.yaml', TRAEFIK('3', '1')), []);
  });
});
