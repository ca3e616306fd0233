import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { getCodeActions } from '../../server/src/service/codeActions';
import { compareDocument, serverRows } from '../../server/src/service/compare';
import { buildPreview } from '../../server/src/service/preview';
import { loadYaml } from '../../server/src/formats/yaml/yamlFile';
import { analyzeText } from '../helpers/edits';
import { exercise } from './exercise';
import type { FuzzInput } from './generators';

/**
 * What `npm run fuzz` found, kept as small regressions: each was a crash, a hang, a quadratic step or a JavaScript
 * message before its fix. Fixture files in `regressions/` (an input: uri, text, files…) run through the same
 * `exercise` as the fuzzer; the others are written out here because their inputs are large but regular.
 */

const timed = <T>(f: () => T): { value: T; ms: number } => {
  const t0 = performance.now();
  const value = f();
  return { value, ms: performance.now() - t0 };
};

describe('fuzz regressions: fixtures', () => {
  const dir = join(__dirname, 'regressions');
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const fixture = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { note: string; input: Omit<FuzzInput, 'index' | 'kind' | 'detail'> };
    it(`${name}: ${fixture.note}`, () => {
      const { value, ms } = timed(() => exercise({ index: 0, kind: 'regression', detail: name, ...fixture.input }));
      assert.deepEqual(value.findings, []);
      assert.ok(ms < 5000, `${ms} ms`);
    });
  }
});

describe('fuzz regressions: routing engine at scale', () => {
  it('10,000 nginx locations (regexes `~ /pN` among prefixes `/pN`): LB106 proofs stay bounded and examples appear (each compared with all: 16 s; literal tests compared as strings: 1.8 s)', () => {
    const lines = ['http { upstream u { server a:80; } server { listen 80;'];
    for (let i = 0; i < 10_000; i++) lines.push(i % 3 === 0 ? `location ~ /p${i} { proxy_pass http://u; }` : `location /p${i} { proxy_pass http://u; }`);
    lines.push('} }');
    // With time enough for every proof (as the CLI gives), whatever the machine's load: the work itself is bounded.
    const { value: a, ms } = timed(() => analyzeText('file:///w/nginx.conf', lines.join('\n'), { settings: { rules: { LB106: { budgetMs: 60_000 } } } }));
    assert.ok(ms < 20_000, `${ms} ms`);
    // /p31 (and every /p3… prefix) is taken by the regex `~ /p3`, checked before plain prefixes.
    assert.ok(a.diagnostics.some((d) => d.ruleId === 'LB106' && d.message.startsWith('location /p31 can never match')), a.diagnostics.slice(0, 5).map((d) => d.message).join('\n'));
  });

  it('2,000 server blocks on one port: a comparison asks each route\'s example request in both versions at once (the sockets were rebuilt per request: 28 s)', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 2000; i++) files[`file:///ws/conf.d/s${i}.conf`] = `server { listen 80; server_name s${i}; location / { proxy_pass http://u; } }\n`;
    const text = 'events {}\nhttp {\n  upstream u { server 10.0.0.1:80; server 10.0.0.2:80; }\n  include conf.d/*.conf;\n}\n';
    const a = analyzeText('file:///ws/nginx.conf', text, { files });
    const b = analyzeText('file:///ws/nginx.conf', text.replace('10.0.0.2', '10.0.0.3'), { files });
    const { ms } = timed(() => buildPreview(a, 'x', [], true));
    assert.ok(ms < 5000, `${ms} ms`);
    const { value: c, ms: cms } = timed(() => compareDocument(a, b, { labels: { base: 'a', head: 'b' } }));
    assert.ok(cms < 5000, `${cms} ms`);
    assert.ok(Array.isArray(c.routing));
  });
});

describe('fuzz regressions: quadratic steps', () => {
  it('12,000 Traefik routers without entryPoints: the entry points the others name are computed once, not per router (20,000: 30 s → 4 s)', () => {
    const rows = Array.from({ length: 12_000 }, (_, i) => `    r${i}:\n      rule: "Host(\`h${i}.test\`)"\n      service: s\n`).join('');
    const text = `http:\n  routers:\n${rows}  services:\n    s:\n      loadBalancer:\n        servers:\n          - url: "http://10.0.0.1"\n`;
    const { value: a, ms } = timed(() => analyzeText('file:///w/dynamic.yaml', text, { languageId: 'traefik' }));
    // 3.9 s here; each router scanning all took ~13 s (30 s for 20,000).
    assert.ok(ms < 10_000, `${ms} ms`);
    assert.equal(a.model.routes.length, 12_000);
  });

  it('65,536 blank lines before a Traefik TOML file without extension: telling TOML from YAML is linear (line-start patterns that let `\\s*` run over lines: 9.7 s)', () => {
    const text = `${' \n'.repeat(65_536)}[http.routers.r]\n  rule = "Host(\`a.test\`)"\n  service = "s"\n[http.services.s.loadBalancer]\n  [[http.services.s.loadBalancer.servers]]\n    url = "http://10.0.0.1"\n`;
    const { value: a, ms } = timed(() => analyzeText('file:///w/config', text, { languageId: 'traefik' }));
    assert.ok(ms < 2000, `${ms} ms`);
    assert.equal(a.model.routes.length, 1);
  });

  it('code actions in a file with 10,000 findings answer at once (the fix text was split again per finding: 33 s)', () => {
    const text = `http {\n${Array.from({ length: 10_000 }, (_, i) => `  server 10.0.0.${i % 250}:80;\n`).join('')}}\n`;
    const a = analyzeText('file:///w/haproxy.cfg', text, { languageId: 'haproxy' });
    assert.ok(a.ownDiagnostics.length >= 10_000);
    const { ms } = timed(() => getCodeActions(a, { range: a.ownDiagnostics[0].range }));
    assert.ok(ms < 3000, `${ms} ms`);
  });

  it('the preview of 20,000 routes with a finding each is built in one pass (findings were scanned per route)', () => {
    const text = `frontend f\n  bind :80\n${Array.from({ length: 20_000 }, (_, i) => `  use_backend nowhere${i} if { path_beg /p${i} }\n`).join('')}`;
    const a = analyzeText('file:///w/haproxy.cfg', text);
    assert.ok(a.model.routes.length >= 20_000);
    const { value, ms } = timed(() => buildPreview(a, '/w/haproxy.cfg'));
    assert.ok(ms < 3000, `${ms} ms`);
    assert.ok(value.routes.some((r) => r.findings.length > 0));
  });

  it('the rows of a compared route with 60,000 servers pair up in one pass (a search per server)', () => {
    const servers = Array.from({ length: 60_000 }, (_, i) => ({ name: `s${i}`, address: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}:80`, share: 1 / 60_000 }));
    const route = { name: 'r', file: 'f', line: 1, entry: 'e', match: '', pool: 'p', status: 'changed' as const, before: servers, after: [...servers].reverse(), maxShift: 0 };
    const { value, ms } = timed(() => serverRows(route));
    assert.ok(ms < 3000, `${ms} ms`);
    assert.equal(value.length, 60_000);
    assert.ok(value.every((r) => r.before !== null && r.after !== null));
    // Duplicates pair one to one, in order; a server on one side only gets its own row.
    assert.deepEqual(
      serverRows({ ...route, before: [{ name: 'a', address: 'x', share: 0.1 }, { name: 'a', address: 'x', share: 0.2 }, { name: 'b', address: 'y', share: 0.7 }], after: [{ name: 'a', address: 'x', share: 0.5 }, { name: 'c', address: 'z', share: 0.5 }] }),
      [
        { name: 'a', address: 'x', before: 0.1, after: 0.5 },
        { name: 'c', address: 'z', before: null, after: 0.5 },
        { name: 'a', address: 'x', before: 0.2, after: null },
        { name: 'b', address: 'y', before: 0.7, after: null },
      ],
    );
  });
});

describe('fuzz regressions: fix-all on thousands of findings', () => {
  it('Istio: 3,000 rules hidden by one shadow — fix-all for LB106 is found once per shadow, not per finding (minutes)', () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `  - {match: [{uri: {prefix: /p${i}}}], route: [{destination: {host: s${i % 5}}}]}\n`).join('');
    const a = analyzeText('file:///w/vs.yaml', `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v}\nspec:\n  hosts: [a]\n  http:\n${rows}`, { settings: { rules: { LB106: { budgetMs: 60_000 } } } });
    assert.ok(a.ownDiagnostics.filter((d) => d.ruleId === 'LB106').length > 2000);
    const { value, ms } = timed(() => getCodeActions(a, { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, only: ['source.fixAll.lb-lens'] }));
    assert.ok(ms < 8000, `${ms} ms`);
    assert.ok(value.length > 0);
    // Asked again (the editor asks on every cursor move): the same analysis is not fixed again.
    assert.ok(timed(() => getCodeActions(a, { range: a.ownDiagnostics[5].range })).ms < 1000);
  });

  it('HAProxy: fix-all over 12,000 findings combines the edits with binary searches (a scan per edit: 1.7 s)', () => {
    const rows = Array.from({ length: 12_000 }, (_, i) => `backend b${i}\n  server s 10.0.${(i >> 8) & 255}.${i & 255}:80\n`).join('');
    const a = analyzeText('file:///w/haproxy.cfg', `frontend f\n  bind :80\n  default_backend b0\n${rows}`);
    const { value, ms } = timed(() => getCodeActions(a, { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, only: ['source.fixAll.lb-lens'] }));
    assert.ok(ms < 5000, `${ms} ms`);
    // Each action's edits are sorted and never overlap.
    for (const act of value) {
      const e = act.edits ?? [];
      for (let i = 1; i < e.length; i++) {
        const p = e[i - 1].range.end;
        const q = e[i].range.start;
        assert.ok(p.line < q.line || (p.line === q.line && p.character <= q.character), `${act.title}: overlapping edits`);
      }
    }
  });
});

describe('fuzz regressions: messages for people', () => {
  it('50,000 compact sequence levels closed by a dedent: "Nesting deeper than 256 levels", not the syntax parser’s RangeError', () => {
    const full = `static_resources:\n  clusters:\n  ${'- '.repeat(50_000)}x\n`;
    const at = Math.floor(full.length / 3);
    const file = loadYaml(`${full.slice(0, at)}\n${full.slice(at)}`);
    assert.deepEqual(file.errors.map((e) => e.message), ['Nesting deeper than 256 levels: lb-lens does not read this document']);
  });

  it('Istio: an empty loadBalancer.simple is described, not printed as "undefined"', () => {
    const dr = analyzeText('file:///w/dr.yaml', 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: d}\nspec:\n  host: reviews\n  trafficPolicy:\n    loadBalancer:\n      simple:\n');
    assert.deepEqual(dr.diagnostics.filter((d) => d.ruleId === 'LB002').map((d) => d.message.split(' (')[0]), ['Unknown load balancer an empty value']);
  });

  it('CloudFormation: a `.nan` weight is quoted as written, not as JavaScript’s NaN', () => {
    const text = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  L:\n    Type: AWS::ElasticLoadBalancingV2::Listener\n    Properties:\n      DefaultActions: [{Type: forward, ForwardConfig: {TargetGroups: [{TargetGroupArn: !Ref A, Weight: .nan}, {TargetGroupArn: !Ref A, Weight: 1}]}}]\n  A: {Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: {Targets: [{Id: i-1}]}}\n';
    const a = analyzeText('file:///w/template.yaml', text);
    const m = a.diagnostics.find((d) => /Target group weight/.test(d.message));
    assert.equal(m?.message, 'Target group weight must be an integer from 0 to 999, not .nan.');
  });
});
