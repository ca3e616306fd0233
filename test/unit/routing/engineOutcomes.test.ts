import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelIndex } from '../../../server/src/analysis/modelIndex';
import { routeRequest } from '../../../server/src/analysis/routing/engine';
import { parseRequest } from '../../../server/src/analysis/routing/request';
import { ModelBuilder } from '../../../server/src/model/builder';
import type { RouteTarget } from '../../../server/src/model/types';

/** Format-neutral outcomes: a route without backend that answers a status, and the share of a split whose pool is missing. */
function model(target: RouteTarget, undefinedPoolStatus?: number) {
  const b = new ModelBuilder('test', 'file:///m');
  const at = b.ref({ start: { line: 0, character: 0 }, end: { line: 0, character: 1 } });
  const pool = b.pool({
    name: 'web', namespace: 'ns', kind: 'pool', synthesized: false, algorithm: 'rr', shareModel: 'weighted', backupPolicy: 'all',
    healthCheck: { active: false, passive: false }, source: at, nameSource: at,
  });
  b.server(pool, { address: '10.0.0.1:80', addressKey: '10.0.0.1:80', weight: 1, state: 'active', kind: 'ip', source: at });
  const entry = b.entry({ name: 'entry e', namespace: 'ns', listen: [], hosts: [], source: at, selection: at, ...(undefinedPoolStatus ? { undefinedPoolStatus } : {}) });
  b.route({ entryId: entry.id, name: 'route r', matchText: '*', match: [], catchAll: true, evaluation: { group: 'g', strategy: 'first-match', index: 0 }, target, source: at });
  const m = b.model;
  return routeRequest(m, new ModelIndex(m), parseRequest('GET http://a.com/'));
}

describe('routing engine: outcomes', () => {
  it('a route whose response is `no-backend` yields outcome no-backend with its status', () => {
    const [r] = model({ kind: 'none', reason: 'no backendRefs', response: { kind: 'no-backend', status: 500 } });
    assert.deepEqual([r.outcome, r.status, r.route?.name], ['no-backend', 500, 'route r']);
  });

  it('a split part whose pool does not exist: its share is reported with the entry\'s undefinedPoolStatus (default 503)', () => {
    const parts = [
      { name: 'web', namespace: 'ns', weight: 3, nameSource: { uri: 'file:///m', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } } } },
      { name: 'gone', namespace: 'ns', weight: 1, nameSource: { uri: 'file:///m', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } } } },
    ];
    const [r] = model({ kind: 'split', parts }, 500);
    assert.equal(r.outcome, 'pool');
    assert.deepEqual(r.unresolved, { share: 0.25, status: 500 });
    assert.deepEqual(r.pools.map((p) => [p.pool.name, p.share]), [['web', 0.75]]);
    assert.match(r.summary, /25% of requests: 500/);
    const [d] = model({ kind: 'split', parts });
    assert.deepEqual(d.unresolved, { share: 0.25, status: 503 });
    const [all] = model({ kind: 'pool', name: 'gone', namespace: 'ns', nameSource: parts[0].nameSource }, 500);
    assert.deepEqual([all.outcome, all.status], ['no-backend', 500]);
  });
});
