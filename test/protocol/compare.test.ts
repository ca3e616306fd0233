import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BALANCED, INCIDENT, REWEIGHTED } from '../helpers/incident';
import { LspClient } from '../helpers/lspClient';
import { posOf, tempWorkspace } from '../helpers/text';

/** A conf.d fragment with its own upstream, analysed inside the nginx.conf that includes it. */
const ROOT = 'events {}\nhttp {\n    include conf.d/*.conf;\n}\n';
const FRAGMENT = `upstream web {
    server 10.0.3.1:80;
    server 10.0.3.2:80;
}
server {
    listen 80;
    location / {
        proxy_pass http://web;
    }
}
`;

const shares = (servers: Array<{ address: string; share: number }>) => servers.map((s) => [s.address, Math.round(s.share * 1000) / 1000]);

describe('lbLens/compare over stdio', () => {
  const ws = tempWorkspace({ 'nginx.conf': BALANCED, 'site/nginx.conf': ROOT, 'site/conf.d/web.conf': FRAGMENT });
  const uri = ws.uri('nginx.conf');
  const fragmentUri = ws.uri('site/conf.d/web.conf');
  let client: LspClient;

  before(async () => {
    client = new LspClient();
    await client.initialize(ws.rootUri);
    await client.open(uri, INCIDENT, 'nginx');
    await client.diagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'LB101'));
  });
  after(() => client.stop());

  test('balanced HEAD vs the incident in the editor: before/after shares, maxShift 66.7, LB101 introduced', async () => {
    const c = await client.request('lbLens/compare', { textDocument: { uri }, baseText: BALANCED });
    assert.equal(c.base, 'HEAD');
    assert.equal(c.uri, uri);
    assert.equal(c.format, 'nginx');
    assert.equal(c.newFile, false);
    assert.equal(c.routes.length, 1);
    const route = c.routes[0];
    assert.deepEqual(
      { name: route.name, file: route.file, line: route.line, status: route.status, pool: route.pool, maxShift: route.maxShift },
      { name: 'location /', file: uri, line: posOf(BALANCED, 'location /').line + 1, status: 'changed', pool: 'app', maxShift: 66.7 },
    );
    assert.deepEqual(shares(route.before), [['10.0.1.11:8080', 0.333], ['10.0.1.12:8080', 0.333], ['10.0.1.13:8080', 0.333]]);
    assert.deepEqual(shares(route.after), [['10.0.1.11:8080', 1], ['10.0.1.12:8080', 0], ['10.0.1.13:8080', 0]]);
    assert.deepEqual(
      route.rows.map((r: any) => [r.address, r.before === null ? null : Math.round(r.before * 1000) / 1000, r.after]),
      [['10.0.1.11:8080', 0.333, 1], ['10.0.1.12:8080', 0.333, 0], ['10.0.1.13:8080', 0.333, 0]],
    );
    const lb101 = c.introduced.find((d: any) => d.ruleId === 'LB101');
    assert.ok(lb101, JSON.stringify(c.introduced));
    assert.deepEqual([lb101.path, lb101.line, lb101.severity], [uri, posOf(BALANCED, 'proxy_pass').line + 1, 'error']);
    assert.deepEqual(c.resolved, []);
  });

  test('the comparison leaves the live analysis alone: preview and diagnostics still show the editor text', async () => {
    await client.request('lbLens/compare', { textDocument: { uri }, baseText: BALANCED });
    const preview = await client.request('lbLens/distribution', { textDocument: { uri } });
    assert.deepEqual(shares(preview.routes[0].servers), [['10.0.1.11:8080', 1], ['10.0.1.12:8080', 0], ['10.0.1.13:8080', 0]]);
    // An edit after the comparison is analysed on its own text, and a new comparison follows it.
    await client.change(uri, 2, [{ text: REWEIGHTED }]);
    const p = await client.diagnostics(uri, (p) => p.version === 2);
    assert.ok(!p.diagnostics.some((d) => d.code === 'LB101'), JSON.stringify(p.diagnostics));
    const c = await client.request('lbLens/compare', { textDocument: { uri }, baseText: BALANCED });
    assert.equal(c.routes[0].maxShift, 16.7);
    assert.deepEqual(c.introduced, []);
    await client.change(uri, 3, [{ text: INCIDENT }]);
    await client.diagnostics(uri, (p) => p.version === 3);
  });

  test('the fix direction: the incident in HEAD, balanced in the editor → LB101 resolved', async () => {
    await client.change(uri, 4, [{ text: BALANCED }]);
    await client.diagnostics(uri, (p) => p.version === 4);
    const c = await client.request('lbLens/compare', { textDocument: { uri }, baseText: INCIDENT, baseLabel: 'main' });
    assert.equal(c.base, 'main');
    assert.equal(c.routes[0].maxShift, 66.7);
    assert.deepEqual(c.introduced, []);
    assert.ok(c.resolved.some((d: any) => d.ruleId === 'LB101'), JSON.stringify(c.resolved));
    await client.change(uri, 5, [{ text: INCIDENT }]);
    await client.diagnostics(uri, (p) => p.version === 5);
  });

  test('baseText null (a new file): every route added, every finding introduced', async () => {
    const c = await client.request('lbLens/compare', { textDocument: { uri }, baseText: null });
    assert.equal(c.newFile, true);
    assert.deepEqual(c.routes.map((r: any) => [r.name, r.status, r.maxShift, r.before.length]), [['location /', 'added', null, 0]]);
    assert.deepEqual(c.routes[0].rows.map((r: any) => [r.address, r.before, r.after]), [
      ['10.0.1.11:8080', null, 1], ['10.0.1.12:8080', null, 0], ['10.0.1.13:8080', null, 0],
    ]);
    assert.ok(c.introduced.some((d: any) => d.ruleId === 'LB101'));
    assert.deepEqual(c.resolved, []);
  });

  test('routes that appear or vanish, and servers added to a pool', async () => {
    const base = BALANCED.replace('        location / {', '        location /old/ {\n            proxy_pass http://app;\n        }\n        location / {');
    const live = INCIDENT.replace('        server 10.0.1.13:8080 down;\n', '        server 10.0.1.13:8080 down;\n        server 10.0.1.14:8080;\n');
    await client.change(uri, 6, [{ text: live }]);
    await client.diagnostics(uri, (p) => p.version === 6);
    const c = await client.request('lbLens/compare', { textDocument: { uri }, baseText: base });
    assert.deepEqual(c.routes.map((r: any) => [r.name, r.status]), [['location /old/', 'removed'], ['location /', 'changed']]);
    const root = c.routes[1];
    assert.deepEqual(root.rows.map((r: any) => [r.address, r.before === null ? null : Math.round(r.before * 1000) / 1000, r.after]), [
      ['10.0.1.11:8080', 0.333, 0.5], ['10.0.1.12:8080', 0.333, 0], ['10.0.1.13:8080', 0.333, 0], ['10.0.1.14:8080', null, 0.5],
    ]);
    await client.change(uri, 7, [{ text: INCIDENT }]);
    await client.diagnostics(uri, (p) => p.version === 7);
  });

  test('failed servers are simulated on both sides, by address', async () => {
    const c = await client.request('lbLens/compare', { textDocument: { uri }, baseText: BALANCED, failed: ['10.0.1.12:8080'] });
    const route = c.routes[0];
    assert.deepEqual(shares(route.before), [['10.0.1.11:8080', 0.5], ['10.0.1.12:8080', 0], ['10.0.1.13:8080', 0.5]]);
    assert.deepEqual(shares(route.after), [['10.0.1.11:8080', 1], ['10.0.1.12:8080', 0], ['10.0.1.13:8080', 0]]);
    assert.equal(route.maxShift, 50);
  });

  test('a conf.d fragment: its HEAD text is analysed inside the nginx.conf that includes it', async () => {
    const drained = FRAGMENT.replace('10.0.3.2:80;', '10.0.3.2:80 down;');
    await client.open(fragmentUri, drained, 'nginx');
    await client.diagnostics(fragmentUri, (p) => p.diagnostics.some((d) => d.code === 'LB101'));
    const c = await client.request('lbLens/compare', { textDocument: { uri: fragmentUri }, baseText: FRAGMENT });
    const route = c.routes.find((r: any) => r.name === 'location /');
    assert.ok(route, JSON.stringify(c.routes));
    assert.equal(route.file, fragmentUri);
    // The upstream resolves on both sides (the fragment is part of site/nginx.conf), and the HEAD side reads
    // the base text, not the editor's: a 50/50 split before, everything on 10.0.3.1 after.
    assert.deepEqual(shares(route.before), [['10.0.3.1:80', 0.5], ['10.0.3.2:80', 0.5]]);
    assert.deepEqual(shares(route.after), [['10.0.3.1:80', 1], ['10.0.3.2:80', 0]]);
    assert.ok(c.introduced.some((d: any) => d.ruleId === 'LB101' && d.path === fragmentUri));
  });

  test('requests that change destination: a new regex location that takes /api/ from its pool', async () => {
    const head = BALANCED.replace('location / {', 'location ~ ^/ {\n        proxy_pass http://app;\n    }\n    location / {');
    const base = BALANCED;
    const other = ws.uri('moves.conf');
    await client.open(other, head, 'nginx');
    const c = await client.request('lbLens/compare', { textDocument: { uri: other }, baseText: base });
    assert.ok(Array.isArray(c.routing), 'the comparison lists routing moves');
    // BALANCED has one location: nothing moves pools (the new regex sends to the same pool).
    assert.deepEqual(c.routing, []);
    const c2 = await client.request('lbLens/compare', { textDocument: { uri: other }, baseText: base.replace('location / {', 'location /api/ {\n        return 404;\n    }\n    location / {') });
    const moved = c2.routing.find((m: any) => m.before.outcome === 'direct' || m.before.status === 404);
    assert.ok(moved, JSON.stringify(c2.routing));
    assert.equal(moved.after.pools[0].name, 'app');
    assert.match(moved.example, /\/api\//);
  });

  test('a document that is not open, or not ours, gets null', async () => {
    assert.equal(await client.request('lbLens/compare', { textDocument: { uri: ws.uri('missing.conf') }, baseText: BALANCED }), null);
  });
});
