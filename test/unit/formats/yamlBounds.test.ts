import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeModel } from '../../../server/src/analysis/analyze';
import { lowerEnvoy } from '../../../server/src/formats/envoy';
import { get, incrementalOptions, loadYaml, MAX_ALIAS_NODES, YAML_DIALECTS } from '../../../server/src/formats/yaml/yamlFile';
import { LanguageService } from '../../../server/src/service/languageService';
import type { FileSystem } from '../../../server/src/service/fileSystem';
import { analyzeText } from '../../helpers/edits';

/**
 * YAML aliases, merge keys and nesting, bounded: resolved as the products' loaders resolve them, measured without
 * being expanded, and refused with an LB001 in the product's terms when a product (or lb-lens' bound) would not
 * load them — wherever YAML is read.
 */

const yaml = (...lines: string[]) => lines.join('\n') + '\n';

/** `levels` anchors, each a list of `fan` aliases of the previous one: fan^levels nodes from a few hundred bytes. */
function aliasLines(indent: string, levels = 9, fan = 9): string[] {
  const out = [`${indent}x0: &a0 {kind: Service}`];
  for (let i = 1; i < levels; i++) out.push(`${indent}x${i}: &a${i} [${Array(fan).fill(`*a${i - 1}`).join(', ')}]`);
  return out;
}

const HTTPROUTE_BOMB = yaml(
  'apiVersion: gateway.networking.k8s.io/v1',
  'kind: HTTPRoute',
  'metadata:',
  '  name: r',
  '  annotations:',
  ...aliasLines('    '),
  'spec:',
  '  parentRefs: [{name: gw}]',
  '  rules:',
  '  - backendRefs: *a8',
);

/** A merge-key bomb: each level merges six copies of the previous one. */
function mergeBomb(indent: string): string[] {
  const out = [`${indent}s0: &m0 {loadBalancer: {servers: [{url: "http://a"}]}}`];
  for (let i = 1; i < 12; i++) out.push(`${indent}s${i}: &m${i} {${Array.from({ length: 6 }, (_, j) => `k${j}: *m${i - 1}`).join(', ')}}`);
  out.push(`${indent}sx:`, `${indent}  <<: *m11`);
  return out;
}

const lb001 = (diags: Array<{ ruleId: string; message: string }>) => diags.filter((d) => d.ruleId === 'LB001').map((d) => d.message);

function timed<T>(f: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = f();
  return { value, ms: performance.now() - t0 };
}

describe('YAML aliases: bombs are measured, never expanded', () => {
  it('Kubernetes: a 650-byte HTTPRoute expanding to 388 million nodes is refused as go-yaml refuses it, at once', () => {
    assert.ok(HTTPROUTE_BOMB.length < 700);
    const { value: a, ms } = timed(() => analyzeText('file:///w/route.yaml', HTTPROUTE_BOMB));
    assert.ok(ms < 2000, `took ${ms} ms`);
    const [msg, ...more] = lb001(a.diagnostics);
    assert.equal(more.length, 0);
    assert.match(msg, /YAML aliases expand this document to 388,765,719 nodes, .* through aliases: Kubernetes refuses it \(go-yaml: "document contains excessive aliasing"\)/);
    // The finding is on the alias that expands the most (`*a8`, the last line).
    const d = a.diagnostics.find((x) => x.ruleId === 'LB001')!;
    assert.equal(d.range.start.line, 17);
  });

  it('Traefik: a merge-key bomb is refused; the clean document after it is still analysed', () => {
    const text = yaml('http:', '  services:', ...mergeBomb('    '), '---', 'http:', '  routers:', '    r: {rule: "Host(`a`)", service: s}', '  services:', '    s:', '      loadBalancer:', '        servers: [{url: "http://10.0.0.1"}]');
    const { value: a, ms } = timed(() => analyzeText('file:///w/dyn.yaml', text));
    assert.ok(ms < 2000, `took ${ms} ms`);
    assert.match(lb001(a.diagnostics).join('\n'), /Traefik refuses it \(go-yaml: "document contains excessive aliasing"\)/);
    // The second document: one router to a one-server service (LB108).
    assert.ok(a.diagnostics.some((d) => d.ruleId === 'LB108'), a.diagnostics.map((d) => d.ruleId).join());
  });

  it('CloudFormation and Envoy (no limit in their loaders): refused past lb-lens’ own bound, saying what the product would do', () => {
    const cfn = yaml('AWSTemplateFormatVersion: "2010-09-09"', 'Metadata:', ...aliasLines('  '), 'Resources:', '  LB:', '    Type: AWS::ElasticLoadBalancingV2::LoadBalancer', '    Properties: {Tags: *a8}');
    const a = analyzeText('file:///w/stack.yaml', cfn);
    assert.equal(a.format.id, 'aws-alb');
    assert.match(lb001(a.diagnostics)[0], new RegExp(`more than ${MAX_ALIAS_NODES.toLocaleString('en-US')}, so lb-lens does not analyse it \\(CloudFormation itself refuses aliases; \`aws cloudformation package\` and SAM would expand every one of them\\)`));

    const envoy = yaml('node: {id: n}', 'static_resources:', '  listeners: []', '  clusters: []', 'layered_runtime:', ...aliasLines('  '), '  x: *a8');
    const m = lowerEnvoy('file:///w/envoy.yaml', envoy);
    const msgs = m.problems.filter((p) => p.ruleId === 'LB001').map((p) => p.message);
    assert.match(msgs.join('\n'), /lb-lens does not analyse it \(Envoy's loader, yaml-cpp, would build every one of them\)/);
  });

  it('a value that contains itself (`&a [*a]`) is an endless value, reported instead of followed', () => {
    const file = loadYaml(yaml('http:', '  services: &a', '    s: *a'), YAML_DIALECTS.traefik);
    assert.equal(file.docs.length, 0);
    assert.match(file.errors[0].message, /YAML alias \*a refers to a node that contains it, an endless value: Traefik cannot load this document \(go-yaml: "anchor 'a' value contains itself"\)/);
    assert.equal(file.errors[0].range.start.line, 2);
  });

  it('an alias to no anchor is go-yaml’s "unknown anchor" error; the rest of the document is analysed', () => {
    const file = loadYaml(yaml('a: *nowhere', 'b: 1'), YAML_DIALECTS.kubernetes);
    assert.equal(file.docs.length, 1);
    assert.equal(file.errors.length, 1);
    assert.match(file.errors[0].message, /^unknown anchor 'nowhere' referenced/);
  });

  it('ordinary reuse is accepted: 200 uses of a 20-node anchor (go-yaml accepts it too)', () => {
    const text = yaml('base: &b', ...Array.from({ length: 10 }, (_, i) => `  k${i}: v${i}`), 'uses:', ...Array.from({ length: 200 }, () => '- *b'));
    const file = loadYaml(text, YAML_DIALECTS.kubernetes);
    assert.deepEqual(file.errors, []);
    assert.equal(file.docs.length, 1);
  });

  it('a bomb in a neighbouring manifest (read for its Services) poisons nothing: same findings as without it, at once', () => {
    const route = yaml(
      'apiVersion: gateway.networking.k8s.io/v1', 'kind: HTTPRoute', 'metadata: {name: web}',
      'spec:', '  parentRefs: [{name: gw}]', '  rules:', '  - backendRefs: [{name: api, port: 80}]',
    );
    const service = yaml('apiVersion: v1', 'kind: Service', 'metadata: {name: api}', 'spec: {ports: [{port: 80}]}');
    const bomb = yaml('apiVersion: v1', 'kind: Service', 'metadata:', '  name: bomb', '  annotations:', ...aliasLines('    '), 'spec: {ports: *a8}');
    const clean = analyzeText('file:///w/route.yaml', route, { files: { 'file:///w/svc.yaml': service } });
    const { value: poisoned, ms } = timed(() => analyzeText('file:///w/route.yaml', route, { files: { 'file:///w/svc.yaml': service, 'file:///w/bomb.yaml': bomb } }));
    assert.ok(ms < 2000, `took ${ms} ms`);
    assert.deepEqual(poisoned.ownDiagnostics.map((d) => `${d.ruleId} ${d.message}`), clean.ownDiagnostics.map((d) => `${d.ruleId} ${d.message}`));
  });

  it('lbLens/compare: a bomb as the base text (analyzeAlternative) is refused at once', () => {
    const fs: FileSystem = { readFile: () => undefined, readDirectory: () => [] };
    const service = new LanguageService({ fileSystem: fs, roots: () => ['file:///w'] });
    const { value: base, ms } = timed(() => service.analyzeAlternative({ uri: 'file:///w/route.yaml', text: HTTPROUTE_BOMB, languageId: 'yaml' }));
    assert.ok(ms < 2000, `took ${ms} ms`);
    assert.match(lb001(base!.diagnostics)[0], /excessive aliasing/);
  });
});

describe('YAML merge keys: applied where the product applies them', () => {
  it('Traefik (go-yaml applies `<<`): a service written as `<<: *base` has the base’s servers; written keys win; no duplicate entries', () => {
    const text = yaml(
      'http:',
      '  routers:',
      '    r: {rule: "Host(`a`)", service: s2}',
      '  services:',
      '    s1: &a',
      '      loadBalancer:',
      '        servers: [{url: "http://10.0.0.1"}, {url: "http://10.0.0.2"}]',
      '    s3: &b',
      '      loadBalancer:',
      '        servers: [{url: "http://10.9.9.9"}]',
      '    s2:',
      '      <<: [*a, *b]',
    );
    const a = analyzeText('file:///w/dyn.yaml', text);
    const pool = a.model.pools.find((p) => p.name === 's2')!;
    // Earlier maps of a merged list win (yaml.org/type/merge.html): s1's two servers, not s3's.
    assert.deepEqual(pool.servers.map((s) => s.address), ['http://10.0.0.1', 'http://10.0.0.2']);
    assert.ok(!a.diagnostics.some((d) => d.ruleId === 'LB104' || d.ruleId === 'LB001'), a.diagnostics.map((d) => d.message).join('\n'));
  });

  it('a quoted "<<" is an ordinary key, not a merge', () => {
    const file = loadYaml(yaml('base: &a {x: 1}', 'm:', '  "<<": *a'));
    const m = get(file.docs[0].root, 'm');
    assert.equal(get(m, 'x'), undefined);
    assert.ok(get(m, '<<'));
  });

  it('Envoy (yaml-cpp applies no merge keys): one LB002 on the `<<`, the cluster read as meant — no false LB104', () => {
    const text = yaml(
      'static_resources:',
      '  listeners:',
      '  - name: l',
      '    address: {socket_address: {address: 0.0.0.0, port_value: 8080}}',
      '    filter_chains:',
      '    - filters:',
      '      - name: envoy.filters.network.tcp_proxy',
      '        typed_config:',
      '          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
      '          stat_prefix: t',
      '          cluster: c2',
      '  clusters:',
      '  - &base',
      '    name: c1',
      '    type: STATIC',
      '    load_assignment:',
      '      cluster_name: c1',
      '      endpoints:',
      '      - lb_endpoints:',
      '        - endpoint: {address: {socket_address: {address: 10.0.0.1, port_value: 80}}}',
      '        - endpoint: {address: {socket_address: {address: 10.0.0.2, port_value: 80}}}',
      '  - <<: *base',
      '    name: c2',
      '    metadata: {filter_metadata: {x: {<<: {a: 1}}}}',
    );
    const a = analyzeModel(lowerEnvoy('file:///w/envoy.yaml', text));
    const ids = a.diagnostics.map((d) => d.ruleId);
    assert.ok(!ids.includes('LB104'), ids.join());
    const merges = a.diagnostics.filter((d) => d.ruleId === 'LB002' && /merge keys/.test(d.message));
    // The `<<` inside free-form metadata (a Struct) is accepted by Envoy: only the cluster's is reported.
    assert.equal(merges.length, 1);
    assert.equal(merges[0].range.start.line, 21);
    assert.match(merges[0].message, /Envoy does not apply YAML merge keys: its YAML loader \(yaml-cpp\) reads "<<" as a field name/);
  });

  it('Envoy resolves aliases (yaml-cpp does): endpoints written as `*eps` are the cluster’s servers', () => {
    const text = yaml(
      'static_resources:',
      '  clusters:',
      '  - name: c1',
      '    load_assignment:',
      '      cluster_name: c1',
      '      endpoints: &eps',
      '      - lb_endpoints:',
      '        - endpoint: {address: {socket_address: {address: 10.0.0.1, port_value: 80}}}',
      '          load_balancing_weight: 3',
      '  - name: c2',
      '    load_assignment: {cluster_name: c2, endpoints: *eps}',
    );
    const m = lowerEnvoy('file:///w/envoy.yaml', text);
    const c2 = m.pools.find((p) => p.name === 'c2')!;
    assert.deepEqual(c2.servers.map((s) => [s.address, s.weight]), [['10.0.0.1:80', 3]]);
  });
});

describe('YAML nesting: bounded, reported in the product’s terms, never a JavaScript message', () => {
  // Block nesting costs its depth in indentation on every line (quadratic size): 10,000 levels would be a 50 MB file,
  // beyond the 32 MiB files lb-lens reads at all, so the block shape goes 2,000 levels deep.
  const shapes: Array<[string, number, string]> = [
    ['flow', 10_000, `${'['.repeat(10_000)}${']'.repeat(10_000)}`],
    ['block', 2_000, Array.from({ length: 2_000 }, (_, i) => `${' '.repeat(i + 2)}a:`).join('\n') + ' 1'],
  ];

  for (const [shape, depth, nested] of shapes) {
    it(`${depth.toLocaleString('en-US')} levels (${shape}) in one document of three: LB001 "Nesting deeper than 256 levels", the others analysed`, () => {
      const text = yaml(
        'http:', '  routers:', '    r: {rule: "Host(`a`)", service: s}',
        '---', `x:${shape === 'flow' ? ' ' : '\n'}${nested}`,
        '---', 'http:', '  services:', '    s:', '      loadBalancer:', '        servers: [{url: "http://10.0.0.1"}]',
      );
      const a = analyzeText('file:///w/dyn.yaml', text);
      const msgs = a.diagnostics.map((d) => d.message).join('\n');
      assert.doesNotMatch(msgs, /call stack|RangeError|Maximum/);
      assert.match(lb001(a.diagnostics).join('\n'), /Nesting deeper than 256 levels: lb-lens does not read this document \(go-yaml, the YAML decoder of Traefik, stops at 10,000 levels\)/);
      // Both other documents were read: the router reaches the one-server service.
      assert.ok(a.diagnostics.some((d) => d.ruleId === 'LB108'), msgs);
    });
  }

  it('JSON (Envoy) nested 10,000 deep: the same bound, no JavaScript message', () => {
    const m = lowerEnvoy('file:///w/envoy.json', `{"static_resources": {"clusters": [], "x": ${'['.repeat(10_000)}${']'.repeat(10_000)}}}`);
    const msgs = m.problems.map((p) => p.message);
    assert.match(msgs.join('\n'), /Nesting deeper than 256 levels/);
    assert.doesNotMatch(msgs.join('\n'), /call stack/);
  });

  it('a deep edit inside a large document (partial re-parse) is bounded too', () => {
    const saved = incrementalOptions.minLines;
    incrementalOptions.minLines = 10;
    try {
      const items = Array.from({ length: 40 }, (_, i) => `  - name: n${i}\n    v: ${i}`).join('\n');
      const base = `list:\n${items}\n`;
      loadYaml(base);
      const edited = base.replace('    v: 20', `    v:\n${Array.from({ length: 400 }, (_, i) => `${' '.repeat(i + 6)}a:`).join('\n')} 1`);
      const file = loadYaml(edited);
      assert.match(file.errors.map((e) => e.message).join('\n'), /Nesting deeper than 256 levels/);
    } finally {
      incrementalOptions.minLines = saved;
    }
  });
});
