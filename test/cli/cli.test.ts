import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { REPO } from '../helpers/lspClient';
import { tempWorkspace } from '../helpers/text';

const CLI = resolve(REPO, 'bin', 'lb-lens.js');

function run(args: string[], cwd = REPO) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('check on the bundled examples: text lines, the incident fails the run', () => {
  const r = run(['check', 'examples']);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /^examples\/incident\/nginx\.conf:\d+:\d+ error LB101 All traffic of location \/ goes to one server/m);
  assert.match(r.out, /^examples\/haproxy\/haproxy\.cfg:\d+:\d+ warning LB106 /m);
  assert.match(r.out, /\d+ findings \(\d+ errors?, /);
});

test('check --fail-on decides the exit code', () => {
  assert.equal(run(['check', 'examples/nginx', '--fail-on', 'warning']).code, 0);
  assert.equal(run(['check', 'examples/haproxy', '--fail-on', 'warning']).code, 1);
  assert.equal(run(['check', 'examples', '--fail-on', 'never']).code, 0);
});

test('check --format json follows the documented shape (1-based lines and columns)', () => {
  const r = run(['check', 'examples/incident', '--format', 'json']);
  const json = JSON.parse(r.out);
  assert.equal(json.files.length, 1);
  const f = json.files[0];
  assert.equal(f.path, 'examples/incident/nginx.conf');
  assert.equal(f.format, 'nginx');
  const d = f.diagnostics.find((d: any) => d.ruleId === 'LB101');
  assert.deepEqual(Object.keys(d).sort(), ['column', 'endColumn', 'endLine', 'line', 'message', 'ruleId', 'severity']);
  assert.equal(d.severity, 'error');
  assert.ok(d.line >= 1 && d.column >= 1);
});

test('check --format sarif: SARIF 2.1.0 with rules, regions and fingerprints', () => {
  const sarif = JSON.parse(run(['check', 'examples', '--format', 'sarif']).out);
  assert.equal(sarif.version, '2.1.0');
  const runObj = sarif.runs[0];
  assert.ok(runObj.tool.driver.rules.some((r: any) => r.id === 'LB101' && r.helpUri.endsWith('LB101.md')));
  const res = runObj.results.find((r: any) => r.ruleId === 'LB101');
  assert.equal(res.level, 'error');
  assert.equal(res.locations[0].physicalLocation.artifactLocation.uri, 'examples/incident/nginx.conf');
  assert.ok(res.locations[0].physicalLocation.region.startLine >= 1);
  assert.match(res.partialFingerprints['lbLens/v1'], /^[0-9a-f]{32}$/);
});

test('usage and I/O errors exit 2 with a clear message', () => {
  const missing = run(['check', 'no/such/dir']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /no such file or folder: no\/such\/dir/);
  assert.equal(run(['check', 'examples', '--format', 'xml']).code, 2);
  assert.equal(run(['frobnicate']).code, 2);
  assert.equal(run([]).code, 2);
  assert.equal(run(['--help']).code, 0);
  assert.equal(run(['preview', 'examples/incident/nginx.conf', '--fail', 'nosuch']).code, 2);
});

test('binary and unrelated files are skipped with their reason; nothing checkable at all is exit 2', () => {
  const ws = tempWorkspace({ 'blob.bin': '\u0000\u0001\u0002', 'notes.txt': 'hello world\n', 'haproxy.cfg': 'frontend f\n  bind :80\n  default_backend b\nbackend b\n  server a 10.0.0.1:80 check\n  server b 10.0.0.2:80 check\n' });
  const r = run(['check', '.'], ws.dir);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /0 findings .* in 1 file; 2 skipped/);
  assert.match(r.out, /^blob\.bin: skipped \(binary file\)$/m);
  assert.match(r.out, /^notes\.txt: skipped \(not a load-balancer configuration/m);
  const e = run(['check', 'blob.bin'], ws.dir);
  assert.equal(e.code, 2);
  assert.match(e.out, /^blob\.bin: skipped \(binary file\)$/m);
  assert.match(e.err, /nothing was checked/);
});

test('.lb-lens.json settings are honoured by check', () => {
  const conf = 'events {}\nhttp {\n  server {\n    listen 80;\n    location / {\n      proxy_pass http://10.0.0.1:8080;\n    }\n  }\n}\n';
  const ws = tempWorkspace({ 'nginx.conf': conf, '.lb-lens.json': '{"rules": {"LB108": "off"}}' });
  assert.doesNotMatch(run(['check', '.'], ws.dir).out, /LB108/);
  const ws2 = tempWorkspace({ 'nginx.conf': conf });
  assert.match(run(['check', '.'], ws2.dir).out, /warning LB108/);
  const bad = tempWorkspace({ 'nginx.conf': conf, '.lb-lens.json': '{"rules": ' });
  const r = run(['check', '.'], bad.dir);
  assert.equal(r.code, 2);
  assert.match(r.err, /\.lb-lens\.json: not valid JSON/);
});

test('preview: a readable table, JSON per the contract, and failure simulation', () => {
  const text = run(['preview', 'examples/incident/nginx.conf']);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /location \/api\/.*→ api/);
  assert.match(text.out, /10\.0\.2\.21:9000 +█+·* +90\.0%/);
  const json = JSON.parse(run(['preview', 'examples/incident/nginx.conf', '--format', 'json']).out);
  const route = json.files[0].routes.find((r: any) => r.name === 'location /api/');
  assert.equal(route.pool, 'api');
  assert.equal(typeof route.line, 'number');
  assert.deepEqual(route.servers.map((s: any) => [s.name, s.address, s.share]), [['10.0.2.21:9000', '10.0.2.21:9000', 0.9], ['10.0.2.22:9000', '10.0.2.22:9000', 0.1]]);
  const failed = JSON.parse(run(['preview', 'examples/incident/nginx.conf', '--format', 'json', '--fail', '10.0.1.11:8080']).out);
  const root = failed.files[0].routes.find((r: any) => r.name === 'location /');
  assert.ok(root.servers.every((s: any) => s.share === 0));
  const hap = JSON.parse(run(['preview', 'examples/haproxy/haproxy.cfg', '--format', 'json', '--fail', 'app1']).out);
  const def = hap.files[0].routes.find((r: any) => r.name === 'default_backend be_app');
  assert.deepEqual(def.servers.map((s: any) => [s.name, s.share]), [['app1', 0], ['app2', 1]]);
});
