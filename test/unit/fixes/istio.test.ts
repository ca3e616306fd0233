import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFix } from './check';

const URI = 'file:///w/istio.yaml';

const vs = (http: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
${http}`;

const route = (prefix: string, dest: string) =>
  `    - match:\n        - uri:\n            prefix: ${prefix}\n      route:\n        - destination:\n${dest}`;

const DR = `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
spec:
  host: reviews
  trafficPolicy:
    loadBalancer:
      simple: ROUND_ROBIN
  subsets:
    - name: v1
      labels:
        version: v1
    - name: v2
      labels:
        version: v2
`;

/** A ServiceEntry with STATIC endpoints `address[ weight]`. */
const se = (endpoints: string[]) => `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: api
spec:
  hosts: [api.example.com]
  resolution: STATIC
  ports:
    - number: 443
      name: https
      protocol: TLS
  endpoints:
${endpoints.map((e) => {
    const [address, weight] = e.split(' ');
    return `    - address: ${address}\n${weight ? `      weight: ${weight}\n` : ''}`;
  }).join('')}`;

const toApi = route('/api', '            host: api.example.com\n');

describe('Istio quick fixes', () => {
  const SUBSET = vs(route('/', '            host: reviews\n            subset: v3\n')) + DR;

  test('LB103: change to the closest subset of the host', () => {
    checkFix({ uri: URI, text: SUBSET, ruleId: 'LB103', title: /^Change to "v1"$/, removed: ['            subset: v3'], added: ['            subset: v1'] });
  });

  test('LB103: create the subset in the DestinationRule of the host', () => {
    const { fixed } = checkFix({
      uri: URI, text: SUBSET, ruleId: 'LB103', title: /^Create subset "v3"/, removed: [],
      added: ['    - name: v3', '      labels:', '        version: v3'],
    });
    assert.ok(fixed.endsWith('        version: v2\n    - name: v3\n      labels:\n        version: v3\n'), fixed);
  });

  test('LB107: outlierDetection in the DestinationRule of the host, a new one when there is none', () => {
    const text = vs(toApi) + se(['10.0.0.1', '10.0.0.2']);
    checkFix({
      uri: URI, text, ruleId: 'LB107', title: /^Add passive health checking/, removed: [],
      added: ['---', 'apiVersion: networking.istio.io/v1', 'kind: DestinationRule', 'metadata:', '  name: api-example-com', 'spec:', '  host: api.example.com',
        '  trafficPolicy:', '    outlierDetection:', '      consecutive5xxErrors: 5', '      interval: 10s', '      baseEjectionTime: 30s'],
    });
    const withRule = text + '---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: api\nspec:\n  host: api.example.com\n  trafficPolicy:\n    tls:\n      mode: SIMPLE\n';
    checkFix({
      uri: URI, text: withRule, ruleId: 'LB107', title: /^Add passive health checking/, removed: [],
      added: ['    outlierDetection:', '      consecutive5xxErrors: 5', '      interval: 10s', '      baseEjectionTime: 30s'],
    });
  });

  test('LB102: equal ServiceEntry endpoint weights', () => {
    const text = vs(toApi) + se(['10.0.0.1 9', '10.0.0.2 1']);
    checkFix({ uri: URI, text, ruleId: 'LB102', title: /equal weight/, removed: ['      weight: 9', '      weight: 1'], added: [] });
  });

  test('LB105: remove the duplicate endpoint', () => {
    const text = vs(toApi) + se(['10.0.0.1', '10.0.0.2', '10.0.0.1 3']);
    checkFix({ uri: URI, text, ruleId: 'LB105', title: /^Remove the duplicate server 10\.0\.0\.1:443$/, removed: ['    - address: 10.0.0.1', '      weight: 3'], added: [] });
  });

  const SHADOW = vs(route('/', '            host: reviews\n') + route('/api', '            host: reviews\n') + route('/img', '            host: reviews\n'));

  test('LB106: move the catch-all route after the routes it shadows, or delete the unreachable one', () => {
    const { fixed } = checkFix({ uri: URI, text: SHADOW, ruleId: 'LB106', title: /^Move http\[0\] after http\[2\]$/, removed: [], added: [] });
    assert.ok(fixed.indexOf('prefix: /img') < fixed.indexOf('prefix: /\n'), fixed);
    checkFix({
      uri: URI, text: SHADOW, ruleId: 'LB106', where: (d) => /http\[2\]/.test(d.message), title: /^Delete the unreachable http\[2\]$/,
      removed: ['    - match:', '        - uri:', '            prefix: /img', '      route:', '        - destination:', '            host: reviews'], added: [],
    });
  });

  test('LB002: a negative destination weight becomes 0; a fractional endpoint weight is rounded down', () => {
    const split = vs(route('/', '            host: reviews\n            subset: v1\n          weight: -5\n        - destination:\n            host: reviews\n            subset: v2\n          weight: 50\n')) + DR;
    checkFix({ uri: URI, text: split, ruleId: 'LB002', title: /^Change to 0 \(the minimum\)$/, removed: ['          weight: -5'], added: ['          weight: 0'] });
    const text = vs(toApi) + se(['10.0.0.1 2.5', '10.0.0.2']);
    checkFix({ uri: URI, text, ruleId: 'LB002', title: /^Change to 2 \(an integer\)$/, removed: ['      weight: 2.5'], added: ['      weight: 2'] });
  });
});
