import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LspClient, REPO } from '../helpers/lspClient';
import { posOf, tempWorkspace } from '../helpers/text';

const INCIDENT = readFileSync(resolve(REPO, 'examples/incident/nginx.conf'), 'utf8');
const HAPROXY = readFileSync(resolve(REPO, 'examples/haproxy/haproxy.cfg'), 'utf8');

describe('language server over stdio (nginx incident)', () => {
  const ws = tempWorkspace({ 'nginx.conf': INCIDENT, 'haproxy.cfg': HAPROXY });
  const uri = ws.uri('nginx.conf');
  let client: LspClient;
  let init: any;

  before(async () => {
    client = new LspClient();
    init = await client.initialize(ws.rootUri);
    await client.open(uri, INCIDENT, 'nginx');
  });
  after(() => client.stop());

  test('advertises hover, inlay hints, symbols, definition and references', () => {
    const caps = init.capabilities;
    for (const c of ['hoverProvider', 'inlayHintProvider', 'documentSymbolProvider', 'definitionProvider', 'referencesProvider']) {
      assert.ok(caps[c], c);
    }
  });

  test('publishes LB101 on the incident with code, source, doc link and related information', async () => {
    const p = await client.diagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'LB101'));
    const d = p.diagnostics.find((d) => d.code === 'LB101')!;
    assert.equal(d.source, 'lb-lens');
    assert.equal(d.severity, 1);
    assert.match(d.codeDescription!.href, /docs\/rules\/LB101\.md$/);
    assert.deepEqual(d.range.start, posOf(INCIDENT, 'app;', 0));
    assert.match(d.message, /10\.0\.1\.11:8080 \(100%\)/);
    assert.ok(d.relatedInformation!.some((r) => r.location.uri === uri && /pool "app"/.test(r.message)));
    assert.equal(p.version, 1);
    // 90/10 weights on the API pool reach the default 80% skew threshold.
    assert.ok(p.diagnostics.some((d) => d.code === 'LB102' && d.severity === 2));
  });

  test('an edit that brings a server back clears LB101 (incremental sync, versioned)', async () => {
    const at = posOf(INCIDENT, ' down;      # drained');
    await client.change(uri, 2, [{ range: { start: at, end: { line: at.line, character: at.character + 5 } }, text: '' }]);
    const p = await client.diagnostics(uri, (p) => p.version === 2);
    assert.ok(!p.diagnostics.some((d) => d.code === 'LB101'), JSON.stringify(p.diagnostics));
    await client.change(uri, 3, [{ text: INCIDENT }]);
    await client.diagnostics(uri, (p) => p.version === 3 && p.diagnostics.some((d) => d.code === 'LB101'));
  });

  test('hover on a server shows its share and what happens when it fails', async () => {
    const h = await client.request('textDocument/hover', { textDocument: { uri }, position: posOf(INCIDENT, 'server 10.0.2.21', 3) });
    assert.match(h.contents.value, /90%/);
    assert.match(h.contents.value, /if it fails → 10\.0\.2\.22:9000 100%/);
  });

  test('hover on a route shows the distribution table', async () => {
    const h = await client.request('textDocument/hover', { textDocument: { uri }, position: posOf(INCIDENT, 'http://api', 8) });
    assert.match(h.contents.value, /\| 10\.0\.2\.21:9000 \| 10\.0\.2\.21:9000 \| 9 \| \*\*90%\*\* \|/);
  });

  test('inlay hints show each route split, flagged when a rule fires', async () => {
    const hints: any[] = await client.request('textDocument/inlayHint', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 100, character: 0 } },
    });
    const labels = hints.map((h) => (typeof h.label === 'string' ? h.label : h.label.map((l: any) => l.value).join('')));
    assert.ok(labels.some((l) => /→ 10\.0\.1\.11:8080 100% ⚠/.test(l)), labels.join(' | '));
    assert.ok(labels.some((l) => /→ 10\.0\.2\.21:9000 90%, 10\.0\.2\.22:9000 10%/.test(l)), labels.join(' | '));
  });

  test('document symbols: the server block with its locations, and the upstreams with their servers', async () => {
    const syms: any[] = await client.request('textDocument/documentSymbol', { textDocument: { uri } });
    const names = syms.map((s) => s.name);
    assert.ok(names.includes('app') && names.includes('api'), names.join(','));
    const server = syms.find((s) => /shop\.example\.com/.test(s.name));
    assert.ok(server, names.join(','));
    assert.ok(server.children.some((c: any) => c.name === 'location /'));
    assert.equal(syms.find((s) => s.name === 'app').children.length, 3);
  });

  test('definition and references of an upstream name', async () => {
    const defs: any[] = await client.request('textDocument/definition', { textDocument: { uri }, position: posOf(INCIDENT, 'http://app', 8) });
    assert.equal(defs.length, 1);
    assert.deepEqual(defs[0].range.start, posOf(INCIDENT, 'upstream app', 9));
    const refs: any[] = await client.request('textDocument/references', {
      textDocument: { uri }, position: posOf(INCIDENT, 'upstream app', 9), context: { includeDeclaration: false },
    });
    assert.deepEqual(refs.map((r) => r.range.start), [posOf(INCIDENT, 'http://app', 7)]);
  });

  test('lbLens/distribution returns the preview, and simulates failures', async () => {
    const file = await client.request('lbLens/distribution', { textDocument: { uri } });
    assert.equal(file.format, 'nginx');
    const root = file.routes.find((r: any) => r.name === 'location /');
    assert.equal(root.pool, 'app');
    assert.equal(root.line, posOf(INCIDENT, 'location / {').line + 1);
    assert.deepEqual(root.servers.map((s: any) => [s.address, s.share]), [['10.0.1.11:8080', 1], ['10.0.1.12:8080', 0], ['10.0.1.13:8080', 0]]);
    assert.ok(root.findings.some((f: any) => f.ruleId === 'LB101'));
    // Each route's example request, as text and as lbLens/route parameters (which route it back to that route).
    const apiRoute = file.routes.find((r: any) => r.name === 'location /api/');
    assert.equal(apiRoute.example, 'GET http://shop.example.com/api/');
    assert.deepEqual(apiRoute.exampleRequest, { request: 'GET http://shop.example.com/api/', headers: [] });
    const back = await client.request('lbLens/route', { textDocument: { uri }, ...apiRoute.exampleRequest });
    assert.equal(back.results[0].route.name, 'location /api/');
    const failed = await client.request('lbLens/distribution', { textDocument: { uri }, failed: ['10.0.2.21:9000'] });
    const api = failed.routes.find((r: any) => r.name === 'location /api/');
    assert.deepEqual(api.servers.map((s: any) => [s.address, s.share, s.failed]), [['10.0.2.21:9000', 0, true], ['10.0.2.22:9000', 1, false]]);
  });

  test('lbLens/route: the route, pool and servers of one request, with the route range and the trace', async () => {
    const res = await client.request('lbLens/route', { textDocument: { uri }, request: 'GET http://shop.example.com/api/users' });
    assert.equal(res.results.length, 1);
    const r = res.results[0];
    assert.equal(r.outcome, 'pool');
    assert.equal(r.route.name, 'location /api/');
    assert.deepEqual(r.route.range.start, { line: posOf(INCIDENT, 'location /api/').line, character: posOf(INCIDENT, 'location /api/').character });
    assert.deepEqual(r.pools, [{ name: 'api', share: 1 }]);
    assert.deepEqual(r.servers.map((x: any) => [x.address, x.share]), [['10.0.2.21:9000', 0.9], ['10.0.2.22:9000', 0.1]]);
    assert.ok(r.trace.some((t: any) => t.kind === 'route' && t.result === 'match'));
    const failed = await client.request('lbLens/route', { textDocument: { uri }, request: 'GET http://shop.example.com/api/x', failed: ['10.0.2.21:9000'] });
    assert.deepEqual(failed.results[0].servers.map((x: any) => x.share), [0, 1]);
    const bad = await client.request('lbLens/route', { textDocument: { uri }, request: 'FTP? nope' });
    assert.match(bad.error, /not an HTTP method|expected/);
  });

  test('hover on a route names an example request that reaches it', async () => {
    const h = await client.request('textDocument/hover', { textDocument: { uri }, position: posOf(INCIDENT, 'location /api/', 2) });
    assert.match(h.contents.value, /Reached by, for example, `GET (http:\/\/shop\.example\.com)?\/api\/`/);
  });

  test('HAProxy: unreachable rule, skew, unused backend and missing health checks', async () => {
    const huri = ws.uri('haproxy.cfg');
    await client.open(huri, HAPROXY, 'haproxy');
    const p = await client.diagnostics(huri, (p) => p.diagnostics.length > 0);
    const codes = p.diagnostics.map((d) => d.code);
    for (const c of ['LB106', 'LB102', 'LB110', 'LB107']) assert.ok(codes.includes(c), `${c} in ${codes}`);
    const lb110 = p.diagnostics.find((d) => d.code === 'LB110')!;
    assert.deepEqual(lb110.tags, [1]);
    assert.deepEqual(lb110.range.start, posOf(HAPROXY, 'be_old', 0));
  });
});

describe('language server robustness and settings', () => {
  test('half-typed, binary and unknown input never crash the server; LB001 is located', async () => {
    const ws = tempWorkspace({});
    const client = new LspClient();
    try {
      await client.initialize(ws.rootUri);
      const half = 'events {}\nhttp {\n  upstream app {\n    server 10.0.0.1:80\n  }\n  server {\n    location / {\n      proxy_pass http://app;\n';
      const u1 = ws.uri('half.conf');
      await client.open(u1, half, 'nginx');
      const p = await client.diagnostics(u1, (p) => p.diagnostics.some((d) => d.code === 'LB001'));
      assert.ok(p.diagnostics.filter((d) => d.code === 'LB001').every((d) => d.range.start.line >= 0 && d.range.start.line < 9));
      const u2 = ws.uri('bin.cfg');
      await client.open(u2, 'global\n\u0000\u0001\u0002binary\u0000', 'haproxy');
      await client.diagnostics(u2);
      const u3 = ws.uri('x.cfg');
      await client.open(u3, 'frontend f\n  bind :80\n  use_backend\n  frobnicate everything\n  default_backend b\nbackend b\n  server s1 10.0.0.1:80 check\n  server s2 10.0.0.2:80 check\n', 'haproxy');
      await client.diagnostics(u3);
      // Still alive and answering.
      const file = await client.request('lbLens/distribution', { textDocument: { uri: u3 } });
      assert.equal(file.routes.length > 0, true);
    } finally {
      await client.stop();
    }
  });

  test('LB106 proofs cut short by the keystroke budget are completed once the document is idle, and published', async () => {
    const text = 'events {}\nhttp {\n  server {\n    listen 80;\n    location ~ ^/ { proxy_pass http://10.0.0.1:8080; }\n    location ~ ^/api/ { proxy_pass http://10.0.0.2:8080; }\n  }\n}\n';
    const ws = tempWorkspace({ 'nginx.conf': text, '.lb-lens.json': JSON.stringify({ rules: { LB106: { budgetMs: 0 } } }) });
    const uri = ws.uri('nginx.conf');
    const client = new LspClient();
    try {
      await client.initialize(ws.rootUri, {});
      await client.open(uri, text, 'nginx');
      // A zero budget proves nothing on the keystroke…
      await client.diagnostics(uri, (p) => p.version === 1);
      const first = (client as unknown as { published: Map<string, Array<{ diagnostics: Array<{ code?: unknown }> }>> }).published.get(uri)![0];
      assert.ok(!first.diagnostics.some((d) => d.code === 'LB106'), JSON.stringify(first.diagnostics));
      // …and the idle pass (at least 2 s of proofs) publishes the finding for the same version.
      const later = await client.diagnostics(uri, (p) => p.version === 1 && p.diagnostics.some((d) => d.code === 'LB106'), 10_000);
      assert.match(later.diagnostics.find((d) => d.code === 'LB106')!.message, /location ~ \^\/api\/ can never match: location ~ \^\/ \(line 5\)/);
    } finally {
      await client.stop();
    }
  });

  test('settings from the client and from .lb-lens.json change severities without a restart', async () => {
    const text = 'events {}\nhttp {\n  server {\n    listen 80;\n    location / {\n      proxy_pass http://10.0.0.1:8080;\n    }\n  }\n}\n';
    const ws = tempWorkspace({ 'nginx.conf': text, '.lb-lens.json': JSON.stringify({ rules: { LB108: 'error' } }) });
    const uri = ws.uri('nginx.conf');
    const client = new LspClient();
    try {
      await client.initialize(ws.rootUri, {});
      await client.open(uri, text, 'nginx');
      const p = await client.diagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'LB108'));
      assert.equal(p.diagnostics.find((d) => d.code === 'LB108')!.severity, 1, '.lb-lens.json made LB108 an error');
      client.configuration = { rules: { LB108: 'off' } };
      await client.conn.sendNotification('workspace/didChangeConfiguration', { settings: {} });
      await client.diagnostics(uri, (p) => !p.diagnostics.some((d) => d.code === 'LB108'));
    } finally {
      await client.stop();
    }
  });
});
