// Logged traffic in the language server (`lbLens.traffic.logs`): the configured access logs replayed through the
// open configuration in the background — hovers, inlay hints and lbLens/distribution show the logged numbers;
// long replays report work-done progress and can be cancelled; an edit restarts the replay; logs outside the
// workspace (or not regular files) are refused with a message. Spawns the built server over stdio.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { LspClient, REPO } from '../helpers/lspClient';
import { posOf, tempWorkspace } from '../helpers/text';

const CONFIG = readFileSync(resolve(REPO, 'examples/replay/nginx.conf'), 'utf8');
const LOG = readFileSync(resolve(REPO, 'examples/replay/access.log'), 'utf8');

/** `n` lines of the example's `main` format, one per 10 ms from 09:00, spread 1:1:1 over `app` and to `api`. */
function bigLog(n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const sec = Math.floor(i / 100);
    const t = `01/May/2024:${String(9 + Math.floor(sec / 3600)).padStart(2, '0')}:${String(Math.floor(sec / 60) % 60).padStart(2, '0')}:${String(sec % 60).padStart(2, '0')} +0000`;
    const api = i % 4 === 0;
    const up = api ? `10.0.2.2${1 + (i % 3 === 0 ? 1 : 0)}:9000` : `10.0.1.1${1 + (i % 3)}:8080`;
    out.push(`198.51.100.${i % 250} - - [${t}] "GET ${api ? '/api/items' : '/cart'}?n=${i} HTTP/1.1" 200 ${1000 + (i % 900)} "-" "Mozilla/5.0 (X11; Linux x86_64)" host=shop.example.com upstream=${up}`);
  }
  return `${out.join('\n')}\n`;
}

interface Progress {
  token: string | number;
  value: { kind: 'begin' | 'report' | 'end'; title?: string; message?: string; percentage?: number; cancellable?: boolean };
}

/** A client that supports work-done progress and records progress and lbLens/trafficChanged. */
class TrafficClient extends LspClient {
  readonly created: Array<string | number> = [];
  readonly progress: Progress[] = [];
  readonly changes: Array<{ uri: string; status: string; progressToken?: string | number }> = [];
  readonly messages: Array<{ type: number; message: string }> = [];
  private readonly wake: Array<() => void> = [];

  constructor() {
    super();
    this.conn.onRequest('window/workDoneProgress/create', (p: { token: string | number }) => {
      this.created.push(p.token);
      this.poke();
      return null;
    });
    this.conn.onNotification('$/progress', (p: Progress) => {
      this.progress.push(p);
      this.poke();
    });
    this.conn.onNotification('lbLens/trafficChanged', (p: { uri: string; status: string; progressToken?: string | number }) => {
      this.changes.push(p);
      this.poke();
    });
    this.conn.onNotification('window/showMessage', (p: { type: number; message: string }) => {
      this.messages.push(p);
      this.poke();
    });
  }

  private poke(): void {
    for (const w of this.wake.splice(0)) w();
  }

  /** Wait until `check` holds (re-checked on each message), up to `timeoutMs`. */
  async until<T>(what: string, check: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = check();
      if (v) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; trafficChanged ${JSON.stringify(this.changes)}, messages ${JSON.stringify(this.messages)}\nstderr: ${this.stderr}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, Math.min(left, 200));
        this.wake.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }

  async initializeWithProgress(rootUri: string, configuration: unknown): Promise<void> {
    this.configuration = configuration;
    await this.conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: 'ws' }],
      capabilities: {
        window: { workDoneProgress: true, showMessage: {} },
        workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } },
        textDocument: { publishDiagnostics: { versionSupport: true }, inlayHint: {} },
      },
    });
    await this.conn.sendNotification('initialized', {});
  }

  /** Change the settings the way VS Code does: a didChangeConfiguration, then the server pulls workspace/configuration. */
  async configure(configuration: unknown): Promise<void> {
    this.configuration = configuration;
    await this.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
  }
}

const hoverText = async (client: LspClient, uri: string, text: string, needle: string): Promise<string> => {
  const h = await client.request('textDocument/hover', { textDocument: { uri }, position: posOf(text, needle) });
  return h?.contents?.value ?? '';
};

describe('logged traffic (lbLens.traffic.logs) over stdio', () => {
  const outside = mkdtempSync(join(tmpdir(), 'lb-lens-outside-'));
  writeFileSync(join(outside, 'access.log'), LOG);
  const ws = tempWorkspace({ 'nginx.conf': CONFIG, 'logs/access.log': LOG });
  writeFileSync(join(ws.dir, 'logs', 'big.log.gz'), gzipSync(bigLog(300_000)));
  symlinkSync(join(outside, 'access.log'), join(ws.dir, 'logs', 'linked.log'));
  let fifo = false;
  try {
    execFileSync('mkfifo', [join(ws.dir, 'logs', 'pipe.log')]);
    fifo = true;
  } catch {
    /* no mkfifo: that part is skipped */
  }
  const uri = ws.uri('nginx.conf');
  let client: TrafficClient;

  before(async () => {
    client = new TrafficClient();
    await client.initializeWithProgress(ws.rootUri, { traffic: { logs: ['logs/access.log'] } });
    await client.open(uri, CONFIG, 'nginx');
    await client.diagnostics(uri);
  });
  after(() => client.stop());

  test('hovers on a route and a server show the logged numbers next to the configured share', async () => {
    await client.until('the replay', () => client.changes.find((c) => c.uri === uri && c.status === 'done'));
    const route = await hoverText(client, uri, CONFIG, 'location / {');
    assert.match(route, /\*\*Logged:\*\* 353 requests, peak 13 req\/s — 58\.8% of the logged requests; busiest minute 1\.88 req\/s/);
    assert.match(route, /\| server \| address \| weight \| configured \| logged \|/);
    assert.match(route, /\| 10\.0\.1\.11:8080 \| 10\.0\.1\.11:8080 \| 1 \| \*\*33\.3%\*\* \| ⚠ 49% \(173\) \|/);
    assert.match(route, /⚠ Drift in `app`: the logged split differs from the configured one \(chi-square p = 3\.1e-9, threshold 0\.005; largest shift 15\.7 points\)/);
    assert.match(route, /access\.log: 600 requests in 10 min/);

    const server = await hoverText(client, uri, CONFIG, '10.0.1.11:8080;');
    assert.match(server, /configured 33\.3% · logged 49% of `app` \(173 requests; peak 4\.33 req\/s at the configured share\) ⚠ outside its interval/);
    const api = await hoverText(client, uri, CONFIG, '10.0.2.21:9000');
    assert.match(api, /configured 66\.7% · logged 65\.8% of `api` \(152 requests/);
    assert.match(api, /The logged split of `api` matches the configuration \(chi-square p = 0\.78\)/);
  });

  test('inlay hints add the route\'s logged share, and drift', async () => {
    const hints = await client.request('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 40, character: 0 } } });
    // A hint of its own on the route's first line (editors shorten a line's hints past a total length): line, label.
    const labels = hints.map((h: { label: string; position: { line: number } }) => [h.position.line, h.label.trim()]);
    const line = (needle: string) => posOf(CONFIG, needle).line;
    assert.deepEqual(labels, [
      [line('location / {'), 'logged 58.8% ⚠ drift'],
      [line('proxy_pass http://app'), '→ 10.0.1.11:8080 33.3%, 10.0.1.12:8080 33.3%, 10.0.1.13:8080 33.3%'],
      [line('location /api/'), 'logged 38.5%'],
      [line('proxy_pass http://api'), '→ 10.0.2.21:9000 66.7%, 10.0.2.22:9000 33.3%'],
    ]);
    const tip = hints.find((h: { label: string }) => h.label.includes('logged 58.8%')).tooltip;
    assert.match(tip, /^Logged \(access\.log: 600 requests in 10 min\): 353 requests, peak 13 req\/s, 58\.8% of the logged requests\n10\.0\.1\.11:8080: configured 33\.3%, logged 49% of app/);
  });

  test('lbLens/distribution: logged requests and peaks per route, logged shares per server, drift, unroutable requests', async () => {
    const file = await client.request('lbLens/distribution', { textDocument: { uri } });
    const t = file.traffic;
    assert.equal(t.status, 'done');
    assert.deepEqual(t.logs.map((l: any) => [l.path, l.format, l.lines, l.requests, l.noRequest, l.unparseable]), [['logs/access.log', 'nginx log_format "main"', 602, 600, 1, 1]]);
    assert.equal(t.requests, 600);
    assert.equal(t.peak, 20);
    assert.deepEqual(t.refused, []);
    assert.deepEqual(t.unrouted.map((u: any) => [u.outcome, u.status, u.requests, u.route]), [['redirect', 301, 16, 'location = /old-shop']]);
    const root = file.routes.find((r: any) => r.name === 'location /');
    assert.deepEqual([root.logged.requests, root.logged.share, root.logged.peak, root.logged.peakMinute], [353, 0.5883, 13, 1.88]);
    assert.deepEqual(root.logged.drift.map((d: any) => [d.pool, d.status]), [['app', 'drift']]);
    const s11 = root.servers.find((s: any) => s.address === '10.0.1.11:8080');
    assert.equal(s11.share.toFixed(4), '0.3333');
    assert.deepEqual([s11.logged.observed.share, s11.logged.observed.requests, s11.logged.observed.outside], [0.4901, 173, true]);
    assert.equal(Math.round(s11.logged.requests), 118);
    const apiRoute = file.routes.find((r: any) => r.name === 'location /api/');
    assert.deepEqual(apiRoute.logged.drift.map((d: any) => [d.pool, d.status]), [['api', 'ok']]);
  });

  test('a log outside the workspace, a link leading out of it and a FIFO are refused with a message; the others are read', async () => {
    const logs = ['logs/access.log', resolve(outside, 'access.log'), '../' + outside.split('/').pop() + '/access.log', 'logs/linked.log', ...(fifo ? ['logs/pipe.log'] : [])];
    client.messages.length = 0;
    const before = client.changes.length;
    await client.configure({ traffic: { logs } });
    await client.until('the replay with the new settings', () => client.changes.slice(before).find((c) => c.uri === uri && c.status === 'done'));
    const texts = client.messages.map((m) => m.message);
    assert.ok(texts.some((m) => m.includes(resolve(outside, 'access.log')) && m.includes('is not read: outside the workspace')), texts.join('\n'));
    assert.ok(texts.some((m) => m.includes('logs/linked.log') && m.includes('a symbolic link leading outside the workspace')), texts.join('\n'));
    if (fifo) assert.ok(texts.some((m) => m.includes('logs/pipe.log') && m.includes('not a regular file (a FIFO)')), texts.join('\n'));
    assert.ok(client.messages.every((m) => m.type === 2), 'warnings');
    const file = await client.request('lbLens/distribution', { textDocument: { uri } });
    assert.equal(file.traffic.status, 'done');
    assert.equal(file.traffic.requests, 600, 'only the log inside the workspace was read');
    assert.deepEqual(file.traffic.logs.map((l: any) => l.path), ['logs/access.log']);
    const refused = file.traffic.refused.map((r: any) => r.reason);
    assert.ok(refused.filter((r: string) => r === 'outside the workspace').length === 2, JSON.stringify(file.traffic.refused));

    // Only outside logs: nothing to replay, and the views say why.
    const n = client.changes.length;
    await client.configure({ traffic: { logs: [resolve(outside, 'access.log')] } });
    await client.until('the failed replay', () => client.changes.slice(n).find((c) => c.uri === uri && c.status === 'failed'));
    const none = await client.request('lbLens/distribution', { textDocument: { uri } });
    assert.equal(none.traffic.status, 'failed');
    assert.match(none.traffic.message, /names no file that can be read in the workspace/);
    assert.equal(none.routes[0].logged, undefined);
    assert.match(await hoverText(client, uri, CONFIG, 'location / {'), /names no file that can be read/);
  });

  test('a long replay reports work-done progress, and cancelling it from the client stops it', async () => {
    const n = client.changes.length;
    const tokens = client.created.length;
    await client.configure({ traffic: { logs: ['logs/big.log.gz'], maxLines: 1_000_000 } });
    const token = await client.until('window/workDoneProgress/create', () => client.created[tokens]);
    const begin = await client.until('$/progress begin', () => client.progress.find((p) => p.token === token && p.value.kind === 'begin'));
    assert.equal(begin.value.title, 'LB Lens: replaying access logs');
    assert.equal(begin.value.cancellable, true);
    const report = await client.until('$/progress report', () => client.progress.find((p) => p.token === token && p.value.kind === 'report'));
    assert.match(report.value.message ?? '', /^logs\/big\.log\.gz · [\d,]+ lines$/);
    assert.ok(typeof report.value.percentage === 'number' && report.value.percentage >= 0 && report.value.percentage < 100);
    // The client is told the token (its Cancel button sends window/workDoneProgress/cancel with it).
    const told = await client.until('lbLens/trafficChanged replaying', () => client.changes.slice(n).find((c: any) => c.status === 'replaying'));
    assert.deepEqual(told, { uri, status: 'replaying', progressToken: token });
    const pending = await client.request('lbLens/distribution', { textDocument: { uri } });
    assert.equal(pending.traffic.status, 'replaying');

    await client.conn.sendNotification('window/workDoneProgress/cancel', { token });
    await client.until('the cancelled replay', () => client.changes.slice(n).find((c) => c.uri === uri && c.status === 'cancelled'), 20_000);
    await client.until('$/progress end', () => client.progress.find((p) => p.token === token && p.value.kind === 'end'));
    const cancelled = await client.request('lbLens/distribution', { textDocument: { uri } });
    assert.equal(cancelled.traffic.status, 'cancelled');
    assert.match(cancelled.traffic.message, /Replay cancelled/);
    // It stays cancelled (no replay starts by itself) until asked again.
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(client.created.length, tokens + 1, 'no new replay after the cancellation');
  });

  test('an edit cancels the running replay and replays the new text; the cap makes a sample and says so', async () => {
    const n = client.changes.length;
    const tokens = client.created.length;
    await client.configure({ traffic: { logs: ['logs/big.log.gz'], maxLines: 250_000 } });
    const first = await client.until('progress of the first replay', () => client.created[tokens]);
    await client.until('a report', () => client.progress.find((p) => p.token === first && p.value.kind === 'report'));
    // Make the api pool 1:1: the edit supersedes the running replay (no "cancelled"), and a new one starts.
    const edited = CONFIG.replace('server 10.0.2.21:9000 weight=2;', 'server 10.0.2.21:9000;');
    await client.change(uri, 2, [{ text: edited }]);
    // The keystroke's diagnostics come while the replay runs (it yields between chunks).
    assert.equal((await client.diagnostics(uri, (p) => p.version === 2)).version, 2);
    await client.until('the end of the first replay\'s progress', () => client.progress.find((p) => p.token === first && p.value.kind === 'end'), 20_000);
    await client.until('the new replay', () => client.changes.slice(n).find((c) => c.uri === uri && c.status === 'done'), 120_000);
    assert.ok(!client.changes.slice(n).some((c) => c.status === 'cancelled'), 'an edit is not a cancellation');
    const file = await client.request('lbLens/distribution', { textDocument: { uri } });
    assert.equal(file.traffic.status, 'done');
    assert.equal(file.traffic.requests, 250_000);
    assert.match(file.traffic.sample, /^the first 250,000 lines \("lbLens\.traffic\.maxLines"\)$/);
    const api = file.routes.find((r: any) => r.name === 'location /api/');
    assert.deepEqual(api.servers.map((s: any) => [s.address, s.share]), [['10.0.2.21:9000', 0.5], ['10.0.2.22:9000', 0.5]], 'the edited text');
    assert.equal(api.logged.requests, 62_500);
    const hover = await hoverText(client, uri, edited, 'location /api/');
    assert.match(hover, /\*\*Logged:\*\* 62,500 requests, peak 25 req\/s/);
    assert.match(hover, /the first 250,000 lines/);
  });
});
