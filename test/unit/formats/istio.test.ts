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
    assert.equal(istioFormat.detect('file:///se.yaml', 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: ext\n'), 0.95);
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
    for (const text of ['', 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nspec: 3',
      'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nspec: {hosts: 3, endpoints: [1, {address: {a: 1}}, {address: x, ports: 7, labels: [1]}]}\n---\n' + vs('  - route: [{destination: {host: x}}]\n'),
      'apiVersion: networking.istio.io/v1\nkind: Gateway\nspec: {servers: [3, {port: 8, hosts: [{}]}]}\n---\n' + vs('  - route: []\n').replace('hosts: [reviews]', 'hosts: [reviews]\n  gateways: [a/b/c, x.y, {}]'), vs('  - {{.Route}}\n'), vs('  - route:\n    - {}\n    - destination: { host: {{.Host}} }\n      weight: {{.W}}\n')]) {
      assert.doesNotThrow(() => parse(text), text);
    }
  });
});

const doc = (...lines: string[]) => lines.join('\n');
const GW = doc(
  'apiVersion: networking.istio.io/v1', 'kind: Gateway', 'metadata: {name: gw, namespace: default}', 'spec:', '  selector: {istio: ingressgateway}', '  servers:',
  '  - port: {number: 80, name: http, protocol: HTTP}', '    hosts: ["*.example.com"]',
  '  - port: {number: 443, name: https, protocol: HTTPS}', '    hosts: ["prod/shop.example.com", "other.org"]',
);
const boundVs = (name: string, hosts: string, gateways?: string) => doc(
  'apiVersion: networking.istio.io/v1', 'kind: VirtualService', `metadata: {name: ${name}, namespace: default}`, 'spec:', `  hosts: ${hosts}`,
  ...(gateways ? [`  gateways: ${gateways}`] : []), '  http:', '  - route: [{destination: {host: web}}]',
);
const se = (...spec: string[]) => doc('apiVersion: networking.istio.io/v1', 'kind: ServiceEntry', 'metadata: {name: ext, namespace: default}', 'spec:', ...spec.map((l) => `  ${l}`));
const vsTo = (...destinations: string[]) => doc(
  'apiVersion: networking.istio.io/v1', 'kind: VirtualService', 'metadata: {name: client, namespace: default}', 'spec:', '  hosts: [client]', '  http:',
  '  - route:', ...destinations.map((d) => `    - destination: ${d}${destinations.length > 1 ? '\n      weight: 1' : ''}`),
);
const serverShares = (m: TrafficModel, routeIndex = 0) => {
  const d = analyzeModel(m).distributions.get(m.routes[routeIndex].id)!;
  return Object.fromEntries(d.shares.map((s) => [s.server.address, Math.round(s.share * 1000) / 10]));
};

describe('istio Gateway (networking.istio.io Gateway, VirtualService.gateways)', () => {
  it('each Gateway server (port, protocol, hosts) is an entry point', () => {
    const m = parse(GW, 'file:///k8s/gw.yaml');
    assert.deepEqual(m.entries.map((e) => [e.name, e.listen, e.hosts]), [
      ['Gateway gw 80/HTTP', ['80/HTTP'], ['*.example.com']],
      ['Gateway gw 443/HTTPS', ['443/HTTPS'], ['prod/shop.example.com', 'other.org']],
    ]);
    assert.deepEqual(ids(m), []);
  });

  it('a VirtualService lists the servers of its gateways that expose its hosts ("exact match or a suffix match"); `mesh` is the default', () => {
    const m = parse(doc(GW, '---', boundVs('shop', '[shop.example.com]', '[gw, mesh]'), '---', boundVs('internal', '[web]'),
      '---', boundVs('org', '[other.org]', '[default/gw]'), '---', boundVs('net', '[shop.example.net]', '[gw]'), '---', boundVs('edge', '[a.example.com]', '[istio-system/edge]')));
    const listen = Object.fromEntries(m.entries.filter((e) => e.name.startsWith('VirtualService')).map((e) => [e.name, e.listen]));
    assert.deepEqual(listen, {
      // `prod/shop.example.com` selects VirtualServices of the namespace prod only.
      'VirtualService shop': ['gw :80/HTTP', 'mesh'],
      'VirtualService internal': ['mesh'],
      'VirtualService org': ['default/gw :443/HTTPS'],
      'VirtualService net': ['gw (no server exposes its hosts)'],
      // A Gateway not among the manifests stays as written.
      'VirtualService edge': ['istio-system/edge'],
    });
  });
});

describe('istio ServiceEntry (networking.istio.io ServiceEntry, WorkloadEntry)', () => {
  it('a destination host declared by a ServiceEntry resolves to its endpoints and their weights (0 or unset counts as 1)', () => {
    const m = parse(doc(
      se('hosts: [api.partner.com]', 'location: MESH_EXTERNAL', 'resolution: STATIC', 'ports: [{number: 443, name: https, protocol: TLS}]', 'endpoints:',
        '- {address: 10.0.0.1, weight: 3}', '- {address: 10.0.0.2}', '- {address: 10.0.0.3, weight: 0, ports: {https: 8443}}'),
      '---', vsTo('{host: api.partner.com}'),
    ));
    assert.deepEqual(m.problems, []);
    assert.deepEqual(serverShares(m), { '10.0.0.1:443': 60, '10.0.0.2:443': 20, '10.0.0.3:8443': 20 });
    const pool = m.pools.find((p) => p.name === 'api.partner.com')!;
    assert.equal(pool.kind, 'ServiceEntry MESH_EXTERNAL');
    assert.equal(pool.servers[0].kind, 'ip');
    // Three endpoints and no outlierDetection: a failed endpoint keeps its share (LB107); nothing undefined.
    assert.deepEqual(ids(m), ['LB107']);
  });

  it('outlierDetection of a DestinationRule for the host is passive health checking of the endpoints', () => {
    const dr = doc('apiVersion: networking.istio.io/v1', 'kind: DestinationRule', 'metadata: {name: api}', 'spec:', '  host: api.partner.com',
      '  trafficPolicy: {outlierDetection: {consecutive5xxErrors: 3}}');
    const m = parse(doc(se('hosts: [api.partner.com]', 'resolution: STATIC', 'endpoints: [{address: 10.0.0.1}, {address: 10.0.0.2}]'), '---', dr, '---', vsTo('{host: api.partner.com}')));
    assert.deepEqual(serverShares(m), { '10.0.0.1': 50, '10.0.0.2': 50 });
    assert.deepEqual(ids(m), []);
  });

  it('a DestinationRule subset of a ServiceEntry host takes the endpoints carrying its labels', () => {
    const dr = doc('apiVersion: networking.istio.io/v1', 'kind: DestinationRule', 'metadata: {name: db}', 'spec:', '  host: db.internal', '  subsets:',
      '  - {name: primary, labels: {role: primary}}', '  - {name: replicas, labels: {role: replica}}',
      '  trafficPolicy: {outlierDetection: {consecutive5xxErrors: 3}}');
    const m = parse(doc(
      se('hosts: [db.internal]', 'location: MESH_INTERNAL', 'resolution: STATIC', 'ports: [{number: 5432, name: pg, protocol: TCP}]', 'endpoints:',
        '- {address: 10.1.0.1, labels: {role: primary}}', '- {address: 10.1.0.2, labels: {role: replica}, weight: 1}', '- {address: 10.1.0.3, labels: {role: replica}, weight: 3}'),
      '---', dr, '---', vsTo('{host: db.internal, subset: replicas}'),
    ));
    assert.deepEqual(serverShares(m), { '10.1.0.2:5432': 25, '10.1.0.3:5432': 75 });
    assert.deepEqual(m.pools.find((p) => p.name === 'db.internal|primary')!.servers.map((s) => s.address), ['10.1.0.1:5432']);
  });

  it('resolution DNS without endpoints: the host itself, a name that may resolve to several addresses (no LB108); NONE: the original destination', () => {
    const m = parse(doc(
      se('hosts: [www.googleapis.com]', 'resolution: DNS', 'ports: [{number: 443, name: https, protocol: TLS}]'),
      '---', se('hosts: ["*.wikipedia.org"]', 'resolution: NONE').replace('name: ext', 'name: wiki'),
      '---', vsTo('{host: www.googleapis.com}'), '---', vsTo('{host: en.wikipedia.org}').replace('name: client', 'name: wiki'),
    ));
    const google = m.pools.find((p) => p.name === 'www.googleapis.com')!;
    assert.deepEqual(google.servers.map((s) => [s.address, s.kind, s.mayBeMultiple]), [['www.googleapis.com:443', 'hostname', true]]);
    // "*.wikipedia.org" covers en.wikipedia.org; with NONE the proxy forwards to the address the client asked for.
    const wiki = m.pools.find((p) => p.name === 'en.wikipedia.org')!;
    assert.deepEqual([wiki.dynamicServers, wiki.servers[0].kind], [true, 'dynamic']);
    assert.deepEqual(ids(m), []);
  });

  it('values Istio rejects are LB002: an unknown resolution, endpoints with NONE, a negative weight', () => {
    const m = parse(doc(
      se('hosts: [a.example.com]', 'resolution: STATIK', 'endpoints: [{address: 10.0.0.1}]'),
      '---', se('hosts: [b.example.com]', 'endpoints: [{address: 10.0.0.2, weight: -2}]'),
    ));
    assert.deepEqual(m.problems.map((p) => p.message.split(' (')[0].split(':')[0]), [
      'Unknown resolution "STATIK"',
      'Resolution NONE cannot have endpoints',
      'An endpoint weight must be an integer from 0 to 4294967295',
    ]);
  });

  it('ServiceEntries of sibling files resolve; a host no Service or ServiceEntry declares is LB103 once the folder was seen whole', () => {
    const svc = doc('apiVersion: v1', 'kind: Service', 'metadata: {name: web, namespace: default}', 'spec: {ports: [{port: 80}]}');
    const files = {
      '/k8s/vs.yaml': vsTo('{host: web}', '{host: api.partner.com}', '{host: wbe}'),
      '/k8s/se.yaml': se('hosts: [api.partner.com]', 'resolution: DNS'),
      '/k8s/svc.yaml': svc,
    };
    const m = parse(files['/k8s/vs.yaml'], 'file:///k8s/vs.yaml', memoryHost(files));
    assert.deepEqual(rules(m, 'LB103').map((d) => d.message), ['"wbe.default.svc.cluster.local" is not defined; did you mean "web.default.svc.cluster.local"?']);
    assert.equal(m.pools.find((p) => p.name === 'api.partner.com')!.nameSource.uri, 'file:///k8s/se.yaml');
    assert.ok(m.files.includes('file:///k8s/se.yaml') && m.files.includes('file:///k8s/svc.yaml'));
    // Single file, or a VirtualService none of whose hosts is among the manifests: the set is open, no LB103.
    assert.deepEqual(ids(parse(files['/k8s/vs.yaml'])), []);
    assert.deepEqual(ids(parse(vsTo('{host: elsewhere}', '{host: wbe}'), 'file:///k8s/vs.yaml', memoryHost(files))), []);
  });

  it('exportTo "." keeps a ServiceEntry from the VirtualServices of other namespaces', () => {
    const svc = doc('apiVersion: v1', 'kind: Service', 'metadata: {name: web, namespace: team}', 'spec: {ports: [{port: 80}]}');
    const files = {
      '/k8s/vs.yaml': vsTo('{host: web}', '{host: api.partner.com}').replace('namespace: default', 'namespace: team'),
      '/k8s/se.yaml': se('hosts: [api.partner.com]', 'resolution: DNS', 'exportTo: ["."]'),
      '/k8s/svc.yaml': svc,
    };
    const m = parse(files['/k8s/vs.yaml'], 'file:///k8s/vs.yaml', memoryHost(files));
    assert.deepEqual(rules(m, 'LB103').map((d) => d.message), ['"api.partner.com" is not defined.']);
    const exported = parse(files['/k8s/vs.yaml'], 'file:///k8s/vs.yaml', memoryHost({ ...files, '/k8s/se.yaml': files['/k8s/se.yaml'].replace('"."', '"team"') }));
    assert.deepEqual(ids(exported), []);
  });
});
