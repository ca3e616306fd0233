/**
 * `npm run bench`: keystroke-to-diagnostics latency and memory of the real language server (spawned over
 * stdio, spoken to over JSON-RPC) on generated nginx and HAProxy configs of 10k and 200k lines, next to
 * `nginx -t` and `haproxy -c` on the same files when those are installed.
 *
 * Latency = from sending a one-character `didChange` (a weight digit in the middle of the file) to receiving
 * `publishDiagnostics` for that version.
 * Burst (200k-line files) = 20 keystrokes typed 30 ms apart: time from the last one to the diagnostics of the
 * last version, and how many versions got diagnostics (a server that analyses every keystroke in turn is slow).
 *
 * `npm run bench -- nginx-200000` runs only the files whose name contains one of the arguments; `routing` the
 * routing engine's costs on 2,000-route configs (bench/routing.ts); `replay` access-log replay throughput and memory
 * on 1M generated lines (bench/replay.ts); `replay-editor` keystroke latency while the language server replays
 * `lbLens.traffic.logs` (bench/replayEditor.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspClient } from '../test/helpers/lspClient';
import { benchEnvoy } from './envoy';
import { benchRouting } from './routing';
import { benchReplay } from './replay';
import { benchReplayEditor } from './replayEditor';
import { haproxyConfig, nginxConfig } from './generate';
import { rssMiB } from './memory';

const OUT = resolve(__dirname, '..', '.bench');
mkdirSync(OUT, { recursive: true });

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

function oracleMs(format: string, path: string): number | undefined {
  const cmd: [string, string[]] = format === 'nginx' ? ['nginx', ['-t', '-q', '-c', path, '-p', OUT]] : ['haproxy', ['-c', '-q', '-f', path]];
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = spawnSync(cmd[0], cmd[1], { encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      if (i === 0) console.error(`  (${cmd[0]} unavailable or rejected the file: ${r.error?.message ?? r.stderr.split('\n')[0]})`);
      return undefined;
    }
    runs.push(performance.now() - t0);
  }
  return quantile(runs, 0.5);
}

async function measure(format: 'nginx' | 'haproxy', lines: number, edits: number) {
  const text = format === 'nginx' ? nginxConfig(lines) : haproxyConfig(lines);
  const name = `${format}-${lines}.${format === 'nginx' ? 'conf' : 'cfg'}`;
  const path = join(OUT, name);
  writeFileSync(path, text);
  const uri = pathToFileURL(path).href;
  const client = new LspClient();
  await client.initialize(pathToFileURL(OUT).href);
  const t0 = performance.now();
  await client.open(uri, text, format);
  const first = await client.diagnostics(uri, (p) => p.version === 1, 120_000);
  const firstMs = performance.now() - t0;
  // A user reads before typing: the server uses that idle time to warm up (server.ts, warmUpLater).
  await new Promise((r) => setTimeout(r, 2000));
  // One-character edits in the middle of the file that change the model: the first digit of a server's weight
  // flips between two values (3 ↔ 4), so every edit changes a share and the whole pipeline has to run.
  const textLines = text.split('\n');
  let lineNo = Math.floor(textLines.length / 2);
  while (!/weight[ =]\d/.test(textLines[lineNo])) lineNo++;
  const col = /weight[ =]/.exec(textLines[lineNo])!.index + 7;
  const digitEdit = (v: number) => [{ range: { start: { line: lineNo, character: col }, end: { line: lineNo, character: col + 1 } }, text: v % 2 === 0 ? '4' : '3' }];
  const latencies: number[] = [];
  for (let v = 2; v < edits + 2; v++) {
    const t = performance.now();
    await client.change(uri, v, digitEdit(v));
    await client.diagnostics(uri, (p) => p.version === v, 120_000);
    latencies.push(performance.now() - t);
  }
  // Edits of a rule: one letter of a match in the middle flips (nginx: the regex location's `js` ↔ `jz`; HAProxy: an
  // ACL's host name), so routes change and LB106 proves again (from the cached proofs of unchanged conditions).
  const ruleRe = format === 'nginx' ? /\|js\)\$/ : /-i site\d+\.example/;
  let ruleLine = Math.floor(textLines.length / 2);
  while (!ruleRe.test(textLines[ruleLine])) ruleLine = (ruleLine + 1) % textLines.length;
  const ruleCol = format === 'nginx' ? textLines[ruleLine].indexOf('|js)') + 2 : textLines[ruleLine].indexOf('.example') + 7;
  const ruleEdit = (v: number) => [{ range: { start: { line: ruleLine, character: ruleCol }, end: { line: ruleLine, character: ruleCol + 1 } }, text: v % 2 === 0 ? (format === 'nginx' ? 'z' : 'a') : (format === 'nginx' ? 's' : 'e') }];
  const ruleLatencies: number[] = [];
  const base = edits + 2;
  for (let k = 0; k < Math.min(edits, 40); k++) {
    const v = base + k;
    const t = performance.now();
    await client.change(uri, v, ruleEdit(k));
    await client.diagnostics(uri, (p) => p.version === v, 120_000);
    ruleLatencies.push(performance.now() - t);
  }
  // Back to the original text (an even number of flips), for the burst below.
  if (ruleLatencies.length % 2 === 1) {
    await client.change(uri, base + ruleLatencies.length, ruleEdit(ruleLatencies.length));
    await client.diagnostics(uri, (p) => p.version === base + ruleLatencies.length, 120_000);
  }
  const afterRules = base + ruleLatencies.length + (ruleLatencies.length % 2);
  const mem = rssMiB(client.proc.pid!);
  let burst: { ms: number; published: number } | undefined;
  if (lines >= 100_000) {
    const KEYS = 20;
    const base = afterRules;
    // The client keeps every publication; count them (its field is private to tests' API, hence the cast).
    const publications = () => (client as unknown as { published: Map<string, unknown[]> }).published.get(uri)?.length ?? 0;
    const before = publications();
    let last = 0;
    for (let k = 0; k < KEYS; k++) {
      const v = base + k;
      await client.change(uri, v, digitEdit(v));
      last = performance.now();
      if (k < KEYS - 1) await new Promise((r) => setTimeout(r, 30));
    }
    await client.diagnostics(uri, (p) => p.version === base + KEYS - 1, 300_000);
    burst = { ms: performance.now() - last, published: publications() - before };
  }
  await client.stop();
  const oracle = oracleMs(format, path);
  // The first keystrokes after open run before V8 has optimised the analysis (and before the caches are warm):
  // reported apart from the steady state that follows.
  const FIRST = 10;
  const firstKeys = latencies.length > 2 * FIRST ? quantile(latencies.slice(0, FIRST), 0.5) : undefined;
  const steady = latencies.length > 2 * FIRST ? latencies.slice(FIRST) : latencies;
  const median = quantile(steady, 0.5);
  return {
    file: name,
    lines: text.split('\n').length - 1,
    diagnostics: first.diagnostics.length,
    firstMs,
    median,
    firstKeys,
    ruleMedian: quantile(ruleLatencies, 0.5),
    p95: quantile(steady, 0.95),
    rss: mem.rss,
    peak: mem.peak,
    oracle,
    ratio: oracle ? median / oracle : undefined,
    burst,
  };
}

async function main() {
  console.log(`lb-lens bench — ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
  const rows = [];
  const only = process.argv.slice(2);
  for (const [format, lines, edits] of [['nginx', 10_000, 100], ['haproxy', 10_000, 100], ['nginx', 200_000, 12], ['haproxy', 200_000, 12]] as const) {
    if (only.length && !only.some((o) => `${format}-${lines}`.includes(o))) continue;
    const r = await measure(format, lines, edits);
    rows.push(r);
    console.log(`  ${r.file}: first diagnostics ${r.firstMs.toFixed(0)} ms; ${r.firstKeys !== undefined ? `first 10 edits median ${r.firstKeys.toFixed(1)} ms, then ` : ''}edit→diagnostics median ${r.median.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms; a rule edited: median ${r.ruleMedian.toFixed(1)} ms; RSS ${r.rss.toFixed(0)} MiB (peak ${r.peak.toFixed(0)}); ${format === 'nginx' ? 'nginx -t' : 'haproxy -c'} ${r.oracle ? `${r.oracle.toFixed(0)} ms` : 'n/a'}` +
        (r.burst ? `; burst of 20 keys: last diagnostics ${r.burst.ms.toFixed(0)} ms after the last key, ${r.burst.published} versions published` : ''));
  }
  console.log('\n| file | lines | first diagnostics | first 10 edits median | edit → diagnostics median / p95 | a rule edited, median | server RSS (peak) | product check | median ÷ product check |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.file} | ${r.lines} | ${r.firstMs.toFixed(0)} ms | ${r.firstKeys !== undefined ? `${r.firstKeys.toFixed(1)} ms` : '—'} | ${r.median.toFixed(1)} / ${r.p95.toFixed(1)} ms | ${r.ruleMedian.toFixed(1)} ms | ${r.rss.toFixed(0)} MiB (${r.peak.toFixed(0)}) | ${r.oracle ? `${r.oracle.toFixed(0)} ms` : 'n/a'} | ${r.ratio ? r.ratio.toFixed(2) : 'n/a'} |`);
  }
  writeFileSync(join(OUT, 'results.json'), JSON.stringify(rows, null, 2));
  if (!only.length || only.some((o) => 'routing'.includes(o))) benchRouting();
  if (!only.length || only.some((o) => 'replay'.includes(o))) await benchReplay();
  if (!only.length || only.some((o) => 'replay-editor'.includes(o) && o.length > 'replay'.length)) await benchReplayEditor();
  if (only.length && !only.some((o) => 'envoy'.includes(o))) return;
  console.log('\nEnvoy (200k lines) vs yaml-language-server:');
  await benchEnvoy();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
