import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { envoyBootstrap } from '../helpers/envoy';
import { LspClient, type PublishedDiagnostics } from '../helpers/lspClient';
import { posOf, tempWorkspace } from '../helpers/text';

/*
 * The declarative formats (Envoy, Istio, Kubernetes Ingress / Gateway API, Traefik YAML and TOML, AWS ALB in
 * CloudFormation YAML and JSON) through the built language server over stdio, opened the way the VS Code client
 * sends them: as `yaml`, `json` or `toml` documents, which the server claims by content only. Every expected
 * share below is worked out from the product's documented semantics, not read back from lb-lens.
 */

// ---- fixtures ---------------------------------------------------------------------------------------------

/**
 * Envoy: weighted_clusters 70/30 ("each cluster receives weight / Σ weights"); the virtual host's routes are
 * first-match, so `/static` after `/` can never match (LB106); the `web` cluster has priority 0 and priority 1
 * endpoints: P1 only receives traffic as P0 loses its healthy hosts (arch_overview/upstream/load_balancing/priority).
 */
const ENVOY = envoyBootstrap(
  `              - match: { prefix: "/api" }
                route:
                  weighted_clusters:
                    clusters:
                    - name: api_v1
                      weight: 70
                    - name: api_v2
                      weight: 30
              - match: { prefix: "/" }
                route: { cluster: web }
              - match: { prefix: "/static" }
                route: { cluster: web }`,
  `  - name: api_v1
    connect_timeout: 1s
    load_assignment:
      cluster_name: api_v1
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 10.0.1.1, port_value: 9000 } } }
  - name: api_v2
    connect_timeout: 1s
    load_assignment:
      cluster_name: api_v2
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 10.0.2.1, port_value: 9000 } } }
  - name: web
    connect_timeout: 1s
    outlier_detection: { consecutive_5xx: 5 }
    load_assignment:
      cluster_name: web
      endpoints:
      - priority: 0
        lb_endpoints:
        - endpoint: { address: { socket_address: { address: 10.0.3.1, port_value: 8080 } } }
        - endpoint: { address: { socket_address: { address: 10.0.3.2, port_value: 8080 } } }
      - priority: 1
        lb_endpoints:
        - endpoint: { address: { socket_address: { address: 10.0.4.1, port_value: 8080 } } }
`,
  { port: 8080, routeConfig: 'local_route', virtualHost: 'shop', domain: 'shop.example.com' },
);

/**
 * Istio: relative destination weights 3:1 → 75% / 25% ("weight / Σ weights"); a route without `match` matches
 * everything, so the `never` route after it is unreachable; `reviews` in namespace `shop` is
 * `reviews.shop.svc.cluster.local`; subsets come from the DestinationRule of that host.
 */
const ISTIO = `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: reviews
  namespace: shop
spec:
  hosts:
  - reviews
  http:
  - name: canary
    match:
    - headers:
        x-canary:
          exact: "1"
    route:
    - destination:
        host: reviews
        subset: v2
  - name: split
    route:
    - destination:
        host: reviews
        subset: v1
      weight: 3
    - destination:
        host: reviews
        subset: v2
      weight: 1
  - name: never
    match:
    - uri:
        prefix: /legacy
    route:
    - destination:
        host: reviews
        subset: v1
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata:
  name: reviews
  namespace: shop
spec:
  host: reviews
  trafficPolicy:
    outlierDetection:
      consecutive5xxErrors: 5
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
`;

/**
 * Gateway API: backendRefs weights 3:1 → 75% / 25%. PathPrefix "/checkout/" equals "/checkout" (a trailing
 * slash is ignored), and rules with equal precedence keep their order, so rule 2 never matches (LB106).
 * The Services are in the same manifests folder, so the set of Services is known (closed world).
 */
/** A Service manifest, as a YAML document of its own. */
const service = (name: string, port: number) => `---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  ports: [{ port: ${port} }]
`;
const GATEWAY = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: store
spec:
  parentRefs:
  - name: public
  hostnames: ["store.example.com"]
  rules:
  - matches:
    - path: { type: PathPrefix, value: /checkout }
    backendRefs:
    - name: checkout-v1
      port: 8080
      weight: 3
    - name: checkout-v2
      port: 8080
      weight: 1
  - matches:
    - path: { type: PathPrefix, value: /checkout/ }
    backendRefs:
    - name: store
      port: 80
  - backendRefs:
    - name: store
      port: 80
${service('checkout-v1', 8080)}${service('checkout-v2', 8080)}${service('store', 80)}`;

/** Ingress: Prefix "/api/" and "/api" are the same path ("trailing slash ignored"): two backends for one path (LB111). */
const INGRESS = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: store
spec:
  ingressClassName: nginx
  rules:
  - host: store.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: { name: store, port: { number: 80 } }
      - path: /api
        pathType: Prefix
        backend:
          service: { name: checkout-v1, port: { number: 8080 } }
      - path: /api/
        pathType: Prefix
        backend:
          service: { name: checkout-v2, port: { number: 8080 } }
`;

/**
 * Traefik (file provider): a weighted service 3:1 over shop-v1 (two servers, default weight 1) and shop-v2 (one
 * server) → 37.5% / 37.5% / 25%; `admin` servers of weight 9 and 1 → 90% / 10% (LB102 at the 80% threshold).
 */
const TRAEFIK = `http:
  routers:
    shop:
      rule: "Host(\`shop.example.com\`)"
      service: shop-split
      entryPoints: [websecure]
    admin:
      rule: "Host(\`shop.example.com\`) && PathPrefix(\`/admin\`)"
      service: admin
      entryPoints: [websecure]
  services:
    shop-split:
      weighted:
        services:
        - name: shop-v1
          weight: 3
        - name: shop-v2
          weight: 1
    shop-v1:
      loadBalancer:
        healthCheck: { path: /health }
        servers:
        - url: "http://10.0.0.1:8080"
        - url: "http://10.0.0.2:8080"
    shop-v2:
      loadBalancer:
        servers:
        - url: "http://10.0.1.1:8080"
    admin:
      loadBalancer:
        servers:
        - url: "http://10.0.2.1:8080"
          weight: 9
        - url: "http://10.0.2.2:8080"
          weight: 1
`;

/** The same weighted split in TOML; shop-v1 has no health check (LB107). */
const TRAEFIK_TOML = `[http.routers.shop]
  rule = "Host(\`shop.example.com\`)"
  service = "shop-split"
  entryPoints = ["websecure"]

[http.services.shop-split.weighted]
  [[http.services.shop-split.weighted.services]]
    name = "shop-v1"
    weight = 3
  [[http.services.shop-split.weighted.services]]
    name = "shop-v2"
    weight = 1

[http.services.shop-v1.loadBalancer]
  [[http.services.shop-v1.loadBalancer.servers]]
    url = "http://10.0.0.1:8080"
  [[http.services.shop-v1.loadBalancer.servers]]
    url = "http://10.0.0.2:8080"

[http.services.shop-v2.loadBalancer]
  [[http.services.shop-v2.loadBalancer.servers]]
    url = "http://10.0.1.1:8080"
`;

/**
 * ALB: ForwardConfig target group weights 800/200 (range 0–999) → Blue 80% over two targets (40% each), Green
 * 20%; the listener rule forwards `/api/*` to a target group with a single target (LB108).
 */
const ALB = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  HttpsListener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref LoadBalancer
      Port: 443
      Protocol: HTTPS
      DefaultActions:
      - Type: forward
        ForwardConfig:
          TargetGroups:
          - TargetGroupArn: !Ref BlueTG
            Weight: 800
          - TargetGroupArn: !Ref GreenTG
            Weight: 200
  ApiRule:
    Type: AWS::ElasticLoadBalancingV2::ListenerRule
    Properties:
      ListenerArn: !Ref HttpsListener
      Priority: 10
      Conditions:
      - Field: path-pattern
        PathPatternConfig:
          Values: ["/api/*"]
      Actions:
      - Type: forward
        TargetGroupArn: !Ref ApiTG
  BlueTG:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties:
      Port: 8080
      Protocol: HTTP
      TargetType: ip
      Targets:
      - Id: 10.0.0.1
      - Id: 10.0.0.2
  GreenTG:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties:
      Port: 8080
      Protocol: HTTP
      TargetType: ip
      Targets:
      - Id: 10.0.1.1
  ApiTG:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties:
      Port: 9000
      Protocol: HTTP
      TargetType: ip
      Targets:
      - Id: 10.0.2.1
  LoadBalancer:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Subnets: [subnet-1, subnet-2]
`;

/** The same template in JSON: weights 3 and 1 → Blue 75% (37.5% per target), Green 25%. */
const ALB_JSON = `{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {
    "HttpsListener": {
      "Type": "AWS::ElasticLoadBalancingV2::Listener",
      "Properties": {
        "LoadBalancerArn": { "Ref": "LoadBalancer" },
        "Port": 443,
        "Protocol": "HTTPS",
        "DefaultActions": [
          {
            "Type": "forward",
            "ForwardConfig": {
              "TargetGroups": [
                { "TargetGroupArn": { "Ref": "BlueTG" }, "Weight": 3 },
                { "TargetGroupArn": { "Ref": "GreenTG" }, "Weight": 1 }
              ]
            }
          }
        ]
      }
    },
    "ApiRule": {
      "Type": "AWS::ElasticLoadBalancingV2::ListenerRule",
      "Properties": {
        "ListenerArn": { "Ref": "HttpsListener" },
        "Priority": 10,
        "Conditions": [{ "Field": "path-pattern", "PathPatternConfig": { "Values": ["/api/*"] } }],
        "Actions": [{ "Type": "forward", "TargetGroupArn": { "Ref": "ApiTG" } }]
      }
    },
    "BlueTG": {
      "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
      "Properties": { "Port": 8080, "Protocol": "HTTP", "TargetType": "ip", "Targets": [{ "Id": "10.0.0.1" }, { "Id": "10.0.0.2" }] }
    },
    "GreenTG": {
      "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
      "Properties": { "Port": 8080, "Protocol": "HTTP", "TargetType": "ip", "Targets": [{ "Id": "10.0.1.1" }] }
    },
    "ApiTG": {
      "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
      "Properties": { "Port": 9000, "Protocol": "HTTP", "TargetType": "ip", "Targets": [{ "Id": "10.0.2.1" }] }
    },
    "LoadBalancer": {
      "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
      "Properties": { "Subnets": ["subnet-1", "subnet-2"] }
    }
  }
}
`;

// ---- files that are not ours --------------------------------------------------------------------------------

/** A GitHub Actions workflow with a YAML syntax error (an unclosed flow sequence). */
const WORKFLOW = `name: ci
on:
  push:
    branches: [main
jobs:
  test:
    runs-on: ubuntu-latest
    services:
      postgres:
        image: postgres:16
        ports: ["5432:5432"]
    steps:
    - uses: actions/checkout@v4
    - run: npm test
`;

/** docker-compose with Traefik labels (docker provider configuration, not a file-provider config). */
const COMPOSE = `services:
  traefik:
    image: traefik:v3.1
    command: ["--providers.docker=true"]
    ports: ["80:80"]
  web:
    image: nginx
    labels:
      - "traefik.http.routers.web.rule=Host(\`web.example.com\`)"
      - "traefik.http.services.web.loadbalancer.server.port=80"
\tbroken: tab-indented
`;

/** A plain Kubernetes Deployment and Service: no Ingress or route, so not ours. */
const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
      - name: web
        image: nginx
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports: [{ port: 80 }]
`;

/** package.json with a trailing comma (a JSON syntax error). */
const PACKAGE_JSON = `{
  "name": "shop",
  "version": "1.0.0",
  "dependencies": { "express": "^4.19.0", },
  "scripts": { "start": "node server.js" }
}
`;

/** Cargo.toml, with an `http` dependency table (a name Traefik also uses) and an unterminated string. */
const CARGO_TOML = `[package]
name = "shop"
version = "0.1.0"

[dependencies]
http = "1.1"

[dependencies.hyper]
version = "1.4
features = ["server"]
`;

// ---- helpers ----------------------------------------------------------------------------------------------

type Pos = { line: number; character: number };
type Range = { start: Pos; end: Pos };
type Diag = PublishedDiagnostics['diagnostics'][number];

/** The range of the `nth` occurrence of `needle`, shifted by `delta` and `length` characters long. */
function rangeAt(text: string, needle: string, delta = 0, length = needle.length - delta, nth = 0) {
  const start = posOf(text, needle, delta, nth);
  return { start, end: { line: start.line, character: start.character + length } };
}

const labelOf = (h: { label: string | Array<{ value: string }> }) => (typeof h.label === 'string' ? h.label : h.label.map((l) => l.value).join(''));
/** `[address or name, share]` pairs of a preview route, shares rounded to 0.1%. */
const sharesOf = (route: any, key: 'address' | 'name' = 'address') => route.servers.map((s: any) => [s[key], Math.round(s.share * 1000) / 1000]);
const codes = (p: PublishedDiagnostics) => p.diagnostics.map((d) => d.code).sort();

/** The whole files set: each format in its own folder (a repository's `envoy/`, `k8s/`, … directories). */
const FILES: Record<string, string> = {
  'envoy/envoy.yaml': ENVOY,
  'istio/reviews.yaml': ISTIO,
  'k8s/store.yaml': GATEWAY,
  'k8s/ingress.yaml': INGRESS,
  'traefik/dynamic.yml': TRAEFIK,
  'traefik-toml/dynamic.toml': TRAEFIK_TOML,
  'cloudformation/alb.yaml': ALB,
  'cloudformation-json/alb.json': ALB_JSON,
  '.github/workflows/ci.yml': WORKFLOW,
  'docker-compose.yml': COMPOSE,
  'deploy/web.yaml': DEPLOYMENT,
  'package.json': PACKAGE_JSON,
  'Cargo.toml': CARGO_TOML,
};

describe('declarative formats over LSP', () => {
  const ws = tempWorkspace(FILES);
  let client: LspClient;
  const versions = new Map<string, number>();

  before(async () => {
    client = new LspClient();
    await client.initialize(ws.rootUri);
  });
  after(() => client.stop());

  /** didOpen with the client's language id; resolves with the first publication (version 1). */
  async function open(rel: string, languageId: string): Promise<{ uri: string; published: PublishedDiagnostics }> {
    const uri = ws.uri(rel);
    versions.set(uri, 1);
    await client.open(uri, FILES[rel], languageId);
    return { uri, published: await client.diagnostics(uri, (p) => p.version === 1) };
  }

  /** didChange (incremental ranges or a full text); resolves with the publication of the new version. */
  async function change(uri: string, changes: Array<{ range?: unknown; text: string }>): Promise<PublishedDiagnostics> {
    const version = (versions.get(uri) ?? 1) + 1;
    versions.set(uri, version);
    await client.change(uri, version, changes);
    return client.diagnostics(uri, (p) => p.version === version);
  }

  const hover = async (uri: string, at: Pos): Promise<string> =>
    (await client.request('textDocument/hover', { textDocument: { uri }, position: at }))?.contents?.value ?? '';
  const hints = async (uri: string): Promise<Array<{ line: number; label: string }>> => {
    const list: any[] = await client.request('textDocument/inlayHint', {
      textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 1000, character: 0 } },
    });
    return list.map((h) => ({ line: h.position.line, label: labelOf(h).trim() }));
  };
  const symbols = (uri: string): Promise<any[]> => client.request('textDocument/documentSymbol', { textDocument: { uri } });
  const definition = async (uri: string, at: Pos): Promise<Array<{ uri: string; start: Pos }>> =>
    ((await client.request('textDocument/definition', { textDocument: { uri }, position: at })) as any[]).map((l) => ({ uri: l.uri, start: l.range.start }));
  const references = async (uri: string, at: Pos, includeDeclaration = false): Promise<Pos[]> =>
    ((await client.request('textDocument/references', { textDocument: { uri }, position: at, context: { includeDeclaration } })) as any[]).map((l) => l.range.start);
  const distribution = (uri: string, failed?: string[]): Promise<any> => client.request('lbLens/distribution', { textDocument: { uri }, failed });

  /**
   * Publishes `broken` (one syntax mistake) as the document's next version and expects exactly one LB001, on one
   * of `lines`; then puts `original` back — also when a check fails, so that the later tests see the fixture —
   * and expects the findings `codesAfter` again.
   */
  async function oneSyntaxError(uri: string, original: string, broken: string, lines: number[], codesAfter: string[]) {
    assert.notEqual(broken, original);
    try {
      const p = await change(uri, [{ text: broken }]);
      const lb001 = p.diagnostics.filter((d) => d.code === 'LB001');
      assert.equal(lb001.length, 1, JSON.stringify(p.diagnostics));
      assertLbLens(lb001[0], 'LB001');
      assert.equal(lb001[0].severity, 1);
      assert.ok(lines.includes(lb001[0].range.start.line), `LB001 at line ${lb001[0].range.start.line}, expected ${lines.join(' or ')}`);
    } finally {
      assert.deepEqual(codes(await change(uri, [{ text: original }])), codesAfter);
    }
  }

  /** The checks every published lb-lens diagnostic must pass in the client: code, source, doc link. */
  function assertLbLens(d: Diag, code: string) {
    assert.equal(d.code, code);
    assert.equal(d.source, 'lb-lens');
    assert.match(d.codeDescription!.href, new RegExp(`docs/rules/${code}\\.md$`));
  }

  /**
   * didOpen, expecting exactly the findings `expected` (rule ids, sorted); returns them with the URI and `d`, the
   * finding of the first expected rule, checked with `assertLbLens`.
   */
  async function openExpecting(rel: string, languageId: string, expected: string[]): Promise<{ uri: string; published: PublishedDiagnostics; d: Diag }> {
    const o = await open(rel, languageId);
    assert.deepEqual(codes(o.published), expected, JSON.stringify(o.published.diagnostics));
    const d = o.published.diagnostics.find((x) => x.code === expected[0])!;
    assertLbLens(d, expected[0]);
    return { ...o, d };
  }

  /** Replaces `range` with `text` and expects exactly one finding of `code`, which it returns checked with `assertLbLens`. */
  async function editExpecting(uri: string, range: Range, text: string, code: string): Promise<Diag> {
    const p = await change(uri, [{ range, text }]);
    const found = p.diagnostics.filter((x) => x.code === code);
    assert.equal(found.length, 1, JSON.stringify(p.diagnostics));
    assertLbLens(found[0], code);
    return found[0];
  }

  /** Replaces `range` with `text` (undoing an edit) and expects the findings `expected` (rule ids, sorted) again. */
  async function editBack(uri: string, range: Range, text: string, expected: string[]): Promise<void> {
    assert.deepEqual(codes(await change(uri, [{ range, text }])), expected);
  }

  /** The route `name` of lbLens/distribution, with the `failed` servers simulated as failed. */
  const routeOf = async (uri: string, name: string, failed?: string[]): Promise<any> =>
    (await distribution(uri, failed)).routes.find((r: any) => r.name === name);

  // ---------------------------------------------------------------------------------------------------------

  describe('Envoy (yaml)', () => {
    const rel = 'envoy/envoy.yaml';
    let uri: string;

    test('didOpen: LB106 on the shadowed route, with code, source, doc link, related information and its range', async () => {
      const { d, ...o } = await openExpecting(rel, 'yaml', ['LB106']);
      uri = o.uri;
      assert.equal(d.severity, 2);
      assert.deepEqual(d.tags, [1]);
      assert.deepEqual(d.range.start, posOf(ENVOY, 'match: { prefix: "/static" }'));
      const shadowing = posOf(ENVOY, 'match: { prefix: "/" }').line + 1;
      assert.ok(d.message.includes(`route prefix /static (shop) can never match: route prefix / (shop) (line ${shadowing})`), d.message);
      assert.equal(d.relatedInformation!.length, 1);
      const r = d.relatedInformation![0];
      assert.equal(r.location.uri, uri);
      assert.deepEqual((r.location.range as { start: Pos }).start, posOf(ENVOY, 'match: { prefix: "/" }'));
      assert.match(r.message, /route prefix \/ \(shop\) matches first/);
    });

    test('didChange: a misspelt cluster brings LB103 at the name; the fix clears it; removing the dead route clears all', async () => {
      const at = rangeAt(ENVOY, 'cluster: web', 9);
      const lb103 = await editExpecting(uri, at, 'wbe', 'LB103');
      assert.equal(lb103.severity, 1);
      assert.deepEqual(lb103.range, at);
      assert.match(lb103.message, /"wbe" is not defined; did you mean "web"\?/);
      await editBack(uri, at, 'web', ['LB106']);
      // Delete the two lines of the `/static` route: nothing is left to report.
      const from = posOf(ENVOY, '              - match: { prefix: "/static" }');
      let p = await change(uri, [{ range: { start: from, end: { line: from.line + 2, character: 0 } }, text: '' }]);
      assert.deepEqual(p.diagnostics, []);
      p = await change(uri, [{ text: ENVOY }]);
      assert.deepEqual(codes(p), ['LB106']);
    });

    test('a YAML syntax error gives LB001 exactly once, at its line', async () => {
      // One cluster field indented by three spaces instead of four.
      const broken = ENVOY.replace('    connect_timeout: 1s\n    load_assignment:\n      cluster_name: api_v2', '    connect_timeout: 1s\n   load_assignment:\n      cluster_name: api_v2');
      await oneSyntaxError(uri, ENVOY, broken, [posOf(broken, '   load_assignment:\n      cluster_name: api_v2').line], ['LB106']);
    });

    test('a tab-indented line (six errors of the YAML parser) is one LB001 at that line', async () => {
      const broken = ENVOY.replace('    connect_timeout: 1s\n    load_assignment:\n      cluster_name: api_v2', '    connect_timeout: 1s\n\tload_assignment:\n      cluster_name: api_v2');
      await oneSyntaxError(uri, ENVOY, broken, [posOf(broken, '\tload_assignment').line], ['LB106']);
    });

    test('hover: a route shows its 70/30 split, a weighted cluster its route, an endpoint its share and failover', async () => {
      const route = await hover(uri, posOf(ENVOY, 'match: { prefix: "/api" }'));
      assert.match(route, /\*\*route prefix \/api \(shop\)\*\* → `api_v1 \+ api_v2`/);
      assert.match(route, /\| 10\.0\.1\.1:9000 \| 10\.0\.1\.1:9000 \| 1 \| \*\*70%\*\* \|/);
      assert.match(route, /\| 10\.0\.2\.1:9000 \| 10\.0\.2\.1:9000 \| 1 \| \*\*30%\*\* \|/);
      // The cluster name inside weighted_clusters is part of the route's split: its hover gives the shares.
      const part = await hover(uri, posOf(ENVOY, 'name: api_v2', 6));
      assert.match(part, /\*\*30%\*\*/, part);
      const endpoint = await hover(uri, posOf(ENVOY, 'address: 10.0.1.1', 9));
      assert.match(endpoint, /route prefix \/api \(shop\): \*\*70%\*\*; if it fails → 10\.0\.2\.1:9000 30%/);
      // Priority 1 is idle while priority 0 is healthy.
      const p0 = await hover(uri, posOf(ENVOY, 'address: 10.0.3.1', 9));
      assert.match(p0, /route prefix \/ \(shop\): \*\*50%\*\*/);
      const p1 = await hover(uri, posOf(ENVOY, 'address: 10.0.4.1', 9));
      assert.match(p1, /weight 1 \(backup\) in `web`/);
      assert.match(p1, /route prefix \/ \(shop\): \*\*0%\*\*/);
    });

    test('hover: a cluster definition shows the routes that use it and their shares', async () => {
      const web = await hover(uri, posOf(ENVOY, '- name: web', 8));
      assert.match(web, /\*\*cluster web\*\* — round_robin, 3 servers, passive health checks/);
      assert.match(web, /\| 10\.0\.3\.1:8080 \| 10\.0\.3\.1:8080 \| 1 \| \*\*50%\*\* \|/);
      const v1 = await hover(uri, posOf(ENVOY, '- name: api_v1', 8, 1));
      assert.match(v1, /\*\*cluster api_v1\*\*/);
      assert.match(v1, /route prefix \/api \(shop\) \(\*\*70%\*\*\)/, v1);
    });

    test('inlay hints show each route split, flagged on the shadowed route', async () => {
      const list = await hints(uri);
      assert.ok(list.some((h) => h.line === posOf(ENVOY, 'match: { prefix: "/api" }').line && h.label === '→ 10.0.1.1:9000 70%, 10.0.2.1:9000 30%'), JSON.stringify(list));
      assert.ok(list.some((h) => h.line === posOf(ENVOY, 'route: { cluster: web }').line && h.label === '→ 10.0.3.1:8080 50%, 10.0.3.2:8080 50%'), JSON.stringify(list));
      assert.ok(list.some((h) => h.line === posOf(ENVOY, 'route: { cluster: web }', 0, 1).line && h.label.endsWith('⚠')), JSON.stringify(list));
    });

    test('outline: the listener with its routes, the clusters with their endpoints', async () => {
      const syms = await symbols(uri);
      const listener = syms.find((s) => s.name === 'listener ingress');
      assert.ok(listener, syms.map((s) => s.name).join(','));
      assert.deepEqual(listener.children.map((c: any) => c.name), ['route prefix /api (shop)', 'route prefix / (shop)', 'route prefix /static (shop)']);
      assert.deepEqual(syms.filter((s) => s.kind === 5).map((s) => s.name), ['api_v1', 'api_v2', 'web']);
      const web = syms.find((s) => s.name === 'web');
      assert.deepEqual(web.selectionRange.start, posOf(ENVOY, '- name: web', 8));
      assert.deepEqual(web.children.map((c: any) => c.name), ['10.0.3.1:8080', '10.0.3.2:8080', '10.0.4.1:8080 priority 1']);
    });

    test('definition and references of a cluster name', async () => {
      const def = posOf(ENVOY, '- name: web', 8);
      assert.deepEqual(await definition(uri, posOf(ENVOY, 'cluster: web', 9)), [{ uri, start: def }]);
      assert.deepEqual(await definition(uri, posOf(ENVOY, '- name: api_v2', 8)), [{ uri, start: posOf(ENVOY, '- name: api_v2', 8, 1) }]);
      const uses = [posOf(ENVOY, 'cluster: web', 9), posOf(ENVOY, 'cluster: web', 9, 1)];
      assert.deepEqual(await references(uri, def), uses);
      assert.deepEqual(await references(uri, def, true), [def, ...uses]);
    });

    test('lbLens/distribution: 70/30 split; priority 1 takes over when every priority 0 endpoint fails', async () => {
      const file = await distribution(uri);
      assert.equal(file.format, 'envoy');
      const api = file.routes.find((r: any) => r.name === 'route prefix /api (shop)');
      assert.equal(api.line, posOf(ENVOY, 'match: { prefix: "/api" }').line + 1);
      assert.equal(api.pool, 'api_v1 + api_v2');
      assert.deepEqual(sharesOf(api), [['10.0.1.1:9000', 0.7], ['10.0.2.1:9000', 0.3]]);
      const root = file.routes.find((r: any) => r.name === 'route prefix / (shop)');
      assert.deepEqual(sharesOf(root), [['10.0.3.1:8080', 0.5], ['10.0.3.2:8080', 0.5], ['10.0.4.1:8080', 0]]);
      assert.equal(root.servers[2].state, 'backup');
      const after = await routeOf(uri, 'route prefix / (shop)', ['10.0.3.1:8080', '10.0.3.2:8080']);
      assert.deepEqual(after.servers.map((s: any) => [s.address, s.share, s.failed]), [['10.0.3.1:8080', 0, true], ['10.0.3.2:8080', 0, true], ['10.0.4.1:8080', 1, false]]);
      assert.ok(after.notes.some((n: string) => /backup servers are serving/.test(n)), after.notes.join(' | '));
    });

    test('lbLens/distribution: with half of priority 0 failed, P0 keeps 50% × 1.4 = 70% and P1 gets 30% (Envoy priority levels)', async () => {
      const root = await routeOf(uri, 'route prefix / (shop)', ['10.0.3.1:8080']);
      assert.deepEqual(sharesOf(root), [['10.0.3.1:8080', 0], ['10.0.3.2:8080', 0.7], ['10.0.4.1:8080', 0.3]]);
      assert.ok(root.notes.some((n: string) => /priority 0 70%, priority 1 30%/.test(n)), root.notes.join(' | '));
      // P0 is still serving: this is a partial spill-over, not "backups serving".
      assert.ok(!root.notes.some((n: string) => /backup servers are serving/.test(n)), root.notes.join(' | '));
      // The hover of a P0 endpoint says the same in its "if it fails" line.
      const p0 = await hover(uri, posOf(ENVOY, 'address: 10.0.3.1', 9));
      assert.match(p0, /route prefix \/ \(shop\): \*\*50%\*\*; if it fails → 10\.0\.3\.2:8080 70%, 10\.0\.4\.1:8080 priority 1 30%/, p0);
    });
  });

  // ---------------------------------------------------------------------------------------------------------

  describe('Istio (yaml)', () => {
    const rel = 'istio/reviews.yaml';
    let uri: string;

    test('didOpen: LB106 on the route after the catch-all, with related information and its range', async () => {
      const { d, ...o } = await openExpecting(rel, 'yaml', ['LB106']);
      uri = o.uri;
      assert.deepEqual(d.range.start, posOf(ISTIO, 'name: never'));
      assert.match(d.message, /http\[2\] "never" can never match: http\[1\] "split"/);
      const r = d.relatedInformation![0];
      assert.equal(r.location.uri, uri);
      assert.deepEqual((r.location.range as { start: Pos }).start, posOf(ISTIO, 'name: split'));
    });

    test('didChange: a subset the DestinationRule does not define is LB103; undoing the edit clears it', async () => {
      const at = rangeAt(ISTIO, 'subset: v2', 8, 2, 1);
      const lb103 = await editExpecting(uri, at, 'v3', 'LB103');
      assert.deepEqual(lb103.range, at);
      assert.match(lb103.message, /"reviews\.shop\.svc\.cluster\.local\|v3" is not defined; did you mean "reviews\.shop\.svc\.cluster\.local\|v[12]"\?/);
      await editBack(uri, at, 'v2', ['LB106']);
    });

    test('a YAML syntax error gives LB001 exactly once, at its line', async () => {
      const broken = ISTIO.replace('      weight: 3\n', '      weight: 3\n     bad: indentation\n');
      await oneSyntaxError(uri, ISTIO, broken, [posOf(broken, '     bad: indentation').line], ['LB106']);
    });

    test('hover: the split route shows 75% / 25%; a destination of the split shows the split; a subset its routes', async () => {
      const route = await hover(uri, posOf(ISTIO, 'name: split'));
      assert.match(route, /\| reviews\.shop\|v1 \| reviews\.shop\.svc\.cluster\.local \| 1 \| \*\*75%\*\* \|/);
      assert.match(route, /\| reviews\.shop\|v2 \| reviews\.shop\.svc\.cluster\.local \| 1 \| \*\*25%\*\* \|/);
      const dest = await hover(uri, posOf(ISTIO, 'subset: v1', 8));
      assert.match(dest, /\*\*75%\*\*/, dest);
      const subset = await hover(uri, posOf(ISTIO, '- name: v1', 8));
      assert.match(subset, /\*\*subset reviews\.shop\.svc\.cluster\.local\|v1\*\* — default, 1 server, passive health checks/);
      assert.match(subset, /http\[1\] "split" \(\*\*75%\*\*\), http\[2\] "never" \(\*\*100%\*\*\)/, subset);
      const vs = await hover(uri, posOf(ISTIO, 'hosts:'));
      assert.match(vs, /- http\[1\] "split" → reviews\.shop\|v1 75%, reviews\.shop\|v2 25%/);
    });

    test('inlay hints show the split', async () => {
      const list = await hints(uri);
      assert.ok(list.some((h) => h.line === posOf(ISTIO, 'name: split').line && h.label === '→ reviews.shop|v1 75%, reviews.shop|v2 25%'), JSON.stringify(list));
    });

    test('outline: the VirtualService with its routes, the subsets', async () => {
      const syms = await symbols(uri);
      const vs = syms.find((s) => s.name === 'VirtualService reviews');
      assert.deepEqual(vs.children.map((c: any) => c.name), ['http[0] "canary"', 'http[1] "split"', 'http[2] "never"']);
      assert.deepEqual(syms.filter((s) => s.kind === 5).map((s) => s.name), ['reviews.shop.svc.cluster.local|v1', 'reviews.shop.svc.cluster.local|v2']);
    });

    test('definition of a subset is its entry in the DestinationRule; references are the destinations', async () => {
      const def = posOf(ISTIO, '- name: v2', 8);
      assert.deepEqual(await definition(uri, posOf(ISTIO, 'subset: v2', 8)), [{ uri, start: def }]);
      assert.deepEqual(await references(uri, def), [posOf(ISTIO, 'subset: v2', 8), posOf(ISTIO, 'subset: v2', 8, 1)]);
    });

    test('lbLens/distribution: 75% / 25%; a failed subset loses its share (Envoy answers 503, nothing is redistributed)', async () => {
      const file = await distribution(uri);
      assert.equal(file.format, 'istio');
      const split = file.routes.find((r: any) => r.name === 'http[1] "split"');
      assert.deepEqual(sharesOf(split, 'name'), [['reviews.shop|v1', 0.75], ['reviews.shop|v2', 0.25]]);
      const canary = file.routes.find((r: any) => r.name === 'http[0] "canary"');
      assert.deepEqual(sharesOf(canary, 'name'), [['reviews.shop|v2', 1]]);
      const after = await routeOf(uri, 'http[1] "split"', ['reviews.shop|v2']);
      assert.deepEqual(after.servers.map((s: any) => [s.name, s.share, s.failed]), [['reviews.shop|v1', 0.75, false], ['reviews.shop|v2', 0, true]]);
      assert.ok(after.notes.some((n: string) => /25% of requests reach no server/.test(n)), after.notes.join(' | '));
    });
  });

  // ---------------------------------------------------------------------------------------------------------

  describe('Kubernetes Gateway API and Ingress (yaml)', () => {
    let uri: string;
    let ingressUri: string;

    test('didOpen (HTTPRoute): LB106 on the rule whose PathPrefix equals an earlier one, with related information', async () => {
      const { d, ...o } = await openExpecting('k8s/store.yaml', 'yaml', ['LB106']);
      uri = o.uri;
      assert.deepEqual(d.range.start, posOf(GATEWAY, 'path: { type: PathPrefix, value: /checkout/ }'));
      const r = d.relatedInformation![0];
      assert.equal(r.location.uri, uri);
      assert.deepEqual((r.location.range as { start: Pos }).start, posOf(GATEWAY, 'path: { type: PathPrefix, value: /checkout }'));
      assert.match(r.message, /HTTPRoute store rule 1 \(path \/checkout\) matches first/);
    });

    test('didOpen (Ingress): LB111 on "/api/", which is the same Prefix path as "/api"', async () => {
      const { d, ...o } = await openExpecting('k8s/ingress.yaml', 'yaml', ['LB111']);
      ingressUri = o.uri;
      assert.equal(d.severity, 1);
      assert.deepEqual(d.range.start, posOf(INGRESS, 'path: /api/'));
      assert.deepEqual((d.relatedInformation![0].location.range as { start: Pos }).start, posOf(INGRESS, 'path: /api\n'));
    });

    test('didChange: a backendRef to a Service that does not exist is LB103; undoing the edit clears it', async () => {
      const at = rangeAt(GATEWAY, 'name: checkout-v2', 6);
      const lb103 = await editExpecting(uri, at, 'checkout-v3', 'LB103');
      assert.deepEqual(lb103.range, at);
      assert.match(lb103.message, /"checkout-v3" is not defined; did you mean "checkout-v[12]"\?/);
      await editBack(uri, at, 'checkout-v2', ['LB106']);
    });

    test('a YAML syntax error gives LB001 exactly once, at its line', async () => {
      const broken = GATEWAY.replace('      weight: 3\n', '      weight: 3\n     port: 9090\n');
      await oneSyntaxError(uri, GATEWAY, broken, [posOf(broken, '     port: 9090').line], ['LB106']);
    });

    test('hover: the weighted rule shows 75% / 25%; a backendRef shows the split', async () => {
      const rule = await hover(uri, posOf(GATEWAY, 'value: /checkout }'));
      assert.match(rule, /\| checkout-v1 \| checkout-v1\.default:8080 \| 1 \| \*\*75%\*\* \|/);
      assert.match(rule, /\| checkout-v2 \| checkout-v2\.default:8080 \| 1 \| \*\*25%\*\* \|/);
      const ref = await hover(uri, posOf(GATEWAY, 'name: checkout-v2', 6));
      assert.match(ref, /\*\*25%\*\*/, ref);
      const ingress = await hover(ingressUri, posOf(INGRESS, 'name: checkout-v1', 6));
      assert.match(ingress, /\| checkout-v1 \| checkout-v1\.default:8080 \| 1 \| \*\*100%\*\* \|/);
    });

    test('hover on the Service name in its own manifest shows the Service and its routes', async () => {
      const svc = await hover(uri, posOf(GATEWAY, 'name: checkout-v1', 6, 1));
      assert.match(svc, /\*\*service checkout-v1\*\*/);
      assert.match(svc, /\(\*\*75%\*\*\)/);
    });

    test('inlay hints show the split', async () => {
      const list = await hints(uri);
      assert.ok(list.some((h) => h.label === '→ checkout-v1 75%, checkout-v2 25%'), JSON.stringify(list));
    });

    test('outline: the HTTPRoute with its rules in precedence order, the Services', async () => {
      const syms = await symbols(uri);
      // The entry point is named after the route or its parent Gateway: found by kind (Namespace).
      const entries = syms.filter((s) => s.kind === 3);
      assert.equal(entries.length, 1, syms.map((s) => s.name).join(','));
      assert.deepEqual(entries[0].children.map((c: any) => c.name), [
        'HTTPRoute store rule 1 (path /checkout)', 'HTTPRoute store rule 2 (path /checkout/)', 'HTTPRoute store rule 3 (path /)',
      ]);
      assert.deepEqual(syms.filter((s) => s.kind === 5).map((s) => s.name), ['checkout-v1', 'checkout-v2', 'store']);
    });

    test('definition of a backendRef is the Service manifest, also from the Ingress next to it', async () => {
      const defs = await definition(uri, posOf(GATEWAY, 'name: checkout-v1', 6));
      assert.equal(defs.length, 1);
      assert.equal(defs[0].uri, uri);
      assert.equal(defs[0].start.line, posOf(GATEWAY, 'name: checkout-v1', 6, 1).line);
      const fromIngress = await definition(ingressUri, posOf(INGRESS, 'name: checkout-v1', 6));
      assert.equal(fromIngress.length, 1);
      assert.equal(fromIngress[0].uri, uri);
      assert.equal(fromIngress[0].start.line, posOf(GATEWAY, 'name: checkout-v1', 6, 1).line);
      assert.deepEqual(await references(uri, posOf(GATEWAY, 'name: store', 6, 1)), [posOf(GATEWAY, 'name: store', 6, 1), posOf(GATEWAY, 'name: store', 6, 2)]);
    });

    test('definition of a Service is exactly its name', async () => {
      const defs = await definition(uri, posOf(GATEWAY, 'name: checkout-v1', 6));
      assert.deepEqual(defs, [{ uri, start: posOf(GATEWAY, 'name: checkout-v1', 6, 1) }]);
    });

    test('lbLens/distribution: 75% / 25% per Service', async () => {
      const file = await distribution(uri);
      assert.equal(file.format, 'kubernetes');
      const rule = file.routes.find((r: any) => r.name === 'HTTPRoute store rule 1 (path /checkout)');
      assert.equal(rule.pool, 'checkout-v1 + checkout-v2');
      assert.deepEqual(sharesOf(rule), [['checkout-v1.default:8080', 0.75], ['checkout-v2.default:8080', 0.25]]);
      const after = await routeOf(uri, 'HTTPRoute store rule 1 (path /checkout)', ['checkout-v1']);
      assert.deepEqual(after.servers.map((s: any) => [s.name, s.share, s.failed]), [['checkout-v1', 0, true], ['checkout-v2', 0.25, false]]);
    });
  });

  // ---------------------------------------------------------------------------------------------------------

  describe('Traefik (yaml)', () => {
    const rel = 'traefik/dynamic.yml';
    let uri: string;

    test('didOpen: LB102 on the 90/10 service and LB107 on it, with related information and ranges', async () => {
      const { d: skew, ...o } = await openExpecting(rel, 'yaml', ['LB102', 'LB107']);
      uri = o.uri;
      assert.equal(skew.severity, 2);
      assert.deepEqual(skew.range, rangeAt(TRAEFIK, 'service: admin', 9));
      assert.match(skew.message, /http:\/\/10\.0\.2\.1:8080 receives 90% of router admin/);
      const related = skew.relatedInformation!.map((r) => [r.message, (r.location.range as { start: Pos }).start]);
      assert.deepEqual(related, [
        ['pool "admin" is defined here', posOf(TRAEFIK, 'admin:', 0, 1)],
        ['http://10.0.2.1:8080 (weight 9)', posOf(TRAEFIK, 'url: "http://10.0.2.1:8080"')],
      ]);
      const lb107 = o.published.diagnostics.find((d) => d.code === 'LB107')!;
      assert.deepEqual(lb107.range, rangeAt(TRAEFIK, 'admin:', 0, 5, 1));
    });

    test('didChange: a router naming an unknown service is LB103 (and its service becomes unused); undoing clears both', async () => {
      const at = rangeAt(TRAEFIK, 'service: admin', 9);
      const p = await change(uri, [{ range: at, text: 'admn' }]);
      const lb103 = p.diagnostics.filter((d) => d.code === 'LB103');
      const edited = { start: at.start, end: { line: at.start.line, character: at.start.character + 4 } };
      assert.equal(lb103.length, 1, JSON.stringify(p.diagnostics));
      assert.deepEqual(lb103[0].range, edited);
      assert.match(lb103[0].message, /"admn" is not defined; did you mean "admin"\?/);
      const lb110 = p.diagnostics.find((d) => d.code === 'LB110');
      assert.ok(lb110, JSON.stringify(p.diagnostics));
      assert.deepEqual(lb110.tags, [1]);
      await editBack(uri, edited, 'admin', ['LB102', 'LB107']);
    });

    test('a YAML syntax error gives LB001 exactly once, at its line', async () => {
      const broken = TRAEFIK.replace('      entryPoints: [websecure]\n    admin:', '      entryPoints: [websecure\n    admin:');
      // The unclosed `[` is on the `shop` router's entryPoints line; the parser may only tell at the next line.
      const open = posOf(broken, 'entryPoints: [websecure\n').line;
      await oneSyntaxError(uri, TRAEFIK, broken, [open, open + 1], ['LB102', 'LB107']);
    });

    test('hover: the router shows the 37.5 / 37.5 / 25 split, also on its weighted service name; a server its share', async () => {
      const router = await hover(uri, posOf(TRAEFIK, 'shop:'));
      assert.match(router, /\| http:\/\/10\.0\.0\.1:8080 \| http:\/\/10\.0\.0\.1:8080 \| 1 \| \*\*37\.5%\*\* \|/);
      assert.match(router, /\| http:\/\/10\.0\.1\.1:8080 \| http:\/\/10\.0\.1\.1:8080 \| 1 \| \*\*25%\*\* \|/);
      // `shop-split` is a weighted service, not a load balancer: its name must not be called undefined.
      const svc = await hover(uri, posOf(TRAEFIK, 'service: shop-split', 9));
      assert.doesNotMatch(svc, /not defined/);
      assert.match(svc, /\*\*37\.5%\*\*/, svc);
      const server = await hover(uri, posOf(TRAEFIK, 'url: "http://10.0.0.1', 6));
      assert.match(server, /router shop: \*\*37\.5%\*\*; if it fails → http:\/\/10\.0\.0\.2:8080 75%, http:\/\/10\.0\.1\.1:8080 25%/);
      const pool = await hover(uri, posOf(TRAEFIK, 'shop-v2:'));
      assert.match(pool, /router shop \(\*\*25%\*\*\)/, pool);
    });

    test('inlay hints show the split and the flagged skew', async () => {
      const list = await hints(uri);
      assert.ok(list.some((h) => h.label === '→ http://10.0.0.1:8080 37.5%, http://10.0.0.2:8080 37.5%, http://10.0.1.1:8080 25%'), JSON.stringify(list));
      assert.ok(list.some((h) => h.line === posOf(TRAEFIK, 'service: admin').line && h.label === '→ http://10.0.2.1:8080 90%, http://10.0.2.2:8080 10% ⚠'), JSON.stringify(list));
    });

    test('outline: the entry point with its routers, the services with their servers (the weighted one without)', async () => {
      const syms = await symbols(uri);
      const entry = syms.find((s) => s.name === 'http entryPoints websecure');
      assert.deepEqual(entry.children.map((c: any) => c.name), ['router shop', 'router admin']);
      const pools = syms.filter((s) => s.kind === 5);
      assert.deepEqual(pools.map((s) => s.name), ['shop-split', 'shop-v1', 'shop-v2', 'admin']);
      assert.deepEqual(pools[0].children, []);
      assert.equal(pools[0].detail, 'weighted');
      assert.deepEqual(pools[0].selectionRange.start, posOf(TRAEFIK, 'shop-split:'));
      assert.deepEqual(pools[1].children.map((c: any) => c.name), ['http://10.0.0.1:8080', 'http://10.0.0.2:8080']);
    });

    test('definition and references of a service name', async () => {
      const def = posOf(TRAEFIK, 'admin:', 0, 1);
      assert.deepEqual(await definition(uri, posOf(TRAEFIK, 'service: admin', 9)), [{ uri, start: def }]);
      assert.deepEqual(await definition(uri, posOf(TRAEFIK, 'name: shop-v1', 6)), [{ uri, start: posOf(TRAEFIK, 'shop-v1:') }]);
      assert.deepEqual(await references(uri, def), [posOf(TRAEFIK, 'service: admin', 9)]);
      assert.deepEqual(await references(uri, posOf(TRAEFIK, 'shop-v1:')), [posOf(TRAEFIK, 'name: shop-v1', 6)]);
    });

    test('definition of a weighted service name goes to the weighted service; its references are the routers naming it', async () => {
      const def = posOf(TRAEFIK, 'shop-split:');
      assert.deepEqual(await definition(uri, posOf(TRAEFIK, 'service: shop-split', 9)), [{ uri, start: def }]);
      assert.deepEqual(await definition(uri, def), [{ uri, start: def }]);
      assert.deepEqual(await references(uri, def), [posOf(TRAEFIK, 'service: shop-split', 9)]);
    });

    test('lbLens/distribution: the weighted split, and a failed server\'s share taken by its sibling', async () => {
      const file = await distribution(uri);
      assert.equal(file.format, 'traefik');
      const shop = file.routes.find((r: any) => r.name === 'router shop');
      assert.equal(shop.pool, 'shop-v1 + shop-v2');
      assert.deepEqual(sharesOf(shop), [['http://10.0.0.1:8080', 0.375], ['http://10.0.0.2:8080', 0.375], ['http://10.0.1.1:8080', 0.25]]);
      const after = await routeOf(uri, 'router shop', ['http://10.0.0.1:8080']);
      assert.deepEqual(sharesOf(after), [['http://10.0.0.1:8080', 0], ['http://10.0.0.2:8080', 0.75], ['http://10.0.1.1:8080', 0.25]]);
    });
  });

  describe('Traefik (toml)', () => {
    const rel = 'traefik-toml/dynamic.toml';
    let uri: string;

    test('didOpen: LB107 at the service name in the table header', async () => {
      const { d, ...o } = await openExpecting(rel, 'toml', ['LB107']);
      uri = o.uri;
      assert.deepEqual(d.range, rangeAt(TRAEFIK_TOML, 'shop-v1.loadBalancer]', 0, 7));
      assert.match(d.message, /"shop-v1" balances over 2 servers without health checks/);
    });

    test('didChange: a weighted child naming an unknown service is LB103; undoing clears it', async () => {
      const at = rangeAt(TRAEFIK_TOML, 'name = "shop-v2"', 8, 7);
      const lb103 = await editExpecting(uri, at, 'shop-v3', 'LB103');
      assert.equal(lb103.range.start.line, at.start.line);
      assert.match(lb103.message, /"shop-v3" is not defined; did you mean "shop-v[12]"\?/);
      await editBack(uri, at, 'shop-v2', ['LB107']);
    });

    test('a TOML syntax error gives LB001 exactly once, at its line', async () => {
      const broken = TRAEFIK_TOML.replace('url = "http://10.0.0.2:8080"', 'url = "http://10.0.0.2:8080');
      await oneSyntaxError(uri, TRAEFIK_TOML, broken, [posOf(broken, 'url = "http://10.0.0.2:8080').line], ['LB107']);
    });

    test('hover, inlay hints, outline, definition and distribution', async () => {
      const router = await hover(uri, posOf(TRAEFIK_TOML, '[http.routers.shop]', 14));
      assert.match(router, /\*\*router shop\*\* → `shop-v1 \+ shop-v2`/);
      assert.match(router, /\| http:\/\/10\.0\.1\.1:8080 \| http:\/\/10\.0\.1\.1:8080 \| 1 \| \*\*25%\*\* \|/);
      const list = await hints(uri);
      assert.deepEqual(list, [{ line: 0, label: '→ http://10.0.0.1:8080 37.5%, http://10.0.0.2:8080 37.5%, http://10.0.1.1:8080 25%' }]);
      const syms = await symbols(uri);
      assert.deepEqual(syms.map((s) => s.name), ['http entryPoints websecure', 'shop-split', 'shop-v1', 'shop-v2']);
      assert.deepEqual(await definition(uri, posOf(TRAEFIK_TOML, 'name = "shop-v2"', 8)), [{ uri, start: posOf(TRAEFIK_TOML, 'shop-v2.loadBalancer]') }]);
      assert.deepEqual(await definition(uri, posOf(TRAEFIK_TOML, 'service = "shop-split"', 11)), [{ uri, start: posOf(TRAEFIK_TOML, 'shop-split.weighted]') }]);
      const file = await distribution(uri);
      assert.deepEqual(sharesOf(file.routes[0]), [['http://10.0.0.1:8080', 0.375], ['http://10.0.0.2:8080', 0.375], ['http://10.0.1.1:8080', 0.25]]);
    });
  });

  // ---------------------------------------------------------------------------------------------------------

  describe('AWS ALB in CloudFormation (yaml)', () => {
    const rel = 'cloudformation/alb.yaml';
    let uri: string;

    test('didOpen: LB108 on the single-target rule, with related information and its range', async () => {
      const { d, ...o } = await openExpecting(rel, 'yaml', ['LB108']);
      uri = o.uri;
      assert.equal(d.severity, 3);
      assert.deepEqual(d.range.start, posOf(ALB, '!Ref ApiTG', 5));
      assert.match(d.message, /ListenerRule ApiRule is served by a single server, 10\.0\.2\.1:9000 \(100%\)/);
      const r = d.relatedInformation![0];
      assert.equal(r.message, 'the only server');
      assert.equal((r.location.range as { start: Pos }).start.line, posOf(ALB, 'Id: 10.0.2.1').line);
    });

    test('didChange: a !Ref to a target group that does not exist is LB103; undoing clears it', async () => {
      const at = rangeAt(ALB, 'TargetGroupArn: !Ref ApiTG', 21);
      const lb103 = await editExpecting(uri, at, 'ApiTGG', 'LB103');
      assert.equal(lb103.range.start.line, at.start.line);
      assert.match(lb103.message, /"ApiTGG" is not defined; did you mean "ApiTG"\?/);
      await editBack(uri, { start: at.start, end: { line: at.start.line, character: at.start.character + 6 } }, 'ApiTG', ['LB108']);
    });

    test('a YAML syntax error gives LB001 exactly once, at its line', async () => {
      // A key indented between two levels: the YAML parser reports four errors, one of them five lines later.
      const broken = ALB.replace('      Priority: 10\n', '      Priority: 10\n     Oops: 1\n');
      await oneSyntaxError(uri, ALB, broken, [posOf(broken, '     Oops: 1').line], ['LB108']);
    });

    test('hover: the default action shows the 80/20 ForwardConfig split; a target its share', async () => {
      const action = await hover(uri, posOf(ALB, 'DefaultActions'));
      assert.match(action, /\*\*Listener HttpsListener default action\*\* → `BlueTG \+ GreenTG`/);
      assert.match(action, /\| 10\.0\.0\.1:8080 \| 10\.0\.0\.1:8080 \| 1 \| \*\*40%\*\* \|/);
      assert.match(action, /\| 10\.0\.1\.1:8080 \| 10\.0\.1\.1:8080 \| 1 \| \*\*20%\*\* \|/);
      const target = await hover(uri, posOf(ALB, 'Id: 10.0.0.1', 4));
      assert.match(target, /Listener HttpsListener default action: \*\*40%\*\*; if it fails → 10\.0\.0\.2:8080 80%, 10\.0\.1\.1:8080 20%/);
      const green = await hover(uri, posOf(ALB, 'GreenTG:'));
      assert.match(green, /Listener HttpsListener default action \(\*\*20%\*\*\)/, green);
    });

    test('inlay hints show the split', async () => {
      const list = await hints(uri);
      assert.ok(list.some((h) => h.line === posOf(ALB, 'DefaultActions').line && h.label === '→ 10.0.0.1:8080 40%, 10.0.0.2:8080 40%, 10.0.1.1:8080 20%'), JSON.stringify(list));
    });

    test('outline: the listener with its rule and default action (in evaluation order: "the default rule is evaluated last"), the target groups', async () => {
      const syms = await symbols(uri);
      const listener = syms.find((s) => s.name === 'Listener HttpsListener');
      assert.deepEqual(listener.children.map((c: any) => c.name), ['ListenerRule ApiRule', 'Listener HttpsListener default action']);
      assert.deepEqual(syms.filter((s) => s.kind === 5).map((s) => s.name), ['BlueTG', 'GreenTG', 'ApiTG']);
    });

    test('definition of a !Ref is the TargetGroup resource; references are the !Refs in actions', async () => {
      const def = posOf(ALB, 'BlueTG:');
      assert.deepEqual(await definition(uri, posOf(ALB, '!Ref BlueTG', 5)), [{ uri, start: def }]);
      assert.deepEqual(await references(uri, def), [posOf(ALB, '!Ref BlueTG', 5)]);
    });

    test('lbLens/distribution: weights 800/200 → 80% / 20%; a failed target\'s share goes to the other target of its group', async () => {
      const file = await distribution(uri);
      assert.equal(file.format, 'aws-alb');
      const action = file.routes.find((r: any) => r.name === 'Listener HttpsListener default action');
      assert.deepEqual(sharesOf(action), [['10.0.0.1:8080', 0.4], ['10.0.0.2:8080', 0.4], ['10.0.1.1:8080', 0.2]]);
      const after = await routeOf(uri, 'Listener HttpsListener default action', ['10.0.0.1:8080']);
      assert.deepEqual(sharesOf(after), [['10.0.0.1:8080', 0], ['10.0.0.2:8080', 0.8], ['10.0.1.1:8080', 0.2]]);
    });
  });

  describe('AWS ALB in CloudFormation (json)', () => {
    const rel = 'cloudformation-json/alb.json';
    let uri: string;

    test('didOpen (languageId json): LB108 at the {"Ref": "ApiTG"} of the rule', async () => {
      const { d, ...o } = await openExpecting(rel, 'json', ['LB108']);
      uri = o.uri;
      assert.deepEqual(d.range.start, posOf(ALB_JSON, '{ "Ref": "ApiTG" }'));
    });

    test('didChange: a weight outside 0–999 is LB002 at the weight; undoing clears it', async () => {
      const at = rangeAt(ALB_JSON, '"Weight": 3', 10);
      const lb002 = await editExpecting(uri, at, '1000', 'LB002');
      const edited = { start: at.start, end: { line: at.start.line, character: at.start.character + 4 } };
      assert.deepEqual(lb002.range, edited);
      assert.match(lb002.message, /0 to 999/);
      await editBack(uri, edited, '3', ['LB108']);
    });

    test('a JSON syntax error gives LB001 exactly once, at its line', async () => {
      const broken = ALB_JSON.replace('"Priority": 10,', '"Priority": 10,,');
      await oneSyntaxError(uri, ALB_JSON, broken, [posOf(broken, '"Priority": 10,,').line], ['LB108']);
    });

    test('hover, inlay hints, outline, definition and distribution: weights 3:1 → 75% / 25%', async () => {
      const action = await hover(uri, posOf(ALB_JSON, '"DefaultActions"', 1));
      assert.match(action, /\| 10\.0\.0\.1:8080 \| 10\.0\.0\.1:8080 \| 1 \| \*\*37\.5%\*\* \|/);
      assert.match(action, /\| 10\.0\.1\.1:8080 \| 10\.0\.1\.1:8080 \| 1 \| \*\*25%\*\* \|/);
      const list = await hints(uri);
      assert.ok(list.some((h) => h.label === '→ 10.0.0.1:8080 37.5%, 10.0.0.2:8080 37.5%, 10.0.1.1:8080 25%'), JSON.stringify(list));
      const syms = await symbols(uri);
      assert.deepEqual(syms.filter((s) => s.kind === 5).map((s) => s.name), ['BlueTG', 'GreenTG', 'ApiTG']);
      assert.deepEqual(await definition(uri, posOf(ALB_JSON, '"Ref": "GreenTG"', 9)), [{ uri, start: posOf(ALB_JSON, '"GreenTG": {') }]);
      const file = await distribution(uri);
      const forward = file.routes.find((r: any) => r.name === 'Listener HttpsListener default action');
      assert.deepEqual(sharesOf(forward), [['10.0.0.1:8080', 0.375], ['10.0.0.2:8080', 0.375], ['10.0.1.1:8080', 0.25]]);
    });
  });

  // ---------------------------------------------------------------------------------------------------------

  describe('files that are not ours', () => {
    const plain: Array<[string, string]> = [
      ['.github/workflows/ci.yml', 'yaml'],
      ['docker-compose.yml', 'yaml'],
      ['deploy/web.yaml', 'yaml'],
      ['package.json', 'json'],
      ['Cargo.toml', 'toml'],
    ];

    for (const [rel, languageId] of plain) {
      test(`${rel} (${languageId}, with a syntax error where it has one) gets no lb-lens diagnostics and no features`, async () => {
        const { uri, published } = await open(rel, languageId);
        assert.deepEqual(published.diagnostics, []);
        assert.equal(await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 2 } }), null);
        assert.deepEqual(await symbols(uri), []);
        assert.deepEqual(await hints(uri), []);
        assert.equal(await distribution(uri), null);
      });
    }

    test('an edit that keeps a plain file plain publishes nothing either', async () => {
      const uri = ws.uri('.github/workflows/ci.yml');
      const p = await change(uri, [{ text: `${WORKFLOW}  deploy:\n    needs: [test\n` }]);
      assert.deepEqual(p.diagnostics, []);
    });
  });
});
