// Logged traffic in a real extension host: the setting `lbLens.traffic.logs` names the example's access log; the
// server replays it through replay/nginx.conf in the background, and hovers, inlay hints and the preview show the
// logged numbers next to the configured shares. A long replay reports progress and "LB Lens: Cancel Access-Log
// Replay" stops it. Asserted through the API `activate` returns (`lastPreview()`, `trafficChanges()`).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import * as vscode from 'vscode';
import { api, closeAll, hintText, hoverText, openExample, waitFor, workspaceUri } from './helpers';

const CONFIG = 'replay/nginx.conf';

interface TrafficPreview {
  status: string;
  message?: string;
  requests: number;
  peak: number | null;
  sample?: string;
  logs: Array<{ path: string; format?: string; requests: number }>;
  unrouted: Array<{ outcome: string; status?: number; requests: number }>;
}
interface LoggedRoute { name: string; logged?: { requests: number; share: number; peak: number | null; drift: Array<{ pool: string; status: string }> }; servers: Array<{ address: string; share: number; logged?: { observed?: { share: number; requests: number; outside?: boolean } } }> }
type Preview = { routes: LoggedRoute[]; traffic?: TrafficPreview } | undefined;
type Change = { uri: string; status: string; progressToken?: string | number };

async function lbApi() {
  const lb = (await api()) as unknown as { lastPreview(): Preview; trafficChanges(): readonly Change[] };
  assert.ok(lb.trafficChanges, 'activate() returns trafficChanges()');
  return lb;
}

/** Each key is one settings change (the cap first: a replay then starts only once the logs are named). */
async function setTraffic(value: Record<string, unknown> | undefined): Promise<void> {
  const cfg = vscode.workspace.getConfiguration('lbLens');
  for (const key of ['maxLines', 'logs']) await cfg.update(`traffic.${key}`, value?.[key], vscode.ConfigurationTarget.Global);
}

describe('Logged traffic (lbLens.traffic.logs)', function () {
  this.timeout(120_000);

  before(closeAll);
  after(async () => {
    await setTraffic(undefined);
    await closeAll();
  });

  it('the preview, hovers and inlay hints show the replayed access log next to the configured shares', async () => {
    const editor = await openExample(CONFIG);
    const uri = editor.document.uri;
    await setTraffic({ logs: ['replay/access.log'] });
    await vscode.commands.executeCommand('lbLens.showDistribution');
    const lb = await lbApi();
    const file = await waitFor('the preview with logged traffic', () => lb.lastPreview(), (f) => f?.traffic?.status === 'done', 60_000);
    const t = file!.traffic!;
    assert.equal(t.requests, 600);
    assert.equal(t.peak, 20);
    assert.deepEqual(t.logs.map((l) => [l.path, l.format, l.requests]), [['replay/access.log', 'nginx log_format "main"', 600]]);
    assert.deepEqual(t.unrouted.map((u) => [u.outcome, u.status, u.requests]), [['redirect', 301, 16]]);
    const root = file!.routes.find((r) => r.name === 'location /')!;
    assert.deepEqual([root.logged?.requests, root.logged?.share, root.logged?.peak], [353, 0.5883, 13]);
    assert.deepEqual(root.logged?.drift.map((d) => [d.pool, d.status]), [['app', 'drift']]);
    const s11 = root.servers.find((s) => s.address === '10.0.1.11:8080')!;
    assert.deepEqual([s11.logged?.observed?.share, s11.logged?.observed?.requests, s11.logged?.observed?.outside], [0.4901, 173, true]);

    // Hover on the route and on a server.
    const at = (needle: string) => {
      const offset = editor.document.getText().indexOf(needle);
      assert.ok(offset >= 0, needle);
      return editor.document.positionAt(offset + 1);
    };
    const route = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, at('location / {')));
    assert.match(route, /\*\*Logged:\*\* 353 requests, peak 13 req\/s/);
    assert.match(route, /⚠ Drift in `app`/);
    const server = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, at('10.0.1.11:8080;')));
    assert.match(server, /configured 33\.3% · logged 49% of `app` \(173 requests/);

    // Inlay hints: the route's logged share.
    const full = new vscode.Range(0, 0, editor.document.lineCount, 0);
    const hints = await waitFor(
      'inlay hints with the logged share',
      () => vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', uri, full),
      (hs) => (hs ?? []).some((h) => hintText(h).includes('logged')),
    );
    assert.ok(hints.some((h) => hintText(h).trim() === 'logged 58.8% ⚠ drift'), hints.map(hintText).join('\n'));
  });

  it('a long replay reports progress, and "LB Lens: Cancel Access-Log Replay" stops it', async () => {
    // 400,000 lines of the example's format (gzip): long enough to be cancelled while it runs.
    const lines = fs.readFileSync(workspaceUri('replay/access.log').fsPath, 'utf8').split('\n').filter((l) => l.includes('upstream=10.'));
    const big: string[] = [];
    for (let i = 0; big.length < 400_000; i++) big.push(lines[i % lines.length]);
    fs.writeFileSync(workspaceUri('replay/big.log.gz').fsPath, zlib.gzipSync(`${big.join('\n')}\n`));

    const editor = await openExample(CONFIG);
    const uri = editor.document.uri.toString();
    await vscode.commands.executeCommand('lbLens.showDistribution');
    const lb = await lbApi();
    const before = lb.trafficChanges().length;
    await vscode.workspace.getConfiguration('lbLens').update('traffic.maxLines', 1_000_000, vscode.ConfigurationTarget.Global);
    await waitFor('the replay with the new cap', () => lb.trafficChanges().slice(before), (cs) => cs.some((c) => c.uri === uri && c.status === 'done'), 60_000);
    const seen = lb.trafficChanges().length;
    await vscode.workspace.getConfiguration('lbLens').update('traffic.logs', ['replay/big.log.gz'], vscode.ConfigurationTarget.Global);
    await waitFor('the replay to report progress', () => lb.trafficChanges().slice(seen), (cs) => cs.some((c) => c.uri === uri && c.status === 'replaying' && c.progressToken !== undefined), 60_000);
    assert.equal(await vscode.commands.executeCommand('lbLens.cancelReplay'), true);
    await waitFor('the cancelled replay', () => lb.trafficChanges().slice(seen), (cs) => cs.some((c) => c.uri === uri && c.status === 'cancelled'), 30_000);
    const file = await waitFor('the preview of the cancelled replay', () => lb.lastPreview(), (f) => f?.traffic?.status === 'cancelled');
    assert.match(file!.traffic!.message ?? '', /Replay cancelled/);
    // (other documents VS Code keeps open get their own replays: only this one's counts)
    assert.ok(!lb.trafficChanges().slice(seen).some((c) => c.uri === uri && c.status === 'done'), 'the replay did not finish');
  });
});
