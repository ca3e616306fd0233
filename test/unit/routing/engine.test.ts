import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate, globMatches, cidrContains } from '../../../server/src/analysis/routing/condition';
import { parseRequest, RequestError } from '../../../server/src/analysis/routing/request';
import { regexMatches, toLanguageSource } from '../../../server/src/analysis/routing/regex';
import { routes, where } from '../../helpers/routing';
import { routeRequest } from '../../../server/src/analysis/routing/engine';
import { ModelIndex } from '../../../server/src/analysis/modelIndex';

describe('routing engine: requests', () => {
  it('parses method, scheme, host, port, path and query; the Host header wins over the URL', () => {
    const r = parseRequest('POST https://Shop.Example.com:8443/api/users?x=1&y=%20z#frag', { headers: ['X-Canary: yes'] });
    assert.equal(r.method, 'POST');
    assert.equal(r.scheme, 'https');
    assert.equal(r.host, 'shop.example.com');
    assert.equal(r.port, 8443);
    assert.equal(r.path, '/api/users');
    assert.equal(r.query, 'x=1&y=%20z');
    assert.equal(r.headers.get('x-canary'), 'yes');
    assert.equal(r.sni, 'shop.example.com');
    const h = parseRequest('http://a.com/', { headers: ['Host: b.com:1234'], port: 80 });
    assert.equal(h.host, 'b.com');
    assert.equal(h.port, 80, '`Host: a.com:1234` sent to port 80 is matched as a.com on port 80');
  });

  it('defaults to GET, http and the scheme port; rejects what is not a request', () => {
    const r = parseRequest('example.com/x');
    assert.deepEqual([r.method, r.scheme, r.host, r.port, r.path], ['GET', 'http', 'example.com', 80, '/x']);
    assert.equal(parseRequest('https://a.com').port, 443);
    assert.throws(() => parseRequest('GET ftp://a.com/'), RequestError);
    assert.throws(() => parseRequest('GET /a b c'), RequestError);
    assert.throws(() => parseRequest('/x', { headers: ['nocolon'] }), RequestError);
  });
});

describe('routing engine: matchers', () => {
  it('globs match in linear time (ALB * and ?)', () => {
    assert.equal(globMatches('/api/*', '/api/users'), true);
    assert.equal(globMatches('/a?c', '/abc'), true);
    assert.equal(globMatches('/a?c', '/abbc'), false);
    const t0 = performance.now();
    assert.equal(globMatches('*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000)), false);
    assert.ok(performance.now() - t0 < 500);
  });

  it('CIDR membership for IPv4', () => {
    assert.equal(cidrContains('10.0.0.0/8', '10.1.2.3'), true);
    assert.equal(cidrContains('10.0.0.0/8', '11.1.2.3'), false);
    assert.equal(cidrContains('192.168.1.7', '192.168.1.7'), true);
  });

  it('runs regexes on a linear-time engine: a catastrophic pattern answers at once; back-references are undecidable', () => {
    const t0 = performance.now();
    assert.equal(regexMatches('^(a+)+$', 'pcre', false, false, `${'a'.repeat(5000)}!`), false);
    assert.ok(performance.now() - t0 < 1000);
    assert.equal(regexMatches('(a)\\1', 'pcre', false, false, 'aa'), undefined);
    assert.equal(regexMatches('/api/.*', 're2', false, true, '/api/v1'), true);
    assert.equal(regexMatches('/api/.*', 're2', false, true, '/x/api/v1'), false, 'Envoy safe_regex matches the whole path');
    assert.equal(regexMatches('/api/', 'pcre', false, false, '/x/api/v1'), true, 'nginx and HAProxy search anywhere');
  });

  it('translates PCRE/RE2 into automata syntax only where the languages agree', () => {
    assert.deepEqual(toLanguageSource('^/api/', 'pcre', false, false), { ok: true, source: '(?:\\/api\\/)[^]*', ignoreCase: false });
    assert.equal(toLanguageSource('(?i)\\.(jpg|png)$', 'pcre', false, false).ok, true);
    assert.equal(toLanguageSource('(?i)\\.(jpg|png)$', 'pcre', false, false).ok && (toLanguageSource('(?i)x', 'pcre', false, false) as { ignoreCase: boolean }).ignoreCase, true);
    // Alternation inside a group stays an alternation (a soundness test found it escaped once).
    assert.deepEqual(toLanguageSource('^/(api|web)/', 'pcre', false, false), { ok: true, source: '(?:\\/(?:api|web)\\/)[^]*', ignoreCase: false });
    assert.deepEqual(toLanguageSource('\\.(jpg|png)$', 'pcre', false, false), { ok: true, source: '[^]*(?:\\.(?:jpg|png))', ignoreCase: false },
      'an alternative inside a group stays an alternative');
    for (const p of ['(?=a)b', '(a)\\1', 'a++', '(?>a)', 'a\\bc', 'x^y', '[[:^alpha:]]']) {
      assert.equal(toLanguageSource(p, 'pcre', false, false).ok, false, p);
    }
  });

  it('evaluates all/any/not with absent headers false and their negation true', () => {
    const req = parseRequest('GET http://a.com/api', { headers: ['X-A: 1'] });
    const has = (h: string) => ({ kind: 'test' as const, field: `header:${h}` as const, match: { op: 'present' as const } });
    assert.equal(evaluate(has('x-a'), req).value, true);
    assert.equal(evaluate(has('x-b'), req).value, false);
    assert.equal(evaluate({ kind: 'not', of: has('x-b') }, req).value, true);
    assert.equal(evaluate({ kind: 'any', of: [has('x-b'), has('x-a')] }, req).value, true);
    assert.equal(evaluate({ kind: 'all', of: [has('x-b'), { kind: 'opaque', text: 'lua', why: 'script' }] }, req).value, false);
    assert.equal(evaluate({ kind: 'all', of: [has('x-a'), { kind: 'opaque', text: 'lua', why: 'script' }] }, req).value, undefined);
  });
});

describe('routing engine: models without routing details still route (conditions derived from match)', () => {
  it('nginx: longest prefix, regex checked before a plain prefix', () => {
    const cfg = routes('file:///w/nginx.conf', [
      'http {',
      '  upstream api { server 10.0.0.1; }',
      '  upstream web { server 10.0.0.2; }',
      '  upstream img { server 10.0.0.3; }',
      '  server {',
      '    listen 80;',
      '    location / { proxy_pass http://web; }',
      '    location /api/ { proxy_pass http://api; }',
      '    location ~ \\.png$ { proxy_pass http://img; }',
      '  }',
      '}',
    ].join('\n'));
    assert.deepEqual(where(cfg.send('GET http://a.com/api/users')).pools, ['api']);
    assert.deepEqual(where(cfg.send('GET http://a.com/api/logo.png')).pools, ['img']);
    assert.deepEqual(where(cfg.send('GET http://a.com/x')).pools, ['web']);
  });
});

describe('routing engine: children of a remembered prefix (generic, nginx ngx_http_core_find_location)', () => {
  const route = (id: string, path: { op: 'prefix' | 'regex'; value: string }, group: string, strategy: 'longest-prefix' | 'first-match', extra: { parent?: string; preemptedBy?: string } = {}) => ({
    id, entryId: 'e', name: id, matchText: id, match: [], catchAll: false,
    evaluation: { group, strategy, index: 0, ...extra },
    when: { kind: 'test' as const, field: 'path' as const, match: path.op === 'prefix' ? { op: 'prefix' as const, value: path.value } : { op: 'regex' as const, value: path.value, dialect: 'pcre' as const, anchored: false } },
    target: { kind: 'none' as const, reason: id, response: { kind: 'direct' as const, status: 200 } },
    source: { uri: 'file:///m', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } },
  });
  const model = {
    format: 'test', uri: 'file:///m', entries: [{ id: 'e', name: 'e', namespace: 'http', listen: [], hosts: [], source: { uri: 'file:///m', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }, selection: { uri: 'file:///m', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } } }],
    routes: [
      route('app', { op: 'prefix', value: '/app/' }, 'prefix', 'longest-prefix', { preemptedBy: 'regex' }),
      route('app-json', { op: 'regex', value: '\\.json$' }, 'app:regex', 'first-match', { parent: 'app' }),
      route('app-admin', { op: 'prefix', value: '/app/admin/' }, 'app:prefix', 'longest-prefix', { parent: 'app', preemptedBy: 'app:regex' }),
      route('json', { op: 'regex', value: '\\.json$' }, 'regex', 'first-match'),
      route('special', { op: 'regex', value: 'special' }, 'regex', 'first-match'),
    ],
    pools: [], problems: [], comments: [], mentions: [], closedWorld: true, files: [],
  };
  const to = (path: string) => routeRequest(model, new ModelIndex(model), parseRequest(`GET http://a.test${path}`))[0].route?.id;

  it('a child taken by a first-match list is used before the group that preempts the prefix; a child prefix is not', () => {
    assert.equal(to('/app/x.json'), 'app-json');
    assert.equal(to('/app/admin/x'), 'app-admin');
    assert.equal(to('/app/admin/special'), 'special');
    assert.equal(to('/x.json'), 'json');
    assert.equal(to('/app/x'), 'app');
  });
});
