import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixesFor } from '../../../server/src/service/codeActions';
import { analyzeText } from '../../helpers/edits';
import { checkFix } from './check';

const URI = 'file:///w/alb.yaml';
const JSON_URI = 'file:///w/alb.json';

/** A listener forwarding to `TgWeb`, `rules` and target groups (YAML under Resources). */
const template = (resources: string) => `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/a/1
      Port: 80
      Protocol: HTTP
      DefaultActions:
        - Type: forward
          TargetGroupArn: !Ref TgWeb
${resources}`;

const rule = (id: string, priority: string, path: string, action: string) => `  ${id}:
    Type: AWS::ElasticLoadBalancingV2::ListenerRule
    Properties:
      ListenerArn: !Ref Listener
      Priority: ${priority}
      Conditions:
        - Field: path-pattern
          Values: ["${path}"]
      Actions:
        - Type: forward
${action}`;

const tg = (id: string, targets: string[], extra = '') => `  ${id}:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties:
      Port: 80
      Protocol: HTTP
      VpcId: vpc-1
      TargetType: ip
${extra}${targets.length ? `      Targets:\n${targets.map((t) => `        - Id: ${t}\n`).join('')}` : ''}`;

describe('AWS ALB (CloudFormation) quick fixes (YAML)', () => {
  test('LB107: HealthCheckEnabled false → true, the comment kept', () => {
    const text = template(tg('TgWeb', ['10.0.0.1', '10.0.0.2'], '      HealthCheckEnabled: false   # flaky\n'));
    const { fix } = checkFix({
      uri: URI, text, ruleId: 'LB107', title: /^Enable health checks/,
      removed: ['      HealthCheckEnabled: false   # flaky'], added: ['      HealthCheckEnabled: true   # flaky'],
    });
    assert.equal(fix.isPreferred, undefined);
  });

  test('LB107: a lambda target group (checks off by default) gets HealthCheckEnabled: true', () => {
    const text = template(tg('TgWeb', ['arn:aws:lambda:eu-west-1:1:function:a', 'arn:aws:lambda:eu-west-1:1:function:b']).replace('TargetType: ip', 'TargetType: lambda'));
    checkFix({ uri: URI, text, ruleId: 'LB107', title: /^Enable health checks/, removed: [], added: ['      HealthCheckEnabled: true'] });
  });

  test('LB103: the logical id inside !GetAtt is changed, the attribute kept', () => {
    const text = template(rule('ApiRule', '10', '/api/*', '          TargetGroupArn: !GetAtt TgApii.Arn\n') + tg('TgWeb', []) + tg('TgApi', []));
    checkFix({
      uri: URI, text, ruleId: 'LB103', title: /^Change to "TgApi"$/,
      removed: ['          TargetGroupArn: !GetAtt TgApii.Arn'], added: ['          TargetGroupArn: !GetAtt TgApi.Arn'],
    });
  });

  test('LB103: and inside {Ref: …}', () => {
    const text = template(rule('ApiRule', '10', '/api/*', '          TargetGroupArn: { Ref: TgApii }\n') + tg('TgWeb', []) + tg('TgApi', []));
    checkFix({
      uri: URI, text, ruleId: 'LB103', title: /^Change to "TgApi"$/,
      removed: ['          TargetGroupArn: { Ref: TgApii }'], added: ['          TargetGroupArn: { Ref: TgApi }'],
    });
  });

  test('LB105: remove the duplicate target', () => {
    const text = template(tg('TgWeb', ['10.0.0.1', '10.0.0.2', '10.0.0.1']));
    const { fixed } = checkFix({ uri: URI, text, ruleId: 'LB105', title: /^Remove the duplicate server 10\.0\.0\.1:80$/, removed: ['        - Id: 10.0.0.1'], added: [] });
    assert.ok(fixed.endsWith('        - Id: 10.0.0.1\n        - Id: 10.0.0.2\n'), fixed);
  });

  test('LB110: remove the unused target group; not when DependsOn or an output names it', () => {
    const text = template(tg('TgWeb', []) + tg('TgOld', []));
    checkFix({
      uri: URI, text, ruleId: 'LB110', title: /^Remove the unused target group "TgOld"$/,
      removed: ['  TgOld:', '    Type: AWS::ElasticLoadBalancingV2::TargetGroup', '    Properties:', '      Port: 80', '      Protocol: HTTP', '      VpcId: vpc-1', '      TargetType: ip'],
      added: [],
    });
    let checked = 0;
    for (const extra of ['    DependsOn: TgOld\n', '    Metadata:\n      Note: !Sub "${TgOld.TargetGroupName}"\n']) {
      const named = text.replace('  Listener:\n    Type: AWS::ElasticLoadBalancingV2::Listener\n', `  Listener:\n    Type: AWS::ElasticLoadBalancingV2::Listener\n${extra}`);
      const a = analyzeText(URI, named);
      const d = a.ownDiagnostics.find((x) => x.ruleId === 'LB110');
      if (!d) continue; // the model may count the mention as a use: then there is nothing to fix
      assert.ok(!fixesFor(a, d).some((f) => /^Remove/.test(f.title)), extra);
      checked++;
    }
    assert.ok(checked > 0, 'DependsOn is not a use, so LB110 still fires there');
  });

  test('LB106: delete a ListenerRule that a catch-all rule before it shadows', () => {
    const text = template(
      rule('AllRule', '1', '/*', '          TargetGroupArn: !Ref TgWeb\n') + rule('ApiRule', '5', '/api/*', '          TargetGroupArn: !Ref TgWeb\n') + tg('TgWeb', []),
    );
    checkFix({
      uri: URI, text, ruleId: 'LB106', title: /^Delete the unreachable ListenerRule ApiRule$/,
      removed: ['  ApiRule:', '    Type: AWS::ElasticLoadBalancingV2::ListenerRule', '    Properties:', '      ListenerArn: !Ref Listener', '      Priority: 5',
        '      Conditions:', '        - Field: path-pattern', '          Values: ["/api/*"]', '      Actions:', '        - Type: forward', '          TargetGroupArn: !Ref TgWeb'],
      added: [],
    });
  });

  const SPLIT = '          ForwardConfig:\n            TargetGroups:\n              - TargetGroupArn: !Ref TgWeb\n                Weight: 1200\n              - TargetGroupArn: !Ref TgApi\n                Weight: 1\n';

  test('LB002: a ForwardConfig weight above 999 becomes 999', () => {
    const text = template(rule('SplitRule', '10', '/split/*', SPLIT) + tg('TgWeb', []) + tg('TgApi', []));
    checkFix({ uri: URI, text, ruleId: 'LB002', title: /^Change to 999 \(the maximum\)$/, removed: ['                Weight: 1200'], added: ['                Weight: 999'] });
  });

  test('LB002: a Priority above 50000 becomes 50000, unless another rule has it', () => {
    const text = template(rule('ApiRule', '60000', '/api/*', '          TargetGroupArn: !Ref TgWeb\n') + tg('TgWeb', []));
    checkFix({ uri: URI, text, ruleId: 'LB002', title: /^Change to 50000 \(the maximum\)$/, removed: ['      Priority: 60000'], added: ['      Priority: 50000'] });
    const taken = template(rule('ApiRule', '60000', '/api/*', '          TargetGroupArn: !Ref TgWeb\n') + rule('Other', '50000', '/o/*', '          TargetGroupArn: !Ref TgWeb\n') + tg('TgWeb', []));
    const a = analyzeText(URI, taken);
    const d = a.ownDiagnostics.find((x) => x.ruleId === 'LB002')!;
    assert.ok(!fixesFor(a, d).some((f) => /^Change/.test(f.title)));
  });
});

const JSON_TEXT = `{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {
    "Listener": {
      "Type": "AWS::ElasticLoadBalancingV2::Listener",
      "Properties": {
        "Port": 80,
        "Protocol": "HTTP",
        "DefaultActions": [{"Type": "forward", "TargetGroupArn": {"Ref": "TgWeb"}}]
      }
    },
    "ApiRule": {
      "Type": "AWS::ElasticLoadBalancingV2::ListenerRule",
      "Properties": {
        "ListenerArn": {"Ref": "Listener"},
        "Priority": 10,
        "Conditions": [{"Field": "path-pattern", "Values": ["/api/*"]}],
        "Actions": [{"Type": "forward", "TargetGroupArn": {"Fn::GetAtt": ["TgWbe", "Arn"]}}]
      }
    },
    "TgWeb": {
      "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
      "Properties": {
        "Port": 80,
        "Protocol": "HTTP",
        "VpcId": "vpc-1",
        "TargetType": "lambda",
        "Targets": [{"Id": "arn:aws:lambda:eu-west-1:1:function:a"}, {"Id": "arn:aws:lambda:eu-west-1:1:function:b"}]
      }
    },
    "TgOld": {
      "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
      "Properties": {"Port": 80, "Protocol": "HTTP", "VpcId": "vpc-1"}
    }
  }
}
`;

describe('AWS ALB (CloudFormation) quick fixes (JSON)', () => {
  test('LB107: "HealthCheckEnabled": true added after the last property', () => {
    const { fixed } = checkFix({
      uri: JSON_URI, text: JSON_TEXT, ruleId: 'LB107', title: /^Enable health checks/,
      removed: ['        "Targets": [{"Id": "arn:aws:lambda:eu-west-1:1:function:a"}, {"Id": "arn:aws:lambda:eu-west-1:1:function:b"}]'],
      added: ['        "Targets": [{"Id": "arn:aws:lambda:eu-west-1:1:function:a"}, {"Id": "arn:aws:lambda:eu-west-1:1:function:b"}],', '        "HealthCheckEnabled": true'],
    });
    assert.doesNotThrow(() => JSON.parse(fixed));
  });

  test('LB103: the id inside Fn::GetAtt, quotes kept', () => {
    checkFix({
      uri: JSON_URI, text: JSON_TEXT, ruleId: 'LB103', title: /^Change to "TgWeb"$/,
      removed: ['        "Actions": [{"Type": "forward", "TargetGroupArn": {"Fn::GetAtt": ["TgWbe", "Arn"]}}]'],
      added: ['        "Actions": [{"Type": "forward", "TargetGroupArn": {"Fn::GetAtt": ["TgWeb", "Arn"]}}]'],
    });
  });

  test('LB110: the last resource goes with the comma before it', () => {
    const { fixed } = checkFix({
      uri: JSON_URI, text: JSON_TEXT, ruleId: 'LB110', title: /^Remove the unused target group "TgOld"$/,
      removed: ['    },', '    "TgOld": {', '      "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",', '      "Properties": {"Port": 80, "Protocol": "HTTP", "VpcId": "vpc-1"}'],
      added: [],
    });
    assert.doesNotThrow(() => JSON.parse(fixed));
  });
});
