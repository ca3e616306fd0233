// "LB Lens: Compare Traffic Distribution with HEAD" in a real VS Code: a temporary git repository inside the
// test workspace, a committed balanced nginx.conf, the incident typed into the editor. The assertions read what
// the client received from the server (the extension API's `lastComparison`, the data the webview is given).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, closeAll, waitFor, workspaceUri, type CompareState } from './helpers';

const REPO = 'compare-git';
const BALANCED = `events {}
http {
    upstream app {
        server 10.0.1.11:8080;
        server 10.0.1.12:8080;
        server 10.0.1.13:8080;
    }
    server {
        listen 80;
        server_name shop.example.com;
        location / {
            proxy_pass http://app;
        }
    }
}
`;
/** The incident: two of three servers drained, all traffic to one. */
const INCIDENT = BALANCED.replace('12:8080;', '12:8080 down;').replace('13:8080;', '13:8080 down;');

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.email=e2e@example.invalid', '-c', 'user.name=e2e', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    stdio: 'pipe',
  });
}

async function setText(editor: vscode.TextEditor, text: string): Promise<void> {
  const doc = editor.document;
  const ok = await editor.edit((e) => e.replace(new vscode.Range(0, 0, doc.lineCount, 0), text));
  assert.ok(ok, 'the edit applies');
}

/** Discard the editor's changes, so closing it asks nothing. */
async function revert(doc: vscode.TextDocument): Promise<void> {
  if (!doc.isDirty) return;
  await vscode.window.showTextDocument(doc, { preview: false, viewColumn: vscode.ViewColumn.One });
  await vscode.commands.executeCommand('workbench.action.files.revert');
}

/** The preview's tab, once it carries `label` (tab titles reach the API a moment after they are set). */
async function webviewTab(label: string): Promise<vscode.Tab> {
  const tab = await waitFor(
    `the webview tab "${label}"`,
    () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview),
    (t) => t?.label === label,
  );
  assert.ok(tab);
  return tab;
}

const pct = (n: number | null) => (n === null ? null : Math.round(n * 1000) / 1000);

describe('compare with HEAD', function () {
  this.timeout(60_000);
  let dir: string;
  const opened: vscode.TextDocument[] = [];

  before(async () => {
    const lb = await api();
    assert.ok(lb.lastComparison, 'activate() exposes lastComparison');
    dir = workspaceUri(REPO).fsPath;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'nginx.conf'), BALANCED);
    git(dir, 'init', '-q');
    git(dir, 'add', 'nginx.conf');
    git(dir, 'commit', '-q', '-m', 'balanced');
  });
  after(async () => {
    for (const doc of opened) await revert(doc);
    await closeAll();
    // The repository stays for the runner to delete with the temporary workspace: removing it while the git
    // extension watches it only makes that extension log errors.
  });

  async function open(rel: string): Promise<vscode.TextEditor> {
    const doc = await vscode.workspace.openTextDocument(workspaceUri(rel));
    opened.push(doc);
    return vscode.window.showTextDocument(doc, { preview: false, viewColumn: vscode.ViewColumn.One });
  }

  async function comparison(what: string, ok: (s: CompareState) => boolean): Promise<CompareState> {
    const lb = await api();
    const state = await waitFor(what, () => lb.lastComparison!(), (s) => !!s && ok(s), 30_000);
    assert.ok(state);
    return state;
  }

  it('the incident typed over a balanced HEAD: before/after shares, max shift 66.7 points, LB101 introduced', async () => {
    await closeAll();
    const editor = await open(`${REPO}/nginx.conf`);
    await setText(editor, INCIDENT);
    await vscode.commands.executeCommand('lbLens.compareWithHead');
    const uri = editor.document.uri.toString();
    const state = await comparison('the comparison of the incident', (s) => s.uri === uri && (s.comparison !== null || s.message !== undefined));
    assert.ok(state.comparison, `a comparison, not a message: ${state.message}`);
    console.log(`HEAD read through: ${state.via}`);
    assert.ok(state.via === 'git extension' || state.via === 'git', String(state.via));
    const c = state.comparison;
    assert.equal(c.base, 'HEAD');
    assert.equal(c.newFile, false);
    assert.equal(c.routes.length, 1);
    const route = c.routes[0];
    assert.deepEqual([route.name, route.status, route.maxShift, route.line], ['location /', 'changed', 66.7, 11]);
    assert.deepEqual(
      route.rows.map((r) => [r.address, pct(r.before), pct(r.after)]),
      [['10.0.1.11:8080', 0.333, 1], ['10.0.1.12:8080', 0.333, 0], ['10.0.1.13:8080', 0.333, 0]],
    );
    assert.ok(c.introduced.some((d) => d.ruleId === 'LB101' && d.line === 12), JSON.stringify(c.introduced));
    assert.deepEqual(c.resolved, []);

    const tab = await webviewTab('LB Lens: nginx.conf vs HEAD');
    assert.ok(tab.input instanceof vscode.TabInputWebview);
    assert.match(tab.input.viewType, /lbLens\.distribution/, 'the comparison shows in the preview webview');
  });

  it('HEAD through the built-in git extension once it knows the repository', async function () {
    const gitExt = vscode.extensions.getExtension<any>('vscode.git');
    if (!gitExt) this.skip(); // e.g. the desktop runner's --disable-extensions
    const git = gitExt.isActive ? gitExt.exports : await gitExt.activate();
    if (!git?.enabled) this.skip();
    // What a user's Source Control view would have done on opening the folder (the test made the repository
    // after VS Code started, so the extension may not have found it yet).
    await git.getAPI(1).openRepository(vscode.Uri.file(dir));
    const editor = await open(`${REPO}/nginx.conf`);
    await setText(editor, INCIDENT);
    await vscode.commands.executeCommand('lbLens.compareWithHead');
    const uri = editor.document.uri.toString();
    const state = await comparison('a comparison read through the git extension', (s) => s.uri === uri && s.via === 'git extension');
    assert.equal(state.comparison?.routes[0]?.maxShift, 66.7);
  });

  it('the comparison follows edits of the document', async () => {
    const editor = await open(`${REPO}/nginx.conf`);
    const uri = editor.document.uri.toString();
    // Bring 10.0.1.12 back: 50/50/0 against HEAD's thirds.
    await setText(editor, INCIDENT.replace('12:8080 down;', '12:8080;'));
    const state = await comparison('the comparison after the edit', (s) => s.uri === uri && s.comparison?.routes[0]?.maxShift === 33.3);
    const route = state.comparison!.routes[0];
    assert.deepEqual(route.rows.map((r) => pct(r.after)), [0.5, 0.5, 0]);
    assert.ok(!state.comparison!.introduced.some((d) => d.ruleId === 'LB101'), 'LB101 is gone with two servers up');
  });

  it('lbLens.showDistribution switches the panel back to the live preview', async () => {
    const lb = await api();
    const editor = await open(`${REPO}/nginx.conf`);
    await vscode.commands.executeCommand('lbLens.showDistribution');
    const file = await waitFor('the live preview of the edited file', () => lb.lastPreview(), (f) => !!f && f.path === editor.document.uri.fsPath);
    assert.deepEqual(file!.routes[0].servers.map((s) => s.share), [0.5, 0.5, 0]);
    await webviewTab('LB Lens: nginx.conf');
  });

  it('a file that is not in HEAD: every route is new', async () => {
    fs.writeFileSync(path.join(dir, 'extra.nginx'), BALANCED);
    const editor = await open(`${REPO}/extra.nginx`);
    assert.equal(editor.document.languageId, 'nginx');
    await vscode.commands.executeCommand('lbLens.compareWithHead');
    const uri = editor.document.uri.toString();
    const state = await comparison('the comparison of a new file', (s) => s.uri === uri && s.comparison !== null);
    assert.equal(state.comparison!.newFile, true);
    assert.match(state.notice ?? '', /not in HEAD/);
    assert.deepEqual(state.comparison!.routes.map((r) => [r.name, r.status]), [['location /', 'added']]);
  });

  it('a file outside any git repository: a clear message instead of a comparison', async function () {
    if (!vscode.workspace.isTrusted) this.skip(); // trust.test.ts covers Restricted Mode
    const editor = await open('incident/nginx.conf');
    await vscode.commands.executeCommand('lbLens.compareWithHead');
    const uri = editor.document.uri.toString();
    const state = await comparison('a message for a file outside git', (s) => s.uri === uri);
    // The test workspace is a temporary copy of examples/, outside any repository.
    assert.equal(state.comparison, null);
    assert.match(state.message ?? '', /not in a git repository/);
  });
});
