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

const rule = (id: string, priority: number | string, path: string, action: string[]) => [
  `  ${id}:`,
  '    Type: AWS::ElasticLoadBalancingV2::ListenerRule',
  '    Properties:',
  '      ListenerArn: !Ref Listener',
  `      Priority: ${priority}`,
  `      Conditions: [{Field: path-pattern, PathPatternConfig: {Values: ["${path}"]}}]`,
  '      Actions:',
  ...action,
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
      ...rule('Api', 20, '/api/*', ['        - {Type: forward, TargetGroupArn: !Ref WebTG}']),
      ...rule('Admin', 10, '/admin', ['        - {Type: fixed-response, FixedResponseConfig: {StatusCode: "403"}}']),
    ));
    const ordered = m.routes.filter((r) => r.evaluation.group === 'rules').sort((a, b) => a.evaluation.index - b.evaluation.index);
    assert.deepEqual(ordered.map((r) => r.name), ['ListenerRule Admin', 'ListenerRule Api']);
    assert.deepEqual(ordered[1].match, [{ field: 'path', op: 'prefix', value: '/api/' }]);
    assert.deepEqual(ordered[0].target, { kind: 'none', reason: 'fixed-response' });
    const def = m.routes.find((r) => r.catchAll)!;
    assert.equal(def.target.kind, 'pool');
    assert.equal(m.closedWorld, true);
    // A target group without Targets is a logical set (ECS, Auto Scaling): no single-server findings.
    assert.equal(m.pools[0].servers[0].kind, 'service');
    assert.deepEqual(rules(m), []);
  });

  it('a priority used twice on one listener is LB111 (ALB duplicate priority)', () => {
    const m = parse(TEMPLATE(
      ...rule('A', 5, '/a', ['        - {Type: forward, TargetGroupArn: !Ref WebTG}']),
      ...rule('B', 5, '/b', ['        - {Type: forward, TargetGroupArn: !Ref WebTG}']),
    ));
    assert.deepEqual(rules(m), ['LB111']);
  });

  it('a rule below a `/*` rule is unreachable (LB106), the mandatory default action is not', () => {
    const m = parse(TEMPLATE(
      ...rule('All', 1, '/*', ['        - {Type: forward, TargetGroupArn: !Ref WebTG}']),
      ...rule('Api', 2, '/api/*', ['        - {Type: forward, TargetGroupArn: !Ref WebTG}']),
    ));
    assert.deepEqual(rules(m), ['LB106']);
  });
});

describe('aws-alb: forward weights (TargetGroupTuple.Weight 0–999)', () => {
  const weighted = (a: string, b: string) => TEMPLATE(
    '  BlueTG: {Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: {Port: 80}}',
    '  GreenTG: {Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: {Port: 80}}',
    ...rule('Shift', 1, '/app/*', [
      '        - Type: forward',
      '          ForwardConfig:',
      '            TargetGroups:',
      `              - {TargetGroupArn: !Ref BlueTG, Weight: ${a}}`,
      `              - {TargetGroupArn: {"Ref": "GreenTG"}, Weight: ${b}}`,
    ]),
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
      ...rule('Missing', 1, '/x', ['        - {Type: forward, TargetGroupArn: !Ref NoSuchTG}']),
      ...rule('Param', 2, '/y', ['        - {Type: forward, TargetGroupArn: !Ref SharedTargetGroup}']),
    ));
    assert.deepEqual(rules(m), ['LB103']);
    assert.equal(m.routes.find((r) => r.name === 'ListenerRule Param')!.target.kind, 'dynamic');
  });
});

describe('aws-alb: target groups', () => {
  it('lists Targets as servers; HealthCheckEnabled false means no active check', () => {
    const m = parse(TEMPLATE(
      '  AppTG:',
      '    Type: AWS::ElasticLoadBalancingV2::TargetGroup',
      '    Properties:',
      '      Port: 8080',
      '      TargetType: ip',
      '      HealthCheckEnabled: false',
      '      Targets: [{Id: 10.0.0.1}, {Id: 10.0.0.2, Port: 9090}]',
      ...rule('App', 1, '/app/*', ['        - {Type: forward, TargetGroupArn: !Ref AppTG}']),
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
