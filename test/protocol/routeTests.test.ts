import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LspClient, type PublishedDiagnostics } from '../helpers/lspClient';
import { posOf, tempWorkspace } from '../helpers/text';

/*
 * Route tests in the language server: the workspace's *.lbtest.yaml files are found at start and run, open or
 * not; a keystroke in a config re-runs the tests that route through it with the live text (and only those), and
 * their failing assertions are LBT01 diagnostics on the assertion.
 */

const NGINX = `events {}
http {
    upstream app {
        server 10.0.1.11:8080;
        server 10.0.1.12:8080;
        server 10.0.1.13:8080;
    }
    server {
        listen 80;
        server_name shop.example.com;
        location / {
            proxy_pass http://app;
        }
    }
}
`;

const TESTS = `config: nginx.conf
tests:
  - name: no single box takes the site
    request: GET http://shop.example.com/
    expect:
      pool: app
      servers: { "*": "< 50%" }
`;

/** A test file on another config: it must not run when nginx.conf changes. */
const OTHER_CFG = 'frontend fe\n    bind :80\n    default_backend be\nbackend be\n    server s1 10.9.0.1:80\n    server s2 10.9.0.2:80\n';
const OTHER_TESTS = 'config: haproxy.cfg\ntests:\n  - { request: "http://x/", expect: { pool: be } }\n';

type Published = Map<string, PublishedDiagnostics[]>;
const publishedOf = (c: LspClient, uri: string) => ((c as unknown as { published: Published }).published.get(uri) ?? []).length;

describe('route tests in the language server', () => {
  const ws = tempWorkspace({ 'nginx.conf': NGINX, 'tests/routes.lbtest.yaml': TESTS.replace('config: nginx.conf', 'config: ../nginx.conf'), 'other/haproxy.cfg': OTHER_CFG, 'other/o.lbtest.yml': OTHER_TESTS });
  const cfg = ws.uri('nginx.conf');
  const testUri = ws.uri('tests/routes.lbtest.yaml');
  const otherUri = ws.uri('other/o.lbtest.yml');
  let client: LspClient;

  before(async () => {
    client = new LspClient();
    await client.initialize(ws.rootUri);
    await client.open(cfg, NGINX, 'nginx');
  });
  after(() => client.stop());

  test('the workspace\'s test files are found at start and run while closed: passing, no diagnostics', async () => {
    const p = await client.diagnostics(testUri);
    assert.deepEqual(p.diagnostics, []);
    assert.equal(p.version, undefined, 'not open: no version');
    assert.deepEqual((await client.diagnostics(otherUri)).diagnostics, []);
  });

  test('a config edit that breaks a closed test file publishes the failing assertion on it; fixing it clears it', async () => {
    const otherBefore = publishedOf(client, otherUri);
    // The incident: two of the three app servers drained.
    const at = posOf(NGINX, 'server 10.0.1.12:8080;', 'server 10.0.1.12:8080'.length);
    const at2 = posOf(NGINX, 'server 10.0.1.13:8080;', 'server 10.0.1.13:8080'.length);
    await client.change(cfg, 2, [{ range: { start: at, end: at }, text: ' down' }, { range: { start: at2, end: at2 }, text: ' down' }]);
    const failing = await client.diagnostics(testUri, (p) => p.diagnostics.length > 0);
    assert.equal(failing.diagnostics.length, 1);
    const d = failing.diagnostics[0];
    assert.equal(d.code, 'LBT01');
    assert.equal(d.source, 'lb-lens');
    assert.equal(d.severity, 1);
    assert.match(d.codeDescription!.href, /docs\/route-tests\.md#diagnostics$/);
    assert.equal(d.message, 'expected every server to get below 50%, got 10.0.1.11:8080 100% (pool app; route location / at ../nginx.conf:11)');
    const text = TESTS.replace('config: nginx.conf', 'config: ../nginx.conf');
    assert.deepEqual(d.range, { start: posOf(text, '"*": "< 50%"'), end: posOf(text, '"*": "< 50%"', '"*": "< 50%"'.length) });

    // Fixing the config (undo) clears it.
    await client.change(cfg, 3, [{ text: NGINX }]);
    await client.diagnostics(testUri, (p) => p.diagnostics.length === 0 && publishedOf(client, testUri) > 2);
    // Only the tests that route through nginx.conf ran.
    assert.equal(publishedOf(client, otherUri), otherBefore, 'the HAProxy test file was not re-run');
  });

  test('an open test file: diagnostics carry its version; an edit re-runs it; closing it falls back to the disk', async () => {
    const text = TESTS.replace('config: nginx.conf', 'config: ../nginx.conf');
    await client.open(testUri, text, 'yaml', 1);
    assert.deepEqual((await client.diagnostics(testUri, (p) => p.version === 1)).diagnostics, []);
    const at = posOf(text, 'pool: app', 6);
    await client.change(testUri, 2, [{ range: { start: at, end: { line: at.line, character: at.character + 3 } }, text: 'api' }]);
    const p = await client.diagnostics(testUri, (p) => p.version === 2);
    assert.deepEqual(p.diagnostics.map((d) => [d.code, d.message]), [['LBT01', 'expected pool api, but nginx.conf has no pool named api; got pool app (route location / at ../nginx.conf:11)']]);
    // A typo in a key is LBT02 on the key.
    await client.change(testUri, 3, [{ text: text.replace('servers:', 'sever:') }]);
    const typo = await client.diagnostics(testUri, (p) => p.version === 3);
    assert.deepEqual(typo.diagnostics.map((d) => [d.code, d.message]), [['LBT02', 'unknown key "sever" in `expect` (did you mean "servers"?)']]);
    await client.conn.sendNotification('textDocument/didClose', { textDocument: { uri: testUri } });
    // The disk's text passes again.
    await client.diagnostics(testUri, (p) => p.version === undefined && p.diagnostics.length === 0 && publishedOf(client, testUri) > 0);
  });

  test('a test file created on disk runs when the client reports it (workspace/didChangeWatchedFiles); deleted, it is cleared', async () => {
    const path = join(ws.dir, 'tests', 'new.lbtest.yaml');
    writeFileSync(path, 'config: ../nginx.conf\ntests:\n  - { request: "http://shop.example.com/", expect: { pool: web } }\n');
    const uri = ws.uri('tests/new.lbtest.yaml');
    await client.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri, type: 1 }] });
    const p = await client.diagnostics(uri, (p) => p.diagnostics.length > 0);
    assert.match(p.diagnostics[0].message, /^expected pool web, but nginx\.conf has no pool named web; got pool app/);
    rmSync(path);
    await client.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri, type: 3 }] });
    await client.diagnostics(uri, (p) => p.diagnostics.length === 0);
  });

  test('a config that is not open is read from disk; a config outside the workspace is never read', async () => {
    const text = 'config: ../other/haproxy.cfg\ntests:\n  - { request: "http://x/", expect: { servers: { s1: 50% } } }\n  - { config: /etc/passwd, request: "http://x/", expect: { pool: be } }\n';
    const uri = ws.uri('tests/mixed.lbtest.yaml');
    await client.open(uri, text, 'yaml', 1);
    const p = await client.diagnostics(uri, (p) => p.version === 1);
    assert.deepEqual(p.diagnostics.map((d) => [d.code, d.message]), [['LBT03', 'config /etc/passwd: is outside the workspace folders']]);
  });
});

describe('route tests: the server watches test files itself when the client can register watchers', () => {
  const ws = tempWorkspace({ 'a.lbtest.yaml': 'tests: []\n' });
  let client: LspClient;
  after(() => client.stop());

  test('registers **/*.lbtest.{yaml,yml} unless the client says it watches them (the VS Code client does)', async () => {
    const registrations: unknown[] = [];
    for (const watches of [false, true]) {
      if (client) await client.stop();
      client = new LspClient();
      client.conn.onRequest('client/registerCapability', (p: { registrations: Array<{ method: string; registerOptions?: unknown }> }) => {
        registrations.push(...p.registrations.filter((r) => r.method === 'workspace/didChangeWatchedFiles').map((r) => ({ watches, options: r.registerOptions })));
        return null;
      });
      await client.conn.sendRequest('initialize', {
        processId: process.pid,
        rootUri: ws.rootUri,
        workspaceFolders: [{ uri: ws.rootUri, name: 'ws' }],
        capabilities: { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } } },
        initializationOptions: watches ? { watchesRouteTests: true } : undefined,
      });
      await client.conn.sendNotification('initialized', {});
      // Discovery runs after initialization: a published (empty) result for the test file means it is done.
      await client.diagnostics(ws.uri('a.lbtest.yaml'));
    }
    assert.deepEqual(registrations, [{ watches: false, options: { watchers: [{ globPattern: '**/*.lbtest.{yaml,yml}' }] } }]);
  });
});
