/**
 * Envoy part of `npm run bench`: a generated single-document Envoy bootstrap of ~200k lines, opened over LSP in
 * lb-lens and in Red Hat's `yaml-language-server` (npm, the server behind the VS Code YAML extension): time to
 * first diagnostics, and edit → diagnostics after a one-character edit, as a ratio lb-lens ÷ yaml-language-server.
 * Two kinds of edit: a digit replaced (the text keeps its length) and characters typed (every later offset moves,
 * which is the costlier case for lb-lens's partial re-parsing: the nodes after the edit get new ranges).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { LspClient } from '../test/helpers/lspClient';
import { rssMiB } from './memory';

const REPO = resolve(__dirname, '..');
const OUT = resolve(REPO, '.bench');
const YLS = resolve(REPO, 'node_modules', 'yaml-language-server', 'bin', 'yaml-language-server');

/** A static Envoy bootstrap: one listener with one route per service, one STATIC cluster of 3 endpoints per service. */
export function envoyConfig(lines: number): string {
  const perService = 32;
  const n = Math.max(1, Math.round((lines - 20) / perService));
  const routes: string[] = [];
  const clusters: string[] = [];
  for (let i = 0; i < n; i++) {
    routes.push(
      `              - match:\n                  prefix: "/svc-${i}/"\n                route:\n                  cluster: svc-${i}`,
    );
    const eps = [1, 2, 3]
      .map((k) => `        - endpoint:\n            address:\n              socket_address:\n                address: 10.${(i >> 8) & 255}.${i & 255}.${k}\n                port_value: 8080`)
      .join('\n');
    clusters.push(
      `  - name: svc-${i}\n    type: STATIC\n    lb_policy: ROUND_ROBIN\n    connect_timeout: 1s\n    health_checks:\n    - timeout: 1s\n      interval: 5s\n      http_health_check:\n        path: /healthz\n    load_assignment:\n      cluster_name: svc-${i}\n      endpoints:\n      - lb_endpoints:\n${eps}`,
    );
  }
  return `static_resources:
  listeners:
  - name: ingress
    address:
      socket_address:
        address: 0.0.0.0
        port_value: 10000
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress_http
          route_config:
            name: local_route
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
${routes.join('\n')}
  clusters:
${clusters.join('\n')}
`;
}

interface Timing {
  firstMs: number;
  /** A digit replaced. */
  editMs: number[];
  /** A character typed. */
  typeMs: number[];
  /** Server memory after the edits (MiB). */
  rss?: number;
  peak?: number;
}

type Change = { range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * One-character edits in the middle of the file: the last digit of a `port_value` becomes 1, 2, 3, … so that every
 * version is a new text (no cache can answer it) and the model really changes.
 */
function edits(text: string, count: number): Change[] {
  const lines = text.split('\n');
  let lineNo = Math.floor(lines.length / 2);
  while (!/port_value: \d+$/.test(lines[lineNo])) lineNo++;
  const col = lines[lineNo].length - 1;
  return Array.from({ length: count }, (_, i) => ({
    range: { start: { line: lineNo, character: col }, end: { line: lineNo, character: col + 1 } },
    text: String((i % 9) + 1),
  }));
}

/** Typing in the middle of the file: one character at a time appended to a health-check path (`/healthzabc…`). */
function typing(text: string, count: number): Change[] {
  const lines = text.split('\n');
  let lineNo = Math.floor(lines.length / 2);
  while (!/path: \/healthz$/.test(lines[lineNo])) lineNo++;
  const col = lines[lineNo].length;
  return Array.from({ length: count }, (_, i) => ({
    range: { start: { line: lineNo, character: col + i }, end: { line: lineNo, character: col + i } },
    text: String.fromCharCode(97 + (i % 26)),
  }));
}

async function lbLens(uri: string, text: string, editCount: number): Promise<Timing> {
  const client = new LspClient();
  await client.initialize(pathToFileURL(OUT).href);
  const t0 = performance.now();
  await client.open(uri, text, 'yaml');
  await client.diagnostics(uri, (p) => p.version === 1, 300_000);
  const firstMs = performance.now() - t0;
  let version = 1;
  const run = async (changes: Change[]) => {
    const ms: number[] = [];
    for (const change of changes) {
      const v = ++version;
      const t = performance.now();
      await client.change(uri, v, [change]);
      await client.diagnostics(uri, (p) => p.version === v, 300_000);
      ms.push(performance.now() - t);
    }
    return ms;
  };
  const editMs = await run(edits(text, editCount));
  const typeMs = await run(typing(text, editCount));
  const mem = rssMiB(client.proc.pid!);
  await client.stop();
  return { firstMs, editMs, typeMs, ...mem };
}

/** yaml-language-server over stdio; it publishes diagnostics without a version, so publications are counted. */
async function yamlLanguageServer(uri: string, text: string, editCount: number): Promise<Timing> {
  const proc = spawn(process.execPath, [YLS, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  let published = 0;
  let wake: (() => void) | undefined;
  conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string }) => {
    if (p.uri !== uri) return;
    published++;
    wake?.();
  });
  // No schema store (no network): plain YAML validation, as for a file without a known schema.
  const settings = { yaml: { validate: true, schemaStore: { enable: false }, schemas: {}, format: { enable: false } } };
  conn.onRequest('workspace/configuration', (p: { items: Array<{ section?: string }> }) =>
    p.items.map((it) => (it.section === 'yaml' ? settings.yaml : it.section === 'http' ? {} : null)),
  );
  conn.onRequest('client/registerCapability', () => null);
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.onNotification('window/logMessage', () => undefined);
  conn.listen();
  await conn.sendRequest('initialize', {
    processId: process.pid, rootUri: pathToFileURL(OUT).href, workspaceFolders: [{ uri: pathToFileURL(OUT).href, name: 'bench' }],
    capabilities: { workspace: { configuration: true }, textDocument: { publishDiagnostics: { relatedInformation: true } } },
  });
  await conn.sendNotification('initialized', {});
  await conn.sendNotification('workspace/didChangeConfiguration', { settings });
  const waitFor = async (count: number) => {
    const deadline = Date.now() + 300_000;
    while (published < count) {
      if (Date.now() > deadline) throw new Error('yaml-language-server published no diagnostics');
      await new Promise<void>((res) => {
        wake = res;
        setTimeout(res, 1000);
      });
    }
  };
  const t0 = performance.now();
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
  await waitFor(1);
  const firstMs = performance.now() - t0;
  let version = 1;
  const run = async (changes: Change[]) => {
    const ms: number[] = [];
    for (const change of changes) {
      const before = published;
      const t = performance.now();
      await conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: ++version }, contentChanges: [change] });
      await waitFor(before + 1);
      ms.push(performance.now() - t);
    }
    return ms;
  };
  const editMs = await run(edits(text, editCount));
  const typeMs = await run(typing(text, editCount));
  try {
    await Promise.race([conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
    await conn.sendNotification('exit');
  } catch {
    /* gone */
  }
  conn.dispose();
  setTimeout(() => proc.exitCode === null && proc.kill('SIGKILL'), 2000).unref();
  return { firstMs, editMs, typeMs };
}

export async function benchEnvoy(lines = 200_000, editCount = 6): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const text = envoyConfig(lines);
  const path = join(OUT, `envoy-${lines}.yaml`);
  writeFileSync(path, text);
  const uri = pathToFileURL(path).href;
  const lineCount = text.split('\n').length - 1;
  const ours = await lbLens(uri, text, editCount);
  const med = (t: Timing) => `edit→diagnostics median ${median(t.editMs).toFixed(0)} ms (digit replaced), ${median(t.typeMs).toFixed(0)} ms (character typed)`;
  console.log(`  ${lineCount}-line envoy.yaml, lb-lens: first diagnostics ${ours.firstMs.toFixed(0)} ms; ${med(ours)}; RSS ${ours.rss?.toFixed(0)} MiB (peak ${ours.peak?.toFixed(0)})`);
  if (!existsSync(YLS)) {
    console.log('  (yaml-language-server is not installed: npm install --save-dev yaml-language-server)');
    return;
  }
  const theirs = await yamlLanguageServer(uri, text, editCount);
  console.log(`  ${lineCount}-line envoy.yaml, yaml-language-server: first diagnostics ${theirs.firstMs.toFixed(0)} ms; ${med(theirs)}`);
  const cell = (t: Timing) => `${t.firstMs.toFixed(0)} / ${median(t.editMs).toFixed(0)} / ${median(t.typeMs).toFixed(0)} ms`;
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  console.log('\n| file | lines | lb-lens first / edit / typing | yaml-language-server first / edit / typing | ratio first / edit / typing (lb-lens ÷ yaml-ls) | lb-lens RSS (peak) |');
  console.log('|---|---:|---:|---:|---:|---:|');
  console.log(
    `| envoy-${lines}.yaml | ${lineCount} | ${cell(ours)} | ${cell(theirs)} | ` +
      `${ratio(ours.firstMs, theirs.firstMs)} / ${ratio(median(ours.editMs), median(theirs.editMs))} / ${ratio(median(ours.typeMs), median(theirs.typeMs))} | ` +
      `${ours.rss?.toFixed(0)} MiB (${ours.peak?.toFixed(0)}) |`,
  );
  writeFileSync(join(OUT, 'envoy-results.json'), JSON.stringify({ lines: lineCount, lbLens: ours, yamlLanguageServer: theirs }, null, 2));
}

if (require.main === module) {
  benchEnvoy(Number(process.argv[2]) || 200_000).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
