import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { haproxyConfig } from '../../bench/generate';
import { LspClient } from '../helpers/lspClient';
import { tempWorkspace } from '../helpers/text';

/*
 * Validation waits for incoming messages to settle instead of a fixed delay: a burst of edits sent while an
 * analysis runs is analysed once, at its newest version, and nothing is ever published for an outdated one.
 */
const TEXT = haproxyConfig(40_000); // an analysis takes long enough for the edits to queue behind it

let client: LspClient;
const ws = tempWorkspace({ 'haproxy.cfg': TEXT });
const uri = ws.uri('haproxy.cfg');
before(async () => {
  client = new LspClient();
  await client.initialize(ws.rootUri);
  await client.open(uri, TEXT, 'haproxy');
  await client.diagnostics(uri, (p) => p.version === 1, 60_000);
});
after(() => client.stop());

test('a burst of edits is coalesced, and only the newest version gets diagnostics after it', async () => {
  const line = TEXT.split('\n')[1];
  const published = () => (client as unknown as { published: Map<string, Array<{ version?: number }>> }).published.get(uri) ?? [];
  const before = published().length;
  const N = 20;
  // Sent back to back: they arrive while the analysis of the first one runs.
  await Promise.all(
    Array.from({ length: N }, (_, k) =>
      client.change(uri, k + 2, [{ range: { start: { line: 1, character: line.length }, end: { line: 1, character: line.length + (k ? 1 : 0) } }, text: k % 2 ? ' ' : '#' }]),
    ),
  );
  await client.diagnostics(uri, (p) => p.version === N + 1, 60_000);
  const versions = published().slice(before).map((p) => p.version!);
  assert.equal(versions[versions.length - 1], N + 1);
  assert.deepEqual([...versions].sort((a, b) => a - b), versions, 'versions are published in order');
  assert.ok(versions.length <= 3, `a few analyses for ${N} edits, not one each: published ${versions.join(', ')}`);
});
