// Shared helpers of the in-host suite: the workspace is a temporary copy of examples/ (see scripts/e2e.mjs).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

/** What the extension's `activate` returns (client/src/extension.ts `LbLensApi`; restated here so this suite
 * compiles on its own, without pulling the client and server sources into its program). */
export interface LbLensApi {
  readonly client: import('vscode-languageclient/node').LanguageClient | undefined;
  lastPreview(): PreviewFile | undefined;
  lastComparison?(): CompareState | undefined;
  lastRoute?(): RouteState | undefined;
  readonly activationMs?: number;
}
export interface PreviewServer { name: string; address: string; share: number; line: number; id: string; state: string; failed: boolean }
export interface PreviewRoute {
  name: string;
  line: number;
  pool: string | null;
  servers: PreviewServer[];
  id: string;
  findings: Array<{ ruleId: string; severity: string; message: string }>;
  /** A request that reaches the route, when the server found one in its time budget. */
  example?: string;
}
export interface PreviewFile { path: string; format: string; routes: PreviewRoute[] }
/** `lbLens/compare`'s answer as the client keeps it (client/src/protocol.ts `CompareState`). */
export interface ServerRow { name: string; address: string; before: number | null; after: number | null }
export interface ComparedRoute {
  name: string;
  file: string;
  line: number;
  pool: string | null;
  status: 'changed' | 'unchanged' | 'added' | 'removed';
  before: Array<{ name: string; address: string; share: number }>;
  after: Array<{ name: string; address: string; share: number }>;
  maxShift: number | null;
  rows: ServerRow[];
}
export interface DiffDiagnostic { path: string; ruleId: string; severity: string; message: string; line: number }
export interface CompareState {
  uri: string;
  comparison: { base: string; uri: string; format: string; newFile: boolean; routes: ComparedRoute[]; introduced: DiffDiagnostic[]; resolved: DiffDiagnostic[] } | null;
  message?: string;
  notice?: string;
  via?: string;
}

/** One result of `lbLens/route` (server/src/service/routing.ts `RouteAnswer`; files named by URI). */
export interface RouteAnswer {
  entry: { name: string; port?: number; file?: string; line?: number };
  site?: { name: string };
  outcome: 'pool' | 'redirect' | 'direct' | 'no-backend' | 'dynamic';
  status?: number;
  route: { name: string; match: string; file: string; line: number; range: { start: { line: number; character: number }; end: { line: number; character: number } } } | null;
  pool: { name: string } | null;
  pools: Array<{ name: string; share: number }>;
  servers: Array<{ name?: string; address: string; pool: string; share: number; state: string }>;
  summary: string;
  trace: Array<{ kind: string; name: string; result: string; why: string }>;
  undecidable?: string[];
}
/** `LbLensApi.lastRoute()` and the value of the `lbLens.testRequest` command (client/src/protocol.ts `RouteState`). */
export interface RouteState {
  uri: string;
  input: string;
  response: { request: string; results: RouteAnswer[] } | { error: string } | null;
  message?: string;
  /** Only in `lastRoute()`: the ranges highlighted in the editor now. */
  highlighted?: Array<{ uri: string; range: import('vscode').Range }>;
}

export const EXTENSION_ID = 'lb-lens.lb-lens';
export const SOURCE = 'lb-lens';

export function workspaceUri(rel: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test run must open a workspace folder (a copy of examples/)');
  return vscode.Uri.joinPath(folder.uri, rel);
}

export async function openExample(rel: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(workspaceUri(rel));
  return vscode.window.showTextDocument(doc, { preview: false, viewColumn: vscode.ViewColumn.One });
}

export async function api(): Promise<LbLensApi> {
  const ext = vscode.extensions.getExtension<LbLensApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
  return ext.activate();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `get` until `ok` holds (default 20 s); fails with `what` and the last value otherwise. */
export async function waitFor<T>(what: string, get: () => T | Thenable<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T = await get();
  while (!ok(last)) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}; last value: ${describe(last)}`);
    await sleep(100);
    last = await get();
  }
  return last;
}

function describe(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (x instanceof vscode.Uri ? x.toString() : x)).slice(0, 1500);
  } catch {
    return String(v);
  }
}

export function ruleId(d: vscode.Diagnostic): string | undefined {
  const c = d.code;
  if (c === undefined) return undefined;
  return typeof c === 'object' ? String(c.value) : String(c);
}

export function lbDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE);
}

/** Waits until the lb-lens diagnostics of `uri` contain every rule id of `rules` (and returns them). */
export function waitForRules(uri: vscode.Uri, rules: string[], timeoutMs?: number): Promise<vscode.Diagnostic[]> {
  return waitFor(
    `diagnostics ${rules.join(', ')} on ${uri.path}`,
    () => lbDiagnostics(uri),
    (ds) => rules.every((r) => ds.some((d) => ruleId(d) === r)),
    timeoutMs,
  );
}

export function byRule(ds: vscode.Diagnostic[], rule: string): vscode.Diagnostic {
  const d = ds.find((x) => ruleId(x) === rule);
  assert.ok(d, `no ${rule} among ${ds.map(ruleId).join(', ')}`);
  return d;
}

/** `[startLine, startChar, endLine, endChar]`, 0-based. */
export function rangeOf(r: vscode.Range): [number, number, number, number] {
  return [r.start.line, r.start.character, r.end.line, r.end.character];
}

export async function setRules(value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('lbLens').update('rules', value, vscode.ConfigurationTarget.Global);
}

export function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}

export function hintText(h: vscode.InlayHint): string {
  return typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('');
}

export async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}
