import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { BALANCED, INCIDENT, REWEIGHTED } from '../helpers/incident';
import { REPO } from '../helpers/lspClient';
import { posOf } from '../helpers/text';

const CLI = resolve(REPO, 'bin', 'lb-lens.js');

function run(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', ['-c', 'user.email=test@example.invalid', '-c', 'user.name=test', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A temp git repository; `write` then `commit` build its history. */
function repo() {
  const dir = mkdtempSync(join(tmpdir(), 'lb-lens-diff-'));
  git(dir, 'init', '-q');
  const write = (files: Record<string, string>) => {
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), text);
    }
  };
  const commit = (message: string) => {
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', message);
  };
  return { dir, write, commit, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('lb-lens diff', () => {
  test('the incident in the working tree: JSON shares, the new LB101, exit 1', (t) => {
    const r = repo();
    t.after(r.cleanup);
    r.write({ 'nginx.conf': BALANCED });
    r.commit('balanced');
    r.write({ 'nginx.conf': INCIDENT });
    const res = run(['diff', '--format', 'json'], r.dir);
    assert.equal(res.code, 1, res.err);
    const json = JSON.parse(res.out);
    assert.equal(json.base, 'HEAD');
    const route = json.routes.find((x: any) => x.name === 'location /');
    assert.deepEqual(
      { file: route.file, line: route.line, status: route.status, maxShift: route.maxShift },
      { file: 'nginx.conf', line: posOf(BALANCED, 'location /').line + 1, status: 'changed', maxShift: 66.7 },
    );
    assert.deepEqual(route.before.map((s: any) => [s.name, s.address, Math.round(s.share * 1000)]), [
      ['10.0.1.11:8080', '10.0.1.11:8080', 333], ['10.0.1.12:8080', '10.0.1.12:8080', 333], ['10.0.1.13:8080', '10.0.1.13:8080', 333],
    ]);
    assert.deepEqual(route.after.map((s: any) => s.share), [1, 0, 0]);
    const lb101 = json.introduced.find((d: any) => d.ruleId === 'LB101');
    assert.deepEqual(Object.keys(lb101).sort(), ['column', 'endColumn', 'endLine', 'line', 'message', 'path', 'ruleId', 'severity']);
    assert.equal(lb101.path, 'nginx.conf');
    assert.equal(lb101.line, posOf(BALANCED, 'proxy_pass').line + 1);
    assert.deepEqual(json.resolved, []);
  });

  test('markdown: a table per changed route and the new findings', (t) => {
    const r = repo();
    t.after(r.cleanup);
    r.write({ 'nginx.conf': BALANCED });
    r.commit('balanced');
    r.write({ 'nginx.conf': INCIDENT });
    const res = run(['diff', '--format', 'markdown'], r.dir);
    assert.equal(res.code, 1);
    assert.match(res.out, /^### lb-lens: traffic distribution `HEAD` → `working tree`/);
    assert.match(res.out, /\*\*`location \/`\*\* in `nginx\.conf:11` \(server shop\.example\.com:80 → `app`\) — max shift \*\*66\.7\*\* points/);
    assert.match(res.out, /^\| server \| before \| after \| Δ \|$/m);
    assert.match(res.out, /^\| 10\.0\.1\.11:8080 \| 33\.3% \| 100% \| \+66\.7 \|$/m);
    assert.match(res.out, /^\| 10\.0\.1\.12:8080 \| 33\.3% \| 0% \| −33\.3 \|$/m);
    assert.match(res.out, /\*\*New findings\*\*\n\n- 🔴 error \*\*LB101\*\* `nginx\.conf:12` All traffic of location \//);
  });

  test('text: readable shares before → after, and the summary', (t) => {
    const r = repo();
    t.after(r.cleanup);
    r.write({ 'nginx.conf': BALANCED });
    r.commit('balanced');
    r.write({ 'nginx.conf': INCIDENT });
    const res = run(['diff'], r.dir);
    assert.equal(res.code, 1);
    assert.match(res.out, /nginx\.conf:11 location \/ \[server shop\.example\.com:80 → app\] \(max shift 66\.7 points\)/);
    assert.match(res.out, /10\.0\.1\.11:8080\s+33\.3% →\s+100%\s+\+66\.7/);
    assert.match(res.out, /1 route\(s\) changed, 0 added, 0 removed; 0 class\(es\) of requests change destination; 1 finding\(s\) introduced, 0 resolved\./);
  });

  test('--fail-on-shift: a 16.7-point move passes at 20 and fails at 10; no threshold, no new error → 0', (t) => {
    const r = repo();
    t.after(r.cleanup);
    r.write({ 'nginx.conf': BALANCED });
    r.commit('balanced');
    r.write({ 'nginx.conf': REWEIGHTED });
    const json = JSON.parse(run(['diff', '--format', 'json'], r.dir).out);
    assert.equal(json.routes[0].maxShift, 16.7);
    assert.deepEqual(json.introduced, []);
    assert.equal(run(['diff'], r.dir).code, 0);
    assert.equal(run(['diff', '--fail-on-shift', '20'], r.dir).code, 0);
    assert.equal(run(['diff', '--fail-on-shift', '16.7'], r.dir).code, 0);
    assert.equal(run(['diff', '--fail-on-shift', '10'], r.dir).code, 1);
    assert.equal(run(['diff', '--fail-on-shift', 'lots'], r.dir).code, 2);
  });

  test('two commits: --base HEAD~1 --head HEAD, read from git even when the files are gone from disk; includes resolve in each revision', (t) => {
    const r = repo();
    t.after(r.cleanup);
    const main = BALANCED.replace(/    server \{[\s\S]*?\n    \}\n/, '    include conf.d/*.conf;\n');
    const site = 'server {\n    listen 80;\n    server_name shop.example.com;\n    location / {\n        proxy_pass http://app;\n    }\n}\n';
    r.write({ 'etc/nginx.conf': main, 'etc/conf.d/site.conf': site });
    r.commit('balanced');
    r.write({ 'etc/nginx.conf': main.replace('12:8080;', '12:8080 down;').replace('13:8080;', '13:8080 down;') });
    r.commit('the incident');
    rmSync(join(r.dir, 'etc'), { recursive: true });
    const res = run(['diff', '--base', 'HEAD~1', '--head', 'HEAD', '--format', 'json'], r.dir);
    assert.equal(res.code, 1, res.err);
    const json = JSON.parse(res.out);
    assert.equal(json.head, 'HEAD');
    const route = json.routes.find((x: any) => x.name === 'location /');
    assert.equal(route.file, 'etc/conf.d/site.conf');
    assert.equal(route.maxShift, 66.7);
    // The same as `lb-lens diff REV1 REV2`: revisions as positionals (they are not paths).
    const positional = run(['diff', 'HEAD~1', 'HEAD', '--format', 'json'], r.dir);
    assert.equal(positional.code, 1, positional.err);
    assert.deepEqual({ ...JSON.parse(positional.out), base: 'x' }, { ...json, base: 'x' });
    assert.ok(json.introduced.some((d: any) => d.ruleId === 'LB101' && d.path === 'etc/conf.d/site.conf'));
    // The same two commits, restricted to another folder: nothing to compare.
    r.write({ 'other/readme.txt': 'hello\n' });
    const none = run(['diff', '--base', 'HEAD~1', '--head', 'HEAD', 'other', '--format', 'json'], r.dir);
    assert.equal(none.code, 0, none.err);
    assert.deepEqual(JSON.parse(none.out).routes, []);
  });

  test('a commit that only moves lines changes nothing; routes and findings pair up by identity', (t) => {
    const r = repo();
    t.after(r.cleanup);
    r.write({ 'nginx.conf': INCIDENT });
    r.commit('incident');
    r.write({ 'nginx.conf': `# moved down by a comment block\n#\n\n${INCIDENT}` });
    const res = run(['diff', '--format', 'json'], r.dir);
    assert.equal(res.code, 0, res.out);
    const json = JSON.parse(res.out);
    assert.ok(json.routes.every((x: any) => x.status === 'unchanged' && x.maxShift === 0), res.out);
    assert.deepEqual([json.introduced, json.resolved], [[], []]);
    assert.match(run(['diff', '--format', 'markdown'], r.dir).out, /No change to the traffic distribution, and no new findings\./);
  });

  test('the fix of the incident: findings resolved, exit 0 even with large shifts when no threshold is given', (t) => {
    const r = repo();
    t.after(r.cleanup);
    r.write({ 'nginx.conf': INCIDENT });
    r.commit('incident');
    r.write({ 'nginx.conf': BALANCED });
    const res = run(['diff', '--format', 'json'], r.dir);
    assert.equal(res.code, 0);
    const json = JSON.parse(res.out);
    assert.ok(json.resolved.some((d: any) => d.ruleId === 'LB101'));
    assert.equal(run(['diff', '--fail-on-shift', '50'], r.dir).code, 1);
  });

  test('routes that appear or vanish, and a route that becomes unreachable (LB104) fails', (t) => {
    const r = repo();
    t.after(r.cleanup);
    r.write({ 'nginx.conf': BALANCED });
    r.commit('balanced');
    const changed = BALANCED
      .replace('        location / {', '        location /api/ {\n            proxy_pass http://api;\n        }\n        location / {')
      .replace('    server {', '    upstream api {\n        server 10.0.2.1:80 down;\n        server 10.0.2.2:80 down;\n    }\n    server {');
    r.write({ 'nginx.conf': changed });
    const res = run(['diff', '--format', 'json'], r.dir);
    assert.equal(res.code, 1);
    const json = JSON.parse(res.out);
    const api = json.routes.find((x: any) => x.name === 'location /api/');
    assert.equal(api.status, 'added');
    assert.equal(api.maxShift, null);
    assert.ok(json.introduced.some((d: any) => d.ruleId === 'LB104'));
    // …and the other way round: the route vanishes.
    r.commit('api');
    r.write({ 'nginx.conf': BALANCED });
    const back = JSON.parse(run(['diff', '--format', 'json'], r.dir).out);
    assert.equal(back.routes.find((x: any) => x.name === 'location /api/').status, 'removed');
    assert.match(run(['diff', '--format', 'markdown'], r.dir).out, /\*\*`location \/api\/`\*\* in `nginx\.conf:\d+` .* — removed/);
  });

  test('HAProxy: a server weight change shifts shares by server name', (t) => {
    const r = repo();
    t.after(r.cleanup);
    const cfg = 'defaults\n    mode http\nfrontend fe\n    bind *:80\n    default_backend be_app\nbackend be_app\n    server a 10.0.0.1:80 check\n    server b 10.0.0.2:80 check\n';
    r.write({ 'haproxy.cfg': cfg });
    r.commit('base');
    r.write({ 'haproxy.cfg': cfg.replace('10.0.0.1:80 check', '10.0.0.1:80 check weight 3') });
    const json = JSON.parse(run(['diff', '--format', 'json'], r.dir).out);
    const route = json.routes[0];
    assert.equal(route.name, 'default_backend be_app');
    assert.deepEqual(route.after.map((s: any) => [s.name, s.share]), [['a', 0.75], ['b', 0.25]]);
    assert.equal(route.maxShift, 25);
  });

  test('usage and git errors exit 2 with a clear message', (t) => {
    const r = repo();
    t.after(r.cleanup);
    r.write({ 'nginx.conf': BALANCED });
    r.commit('balanced');
    const bad = run(['diff', '--base', 'no-such-rev'], r.dir);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /unknown revision "no-such-rev"/);
    assert.equal(run(['diff', '--head', 'nope'], r.dir).code, 2);
    assert.equal(run(['diff', '--format', 'xml'], r.dir).code, 2);
    const outside = mkdtempSync(join(tmpdir(), 'lb-lens-nogit-'));
    t.after(() => rmSync(outside, { recursive: true, force: true }));
    const notRepo = run(['diff'], outside);
    assert.equal(notRepo.code, 2);
    assert.match(notRepo.err, /not a git repository/);
  });

  test('a rule change sends requests elsewhere: the moved class of requests with an example (the incident, caught in review)', (t) => {
    const r = repo();
    t.after(r.cleanup);
    const conf = (extra: string) => [
      'http {',
      '  upstream api { server 10.0.0.1:80; server 10.0.0.2:80; server 10.0.0.3:80; }',
      '  upstream web { server 10.0.0.9:80; }',
      '  server {',
      '    listen 80;',
      '    server_name shop.example.com;',
      extra,
      '    location /api/ { proxy_pass http://api; }',
      '    location / { proxy_pass http://web; }',
      '  }',
      '}',
      '',
    ].join('\n');
    r.write({ 'nginx.conf': conf('') });
    r.commit('base');
    // A regex location takes every path: nginx checks it before using the /api/ prefix.
    r.write({ 'nginx.conf': conf('    location ~ ^/ { proxy_pass http://web; }') });
    const json = JSON.parse(run(['diff', '--format', 'json'], r.dir).out);
    const moved = json.routing.filter((m: any) => m.before.pools[0]?.name === 'api');
    assert.equal(moved.length, 1, JSON.stringify(json.routing));
    assert.deepEqual(moved[0].before.pools, [{ name: 'api', share: 1, servers: 3 }]);
    assert.deepEqual(moved[0].after.pools, [{ name: 'web', share: 1, servers: 1 }]);
    assert.match(moved[0].example, /^GET (http:\/\/shop\.example\.com)?\/api\//);
    const text = run(['diff'], r.dir);
    assert.match(text.out, /Requests that change destination:\n  nginx\.conf \[[^\]]+\] GET \S*\/api\/\S* went to api \(3 servers\) via location \/api\/ \(nginx\.conf:8\), now goes to web \(1 server\) via location ~ \^\/ \(nginx\.conf:7\)/);
    const md = run(['diff', '--format', 'markdown'], r.dir);
    assert.match(md.out, /\*\*Requests that change destination\*\*/);
    assert.equal(run(['diff', '--fail-on-move'], r.dir).code, 1);
    // The same file without the change: nothing moves.
    r.write({ 'nginx.conf': conf('') });
    const same = JSON.parse(run(['diff', '--format', 'json', '--fail-on-move'], r.dir).out);
    assert.deepEqual(same.routing, []);
  });
});
