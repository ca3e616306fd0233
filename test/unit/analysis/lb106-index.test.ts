import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeModel } from '../../../server/src/analysis/analyze';
import { covers } from '../../../server/src/analysis/rules/LB106-unreachable-rule';
import type { MatchCondition, Route, TrafficModel } from '../../../server/src/model/types';

/*
 * LB106 looks the covering rule up by condition keys in large groups instead of scanning every earlier
 * rule. These tests hold it to the plain scan (the rule's definition) on random groups, and bound its time
 * on a frontend with thousands of distinct conditions.
 */

const src = (line: number) => ({ uri: 'file:///t', range: { start: { line, character: 0 }, end: { line, character: 9 } } });

function model(routes: Route[]): TrafficModel {
  return { format: 't', uri: 'file:///t', entries: [], routes, pools: [], problems: [], comments: [], mentions: [], closedWorld: true, files: [] };
}

function route(i: number, match: MatchCondition[], evaluation: Route['evaluation']): Route {
  return { id: `r${i}`, entryId: 'e', name: `rule ${i}`, matchText: '', match, catchAll: false, evaluation, target: { kind: 'none', reason: 'x' }, source: src(i) };
}

/** The definition: the earliest rule (in evaluation order) before `r` in its group, or any rule of the preempting group, that covers it. */
function reference(routes: Route[]): Array<[string, string]> {
  const sorted = (group: string) =>
    routes.filter((e) => e.evaluation.strategy === 'first-match' && e.evaluation.group === group).sort((a, b) => a.evaluation.index - b.evaluation.index);
  const out: Array<[string, string]> = [];
  for (const r of routes) {
    let shadow = r.evaluation.preemptedBy ? sorted(r.evaluation.preemptedBy).find((e) => e !== r && covers(e, r)) : undefined;
    if (!shadow && r.evaluation.strategy === 'first-match') {
      shadow = sorted(r.evaluation.group).find((e) => e !== r && e.evaluation.index < r.evaluation.index && covers(e, r));
    }
    if (shadow) out.push([r.id, shadow.id]);
  }
  return out;
}

test('LB106 on large groups finds exactly the earliest covering rule, like a scan', () => {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const values = ['/', '/a', '/a/b', '/ab', '/b', '', '.*', '^/', 'x', 'y'];
  const condition = (): MatchCondition => {
    // Mostly path prefixes and exact paths: the cases where one condition implies another without being equal.
    const c: MatchCondition = {
      field: ['path', 'path', 'path', 'host', 'acl'][rnd(5)],
      op: (['exact', 'prefix', 'prefix', 'prefix', 'regex', 'opaque'] as const)[rnd(6)],
      value: values[rnd(values.length)],
    };
    if (rnd(4) === 0) c.flags = 'i';
    if (rnd(5) === 0) c.negated = true;
    return c;
  };
  let findings = 0;
  for (let t = 0; t < 300; t++) {
    const routes: Route[] = [];
    const n = 20 + rnd(80); // above the size where groups are indexed rather than scanned
    for (let i = 0; i < n; i++) {
      // Rarely unconditional: such a rule shadows everything after it, hiding the other cases.
      const match = Array.from({ length: rnd(60) === 0 ? 0 : rnd(3) === 0 ? 2 : 1 }, condition);
      const group = rnd(2) ? 'g1' : 'g2';
      const evaluation: Route['evaluation'] = { group, strategy: rnd(6) === 0 ? 'longest-prefix' : 'first-match', index: rnd(n) };
      if (rnd(3) === 0) evaluation.preemptedBy = group === 'g1' ? 'g2' : 'g1';
      routes.push(route(i, match, evaluation));
    }
    const got = analyzeModel(model(routes)).diagnostics.filter((d) => d.ruleId === 'LB106').map((d) => [d.data!.routeId, d.data!.shadowedBy]);
    const want = reference(routes);
    assert.deepEqual(new Set(got.map(String)), new Set(want.map(String)), `case ${t}`);
    findings += want.length;
  }
  assert.ok(findings > 1000, 'the random cases exercise the rule');
});

test('LB106 stays near-linear: 30k use_backend rules with distinct conditions and a default', () => {
  const n = 30_000;
  const routes: Route[] = [];
  for (let i = 0; i < n; i++) routes.push(route(i, [{ field: 'acl', op: 'opaque', value: `host_${i}` }], { group: 'g', strategy: 'first-match', index: i }));
  routes.push(route(n, [{ field: 'acl', op: 'opaque', value: 'host_7' }], { group: 'g', strategy: 'first-match', index: n }));
  routes.push(route(n + 1, [], { group: 'g', strategy: 'first-match', index: n + 1 }));
  const t0 = performance.now();
  const found = analyzeModel(model(routes)).diagnostics.filter((d) => d.ruleId === 'LB106');
  assert.ok(performance.now() - t0 < 3000, 'well under the quadratic time');
  assert.deepEqual(found.map((d) => [d.data!.routeId, d.data!.shadowedBy]), [[`r${n}`, 'r7']]);
});

test('LB106 on a large group: prefix, empty-prefix and exact rules shadow what they imply, whatever the flags', () => {
  const p = (value: string, flags?: string): MatchCondition => ({ field: 'path', op: 'prefix', value, ...(flags ? { flags } : {}) });
  const e = (value: string, flags?: string): MatchCondition => ({ field: 'path', op: 'exact', value, ...(flags ? { flags } : {}) });
  const matches: MatchCondition[][] = [[p('/api/v1/')], [e('/login', 'i')], [p('/x', 'i'), { field: 'acl', op: 'opaque', value: 'a' }], [p('')]];
  for (let i = 0; i < 20; i++) matches.push([p(`/s${i}`)]);
  matches.push([p('/api/v1/users')], [e('/login')], [p('/x/y'), { field: 'acl', op: 'opaque', value: 'a' }], [e('/other')]);
  const routes = matches.map((m, i) => route(i, m, { group: 'g', strategy: 'first-match', index: i }));
  const got = analyzeModel(model(routes)).diagnostics.filter((d) => d.ruleId === 'LB106').map((d) => `${d.data!.routeId}<${d.data!.shadowedBy}`);
  const want = reference(routes).map(([a, b]) => `${a}<${b}`);
  assert.deepEqual(got.sort(), want.sort());
  assert.ok(want.includes('r24<r0') && want.includes('r25<r1') && want.includes('r26<r2') && want.includes('r27<r3'));
});
