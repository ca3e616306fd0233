// The editor's logged traffic, without a server: a replay filed under the model's ids (service/traffic.ts), and
// what hovers, inlay hints and the preview make of it; the setting's paths and globs (logs/patterns.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandLogPatterns } from '../../../server/src/service/logs/patterns';
import { newRecord, type LogRecord } from '../../../server/src/service/logs/record';
import { Replay } from '../../../server/src/service/logs/replay';
import type { LogFileSummary } from '../../../server/src/service/logs/session';
import { getHover } from '../../../server/src/service/hover';
import { getInlayHints } from '../../../server/src/service/inlayHints';
import { buildPreview } from '../../../server/src/service/preview';
import { trafficFacts } from '../../../server/src/service/traffic';
import { analyzeText } from '../../helpers/edits';
import { posOf } from '../../helpers/text';

const NGINX = `events {}
http {
    upstream app {
        server 10.0.1.11:8080;
        server 10.0.1.12:8080;
    }
    upstream canary {
        server 10.0.9.1:8080;
    }
    split_clients "\${remote_addr}" $pool {
        90% app;
        * canary;
    }
    server {
        listen 80;
        server_name shop.example.com;
        location / { proxy_pass http://app; }
        location /old { return 301 /new; }
    }
}
`;
const T0 = Date.UTC(2024, 4, 1, 10, 0, 0) / 1000;
const LOG: LogFileSummary[] = [{ path: 'logs/access.log', lines: 0, requests: 0, noRequest: 0, unparseable: 0, examples: [] }];

function req(path: string, time: number, upstream?: string): LogRecord {
  const r = newRecord();
  r.path = path;
  r.host = 'shop.example.com';
  r.port = 80;
  r.time = time;
  if (upstream) r.upstream = { address: upstream };
  return r;
}

/** 100 requests to / (one per second, 70/30 over the two app servers when `upstreams`), 10 to /old. */
function replayed(upstreams: boolean) {
  const a = analyzeText('file:///w/nginx.conf', NGINX);
  const replay = new Replay(a.model, a.index);
  for (let i = 0; i < 100; i++) replay.add(req('/', T0 + i, upstreams ? (i % 10 < 7 ? '10.0.1.11:8080' : '10.0.1.12:8080') : undefined));
  for (let i = 0; i < 10; i++) replay.add(req('/old', T0 + i));
  return { a, facts: trafficFacts(a, replay, LOG) };
}

describe('logged traffic for the editor', () => {
  it('files routes, pools and servers under the model\'s ids, with the drift test of the pool', () => {
    const { a, facts } = replayed(true);
    const root = a.model.routes.find((r) => r.name === 'location /')!;
    const app = a.model.pools.find((p) => p.name === 'app')!;
    assert.equal(facts.requests, 110);
    assert.equal(facts.routes[root.id].requests, 100);
    assert.equal(facts.routes[root.id].share, 0.9091);
    assert.equal(facts.pools[app.id].drift?.status, 'drift');
    const [s1, s2] = app.servers;
    assert.deepEqual([facts.servers[s1.id].observed?.share, facts.servers[s1.id].observed?.requests], [0.7, 70]);
    assert.deepEqual([facts.servers[s2.id].observed?.share, facts.servers[s2.id].observed?.requests], [0.3, 30]);
    assert.equal(facts.servers[s1.id].requests, 50, 'what the configuration sends it: half of the route');
    assert.deepEqual(facts.unrouted.map((u) => [u.outcome, u.requests]), [['redirect', 10]]);
  });

  it('hover: without traffic unchanged; with it, a logged column, the route\'s numbers and the drift', () => {
    const { a, facts } = replayed(true);
    const at = posOf(NGINX, 'location / {');
    const plain = getHover(a, at)!.contents;
    assert.doesNotMatch(plain, /logged/i);
    assert.match(plain, /\| server \| address \| weight \| share \|/);
    const h = getHover(a, at, { facts })!.contents;
    assert.match(h, /\| 10\.0\.1\.11:8080 \| 10\.0\.1\.11:8080 \| 1 \| \*\*50%\*\* \| ⚠ 70% \(70\) \|/);
    assert.match(h, /\*\*Logged:\*\* 100 requests, peak 1 req\/s — 90\.9% of the logged requests/);
    assert.match(h, /⚠ Drift in `app`/);
    const server = getHover(a, posOf(NGINX, '10.0.1.12:8080'), { facts })!.contents;
    assert.match(server, /configured 50% · logged 30% of `app` \(30 requests; peak 0\.5 req\/s at the configured share\) ⚠ outside its interval/);
    // A replay on its way: a note instead of numbers.
    assert.match(getHover(a, at, { note: 'Logged traffic: replaying the access logs (40%)…' })!.contents, /_Logged traffic: replaying the access logs \(40%\)…_$/);
  });

  it('a log that does not record upstreams: ≈ requests at the configured share, and no drift', () => {
    const { a, facts } = replayed(false);
    const h = getHover(a, posOf(NGINX, 'location / {'), { facts })!.contents;
    assert.match(h, /\| \*\*50%\*\* \| ≈ 50 req \|/);
    assert.match(h, /the log does not say which server served them/);
    assert.doesNotMatch(h, /Drift/);
    const server = getHover(a, posOf(NGINX, '10.0.1.11:8080'), { facts })!.contents;
    assert.match(server, /configured 50% · logged 50 requests at the configured share, peak 0\.5 req\/s \(the log does not say which server served them\)/);
    const file = buildPreview(a, '/w/nginx.conf', [], false, { status: 'done', facts, refused: [] });
    const root = file.routes.find((r) => r.name === 'location /')!;
    assert.deepEqual(root.servers.map((s) => [s.address, s.logged]), [['10.0.1.11:8080', { requests: 50 }], ['10.0.1.12:8080', { requests: 50 }]]);
  });

  it('inlay hints: the route\'s logged share and drift in a hint of their own, before the split on the same line', () => {
    const { a, facts } = replayed(true);
    const hints = getInlayHints(a, undefined, facts);
    assert.deepEqual(hints.map((h) => [h.position.line, h.label.trim()]), [[16, 'logged 90.9% ⚠ drift'], [16, '→ 10.0.1.11:8080 50%, 10.0.1.12:8080 50%']]);
    assert.ok(hints[0].position.character === hints[1].position.character);
    // A range that leaves the line out leaves both out.
    assert.deepEqual(getInlayHints(a, { start: { line: 0, character: 0 }, end: { line: 15, character: 0 } }, facts), []);
    assert.deepEqual(getInlayHints(a).map((h) => h.label.trim()), ['→ 10.0.1.11:8080 50%, 10.0.1.12:8080 50%']);
  });

  it('the preview: per route and server, the traffic section, and failures simulated leave logged numbers alone', () => {
    const { a, facts } = replayed(true);
    const file = buildPreview(a, '/w/nginx.conf', ['10.0.1.12:8080'], false, { status: 'done', facts, refused: [{ path: '/etc/x.log', reason: 'outside the workspace' }] });
    const root = file.routes.find((r) => r.name === 'location /')!;
    assert.deepEqual([root.logged?.requests, root.logged?.peak, root.logged?.drift.map((d) => d.status)], [100, 1, ['drift']]);
    const [s1, s2] = root.servers;
    assert.deepEqual([s1.share, s2.share, s2.failed], [1, 0, true]);
    assert.deepEqual([s1.logged?.observed?.share, s2.logged?.observed?.share, s2.logged?.observed?.outside], [0.7, 0.3, true]);
    assert.equal(s1.logged?.requests, 50, 'the configured share with every server up');
    assert.deepEqual(file.traffic?.refused, [{ path: '/etc/x.log', reason: 'outside the workspace' }]);
    assert.deepEqual(file.traffic?.unrouted.map((u) => [u.outcome, u.status, u.requests]), [['redirect', 301, 10]]);
    assert.equal(file.traffic?.peak, 2);
    // Not ready: only the state.
    const waiting = buildPreview(a, '/w/nginx.conf', [], false, { status: 'replaying', message: 'Replaying the access logs…', refused: [] });
    assert.equal(waiting.traffic?.status, 'replaying');
    assert.equal(waiting.routes[0].logged, undefined);
    assert.equal(buildPreview(a, '/w/nginx.conf').traffic, undefined);
  });
});

describe('lbLens.traffic.logs patterns', () => {
  const tree: Record<string, Array<{ name: string; isDirectory: boolean }>> = {
    '/w': [{ name: 'logs', isDirectory: true }, { name: '.hidden', isDirectory: true }, { name: 'access.log', isDirectory: false }],
    '/w/logs': [
      { name: 'b.log', isDirectory: false }, { name: 'a.log', isDirectory: false }, { name: '.c.log', isDirectory: false },
      { name: 'old', isDirectory: true }, { name: 'x.log', isDirectory: true },
    ],
    '/w/logs/old': [{ name: 'access.log.1.gz', isDirectory: false }, { name: 'access.log', isDirectory: false }],
    '/w/.hidden': [{ name: 'access.log', isDirectory: false }],
    '/v': [{ name: 'access.log', isDirectory: false }],
  };
  const list = (d: string) => tree[d] ?? [];
  const paths = (patterns: string[], folders = ['/w']) => expandLogPatterns(patterns, folders, list).map((x) => x.paths);

  it('a plain path names itself in each folder (its existence is checked later); `..` is resolved', () => {
    assert.deepEqual(paths(['logs/none.log']), [['/w/logs/none.log']]);
    assert.deepEqual(paths(['access.log'], ['/w', '/v']), [['/v/access.log', '/w/access.log']]);
    assert.deepEqual(paths(['../etc/passwd']), [['/etc/passwd']]);
    assert.deepEqual(paths(['/v/access.log']), [['/v/access.log']]);
  });

  it('globs: files only, sorted, a leading dot matched only explicitly; ** for any number of folders', () => {
    assert.deepEqual(paths(['logs/*.log']), [['/w/logs/a.log', '/w/logs/b.log']]);
    assert.deepEqual(paths(['logs/.*.log']), [['/w/logs/.c.log']]);
    assert.deepEqual(paths(['**/access.log*']), [['/w/access.log', '/w/logs/old/access.log', '/w/logs/old/access.log.1.gz']]);
    assert.deepEqual(paths(['logs/**/*.gz']), [['/w/logs/old/access.log.1.gz']]);
    assert.deepEqual(paths(['nothing/*.log']), [[]]);
  });

  it('the walk is bounded: folders listed and files found', () => {
    const r = expandLogPatterns(['**/*.log'], ['/w'], list, { files: 64, folders: 2, entries: 100 });
    assert.match(r[0].stopped ?? '', /^stopped after listing 2 folders$/);
    const few = expandLogPatterns(['logs/*.log', 'logs/old/*'], ['/w'], list, { files: 2, folders: 100, entries: 100 });
    assert.deepEqual(few.map((x) => x.paths), [['/w/logs/a.log', '/w/logs/b.log'], []]);
  });
});
