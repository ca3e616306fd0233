import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdits } from '../helpers/edits';
import { envoyBootstrap } from '../helpers/envoy';
import { LspClient, type PublishedDiagnostics } from '../helpers/lspClient';
import { tempWorkspace } from '../helpers/text';

/** An Envoy bootstrap (YAML) with LB107 (no health check), LB105 (duplicate endpoint) and LB103 (a typo). */
const ENVOY = envoyBootstrap(
  `              - match: { prefix: "/api" }
                route: { cluster: apii }
              - match: { prefix: "/" }
                route: { cluster: app }`,
  `  - name: app  # the shop
    connect_timeout: 1s
    load_assignment:
      cluster_name: app
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address: { address: 10.0.0.1, port_value: 8080 }
        - endpoint:
            address:
              socket_address: { address: 10.0.0.2, port_value: 8080 }
        - endpoint:
            address:
              socket_address: { address: 10.0.0.1, port_value: 8080 }
`,
);

interface Action {
  title: string;
  kind: string;
  isPreferred?: boolean;
  diagnostics?: Array<{ code: string; message: string }>;
  edit?: { changes?: Record<string, Array<{ range: any; newText: string }>> };
}

describe('code actions for a declarative format (Envoy YAML) over stdio', () => {
  const ws = tempWorkspace({ 'envoy.yaml': ENVOY });
  const uri = ws.uri('envoy.yaml');
  let client: LspClient;
  let version = 1;

  before(async () => {
    client = new LspClient();
    await client.initialize(ws.rootUri);
  });
  after(() => client.stop());

  async function setText(text: string): Promise<PublishedDiagnostics> {
    version++;
    await client.change(uri, version, [{ text }]);
    return client.diagnostics(uri, (p) => p.version === version);
  }

  test('LB107: the health check fix edits only the document and clears the finding once applied', async () => {
    await client.open(uri, ENVOY, 'yaml');
    const published = await client.diagnostics(uri, (p) => p.version === 1);
    const d = published.diagnostics.find((x) => x.code === 'LB107');
    assert.ok(d, JSON.stringify(published.diagnostics.map((x) => x.code)));
    const actions: Action[] = await client.request('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d], only: ['quickfix'] } });
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes('Disable LB107 for this line (lb-lens-disable-next-line)'), JSON.stringify(titles));
    const fix = actions.find((a) => /^Add an active health check/.test(a.title));
    assert.ok(fix, JSON.stringify(titles));
    assert.equal(fix.kind, 'quickfix');
    assert.equal(fix.isPreferred, true);
    assert.equal(fix.diagnostics![0].code, 'LB107');
    assert.deepEqual(Object.keys(fix.edit!.changes!), [uri]);
    const fixed = applyEdits(ENVOY, fix.edit!.changes![uri]);
    assert.ok(fixed.includes('    health_checks:\n    - timeout: 1s\n'), fixed);
    const after = await setText(fixed);
    assert.ok(!after.diagnostics.some((x) => x.code === 'LB107' || x.code === 'LB001'), JSON.stringify(after.diagnostics));
    assert.equal(after.diagnostics.length, published.diagnostics.length - 1, 'nothing else changed');
    await setText(ENVOY);
  });

  test('fix all on save: the preferred fixes (health check, duplicate, typo) in one action', async () => {
    const zero = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const onSave: Action[] = await client.request('textDocument/codeAction', {
      textDocument: { uri }, range: zero, context: { diagnostics: [], only: ['source.fixAll'], triggerKind: 2 },
    });
    assert.equal(onSave.length, 1, JSON.stringify(onSave.map((a) => a.title)));
    const fixed = applyEdits(ENVOY, onSave[0].edit!.changes![uri]);
    const after = await setText(fixed);
    const left = after.diagnostics.map((x) => x.code);
    for (const id of ['LB103', 'LB105', 'LB107', 'LB001']) assert.ok(!left.includes(id), `${id} left in ${JSON.stringify(after.diagnostics)}\n${fixed}`);
    await setText(ENVOY);
  });
});
