import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeModel } from '../../../server/src/analysis/analyze';
import { istioFormat } from '../../../server/src/formats/istio';
import { NO_FILES, type FormatHost } from '../../../server/src/formats/types';
import type { TrafficModel } from '../../../server/src/model/types';
import type { FileSystem } from '../../../server/src/service/fileSystem';
import { createFormatHost } from '../../../server/src/service/host';

const parse = (text: string, uri = 'file:///k8s/vs.yaml', host: FormatHost = NO_FILES): TrafficModel => istioFormat.parse(uri, text, host);
const rules = (m: TrafficModel, id?: string) => analyzeModel(m).diagnostics.filter((d) => !id || d.ruleId === id);
const ids = (m: TrafficModel) => [...new Set(rules(m).map((d) => d.ruleId))].sort();
function poolShares(m: TrafficModel, routeIndex = 0): Record<string, number> {
  const d = analyzeModel(m).distributions.get(m.routes[routeIndex].id)!;
  const out: Record<string, number> = {};
  for (const s of d.shares) out[s.pool.name] = Math.round(s.share * 1000) / 10;
  return out;
}

/** An in-memory folder read through the service's own FormatHost. */
function memoryHost(files: Record<string, string>): FormatHost {
  const fs: FileSystem = {
    readFile: (uri) => files[new URL(uri).pathname],
    readDirectory(uri) {
      const dir = `${new URL(uri).pathname.replace(/\/$/, '')}/`;
      return Object.keys(files).filter((p) => p.startsWith(dir) && !p.slice(dir.length).includes('/')).map((p) => ({ name: p.slice(dir.length), isDirectory: false }));
    },
  };
  return createFormatHost(fs, () => undefined, () => ['file:///k8s']);
}

const DR = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
spec:
  host: reviews
  trafficPolicy:
    loadBalancer: { simple: LEAST_REQUEST }
    outlierDetection: { consecutive5xxErrors: 5 }
  subsets:
  - name: v1
    labels: { version: v1 }
  - name: v2
    labels: { version: v2 }
`;
const vs = (http: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: default
spec:
  hosts: [reviews]
  http:
${http}`;

describe('istio detection', () => {
  it('claims networking.istio.io VirtualService / DestinationRule / Gateway, nothing else', () => {
    assert.equal(istioFormat.detect('file:///a.yaml', vs('  - route: []\n')), 0.95);
    assert.equal(istioFormat.detect('file:///a.yaml', DR), 0.95);
    assert.equal(istioFormat.detect('file:///a.json', '{"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "spec": {}}'), 0.95);
    for (const text of [
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n',
      'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: r\n',
      'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: p\n',
      'static_resources:\n  clusters: []\n',
      'services:\n  web:\n    image: nginx\n',
    ]) assert.equal(istioFormat.detect('file:///x.yaml', text), 0, text);
  });
});

describe('istio model', () => {
  it('each VirtualService is an entry point; http routes are first-match in order; a route without match catches all', () => {
    const m = parse(`${vs(`  - match:
    - headers:
        end-user: { exact: jason }
    route:
    - destination: { host: reviews, subset: v2 }
  - route:
    - destination: { host: reviews, subset: v1 }
`)}---\n${DR}`);
    assert.deepEqual(m.problems, []);
    assert.equal(m.entries.length, 1);
    assert.equal(m.entries[0].name, 'VirtualService reviews');
    assert.deepEqual(m.entries[0].listen, ['mesh']);
    assert.deepEqual(m.routes.map((r) => [r.name, r.matchText, r.catchAll, r.evaluation.index]), [
      ['http[0]', 'header end-user=jason', false, 0],
      ['http[1]', '*', true, 1],
    ]);
    const target = m.routes[1].target;
    assert.equal(target.kind, 'pool');
    if (target.kind === 'pool') assert.equal(target.name, 'reviews.default.svc.cluster.local|v1');
    const pool = m.pools.find((p) => p.name === 'reviews.default.svc.cluster.local|v1')!;
    assert.equal(pool.algorithm, 'least_request');
    assert.deepEqual(pool.servers.map((s) => [s.kind, s.address]), [['service', 'reviews.default.svc.cluster.local']]);
    assert.equal(pool.healthCheck.passive, true); // outlierDetection
    assert.deepEqual(ids(m), []);
  });

  it('a route without match before others makes them unreachable (LB106)', () => {
    const m = parse(vs(`  - route:
    - destination: { host: ratings }
  - match:
    - uri: { prefix: /api }
    route:
    - destination: { host: ratings }
`));
    assert.deepEqual(rules(m, 'LB106').map((d) => d.message.split(':')[0]), ['http[1] can never match']);
  });

  it('several match entries are alternatives: each becomes a route, in order', () => {
    const m = parse(vs(`  - match:
    - uri: { prefix: /a }
    - uri: { exact: /b }
    route:
    - destination: { host: ratings }
  - match:
    - uri: { prefix: /b }
    route:
    - destination: { host: ratings }
`));
    assert.deepEqual(m.routes.map((r) => [r.name, r.match]), [
      ['http[0] match[0]', [{ field: 'path', op: 'prefix', value: '/a' }]],
      ['http[0] match[1]', [{ field: 'path', op: 'exact', value: '/b' }]],
      ['http[1]', [{ field: 'path', op: 'prefix', value: '/b' }]],
    ]);
    assert.deepEqual(rules(m, 'LB106'), []);
  });

  it('relative weights split the traffic between subsets (weight / Σ weights)', () => {
    const m = parse(`${vs(`  - route:
    - destination: { host: reviews, subset: v1 }
      weight: 1
    - destination: { host: reviews, subset: v2 }
      weight: 3
`)}---\n${DR}`);
    assert.deepEqual(poolShares(m), { 'reviews.default.svc.cluster.local|v1': 25, 'reviews.default.svc.cluster.local|v2': 75 });
    assert.deepEqual(m.problems, []); // weights need not add up to 100
  });

  it('a deliberate 100/0 shift between services is no LB101 (destinations are services)', () => {
    const m = parse(`${vs(`  - route:
    - destination: { host: reviews, subset: v1 }
      weight: 100
    - destination: { host: reviews, subset: v2 }
      weight: 0
`)}---\n${DR}`);
    assert.deepEqual(poolShares(m), { 'reviews.default.svc.cluster.local|v1': 100, 'reviews.default.svc.cluster.local|v2': 0 });
    assert.deepEqual(ids(m), []);
  });

  it('weights of several destinations all 0 → LB002 ("total destination weight = 0")', () => {
    const m = parse(vs(`  - route:
    - destination: { host: a }
    - destination: { host: b }
`));
    assert.deepEqual(m.problems.map((p) => p.ruleId), ['LB002']);
    // A single destination takes everything whatever its weight.
    assert.deepEqual(parse(vs(`  - route:\n    - destination: { host: a }\n      weight: 0\n`)).problems, []);
  });

  it('a subset no DestinationRule of the host defines → LB103 (same file)', () => {
    const m = parse(`${vs(`  - route:
    - destination: { host: reviews, subset: v3 }
`)}---\n${DR}`);
    const lb103 = rules(m, 'LB103');
    assert.equal(lb103.length, 1);
    assert.match(lb103[0].message, /"reviews\.default\.svc\.cluster\.local\|v3" is not defined; did you mean "reviews\.default\.svc\.cluster\.local\|v[12]"\?/);
  });

  it('DestinationRules of sibling *.yaml files are seen; without any rule for the host the set is open: no LB103', () => {
    const files = { '/k8s/vs.yaml': vs('  - route:\n    - destination: { host: reviews, subset: v3 }\n'), '/k8s/dr.yml': DR, '/k8s/other.yaml': 'kind: ConfigMap\n' };
    const m = parse(files['/k8s/vs.yaml'], 'file:///k8s/vs.yaml', memoryHost(files));
    assert.equal(rules(m, 'LB103').length, 1);
    assert.ok(m.files.includes('file:///k8s/dr.yml'));
    const ok = parse(vs('  - route:\n    - destination: { host: reviews, subset: v2 }\n'), 'file:///k8s/vs.yaml', memoryHost(files));
    assert.deepEqual(ids(ok), []);
    // The pool is defined in the sibling file (go to definition).
    assert.equal(ok.pools[0].nameSource.uri, 'file:///k8s/dr.yml');
    // No DestinationRule anywhere: nothing is known about the subsets.
    assert.deepEqual(ids(parse(files['/k8s/vs.yaml'])), []);
  });

  it('tcp and tls routes are their own first-match groups', () => {
    const m = parse(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: db }
spec:
  hosts: [db]
  tcp:
  - match: [{ port: 5432 }]
    route: [{ destination: { host: pg-primary } }]
  - route: [{ destination: { host: pg-replica } }]
  tls:
  - match: [{ sniHosts: [db.example.com] }]
    route: [{ destination: { host: db-tls } }]
`);
    assert.deepEqual(m.routes.map((r) => [r.name, r.matchText, r.evaluation.group.split(':')[1]]), [
      ['tcp[0]', 'port 5432', 'tcp'],
      ['tcp[1]', '*', 'tcp'],
      ['tls[0]', 'sni db.example.com', 'tls'],
    ]);
    assert.deepEqual(ids(m), []);
  });

  it('DestinationRule subsets are pools of their file, never "unused"; outlierDetection is passive health', () => {
    const m = parse(DR);
    assert.deepEqual(m.pools.map((p) => [p.name, p.healthCheck.passive]), [
      ['reviews.default.svc.cluster.local|v1', true],
      ['reviews.default.svc.cluster.local|v2', true],
    ]);
    assert.deepEqual(ids(m), []);
  });

  it('YAML errors are LB001, comments kept, odd input never throws', () => {
    const m = parse(`${vs('  - route: [\n')}# lb-lens-disable LB106\n`);
    assert.ok(m.problems.some((p) => p.ruleId === 'LB001'));
    assert.ok(m.comments.some((c) => c.text.includes('lb-lens-disable')));
    for (const text of ['', 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nspec: 3', vs('  - {{.Route}}\n'), vs('  - route:\n    - {}\n    - destination: { host: {{.Host}} }\n      weight: {{.W}}\n')]) {
      assert.doesNotThrow(() => parse(text), text);
    }
  });
});
