/**
 * `npm run bench -- replay-editor`: does a background replay of `lbLens.traffic.logs` slow keystrokes down? The
 * keystroke → diagnostics latency of the 10k-line nginx file, with the language server idle and with it replaying
 * 1M access-log lines (gzip) through another open configuration (examples/replay), 30 edits 60 ms apart, runs
 * alternated. The replay yields to the event loop after each 64 KiB chunk and waits while a document waits for
 * its diagnostics (server/src/lsp/traffic.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { LspClient } from '../test/helpers/lspClient';
import { nginxConfig } from './generate';

const OUT = resolve(__dirname, '..', '.bench', 'replay-editor');
const REPO = resolve(__dirname, '..');
const EDITS = 30;

async function run(withReplay: boolean, files: { config: string; big: string; text: string }) {
  const client = new LspClient();
  const progress: Array<{ percentage?: number; message?: string }> = [];
  client.conn.onRequest('window/workDoneProgress/create', () => null);
  client.conn.onNotification('$/progress', (p: { value: { percentage?: number; message?: string } }) => progress.push(p.value));
  client.configuration = withReplay ? { traffic: { logs: ['big.log.gz'], maxLines: 1_000_000 } } : {};
  const root = pathToFileURL(OUT).href;
  await client.conn.sendRequest('initialize', {
    processId: process.pid, rootUri: root, workspaceFolders: [{ uri: root, name: 'bench' }],
    capabilities: { window: { workDoneProgress: true }, workspace: { configuration: true } },
  });
  await client.conn.sendNotification('initialized', {});
  const big = pathToFileURL(files.big).href;
  const replayed = pathToFileURL(files.config).href;
  await client.open(big, files.text, 'nginx');
  await client.diagnostics(big, (p) => p.version === 1, 120_000);
  await client.open(replayed, readFileSync(files.config, 'utf8'), 'nginx');
  await new Promise((r) => setTimeout(r, 1500)); // the replay has begun
  const at = files.text.indexOf('weight=') + 'weight='.length;
  const before = files.text.slice(0, at);
  const pos = { line: before.split('\n').length - 1, character: at - before.lastIndexOf('\n') - 1 };
  const latencies: number[] = [];
  for (let v = 2; v < 2 + EDITS; v++) {
    const t0 = performance.now();
    await client.change(big, v, [{ range: { start: pos, end: { line: pos.line, character: pos.character + 1 } }, text: String((v % 9) + 1) }]);
    await client.diagnostics(big, (p) => p.version === v, 60_000);
    latencies.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 60));
  }
  await client.stop();
  latencies.sort((a, b) => a - b);
  const last = progress[progress.length - 1];
  return { median: latencies[Math.floor(EDITS / 2)], p90: latencies[Math.floor(EDITS * 0.9)], max: latencies[EDITS - 1], progress: last };
}

export async function benchReplayEditor(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const lines = readFileSync(join(REPO, 'examples/replay/access.log'), 'utf8').split('\n').filter((l) => l.includes('upstream='));
  const out: string[] = [];
  for (let i = 0; out.length < 1_000_000; i++) out.push(lines[i % lines.length]);
  writeFileSync(join(OUT, 'big.log.gz'), gzipSync(`${out.join('\n')}\n`));
  const files = { config: join(OUT, 'replay.conf'), big: join(OUT, 'nginx-10000.conf'), text: nginxConfig(10_000) };
  writeFileSync(files.config, readFileSync(join(REPO, 'examples/replay/nginx.conf'), 'utf8'));
  writeFileSync(files.big, files.text);
  console.log('\nKeystrokes while a replay of lbLens.traffic.logs runs (nginx-10000.conf; 1M gzip lines through examples/replay):');
  for (const withReplay of [false, true, false, true]) {
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const r = await run(withReplay, files);
    const during = r.progress ? `; the replay was at ${r.progress.percentage}% (${r.progress.message}) after the last edit` : '';
    console.log(`  replay ${withReplay ? 'running' : 'off    '}: edit→diagnostics median ${r.median.toFixed(1)} ms, p90 ${r.p90.toFixed(1)} ms, max ${r.max.toFixed(1)} ms (load ${load})${during}`);
  }
}
