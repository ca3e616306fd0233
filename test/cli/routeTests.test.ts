import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO } from '../helpers/lspClient';
import { tempWorkspace } from '../helpers/text';

/* `lb-lens test`: the built binary on route test files — text, JSON, JUnit, and the exit codes. */

const CLI = resolve(REPO, 'bin', 'lb-lens.js');

function run(args: string[], cwd = REPO) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const INCIDENT = readFileSync(resolve(REPO, 'examples/incident/nginx.conf'), 'utf8');
const FIXED = readFileSync(resolve(REPO, 'examples/incident-fixed/nginx.conf'), 'utf8');
const TESTS = readFileSync(resolve(REPO, 'examples/incident-fixed/routes.lbtest.yaml'), 'utf8');

test('the bundled example passes: exit 0, one line per case, a summary', () => {
  const r = run(['test', 'examples']);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /^examples\/incident-fixed\/routes\.lbtest\.yaml$/m);
  assert.match(r.out, /^ {2}✓ no single box takes the site/m);
  assert.match(r.out, /^4 tests: 4 passed$/m);
});

test('the incident breaks the example: exit 1, the failing assertions with their lines', () => {
  const ws = tempWorkspace({ 'nginx.conf': INCIDENT, 'routes.lbtest.yaml': TESTS });
  const r = run(['test'], ws.dir);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /^ {2}✗ no single box takes the site/m);
  assert.match(r.out, /^ {6}line 12: expected every server to get below 50%, got 10\.0\.1\.11:8080 100% \(pool app; route location \/ at nginx\.conf:23\)$/m);
  assert.match(r.out, /^ {2}✓ \/apifoo is not an API call/m);
  assert.match(r.out, /^4 tests: 1 passed, 3 failed$/m);
  assert.equal(r.err, '');
});

test('--format json: files, tests with status, failures (1-based), what the engine answered, a summary', () => {
  const ws = tempWorkspace({ 'nginx.conf': INCIDENT, 'routes.lbtest.yaml': TESTS });
  const r = run(['test', '.', '--format', 'json'], ws.dir);
  assert.equal(r.code, 1);
  const json = JSON.parse(r.out);
  assert.deepEqual(json.summary, { tests: 4, passed: 1, failed: 3, errors: 0, fileErrors: 0 });
  const [file] = json.files;
  assert.equal(file.path, 'routes.lbtest.yaml');
  assert.deepEqual(file.problems, []);
  const t = file.tests[0];
  assert.deepEqual(Object.keys(t), ['name', 'line', 'status', 'request', 'config', 'failures', 'actual']);
  assert.equal(t.status, 'fail');
  assert.equal(t.line, 6);
  assert.equal(t.config, 'nginx.conf');
  assert.deepEqual(t.failures[0], {
    code: 'LBT01',
    message: 'expected every server to get below 50%, got 10.0.1.11:8080 100% (pool app; route location / at nginx.conf:23)',
    line: 12, column: 9, endLine: 12, endColumn: 21,
  });
  assert.deepEqual(t.actual[0].route, { name: 'location /', file: 'nginx.conf', line: 23 });
  assert.deepEqual(t.actual[0].pools, [{ name: 'app', share: 1 }]);
  assert.equal(t.actual[0].outcome, 'pool');
  assert.equal(file.tests[3].status, 'pass');
  // Stable: the same run gives the same bytes (no timings in JSON).
  assert.equal(run(['test', '.', '--format', 'json'], ws.dir).out, r.out);
});

test('--format junit: well-formed testsuites/testsuite/testcase/failure|error with counts', async (t) => {
  let parseXml: (xml: string) => Promise<any>;
  try {
    // xml2js comes with @vscode/vsce (a devDependency); a strict parser, so malformed XML fails the test.
    const xml2js = createRequire(__filename)('xml2js');
    parseXml = (xml) => xml2js.parseStringPromise(xml, { strict: true });
  } catch {
    t.skip('xml2js is not installed (it comes with @vscode/vsce)');
    return;
  }
  const ws = tempWorkspace({
    'nginx.conf': INCIDENT,
    'routes.lbtest.yaml': TESTS.replace('name: /apifoo is not an API call (prefix /api/ needs the slash)', 'name: "<quoted> & \\"odd\\" \\u0001 name"'),
    'broken.lbtest.yml': 'config: nginx.conf\ntests:\n  - { request: "http://shop.example.com/", expect: { sever: { a: 1 } } }\n',
  });
  const r = run(['test', '--format', 'junit'], ws.dir);
  assert.equal(r.code, 2, 'a case that cannot run makes it exit 2');
  const doc = await parseXml(r.out);
  const suites = doc.testsuites;
  assert.deepEqual({ ...suites.$ }, { name: 'lb-lens route tests', tests: '5', failures: '3', errors: '1', time: suites.$.time });
  assert.match(suites.$.time, /^\d+\.\d{3}$/);
  const byName = new Map<string, any>(suites.testsuite.map((s: any) => [s.$.name, s]));
  const broken = byName.get('broken.lbtest.yml');
  assert.deepEqual([broken.$.tests, broken.$.failures, broken.$.errors], ['1', '0', '1']);
  assert.equal(broken.testcase[0].error[0].$.type, 'LBT02');
  assert.match(broken.testcase[0].error[0].$.message, /unknown key "sever"/);
  const main = byName.get('routes.lbtest.yaml');
  assert.deepEqual([main.$.tests, main.$.failures, main.$.errors, main.$.skipped], ['4', '3', '0', '0']);
  const first = main.testcase[0];
  assert.equal(first.$.classname, 'routes.lbtest.yaml');
  assert.equal(first.$.line, '6');
  assert.equal(first.failure[0].$.type, 'LBT01');
  assert.match(first.failure[0]._, /^routes\.lbtest\.yaml:12: expected every server to get below 50%/);
  const odd = main.testcase[3];
  assert.equal(odd.$.name, '<quoted> & "odd"  name', 'escaped, and a control character XML cannot hold is dropped');
  assert.equal(odd.failure, undefined);
});

test('exit 2: no test files, a missing path, a bad --format, a config that cannot be read (which one is said)', () => {
  const empty = tempWorkspace({ 'nginx.conf': FIXED });
  const none = run(['test'], empty.dir);
  assert.equal(none.code, 2);
  assert.match(none.err, /no route test files \(\*\.lbtest\.yaml, \*\.lbtest\.yml\) under \./);
  assert.equal(run(['test', 'no/such'], empty.dir).code, 2);
  assert.match(run(['test', 'no/such'], empty.dir).err, /no such file or folder: no\/such/);
  assert.equal(run(['test', '--format', 'tap']).code, 2);

  const ws = tempWorkspace({ 'a.lbtest.yaml': 'config: missing.conf\ntests:\n  - { request: /, expect: { pool: app } }\n', 'b.lbtest.yaml': 'config: notes.txt\ntests:\n  - { request: /, expect: { pool: app } }\n', 'notes.txt': 'hello\n' });
  const r = run(['test'], ws.dir);
  assert.equal(r.code, 2);
  assert.match(r.err, /2 tests could not run:/);
  assert.match(r.err, /a\.lbtest\.yaml:1: config missing\.conf: no such file/);
  assert.match(r.err, /b\.lbtest\.yaml:1: config notes\.txt: is not a recognised load-balancer configuration/);
  assert.match(r.out, /^ {2}! \/ {2}\(could not run\)$/m);
});

test('a config outside the folders being tested is not read, also through a symbolic link', () => {
  const outside = tempWorkspace({ 'nginx.conf': FIXED });
  const ws = tempWorkspace({ 't.lbtest.yaml': `config: ${join(outside.dir, 'nginx.conf')}\ntests:\n  - { request: "http://shop.example.com/", expect: { pool: app } }\n`, 'link/l.lbtest.yaml': 'config: cfg/nginx.conf\ntests:\n  - { request: "http://shop.example.com/", expect: { pool: app } }\n' });
  symlinkSync(outside.dir, join(ws.dir, 'link', 'cfg'));
  const r = run(['test', '--format', 'json'], ws.dir);
  assert.equal(r.code, 2);
  const msgs = JSON.parse(r.out).files.flatMap((f: any) => f.tests.flatMap((t: any) => t.failures.map((x: any) => x.message)));
  assert.equal(msgs.length, 2);
  for (const m of msgs) assert.match(m, /is outside the folders being tested/);
  // Given as a path to test, that folder is allowed, however it is reached.
  assert.equal(run(['test', '.', outside.dir], ws.dir).code, 0);
});

test('a file named on the command line runs whatever its name; help lists the command', () => {
  const ws = tempWorkspace({ 'nginx.conf': FIXED, 'routes.yaml': TESTS });
  const r = run(['test', 'routes.yaml'], ws.dir);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(run(['--help']).out, /lb-lens test \[files or folders…\] \[--format text\|json\|junit\]/);
});
