import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queryPairPattern } from '../../../server/src/formats/cloudformation/lower';
import { routes, where } from '../../helpers/routing';

/*
 * AWS Application Load Balancer listener rules in CloudFormation, as documented in "Listener rules for your
 * Application Load Balancer", "Condition types for listener rules", "Action types for listener rules" and the
 * AWS::ElasticLoadBalancingV2::Listener / ListenerRule resource reference. Each test names the rule it checks.
 */

const yaml = (...lines: string[]) => lines.join('\n');
const URI = 'file:///stack/alb.yaml';

/** A template: listener HTTP :80 (default → web), HTTPS :443 (default fixed 404), target groups web, api, v2, and `resources`. */
const template = (...resources: string[]) => routes(URI, yaml(
  "AWSTemplateFormatVersion: '2010-09-09'",
  'Parameters:',
  '  HostParam: {Type: String}',
  'Conditions:',
  '  IsProd: !Equals [!Ref HostParam, prod]',
  'Resources:',
  '  Http:',
  '    Type: AWS::ElasticLoadBalancingV2::Listener',
  '    Properties:',
  '      LoadBalancerArn: !Ref LB',
  '      Port: 80',
  '      Protocol: HTTP',
  '      DefaultActions: [{Type: forward, TargetGroupArn: !Ref Web}]',
  '  Https:',
  '    Type: AWS::ElasticLoadBalancingV2::Listener',
  '    Properties:',
  '      LoadBalancerArn: !Ref LB',
  '      Port: 443',
  '      Protocol: HTTPS',
  '      Certificates: [{CertificateArn: arn:aws:acm:eu-west-1:1:certificate/x}]',
  '      DefaultActions: [{Type: fixed-response, FixedResponseConfig: {StatusCode: "404", ContentType: text/plain}}]',
  ...['Web', 'Api', 'V2'].flatMap((tg, i) => [
    `  ${tg}:`,
    '    Type: AWS::ElasticLoadBalancingV2::TargetGroup',
    `    Properties: {Port: 80, Protocol: HTTP, VpcId: vpc-1, Targets: [{Id: 10.0.0.${i + 1}}]}`,
  ]),
  ...resources,
));

/** A ListenerRule on `listener` with `conditions` (a flow-style list) forwarding to `tg` (or other `actions`). */
const rule = (id: string, priority: number | string, conditions: string, tg = 'Api', listener = 'Http', actions?: string) => [
  `  ${id}:`,
  '    Type: AWS::ElasticLoadBalancingV2::ListenerRule',
  '    Properties:',
  `      ListenerArn: !Ref ${listener}`,
  `      Priority: ${priority}`,
  `      Conditions: ${conditions}`,
  `      Actions: ${actions ?? `[{Type: forward, TargetGroupArn: !Ref ${tg}}]`}`,
];
const path = (...values: string[]) => `[{Field: path-pattern, PathPatternConfig: {Values: [${values.map((v) => `"${v}"`).join(', ')}]}}]`;
const pool = (cfg: ReturnType<typeof template>, request: string, o: Parameters<ReturnType<typeof template>['send']>[1] = {}) => where(cfg.send(request, o)).pools[0];

describe('ALB: listeners and rule order', () => {
  it('a listener takes requests on its Port; HTTPS terminates TLS ("Protocol: HTTPS")', () => {
    const cfg = template();
    const http = cfg.send('GET http://shop.com/');
    assert.deepEqual([http.entry.name, http.bind?.port, http.bind?.tls], ['Listener Http', 80, false]);
    const https = cfg.send('GET https://shop.com/');
    assert.deepEqual([https.entry.name, https.bind?.port, https.bind?.tls], ['Listener Https', 443, true]);
    assert.equal(cfg.all('GET http://shop.com:8080/').length, 0, 'no listener on 8080');
    assert.equal(cfg.all('GET http://shop.com/', { port: 443 }).length, 0, 'plain HTTP to the HTTPS listener');
  });

  it('rules are evaluated "in priority order, starting with the lowest numbered rule", whatever their order in the template', () => {
    const cfg = template(
      ...rule('Broad', 20, path('/api/*'), 'Api'),
      ...rule('Narrow', 10, path('/api/v2/*'), 'V2'),
    );
    assert.equal(pool(cfg, 'GET http://shop.com/api/v2/users'), 'V2');
    assert.equal(pool(cfg, 'GET http://shop.com/api/v1/users'), 'Api');
  });

  it('"the default rule is evaluated last": the default action takes what no rule matched', () => {
    const cfg = template(...rule('Api', 1, path('/api/*')));
    const r = cfg.send('GET http://shop.com/web');
    assert.equal(r.route?.name, 'Listener Http default action');
    assert.deepEqual(where(r).pools, ['Web']);
  });

  it('a priority decided at deploy time: undecidable where another rule also matches, decided where it alone does', () => {
    const cfg = template(
      ...rule('Fixed', 10, path('/api/*'), 'Api'),
      ...rule('Unknown', '!Ref HostParam', path('/api/v2/*'), 'V2'),
      ...rule('Alone', '!GetAtt PriorityFn.Priority', path('/beta/*'), 'V2'),
    );
    const r = cfg.send('GET http://shop.com/api/v2/x');
    assert.equal(r.route?.name, 'ListenerRule Fixed');
    assert.ok(r.undecidable.some((u) => u.includes('ListenerRule Unknown')));
    assert.deepEqual(cfg.send('GET http://shop.com/api/v1/x').undecidable, []);
    const alone = cfg.send('GET http://shop.com/beta/x');
    assert.deepEqual([alone.route?.name, alone.undecidable], ['ListenerRule Alone', []]);
  });

  it('rules belong to the listener their ListenerArn names: a rule of the HTTPS listener does not take plain HTTP', () => {
    const cfg = template(...rule('Secure', 1, path('/api/*'), 'Api', 'Https'));
    assert.equal(pool(cfg, 'GET https://shop.com/api/x'), 'Api');
    assert.equal(pool(cfg, 'GET http://shop.com/api/x'), 'Web');
  });
});

describe('ALB: conditions ("each condition\'s values are alternatives; all conditions must hold")', () => {
  it('path-pattern is case-sensitive with `*` and `?`, "compared only to the path of the URL, not to its query string"', () => {
    const cfg = template(...rule('Img', 1, path('/img/*.png', '/v?/*')));
    assert.equal(pool(cfg, 'GET http://shop.com/img/a/b.png?size=2'), 'Api');
    assert.equal(pool(cfg, 'GET http://shop.com/v2/x'), 'Api');
    assert.equal(pool(cfg, 'GET http://shop.com/IMG/a.png'), 'Web', 'case-sensitive');
    assert.equal(pool(cfg, 'GET http://shop.com/img/a.jpg?x=.png'), 'Web', 'the query is not part of the path');
  });

  it('host-header is case-insensitive with `*` and `?` wildcards', () => {
    const cfg = template(...rule('Host', 1, '[{Field: host-header, HostHeaderConfig: {Values: ["*.Example.com", "shop?.net"]}}]'));
    assert.equal(pool(cfg, 'GET http://API.example.COM/'), 'Api');
    assert.equal(pool(cfg, 'GET http://shop1.net/'), 'Api');
    assert.equal(pool(cfg, 'GET http://example.com/'), 'Web', '`*.example.com` needs something before the dot');
  });

  it('http-header: the name is case-insensitive, the values case-insensitive with wildcards; an absent header does not match', () => {
    const cfg = template(...rule('Canary', 1, '[{Field: http-header, HttpHeaderConfig: {HttpHeaderName: X-Canary, Values: ["yes", "beta*"]}}]'));
    assert.equal(pool(cfg, 'GET http://shop.com/', { headers: ['x-canary: YES'] }), 'Api');
    assert.equal(pool(cfg, 'GET http://shop.com/', { headers: ['X-Canary: Beta-2'] }), 'Api');
    assert.equal(pool(cfg, 'GET http://shop.com/'), 'Web');
  });

  it('http-request-method is case-sensitive, without wildcards', () => {
    const cfg = template(...rule('Post', 1, '[{Field: http-request-method, HttpRequestMethodConfig: {Values: [POST, PUT]}}]'));
    assert.equal(pool(cfg, 'PUT http://shop.com/'), 'Api');
    assert.equal(pool(cfg, 'GET http://shop.com/'), 'Web');
  });

  it('query-string: "key/value pairs or values", case-insensitive with wildcards, satisfied when one is found', () => {
    const cfg = template(...rule('Q', 1, '[{Field: query-string, QueryStringConfig: {Values: [{Key: version, Value: "v2*"}, {Value: beta}]}}]'));
    assert.equal(pool(cfg, 'GET http://shop.com/?a=1&Version=V2.1'), 'Api');
    assert.equal(pool(cfg, 'GET http://shop.com/?channel=beta'), 'Api', 'a value without a key: any parameter');
    assert.equal(pool(cfg, 'GET http://shop.com/?version=v1'), 'Web');
    assert.equal(queryPairPattern('a', 'x\\*'), '(?:^|&)a=x\\*(?:&|$)', '`\\*` is a literal `*`');
  });

  it('source-ip matches the connection\'s source address in a CIDR block', () => {
    const cfg = template(...rule('Office', 1, '[{Field: source-ip, SourceIpConfig: {Values: [203.0.113.0/24]}}]'));
    assert.equal(pool(cfg, 'GET http://shop.com/', { src: '203.0.113.9' }), 'Api');
    assert.equal(pool(cfg, 'GET http://shop.com/', { src: '198.51.100.1' }), 'Web');
  });

  it('several conditions must all hold', () => {
    const cfg = template(...rule('Both', 1, `[{Field: host-header, HostHeaderConfig: {Values: [api.shop.com]}}, ${path('/v2/*').slice(1, -1)}]`));
    assert.equal(pool(cfg, 'GET http://api.shop.com/v2/x'), 'Api');
    assert.equal(pool(cfg, 'GET http://api.shop.com/v1/x'), 'Web');
    assert.equal(pool(cfg, 'GET http://www.shop.com/v2/x'), 'Web');
  });

  it('values computed at deploy time (!Ref, Fn::If), RegexValues and resource Conditions are undecidable, never a guess', () => {
    const cfg = template(
      ...rule('Param', 1, '[{Field: host-header, HostHeaderConfig: {Values: [!Ref HostParam]}}]'),
      ...rule('Regex', 2, '[{Field: path-pattern, PathPatternConfig: {RegexValues: ["^/api/[0-9]+$"]}}]'),
      ...rule('Iffy', 3, `!If [IsProd, ${path('/a/*')}, ${path('/b/*')}]`),
      // A rule created only where a template condition holds.
      ...rule('Only', 4, path('/a/*')).flatMap((l, i) => (i === 1 ? [l, '    Condition: IsProd'] : [l])),
    );
    const r = cfg.send('GET http://shop.com/a/1');
    assert.equal(r.route?.name, 'Listener Http default action');
    assert.equal(r.undecidable.length, 4);
    assert.deepEqual(r.trace.filter((t) => t.kind === 'route' && t.result === 'undecidable').map((t) => t.name), ['ListenerRule Param', 'ListenerRule Regex', 'ListenerRule Iffy', 'ListenerRule Only']);
    // Whatever the deployment, a request neither alternative can match is decided.
    assert.equal(cfg.send('GET http://shop.com/c/1').undecidable.length, 2);
  });
});

describe('ALB: actions', () => {
  it('forward with weighted target groups splits the requests by weight', () => {
    const cfg = template(...rule('Canary', 1, path('/*'), undefined, 'Http',
      '[{Type: forward, ForwardConfig: {TargetGroups: [{TargetGroupArn: !Ref Api, Weight: 90}, {TargetGroupArn: !Ref V2, Weight: 10}], TargetGroupStickinessConfig: {Enabled: true, DurationSeconds: 60}}}]'));
    const r = cfg.send('GET http://shop.com/x');
    assert.deepEqual(r.pools.map((p) => [p.pool.name, p.share]), [['Api', 0.9], ['V2', 0.1]]);
    assert.deepEqual(r.servers.map((s) => [s.server.address, Math.round(s.share * 100) / 100]), [['10.0.0.2:80', 0.9], ['10.0.0.3:80', 0.1]]);
  });

  it('redirect answers with HTTP_301 or HTTP_302; fixed-response with its StatusCode', () => {
    const cfg = template(
      ...rule('Moved', 1, path('/old/*'), undefined, 'Http', '[{Type: redirect, RedirectConfig: {Protocol: HTTPS, Port: "443", StatusCode: HTTP_301}}]'),
      ...rule('Temp', 2, path('/tmp/*'), undefined, 'Http', '[{Type: redirect, RedirectConfig: {Host: other.com, StatusCode: HTTP_302}}]'),
      ...rule('Gone', 3, path('/gone/*'), undefined, 'Http', '[{Type: fixed-response, FixedResponseConfig: {StatusCode: "410"}}]'),
    );
    const moved = cfg.send('GET http://shop.com/old/x');
    assert.deepEqual([moved.outcome, moved.status], ['redirect', 301]);
    assert.match(moved.summary, /https:\/\/#\{host\}:443/);
    assert.deepEqual([where(cfg.send('GET http://shop.com/tmp/x')).outcome, where(cfg.send('GET http://shop.com/tmp/x')).status], ['redirect', 302]);
    assert.deepEqual(where(cfg.send('GET http://shop.com/gone/x')), { route: 'ListenerRule Gone', pools: [], outcome: 'direct', status: 410 });
    assert.deepEqual(where(cfg.send('GET https://shop.com/')), { route: 'Listener Https default action', pools: [], outcome: 'direct', status: 404 });
  });

  it('authenticate-oidc / authenticate-cognito come first (by Order): the request goes where the next action sends it', () => {
    const cfg = template(...rule('Auth', 1, path('/admin/*'), undefined, 'Http',
      '[{Type: forward, Order: 2, TargetGroupArn: !Ref Api}, {Type: authenticate-oidc, Order: 1, AuthenticateOidcConfig: {Issuer: x}}]'));
    assert.equal(pool(cfg, 'GET http://shop.com/admin/x'), 'Api');
  });

  it('a target group whose targets are all unhealthy: 503', () => {
    const cfg = template(...rule('ApiRule', 1, path('/api/*')));
    const ok = cfg.send('GET http://shop.com/api/x');
    const down = cfg.send('GET http://shop.com/api/x', { failed: ok.servers.map((s) => s.server.id) });
    assert.deepEqual([down.outcome, down.status], ['no-backend', 503]);
  });
});

describe('ALB: listeners outside the template', () => {
  it('a rule of a listener another stack defines (ListenerArn from a parameter): what no rule matches goes to a default action not known here', () => {
    const cfg = routes(URI, yaml(
      'Parameters:', '  ListenerArn: {Type: String}',
      'Resources:',
      '  Api: {Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: {Port: 80, Protocol: HTTP, VpcId: vpc-1}}',
      '  Rule:', '    Type: AWS::ElasticLoadBalancingV2::ListenerRule', '    Properties:', '      ListenerArn: !Ref ListenerArn', '      Priority: 5',
      `      Conditions: ${path('/api/*')}`, '      Actions: [{Type: forward, TargetGroupArn: !Ref Api}]',
    ));
    assert.deepEqual(where(cfg.send('GET http://shop.com/api/x')).pools, ['Api'], 'its port is not known: any request reaches it');
    const r = cfg.send('GET http://shop.com/web');
    assert.deepEqual([r.outcome, r.status], ['no-backend', undefined]);
    assert.match(r.summary, /defined outside/);
  });
});
