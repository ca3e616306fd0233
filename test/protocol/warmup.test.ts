import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { nginxConfig } from '../../bench/generate';
import { LspClient } from '../helpers/lspClient';
import { tempWorkspace } from '../helpers/text';

/*
 * The first time a large document of a format is opened, the server analyses it again a few times in idle time
 * (V8 warm-up; README, Performance). That work is invisible: nothing is published for it, it stops at the first
 * edit, and what follows is analysed exactly as without it.
 */
// Every upstream with its second server down: traffic of each site on one server (LB101), plenty of findings.
const TEXT = nginxConfig(3000).replaceAll(':8080 weight=2;', ':8080 weight=2 down;');

let client: LspClient;
const ws = tempWorkspace({ 'nginx.conf': TEXT });
const uri = ws.uri('nginx.conf');
type Published = { version?: number; diagnostics: Array<{ code?: string; message: string; range: { start: { line: number } } }> };
const published = () => (client as unknown as { published: Map<string, Published[]> }).published.get(uri) ?? [];
before(async () => {
  client = new LspClient();
  await client.initialize(ws.rootUri);
});
after(() => client.stop());

test('the idle warm-up after opening a large file publishes nothing, and the next edit is analysed as usual', async () => {
  await client.open(uri, TEXT, 'nginx');
  const first = await client.diagnostics(uri, (p) => p.version === 1, 60_000);
  assert.ok(first.diagnostics.length > 10, 'the generated file has findings');
  await new Promise((r) => setTimeout(r, 2000)); // the warm-up starts after 300 ms idle and takes about a second
  assert.equal(published().length, 1, `one publication for the one version: ${JSON.stringify(published().map((p) => [p.version, p.diagnostics.length]))}`);
  // A comment line at the top: the same findings, one line further down.
  await client.change(uri, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '# moved\n' }]);
  const second = await client.diagnostics(uri, (p) => p.version === 2, 60_000);
  const shape = (d: Published['diagnostics'], shift: number) => d.map((x) => `${x.code} ${x.range.start.line + shift} ${x.message}`).sort();
  assert.deepEqual(shape(second.diagnostics, 0), shape(first.diagnostics, 1));
});

test('an edit while the warm-up runs stops it; the newest version gets its diagnostics', async () => {
  const other = ws.uri('other.conf');
  // Another format was not warmed up yet: HAProxy text opened as such.
  const text = `global\ndefaults\n  mode http\nfrontend fe\n  bind :80\n  default_backend b0\n${Array.from({ length: 800 }, (_, i) => `backend b${i}\n  server s${i} 10.0.${i >> 8}.${i & 255}:80 weight 1\n  server t${i} 10.1.${i >> 8}.${i & 255}:80 weight 9\n`).join('')}`;
  await client.open(other, text, 'haproxy');
  const v1 = await client.diagnostics(other, (p) => p.version === 1, 60_000);
  assert.equal(v1.diagnostics.filter((x) => x.code === 'LB102').length, 1, 'b0, the backend the frontend uses, sends 90% to t0');
  await new Promise((r) => setTimeout(r, 320)); // inside the warm-up
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.includes('weight 9'));
  const col = lines[at].indexOf('weight 9') + 7;
  await client.change(other, 2, [{ range: { start: { line: at, character: col }, end: { line: at, character: col + 1 } }, text: '1' }]);
  const d = await client.diagnostics(other, (p) => p.version === 2, 60_000);
  // b0 now splits 50/50: its skew finding is gone; the rest is as before.
  assert.deepEqual(d.diagnostics.filter((x) => x.code === 'LB102'), []);
  assert.equal(d.diagnostics.length, v1.diagnostics.length - 1);
});
