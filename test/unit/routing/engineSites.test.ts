import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelIndex } from '../../../server/src/analysis/modelIndex';
import { routeRequest } from '../../../server/src/analysis/routing/engine';
import { parseRequest } from '../../../server/src/analysis/routing/request';
import type { EntryPoint, Route, Site, TrafficModel } from '../../../server/src/model/types';

/* Generic engine features other formats may use too: TLS-only sites, sites that search other sites' routes, shared named addresses. */

const src = { uri: 'file:///m', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } } };
const entry = (id: string, binds: EntryPoint['binds']): EntryPoint => ({ id, name: `entry ${id}`, namespace: 'x', listen: [], hosts: [], source: src, selection: src, binds });
const route = (id: string, entryId: string, siteId: string, reason: string): Route => ({
  id, entryId, siteId, name: `route ${id}`, matchText: '*', match: [], catchAll: true,
  evaluation: { group: siteId, strategy: 'first-match', index: 0 }, when: { kind: 'all', of: [] },
  target: { kind: 'none', reason, response: { kind: 'direct', status: 200 } }, source: src,
});
const model = (entries: EntryPoint[], sites: Site[], routes: Route[]): TrafficModel => ({
  format: 'test', uri: 'file:///m', entries, routes, pools: [], problems: [], comments: [], mentions: [], sites, closedWorld: true, files: [],
});
const send = (m: TrafficModel, r: string) => routeRequest(m, new ModelIndex(m), parseRequest(r));

describe('routing engine: site features', () => {
  it('Site.tls: a site takes only requests with (true) or without (false) TLS on a socket that takes both', () => {
    const m = model(
      [entry('e', [{ port: 443 }])],
      [
        { id: 's-tls', entryId: 'e', name: 'tls chain', hosts: [], tls: true, source: src },
        { id: 's-plain', entryId: 'e', name: 'plain chain', hosts: [], tls: false, source: src },
      ],
      [route('r1', 'e', 's-tls', 'tls'), route('r2', 'e', 's-plain', 'plain')],
    );
    assert.equal(send(m, 'GET https://a.com/')[0].route?.id, 'r1');
    assert.equal(send(m, 'GET http://a.com:443/')[0].route?.id, 'r2');
  });

  it('Site.routesFrom: a site searches the listed sites\' routes in order; the first that takes the request wins', () => {
    const own = route('r1', 'e1', 's1', 'one');
    own.when = { kind: 'test', field: 'path', match: { op: 'prefix', value: '/a' } };
    const m = model(
      [entry('e1', []), entry('e2', [{ port: 80 }])],
      [
        { id: 's1', entryId: 'e1', name: 'one', hosts: [], source: src },
        { id: 's2', entryId: 'e1', name: 'two', hosts: [], source: src },
        { id: 'alias', entryId: 'e2', name: 'merged', hosts: [], routesFrom: ['s1', 's2'], source: src },
      ],
      [own, route('r2', 'e1', 's2', 'two')],
    );
    const [a] = send(m, 'GET http://x.com/a');
    assert.equal(a.entry.id, 'e2');
    assert.equal(a.route?.id, 'r1');
    assert.equal(send(m, 'GET http://x.com/b')[0].route?.id, 'r2');
  });

  it('entries binding any port of the same named address share it and compete by host', () => {
    const m = model(
      [entry('a', [{ address: 'mesh' }]), entry('b', [{ address: 'mesh' }])],
      [
        { id: 'sa', entryId: 'a', name: 'a', hosts: [{ kind: 'exact', value: 'a.com' }], source: src },
        { id: 'sb', entryId: 'b', name: 'b', hosts: [{ kind: 'exact', value: 'b.com' }], source: src },
      ],
      [route('ra', 'a', 'sa', 'a'), route('rb', 'b', 'sb', 'b')],
    );
    const rs = send(m, 'GET http://b.com:1234/');
    assert.equal(rs.length, 1);
    assert.equal(rs[0].route?.id, 'rb');
  });

  it('a pool the model does not define: 503 in a whole configuration, unknown (dynamic) in a partial one', () => {
    const r = route('r', 'e', 's', 'x');
    r.target = { kind: 'pool', name: 'missing', namespace: 'x', nameSource: src };
    const closed = model([entry('e', [{ port: 80 }])], [{ id: 's', entryId: 'e', name: 's', hosts: [], source: src }], [r]);
    assert.deepEqual([send(closed, 'GET http://a.com/')[0].outcome, send(closed, 'GET http://a.com/')[0].status], ['no-backend', 503]);
    const open = { ...closed, closedWorld: false };
    assert.equal(send(open, 'GET http://a.com/')[0].outcome, 'dynamic');
  });
});
