import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixesFor } from '../../../server/src/service/codeActions';
import { analyzeText } from '../../helpers/edits';
import { checkFix } from './check';

const URI = 'file:///w/k8s/ingress.yaml';
const JSON_URI = 'file:///w/k8s/route.json';
const svc = (name: string) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  ports:\n    - port: 80\n`;
/** Services of the folder (the set is then complete: an unknown name is undefined). */
const FILES = { 'file:///w/k8s/services.yaml': `${svc('web')}---\n${svc('web2')}` };

const INGRESS = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
spec:
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
          - path: /api
            pathType: Prefix
            backend:
              service:
                name: webb  # typo
                port:
                  number: 8080
`;

const ROUTE = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: r
spec:
  rules:
    - backendRefs:
        - name: web
          port: 80
          weight: 2000000
        - name: web2
          port: 80
          weight: -1
`;

describe('Kubernetes quick fixes', () => {
  test('LB103: change to the closest Service of the namespace, the comment kept', () => {
    checkFix({
      uri: URI, text: INGRESS, files: FILES, ruleId: 'LB103', title: /^Change to "web"$/,
      removed: ['                name: webb  # typo'], added: ['                name: web  # typo'],
    });
  });

  test('LB103: create the missing Service as a new document (its port from the backend)', () => {
    const { fixed } = checkFix({
      uri: URI, text: INGRESS, files: FILES, ruleId: 'LB103', title: /^Create Service "webb"$/, removed: [],
      added: ['---', 'apiVersion: v1', 'kind: Service', 'metadata:', '  name: webb', 'spec:', '  selector:', '    app: webb', '  ports:', '    - port: 8080'],
    });
    assert.ok(fixed.startsWith(INGRESS), 'appended after the last document');
  });

  test('LB103: no Service document in a JSON manifest (one document per file)', () => {
    const json = JSON.stringify({
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' },
      spec: { rules: [{ backendRefs: [{ name: 'web', port: 80 }, { name: 'webb', port: 80 }] }] },
    }, null, 2);
    const a = analyzeText(JSON_URI, json, { files: FILES });
    const d = a.ownDiagnostics.find((x) => x.ruleId === 'LB103');
    assert.ok(d, JSON.stringify(a.ownDiagnostics));
    assert.deepEqual(fixesFor(a, d).map((f) => f.title), ['Change to "web"']);
  });

  test('LB002: a backendRef weight above 1000000 is clamped', () => {
    checkFix({
      uri: URI, text: ROUTE, files: FILES, ruleId: 'LB002', where: (d) => /2000000/.test(d.message), title: /^Change to 1000000 \(the maximum\)$/,
      removed: ['          weight: 2000000'], added: ['          weight: 1000000'],
    });
  });

  test('LB002: a negative weight is removed (the default 1, as analysed)', () => {
    checkFix({
      uri: URI, text: ROUTE, files: FILES, ruleId: 'LB002', where: (d) => /"-1"/.test(d.message), title: /^Remove the invalid weight/,
      removed: ['          weight: -1'], added: [],
    });
  });

  test('suppression comment', () => {
    checkFix({ uri: URI, text: INGRESS, files: FILES, ruleId: 'LB103', title: /^Disable LB103/, removed: [], added: ['                # lb-lens-disable-next-line LB103'] });
  });
});
