import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CORPUS_DIR, HAVE_CORPUS } from '../helpers/corpus';
import { randomEdit, rng } from '../helpers/randomEdits';

/**
 * Inputs for the fuzz harness, generated from categories (not from known failures): random bytes, truncations and
 * mutations of real configurations (the shared corpus when present, else the project's examples and small
 * built-in seeds of every format), and the shapes that break parsers and services — alias and merge-key bombs,
 * deep nesting, long lines, huge numbers, invalid UTF-8, NUL, byte order marks, CRLF and lone CR, 5,000-document
 * streams, cyclic CloudFormation references, include cycles, escapes and glob patterns, and file-system shapes
 * (symlink loops, links out of the folder, FIFOs) built in a temporary folder with the real file system.
 *
 * Input `i` of seed `s` depends on nothing else (its own PRNG), so any finding replays from (seed, index).
 */

export interface FsShape {
  /** Files to write, by path relative to the temporary root. */
  files: Record<string, string>;
  /** Symbolic links: path → target (relative targets are relative to the link's folder). */
  links?: Record<string, string>;
  /** FIFOs to create (never to be read). */
  fifos?: string[];
  /** The document, relative to the root. */
  document: string;
}

export interface FuzzInput {
  index: number;
  /** `category/shape`, e.g. `shape/alias-bomb` — the unit of the known-issues list. */
  kind: string;
  /** What it was made from (a seed file, parameters). */
  detail: string;
  uri: string;
  text: string;
  languageId?: string;
  /** Other files of an in-memory workspace (URI → text), for includes and sibling files. */
  files?: Record<string, string>;
  /** A real temporary folder instead of an in-memory workspace. */
  fs?: FsShape;
  /** The base text for a comparison (`lbLens/compare`); a mutation of `text` when absent. */
  baseText?: string;
}

export interface Seed {
  name: string;
  /** File name the configuration had (detection may use it). */
  fileName: string;
  text: string;
}

type Rand = () => number;
const pick = <T>(r: Rand, list: readonly T[]): T => list[Math.floor(r() * list.length)];
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

// ---- seeds ----

const BUILTIN: Seed[] = [
  {
    name: 'builtin/nginx', fileName: 'nginx.conf',
    text: 'events {}\nhttp {\n  upstream app {\n    least_conn;\n    server 10.0.0.1:8080 weight=3 max_fails=2 fail_timeout=10s;\n    server 10.0.0.2:8080;\n    server 10.0.0.3:8080 backup;\n  }\n  server {\n    listen 80;\n    server_name example.com;\n    location / { proxy_pass http://app; }\n    location = /health { return 200; }\n    location ~ ^/api/(v1|v2)/ { proxy_pass http://app; }\n  }\n}\n',
  },
  {
    name: 'builtin/haproxy', fileName: 'haproxy.cfg',
    text: 'global\n  maxconn 1000\ndefaults\n  mode http\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\nfrontend fe\n  bind :80\n  acl is_api path_beg /api\n  use_backend api if is_api\n  default_backend web\nbackend web\n  balance roundrobin\n  server w1 10.0.0.1:80 check weight 10\n  server w2 10.0.0.2:80 check weight 20\nbackend api\n  balance leastconn\n  server a1 10.0.1.1:8080 check\n  server a2 10.0.1.2:8080 check backup\n',
  },
  {
    name: 'builtin/envoy', fileName: 'envoy.yaml',
    text: 'static_resources:\n  listeners:\n  - name: l\n    address: {socket_address: {address: 0.0.0.0, port_value: 8080}}\n    filter_chains:\n    - filters:\n      - name: envoy.filters.network.http_connection_manager\n        typed_config:\n          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager\n          stat_prefix: h\n          route_config:\n            virtual_hosts:\n            - name: v\n              domains: ["*"]\n              routes:\n              - match: {prefix: /api}\n                route: {weighted_clusters: {clusters: [{name: a, weight: 80}, {name: b, weight: 20}]}}\n              - match: {prefix: /}\n                route: {cluster: a}\n  clusters:\n  - &c\n    name: a\n    type: STRICT_DNS\n    lb_policy: ROUND_ROBIN\n    load_assignment:\n      cluster_name: a\n      endpoints:\n      - lb_endpoints:\n        - endpoint: {address: {socket_address: {address: a1, port_value: 80}}}\n          load_balancing_weight: 2\n        - endpoint: {address: {socket_address: {address: a2, port_value: 80}}}\n  - name: b\n    type: STATIC\n    load_assignment: {cluster_name: b, endpoints: [{priority: 0, lb_endpoints: [{endpoint: {address: {socket_address: {address: 10.0.0.9, port_value: 80}}}}]}]}\n',
  },
  {
    name: 'builtin/envoy-json', fileName: 'envoy.json',
    text: '{"static_resources": {"clusters": [{"name": "a", "type": "STATIC", "load_assignment": {"cluster_name": "a", "endpoints": [{"lb_endpoints": [{"endpoint": {"address": {"socket_address": {"address": "10.0.0.1", "port_value": 80}}}}]}]}}], "listeners": [{"name": "l", "address": {"socket_address": {"address": "0.0.0.0", "port_value": 80}}, "filter_chains": [{"filters": [{"name": "envoy.filters.network.tcp_proxy", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy", "stat_prefix": "t", "cluster": "a"}}]}]}]}}\n',
  },
  {
    name: 'builtin/istio', fileName: 'vs.yaml',
    text: 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews}\nspec:\n  hosts: [reviews]\n  http:\n  - match: [{headers: {end-user: {exact: jason}}}]\n    route: [{destination: {host: reviews, subset: v2}}]\n  - route:\n    - {destination: {host: reviews, subset: v1}, weight: 75}\n    - {destination: {host: reviews, subset: v3}, weight: 25}\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews}\nspec:\n  host: reviews\n  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}, {name: v3, labels: {version: v3}}]\n',
  },
  {
    name: 'builtin/k8s', fileName: 'route.yaml',
    text: 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web}\nspec:\n  parentRefs: [{name: gw}]\n  hostnames: [example.com]\n  rules:\n  - matches: [{path: {type: PathPrefix, value: /api}}]\n    backendRefs: [{name: api, port: 80, weight: 90}, {name: api-canary, port: 80, weight: 10}]\n  - backendRefs: [{name: web, port: 80}]\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: ing}\nspec:\n  rules:\n  - host: a.example.com\n    http:\n      paths:\n      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}\n',
  },
  {
    name: 'builtin/traefik-yaml', fileName: 'dynamic.yml',
    text: 'http:\n  routers:\n    r1: {rule: "Host(`a.example.com`) && PathPrefix(`/api`)", service: split, priority: 10}\n    r2: {rule: "Host(`a.example.com`)", service: web}\n  services:\n    split:\n      weighted:\n        services: [{name: web, weight: 3}, {name: canary, weight: 1}]\n    web: &lb\n      loadBalancer:\n        servers: [{url: "http://10.0.0.1:80"}, {url: "http://10.0.0.2:80", weight: 2}]\n        healthCheck: {path: /health}\n    canary:\n      <<: *lb\ntcp:\n  routers:\n    t: {rule: "HostSNI(`*`)", service: db}\n  services:\n    db: {loadBalancer: {servers: [{address: "10.0.5.1:5432"}]}}\n',
  },
  {
    name: 'builtin/traefik-toml', fileName: 'dynamic.toml',
    text: '[http.routers.r]\n  rule = "Host(`a.example.com`)"\n  service = "web"\n\n[http.services.web.loadBalancer]\n  [[http.services.web.loadBalancer.servers]]\n    url = "http://10.0.0.1:80"\n    weight = 2\n  [[http.services.web.loadBalancer.servers]]\n    url = "http://10.0.0.2:80"\n[http.services.web.loadBalancer.healthCheck]\n  path = "/health"\n  interval = "10s"\n',
  },
  {
    name: 'builtin/cloudformation', fileName: 'template.yaml',
    text: 'AWSTemplateFormatVersion: "2010-09-09"\nConditions:\n  Prod: !Equals [!Ref Env, prod]\nParameters:\n  Env: {Type: String}\nResources:\n  LB:\n    Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n    Properties: {Subnets: [a, b]}\n  Listener:\n    Type: AWS::ElasticLoadBalancingV2::Listener\n    Properties:\n      LoadBalancerArn: !Ref LB\n      Port: 443\n      Protocol: HTTPS\n      DefaultActions:\n      - Type: forward\n        ForwardConfig:\n          TargetGroups:\n          - {TargetGroupArn: !Ref Blue, Weight: 90}\n          - {TargetGroupArn: !If [Prod, !Ref Green, !Ref Blue], Weight: 10}\n  Rule:\n    Type: AWS::ElasticLoadBalancingV2::ListenerRule\n    Properties:\n      ListenerArn: !Ref Listener\n      Priority: 1\n      Conditions: [{Field: path-pattern, PathPatternConfig: {Values: [/api/*]}}]\n      Actions: [{Type: forward, TargetGroupArn: !GetAtt Green.TargetGroupArn}]\n  Blue:\n    Type: AWS::ElasticLoadBalancingV2::TargetGroup\n    Properties: {Port: 80, Protocol: HTTP, Targets: [{Id: i-1}, {Id: i-2}]}\n  Green:\n    Type: AWS::ElasticLoadBalancingV2::TargetGroup\n    Properties: {Port: 80, Protocol: HTTP, Targets: [{Id: i-3}]}\n',
  },
];

/** Seed configurations: the shared corpus (files up to 256 KB) when present, else examples and built-in seeds. */
export function loadSeeds(root = resolve(__dirname, '..', '..')): Seed[] {
  const seeds: Seed[] = [...BUILTIN];
  if (HAVE_CORPUS) {
    const lines = readFileSync(join(CORPUS_DIR, 'MANIFEST.tsv'), 'utf8').split('\n').slice(1);
    for (const line of lines) {
      const cols = line.split('\t');
      if (cols.length < 5) continue;
      const path = join(CORPUS_DIR, cols[4]);
      try {
        if (statSync(path).size > 256 * 1024) continue;
        seeds.push({ name: `corpus/${cols[4]}`, fileName: basename(cols[3]), text: readFileSync(path, 'utf8') });
      } catch {
        /* a missing file: skipped */
      }
    }
  } else {
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else seeds.push({ name: `examples/${p.slice(root.length + 10)}`, fileName: name, text: readFileSync(p, 'utf8') });
      }
    };
    if (existsSync(join(root, 'examples'))) walk(join(root, 'examples'));
  }
  return seeds;
}

// ---- mutations ----

/** Tokens that matter to one parser or another. */
const TOKENS = [
  '{', '}', ';', '[', ']', ',', ':', ': ', '- ', '"', "'", '`', '\\', '#', '\n', '\r', '\r\n', '\t', ' ', '\0', '\uFEFF',
  '&a ', '*a', '<<: *a', '<<: ', '---\n', '...\n', '!Ref ', '!GetAtt ', '!!str ', '? ', '| ', '> ', '%YAML 1.2\n',
  '$', '${', '%[', '.if 1\n', '.endif\n', 'include ', 'location / {', 'server {', 'upstream u {', 'backend b\n', 'frontend f\n',
  'weight=', 'weight ', 'weight: ', 'port_value: ', 'load_balancing_weight: ', '99999999999999999999', '-1', '0', '1e309', '.nan',
  '.inf', '-.inf', '0x7fffffff', '4294967296', '9223372036854775808', 'NaN', 'null', '~', 'true', '\uD800', '\uDFFF', '\u2028', '\u202E',
];

export function mutate(text: string, r: Rand, edits: number): string {
  let t = text;
  for (let k = 0; k < edits; k++) {
    const op = r();
    const at = Math.floor(r() * (t.length + 1));
    if (op < 0.45) t = randomEdit(t, r, TOKENS);
    else if (op < 0.6) {
      // Duplicate a run of lines (repeated blocks, duplicate keys).
      const a = t.lastIndexOf('\n', at - 1) + 1;
      let b = a;
      for (let n = int(r, 1, 6); n > 0 && b < t.length; n--) b = t.indexOf('\n', b) < 0 ? t.length : t.indexOf('\n', b) + 1;
      t = t.slice(0, b) + t.slice(a, b) + t.slice(b);
    } else if (op < 0.7) {
      // Swap two lines.
      const lines = t.split('\n');
      if (lines.length > 1) {
        const i = Math.floor(r() * lines.length);
        const j = Math.floor(r() * lines.length);
        [lines[i], lines[j]] = [lines[j], lines[i]];
        t = lines.join('\n');
      }
    } else if (op < 0.8) {
      // Re-indent a line (YAML structure).
      const a = t.lastIndexOf('\n', at - 1) + 1;
      t = t.slice(0, a) + ' '.repeat(int(r, 0, 8)) + t.slice(a).replace(/^[ \t]*/, '');
    } else if (op < 0.9) {
      // Replace a number with an extreme one.
      const m = /\d+/g;
      m.lastIndex = at;
      const hit = m.exec(t);
      if (hit) t = t.slice(0, hit.index) + pick(r, ['0', '-1', '99999999999999999999', '4294967296', '65536', '1e309', '.nan', '2147483648', '00', '1.5']) + t.slice(hit.index + hit[0].length);
    } else {
      // Flip a character to a random code unit.
      t = t.slice(0, at) + String.fromCharCode(Math.floor(r() * 0x10000)) + t.slice(at + 1);
    }
  }
  return t;
}

// ---- shapes ----

const FORMAT_FILES: Record<string, string> = {
  nginx: 'nginx.conf', haproxy: 'haproxy.cfg', envoy: 'envoy.yaml', 'envoy-json': 'envoy.json', istio: 'vs.yaml', k8s: 'route.yaml',
  traefik: 'dynamic.yml', 'traefik-toml': 'dynamic.toml', cloudformation: 'template.yaml',
};

/** Wrap YAML lines in a document each format detects. */
function yamlHost(format: string, body: string[], use: string): string {
  const ind = (n: number) => body.map((l) => ' '.repeat(n) + l);
  switch (format) {
    case 'k8s':
      return ['apiVersion: gateway.networking.k8s.io/v1', 'kind: HTTPRoute', 'metadata:', '  name: r', '  annotations:', ...ind(4), 'spec:', '  parentRefs: [{name: gw}]', '  rules:', `  - backendRefs: ${use}`].join('\n');
    case 'istio':
      return ['apiVersion: networking.istio.io/v1', 'kind: VirtualService', 'metadata:', '  name: r', '  labels:', ...ind(4), 'spec:', '  hosts: [a]', `  http: ${use}`].join('\n');
    case 'envoy':
      return ['static_resources:', '  listeners: []', '  clusters:', '  - name: c', '    type: STATIC', '    metadata:', ...ind(6), `    load_assignment: {cluster_name: c, endpoints: ${use}}`].join('\n');
    case 'cloudformation':
      return ['AWSTemplateFormatVersion: "2010-09-09"', 'Metadata:', ...ind(2), 'Resources:', '  TG:', '    Type: AWS::ElasticLoadBalancingV2::TargetGroup', `    Properties: {Targets: ${use}}`].join('\n');
    default:
      return ['http:', '  services:', ...ind(4), '    web:', `      loadBalancer: {servers: ${use}}`, '  routers:', '    r: {rule: "Host(`a`)", service: web}'].join('\n');
  }
}

const YAML_FORMATS = ['k8s', 'istio', 'envoy', 'cloudformation', 'traefik'];

function aliasBomb(r: Rand): Omit<FuzzInput, 'index' | 'kind'> {
  const format = pick(r, YAML_FORMATS);
  const levels = int(r, 3, 14);
  const fan = int(r, 2, 12);
  const merge = r() < 0.4;
  const body = [`x0: &a0 {k: v, n: [1, 2, 3]}`];
  for (let i = 1; i < levels; i++) {
    body.push(merge ? `x${i}: &a${i} {${Array.from({ length: fan }, (_, j) => `k${j}: *a${i - 1}`).join(', ')}, <<: *a${i - 1}}` : `x${i}: &a${i} [${Array(fan).fill(`*a${i - 1}`).join(', ')}]`);
  }
  return { detail: `${format} levels=${levels} fan=${fan} merge=${merge}`, uri: `file:///fuzz/${FORMAT_FILES[format]}`, text: yamlHost(format, body, `*a${levels - 1}`) + '\n' };
}

function aliasCycle(r: Rand): Omit<FuzzInput, 'index' | 'kind'> {
  const format = pick(r, YAML_FORMATS);
  const body = pick(r, [
    ['x: &a [*a]'],
    ['x: &a {k: *a}'],
    ['x: &a {<<: *a}'],
    ['x: &a {y: &b [*a, *b]}'],
    ['x: *undefined', 'y: &a 1'],
    ['x: &a 1', 'x2: &a [*a, *a]', 'x3: &a [*a, *a]', 'x4: &a [*a, *a]'],
  ]);
  return { detail: `${format} ${body.join(' | ')}`, uri: `file:///fuzz/${FORMAT_FILES[format]}`, text: yamlHost(format, body, pick(r, ['*a', '[]', '*b'])) + '\n' };
}

function deepNesting(r: Rand): Omit<FuzzInput, 'index' | 'kind'> {
  const n = pick(r, [100, 255, 256, 257, 300, 700, 1000, 5000, 10_000, 50_000]);
  const shape = pick(r, ['nginx-braces', 'nginx-location', 'nginx-if', 'haproxy-if', 'yaml-flow', 'yaml-flowmap', 'yaml-block', 'yaml-seq', 'yaml-compact', 'json', 'toml-array', 'toml-inline', 'toml-dotted', 'toml-header']);
  let text: string;
  let file: string;
  switch (shape) {
    case 'nginx-braces': file = 'nginx.conf'; text = `http { ${'{ '.repeat(n)}${'} '.repeat(n)} }\n`; break;
    case 'nginx-location': file = 'nginx.conf'; text = `http { server { listen 80; ${'location / { '.repeat(n)}proxy_pass http://a:80; ${'} '.repeat(n)} } }\n`; break;
    case 'nginx-if': file = 'nginx.conf'; text = `http { server { location / { ${'if ($a) { '.repeat(n)}return 200; ${'} '.repeat(n)} } } }\n`; break;
    case 'haproxy-if': file = 'haproxy.cfg'; text = `frontend f\n  bind :80\n${'.if defined(X)\n'.repeat(n)}  default_backend b\n${'.endif\n'.repeat(n)}backend b\n  server s 10.0.0.1:80\n`; break;
    case 'yaml-flow': file = 'dynamic.yml'; text = `http:\n  services: ${'['.repeat(n)}${']'.repeat(n)}\n`; break;
    case 'yaml-flowmap': file = 'route.yaml'; text = `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nspec: ${'{a: '.repeat(n)}1${'}'.repeat(n)}\n`; break;
    case 'yaml-block': file = 'route.yaml'; text = `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nspec:\n${Array.from({ length: Math.min(n, 3000) }, (_, i) => `${' '.repeat(i + 2)}a:`).join('\n')} 1\n`; break;
    case 'yaml-seq': file = 'vs.yaml'; text = `apiVersion: networking.istio.io/v1\nkind: VirtualService\nspec:\n  http:\n${Array.from({ length: Math.min(n, 3000) }, (_, i) => `${' '.repeat(2 * i + 2)}-`).join('\n')} 1\n`; break;
    case 'yaml-compact': file = 'envoy.yaml'; text = `static_resources:\n  clusters:\n  ${'- '.repeat(n)}x\n`; break;
    case 'json': file = 'envoy.json'; text = `{"static_resources": {"clusters": ${'['.repeat(n)}${']'.repeat(n)}}}`; break;
    case 'toml-array': file = 'dynamic.toml'; text = `[http.services.s.loadBalancer]\nservers = ${'['.repeat(n)}${']'.repeat(n)}\n`; break;
    case 'toml-inline': file = 'dynamic.toml'; text = `[http.services.s]\nloadBalancer = ${'{a = '.repeat(n)}1${'}'.repeat(n)}\n`; break;
    case 'toml-dotted': file = 'dynamic.toml'; text = `[http.services.s.loadBalancer]\n${Array(n).fill('a').join('.')} = 1\n`; break;
    default: file = 'dynamic.toml'; text = `[${Array(n).fill('http').join('.')}]\nx = 1\n`; break;
  }
  return { detail: `${shape} depth=${n}`, uri: `file:///fuzz/${file}`, text };
}

function longLine(r: Rand, seeds: Seed[]): Omit<FuzzInput, 'index' | 'kind'> {
  const size = pick(r, [100_000, 100_000, 300_000, 1_000_000, 3_000_000]);
  const shape = pick(r, ['nginx-server-name', 'haproxy-acl', 'yaml-string', 'json-array', 'seed-line', 'no-newline-noise']);
  const rep = (s: string, n: number) => s.repeat(Math.max(1, Math.floor(n / s.length)));
  switch (shape) {
    case 'nginx-server-name':
      return { detail: `${shape} ${size}`, uri: 'file:///fuzz/nginx.conf', text: `http { server { listen 80; server_name ${rep('a.example.com ', size)}; location / { return 200; } } }\n` };
    case 'haproxy-acl':
      return { detail: `${shape} ${size}`, uri: 'file:///fuzz/haproxy.cfg', text: `frontend f\n  bind :80\n  acl a path_beg ${rep('/x ', size)}\n  use_backend b if a\nbackend b\n  server s 10.0.0.1:80\n` };
    case 'yaml-string':
      return { detail: `${shape} ${size}`, uri: 'file:///fuzz/dynamic.yml', text: `http:\n  routers:\n    r: {rule: "Host(\`${rep('a', size)}\`)", service: s}\n` };
    case 'json-array':
      return { detail: `${shape} ${size}`, uri: 'file:///fuzz/envoy.json', text: `{"static_resources": {"clusters": [${rep('{"name": "c", "type": "STATIC"},', size)}{}]}}` };
    case 'seed-line': {
      const s = pick(r, seeds);
      return { detail: `${shape} ${s.name} ${size}`, uri: `file:///fuzz/${s.fileName}`, text: s.text.replace(/\n/, ` ${rep('x', size)}\n`) };
    }
    default:
      return { detail: `${shape} ${size}`, uri: `file:///fuzz/${pick(r, Object.values(FORMAT_FILES))}`, text: rep('server a:1 weight=2; { } [ ] - : ', size) };
  }
}

function hugeNumbers(r: Rand): Omit<FuzzInput, 'index' | 'kind'> {
  const v = pick(r, ['99999999999999999999', '9223372036854775807', '9223372036854775808', '4294967295', '4294967296', '2147483648', '-1', '0', '1e309', '-1e309', '.nan', '.inf', '-.inf', '1.5', '0x10', '1_000', `1${'0'.repeat(400)}`, 'NaN']);
  const w = v.startsWith('.') ? v : v;
  const shape = pick(r, ['nginx', 'haproxy', 'envoy', 'istio', 'k8s', 'traefik', 'traefik-toml', 'cloudformation']);
  const num = (s: string) => (/^[.a-zA-Z]/.test(s) && shape === 'traefik-toml' ? s.replace(/^\./, '').replace('nan', 'nan') : s);
  const texts: Record<string, [string, string]> = {
    nginx: ['nginx.conf', `http { upstream u { server 10.0.0.1:${v} weight=${v} max_fails=${v}; server 10.0.0.2:80; } server { listen ${v}; location / { proxy_pass http://u; proxy_read_timeout ${v}; } } }\n`],
    haproxy: ['haproxy.cfg', `defaults\n  timeout connect ${v}\nfrontend f\n  bind :${v}\n  default_backend b\nbackend b\n  server s1 10.0.0.1:${v} weight ${v}\n  server s2 10.0.0.2:80 weight 1\n`],
    envoy: ['envoy.yaml', `static_resources:\n  clusters:\n  - name: c\n    load_assignment:\n      cluster_name: c\n      policy: {overprovisioning_factor: ${w}}\n      endpoints:\n      - priority: ${w}\n        load_balancing_weight: ${w}\n        lb_endpoints:\n        - endpoint: {address: {socket_address: {address: 10.0.0.1, port_value: ${w}}}}\n          load_balancing_weight: ${w}\n        - endpoint: {address: {socket_address: {address: 10.0.0.2, port_value: 80}}}\n  listeners:\n  - name: l\n    address: {socket_address: {address: 0.0.0.0, port_value: 80}}\n    filter_chains: [{filters: [{name: envoy.filters.network.tcp_proxy, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: t, weighted_clusters: {clusters: [{name: c, weight: ${w}}, {name: c, weight: 1}]}}}]}]\n`],
    istio: ['vs.yaml', `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v}\nspec:\n  hosts: [a]\n  http:\n  - route:\n    - {destination: {host: a, port: {number: ${w}}}, weight: ${w}}\n    - {destination: {host: b}, weight: 1}\n`],
    k8s: ['route.yaml', `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  parentRefs: [{name: gw, port: ${w}}]\n  rules:\n  - backendRefs: [{name: a, port: ${w}, weight: ${w}}, {name: b, port: 80, weight: 1}]\n`],
    traefik: ['dynamic.yml', `http:\n  routers:\n    r: {rule: "Host(\`a\`)", service: w, priority: ${w}}\n  services:\n    w: {weighted: {services: [{name: a, weight: ${w}}, {name: b, weight: 1}]}}\n    a: {loadBalancer: {servers: [{url: "http://10.0.0.1:80", weight: ${w}}, {url: "http://10.0.0.2"}]}}\n    b: {loadBalancer: {servers: [{url: "http://10.0.0.3"}]}}\n`],
    'traefik-toml': ['dynamic.toml', `[http.services.a.loadBalancer]\n  [[http.services.a.loadBalancer.servers]]\n    url = "http://10.0.0.1"\n    weight = ${num(v)}\n  [[http.services.a.loadBalancer.servers]]\n    url = "http://10.0.0.2"\n[http.routers.r]\n  rule = "Host(\`a\`)"\n  service = "a"\n  priority = ${num(v)}\n`],
    cloudformation: ['template.yaml', `AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  L:\n    Type: AWS::ElasticLoadBalancingV2::Listener\n    Properties:\n      Port: ${w}\n      DefaultActions: [{Type: forward, ForwardConfig: {TargetGroups: [{TargetGroupArn: !Ref A, Weight: ${w}}, {TargetGroupArn: !Ref B, Weight: 1}]}}]\n  A: {Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: {Port: ${w}, Targets: [{Id: i-1, Port: ${w}}]}}\n  B: {Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: {Targets: [{Id: i-2}]}}\n`],
  };
  const [file, text] = texts[shape];
  return { detail: `${shape} value=${v.slice(0, 24)}`, uri: `file:///fuzz/${file}`, text };
}

function encodingShape(r: Rand, seeds: Seed[]): Omit<FuzzInput, 'index' | 'kind'> {
  const s = pick(r, seeds);
  const shape = pick(r, ['bom', 'bom-middle', 'crlf', 'lone-cr', 'mixed-eol', 'nul', 'invalid-utf8', 'lone-surrogates', 'utf16le']);
  let text = s.text;
  switch (shape) {
    case 'bom': text = `\uFEFF${text}`; break;
    case 'bom-middle': { const at = Math.floor(r() * text.length); text = text.slice(0, at) + '\uFEFF' + text.slice(at); break; }
    case 'crlf': text = text.replace(/\r?\n/g, '\r\n'); break;
    case 'lone-cr': text = text.replace(/\r?\n/g, '\r'); break;
    case 'mixed-eol': text = text.replace(/\n/g, () => pick(r, ['\n', '\r\n', '\r', '\n\r', '\u2028'])); break;
    case 'nul': for (let k = int(r, 1, 5); k > 0; k--) { const at = Math.floor(r() * text.length); text = text.slice(0, at) + '\0' + text.slice(at); } break;
    case 'invalid-utf8': {
      const bytes = Buffer.from(text, 'utf8');
      for (let k = int(r, 1, 20); k > 0; k--) bytes[Math.floor(r() * bytes.length)] = pick(r, [0x80, 0xbf, 0xc0, 0xc1, 0xf5, 0xff, 0xed, 0xe0]);
      text = bytes.toString('utf8');
      break;
    }
    case 'lone-surrogates': for (let k = int(r, 1, 5); k > 0; k--) { const at = Math.floor(r() * text.length); text = text.slice(0, at) + pick(r, ['\uD800', '\uDC00', '\uDBFF']) + text.slice(at); } break;
    default: text = Buffer.from(text, 'utf16le').toString('latin1'); break;
  }
  return { detail: `${shape} ${s.name}`, uri: `file:///fuzz/${s.fileName}`, text };
}

function yamlStream(r: Rand): Omit<FuzzInput, 'index' | 'kind'> {
  const n = pick(r, [1000, 5000]);
  const shape = pick(r, ['k8s', 'traefik', 'empty', 'istio']);
  const doc = (i: number) =>
    shape === 'k8s' ? `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r${i}}\nspec:\n  parentRefs: [{name: gw}]\n  rules: [{matches: [{path: {type: PathPrefix, value: /p${i}}}], backendRefs: [{name: s${i % 7}, port: 80}]}]\n`
    : shape === 'traefik' ? `http:\n  routers:\n    r${i}: {rule: "Path(\`/p${i}\`)", service: s${i % 7}}\n`
    : shape === 'istio' ? `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v${i}}\nspec: {hosts: [h${i}], http: [{route: [{destination: {host: s${i % 7}}}]}]}\n`
    : '';
  const head = shape === 'empty' ? 'http:\n  routers:\n    r: {rule: "Host(`a`)", service: s}\n' : '';
  return { detail: `${shape} docs=${n}`, uri: `file:///fuzz/${shape === 'k8s' ? 'routes.yaml' : shape === 'istio' ? 'vs.yaml' : 'dynamic.yml'}`, text: head + Array.from({ length: n }, (_, i) => `---\n${doc(i)}`).join('') };
}

function cfnCycles(r: Rand): Omit<FuzzInput, 'index' | 'kind'> {
  const n = int(r, 2, 200);
  const shape = pick(r, ['ref-cycle', 'getatt-cycle', 'condition-cycle', 'dependson-cycle', 'self-ref', 'if-chain']);
  const res: string[] = [];
  const conds: string[] = [];
  for (let i = 0; i < n; i++) {
    const next = (i + 1) % n;
    if (shape === 'ref-cycle') res.push(`  R${i}: {Type: AWS::ElasticLoadBalancingV2::Listener, Properties: {LoadBalancerArn: !Ref R${next}, DefaultActions: [{Type: forward, TargetGroupArn: !Ref R${next}}]}}`);
    else if (shape === 'getatt-cycle') res.push(`  R${i}: {Type: AWS::ElasticLoadBalancingV2::ListenerRule, Properties: {ListenerArn: !GetAtt R${next}.Arn, Priority: ${i + 1}, Actions: [{Type: forward, TargetGroupArn: !GetAtt R${next}.TargetGroupArn}]}}`);
    else if (shape === 'condition-cycle') conds.push(`  C${i}: !And [!Condition C${next}, !Not [!Condition C${(i + 2) % n}]]`);
    else if (shape === 'dependson-cycle') res.push(`  R${i}: {Type: AWS::ElasticLoadBalancingV2::TargetGroup, DependsOn: R${next}, Properties: {Targets: [{Id: !Ref R${next}}]}}`);
    else if (shape === 'self-ref') res.push(`  R${i}: {Type: AWS::ElasticLoadBalancingV2::Listener, Properties: {LoadBalancerArn: !Ref R${i}, DefaultActions: [{Type: forward, TargetGroupArn: !Ref R${i}}]}}`);
    else res.push(`  R${i}: {Type: AWS::ElasticLoadBalancingV2::Listener, Condition: C${i}, Properties: {DefaultActions: [{Type: forward, TargetGroupArn: !If [C${next}, !Ref R${next}, !If [C${i}, !Ref R${i}, !Ref AWS::NoValue]]}]}}`);
  }
  if (shape === 'condition-cycle' || shape === 'if-chain') {
    for (let i = 0; i < n && conds.length < n; i++) conds.push(`  C${i}: !Or [!Condition C${(i + 1) % n}, !Equals [!Ref P, x]]`);
    res.push('  L: {Type: AWS::ElasticLoadBalancingV2::Listener, Condition: C0, Properties: {DefaultActions: [{Type: forward, TargetGroupArn: !Ref T}]}}', '  T: {Type: AWS::ElasticLoadBalancingV2::TargetGroup, Condition: C1, Properties: {Targets: [{Id: i-1}]}}');
  }
  const text = ['AWSTemplateFormatVersion: "2010-09-09"', 'Parameters: {P: {Type: String}}', ...(conds.length ? ['Conditions:', ...conds] : []), 'Resources:', ...res].join('\n') + '\n';
  return { detail: `${shape} n=${n}`, uri: 'file:///fuzz/template.yaml', text };
}

/** nginx includes in an in-memory workspace: cycles, escapes, glob patterns. */
function includes(r: Rand): Omit<FuzzInput, 'index' | 'kind'> {
  const shape = pick(r, ['cycle', 'self', 'long-cycle', 'escape-dotdot', 'escape-absolute', 'escape-uri', 'glob-backtrack', 'glob-deep', 'glob-many', 'missing', 'fanout']);
  const root = 'file:///ws';
  const files: Record<string, string> = {};
  let include: string;
  switch (shape) {
    case 'cycle': include = 'a.conf'; files[`${root}/a.conf`] = 'include b.conf;\n'; files[`${root}/b.conf`] = 'include a.conf;\n'; break;
    case 'self': include = 'nginx.conf'; break;
    case 'long-cycle': {
      const n = int(r, 10, 300);
      include = 'c0.conf';
      for (let i = 0; i < n; i++) files[`${root}/c${i}.conf`] = `include c${(i + 1) % n}.conf;\nupstream u${i} { server 10.0.0.${i % 250}:80; }\n`;
      break;
    }
    case 'escape-dotdot': include = pick(r, ['../../../../etc/passwd', '../outside.conf', 'conf.d/../../x.conf', '..']); files['file:///outside.conf'] = 'upstream secret { server 6.6.6.6:80; }\n'; break;
    case 'escape-absolute': include = pick(r, ['/etc/passwd', '/etc/nginx/nginx.conf', '/proc/self/environ', '/outside.conf']); files['file:///outside.conf'] = 'upstream secret { server 6.6.6.6:80; }\n'; break;
    case 'escape-uri': include = pick(r, ['file:///ws/../outside.conf', 'file:///etc/passwd', 'file://host/share/x.conf', 'http://example.com/x.conf']); files['file:///outside.conf'] = 'upstream secret { server 6.6.6.6:80; }\n'; break;
    case 'glob-backtrack': {
      const k = int(r, 8, 30);
      include = `conf.d/${'*a'.repeat(k)}*b`;
      files[`${root}/conf.d/${'a'.repeat(int(r, 30, 80))}`] = 'upstream x { server 10.0.0.1:80; }\n';
      break;
    }
    case 'glob-deep': include = `/${Array(int(r, 4, 12)).fill('*').join('/')}/*.conf`; break;
    case 'glob-many': {
      const n = int(r, 100, 2000);
      include = 'conf.d/*.conf';
      for (let i = 0; i < n; i++) files[`${root}/conf.d/s${i}.conf`] = `server { listen 80; server_name s${i}; location / { proxy_pass http://u; } }\n`;
      break;
    }
    case 'fanout': {
      const n = int(r, 8, 18);
      include = 'f0.conf';
      // Each file includes the next twice: 2^n includes if nothing stops it.
      for (let i = 0; i < n; i++) files[`${root}/f${i}.conf`] = i + 1 < n ? `include f${i + 1}.conf;\ninclude f${i + 1}.conf;\n` : 'upstream leaf { server 10.0.0.1:80; }\n';
      break;
    }
    default: include = 'missing/*.conf'; break;
  }
  const text = `events {}\nhttp {\n  upstream u { server 10.0.0.1:80; server 10.0.0.2:80; }\n  include ${include};\n  server { listen 80; location / { proxy_pass http://u; } }\n}\n`;
  return { detail: `${shape} include ${include.slice(0, 60)}`, uri: `${root}/nginx.conf`, text, files };
}

/** Sibling files of declarative formats in an in-memory workspace (bombs next door, thousands of siblings). */
function siblings(r: Rand): Omit<FuzzInput, 'index' | 'kind'> {
  const shape = pick(r, ['k8s-bomb-sibling', 'k8s-many', 'istio-bomb-sibling', 'traefik-siblings', 'k8s-deep-sibling']);
  const root = 'file:///ws';
  const files: Record<string, string> = {};
  const route = 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web}\nspec:\n  parentRefs: [{name: gw}]\n  rules:\n  - backendRefs: [{name: api, port: 80}]\n';
  const bomb = (kind: string) => `apiVersion: v1\nkind: ${kind}\nmetadata:\n  name: bomb\n  annotations:\n${Array.from({ length: 10 }, (_, i) => (i === 0 ? '    x0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9]' : `    x${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`)).join('\n')}\nspec: {ports: *a9}\n`;
  if (shape === 'k8s-bomb-sibling') {
    files[`${root}/svc.yaml`] = 'apiVersion: v1\nkind: Service\nmetadata: {name: api}\nspec: {ports: [{port: 80}]}\n';
    files[`${root}/bomb.yaml`] = bomb('Service');
    return { detail: shape, uri: `${root}/route.yaml`, text: route, files };
  }
  if (shape === 'k8s-deep-sibling') {
    files[`${root}/svc.yaml`] = `apiVersion: v1\nkind: Service\nmetadata: {name: api}\nspec: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`;
    return { detail: shape, uri: `${root}/route.yaml`, text: route, files };
  }
  if (shape === 'k8s-many') {
    const n = int(r, 100, 1500);
    for (let i = 0; i < n; i++) files[`${root}/s${i}.yaml`] = `apiVersion: v1\nkind: Service\nmetadata: {name: s${i}}\nspec: {ports: [{port: 80}]}\n`;
    return { detail: `${shape} n=${n}`, uri: `${root}/route.yaml`, text: route, files };
  }
  if (shape === 'istio-bomb-sibling') {
    files[`${root}/bomb.yaml`] = bomb('Service');
    return { detail: shape, uri: `${root}/vs.yaml`, text: 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v}\nspec: {hosts: [api], http: [{route: [{destination: {host: api}}]}]}\n', files };
  }
  const n = int(r, 2, 300);
  for (let i = 0; i < n; i++) files[`${root}/d${i}.yml`] = i % 17 === 0 ? bomb('X').replace('apiVersion: v1\nkind: X\n', 'http:\n  services:\n') : `http:\n  services:\n    s${i}: {loadBalancer: {servers: [{url: "http://10.0.${i % 250}.1"}]}}\n`;
  return { detail: `${shape} n=${n}`, uri: `${root}/dynamic.yml`, text: 'http:\n  routers:\n    r: {rule: "Host(`a`)", service: s1}\n', files };
}

function blankPrefix(r: Rand, seeds: Seed[]): Omit<FuzzInput, 'index' | 'kind'> {
  const s = pick(r, seeds);
  const n = pick(r, [1000, 10_000, 65_536]);
  const blank = pick(r, ['\n', ' \n', '#\n', '\r\n', '\t\n']);
  return { detail: `${n} x ${JSON.stringify(blank)} before ${s.name}`, uri: `file:///fuzz/${pick(r, ['config', s.fileName])}`, text: blank.repeat(n) + s.text };
}

/** Many repeated elements: time must grow with size, not faster. */
function scale(r: Rand): Omit<FuzzInput, 'index' | 'kind'> {
  const shape = pick(r, ['nginx-servers', 'nginx-locations', 'haproxy-acls', 'haproxy-backends', 'envoy-clusters', 'traefik-routers', 'istio-routes', 'k8s-rules']);
  // Line-oriented formats are read fast; YAML costs ~10x more per line (the yaml package).
  const n = shape.startsWith('nginx') || shape.startsWith('haproxy') ? pick(r, [1000, 10_000, 30_000]) : pick(r, [1000, 3000, 10_000]);
  // (nginx and HAProxy at 30,000 elements, YAML at 10,000: each several hundred KB to a few MB.)
  const rows = (f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join('');
  const texts: Record<string, [string, string]> = {
    'nginx-servers': ['nginx.conf', `http { upstream u { ${rows((i) => `server 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:80 weight=${(i % 9) + 1};\n`)} } server { listen 80; location / { proxy_pass http://u; } } }\n`],
    'nginx-locations': ['nginx.conf', `http { upstream u { server a:80; } server { listen 80; ${rows((i) => `location ${i % 3 ? '' : '~ '}/p${i} { proxy_pass http://u; }\n`)} } }\n`],
    'haproxy-acls': ['haproxy.cfg', `frontend f\n  bind :80\n${rows((i) => `  acl a${i} path_beg /p${i}\n  use_backend b if a${i}\n`)}backend b\n  server s 10.0.0.1:80\n`],
    'haproxy-backends': ['haproxy.cfg', `frontend f\n  bind :80\n  default_backend b0\n${rows((i) => `backend b${i}\n  server s 10.0.${(i >> 8) & 255}.${i & 255}:80\n`)}`],
    'envoy-clusters': ['envoy.yaml', `static_resources:\n  clusters:\n${rows((i) => `  - {name: c${i}, type: STATIC, load_assignment: {cluster_name: c${i}, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 10.0.0.1, port_value: 80}}}}]}]}}\n`)}`],
    'traefik-routers': ['dynamic.yml', `http:\n  routers:\n${rows((i) => `    r${i}: {rule: "PathPrefix(\`/p${i}\`)", service: s}\n`)}  services:\n    s: {loadBalancer: {servers: [{url: "http://a"}]}}\n`],
    'istio-routes': ['vs.yaml', `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v}\nspec:\n  hosts: [a]\n  http:\n${rows((i) => `  - {match: [{uri: {prefix: /p${i}}}], route: [{destination: {host: s${i % 5}}}]}\n`)}`],
    'k8s-rules': ['route.yaml', `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  parentRefs: [{name: gw}]\n  rules:\n${rows((i) => `  - {matches: [{path: {type: PathPrefix, value: /p${i}}}], backendRefs: [{name: s${i % 5}, port: 80}]}\n`)}`],
  };
  const [file, text] = texts[shape];
  return { detail: `${shape} n=${n}`, uri: `file:///fuzz/${file}`, text };
}

/** File-system shapes, built in a real temporary folder by the worker. */
function fsShape(r: Rand): Omit<FuzzInput, 'index' | 'kind' | 'uri' | 'text'> & { fs: FsShape } {
  const shape = pick(r, ['symlink-loop', 'two-loops', 'link-outside', 'link-etc-passwd', 'dangling', 'fifo', 'include-through-link', 'sibling-links', 'dir-link-loop']);
  const nginx = (include: string) => `events {}\nhttp {\n  upstream u { server 10.0.0.1:80; server 10.0.0.2:80; }\n  include ${include};\n  server { listen 80; location / { proxy_pass http://u; } }\n}\n`;
  const route = 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web}\nspec:\n  parentRefs: [{name: gw}]\n  rules:\n  - backendRefs: [{name: api, port: 80}]\n';
  const fs: FsShape = { files: {}, links: {}, fifos: [], document: 'ws/nginx.conf' };
  fs.files['outside/secret.conf'] = 'upstream secret { server 6.6.6.6:80; }\n';
  fs.files['outside/svc.yaml'] = 'apiVersion: v1\nkind: Service\nmetadata: {name: api}\nspec: {ports: [{port: 80}]}\n';
  switch (shape) {
    case 'symlink-loop': fs.files['ws/nginx.conf'] = nginx('conf.d/*.conf'); fs.files['ws/conf.d/a.conf'] = 'upstream a { server 10.0.0.3:80; }\n'; fs.links!['ws/conf.d/l1'] = '.'; break;
    case 'two-loops': fs.files['ws/nginx.conf'] = nginx('d/*/*.conf'); fs.links!['ws/d/a'] = '../d/b'; fs.links!['ws/d/b'] = '../d/a'; break;
    case 'dir-link-loop': fs.files['ws/nginx.conf'] = nginx('conf.d/*/*/*/*/*.conf'); fs.links!['ws/conf.d/x'] = '..'; fs.links!['ws/conf.d/y'] = '.'; break;
    case 'link-outside': fs.files['ws/nginx.conf'] = nginx('conf.d/*.conf'); fs.links!['ws/conf.d/secret.conf'] = '../../outside/secret.conf'; break;
    case 'link-etc-passwd': fs.files['ws/nginx.conf'] = nginx('conf.d/*.conf'); fs.links!['ws/conf.d/passwd.conf'] = '/etc/passwd'; break;
    case 'dangling': fs.files['ws/nginx.conf'] = nginx('conf.d/*.conf'); fs.links!['ws/conf.d/gone.conf'] = 'nowhere.conf'; break;
    case 'fifo': fs.files['ws/nginx.conf'] = nginx('conf.d/*.conf'); fs.fifos!.push('ws/conf.d/pipe.conf'); break;
    case 'include-through-link': fs.files['ws/nginx.conf'] = nginx('linked/secret.conf'); fs.links!['ws/linked'] = '../outside'; break;
    default: fs.document = 'ws/route.yaml'; fs.files['ws/route.yaml'] = route; fs.links!['ws/svc.yaml'] = '../outside/svc.yaml'; fs.links!['ws/loop.yaml'] = 'loop.yaml'; break;
  }
  return { detail: shape, fs };
}

// ---- the generator ----

export const CATEGORIES = ['random-bytes', 'truncation', 'mutation', 'shape'] as const;
/** Shapes and their weights: the expensive ones (large inputs) are rarer, so a run covers many inputs. */
const SHAPES = [
  ['alias-bomb', 8], ['alias-cycle', 4], ['deep-nesting', 8], ['long-line', 1], ['huge-numbers', 8], ['encoding', 8],
  ['yaml-stream', 0.5], ['cfn-cycles', 4], ['includes', 6], ['siblings', 2], ['blank-prefix', 0.5], ['scale', 1.5], ['fs', 4],
] as const;

export function generate(seed: number, index: number, seeds: Seed[], only?: ReadonlySet<string>): FuzzInput {
  // Input i has its own PRNG: replayable from (seed, i) alone.
  const r = rng((seed * 1_000_003 + index * 7919 + 1) >>> 0);
  for (let attempt = 0; ; attempt++) {
    const c = r();
    let kind: string;
    let made: Omit<FuzzInput, 'index' | 'kind'>;
    if (c < 0.08) {
      kind = 'random/bytes';
      const n = int(r, 0, pick(r, [64, 1024, 16_384]));
      const bytes = Buffer.alloc(n);
      const printable = r() < 0.6;
      for (let i = 0; i < n; i++) bytes[i] = printable ? pick(r, [...'{}[];:,-#"\' \n\t\r=*&<>!|%$.0123456789abcdefghijklmnopqrstuvwxyz'].map((ch) => ch.charCodeAt(0))) : Math.floor(r() * 256);
      made = { detail: `${n} bytes${printable ? ' (syntax characters)' : ''}`, uri: `file:///fuzz/${pick(r, Object.values(FORMAT_FILES))}`, text: bytes.toString(r() < 0.5 ? 'utf8' : 'latin1') };
    } else if (c < 0.2) {
      kind = 'seed/truncation';
      const s = pick(r, seeds);
      const at = Math.floor(r() * (s.text.length + 1));
      made = { detail: `${s.name} at ${at}`, uri: `file:///fuzz/${s.fileName}`, text: r() < 0.5 ? s.text.slice(0, at) : s.text.slice(at) };
    } else if (c < 0.55) {
      kind = 'seed/mutation';
      const s = pick(r, seeds);
      const edits = int(r, 1, 12);
      made = { detail: `${s.name} edits=${edits}`, uri: `file:///fuzz/${s.fileName}`, text: mutate(s.text, r, edits) };
    } else {
      let total = 0;
      for (const [, w] of SHAPES) total += w;
      let x = r() * total;
      let shape: string = SHAPES[0][0];
      for (const [name, w] of SHAPES) {
        if ((x -= w) < 0) {
          shape = name;
          break;
        }
      }
      kind = `shape/${shape}`;
      switch (shape) {
        case 'alias-bomb': made = aliasBomb(r); break;
        case 'alias-cycle': made = aliasCycle(r); break;
        case 'deep-nesting': made = deepNesting(r); break;
        case 'long-line': made = longLine(r, seeds); break;
        case 'huge-numbers': made = hugeNumbers(r); break;
        case 'encoding': made = encodingShape(r, seeds); break;
        case 'yaml-stream': made = yamlStream(r); break;
        case 'cfn-cycles': made = cfnCycles(r); break;
        case 'includes': made = includes(r); break;
        case 'siblings': made = siblings(r); break;
        case 'blank-prefix': made = blankPrefix(r, seeds); break;
        case 'scale': made = scale(r); break;
        default: {
          const f = fsShape(r);
          made = { ...f, uri: '', text: '' };
        }
      }
    }
    if (only && !only.has(kind) && attempt < 10_000) continue;
    const input: FuzzInput = { index, kind, ...made };
    // Half of the inputs say which language they are, as an editor does (detection by content otherwise).
    if (r() < 0.3) input.languageId = pick(r, ['nginx', 'haproxy', 'yaml', 'json', 'toml', 'plaintext']);
    if (r() < 0.3) input.baseText = mutate(input.text, r, int(r, 1, 4));
    return input;
  }
}
