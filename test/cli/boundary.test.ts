/**
 * The CLI on everything a folder can hold: links out of it, FIFOs, devices, binaries, broken links, unreadable
 * files, symlink loops — each file checked or skipped with its reason in text, JSON and SARIF, nothing read
 * outside the folders given unless --allow-outside says so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Ajv from 'ajv-draft-04';
import { REPO } from '../helpers/lspClient';

const CLI = resolve(REPO, 'bin', 'lb-lens.js');
const IS_ROOT = process.getuid?.() === 0;

function run(args: string[], cwd: string, timeout = 30_000) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout });
  return { code: r.status, out: r.stdout, err: r.stderr, timedOut: r.error !== undefined };
}

const NGINX = 'events {}\nhttp {\n  upstream app {\n    server 10.0.0.1:80;\n    server 10.0.0.2:80;\n  }\n  include conf.d/*.conf;\n}\n';
const FRAGMENT = 'server {\n  listen 80;\n  location / {\n    proxy_pass http://app;\n  }\n}\n';
const SECRET = 'upstream leaked_secret_name { server 10.9.9.9:80; }\n';

/** A folder with a config and every kind of file a repository (or an attacker) can put next to it. */
function hostileWorkspace() {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'lb-lens-cli-boundary-')));
  const ws = join(base, 'ws');
  const outside = join(base, 'outside');
  mkdirSync(join(ws, 'conf.d'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.conf'), SECRET);
  writeFileSync(join(ws, 'nginx.conf'), NGINX);
  writeFileSync(join(ws, 'conf.d', 'site.conf'), FRAGMENT);
  symlinkSync('/etc/passwd', join(ws, 'conf.d', 'passwd.conf'));
  symlinkSync(join(outside, 'secret.conf'), join(ws, 'conf.d', 'secret.conf'));
  symlinkSync(outside, join(ws, 'outdir'));
  symlinkSync(join(ws, 'nowhere'), join(ws, 'broken.conf'));
  symlinkSync('.', join(ws, 'loop'));
  writeFileSync(join(ws, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]));
  writeFileSync(join(ws, 'notes.tsv'), 'a\tb\n1\t2\n');
  const fifo = spawnSync('mkfifo', [join(ws, 'pipe.conf')]).status === 0;
  return { base, ws, outside, fifo };
}

test('check: links to /etc/passwd and outside folders are never read; every file is checked or skipped with its reason', () => {
  const { ws, fifo } = hostileWorkspace();
  const r = run(['check', '.', '--format', 'json', '--fail-on', 'never'], ws);
  assert.equal(r.code, 0, r.err);
  assert.ok(!r.timedOut);
  assert.ok(!r.out.includes('root:') && !r.out.includes('leaked_secret_name'), 'no outside content in the output');
  const json = JSON.parse(r.out);
  assert.deepEqual(json.files.map((f: any) => f.path), ['conf.d/site.conf', 'nginx.conf']);
  const reasons = Object.fromEntries(json.skipped.map((s: any) => [s.path, s.reason]));
  assert.equal(reasons['conf.d/passwd.conf'], 'a symbolic link leading outside the folders checked');
  assert.equal(reasons['conf.d/secret.conf'], 'a symbolic link leading outside the folders checked');
  assert.equal(reasons.outdir, 'a symbolic link leading outside the folders checked');
  assert.equal(reasons['broken.conf'], 'a broken symbolic link');
  assert.equal(reasons.loop, 'a symbolic link to a folder already checked');
  assert.equal(reasons['logo.png'], 'binary file');
  assert.match(reasons['notes.tsv'], /^not a load-balancer configuration/);
  if (fifo) assert.equal(reasons['pipe.conf'], 'not a regular file (a FIFO)');
  // The include that met the links says so, as a warning on the include line.
  const main = json.files.find((f: any) => f.path === 'nginx.conf');
  const warnings = main.diagnostics.filter((d: any) => d.ruleId === 'LB001');
  assert.ok(warnings.length >= 2 && warnings.every((d: any) => d.severity === 'warning' && d.line === 7), JSON.stringify(warnings));
  assert.ok(warnings.some((d: any) => /passwd\.conf is not read: a symbolic link leading outside the folders checked/.test(d.message)));
});

test('check: the text output lists skipped files; SARIF carries them as tool execution notifications (schema-valid)', () => {
  const { ws } = hostileWorkspace();
  const text = run(['check', '.', '--fail-on', 'never'], ws);
  assert.match(text.out, /^conf\.d\/passwd\.conf: skipped \(a symbolic link leading outside the folders checked\)$/m);
  assert.match(text.out, /^logo\.png: skipped \(binary file\)$/m);
  assert.match(text.out, /in 2 files; \d+ skipped$/m);
  const sarif = JSON.parse(run(['check', '.', '--format', 'sarif', '--fail-on', 'never'], ws).out);
  const schema = JSON.parse(readFileSync(resolve(REPO, 'test', 'fixtures', 'sarif-2.1.0.schema.json'), 'utf8'));
  // As test/cli/sarif.test.ts validates: the schema's formats checked loosely.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  ajv.addFormat('uri', /^[a-z][a-z0-9+.-]*:\S*$/i);
  ajv.addFormat('uri-reference', /^\S*$/);
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  const validate = ajv.compile<any>(schema);
  assert.ok(validate(sarif), JSON.stringify(validate.errors?.slice(0, 5)));
  const notes = sarif.runs[0].invocations[0].toolExecutionNotifications;
  const passwd = notes.find((n: any) => n.locations[0].physicalLocation.artifactLocation.uri === 'conf.d/passwd.conf');
  assert.equal(passwd.level, 'note');
  assert.match(passwd.message.text, /symbolic link leading outside/);
  assert.equal(sarif.runs[0].invocations[0].executionSuccessful, true);
});

test('check --allow-outside reads a named outside folder (and only it)', () => {
  const { ws, outside } = hostileWorkspace();
  const r = run(['check', '.', '--format', 'json', '--fail-on', 'never', '--allow-outside', outside], ws);
  const json = JSON.parse(r.out);
  assert.ok(json.files.some((f: any) => f.path === 'conf.d/secret.conf'), r.out);
  const reasons = Object.fromEntries(json.skipped.map((s: any) => [s.path, s.reason]));
  assert.equal(reasons['conf.d/passwd.conf'], 'a symbolic link leading outside the folders checked');
  assert.equal(run(['check', '.', '--allow-outside', join(ws, 'no-such-folder')], ws).code, 2);
});

test('check: a FIFO or a device given alone is skipped and the run exits 2, never "0 findings" with 0', () => {
  const { ws, fifo } = hostileWorkspace();
  if (fifo) {
    const r = run(['check', 'pipe.conf'], ws, 10_000);
    assert.ok(!r.timedOut, 'a FIFO is never read');
    assert.equal(r.code, 2);
    assert.match(r.out, /^pipe\.conf: skipped \(not a regular file \(a FIFO\)\)$/m);
    assert.match(r.err, /nothing was checked/);
  }
  const z = run(['check', '/dev/zero', '--format', 'json'], ws, 10_000);
  assert.ok(!z.timedOut);
  assert.equal(z.code, 2);
  const skipped = JSON.parse(z.out).skipped;
  assert.equal(skipped.length, 1);
  assert.match(skipped[0].path, /(^|\/)dev\/zero$/);
  assert.equal(skipped[0].reason, 'not a regular file (a device)');
  const empty = mkdtempSync(join(tmpdir(), 'lb-lens-empty-'));
  writeFileSync(join(empty, 'README.md'), '# nothing here\n');
  assert.equal(run(['check', '.'], empty).code, 2);
});

/**
 * Unreadable files need a user that permissions apply to: as root (CI containers), the CLI is run as `nobody`
 * through setpriv(1); without setpriv the test is skipped and says why.
 */
const SETPRIV = spawnSync('setpriv', ['--version']).status === 0;
test('check: an unreadable file or folder is a skipped entry, not exit 2 without output', { skip: IS_ROOT && !SETPRIV ? 'running as root without setpriv: root reads files whatever their mode' : false }, () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'lb-lens-locked-')));
  chmodSync(base, 0o755);
  writeFileSync(join(base, 'nginx.conf'), 'events {}\nhttp {\n  server {\n    listen 80;\n    return 200;\n  }\n}\n');
  writeFileSync(join(base, 'locked.conf'), FRAGMENT);
  chmodSync(join(base, 'locked.conf'), 0o000);
  mkdirSync(join(base, 'lockeddir'));
  writeFileSync(join(base, 'lockeddir', 'x.conf'), FRAGMENT);
  chmodSync(join(base, 'lockeddir'), 0o000);
  const argv = [CLI, 'check', '.', '--format', 'json', '--fail-on', 'never'];
  const r = IS_ROOT
    ? spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...argv], { cwd: base, encoding: 'utf8' })
    : spawnSync(process.execPath, argv, { cwd: base, encoding: 'utf8' });
  chmodSync(join(base, 'lockeddir'), 0o755);
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.deepEqual(json.files.map((f: any) => f.path), ['nginx.conf']);
  const reasons = Object.fromEntries(json.skipped.map((s: any) => [s.path, s.reason]));
  assert.equal(reasons['locked.conf'], 'not readable (permission denied)');
  assert.equal(reasons.lockeddir, 'folder not readable (EACCES)');
});

test('check: two symlink loops finish, and each file is checked once', () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'lb-lens-loops-')));
  writeFileSync(join(base, 'haproxy.cfg'), 'frontend f\n  bind :80\n  default_backend b\nbackend b\n  server a 10.0.0.1:80 check\n  server c 10.0.0.2:80 check\n');
  mkdirSync(join(base, 'd'));
  symlinkSync('..', join(base, 'd', 'up'));
  symlinkSync('.', join(base, 'l1'));
  const r = run(['check', '.', '--format', 'json'], base, 20_000);
  assert.ok(!r.timedOut);
  const json = JSON.parse(r.out);
  assert.deepEqual(json.files.map((f: any) => f.path), ['haproxy.cfg']);
});

test('check: hanging globs and excludes finish fast (include *a*a*…b, include /*/*/…, exclude **a**a…**b)', () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'lb-lens-globs-')));
  mkdirSync(join(base, 'conf.d'));
  writeFileSync(join(base, 'conf.d', 'a'.repeat(64)), '');
  writeFileSync(join(base, 'nginx.conf'), 'events {}\nhttp {\n  include conf.d/*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b;\n  include /*/*/*/*/*/*/*/*/*.conf;\n}\n');
  writeFileSync(join(base, '.lb-lens.json'), JSON.stringify({ exclude: ['**a'.repeat(30) + '**b'] }));
  const t0 = Date.now();
  const r = run(['check', '.', '--fail-on', 'never'], base, 20_000);
  assert.ok(!r.timedOut && Date.now() - t0 < 15_000);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /in 1 file/);
});

test('check: a file broken past recognition is still checked as what its name says, and gets LB001', () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'lb-lens-names-')));
  mkdirSync(join(base, 'sites-enabled'));
  writeFileSync(join(base, 'sites-enabled', 'shop'), '"unterminated\n');
  writeFileSync(join(base, 'haproxy.cfg'), 'frontend f\n  bind :80\n');
  writeFileSync(join(base, 'edge.cfg'), '"unterminated\n');
  const r = run(['check', '.', '--format', 'json', '--fail-on', 'never'], base);
  const json = JSON.parse(r.out);
  const byPath = Object.fromEntries(json.files.map((f: any) => [f.path, f]));
  assert.equal(byPath['sites-enabled/shop'].format, 'nginx');
  assert.ok(byPath['sites-enabled/shop'].diagnostics.some((d: any) => d.ruleId === 'LB001'));
  assert.equal(byPath['edge.cfg'].format, 'haproxy');
  assert.ok(byPath['edge.cfg'].diagnostics.some((d: any) => d.ruleId === 'LB001'));
});

test('check --lang forces a format for the files named, not for the files found in folders', () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'lb-lens-lang-')));
  writeFileSync(join(base, 'edge.txt'), 'frontend f\n  bind :80\n  default_backend b\nbackend b\n  server a 10.0.0.1:80\n');
  writeFileSync(join(base, 'odd.txt'), 'just some text\n');
  const unforced = run(['check', 'odd.txt', '--format', 'json'], base);
  assert.equal(unforced.code, 2);
  const forced = JSON.parse(run(['check', 'odd.txt', '--lang', 'nginx', '--format', 'json', '--fail-on', 'never'], base).out);
  assert.equal(forced.files[0].format, 'nginx');
  const alb = run(['check', 'odd.txt', '--lang', 'alb', '--format', 'json', '--fail-on', 'never'], base);
  assert.equal(JSON.parse(alb.out).files[0].format, 'aws-alb');
  const walked = JSON.parse(run(['check', '.', '--lang', 'nginx', '--format', 'json', '--fail-on', 'never'], base).out);
  assert.deepEqual(walked.files.map((f: any) => [f.path, f.format]), [['edge.txt', 'haproxy']]);
  const bad = run(['check', 'odd.txt', '--lang', 'apache'], base);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /unknown --lang "apache"/);
});

test('check one.yaml reports that file: the manifests around it are context', () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'lb-lens-k8s-')));
  writeFileSync(join(base, 'gw.yaml'), 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: gw\nspec:\n  gatewayClassName: x\n  listeners:\n    - name: http\n      port: 80\n      protocol: HTTP\n');
  const route = (n: string) =>
    `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: ${n}\nspec:\n  parentRefs:\n    - name: gw\n  rules:\n    - matches:\n        - path:\n            type: PathPrefix\n            value: /\n      backendRefs:\n        - name: svc-${n}\n          port: 80\n`;
  writeFileSync(join(base, 'a.yaml'), route('a'));
  writeFileSync(join(base, 'b.yaml'), route('b'));
  const one = JSON.parse(run(['check', 'a.yaml', '--format', 'json', '--fail-on', 'never'], base).out);
  assert.deepEqual(one.files.map((f: any) => f.path), ['a.yaml']);
  const all = JSON.parse(run(['check', '.', '--format', 'json', '--fail-on', 'never'], base).out);
  assert.ok(all.files.find((f: any) => f.path === 'b.yaml').diagnostics.some((d: any) => d.ruleId === 'LB106'), 'b.yaml is reported when checked');
});

test('.lb-lens.json: not read through a link out of its folder, not looked for above the folders checked and the current folder, allowedFolders only with --config', () => {
  const { base, ws, outside } = hostileWorkspace();
  // A settings file above everything given and above the current folder is not picked up.
  writeFileSync(join(base, '.lb-lens.json'), '{"rules": {"LB108": "off"}}');
  const sub = join(ws, 'conf.d');
  const r = run(['check', '.', '--format', 'json', '--fail-on', 'never'], sub);
  assert.equal(r.code, 0, r.err);
  // A link named .lb-lens.json leading out of the folder is refused with a clear message.
  symlinkSync('/etc/passwd', join(ws, '.lb-lens.json'));
  const linked = run(['check', '.'], ws);
  assert.equal(linked.code, 2);
  assert.match(linked.err, /\.lb-lens\.json: cannot be read: a symbolic link leading outside its folder/);
  assert.ok(!linked.err.includes('root:'));
  // allowedFolders in a file found in the checked folder does not widen the boundary…
  const ws2 = join(base, 'ws2');
  mkdirSync(ws2);
  writeFileSync(join(ws2, 'nginx.conf'), 'events {}\nhttp {\n  include ../outside/*.conf;\n}\n');
  writeFileSync(join(ws2, '.lb-lens.json'), JSON.stringify({ allowedFolders: ['../outside'] }));
  const found = run(['check', '.', '--format', 'json', '--fail-on', 'never'], ws2);
  assert.ok(!found.out.includes('leaked_secret_name'));
  assert.match(found.err, /"allowedFolders" is ignored/);
  // …but does when the operator names the file with --config.
  const explicit = run(['check', '.', '--format', 'json', '--fail-on', 'never', '--config', '.lb-lens.json'], ws2);
  assert.ok(JSON.parse(explicit.out).files.some((f: any) => f.path === '../outside/secret.conf'), explicit.out + explicit.err);
  void outside;
});
