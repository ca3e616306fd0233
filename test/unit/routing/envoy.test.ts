import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routes, where } from '../../helpers/routing';

/*
 * Envoy request routing as the engine implements it, one test per documented rule (envoyproxy.io/docs/envoy/latest:
 * api-v3/config/route/v3/route_components.proto, api-v3/config/listener/v3/listener_components.proto,
 * intro/arch_overview/http/http_routing).
 */

const URI = 'file:///w/envoy.yaml';

const CLUSTERS = ['api', 'web', 'img', 'v1', 'v2', 'canary', 'grpc', 'admin', 'tcp'].map((c, i) => [
  `  - name: ${c}`,
  '    type: STATIC',
  '    load_assignment:',
  `      cluster_name: ${c}`,
  '      endpoints:',
  `      - lb_endpoints: [{ endpoint: { address: { socket_address: { address: 10.0.0.${i + 1}, port_value: 8080 } } } }]`,
].join('\n')).join('\n');

/** A bootstrap with one HTTP listener on `port` whose route_config is `vhosts` (YAML, indented 10 spaces). */
function listener(vhosts: string, opts: { port?: number | string; name?: string; chainExtra?: string; hcmExtra?: string } = {}): string {
  return [
    `  - name: ${opts.name ?? 'main'}`,
    `    address: { socket_address: { address: 0.0.0.0, port_value: ${opts.port ?? 80} } }`,
    '    filter_chains:',
    '    - filters:',
    '      - name: envoy.filters.network.http_connection_manager',
    '        typed_config:',
    '          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    '          stat_prefix: ingress',
    ...(opts.hcmExtra ? [opts.hcmExtra] : []),
    '          route_config:',
    '            virtual_hosts:',
    vhosts,
    ...(opts.chainExtra ? [opts.chainExtra] : []),
  ].join('\n');
}

const bootstrap = (...listeners: string[]) => `static_resources:\n  listeners:\n${listeners.join('\n')}\n  clusters:\n${CLUSTERS}\n`;

/** One virtual host taking every domain, with `routes` (YAML list items indented 14 spaces). */
const anyHost = (routesYaml: string) => `            - name: vh\n              domains: ["*"]\n              routes:\n${routesYaml}`;
const cfg = (routesYaml: string) => routes(URI, bootstrap(listener(anyHost(routesYaml))));
/** No route: Envoy's 404 (NR). */
const NR = { route: undefined, pools: [], outcome: 'no-backend', status: 404 };

describe('Envoy: listeners (where a request arrives)', () => {
  it('a listener takes requests on its socket_address port_value (Listener.address); other ports reach nothing', () => {
    const c = cfg('              - match: { prefix: "/" }\n                route: { cluster: web }');
    assert.deepEqual(where(c.send('GET http://a.com/x')).pools, ['web']);
    assert.equal(c.all('GET http://a.com:8080/x').length, 0);
    const b = c.analysis.model.entries[0].binds;
    assert.deepEqual(b?.map((x) => [x.port, x.address, x.tls, x.protocol]), [[80, undefined, false, 'http']]);
  });

  it('a port that is not a number (named port, template) is not known statically: any port', () => {
    const c = routes(URI, bootstrap(listener(anyHost('              - match: { prefix: "/" }\n                route: { cluster: web }'), { port: '"{{ .Port }}"' })));
    assert.deepEqual(where(c.send('GET http://a.com:9999/')).pools, ['web']);
  });

  it('a filter chain with a TLS transport_socket terminates TLS: https requests only', () => {
    const tls = [
      '      transport_socket:',
      '        name: envoy.transport_sockets.tls',
      '        typed_config:',
      '          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
    ].join('\n');
    const c = routes(URI, bootstrap(listener(anyHost('              - match: { prefix: "/" }\n                route: { cluster: web }'), { port: 443, chainExtra: tls })));
    assert.deepEqual(where(c.send('GET https://a.com/')).pools, ['web']);
    assert.equal(c.all('GET http://a.com:443/').length, 0, 'plain HTTP to a TLS-only listener');
  });

  it('filter chains selected by server_names (SNI) before the virtual hosts (FilterChainMatch.server_names)', () => {
    const chain = (sni: string, cluster: string) => [
      `    - filter_chain_match: { server_names: ["${sni}"] }`,
      '      transport_socket: { name: envoy.transport_sockets.tls }',
      '      filters:',
      '      - name: envoy.filters.network.http_connection_manager',
      '        typed_config:',
      '          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      '          route_config:',
      '            virtual_hosts:',
      `            - { name: vh_${cluster}, domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster: ${cluster} } }] }`,
    ].join('\n');
    const text = `static_resources:\n  listeners:\n  - name: tls\n    address: { socket_address: { address: 0.0.0.0, port_value: 443 } }\n    filter_chains:\n${chain('api.example.com', 'api')}\n${chain('*.example.com', 'web')}\n  clusters:\n${CLUSTERS}\n`;
    const c = routes(URI, text);
    assert.deepEqual(where(c.send('GET https://api.example.com/')).pools, ['api']);
    assert.deepEqual(where(c.send('GET https://www.example.com/')).pools, ['web'], 'the wildcard server name takes other names');
  });

  it('TLS and plain chains on one listener: each chain\'s virtual hosts take only their kind of request (transport_protocol)', () => {
    const chain = (match: string, tls: boolean, cluster: string) => [
      `    - filter_chain_match: { transport_protocol: ${match} }`,
      ...(tls ? ['      transport_socket: { name: envoy.transport_sockets.tls }'] : []),
      '      filters:',
      '      - name: envoy.filters.network.http_connection_manager',
      '        typed_config:',
      '          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      '          route_config:',
      '            virtual_hosts:',
      `            - { name: vh_${cluster}, domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster: ${cluster} } }] }`,
    ].join('\n');
    const text = `static_resources:\n  listeners:\n  - name: both\n    address: { socket_address: { address: 0.0.0.0, port_value: 8443 } }\n    listener_filters: [{ name: envoy.filters.listener.tls_inspector }]\n    filter_chains:\n${chain('tls', true, 'api')}\n${chain('raw_buffer', false, 'web')}\n  clusters:\n${CLUSTERS}\n`;
    const c = routes(URI, text);
    assert.equal(c.analysis.model.entries[0].binds?.[0].tls, undefined, 'either');
    assert.deepEqual(where(c.send('GET https://a.com:8443/')).pools, ['api']);
    assert.deepEqual(where(c.send('GET http://a.com:8443/')).pools, ['web']);
  });

  it('a listener whose chains are all tcp_proxy forwards whole connections to its cluster (protocol tcp)', () => {
    const text = `static_resources:\n  listeners:\n  - name: pg\n    address: { socket_address: { address: 0.0.0.0, port_value: 5432 } }\n    filter_chains:\n    - filters:\n      - name: envoy.filters.network.tcp_proxy\n        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: t, cluster: tcp }\n  clusters:\n${CLUSTERS}\n`;
    const c = routes(URI, text);
    assert.deepEqual(where(c.send('GET http://db:5432/')).pools, ['tcp']);
    assert.equal(c.analysis.model.entries[0].binds?.[0].protocol, 'tcp');
  });

  it('an RDS file without clusters: routes name clusters defined elsewhere (not a 503)', () => {
    const c = routes(URI, '"@type": type.googleapis.com/envoy.config.route.v3.RouteConfiguration\nname: rc\nvirtual_hosts:\n- { name: vh, domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster: elsewhere } }] }\n');
    const r = c.send('GET http://a.com/');
    assert.equal(r.entry.name, 'route_config rc');
    assert.equal(r.outcome, 'dynamic');
  });

  it('a route configuration shared by two listeners (RDS) routes requests arriving on either', () => {
    const text = [
      'static_resources:',
      '  listeners:',
      ...[80, 8080].map((p) => [
        `  - name: l${p}`,
        `    address: { socket_address: { address: 0.0.0.0, port_value: ${p} } }`,
        '    filter_chains:',
        '    - filters:',
        '      - name: envoy.filters.network.http_connection_manager',
        '        typed_config:',
        '          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
        '          rds: { route_config_name: shared }',
      ].join('\n')),
      '  clusters:',
      CLUSTERS,
      '---',
      '"@type": type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
      'name: shared',
      'virtual_hosts:',
      '- { name: vh, domains: ["*"], routes: [{ match: { prefix: "/api" }, route: { cluster: api } }] }',
    ].join('\n');
    const c = routes(URI, text);
    assert.deepEqual(where(c.send('GET http://a.com/api/x')).pools, ['api']);
    const r = c.send('GET http://a.com:8080/api/x');
    assert.equal(r.entry.name, 'listener l8080');
    assert.deepEqual(where(r).pools, ['api']);
  });
});

describe('Envoy: virtual hosts (VirtualHost.domains search order)', () => {
  const vhosts = [
    '            - { name: exact, domains: ["www.foo.com"], routes: [{ match: { prefix: "/" }, route: { cluster: api } }] }',
    '            - { name: suffix_short, domains: ["*.com"], routes: [{ match: { prefix: "/" }, route: { cluster: img } }] }',
    '            - { name: suffix_long, domains: ["*.foo.com", "*-bar.foo.com"], routes: [{ match: { prefix: "/" }, route: { cluster: web } }] }',
    '            - { name: prefix, domains: ["foo.*"], routes: [{ match: { prefix: "/" }, route: { cluster: v1 } }] }',
    '            - { name: any, domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster: v2 } }] }',
  ].join('\n');
  const c = routes(URI, bootstrap(listener(vhosts)));
  const vh = (host: string) => c.send(`GET http://${host}/`).site?.name;

  it('1. exact domain names first', () => assert.equal(vh('www.foo.com'), 'virtual_host exact'));
  it('2. then suffix wildcards, the longest first ("The longest wildcards match first")', () => {
    assert.equal(vh('api.foo.com'), 'virtual_host suffix_long');
    assert.equal(vh('baz-bar.foo.com'), 'virtual_host suffix_long');
    assert.equal(vh('bar.com'), 'virtual_host suffix_short');
  });
  it('3. then prefix wildcards (foo.*)', () => assert.equal(vh('foo.org'), 'virtual_host prefix'));
  it('4. then the special wildcard * matching any domain', () => assert.equal(vh('other.org'), 'virtual_host any'));
  it('"The wildcard will not match the empty string": *-bar.foo.com does not take -bar.foo.com alone', () => {
    const only = routes(URI, bootstrap(listener('            - { name: w, domains: ["*-bar.foo.com"], routes: [{ match: { prefix: "/" }, route: { cluster: web } }] }')));
    assert.equal(where(only.send('GET http://x-bar.foo.com/')).outcome, 'pool');
    assert.deepEqual(where(only.send('GET http://-bar.foo.com/')), NR);
  });
  it('host names compare case-insensitively', () => assert.equal(vh('WWW.Foo.Com'), 'virtual_host exact'));
  it('no virtual host takes the host: 404 (response flag NR)', () => {
    const only = routes(URI, bootstrap(listener('            - { name: w, domains: ["a.com"], routes: [{ match: { prefix: "/" }, route: { cluster: web } }] }')));
    const r = only.send('GET http://b.com/');
    assert.deepEqual(where(r), NR);
    assert.match(r.summary, /NR/);
  });
  it('a domain written with the listener\'s port matches that host; with another port it matches nothing here', () => {
    const p = routes(URI, bootstrap(listener('            - { name: w, domains: ["a.com:8080", "b.com:9090"], routes: [{ match: { prefix: "/" }, route: { cluster: web } }] }', { port: 8080 })));
    assert.equal(where(p.send('GET http://a.com:8080/')).outcome, 'pool');
    assert.equal(where(p.send('GET http://b.com:8080/')).status, 404);
  });
  it('strip_any_host_port: a domain with a port can never match', () => {
    const p = routes(URI, bootstrap(listener('            - { name: w, domains: ["a.com:8080"], routes: [{ match: { prefix: "/" }, route: { cluster: web } }] }', { port: 8080, hcmExtra: '          strip_any_host_port: true' })));
    assert.equal(where(p.send('GET http://a.com:8080/')).status, 404);
  });
});

describe('Envoy: routes of a virtual host, first match in order (VirtualHost.routes)', () => {
  it('"The first route that matches will be used": prefix "/" before "/api" takes /api too', () => {
    const c = cfg('              - match: { prefix: "/" }\n                route: { cluster: web }\n              - match: { prefix: "/api" }\n                route: { cluster: api }');
    assert.deepEqual(where(c.send('GET http://a.com/api/users')).pools, ['web']);
  });

  it('prefix matches the beginning of :path (a plain string prefix, not a segment: /api takes /apiary)', () => {
    const c = cfg('              - match: { prefix: "/api" }\n                route: { cluster: api }\n              - match: { prefix: "/" }\n                route: { cluster: web }');
    assert.deepEqual(where(c.send('GET http://a.com/apiary')).pools, ['api']);
    assert.deepEqual(where(c.send('GET http://a.com/ap')).pools, ['web']);
  });

  it('path is an exact match once the query string is removed', () => {
    const c = cfg('              - match: { path: "/health" }\n                route: { cluster: admin }\n              - match: { prefix: "/" }\n                route: { cluster: web }');
    assert.deepEqual(where(c.send('GET http://a.com/health?x=1')).pools, ['admin']);
    assert.deepEqual(where(c.send('GET http://a.com/health/x')).pools, ['web']);
  });

  it('safe_regex must match the whole path (RE2, without the query string)', () => {
    const c = cfg('              - match: { safe_regex: { regex: "/api/v[0-9]+" } }\n                route: { cluster: api }\n              - match: { prefix: "/" }\n                route: { cluster: web }');
    assert.deepEqual(where(c.send('GET http://a.com/api/v2?q=1')).pools, ['api']);
    assert.deepEqual(where(c.send('GET http://a.com/api/v2/users')).pools, ['web'], 'a subsequence match is not enough');
    assert.deepEqual(where(c.send('GET http://a.com/x/api/v2')).pools, ['web']);
  });

  it('a safe_regex route (/api/.*) before prefix routes under /api/v1 takes their requests (the issue\'s example)', () => {
    const c = cfg('              - match: { safe_regex: { regex: "/api/.*" } }\n                route: { cluster: api }\n              - match: { prefix: "/api/v1" }\n                route: { cluster: v1 }');
    assert.deepEqual(where(c.send('GET http://a.com/api/v1/users')).pools, ['api']);
  });

  it('path_separated_prefix matches the value itself or the value followed by / — /api/dev takes /api/dev/v1, not /api/developer', () => {
    const c = cfg('              - match: { path_separated_prefix: "/api/dev" }\n                route: { cluster: api }\n              - match: { prefix: "/" }\n                route: { cluster: web }');
    assert.deepEqual(where(c.send('GET http://a.com/api/dev')).pools, ['api']);
    assert.deepEqual(where(c.send('GET http://a.com/api/dev/v1')).pools, ['api']);
    assert.deepEqual(where(c.send('GET http://a.com/api/dev?param=true')).pools, ['api']);
    assert.deepEqual(where(c.send('GET http://a.com/api/developer')).pools, ['web']);
  });

  it('case_sensitive: false makes prefix/path matching case-insensitive; it is ignored for safe_regex', () => {
    const c = cfg([
      '              - match: { prefix: "/API", case_sensitive: false }',
      '                route: { cluster: api }',
      '              - match: { safe_regex: { regex: "/IMG/.*" }, case_sensitive: false }',
      '                route: { cluster: img }',
      '              - match: { prefix: "/" }',
      '                route: { cluster: web }',
    ].join('\n'));
    assert.deepEqual(where(c.send('GET http://a.com/api/x')).pools, ['api']);
    assert.deepEqual(where(c.send('GET http://a.com/img/a.png')).pools, ['web']);
    assert.deepEqual(where(c.send('GET http://a.com/IMG/a.png')).pools, ['img']);
  });

  it('connect_matcher matches only CONNECT requests', () => {
    const c = cfg('              - match: { connect_matcher: {} }\n                route: { cluster: tcp }\n              - match: { prefix: "/" }\n                route: { cluster: web }');
    assert.deepEqual(where(c.send('CONNECT http://a.com/')).pools, ['tcp']);
    assert.deepEqual(where(c.send('GET http://a.com/')).pools, ['web']);
  });

  it('path_match_policy (URI templates) is undecidable, not guessed', () => {
    const c = cfg([
      '              - match:',
      '                  path_match_policy:',
      '                    name: envoy.path.match.uri_template.uri_template_matcher',
      '                    typed_config: { "@type": type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig, path_match_template: "/api/{id}/**" }',
      '                route: { cluster: api }',
      '              - match: { prefix: "/" }',
      '                route: { cluster: web }',
    ].join('\n'));
    const r = c.send('GET http://a.com/api/1/x');
    assert.deepEqual(where(r).pools, ['web']);
    assert.equal(r.undecidable.length, 1);
    assert.equal(r.trace.find((t) => t.kind === 'route')?.result, 'undecidable');
  });

  it('no route of the virtual host matches: 404 (NR)', () => {
    const c = cfg('              - match: { prefix: "/api" }\n                route: { cluster: api }');
    assert.deepEqual(where(c.send('GET http://a.com/web')), NR);
  });
});

describe('Envoy: header and query parameter matchers (HeaderMatcher, QueryParameterMatcher)', () => {
  const two = (match: string) => cfg(`              - match: { prefix: "/", ${match} }\n                route: { cluster: canary }\n              - match: { prefix: "/" }\n                route: { cluster: web }`);
  const pool = (c: ReturnType<typeof cfg>, headers: string[] = [], url = 'GET http://a.com/') => where(c.send(url, { headers })).pools[0];

  it('"A match will happen if all the headers in the route are present in the request with the same values"', () => {
    const c = two('headers: [{ name: x-canary, string_match: { exact: "yes" } }, { name: x-user, present_match: true }]');
    assert.equal(pool(c, ['X-Canary: yes', 'X-User: 1']), 'canary');
    assert.equal(pool(c, ['X-Canary: yes']), 'web');
    assert.equal(pool(c, ['X-Canary: no', 'X-User: 1']), 'web');
  });

  it('string_match prefix/suffix/contains, with ignore_case', () => {
    assert.equal(pool(two('headers: [{ name: x-v, string_match: { prefix: "be" } }]'), ['X-V: beta']), 'canary');
    assert.equal(pool(two('headers: [{ name: x-v, string_match: { suffix: "ta" } }]'), ['X-V: beta']), 'canary');
    assert.equal(pool(two('headers: [{ name: x-v, string_match: { contains: "et" } }]'), ['X-V: beta']), 'canary');
    assert.equal(pool(two('headers: [{ name: x-v, string_match: { exact: "BETA", ignore_case: true } }]'), ['X-V: beta']), 'canary');
    assert.equal(pool(two('headers: [{ name: x-v, string_match: { exact: "BETA" } }]'), ['X-V: beta']), 'web');
  });

  it('the legacy exact_match / prefix_match / safe_regex_match forms; a regex must match the whole value', () => {
    assert.equal(pool(two('headers: [{ name: x-v, exact_match: "1" }]'), ['X-V: 1']), 'canary');
    assert.equal(pool(two('headers: [{ name: x-v, prefix_match: "1" }]'), ['X-V: 12']), 'canary');
    assert.equal(pool(two('headers: [{ name: x-v, safe_regex_match: { regex: "\\\\d{3}" } }]'), ['X-V: 123']), 'canary');
    assert.equal(pool(two('headers: [{ name: x-v, safe_regex_match: { regex: "\\\\d{3}" } }]'), ['X-V: 1234']), 'web');
  });

  it('present_match: false matches when the header is absent; no specifier is a presence match', () => {
    assert.equal(pool(two('headers: [{ name: x-debug, present_match: false }]')), 'canary');
    assert.equal(pool(two('headers: [{ name: x-debug, present_match: false }]'), ['X-Debug: 1']), 'web');
    assert.equal(pool(two('headers: [{ name: x-debug }]'), ['X-Debug: 1']), 'canary');
  });

  it('invert_match: "The regex \\d{3} does not match the value 1234, so it will match when inverted"', () => {
    const c = two('headers: [{ name: x-v, safe_regex_match: { regex: "\\\\d{3}" }, invert_match: true }]');
    assert.equal(pool(c, ['X-V: 1234']), 'canary');
    assert.equal(pool(c, ['X-V: 123']), 'web');
  });

  it('invert_match on an absent header: "the header matcher rule will be ignored so it will not match"; treat_missing_header_as_empty compares it as ""', () => {
    assert.equal(pool(two('headers: [{ name: x-v, string_match: { exact: "a" }, invert_match: true }]')), 'web');
    assert.equal(pool(two('headers: [{ name: x-v, string_match: { exact: "a" }, invert_match: true, treat_missing_header_as_empty: true }]')), 'canary');
    assert.equal(pool(two('headers: [{ name: x-v, string_match: { exact: "" }, treat_missing_header_as_empty: true }]')), 'canary');
  });

  it('range_match is undecidable', () => {
    const r = two('headers: [{ name: x-n, range_match: { start: 0, end: 10 } }]').send('GET http://a.com/', { headers: ['X-N: 5'] });
    assert.deepEqual(where(r).pools, ['web']);
    assert.equal(r.undecidable.length, 1);
  });

  it('pseudo-headers: :method is the method, :authority the Host as sent', () => {
    const c = two('headers: [{ name: ":method", string_match: { exact: "POST" } }, { name: ":authority", string_match: { exact: "a.com:8080" } }]');
    const p = routes(URI, bootstrap(listener(anyHost('              - match: { prefix: "/", headers: [{ name: ":method", string_match: { exact: "POST" } }] }\n                route: { cluster: canary }\n              - match: { prefix: "/" }\n                route: { cluster: web }'))));
    assert.equal(where(p.send('POST http://a.com/')).pools[0], 'canary');
    assert.equal(where(p.send('GET http://a.com/')).pools[0], 'web');
    assert.equal(where(c.send('POST http://a.com/', { headers: ['Host: a.com:8080'], port: 80 })).pools[0], 'canary');
  });

  it('grpc: only requests whose content-type is application/grpc or application/grpc+…', () => {
    const c = cfg('              - match: { prefix: "/", grpc: {} }\n                route: { cluster: grpc }\n              - match: { prefix: "/" }\n                route: { cluster: web }');
    assert.equal(where(c.send('POST http://a.com/svc/M', { headers: ['Content-Type: application/grpc'] })).pools[0], 'grpc');
    assert.equal(where(c.send('POST http://a.com/svc/M', { headers: ['Content-Type: application/grpc+proto'] })).pools[0], 'grpc');
    assert.equal(where(c.send('POST http://a.com/svc/M', { headers: ['Content-Type: application/json'] })).pools[0], 'web');
  });

  it('query_parameters: string_match on the value, present_match, all must match', () => {
    const c = two('query_parameters: [{ name: debug, string_match: { exact: "1" } }, { name: user, present_match: true }]');
    assert.equal(pool(c, [], 'GET http://a.com/?debug=1&user=x'), 'canary');
    assert.equal(pool(c, [], 'GET http://a.com/?debug=1'), 'web');
    assert.equal(pool(c, [], 'GET http://a.com/?debug=2&user=x'), 'web');
  });
});

describe('Envoy: matchers outside the request (undecidable, never evidence of shadowing)', () => {
  it('dynamic_metadata, runtime_fraction, filter_state, tls_context and CEL are undecidable', () => {
    for (const m of [
      'dynamic_metadata: [{ filter: envoy.lb, path: [{ key: v }], value: { string_match: { exact: a } } }]',
      'runtime_fraction: { default_value: { numerator: 50 }, runtime_key: r }',
      'filter_state: [{ key: k, string_match: { exact: a } }]',
      'tls_context: { presented: true }',
    ]) {
      const c = cfg(`              - match: { prefix: "/", ${m} }\n                route: { cluster: canary }\n              - match: { prefix: "/" }\n                route: { cluster: web }`);
      const r = c.send('GET http://a.com/');
      assert.deepEqual(where(r).pools, ['web'], m);
      assert.equal(r.undecidable.length, 1, m);
    }
  });

  it('routes that differ only in their dynamic_metadata values are different conditions (no LB106)', () => {
    const dm = (v: string) => `              - match: { prefix: "/", dynamic_metadata: [{ filter: envoy.lb, path: [{ key: tenant }], value: { string_match: { exact: ${v} } } }] }\n                route: { cluster: ${v === 'a' ? 'v1' : 'v2'} }`;
    const c = cfg(`${dm('a')}\n${dm('b')}\n              - match: { prefix: "/" }\n                route: { cluster: web }`);
    const [a, b] = c.analysis.model.routes;
    assert.notDeepEqual(a.when, b.when);
    assert.notDeepEqual(a.match, b.match);
    assert.deepEqual(c.analysis.diagnostics.filter((d) => d.ruleId === 'LB106'), []);
  });
});

describe('Envoy: route actions', () => {
  it('weighted_clusters: each cluster receives weight / Σ weights', () => {
    const c = cfg('              - match: { prefix: "/" }\n                route: { weighted_clusters: { clusters: [{ name: v1, weight: 90 }, { name: v2, weight: 10 }] } }');
    const r = c.send('GET http://a.com/');
    assert.deepEqual(r.pools.map((p) => [p.pool.name, p.share]), [['v1', 0.9], ['v2', 0.1]]);
  });

  it('cluster_header: the cluster named by the header; absent or unknown → cluster_not_found_response_code (default 503)', () => {
    const c = cfg('              - match: { prefix: "/" }\n                route: { cluster_header: x-cluster }');
    assert.deepEqual(where(c.send('GET http://a.com/', { headers: ['X-Cluster: api'] })).pools, ['api']);
    assert.deepEqual(where(c.send('GET http://a.com/')), { route: c.analysis.model.routes[0].name, pools: [], outcome: 'no-backend', status: 503 });
    assert.equal(where(c.send('GET http://a.com/', { headers: ['X-Cluster: nope'] })).status, 503);
    const nf = cfg('              - match: { prefix: "/" }\n                route: { cluster_header: x-cluster, cluster_not_found_response_code: NOT_FOUND }');
    assert.equal(where(nf.send('GET http://a.com/')).status, 404);
  });

  it('redirect: response_code defaults to MOVED_PERMANENTLY (301); FOUND is 302', () => {
    const c = cfg('              - match: { prefix: "/old" }\n                redirect: { path_redirect: "/new" }\n              - match: { prefix: "/tmp" }\n                redirect: { https_redirect: true, response_code: FOUND }');
    assert.deepEqual(where(c.send('GET http://a.com/old')), { route: c.analysis.model.routes[0].name, pools: [], outcome: 'redirect', status: 301 });
    const r = c.send('GET http://a.com/tmp');
    assert.equal(r.status, 302);
    assert.match(r.summary, /https:\/\//);
  });

  it('direct_response answers with its status', () => {
    const c = cfg('              - match: { prefix: "/" }\n                direct_response: { status: 403, body: { inline_string: "no" } }');
    assert.deepEqual(where(c.send('GET http://a.com/')), { route: c.analysis.model.routes[0].name, pools: [], outcome: 'direct', status: 403 });
  });

  it('require_tls ALL: "If a request is not using TLS, a 301 redirect will be sent telling the client to use HTTPS"', () => {
    const c = routes(URI, bootstrap(listener('            - name: vh\n              domains: ["*"]\n              require_tls: ALL\n              routes:\n              - match: { prefix: "/" }\n                route: { cluster: web }')));
    assert.deepEqual(where(c.send('GET http://a.com/x')).status, 301);
  });
});
