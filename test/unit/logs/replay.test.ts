import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeDrift } from '../../../server/src/service/logs/drift';
import { Replay, summarize } from '../../../server/src/service/logs/replay';
import { newRecord, type LogRecord } from '../../../server/src/service/logs/record';
import { LogFileFeed, MAX_LINE } from '../../../server/src/service/logs/session';
import { nginxCombinedParser } from '../../../server/src/service/logs/formats';
import { analyzeText } from '../../helpers/edits';

const NGINX = `events {}
http {
    upstream api {
        server 10.0.2.21:9000 weight=2;
        server 10.0.2.22:9000;
    }
    upstream app {
        server 10.0.1.11:8080;
        server 10.0.1.12:8080;
        server 10.0.1.13:8080;
    }
    upstream sticky {
        ip_hash;
        server 10.0.3.1:80;
        server 10.0.3.2:80;
    }
    server {
        listen 80;
        server_name shop.example.com;
        location /api/ { proxy_pass http://api; }
        location /app/ { proxy_pass http://app; }
        location /s/ { proxy_pass http://sticky; }
        location /old { return 301 /new; }
    }
}
`;

const T0 = Date.UTC(2024, 4, 1, 10, 0, 0) / 1000;

function req(path: string, time?: number, upstream?: LogRecord['upstream']): LogRecord {
  const r = newRecord();
  r.path = path;
  r.host = 'shop.example.com';
  r.port = 80;
  if (time !== undefined) r.time = time;
  if (upstream) r.upstream = upstream;
  return r;
}

function setup(text = NGINX) {
  const a = analyzeText('file:///w/nginx.conf', text);
  const replay = new Replay(a.model, a.index);
  const show = (u: string) => u.replace('file:///w/', '');
  return { a, replay, show };
}

/** A seeded PRNG (mulberry32): the simulations are the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pick an index by weights. */
function pick(weights: number[], r: number): number {
  const total = weights.reduce((s, x) => s + x, 0);
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i] / total;
    if (r < acc) return i;
  }
  return weights.length - 1;
}

describe('replay: counts, shares and peaks', () => {
  it('per route, pool and server: requests, shares, and exact per-second / per-minute peaks', () => {
    const { replay, show } = setup();
    // 10 requests/s to /api/ for 120 s, plus a burst of 50 in second 30; 2 req/s to /app/ for 60 s.
    for (let s = 0; s < 120; s++) for (let i = 0; i < 10 + (s === 30 ? 50 : 0); i++) replay.add(req(`/api/u/${i}`, T0 + s + i / 100));
    for (let s = 0; s < 60; s++) for (let i = 0; i < 2; i++) replay.add(req('/app/x', T0 + s));
    const sum = summarize(replay, show);
    assert.equal(sum.requests, 1250 + 120);
    const api = sum.routes.find((r) => r.name === 'location /api/')!;
    assert.equal(api.requests, 1250);
    assert.equal(api.peak.perSecond?.rate, 60);
    assert.equal(api.peak.perSecond?.at, '2024-05-01T10:00:30Z');
    assert.deepEqual(api.peak.perMinute, { rate: 10.83, requests: 650, at: '2024-05-01T10:00:00Z' });
    const pool = sum.pools.find((p) => p.name === 'api')!;
    assert.deepEqual(pool.servers.map((s) => [s.address, s.poolShare, s.requests]), [['10.0.2.21:9000', 0.6667, 833.33], ['10.0.2.22:9000', 0.3333, 416.67]]);
    // A server's peak follows its configured share of its pool's busiest second.
    assert.equal(pool.servers[0].peak.perSecond?.rate, 40);
    assert.equal(sum.peak.perSecond?.rate, 62);
    assert.deepEqual(sum.window, { start: '2024-05-01T10:00:00Z', end: '2024-05-01T10:01:59Z', seconds: 120 });
  });

  it('lines in any order (several files, rotated logs) give the same peaks', () => {
    const a = setup();
    const b = setup();
    const times: number[] = [];
    for (let s = 0; s < 7200; s += 7) for (let i = 0; i < 1 + (s % 5); i++) times.push(T0 + s);
    for (const t of times) a.replay.add(req('/api/x', t));
    for (const t of [...times].reverse()) b.replay.add(req('/api/x', t));
    assert.deepEqual(summarize(a.replay, a.show).peak, summarize(b.replay, b.show).peak);
  });

  it('requests no pool takes, by outcome: no route (404 from the default), a redirect; memoised requests share a class', () => {
    const { replay, show } = setup();
    for (let i = 0; i < 30; i++) replay.add(req(`/nothing/${i}`, T0));
    for (let i = 0; i < 5; i++) replay.add(req('/old', T0));
    const sum = summarize(replay, show);
    const nr = sum.unrouted.find((u) => u.outcome === 'no-backend')!;
    assert.deepEqual([nr.status, nr.requests, nr.share], [404, 30, 0.8571]);
    assert.match(nr.example, /^GET http:\/\/shop\.example\.com\/nothing\/0$/);
    const old = sum.unrouted.find((u) => u.route === 'location /old')!;
    assert.equal(old.requests, 5);
    assert.equal(replay.classes.filter((k) => k.count > 0).length, 2);
  });

  it('a request without host or port: the defaults and a note saying so', () => {
    const { replay, show } = setup();
    const r = newRecord();
    r.path = '/api/x';
    replay.add(r);
    const sum = summarize(replay, show);
    assert.ok(sum.notes.some((n) => /without a logged port/.test(n)));
    assert.ok(sum.notes.some((n) => /without a logged host/.test(n)));
    assert.ok(sum.notes.some((n) => /no usable time/.test(n)));
    assert.equal(sum.peak.perSecond, null);
  });
});

describe('replay: drift (chi-square per pool, Bonferroni, Wilson intervals)', () => {
  const addrs = { api: ['10.0.2.21:9000', '10.0.2.22:9000'], app: ['10.0.1.11:8080', '10.0.1.12:8080', '10.0.1.13:8080'] };

  it('a split that matches the configuration is quiet (exact round robin)', () => {
    const { a, replay, show } = setup();
    for (let i = 0; i < 3000; i++) replay.add(req('/api/x', T0 + i / 10, { address: addrs.api[i % 3 === 2 ? 1 : 0] }));
    for (let i = 0; i < 3000; i++) replay.add(req('/app/x', T0 + i / 10, { address: addrs.app[i % 3] }));
    const d = analyzeDrift(replay.classes, a.index, show)!;
    assert.deepEqual(d.pools.map((p) => [p.name, p.status]), [['api', 'ok'], ['app', 'ok']]);
    assert.equal(d.pools[0].chiSquare?.df, 1);
    assert.ok(d.pools[0].chiSquare!.pValue > 0.9);
    assert.deepEqual([d.unexpected, d.silent, d.routing], [[], [], []]);
  });

  it('random draws at the configured weights raise no alarm: 100 seeded logs of 2,000 requests', () => {
    let alarms = 0;
    let significant = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const { a, replay, show } = setup();
      const r = rng(seed);
      for (let i = 0; i < 2000; i++) replay.add(req('/api/x', T0, { address: addrs.api[pick([2, 1], r())] }));
      for (let i = 0; i < 2000; i++) replay.add(req('/app/x', T0, { address: addrs.app[pick([1, 1, 1], r())] }));
      const d = analyzeDrift(replay.classes, a.index, show)!;
      if (d.pools.some((p) => p.status === 'drift') || d.silent.length || d.unexpected.length) alarms++;
      if (d.pools.some((p) => p.chiSquare && p.chiSquare.pValue < p.chiSquare.threshold)) significant++;
    }
    assert.equal(alarms, 0);
    // The family-wise level is 1%: a handful of significant results in 100 runs would already be suspicious.
    assert.ok(significant <= 4, `${significant} runs were significant at the corrected level`);
  });

  it('a skewed split is reported, and the servers outside their interval are the skewed ones', () => {
    const { a, replay, show } = setup();
    const r = rng(7);
    // app is configured 1:1:1; the logs show 50/25/25.
    for (let i = 0; i < 4000; i++) replay.add(req('/app/x', T0, { address: addrs.app[pick([2, 1, 1], r())] }));
    const d = analyzeDrift(replay.classes, a.index, show)!;
    const app = d.pools.find((p) => p.name === 'app')!;
    assert.equal(app.status, 'drift');
    assert.ok(app.maxShift! > 15);
    assert.deepEqual(app.servers.map((s) => s.outside), [true, true, true]);
    assert.ok(app.servers[0].observed > 0.45 && app.servers[0].observed < 0.55);
  });

  it('a small sample is not tested (expected counts below 5) and raises nothing, even when lopsided', () => {
    const { a, replay, show } = setup();
    for (let i = 0; i < 6; i++) replay.add(req('/app/x', T0, { address: addrs.app[0] }));
    const d = analyzeDrift(replay.classes, a.index, show)!;
    const app = d.pools.find((p) => p.name === 'app')!;
    assert.equal(app.status, 'not tested');
    assert.match(app.reason!, /too few requests \(6\)/);
    assert.deepEqual(d.silent, [], '(2/3)^6 = 8.8% is not unlikely enough');
  });

  it('a significant but small shift (1 point on 200,000 requests) is not reported', () => {
    const { a, replay, show } = setup();
    for (let i = 0; i < 200_000; i++) replay.add(req('/app/x', T0, { address: addrs.app[i % 100 < 34 ? 0 : i % 2 === 0 ? 1 : 2] }));
    const app = analyzeDrift(replay.classes, a.index, show)!.pools.find((p) => p.name === 'app')!;
    assert.ok(app.chiSquare!.pValue < app.chiSquare!.threshold);
    assert.equal(app.status, 'ok');
    assert.match(app.reason!, /no server is off by 5 points/);
  });

  it('unexpected servers (an address in no pool, another pool\'s server) and silent servers', () => {
    const { a, replay, show } = setup();
    for (let i = 0; i < 600; i++) replay.add(req('/app/x', T0, { address: addrs.app[1 + (i % 2)] }));
    for (let i = 0; i < 40; i++) replay.add(req('/app/x', T0, { address: '10.9.9.9:8080' }));
    for (let i = 0; i < 7; i++) replay.add(req('/app/x', T0, { address: '10.0.2.22:9000' }));
    const d = analyzeDrift(replay.classes, a.index, show)!;
    assert.deepEqual(d.unexpected.map((u) => [u.observed, u.requests, /in no pool/.test(u.why) || /pool api/.test(u.why)]), [['10.9.9.9:8080', 40, true], ['10.0.2.22:9000', 7, true]]);
    assert.deepEqual(d.silent.map((s) => [s.server, s.poolRequests]), [['10.0.1.11:8080', 600]]);
  });

  it('pools balanced by a hash are not tested; a redirect route whose requests were forwarded is a routing difference', () => {
    const { a, replay, show } = setup();
    for (let i = 0; i < 500; i++) replay.add(req('/s/x', T0, { address: '10.0.3.1:80' }));
    for (let i = 0; i < 3; i++) replay.add(req('/old', T0, { address: '10.0.1.11:8080' }));
    const d = analyzeDrift(replay.classes, a.index, show)!;
    const sticky = d.pools.find((p) => p.name === 'sticky')!;
    assert.equal(sticky.status, 'not tested');
    assert.match(sticky.reason!, /ip_hash/);
    assert.deepEqual(d.silent, []);
    assert.deepEqual(d.routing.map((r) => [r.route, r.observed, r.requests]), [['location /old', '10.0.1.11:8080', 3]]);
  });

  it('HAProxy: servers matched by backend/server names; a logged backend other than the routed one is reported', () => {
    const cfg = `defaults\n  mode http\nfrontend fe\n  bind :80\n  use_backend be_api if { path_beg /api }\n  default_backend be_web\nbackend be_api\n  server a1 10.0.0.1:80\n  server a2 10.0.0.2:80\nbackend be_web\n  server w1 10.0.1.1:80\n`;
    const a = analyzeText('file:///w/haproxy.cfg', cfg);
    const replay = new Replay(a.model, a.index);
    const rec = (path: string, pool: string, server: string) => {
      const r = req(path, T0, { pool, server });
      r.entry = 'fe';
      return r;
    };
    for (let i = 0; i < 100; i++) replay.add(rec('/api/x', 'be_api', i % 2 ? 'a1' : 'a2'));
    for (let i = 0; i < 4; i++) replay.add(rec('/api/x', 'be_web', 'w1'));
    const d = analyzeDrift(replay.classes, a.index, (u) => u)!;
    assert.equal(d.pools.find((p) => p.name === 'be_api')?.status, 'ok');
    assert.deepEqual(d.routing.map((r) => [r.expected, r.observed, r.requests]), [['be_api', 'be_web', 4]]);
  });

  it('no upstream in the logs: no drift report', () => {
    const { a, replay, show } = setup();
    replay.add(req('/api/x', T0));
    assert.equal(analyzeDrift(replay.classes, a.index, show), undefined);
  });
});

describe('replay: reading files line by line', () => {
  it('detects the format from the first lines, counts what is not a request, shows the first five errors', () => {
    const got: LogRecord[] = [];
    const feed = new LogFileFeed('access.log', {}, (r) => got.push(r));
    const ok = '192.0.2.1 - - [10/Oct/2023:13:55:36 +0000] "GET /a HTTP/1.1" 200 5 "-" "-"';
    for (let i = 0; i < 30; i++) feed.push(ok);
    for (let i = 0; i < 8; i++) feed.push(`garbage ${i}`);
    feed.push('192.0.2.1 - - [10/Oct/2023:13:55:36 +0000] "-" 400 0 "-" "-"');
    feed.push('');
    feed.pushTooLong('192.0.2.1 - - [10/Oct', MAX_LINE + 10);
    const s = feed.end();
    assert.deepEqual([s.format, s.lines, s.requests, s.noRequest, s.unparseable, s.examples.length], ['nginx-combined', 40, 30, 1, 9, 5]);
    assert.equal(got.length, 30);
    assert.deepEqual(s.examples[0], { line: 31, reason: 'does not match the log format', text: 'garbage 0' });
  });

  it('a file shorter than the detection sample is still detected at its end; a forced format is used as is', () => {
    const feed = new LogFileFeed('a.log', {}, () => {});
    feed.push('192.0.2.1 - - [10/Oct/2023:13:55:36 +0000] "GET /a HTTP/1.1" 200 5 "-" "-"');
    assert.equal(feed.end().requests, 1);
    const forced = new LogFileFeed('b.log', {}, () => {}, nginxCombinedParser());
    forced.push('{"request":"GET / HTTP/1.1"}');
    assert.equal(forced.end().unparseable, 1);
  });
});
