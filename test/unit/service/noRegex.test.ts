/**
 * lb-lens never compiles or runs a regular expression written in a configuration (nginx `location ~`, HAProxy
 * `path_reg`, Envoy `safe_regex`, Traefik `PathRegexp`, Istio and Gateway API regex matches): a hostile pattern
 * must not be able to make the analysis hang. The RegExp constructor and the String methods that build a RegExp
 * from a string are watched while every format analyses a config holding a marked catastrophic pattern.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LanguageService } from '../../../server/src/service/languageService';
import { EMPTY_FILE_SYSTEM } from '../../../server/src/service/fileSystem';
import { getHover } from '../../../server/src/service/hover';
import { buildPreview } from '../../../server/src/service/preview';

const EVIL = 'LBMARK(a+)+$';

const CONFIGS: Record<string, [string, string]> = {
  nginx: ['nginx.conf', `events {}\nhttp {\n  upstream app { server 10.0.0.1; server 10.0.0.2; }\n  server {\n    listen 80;\n    location ~ ^/${EVIL} { proxy_pass http://app; }\n    location ~* ${EVIL} { proxy_pass http://app; }\n    location / { proxy_pass http://app; }\n  }\n}\n`],
  haproxy: ['haproxy.cfg', `frontend f\n  bind :80\n  acl evil path_reg ^/${EVIL}\n  acl evil2 hdr_reg(host) ${EVIL}\n  use_backend b if evil\n  use_backend b if evil2\n  default_backend b\nbackend b\n  server a 10.0.0.1:80 check\n  server c 10.0.0.2:80 check\n`],
  envoy: ['envoy.yaml', `static_resources:\n  listeners:\n  - name: l\n    address: { socket_address: { address: 0.0.0.0, port_value: 80 } }\n    filter_chains:\n    - filters:\n      - name: envoy.filters.network.http_connection_manager\n        typed_config:\n          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager\n          stat_prefix: x\n          route_config:\n            virtual_hosts:\n            - name: v\n              domains: ["*"]\n              routes:\n              - match: { safe_regex: { regex: "^/${EVIL}" } }\n                route: { cluster: c }\n              - match: { prefix: "/" }\n                route: { cluster: c }\n  clusters:\n  - name: c\n    load_assignment:\n      cluster_name: c\n      endpoints:\n      - lb_endpoints:\n        - endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 80 } } }\n`],
  traefik: ['dynamic.yml', `http:\n  routers:\n    r:\n      rule: "PathRegexp(\`^/${EVIL}\`) || HostRegexp(\`${EVIL}\`)"\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers:\n        - url: http://10.0.0.1\n        - url: http://10.0.0.2\n`],
  istio: ['vs.yaml', `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: v\nspec:\n  hosts: ["a"]\n  http:\n  - match:\n    - uri:\n        regex: "^/${EVIL}"\n    route:\n    - destination: { host: a }\n  - route:\n    - destination: { host: a }\n`],
  kubernetes: ['route.yaml', `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: r\nspec:\n  rules:\n  - matches:\n    - path: { type: RegularExpression, value: "^/${EVIL}" }\n    backendRefs:\n    - { name: a, port: 80 }\n  - backendRefs:\n    - { name: a, port: 80 }\n`],
};

test('no regular expression from a configuration is ever compiled or run', () => {
  const seen: string[] = [];
  const watch = (what: string, source: unknown) => {
    const s = typeof source === 'string' ? source : source instanceof RegExp ? source.source : '';
    if (s.includes('LBMARK')) seen.push(`${what}: ${s}`);
  };
  const OriginalRegExp = globalThis.RegExp;
  const proto = String.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const saved = { match: proto.match, matchAll: proto.matchAll, search: proto.search };
  globalThis.RegExp = new Proxy(OriginalRegExp, {
    construct(target, args) {
      watch('new RegExp', args[0]);
      return Reflect.construct(target, args);
    },
    apply(target, self, args) {
      watch('RegExp()', args[0]);
      return Reflect.apply(target, self, args);
    },
  });
  for (const name of ['match', 'matchAll', 'search'] as const) {
    const original = saved[name];
    proto[name] = function (this: unknown, pattern: unknown, ...rest: unknown[]) {
      watch(`String.prototype.${name}`, pattern);
      return original.call(this, pattern, ...rest);
    };
  }
  try {
    const service = new LanguageService({ fileSystem: EMPTY_FILE_SYSTEM, roots: () => ['file:///w'] });
    for (const [format, [name, text]] of Object.entries(CONFIGS)) {
      const a = service.analyze({ uri: `file:///w/${name}`, text });
      assert.equal(a?.format.id, format, `${name} is ${format}`);
      assert.ok(a!.model.routes.length > 0, `${format}: routes were read`);
      buildPreview(a!, name, []);
      for (let line = 0; line < text.split('\n').length; line++) getHover(a!, { line, character: 10 });
    }
  } finally {
    globalThis.RegExp = OriginalRegExp;
    Object.assign(proto, saved);
  }
  assert.deepEqual(seen, []);
});
