import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LspClient } from '../helpers/lspClient';
import { tempWorkspace } from '../helpers/text';

/**
 * Hostile YAML in the editor, through the real server over stdio: an alias bomb opened, a bomb in a neighbouring
 * manifest, a bomb as the base text of `lbLens/compare`, 10,000-deep nesting — each answered at once with one
 * LB001 in the product's terms, and the server keeps answering.
 */

const aliases = (indent: string) => {
  const out = [`${indent}x0: &a0 {kind: Service}`];
  for (let i = 1; i < 9; i++) out.push(`${indent}x${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`);
  return out.join('\n');
};

const ROUTE = 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web}\nspec:\n  parentRefs: [{name: gw}]\n  rules:\n  - backendRefs: [{name: api, port: 80}]\n';
const BOMB = `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: r\n  annotations:\n${aliases('    ')}\nspec:\n  parentRefs: [{name: gw}]\n  rules:\n  - backendRefs: *a8\n`;
const SERVICE_BOMB = `apiVersion: v1\nkind: Service\nmetadata:\n  name: bomb\n  annotations:\n${aliases('    ')}\nspec: {ports: *a8}\n`;

describe('hostile YAML over stdio', () => {
  const ws = tempWorkspace({
    'route.yaml': ROUTE,
    'svc.yaml': 'apiVersion: v1\nkind: Service\nmetadata: {name: api}\nspec: {ports: [{port: 80}]}\n',
    'bomb-service.yaml': SERVICE_BOMB,
  });
  let client: LspClient;

  before(async () => {
    client = new LspClient();
    await client.initialize(ws.rootUri);
  });
  after(() => client.stop());

  test('an alias bomb opened in the editor: one LB001 (go-yaml "excessive aliasing"), within seconds', async () => {
    const uri = ws.uri('bomb.yaml');
    const t0 = Date.now();
    await client.open(uri, BOMB, 'yaml');
    const p = await client.diagnostics(uri, (d) => d.diagnostics.length > 0, 10_000);
    assert.ok(Date.now() - t0 < 10_000);
    assert.deepEqual(p.diagnostics.map((d) => d.code), ['LB001']);
    assert.match(p.diagnostics[0].message, /Kubernetes refuses it \(go-yaml: "document contains excessive aliasing"\)/);
  });

  test('a clean route next to a bomb (read for its Services) is analysed as usual', async () => {
    const uri = ws.uri('route.yaml');
    await client.open(uri, ROUTE, 'yaml');
    const p = await client.diagnostics(uri, () => true, 10_000);
    assert.ok(!p.diagnostics.some((d) => d.code === 'LB001'), JSON.stringify(p.diagnostics));
  });

  test('lbLens/compare with a bomb as the base text answers at once, and the server still answers after', async () => {
    const uri = ws.uri('route.yaml');
    const c = await client.request('lbLens/compare', { textDocument: { uri }, baseText: BOMB });
    assert.equal(c.format, 'kubernetes');
    const d = await client.request('lbLens/distribution', { textDocument: { uri } });
    assert.ok(d);
  });

  test('10,000-deep nesting: "Nesting deeper than 256 levels", never a JavaScript message', async () => {
    const uri = ws.uri('deep.yaml');
    await client.open(uri, `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nspec: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`, 'yaml');
    const p = await client.diagnostics(uri, (x) => x.diagnostics.length > 0, 10_000);
    assert.deepEqual(p.diagnostics.map((x) => x.message), ['Nesting deeper than 256 levels: lb-lens does not read this document (go-yaml, the YAML decoder of Kubernetes, stops at 10,000 levels)']);
  });
});
