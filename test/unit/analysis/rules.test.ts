import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeModel } from '../../../server/src/analysis/analyze';
import type { AnalysisSettings } from '../../../server/src/analysis/settings';
import { RULES } from '../../../server/src/analysis/rules';
import { TestModel, opaque, prefix } from '../../helpers/model';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const run = (t: TestModel, settings?: AnalysisSettings) => analyzeModel(t.model, settings).diagnostics;
const ids = (t: TestModel, settings?: AnalysisSettings) => run(t, settings).map((d) => d.ruleId);
const only = (t: TestModel, rule: string) => run(t).filter((d) => d.ruleId === rule);

test('every rule has metadata and a docs page with a bad and a fixed example', () => {
  for (const r of RULES) {
    assert.match(r.meta.id, /^LB\d{3}$/);
    assert.ok(r.meta.title && r.meta.name);
    const doc = resolve(__dirname, '../../../docs/rules', `${r.meta.id}.md`);
    assert.ok(existsSync(doc), `docs/rules/${r.meta.id}.md exists`);
    const text = readFileSync(doc, 'utf8');
    assert.match(text, new RegExp(`^# ${r.meta.id}`), `${r.meta.id} doc starts with its id`);
    assert.match(text, /## Bad/i, `${r.meta.id} doc has a bad example`);
    assert.match(text, /## Fixed/i, `${r.meta.id} doc has a fixed example`);
  }
});

test('LB101 bad: all traffic to one server because the others are down / weight 0', () => {
  const t = new TestModel();
  t.pool('web', ['10.0.0.1:80', { address: '10.0.0.2:80', state: 'down' }, { address: '10.0.0.3:80', weight: 0 }]);
  t.route('location /', 'web', { catchAll: true });
  const [d] = only(t, 'LB101');
  assert.equal(d.severity, 'error');
  assert.match(d.message, /10\.0\.0\.1:80 \(100%\).*defines 3.*10\.0\.0\.2:80 is marked down.*10\.0\.0\.3:80 is weight 0/);
  assert.ok(d.related!.length >= 3);
});

test('LB101 good: two active servers; an active/passive pair is information, not an error', () => {
  const ok = new TestModel();
  ok.pool('web', ['10.0.0.1:80', '10.0.0.2:80']);
  ok.route('r', 'web');
  assert.deepEqual(only(ok, 'LB101'), []);
  const ap = new TestModel();
  ap.pool('db', ['10.0.0.1:80', { address: '10.0.0.2:80', state: 'backup' }]);
  ap.route('r', 'db');
  const [d] = only(ap, 'LB101');
  assert.equal(d.severity, 'info');
  assert.match(d.message, /backups only take over when it fails/);
});

test('LB101 stays quiet for balance first (concentrates by design) and logical services', () => {
  const t = new TestModel();
  t.pool('f', ['10.0.0.1:80', { address: '10.0.0.2:80', state: 'down' }], { shareModel: 'first' });
  t.route('r', 'f');
  t.pool('svc', [{ address: 'svc-a', kind: 'service' }, { address: 'svc-b', kind: 'service', weight: 0 }]);
  t.route('r2', 'svc');
  assert.deepEqual(only(t, 'LB101'), []);
});

test('LB102 bad: 90/10 reaches the 80% threshold; good: 60/40; threshold is configurable', () => {
  const bad = new TestModel();
  bad.pool('web', [{ address: '10.0.0.1:80', weight: 9 }, '10.0.0.2:80']);
  bad.route('r', 'web');
  const [d] = only(bad, 'LB102');
  assert.match(d.message, /10\.0\.0\.1:80 receives 90% of r \(threshold 80%\)/);
  assert.deepEqual(ids(bad, { rules: { LB102: { threshold: 0.95 } } }).filter((i) => i === 'LB102'), []);
  const good = new TestModel();
  good.pool('web', [{ address: '10.0.0.1:80', weight: 3 }, { address: '10.0.0.2:80', weight: 2 }]);
  good.route('r', 'web');
  assert.deepEqual(only(good, 'LB102'), []);
});

test('LB102 counts exactly the threshold (4:1 = 80%)', () => {
  const t = new TestModel();
  t.pool('web', [{ address: '10.0.0.1:80', weight: 4 }, '10.0.0.2:80']);
  t.route('r', 'web');
  assert.equal(only(t, 'LB102').length, 1);
});

test('LB103 bad: undefined pool with a suggestion; good: defined; quiet in an open world', () => {
  const bad = new TestModel();
  bad.pool('backend', ['10.0.0.1:80', '10.0.0.2:80']);
  bad.route('r', 'bakend');
  const [d] = only(bad, 'LB103');
  assert.equal(d.severity, 'error');
  assert.match(d.message, /"bakend" is not defined; did you mean "backend"\?/);
  bad.model.closedWorld = false;
  assert.deepEqual(only(bad, 'LB103'), []);
  const good = new TestModel();
  good.pool('backend', ['10.0.0.1:80', '10.0.0.2:80']);
  good.route('r', 'backend');
  assert.deepEqual(only(good, 'LB103'), []);
});

test('LB103 warns on a host name one letter away from a pool (likely typo), not on real host names', () => {
  const t = new TestModel();
  t.pool('backend', ['10.0.0.1:80', '10.0.0.2:80']);
  t.route('r', { address: 'bakend' });
  t.route('r2', { address: 'api.example.com' });
  t.route('r3', { address: 'frontend-app' });
  const ds = only(t, 'LB103');
  assert.equal(ds.length, 1);
  assert.equal(ds[0].severity, 'warning');
});

test('LB104 bad: empty pool, everything down; good: a backup still serves', () => {
  const t = new TestModel();
  t.pool('empty', []);
  t.pool('dead', [{ address: '10.0.0.1:80', state: 'down' }, { address: '10.0.0.2:80', weight: 0 }]);
  t.pool('ok', [{ address: '10.0.0.1:80', state: 'down' }, { address: '10.0.0.2:80', state: 'backup' }]);
  t.route('r1', 'empty');
  t.route('r2', 'dead');
  t.route('r3', 'ok');
  const ds = only(t, 'LB104');
  assert.deepEqual(ds.map((d) => d.message.split(' ')[0]), ['r1', 'r2']);
  assert.match(ds[0].message, /"empty" has no servers/);
});

test('LB105 bad: same address twice (default port made explicit); good: other ports', () => {
  const t = new TestModel();
  t.pool('web', ['10.0.0.1', '10.0.0.1:80', '10.0.0.1:81', { address: '10.0.0.1:81', state: 'disabled' }]);
  t.route('r', 'web');
  const ds = only(t, 'LB105');
  assert.equal(ds.length, 1);
  assert.equal(ds[0].range.start.line, t.model.pools[0].servers[1].source.range.start.line);
});

test('LB106 bad: an unconditional rule shadows later ones, a repeated condition is shadowed; good: distinct', () => {
  const t = new TestModel();
  t.pool('a', ['10.0.0.1:80', '10.0.0.2:80']);
  t.route('use a if api', 'a', { match: [opaque('is_api')] });
  t.route('use a if api again', 'a', { match: [opaque('is_api')] });
  t.route('use a if static', 'a', { match: [opaque('is_static')] });
  t.route('use a', 'a');
  t.route('default', 'a', { catchAll: true, index: 100 });
  const ds = only(t, 'LB106');
  assert.deepEqual(ds.map((d) => d.message.split(' can never')[0]), ['use a if api again', 'default']);
  assert.deepEqual(ds[0].tags, ['unnecessary']);
});

test('LB106 understands prefixes: /api shadows /api/v1 but not /ap; longest-prefix groups never shadow', () => {
  const t = new TestModel();
  t.route('/api', null, { match: [prefix('/api')] });
  t.route('/api/v1', null, { match: [prefix('/api/v1')] });
  t.route('/ap', null, { match: [prefix('/ap')] });
  t.route('/x', null, { match: [prefix('/x')], strategy: 'longest-prefix', group: 'p' });
  t.route('/x/y', null, { match: [prefix('/x/y')], strategy: 'longest-prefix', group: 'p' });
  assert.deepEqual(only(t, 'LB106').map((d) => d.message.split(' ')[0]), ['/api/v1']);
});

test('LB106: a preempting group (nginx regexes before prefix locations) shadows a covered prefix route', () => {
  const t = new TestModel();
  t.route('location ~ /', null, { match: [{ field: 'path', op: 'regex', value: '/' }], group: 'regex' });
  t.route('location /api/', null, { match: [prefix('/api/')], strategy: 'longest-prefix', group: 'prefix' });
  t.model.routes[1].evaluation.preemptedBy = 'regex';
  t.route('location = /x', null, { match: [{ field: 'path', op: 'exact', value: '/x' }], strategy: 'exact', group: 'exact' });
  assert.deepEqual(only(t, 'LB106').map((d) => d.message), ['location /api/ can never match: location ~ / (line 3) takes all its requests first. For example GET /api/.']);
});

test('LB107 bad: servers without health checking (all, or some); good: passive or active checks everywhere', () => {
  const t = new TestModel();
  t.pool('nochk', ['10.0.0.1:80', '10.0.0.2:80'], { healthCheck: { active: false, passive: false } });
  t.pool('srvchk', [{ address: '10.0.0.1:80', check: true }, '10.0.0.2:80'], { healthCheck: { active: false, passive: false } });
  t.pool('passive', ['10.0.0.1:80', '10.0.0.2:80']);
  t.pool('single', ['10.0.0.1:80'], { healthCheck: { active: false, passive: false } });
  t.pool('allchk', [{ address: '10.0.0.1:80', check: true }, { address: '10.0.0.2:80', check: true }], { healthCheck: { active: false, passive: false } });
  const ds = only(t, 'LB107');
  assert.deepEqual(ds.map((d) => d.message.split('"')[1]), ['nochk', 'srvchk']);
  assert.match(ds[1].message, /1 of the 2 servers of "srvchk" have no health check \(10\.0\.0\.2:80\)/);
});

test('LB108: warning on the catch-all, info elsewhere; quiet for loopback, unix sockets and multi-address names', () => {
  const t = new TestModel();
  t.pool('one', ['10.0.0.1:80']);
  t.route('location /', 'one', { catchAll: true });
  t.route('location /api', 'one');
  t.route('local', { address: '127.0.0.1:8080' });
  t.route('sock', { address: 'unix:/run/app.sock' });
  t.pool('dns', [{ address: 'app.internal', mayBeMultiple: true }]);
  t.route('dns', 'dns');
  const ds = only(t, 'LB108');
  assert.deepEqual(ds.map((d) => [d.message.split(' is served')[0], d.severity]), [['location /', 'warning'], ['location /api', 'info']]);
});

test('LB110: unused pool is a hint tagged unnecessary; quiet when referenced elsewhere, in an open world or with dynamic routes', () => {
  const t = new TestModel();
  t.pool('used', ['10.0.0.1:80', '10.0.0.2:80']);
  t.pool('unused', ['10.0.0.1:80', '10.0.0.2:80']);
  t.pool('tracked', ['10.0.0.1:80'], { referencedElsewhere: true });
  t.route('r', 'used');
  const [d] = only(t, 'LB110');
  assert.equal(d.severity, 'hint');
  assert.deepEqual(d.tags, ['unnecessary']);
  assert.match(d.message, /"unused"/);
  t.route('dyn', { kind: 'dynamic', text: '%[var(txn.be)]', nameSource: t.at() });
  assert.deepEqual(only(t, 'LB110'), []);
});

test('LB111: two pools with one name, two rules with one priority, two identical longest-prefix matches', () => {
  const t = new TestModel();
  t.pool('web', ['10.0.0.1:80', '10.0.0.2:80']);
  t.pool('web', ['10.0.0.3:80', '10.0.0.4:80']);
  t.route('p1', 'web', { priority: 10, match: [opaque('a')] });
  t.route('p2', 'web', { priority: 10, match: [opaque('b')] });
  t.route('/x', null, { match: [prefix('/x')], strategy: 'longest-prefix', group: 'p' });
  t.route('/x again', null, { match: [prefix('/x')], strategy: 'longest-prefix', group: 'p' });
  const ds = only(t, 'LB111');
  assert.equal(ds.length, 3);
  assert.match(ds[0].message, /"web" is defined more than once/);
  assert.match(ds[1].message, /same priority 10/);
  assert.match(ds[2].message, /same match/);
});

test('settings: a rule can be turned off or re-graded', () => {
  const t = new TestModel();
  t.pool('one', ['10.0.0.1:80']);
  t.route('location /', 'one', { catchAll: true });
  assert.deepEqual(ids(t, { rules: { LB108: 'off' } }), []);
  assert.equal(run(t, { rules: { LB108: 'error' } })[0].severity, 'error');
  assert.equal(run(t, { rules: { LB108: { severity: 'hint' } } })[0].severity, 'hint');
});

test('suppression: disable-next-line, disable inside a block, disable/enable ranges', () => {
  const t = new TestModel();
  t.comment('# lb-lens-disable-next-line LB108');
  t.pool('one', ['10.0.0.1:80']);
  t.route('location /', 'one', { catchAll: true }); // line after the pool header: not suppressed
  assert.deepEqual(ids(t), ['LB108']);

  const t2 = new TestModel();
  t2.pool('one', ['10.0.0.1:80']);
  t2.comment('# lb-lens-disable-next-line LB108');
  t2.route('location /', 'one', { catchAll: true });
  assert.deepEqual(ids(t2), []);

  const t3 = new TestModel();
  t3.comment('# lb-lens-disable LB108, LB110');
  t3.pool('one', ['10.0.0.1:80']);
  t3.route('r', 'one', { catchAll: true });
  t3.comment('# lb-lens-enable LB108');
  t3.route('r2', 'one', { catchAll: true, group: 'other' });
  assert.deepEqual(ids(t3), ['LB108']);
  assert.equal(run(t3)[0].message.split(' ')[0], 'r2');

  // A typo in the id suppresses nothing (rather than everything); a reason may follow "--".
  const t4 = new TestModel();
  t4.pool('one', ['10.0.0.1:80']);
  t4.comment('# lb-lens-disable-next-line LB1O8');
  t4.route('r', 'one', { catchAll: true });
  t4.comment('# lb-lens-disable-next-line LB108 -- a single test box is fine here');
  t4.route('r2', 'one', { catchAll: true, group: 'other' });
  assert.deepEqual(run(t4).map((d) => d.message.split(' ')[0]), ['r']);
});

test('one definition standing for two routes (a Gateway API route on two listeners) gives each finding once', () => {
  const t = new TestModel();
  t.pool('backend', ['10.0.0.1:80', '10.0.0.2:80']);
  const first = t.route('r', 'bakend');
  const second = t.route('r', 'bakend');
  // The second route is the same definition seen from another listener: same source, same target name.
  second.source = first.source;
  second.target = first.target;
  assert.equal(only(t, 'LB103').length, 1);
  second.source = { uri: first.source.uri, range: { start: { line: 99, character: 0 }, end: { line: 99, character: 5 } } };
  second.target = { ...first.target, nameSource: second.source } as typeof first.target;
  assert.equal(only(t, 'LB103').length, 2, 'findings at two places stay two');
});
