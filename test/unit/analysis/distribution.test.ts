import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeDistribution } from '../../../server/src/analysis/distribution';
import { ModelIndex } from '../../../server/src/analysis/modelIndex';
import { TestModel } from '../../helpers/model';

function shares(t: TestModel, routeIdx = 0, failed: string[] = []) {
  const index = new ModelIndex(t.model);
  const d = routeDistribution(t.model.routes[routeIdx], index, new Set(failed));
  return Object.fromEntries(d.shares.map((s) => [s.server.name ?? s.server.address, Math.round(s.share * 1000) / 1000]));
}

test('weighted round robin: shares follow weights among active servers', () => {
  const t = new TestModel();
  t.pool('b', [{ address: 'a:80', weight: 3 }, { address: 'b:80', weight: 1 }]);
  t.route('r', 'b');
  assert.deepEqual(shares(t), { 'a:80': 0.75, 'b:80': 0.25 });
});

test('down, disabled and weight-0 servers get nothing; backups wait while a primary is up', () => {
  const t = new TestModel();
  t.pool('b', [
    'a:80',
    { address: 'b:80', state: 'down' },
    { address: 'c:80', state: 'disabled' },
    { address: 'd:80', weight: 0 },
    { address: 'e:80', state: 'backup' },
  ]);
  t.route('r', 'b');
  assert.deepEqual(shares(t), { 'a:80': 1, 'b:80': 0, 'c:80': 0, 'd:80': 0, 'e:80': 0 });
});

test('backups take over when every primary failed: all by weight (nginx, HAProxy allbackups)', () => {
  const t = new TestModel();
  t.pool('b', ['a:80', { address: 'b:80', state: 'backup', weight: 1 }, { address: 'c:80', state: 'backup', weight: 3 }], { backupPolicy: 'all' });
  t.route('r', 'b');
  const id = t.model.pools[0].servers[0].id;
  assert.deepEqual(shares(t, 0, [id]), { 'a:80': 0, 'b:80': 0.25, 'c:80': 0.75 });
});

test('HAProxy default backup policy: only the first backup serves', () => {
  const t = new TestModel();
  t.pool('b', ['a:80', { address: 'b:80', state: 'backup' }, { address: 'c:80', state: 'backup' }], { backupPolicy: 'first' });
  t.route('r', 'b');
  const id = t.model.pools[0].servers[0].id;
  assert.deepEqual(shares(t, 0, [id]), { 'a:80': 0, 'b:80': 1, 'c:80': 0 });
});

test('balance first: the first usable server takes everything, the next one when it fails', () => {
  const t = new TestModel();
  t.pool('b', ['a:80', 'b:80', 'c:80'], { shareModel: 'first', algorithm: 'first' });
  t.route('r', 'b');
  assert.deepEqual(shares(t), { 'a:80': 1, 'b:80': 0, 'c:80': 0 });
  assert.deepEqual(shares(t, 0, [t.model.pools[0].servers[0].id]), { 'a:80': 0, 'b:80': 1, 'c:80': 0 });
});

test('a split divides the route by part weight, then each pool by server weight', () => {
  const t = new TestModel();
  t.pool('v1', ['a:80', 'b:80']);
  t.pool('v2', ['c:80']);
  t.route('r', { split: [['v1', 90], ['v2', 10]] });
  assert.deepEqual(shares(t), { 'a:80': 0.45, 'b:80': 0.45, 'c:80': 0.1 });
});

test('a dead split part loses its share (served < 1) instead of shifting it', () => {
  const t = new TestModel();
  t.pool('v1', ['a:80']);
  t.pool('v2', [{ address: 'c:80', state: 'down' }]);
  t.route('r', { split: [['v1', 50], ['v2', 50]] });
  const d = routeDistribution(t.model.routes[0], new ModelIndex(t.model));
  assert.equal(d.served, 0.5);
  assert.match(d.notes.join(' '), /50% of requests reach no server/);
});

test('unresolved, dynamic and static routes have no servers', () => {
  const t = new TestModel();
  t.route('r1', 'missing');
  t.route('r2', { kind: 'dynamic', text: '$up', nameSource: t.at() });
  t.route('r3', null);
  const index = new ModelIndex(t.model);
  assert.deepEqual(t.model.routes.map((r) => routeDistribution(r, index).kind), ['unresolved', 'dynamic', 'none']);
});
