import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { REPO } from '../helpers/lspClient';

const CLI = resolve(REPO, 'bin', 'lb-lens.js');

function run(args: string[], cwd: string, input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', input });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', ['-c', 'user.email=test@example.invalid', '-c', 'user.name=test', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function workspace(files: Record<string, string | Buffer>) {
  const dir = mkdtempSync(join(tmpdir(), 'lb-lens-replay-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const CONF = `events {}
http {
    log_format main '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $host "$upstream_addr"';
    access_log /var/log/nginx/shop.log main;
    upstream api {
        server 10.0.2.21:9000;
        server 10.0.2.22:9000;
    }
    upstream web {
        server 10.0.1.11:8080;
    }
    server {
        listen 80;
        server_name shop.example.com;
        location /api/ { proxy_pass http://api; }
        location / { proxy_pass http://web; }
        location = /health { return 200 ok; }
    }
}
`;

const clf = (sec: number) => {
  const d = new Date(Date.UTC(2024, 4, 1, 10, 0, 0) + sec * 1000).toUTCString().split(' ');
  return `${d[1]}/${d[2]}/${d[3]}:${d[4]} +0000`;
};

/** `n` lines in the config's `main` format: `/api/` every other request, upstreams taken from `apiSplit`. */
function mainLog(n: number, apiSplit: (i: number) => string): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const api = i % 2 === 0;
    const path = i % 50 === 49 ? '/health' : api ? `/api/items/${i % 7}?page=${i % 3}` : '/index.html';
    const up = path === '/health' ? '-' : api ? apiSplit(i) : '10.0.1.11:8080';
    lines.push(`2001:db8::${(i % 9) + 1} - - [${clf(Math.floor(i / 10))}] "GET ${path} HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X11)" shop.example.com "${up}"`);
  }
  return `${lines.join('\n')}\n`;
}

describe('lb-lens replay', () => {
  test('a log in the config\'s own log_format, gzip-compressed: routes, pools, peaks and a quiet drift check, as JSON', (t) => {
    const w = workspace({ 'nginx.conf': CONF, 'logs/shop.log.1.gz': gzipSync(mainLog(2000, (i) => (i % 4 === 0 ? '10.0.2.21:9000' : '10.0.2.22:9000'))) });
    t.after(w.cleanup);
    const res = run(['replay', 'nginx.conf', '--log', 'logs/shop.log.1.gz', '--format', 'json'], w.dir);
    assert.equal(res.code, 0, res.err);
    const j = JSON.parse(res.out);
    assert.deepEqual(Object.keys(j).sort(), ['config', 'drift', 'logs', 'notes', 'peak', 'pools', 'requests', 'routes', 'unrouted', 'window']);
    assert.deepEqual(j.logs[0], { path: 'logs/shop.log.1.gz', format: 'nginx:main', formatLabel: 'nginx log_format "main"', lines: 2000, requests: 2000, noRequest: 0, unparseable: 0, examples: [] });
    assert.equal(j.requests, 2000);
    const api = j.routes.find((r: any) => r.name === 'location /api/');
    assert.deepEqual([api.requests, api.share, api.peak.perSecond.rate, api.pools], [1000, 0.5, 5, [{ name: 'api', share: 1 }]]);
    assert.deepEqual(j.window, { start: '2024-05-01T10:00:00Z', end: '2024-05-01T10:03:19Z', seconds: 200 });
    const pool = j.pools.find((p: any) => p.name === 'api');
    assert.deepEqual(pool.servers.map((s: any) => [s.address, s.poolShare, s.requests]), [['10.0.2.21:9000', 0.5, 500], ['10.0.2.22:9000', 0.5, 500]]);
    assert.deepEqual(j.unrouted.map((u: any) => [u.outcome, u.requests, u.route]), [['direct', 40, 'location = /health']]);
    assert.deepEqual(j.drift.pools.map((p: any) => [p.name, p.status]), [['api', 'ok'], ['web', 'not tested']]);
  });

  test('drift in text: a skewed pool is reported; --fail-on-drift exits 1', (t) => {
    const w = workspace({ 'nginx.conf': CONF, 'shop.log': mainLog(2000, (i) => (i % 10 < 8 ? '10.0.2.21:9000' : '10.0.2.22:9000')) });
    t.after(w.cleanup);
    const res = run(['replay', 'nginx.conf', 'shop.log'], w.dir);
    assert.equal(res.code, 0, res.err);
    assert.match(res.out, /^lb-lens replay nginx\.conf: 2,000 requests from 1 log file, 2024-05-01T10:00:00Z → 2024-05-01T10:03:19Z \(3 min\)$/m);
    assert.match(res.out, /^ {2}DRIFT api \(nginx\.conf:5\), 1,000 requests: χ² = /m);
    assert.match(res.out, /10\.0\.2\.21:9000\s+configured {2}50\.0% {2}observed {2}80\.0% \[\d+\.\d%, \d+\.\d%\] {2}← outside/);
    assert.equal(run(['replay', 'nginx.conf', '--log', 'shop.log', '--fail-on-drift'], w.dir).code, 1);
  });

  test('unparseable lines are counted and the first ones shown; a file of nothing readable exits 2', (t) => {
    const good = '192.0.2.1 - - [10/Oct/2023:13:55:36 +0000] "GET /api/x HTTP/1.1" 200 5 "-" "curl/8"';
    const w = workspace({
      'nginx.conf': CONF,
      'combined.log': `${Array(30).fill(good).join('\n')}\nthis is not a log line\n${good.slice(0, 50)}\n${'x'.repeat(70_000)}\n${good}`,
      'junk.log': 'hello\nworld\n',
    });
    t.after(w.cleanup);
    const res = run(['replay', 'nginx.conf', '--log', 'combined.log', '--host', 'shop.example.com'], w.dir);
    assert.equal(res.code, 0, res.err);
    assert.match(res.out, /combined\.log: nginx combined, 34 lines: 31 requests, 3 unparseable/);
    assert.match(res.out, /line 31: does not match the log format: this is not a log line/);
    assert.match(res.out, /line 32: ends in \$request, before the `" ` that follows it \(a truncated line\?\)/);
    assert.match(res.out, /line 33: longer than 64 KiB \(70,000 characters\)/);
    assert.match(res.out, /31 request\(s\) without a logged host were sent as host shop\.example\.com \(--host\)/);
    const bad = run(['replay', 'nginx.conf', '--log', 'junk.log'], w.dir);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /no line of junk\.log could be read as a request \(format not recognised: --log-format names it\)/);
  });

  test('usage errors exit 2: no log, a missing log, an unknown format, a log_format the config does not declare', (t) => {
    const w = workspace({ 'nginx.conf': CONF, 'a.log': 'x\n' });
    t.after(w.cleanup);
    assert.match(run(['replay', 'nginx.conf'], w.dir).err, /needs at least one access log/);
    assert.match(run(['replay', 'nginx.conf', '--log', 'missing.log'], w.dir).err, /no such log file: missing\.log/);
    const f = run(['replay', 'nginx.conf', '--log', 'a.log', '--log-format', 'apache'], w.dir);
    assert.equal(f.code, 2);
    assert.match(f.err, /unknown --log-format "apache"/);
    assert.match(run(['replay', 'nginx.conf', '--log', 'a.log', '--log-format', 'nginx:json'], w.dir).err, /declares no log_format "json" \(it declares main\)/);
  });

  test('HAProxy httplog from standard input, with Host captured per the config; JSON logs of another product', (t) => {
    const cfg = `defaults\n  mode http\nfrontend fe\n  bind :80\n  capture request header Host len 64\n  use_backend be_api if { hdr(host) -i api.example.com }\n  default_backend be_web\nbackend be_api\n  server a1 10.0.0.1:80\n  server a2 10.0.0.2:80\nbackend be_web\n  server w1 10.0.1.1:80\n`;
    const lines = Array.from({ length: 40 }, (_, i) => `Feb  6 12:14:${String(i % 60).padStart(2, '0')} lb haproxy[1]: 10.0.1.2:3331 [06/Feb/2009:12:14:${String(i % 60).padStart(2, '0')}.655] fe ${i % 2 ? 'be_api/a1' : 'be_api/a2'} 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {api.example.com} "GET /v1 HTTP/1.1"`);
    const w = workspace({ 'haproxy.cfg': cfg });
    t.after(w.cleanup);
    const res = run(['replay', 'haproxy.cfg', '--log', '-', '--format', 'json'], w.dir, `${lines.join('\n')}\n`);
    assert.equal(res.code, 0, res.err);
    const j = JSON.parse(res.out);
    assert.equal(j.logs[0].format, 'haproxy-http');
    assert.deepEqual(j.routes.map((r: any) => [r.pools[0]?.name, r.requests]), [['be_api', 40]]);
    assert.equal(j.drift.pools[0].status, 'ok');
  });
});

describe('lb-lens diff --traffic', () => {
  const BASE = CONF.replace(/^\s*log_format.*\n\s*access_log.*\n/m, '');
  const HEAD = BASE.replace('location /api/ { proxy_pass http://api; }', 'location /api/ { proxy_pass http://web; }');

  function repo(base: string, head: string, log: string) {
    const w = workspace({ 'nginx.conf': base });
    git(w.dir, 'init', '-q');
    git(w.dir, 'add', '-A');
    git(w.dir, 'commit', '-q', '-m', 'base');
    writeFileSync(join(w.dir, 'nginx.conf'), head);
    writeFileSync(join(w.dir, 'access.log'), log);
    return w;
  }

  /** Combined lines, 10 a second for 60 s, then a burst: `/api/` takes 48% of them. */
  function trafficLog(): string {
    const lines: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const sec = i < 600 ? Math.floor(i / 10) : 60 + Math.floor((i - 600) / 100);
      const path = i % 25 < 12 ? `/api/orders/${i % 13}` : '/index.html';
      lines.push(`198.51.100.${i % 250} - - [${clf(sec)}] "GET http://shop.example.com${path} HTTP/1.1" 200 10 "-" "k6/0.50"`);
    }
    return `${lines.join('\n')}\n`;
  }

  test('moves weighted by the logged requests, per-server peaks before and after, in JSON', (t) => {
    const w = repo(BASE, HEAD, trafficLog());
    t.after(w.cleanup);
    const res = run(['diff', '--traffic', 'access.log', '--format', 'json'], w.dir);
    assert.equal(res.code, 0, res.err);
    const j = JSON.parse(res.out);
    const move = j.routing.find((m: any) => m.before.pools[0]?.name === 'api');
    assert.deepEqual([move.after.pools[0].name, move.loggedRequests, move.loggedShare], ['web', 480, 0.48]);
    const f = j.traffic.forecasts[0];
    assert.deepEqual([f.file, f.requests, f.moved, f.movedShare, f.timed], ['nginx.conf', 1000, 480, 0.48, true]);
    assert.deepEqual(f.summary, ['48% of the logged requests (480) move from api (2 servers) to web (1 server)']);
    const web = f.servers.find((s: any) => s.address === '10.0.1.11:8080');
    // The burst second has 100 requests: 52 went to web before, all 100 after.
    assert.deepEqual([web.before.peak, web.after.peak, web.factor], [52, 100, 1.92]);
    const a1 = f.servers.find((s: any) => s.address === '10.0.2.21:9000');
    assert.deepEqual([a1.before.peak, a1.after.peak, a1.factor], [24, 0, 0]);
    assert.deepEqual(j.traffic.violations, []);
  });

  test('--fail-on-peak-factor and --fail-on-peak-rate fail CI; the markdown report carries the forecast', (t) => {
    const w = repo(BASE, HEAD, trafficLog());
    t.after(w.cleanup);
    assert.equal(run(['diff', '--traffic', 'access.log', '--fail-on-peak-factor', '2'], w.dir).code, 0);
    const f = run(['diff', '--traffic', 'access.log', '--fail-on-peak-factor', '1.5'], w.dir);
    assert.equal(f.code, 1);
    assert.match(f.out, /FAIL nginx\.conf: 10\.0\.1\.11:8080 goes from 52 to 100 req\/s at peak, ×1\.92 \(above --fail-on-peak-factor 1\.5\)/);
    assert.equal(run(['diff', '--traffic', 'access.log', '--fail-on-peak-rate', '100'], w.dir).code, 0);
    assert.equal(run(['diff', '--traffic', 'access.log', '--fail-on-peak-rate', '99'], w.dir).code, 1);
    const md = run(['diff', '--traffic', 'access.log', '--format', 'markdown'], w.dir);
    assert.match(md.out, /^\*\*Forecast with logged traffic\*\* \(1,000 requests from `access\.log`\)$/m);
    assert.match(md.out, /^- `nginx\.conf`: 48% of the logged requests \(480\) move from api \(2 servers\) to web \(1 server\)$/m);
    assert.match(md.out, /^\| 10\.0\.1\.11:8080 \| 52 \| 100 \| \*\*1\.92\*\* \| [\d.]+ → [\d.]+ \|$/m);
    assert.match(md.out, /^\| request \| before \| after \| logged requests \|$/m);
    assert.equal(run(['diff', '--fail-on-peak-rate', '10'], w.dir).code, 2, 'a peak threshold without --traffic is a usage error');
  });

  test('no change: the logs are not needed; the forecast says so', (t) => {
    const w = repo(BASE, BASE, trafficLog());
    t.after(w.cleanup);
    const res = run(['diff', '--traffic', 'access.log', '--fail-on-peak-factor', '1.1'], w.dir);
    assert.equal(res.code, 0, res.err);
    assert.match(res.out, /No configuration changes between the revisions: the logs were not read\./);
  });
});
