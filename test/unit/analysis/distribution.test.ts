import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeDistribution } from '../../../server/src/analysis/distribution';
import { ModelIndex } from '../../../server/src/analysis/modelIndex';
import type { Pool, Server } from '../../../server/src/model/types';
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

// ---- priority levels (Envoy) ----------------------------------------------------------------------------------

type LevelServer = string | { address: string; weight?: number; state?: Server['state']; degraded?: boolean };

/**
 * A `priority-levels` pool: `levels[p]` are the servers of priority p (servers above 0 are standby, state
 * `backup`, as a format lowers them). Returns the pool and a route to it.
 */
function priorityPool(levels: LevelServer[][], opts: Partial<Pick<Pool, 'overprovisioningFactor' | 'weightedPriorityHealth'>> = {}) {
  const t = new TestModel();
  const specs = levels.flatMap((servers, p) => servers.map((s) => {
    const spec = typeof s === 'string' ? { address: s } : s;
    return { p, degraded: spec.degraded, server: { ...spec, state: spec.state ?? (p > 0 || spec.degraded ? 'backup' as const : 'active' as const) } };
  }));
  const pool = t.pool('cluster', specs.map((x) => x.server), { backupPolicy: 'priority-levels', algorithm: 'round_robin' });
  Object.assign(pool, opts);
  specs.forEach((x, i) => {
    if (x.p > 0) pool.servers[i].priority = x.p;
    if (x.degraded) pool.servers[i].degraded = true;
  });
  t.route('r', 'cluster');
  const byAddress = (addresses: string[]) => addresses.map((a) => pool.servers.find((s) => s.address === a)!.id);
  return { t, pool, byAddress };
}

/** Sum of the shares per priority level, in percent. */
function levelLoads(t: TestModel, failed: string[] = []): number[] {
  const d = routeDistribution(t.model.routes[0], new ModelIndex(t.model), new Set(failed));
  const loads = new Array<number>(Math.max(0, ...d.shares.map((s) => (s.server.priority ?? 0) + 1))).fill(0);
  for (const s of d.shares) {
    const p = s.server.priority ?? 0;
    loads[p] = Math.round((loads[p] + s.share * 100) * 1000) / 1000;
  }
  return loads;
}

test('priority levels: all healthy → P0 takes 100%; one of two P0 endpoints failed → 50% × 1.4 = 70% stays on P0, 30% spills to P1', () => {
  const { t, byAddress } = priorityPool([['a:80', 'b:80'], ['c:80']]);
  assert.deepEqual(shares(t), { 'a:80': 0.5, 'b:80': 0.5, 'c:80': 0 });
  assert.deepEqual(shares(t, 0, byAddress(['a:80'])), { 'a:80': 0, 'b:80': 0.7, 'c:80': 0.3 });
  const d = routeDistribution(t.model.routes[0], new ModelIndex(t.model), new Set(byAddress(['a:80'])));
  assert.equal(d.backupsServing, false);
  assert.match(d.notes.join(' | '), /cluster: priority levels by health \(overprovisioning factor 1\.4\): priority 0 70%, priority 1 30%/);
});

test('priority levels: a level keeps everything while ≥ ~71.4% of it is healthy (5 of 7 × 1.4 = 100), 4 of 7 → 80%', () => {
  const { t, byAddress } = priorityPool([['a:80', 'b:80', 'c:80', 'd:80', 'e:80', 'f:80', 'g:80'], ['z:80']]);
  assert.deepEqual(levelLoads(t, byAddress(['a:80', 'b:80'])), [100, 0]);
  assert.deepEqual(levelLoads(t, byAddress(['a:80', 'b:80', 'c:80'])), [80, 20]);
});

test('priority levels: a custom overprovisioning factor (percent): 100 → the level keeps exactly its healthy share; 200 → 1 of 2 is enough', () => {
  const exact = priorityPool([['a:80', 'b:80'], ['c:80']], { overprovisioningFactor: 100 });
  assert.deepEqual(shares(exact.t, 0, exact.byAddress(['a:80'])), { 'a:80': 0, 'b:80': 0.5, 'c:80': 0.5 });
  const generous = priorityPool([['a:80', 'b:80'], ['c:80']], { overprovisioningFactor: 200 });
  assert.deepEqual(shares(generous.t, 0, generous.byAddress(['a:80'])), { 'a:80': 0, 'b:80': 1, 'c:80': 0 });
  const three = priorityPool([['a:80', 'b:80', 'c:80', 'd:80'], ['e:80']], { overprovisioningFactor: 120 });
  // 1 of 4 healthy: 25 × 1.2 = 30%.
  assert.deepEqual(levelLoads(three.t, three.byAddress(['a:80', 'b:80', 'c:80'])), [30, 70]);
});

test('priority levels: every P0 endpoint failed → P1 takes everything ("backups serving"); every level failed → no server', () => {
  const { t, byAddress } = priorityPool([['a:80', 'b:80'], ['c:80', 'd:80']]);
  const d = routeDistribution(t.model.routes[0], new ModelIndex(t.model), new Set(byAddress(['a:80', 'b:80'])));
  assert.deepEqual(d.shares.map((s) => s.share), [0, 0, 0.5, 0.5]);
  assert.equal(d.backupsServing, true);
  assert.match(d.notes.join(' | '), /priority 1 100%/);
  assert.match(d.notes.join(' | '), /backup servers are serving/);
  const none = routeDistribution(t.model.routes[0], new ModelIndex(t.model), new Set(byAddress(['a:80', 'b:80', 'c:80', 'd:80'])));
  assert.equal(none.served, 0);
  assert.match(none.notes.join(' | '), /panic mode .* \(not modelled\)/);
});

test('priority levels: three levels spill in order; a missing level number is skipped (priorities 0, 2)', () => {
  // P0 1 of 4 healthy (35%), P1 1 of 4 healthy (35%), P2 healthy: the documented 35% / 35% / 30%.
  const { t, byAddress } = priorityPool([['a:80', 'b:80', 'c:80', 'd:80'], ['e:80', 'f:80', 'g:80', 'h:80'], ['i:80']]);
  assert.deepEqual(levelLoads(t), [100, 0, 0]);
  assert.deepEqual(levelLoads(t, byAddress(['a:80', 'b:80', 'c:80', 'e:80', 'f:80', 'g:80'])), [35, 35, 30]);
  // P2 is not reached while P0 + P1 are healthy enough: P0 50% → 70%, P1 healthy → 30%.
  assert.deepEqual(levelLoads(t, byAddress(['a:80', 'b:80'])), [70, 30, 0]);
  const gap = priorityPool([['a:80', 'b:80'], [], ['c:80']]);
  assert.deepEqual(levelLoads(gap.t, gap.byAddress(['a:80'])), [70, 0, 30]);
});

test('priority levels: the documented tables, with the normalisation below 100% total health (weighted_priority_health)', () => {
  // Each level is two servers whose weights give its healthy percentage; the second one fails.
  const level = (healthy: number, p: number): LevelServer[] =>
    healthy === 100 ? [{ address: `h${p}:80`, weight: 100 }] : [{ address: `h${p}:80`, weight: healthy }, { address: `x${p}:80`, weight: 100 - healthy }];
  const run = (healthy: number[]) => {
    const { t, byAddress } = priorityPool(healthy.map(level), { weightedPriorityHealth: true });
    return levelLoads(t, byAddress(healthy.flatMap((h, p) => (h === 100 ? [] : [`x${p}:80`]))));
  };
  // arch_overview/upstream/load_balancing/priority: P=0 / P=1 healthy → traffic to P=0 / P=1.
  assert.deepEqual(run([72, 100]), [100, 0]);
  assert.deepEqual(run([71, 100]), [99, 1]);
  assert.deepEqual(run([50, 100]), [70, 30]);
  assert.deepEqual(run([25, 100]), [35, 65]);
  assert.deepEqual(run([71, 71]), [99, 1]);
  assert.deepEqual(run([50, 50]), [70, 30]);
  // Health 35 + 35 = 70 < 100: normalised to 50% / 50%.
  assert.deepEqual(run([25, 25]), [50, 50]);
  assert.deepEqual(run([25, 25, 100]), [35, 35, 30]);
  // Health 35 + 35 + 28 = 98: normalised and rounded to integer percents, 36% / 36% / 28%.
  assert.deepEqual(run([25, 25, 20]), [36, 36, 28]);
});

test('priority levels: health counts endpoints by default, weights with weightedPriorityHealth; a level shares its load by weight', () => {
  const spec: LevelServer[][] = [[{ address: 'a:80', weight: 3 }, { address: 'b:80', weight: 1 }, { address: 'c:80', weight: 1 }], ['d:80']];
  // Count: 2 of 3 healthy → floor(66.7 × 1.4) = 93% on P0, split 3:1.
  const byCount = priorityPool(spec);
  assert.deepEqual(shares(byCount.t, 0, byCount.byAddress(['c:80'])), { 'a:80': 0.698, 'b:80': 0.233, 'c:80': 0, 'd:80': 0.07 });
  // Weight: 4 of 5 healthy → 80% × 1.4 ≥ 100: P0 keeps everything.
  const byWeight = priorityPool(spec, { weightedPriorityHealth: true });
  assert.deepEqual(shares(byWeight.t, 0, byWeight.byAddress(['c:80'])), { 'a:80': 0.75, 'b:80': 0.25, 'c:80': 0, 'd:80': 0 });
});

test('priority levels: endpoints marked down count as unhealthy members of their level', () => {
  const { t } = priorityPool([['a:80', { address: 'b:80', state: 'down' }], ['c:80']]);
  assert.deepEqual(shares(t), { 'a:80': 0.7, 'b:80': 0, 'c:80': 0.3 });
});

test('priority levels: degraded endpoints only take what the healthy ones of all levels cannot (documented table)', () => {
  // P0 71% healthy / 29% degraded: healthy 99%, degraded 1%; 25% / 65% / 10% unhealthy: 35% / 65%.
  const run = (healthy: number, degraded: number) => {
    const servers: LevelServer[] = [{ address: 'h:80', weight: healthy }, { address: 'd:80', weight: degraded, degraded: true }];
    if (healthy + degraded < 100) servers.push({ address: 'x:80', weight: 100 - healthy - degraded, state: 'down' });
    const { t } = priorityPool([servers], { weightedPriorityHealth: true });
    const s = shares(t);
    return [Math.round(s['h:80'] * 100), Math.round(s['d:80'] * 100)];
  };
  assert.deepEqual(run(100, 0), [100, 0]);
  assert.deepEqual(run(71, 29), [99, 1]);
  assert.deepEqual(run(25, 65), [35, 65]);
  // 5% healthy, the rest unhealthy: the normalisation gives the healthy host everything.
  assert.deepEqual(run(5, 0), [100, 0]);
  // A degraded host counts in its level's total: 2 healthy of 3 → 93%, the degraded one takes the other 7%.
  const some = priorityPool([['a:80', 'b:80', { address: 'c:80', degraded: true }]]);
  assert.deepEqual(shares(some.t), { 'a:80': 0.465, 'b:80': 0.465, 'c:80': 0.07 });
  // 4 healthy of 5 (80% × 1.4 ≥ 100) keep it idle; it is standby (state backup) for the rules.
  const { t, pool } = priorityPool([['a:80', 'b:80', 'c:80', 'd:80', { address: 'e:80', degraded: true }]]);
  assert.deepEqual(shares(t), { 'a:80': 0.25, 'b:80': 0.25, 'c:80': 0.25, 'd:80': 0.25, 'e:80': 0 });
  assert.equal(pool.servers[4].state, 'backup');
});
