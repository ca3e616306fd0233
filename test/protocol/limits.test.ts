/**
 * The server on inputs that used to stop it: a document larger than the size limit (lbLens.maxFileSize, told once,
 * not on every keystroke), and requests on a document whose detection used to take seconds per request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LspClient } from '../helpers/lspClient';
import { tempWorkspace } from '../helpers/text';

const NGINX = 'events {}\nhttp {\n  upstream app {\n    server 10.0.0.1:80;\n    server 10.0.0.2:80 down;\n  }\n  server {\n    listen 80;\n    location / {\n      proxy_pass http://app;\n    }\n  }\n}\n';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a document over lbLens.maxFileSize gets one diagnostic saying so, once, and is analysed again when small', async () => {
  const ws = tempWorkspace({});
  const client = new LspClient();
  try {
    await client.initialize(ws.rootUri, { maxFileSize: 1 / 1024 }); // 1 KiB
    const uri = ws.uri('big.conf');
    const big = NGINX + `# ${'x'.repeat(2000)}\n`;
    await client.open(uri, big, 'nginx');
    // (The document may be analysed once before the client's settings arrive: wait for the notice.)
    const tooLarge = (p: { diagnostics: Array<{ message: string }> }) => p.diagnostics.some((d) => /lbLens\.maxFileSize/.test(d.message));
    const first = await client.diagnostics(uri, tooLarge);
    assert.equal(first.diagnostics.length, 1);
    assert.equal(first.diagnostics[0].severity, 3); // Information
    assert.match(first.diagnostics[0].message, /larger than 1 KiB \(setting "lbLens\.maxFileSize"\)/);
    // Keystrokes in a still-too-large document publish nothing more.
    for (let v = 2; v <= 6; v++) await client.change(uri, v, [{ text: big + '#'.repeat(v) }]);
    await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } });
    await sleep(300);
    const all = (client as any).published.get(uri) as Array<{ diagnostics: Array<{ message: string }> }>;
    assert.equal(all.filter(tooLarge).length, 1, JSON.stringify(all));
    assert.equal(all[all.length - 1], first, 'nothing published after the notice');
    // Small again: analysed, LB101 on the route.
    await client.change(uri, 7, [{ text: NGINX }]);
    const again = await client.diagnostics(uri, (p) => p.version === 7);
    assert.ok(again.diagnostics.some((d) => d.code === 'LB101'), JSON.stringify(again.diagnostics));
  } finally {
    await client.stop();
  }
});

test('a 40 MB didOpen (over the default 32 MiB) does not stop the server: it says so and keeps answering', async () => {
  const ws = tempWorkspace({});
  const client = new LspClient();
  try {
    await client.initialize(ws.rootUri);
    const uri = ws.uri('huge.conf');
    const line = '    server 10.0.0.1:80 weight=5;\n';
    const huge = 'http {\n  upstream app {\n' + line.repeat(Math.ceil((40 * 1024 * 1024) / line.length)) + '  }\n}\n';
    await client.open(uri, huge, 'nginx');
    const d = await client.diagnostics(uri, () => true, 60_000);
    assert.match(d.diagnostics[0].message, /larger than 32 MiB/);
    const other = ws.uri('nginx.conf');
    await client.open(other, NGINX, 'nginx');
    const ok = await client.diagnostics(other);
    assert.ok(ok.diagnostics.some((x) => x.code === 'LB101'));
  } finally {
    await client.stop();
  }
});

test('requests on a document with 65,536 blank lines before its config answer at once (detection is bounded and cached)', async () => {
  const ws = tempWorkspace({});
  const client = new LspClient();
  try {
    await client.initialize(ws.rootUri);
    const uri = ws.uri('site.conf');
    const text = '\n'.repeat(65_536) + NGINX;
    await client.open(uri, text, 'plaintext');
    const d = await client.diagnostics(uri, () => true, 20_000);
    assert.ok(d.diagnostics.some((x) => x.code === 'LB101'), 'detected as nginx by content');
    const t0 = Date.now();
    for (let i = 0; i < 50; i++) {
      await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 65_536 + 4, character: 12 } });
      await client.request('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 65_550, character: 0 } } });
    }
    assert.ok(Date.now() - t0 < 10_000, `100 requests took ${Date.now() - t0} ms`);
  } finally {
    await client.stop();
  }
});
