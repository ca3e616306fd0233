import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeModel } from '../../../server/src/analysis/analyze';
import { albFormat } from '../../../server/src/formats/cloudformation';
import { NO_FILES } from '../../../server/src/formats/types';
import type { TrafficModel } from '../../../server/src/model/types';

const yaml = (...lines: string[]) => lines.join('\n');
const parse = (text: string, uri = 'file:///stack/alb.yaml') => albFormat.parse(uri, text, NO_FILES);
const rules = (m: TrafficModel) => analyzeModel(m).diagnostics.map((d) => d.ruleId).sort();

const TEMPLATE = (...resources: string[]) => yaml(
  "AWSTemplateFormatVersion: '2010-09-09'",
  'Parameters:',
  '  SharedTargetGroup: {Type: String}',
  'Resources:',
  '  Listener:',
  '    Type: AWS::ElasticLoadBalancingV2::Listener',
  '    Properties:',
  '      LoadBalancerArn: !Ref LB',
  '      Port: 80',
  '      Protocol: HTTP',
  '      DefaultActions:',
  '        - Type: forward',
  '          TargetGroupArn: !Ref WebTG',
  '  WebTG:',
  '    Type: AWS::ElasticLoadBalancingV2::TargetGroup',
  '    Properties: {Port: 80, Protocol: HTTP, VpcId: vpc-1}',
  ...resources,
);

/** An ELBv2 resource (`type`: `ListenerRule`, `TargetGroup`…) with block-style `properties` (one line each). */
const resource = (id: string, type: string, ...properties: string[]) => [
  `  ${id}:`,
  `    Type: AWS::ElasticLoadBalancingV2::${type}`,
  '    Properties:',
  ...properties.map((p) => `      ${p}`),
];

/** A rule of `Listener` for one path pattern; `action` are the lines of its Actions. */
const rule = (id: string, priority: number | string, path: string, action: string[]) => [
  ...resource(id, 'ListenerRule', 'ListenerArn: !Ref Listener', `Priority: ${priority}`, `Conditions: [{Field: path-pattern, PathPatternConfig: {Values: ["${path}"]}}]`, 'Actions:'),
  ...action,
];

/** The Actions of a rule that forwards to target group `tg`. */
const forward = (tg: string) => [`        - {Type: forward, TargetGroupArn: !Ref ${tg}}`];

/** The Actions of a rule that forwards to weighted target groups: each of `groups` is one TargetGroups item. */
const forwardConfig = (...groups: string[]) => [
  '        - Type: forward',
  '          ForwardConfig:',
  '            TargetGroups:',
  ...groups.map((g) => `              - ${g}`),
];

describe('aws-alb: detection', () => {
  it('claims templates with ELBv2 resources only', () => {
    assert.ok(albFormat.detect('file:///a.yaml', TEMPLATE()) >= 0.9);
    assert.ok(albFormat.detect('file:///a.json', '{"Resources": {"TG": {"Type": "AWS::ElasticLoadBalancingV2::TargetGroup"}}}') >= 0.9);
    assert.equal(albFormat.detect('file:///a.yaml', "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  B: {Type: AWS::S3::Bucket}\n"), 0);
    assert.equal(albFormat.detect('file:///a.yaml', 'apiVersion: networking.k8s.io/v1\nkind: Ingress\n'), 0);
  });
});

describe('aws-alb: listener rules (rules are evaluated from the lowest priority to the highest; default last)', () => {
  it('orders rules by priority, resolves !Ref target groups, and the default action is the catch-all', () => {
    const m = parse(TEMPLATE(
      ...rule('Api', 20, '/api/*', forward('WebTG')),
      ...rule('Admin', 10, '/admin', ['        - {Type: fixed-response, FixedResponseConfig: {StatusCode: "403"}}']),
    ));
    const ordered = m.routes.filter((r) => r.evaluation.group === 'rules').sort((a, b) => a.evaluation.index - b.evaluation.index);
    assert.deepEqual(ordered.map((r) => r.name), ['ListenerRule Admin', 'ListenerRule Api']);
    assert.deepEqual(ordered[1].match, [{ field: 'path', op: 'prefix', value: '/api/' }]);
    assert.deepEqual(ordered[0].target, { kind: 'none', reason: 'fixed-response', response: { kind: 'direct', status: 403 } });
    const def = m.routes.find((r) => r.catchAll)!;
    assert.equal(def.target.kind, 'pool');
    assert.equal(m.closedWorld, true);
    // A target group without Targets is a logical set (ECS, Auto Scaling): no single-server findings.
    assert.equal(m.pools[0].servers[0].kind, 'service');
    assert.deepEqual(rules(m), []);
  });

  it('a priority used twice on one listener is LB111 (ALB duplicate priority)', () => {
    const m = parse(TEMPLATE(
      ...rule('A', 5, '/a', forward('WebTG')),
      ...rule('B', 5, '/b', forward('WebTG')),
    ));
    assert.deepEqual(rules(m), ['LB111']);
  });

  it('a rule below a `/*` rule is unreachable (LB106), the mandatory default action is not', () => {
    const m = parse(TEMPLATE(
      ...rule('All', 1, '/*', forward('WebTG')),
      ...rule('Api', 2, '/api/*', forward('WebTG')),
    ));
    assert.deepEqual(rules(m), ['LB106']);
  });
});

describe('aws-alb: forward weights (TargetGroupTuple.Weight 0–999)', () => {
  const weighted = (a: string, b: string) => TEMPLATE(
    '  BlueTG: {Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: {Port: 80}}',
    '  GreenTG: {Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: {Port: 80}}',
    ...rule('Shift', 1, '/app/*', forwardConfig(`{TargetGroupArn: !Ref BlueTG, Weight: ${a}}`, `{TargetGroupArn: {"Ref": "GreenTG"}, Weight: ${b}}`)),
  );

  it('splits by weight; a 100/0 shift between target groups is not LB101', () => {
    const m = parse(weighted('100', '0'));
    const route = m.routes.find((r) => r.name === 'ListenerRule Shift')!;
    const d = analyzeModel(m).distributions.get(route.id)!;
    assert.deepEqual(d.shares.map((s) => [s.pool.name, s.share]), [['BlueTG', 1], ['GreenTG', 0]]);
    assert.deepEqual(rules(m), []);
  });

  it('weights outside 0–999 are LB002; all zero reaches nothing (LB104)', () => {
    assert.deepEqual(rules(parse(weighted('1000', '1'))), ['LB002']);
    assert.deepEqual(rules(parse(weighted('0', '0'))), ['LB104']);
  });

  it('a target group that is not in the template is LB103; a parameter is resolved at deploy time', () => {
    const m = parse(TEMPLATE(
      ...rule('Missing', 1, '/x', forward('NoSuchTG')),
      ...rule('Param', 2, '/y', forward('SharedTargetGroup')),
    ));
    assert.deepEqual(rules(m), ['LB103']);
    assert.equal(m.routes.find((r) => r.name === 'ListenerRule Param')!.target.kind, 'dynamic');
  });
});

describe('aws-alb: target groups', () => {
  it('lists Targets as servers; HealthCheckEnabled false means no active check', () => {
    const m = parse(TEMPLATE(
      ...resource('AppTG', 'TargetGroup', 'Port: 8080', 'TargetType: ip', 'HealthCheckEnabled: false', 'Targets: [{Id: 10.0.0.1}, {Id: 10.0.0.2, Port: 9090}]'),
      ...rule('App', 1, '/app/*', forward('AppTG')),
    ));
    const pool = m.pools.find((p) => p.name === 'AppTG')!;
    assert.deepEqual(pool.servers.map((s) => `${s.address} ${s.kind}`), ['10.0.0.1:8080 ip', '10.0.0.2:9090 ip']);
    assert.equal(pool.healthCheck.active, false);
    assert.deepEqual(rules(m), ['LB107']);
  });

  it('JSON templates with Fn::GetAtt and Ref', () => {
    const json = JSON.stringify({
      Resources: {
        L: { Type: 'AWS::ElasticLoadBalancingV2::Listener', Properties: { Port: 443, Protocol: 'HTTPS', DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: 'TG' } }] } },
        TG: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup', Properties: { Port: 80, Targets: [{ Id: { Ref: 'Web1' } }, { Id: { 'Fn::GetAtt': ['Web2', 'Id'] } }] } },
      },
    }, null, 2);
    const m = parse(json, 'file:///stack/alb.json');
    assert.deepEqual(m.pools[0].servers.map((s) => s.address), ['Web1:80', 'Web2:80']);
    assert.equal(m.routes[0].target.kind, 'pool');
    assert.deepEqual(rules(m), []);
  });

  it('a target group used by nothing is LB110 unless something else in the template references it', () => {
    const m = parse(TEMPLATE(
      '  Orphan: {Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: {Port: 80}}',
      '  Spare: {Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: {Port: 80}}',
      'Outputs:',
      '  SpareArn: {Value: !Ref Spare}',
    ));
    assert.deepEqual(analyzeModel(m).diagnostics.map((d) => `${d.ruleId} ${d.message}`), ['LB110 "Orphan" is defined but no route sends traffic to it.']);
  });

  it('duplicate keys are LB001 and comments feed suppressions', () => {
    const m = parse(TEMPLATE('  # lb-lens-disable-next-line LB110', '  X: {Type: AWS::ElasticLoadBalancingV2::TargetGroup}', '  X: {Type: AWS::ElasticLoadBalancingV2::TargetGroup}'));
    assert.ok(m.problems.some((p) => p.ruleId === 'LB001'));
    assert.ok(m.comments.length > 0);
  });
});

/*
 * Fn::If "returns one value if the specified condition evaluates to true and another value if the specified
 * condition evaluates to false"; "you can use the AWS::NoValue pseudo parameter as a return value to remove the
 * corresponding property" (AWS CloudFormation, Condition functions). Conditions are decided at deploy time.
 */
describe('aws-alb: Fn::If (one of two values, decided at deploy time) and AWS::NoValue (the property is absent)', () => {
  const groups = (...ids: string[]) => ids.map((id) => `  ${id}: {Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: {Port: 80}}`);
  const target = (m: TrafficModel, name: string) => m.routes.find((r) => r.name === name)!.target;

  it('a target chosen by !If names both alternatives: no LB103 or LB110 for either group', () => {
    const m = parse(TEMPLATE(
      ...groups('TgA', 'TgB'),
      ...rule('Pick', 1, '/app/*', ['        - {Type: forward, TargetGroupArn: !If [IsProd, !Ref TgA, !Ref TgB]}']),
    ));
    const t = target(m, 'ListenerRule Pick');
    assert.ok(t.kind === 'dynamic');
    assert.equal(t.text, 'TgA if IsProd; TgB unless IsProd');
    // It points at the `!If`'s arguments.
    const line = TEMPLATE(...groups('TgA', 'TgB'), ...rule('Pick', 1, '/app/*', ['        - {Type: forward, TargetGroupArn: !If [IsProd, !Ref TgA, !Ref TgB]}'])).split('\n')[t.nameSource.range.start.line];
    assert.equal(line.slice(t.nameSource.range.start.character, t.nameSource.range.end.character), '[IsProd, !Ref TgA, !Ref TgB]');
    assert.deepEqual(m.mentions.map((x) => x.name).sort(), ['TgA', 'TgB']);
    assert.deepEqual(rules(m), []);
  });

  it('the JSON form {"Fn::If": [...]} is the same; a branch naming a group defined nowhere is LB103 (the template is rejected whatever the condition)', () => {
    const json = (b: string) => JSON.stringify({
      Resources: {
        L: { Type: 'AWS::ElasticLoadBalancingV2::Listener', Properties: { Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: { 'Fn::If': ['IsProd', { Ref: 'TgA' }, { Ref: b }] } }] } },
        TgA: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup', Properties: { Port: 80 } },
        TgB: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup', Properties: { Port: 80 } },
      },
    }, null, 2);
    const ok = parse(json('TgB'), 'file:///stack/alb.json');
    assert.equal(ok.routes[0].target.kind, 'dynamic');
    assert.deepEqual(rules(ok), []);
    const typo = parse(json('TgC'), 'file:///stack/alb.json');
    // TgB is named by nothing now: unused.
    assert.deepEqual(analyzeModel(typo).diagnostics.map((d) => `${d.ruleId} ${d.message}`), [
      'LB103 "TgC" is not defined; did you mean "TgA"?', 'LB110 "TgB" is defined but no route sends traffic to it.',
    ]);
  });

  it('DefaultActions under !If: each deployment has its own action', () => {
    const m = parse(TEMPLATE().replace(
      '      DefaultActions:\n        - Type: forward\n          TargetGroupArn: !Ref WebTG',
      '      DefaultActions: !If\n        - IsHttps\n        - - {Type: redirect, RedirectConfig: {Protocol: HTTPS, StatusCode: HTTP_301}}\n        - - {Type: forward, TargetGroupArn: !Ref WebTG}',
    ));
    assert.equal((target(m, 'Listener Listener default action') as { text: string }).text, 'redirect if IsHttps; WebTG unless IsHttps');
    assert.deepEqual(rules(m), []);
    // Where a redirect goes does not change that it is a redirect.
    const r = parse(TEMPLATE(...rule('Away', 1, '/old/*', ['        - {Type: redirect, RedirectConfig: {Host: !If [IsProd, a.example.com, b.example.com], StatusCode: HTTP_301}}'])));
    // (The redirect's target depends on the condition: not stated; its status does not.)
    assert.deepEqual(target(r, 'ListenerRule Away'), { kind: 'none', reason: 'redirect', response: { kind: 'redirect', status: 301 } });
  });

  it('weights under !If follow their condition together (one condition, two deployments); JSON intrinsic weights are no LB002', () => {
    const m = parse(TEMPLATE(
      ...groups('BlueTG', 'GreenTG'),
      ...rule('Shift', 1, '/app/*', forwardConfig(
        '{TargetGroupArn: !Ref BlueTG, Weight: !If [Canary, 90, 100]}',
        '{TargetGroupArn: !Ref GreenTG, Weight: {"Fn::If": [Canary, 10, 0]}}',
      )),
      ...rule('Param', 2, '/p/*', [
        '        - Type: forward',
        '          ForwardConfig:',
        '            TargetGroups: [{TargetGroupArn: !Ref BlueTG, Weight: {"Ref": "BlueWeight"}}, {TargetGroupArn: !Ref GreenTG, Weight: 1}]',
      ]),
    ));
    assert.equal((target(m, 'ListenerRule Shift') as { text: string }).text, 'BlueTG 90% + GreenTG 10% if Canary; BlueTG 100% + GreenTG 0% unless Canary');
    // A weight from a parameter: the split is known at deploy time only, not 50/50.
    assert.deepEqual(target(m, 'ListenerRule Param').kind, 'dynamic');
    assert.deepEqual(rules(m), []);
  });

  it('a ForwardConfig group under !If with AWS::NoValue is absent in the other deployment', () => {
    const m = parse(TEMPLATE(
      ...groups('BlueTG', 'GreenTG'),
      ...rule('Maybe', 1, '/app/*', forwardConfig(
        '{TargetGroupArn: !Ref BlueTG, Weight: 1}',
        '!If [Canary, {TargetGroupArn: !Ref GreenTG, Weight: 1}, !Ref AWS::NoValue]',
      )),
    ));
    assert.equal((target(m, 'ListenerRule Maybe') as { text: string }).text, 'BlueTG 50% + GreenTG 50% if Canary; BlueTG unless Canary');
    assert.deepEqual(rules(m), []);
  });

  it('Targets under !If are the union over the deployments (servers not final): no LB101/LB105/LB108', () => {
    const m = parse(TEMPLATE(
      ...resource('AppTG', 'TargetGroup', 'Port: 8080', 'TargetType: ip', 'Targets: !If [Big, [{Id: 10.0.0.1}, {Id: 10.0.0.2}], [{Id: 10.0.0.1}]]'),
      ...resource('MoreTG', 'TargetGroup', 'Port: 8080', 'TargetType: ip', 'Targets: [{Id: 10.0.1.1}, !If [Big, {Id: 10.0.1.2}, !Ref AWS::NoValue]]'),
      ...rule('App', 1, '/app/*', forward('AppTG')),
      ...rule('More', 2, '/more/*', forward('MoreTG')),
    ));
    const app = m.pools.find((p) => p.name === 'AppTG')!;
    assert.deepEqual(app.servers.map((s) => s.address), ['10.0.0.1:8080', '10.0.0.2:8080']);
    assert.equal(app.dynamicServers, true);
    assert.deepEqual(m.pools.find((p) => p.name === 'MoreTG')!.servers.map((s) => s.address), ['10.0.1.1:8080', '10.0.1.2:8080']);
    assert.deepEqual(rules(m), []);
  });

  it('HealthCheckEnabled under !If: on in some deployment is no LB107 (said in the pool), off in every deployment is', () => {
    const tg = (enabled: string) => TEMPLATE(
      '  AppTG:',
      '    Type: AWS::ElasticLoadBalancingV2::TargetGroup',
      `    Properties: {Port: 80, TargetType: ip, HealthCheckEnabled: ${enabled}, Targets: [{Id: 10.0.0.1}, {Id: 10.0.0.2}]}`,
      ...rule('App', 1, '/app/*', forward('AppTG')),
    );
    const some = parse(tg('!If [Checked, true, false]'));
    assert.deepEqual(rules(some), []);
    assert.match(some.pools.find((p) => p.name === 'AppTG')!.healthCheck.detail ?? '', /depends on a condition/);
    // Off in every deployment: LB107 as for a plain `false`.
    assert.deepEqual(rules(parse(tg('{"Fn::If": [Checked, false, false]}'))), ['LB107']);
    assert.deepEqual(rules(parse(tg('false'))), ['LB107']);
  });

  it('rule Conditions under !If are opaque where the deployments differ: a rule that matches everything in one deployment shadows nothing (no LB106)', () => {
    const m = parse(TEMPLATE(
      ...resource(
        'Maybe', 'ListenerRule', 'ListenerArn: !Ref Listener', 'Priority: 1',
        'Conditions: !If [HasPath, [{Field: path-pattern, PathPatternConfig: {Values: [/api/*]}}], [{Field: path-pattern, Values: ["/*"]}]]',
        'Actions: [{Type: forward, TargetGroupArn: !Ref WebTG}]',
      ),
      ...rule('Web', 2, '/web/*', forward('WebTG')),
    ));
    const maybe = m.routes.find((r) => r.name === 'ListenerRule Maybe')!;
    assert.equal(maybe.matchText, 'path-pattern /api/* if HasPath; path-pattern /* unless HasPath');
    assert.deepEqual(maybe.match.map((c) => c.op), ['opaque']);
    // With HasPath, Maybe takes only /api/*: /web/* still reaches Web in that deployment.
    assert.deepEqual(rules(m), []);
    // /api/v1/* is Maybe's in every deployment: unreachable whatever HasPath is (LB106 on the engine's proof).
    const every = parse(TEMPLATE(
      ...resource(
        'Maybe', 'ListenerRule', 'ListenerArn: !Ref Listener', 'Priority: 1',
        'Conditions: !If [HasPath, [{Field: path-pattern, PathPatternConfig: {Values: [/api/*]}}], [{Field: path-pattern, Values: ["/*"]}]]',
        'Actions: [{Type: forward, TargetGroupArn: !Ref WebTG}]',
      ),
      ...rule('Api', 2, '/api/v1/*', forward('WebTG')),
    ));
    assert.deepEqual(rules(every), ['LB106']);
  });

  it('a rule created under a resource Condition shadows only rules under the same condition; no duplicate-priority claim', () => {
    const m = parse(TEMPLATE(
      ...rule('All', 1, '/*', forward('WebTG')).map((l, i) => (i === 1 ? `${l}\n    Condition: CatchAll` : l)),
      ...rule('Api', 2, '/api/*', forward('WebTG')),
      ...rule('Also', 2, '/also/*', forward('WebTG')).map((l, i) => (i === 1 ? `${l}\n    Condition: CatchAll` : l)),
    ));
    assert.equal(m.routes.find((r) => r.name === 'ListenerRule All')!.matchText, 'path-pattern /* (Condition CatchAll)');
    // `Also` (same condition, later) is shadowed by `All`; `Api` is not; priority 2 twice is not claimed (Also may not exist).
    assert.deepEqual(analyzeModel(m).diagnostics.map((d) => `${d.ruleId} ${d.message.split(':')[0]}`), ['LB106 ListenerRule Also can never match']);
  });

  it('ListenerArn or Priority under !If: the rule is compared with no listener\'s rules (no LB111)', () => {
    const m = parse(TEMPLATE(
      '  Other: {Type: AWS::ElasticLoadBalancingV2::Listener, Properties: {Port: 8080, Protocol: HTTP, DefaultActions: [{Type: forward, TargetGroupArn: !Ref WebTG}]}}',
      ...rule('Fixed', 5, '/a/*', forward('WebTG')),
      ...rule('Moves', 5, '/b/*', forward('WebTG')).map((l) => l.replace('ListenerArn: !Ref Listener', 'ListenerArn: !If [UseOther, !Ref Other, !Ref Listener]')),
      ...rule('Floats', '!If [Early, 5, 7]', '/c/*', forward('WebTG')),
    ));
    const entry = (name: string) => m.entries.find((e) => e.id === m.routes.find((r) => r.name === name)!.entryId)!.name;
    assert.equal(entry('ListenerRule Moves'), 'listener Other or Listener (Fn::If)');
    assert.equal(m.routes.find((r) => r.name === 'ListenerRule Floats')!.evaluation.group, 'unordered Floats');
    assert.deepEqual(rules(m), []);
  });
});

describe('aws-alb: Fn::Sub, Fn::GetAtt, Fn::ImportValue and parameters', () => {
  it("!Sub '${TG}' is a reference (LB103 when defined nowhere); a variable of the Sub map, an import or a parameter is resolved at deploy time", () => {
    const m = parse(TEMPLATE(
      ...rule('Sub', 1, '/a/*', ["        - {Type: forward, TargetGroupArn: !Sub '${WebTG}'}"]),
      ...rule('GetAtt', 2, '/b/*', ['        - {Type: forward, TargetGroupArn: !GetAtt WebTG.TargetGroupArn}']),
      ...rule('Typo', 3, '/c/*', ["        - {Type: forward, TargetGroupArn: !Sub '${WebTg}'}"]),
      ...rule('Mapped', 4, '/d/*', ["        - {Type: forward, TargetGroupArn: !Sub ['${Tg}', {Tg: !Ref SharedTargetGroup}]}"]),
      ...rule('Import', 5, '/e/*', ["        - {Type: forward, TargetGroupArn: !ImportValue shared-tg}"]),
      ...rule('Param', 6, '/f/*', forward('SharedTargetGroup')),
    ));
    const t = Object.fromEntries(m.routes.map((r) => [r.name, r.target.kind === 'pool' ? `pool ${r.target.name}` : r.target.kind === 'dynamic' ? `dynamic ${r.target.text}` : r.target.kind]));
    assert.equal(t['ListenerRule Sub'], 'pool WebTG');
    assert.equal(t['ListenerRule GetAtt'], 'pool WebTG');
    assert.equal(t['ListenerRule Mapped'], "dynamic !Sub [${Tg}, {Tg: !Ref SharedTargetGroup}]");
    assert.equal(t['ListenerRule Import'], 'dynamic !ImportValue shared-tg');
    assert.equal(t['ListenerRule Param'], 'dynamic !Ref SharedTargetGroup');
    assert.deepEqual(analyzeModel(m).diagnostics.map((d) => `${d.ruleId} ${d.message}`), ['LB103 "WebTg" is not defined; did you mean "WebTG"?']);
  });

  it('condition values from parameters are not literals: `!Ref PathParam` is an opaque condition, not the path "PathParam"', () => {
    const m = parse(TEMPLATE(
      ...resource(
        'Dyn', 'ListenerRule', 'ListenerArn: !Ref Listener', 'Priority: 1',
        'Conditions: [{Field: path-pattern, Values: [!Ref PathParam]}]', 'Actions: [{Type: forward, TargetGroupArn: !Ref WebTG}]',
      ),
    ));
    assert.deepEqual(m.routes.find((r) => r.name === 'ListenerRule Dyn')!.match, [{ field: 'path', op: 'opaque', value: '!Ref PathParam' }]);
  });
});
