// Workspace Trust: the extension declares `untrustedWorkspaces: { supported: "limited" }` (it runs no programs
// from the workspace), so diagnostics must appear whether the workspace is trusted or not; only the comparison
// with HEAD, which runs git, waits for trust.
// LB_LENS_E2E_TRUST tells what the runner set up: `disabled` (--disable-workspace-trust) or `untrusted`.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, closeAll, openExample, waitFor, waitForRules } from './helpers';

describe('workspace trust', () => {
  after(closeAll);

  it('matches the mode the runner started VS Code in', function () {
    const expected = process.env.LB_LENS_E2E_TRUST;
    if (!expected) this.skip(); // desktop runner: whatever the host decided
    console.log(`workspace trust mode: ${expected}, vscode.workspace.isTrusted = ${vscode.workspace.isTrusted}`);
    assert.equal(vscode.workspace.isTrusted, expected !== 'untrusted');
  });

  it('shows diagnostics in this mode', async () => {
    const lb = await api();
    assert.ok(lb.client, 'the language client runs');
    const editor = await openExample('incident/nginx.conf');
    await waitForRules(editor.document.uri, ['LB101', 'LB102'], 30_000);
  });

  it('Compare with HEAD runs git only in a trusted workspace', async () => {
    const lb = await api();
    const editor = await openExample('incident/nginx.conf');
    await vscode.commands.executeCommand('lbLens.compareWithHead');
    const uri = editor.document.uri.toString();
    const state = await waitFor('the compare view', () => lb.lastComparison?.(), (s) => !!s && s.uri === uri, 30_000);
    if (vscode.workspace.isTrusted) {
      assert.doesNotMatch(state?.message ?? '', /trusted workspace/);
    } else {
      assert.equal(state?.comparison, null);
      assert.match(state?.message ?? '', /only in a trusted workspace/);
    }
  });

  it('Test a Request works in this mode (it runs nothing)', async () => {
    await openExample('incident/nginx.conf');
    const state = await vscode.commands.executeCommand<{ response: { results?: Array<{ route: { name: string } | null }> } | null } | undefined>(
      'lbLens.testRequest',
      'GET http://shop.example.com/api/users',
    );
    assert.equal(state?.response?.results?.[0]?.route?.name, 'location /api/', JSON.stringify(state));
  });
});
