import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeModel } from '../../../server/src/analysis/analyze';
import { ModelIndex } from '../../../server/src/analysis/modelIndex';
import { matches } from '../../../server/src/analysis/routing/condition';
import { routeRequest } from '../../../server/src/analysis/routing/engine';
import { parseRequest } from '../../../server/src/analysis/routing/request';
import { exampleRequest } from '../../../server/src/analysis/routing/shadowing';
import type { Condition, RequestField, StringMatch } from '../../../server/src/model/types';
import { TestModel } from '../../helpers/model';
import { rng } from '../../helpers/randomEdits';

const t = (field: RequestField, match: StringMatch): Condition => ({ kind: 'test', field, match });
const path = (op: 'exact' | 'prefix' | 'suffix' | 'contains' | 'segment-prefix', value: string, ignoreCase?: boolean) => t('path', ignoreCase ? { op, value, ignoreCase } : { op, value });
const pcre = (value: string, ignoreCase?: boolean): Condition => t('path', { op: 'regex', value, dialect: 'pcre', anchored: false, ...(ignoreCase ? { ignoreCase } : {}) });
const re2 = (value: string): Condition => t('path', { op: 'regex', value, dialect: 're2', anchored: true });
const all = (...of: Condition[]): Condition => ({ kind: 'all', of });
const any = (...of: Condition[]): Condition => ({ kind: 'any', of });
const not = (of: Condition): Condition => ({ kind: 'not', of });
const opaque = (text: string): Condition => ({ kind: 'opaque', text, why: 'test' });

/** A first-match list of routes with these conditions; returns the LB106 findings as `name<by,…` strings. */
function shadows(...conds: Condition[]): string[] {
  const m = new TestModel();
  m.pool('p', ['10.0.0.1']);
  conds.forEach((when, i) => m.route(`r${i}`, 'p', { when }));
  return analyzeModel(m.model).diagnostics.filter((d) => d.ruleId === 'LB106').map((d) => {
    const by = (d.data!.shadowedByAll as string[]).map((id) => m.model.routes.find((r) => r.id === id)!.name);
    return `${m.model.routes.find((r) => r.id === d.data!.routeId)!.name}<${by.join(',')}`;
  });
}

describe('LB106 on the routing engine: proofs on match languages', () => {
  it('the union of earlier rules, not one at a time (HAProxy `if is_api || is_root` written as two lines)', () => {
    assert.deepEqual(shadows(path('prefix', '/api'), path('prefix', '/web'), pcre('^/(api|web)/')), ['r2<r0,r1']);
  });

  it('an anonymous ACL `{ path_beg / }` takes every request: every later rule is unreachable', () => {
    assert.deepEqual(shadows(path('prefix', '/'), path('prefix', '/api'), all(path('prefix', '/x'), t('method', { op: 'exact', value: 'GET' }))), ['r1<r0', 'r2<r0']);
  });

  it('nginx: a regex covers a later regex (`~ /img` before `~ /img/large`), not the other way round', () => {
    assert.deepEqual(shadows(pcre('/img'), pcre('/img/large')), ['r1<r0']);
    assert.deepEqual(shadows(pcre('/img/large'), pcre('/img')), []);
    assert.deepEqual(shadows(pcre('\\.(png|jpg)$', true), pcre('\\.PNG$')), ['r1<r0']);
    assert.deepEqual(shadows(pcre('\\.(png|jpg)$'), pcre('\\.PNG$')), [], 'case matters without ~*');
  });

  it('Envoy/Istio: a safe_regex `/api/.*` (full match) before prefix routes under /api/v1', () => {
    assert.deepEqual(shadows(re2('/api/.*'), path('prefix', '/api/v1')), ['r1<r0']);
    assert.deepEqual(shadows(re2('/api/.*'), path('prefix', '/api')), [], '/api itself is not matched by /api/.*');
  });

  it('element-wise prefixes: PathPrefix /foo does not take /foobar', () => {
    assert.deepEqual(shadows(path('segment-prefix', '/foo'), path('prefix', '/foo/')), ['r1<r0']);
    assert.deepEqual(shadows(path('segment-prefix', '/foo'), path('prefix', '/foob')), []);
  });

  it('opaque matchers are never evidence; the same opaque condition repeated is', () => {
    assert.deepEqual(shadows(all(path('prefix', '/'), opaque('dynamic_metadata a')), all(path('prefix', '/'), opaque('dynamic_metadata b'))), []);
    assert.deepEqual(shadows(opaque('acl is_api'), opaque('acl is_api')), ['r1<r0']);
    assert.deepEqual(shadows(opaque('acl x'), not(opaque('acl x')), path('prefix', '/a')), [], 'complementary opaque conditions are not combined');
  });

  it('undecidable patterns (look-around, back-references) give no finding', () => {
    assert.deepEqual(shadows(pcre('^/(?=api)'), path('prefix', '/api')), []);
    assert.deepEqual(shadows(pcre('^/(a)\\1'), path('prefix', '/aa')), []);
  });

  it('headers and methods: absent headers and negations', () => {
    const canary = t('header:x-canary', { op: 'exact', value: 'yes' });
    assert.deepEqual(shadows(canary, not(canary), path('prefix', '/a')), ['r2<r0,r1']);
    assert.deepEqual(shadows(t('header:x-canary', { op: 'present' }), canary), ['r1<r0']);
    assert.deepEqual(shadows(canary, t('header:x-canary', { op: 'present' })), []);
    assert.deepEqual(shadows(any(t('method', { op: 'exact', value: 'GET' }), t('method', { op: 'exact', value: 'HEAD' })), t('method', { op: 'exact', value: 'GET' })), ['r1<r0']);
  });

  it('the message names the earlier rules and an example request the engine sends to one of them', () => {
    const m = new TestModel();
    m.pool('p', ['10.0.0.1']);
    m.route('use_backend a if is_api', 'p', { when: path('prefix', '/api') });
    m.route('use_backend b if is_web', 'p', { when: path('prefix', '/web') });
    m.route('use_backend c if both', 'p', { when: pcre('^/(api|web)') });
    const [d] = analyzeModel(m.model).diagnostics.filter((x) => x.ruleId === 'LB106');
    assert.match(d.message, /^use_backend c if both can never match: use_backend a if is_api \(line \d+\) and use_backend b if is_web \(line \d+\) take all its requests first\. For example GET \/(api|web)\.$/);
    assert.equal(d.data!.shadowedBy, undefined, 'no single rule to move it after');
    assert.equal(d.related?.length, 2);
  });
});

describe('LB106: soundness and scale', () => {
  it('never reports a route the engine can still reach (random lists, checked on sample requests)', () => {
    const next = rng(11);
    const pick = <T,>(xs: T[]) => xs[Math.floor(next() * xs.length)];
    const paths = ['/', '/a', '/a/', '/a/b', '/ab', '/b', '/b/c', '/A', '/img/x.png', '/x.PNG', '/api/v1/users'];
    const cond = (): Condition => {
      const base = pick([
        () => path(pick(['exact', 'prefix', 'prefix', 'segment-prefix', 'suffix']), pick(paths), next() < 0.2),
        () => pcre(pick(['^/a', '/b', '\\.png$', '^/(a|b)/', '.*', '^/a/?$', 'x'])),
        () => re2(pick(['/a.*', '/a/.*', '/[ab]/.*', '.*'])),
        () => t('header:x', { op: pick(['exact', 'prefix'] as const), value: pick(['1', '2', '']) }),
        () => t('method', { op: 'exact', value: pick(['GET', 'POST']) }),
        () => opaque(pick(['o1', 'o2'])),
      ])();
      const c = next() < 0.15 ? not(base) : base;
      return next() < 0.25 ? all(c, cond()) : next() < 0.1 ? any(c, cond()) : c;
    };
    const requests = paths.flatMap((p) => ['GET', 'POST'].flatMap((meth) => [[], ['X: 1'], ['X: 2'], ['X: ']].map((h) => parseRequest(`${meth} http://h${p}`, { headers: h }))));
    let findings = 0;
    for (let round = 0; round < 150; round++) {
      const m = new TestModel();
      m.pool('p', ['10.0.0.1']);
      const n = 2 + Math.floor(next() * 8);
      for (let i = 0; i < n; i++) m.route(`r${i}`, 'p', { when: cond() });
      const a = analyzeModel(m.model);
      const index = new ModelIndex(m.model);
      for (const d of a.diagnostics.filter((x) => x.ruleId === 'LB106')) {
        findings++;
        for (const req of requests) {
          const res = routeRequest(m.model, index, req);
          assert.notEqual(res[0]?.route?.id, d.data!.routeId, `round ${round}: ${d.message} but ${req.method} ${req.path} ${[...req.headers]} reaches it`);
        }
      }
    }
    assert.ok(findings > 50, `the random lists exercise the rule (${findings} findings)`);
  });

  it('literal tests compared as strings (exact, prefix, segment-prefix, contains, suffix, literal regexes, case) claim nothing a short path refutes', () => {
    // Every path over {a, B, /} up to 5 characters: a claim "r1 is covered by r0" must hold for each of them.
    const alphabet = ['a', 'B', '/'];
    const all5: string[] = ['/'];
    for (let len = 1, level = ['/']; len <= 4; len++) {
      level = level.flatMap((p) => alphabet.map((c) => p + c));
      all5.push(...level);
    }
    const requests = all5.map((p) => parseRequest(`GET http://h${p}`));
    const next = rng(23);
    const pick = <T,>(xs: T[]) => xs[Math.floor(next() * xs.length)];
    const value = () => pick(['/', '/a', '/a/', '/aB', '/aa', '/B', '/a/a', '/Ba']);
    const lit = (): Condition => {
      const v = value();
      const ci = next() < 0.25;
      return pick([
        () => path(pick(['exact', 'prefix', 'segment-prefix', 'suffix', 'contains'] as const), v, ci),
        () => pcre(pick(['', '^']) + v.slice(next() < 0.5 ? 1 : 0) + pick(['', '$']), ci),
        () => re2(v),
        () => all(path('prefix', v), not(path('prefix', `${v}a`))),
      ])();
    };
    let claims = 0;
    for (let round = 0; round < 2000; round++) {
      const e = lit();
      const l = lit();
      if (shadows(e, l).length === 0) continue;
      claims++;
      for (const req of requests) {
        if (matches(l, req) === true) assert.equal(matches(e, req), true, `${JSON.stringify(e)} said to cover ${JSON.stringify(l)}, but not ${req.path}`);
      }
    }
    assert.ok(claims > 200, `${claims} claims`);
  });

  it('stays near-linear: 30k rules with distinct opaque conditions, a repeated one and a default', () => {
    const m = new TestModel();
    m.pool('p', ['10.0.0.1']);
    const n = 30_000;
    for (let i = 0; i < n; i++) m.route(`r${i}`, 'p', { when: opaque(`host_${i}`) });
    m.route('again', 'p', { when: opaque('host_7') });
    m.route('default', 'p', { when: all() });
    const t0 = performance.now();
    const found = analyzeModel(m.model).diagnostics.filter((d) => d.ruleId === 'LB106');
    assert.ok(performance.now() - t0 < 4000, `${performance.now() - t0} ms`);
    assert.deepEqual(found.map((d) => m.model.routes.find((r) => r.id === d.data!.routeId)!.name), ['again']);
  });

  it('stays near-linear: 20k host rules (HAProxy `hdr(host) -i siteN`) with a default', () => {
    const m = new TestModel();
    m.pool('p', ['10.0.0.1']);
    for (let i = 0; i < 20_000; i++) m.route(`r${i}`, 'p', { when: t('header:host', { op: 'exact', value: `site${i}.example.com`, ignoreCase: true }) });
    m.route('dup', 'p', { when: t('header:host', { op: 'exact', value: 'SITE7.example.com', ignoreCase: true }) });
    const t0 = performance.now();
    const found = analyzeModel(m.model).diagnostics.filter((d) => d.ruleId === 'LB106');
    assert.ok(performance.now() - t0 < 4000, `${performance.now() - t0} ms`);
    assert.deepEqual(found.map((d) => d.message.split(' can')[0]), ['dup']);
  });
});

describe('example requests', () => {
  it('an example reaches the route (checked by the engine), or says why none can', () => {
    const m = new TestModel();
    m.pool('p', ['10.0.0.1']);
    const a = m.route('api', 'p', { when: path('prefix', '/api') });
    const v1 = m.route('v1', 'p', { when: path('prefix', '/api/v1') });
    const web = m.route('web', 'p', { when: all(path('prefix', '/web'), t('header:x-canary', { op: 'exact', value: 'yes' })) });
    const index = new ModelIndex(m.model);
    assert.equal(exampleRequest(m.model, index, a).example, 'GET /api');
    assert.match(exampleRequest(m.model, index, v1).why ?? '', /take every request/);
    assert.equal(exampleRequest(m.model, index, web).example, 'GET /web (x-canary: yes)');
  });
});
