// The thin VS Code client: starts the lb-lens language server and shows what it returns.
// All analysis lives in the server; nothing here inspects configuration text.
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { RouteHighlight } from './highlight';
import { DistributionPreview } from './preview';
import { DECLARATIVE_LANGUAGE_IDS, LANGUAGE_IDS, type CompareState, type PreviewFile, type RouteState, type TrafficChangedParams } from './protocol';
import { registerTestRequest } from './testRequest';
import { TrafficTracker } from './traffic';

/** What `activate` returns, for in-host tests and other extensions. */
export interface LbLensApi {
  /** The running language client (undefined while `lbLens.enable` is false). */
  readonly client: LanguageClient | undefined;
  /** The PreviewFile last rendered by the distribution preview, if any. */
  lastPreview(): PreviewFile | undefined;
  /** What "Compare Traffic Distribution with HEAD" last showed: the server's comparison, or why there is none. */
  lastComparison(): CompareState | undefined;
  /**
   * The request last tested with "LB Lens: Test a Request…" (its answer as the preview shows it, refreshed with the
   * preview), and the route ranges highlighted in the editor now (empty once an edit cleared them).
   */
  lastRoute(): (RouteState & { highlighted: Array<{ uri: string; range: vscode.Range }> }) | undefined;
  /** Milliseconds `activate` took, language server start included (also written to the "LB Lens" output). */
  readonly activationMs: number;
  /** The server's `lbLens/trafficChanged` notifications (replays of `lbLens.traffic.logs`), newest last. */
  trafficChanges(): readonly TrafficChangedParams[];
}

const DIAGNOSTIC_SOURCE = 'lb-lens';

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;
let traffic: TrafficTracker | undefined;
let trafficListener: vscode.Disposable | undefined;
/** Route test files (`*.lbtest.yaml`), open or not: the server re-runs them when a config they read changes. */
const ROUTE_TESTS = '**/*.lbtest.{yaml,yml}';
let routeTestWatcher: vscode.FileSystemWatcher | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<LbLensApi> {
  const started = performance.now();
  output = vscode.window.createOutputChannel('LB Lens');
  context.subscriptions.push(output);

  const highlight = new RouteHighlight();
  traffic = new TrafficTracker(() => client);
  const preview = new DistributionPreview(context.extensionUri, () => client, highlight, traffic);
  context.subscriptions.push(highlight, traffic, preview, registerTestRequest(context, preview), { dispose: () => trafficListener?.dispose() });

  context.subscriptions.push(
    vscode.commands.registerCommand('lbLens.showDistribution', () => preview.show()),
    vscode.commands.registerCommand('lbLens.compareWithHead', () => preview.compareWithHead()),
    // Stops the access-log replay of the active document (of every document when none is active).
    vscode.commands.registerCommand('lbLens.cancelReplay', async (uri?: string) => {
      const target = typeof uri === 'string' ? uri : vscode.window.activeTextEditor?.document.uri.toString() ?? preview.followed?.uri.toString();
      const done = (target && (await traffic?.cancel(target))) || (await traffic?.cancel());
      if (!done) void vscode.window.showInformationMessage('LB Lens: no access-log replay is running.');
      return !!done;
    }),
    vscode.commands.registerCommand('lbLens.restartServer', async () => {
      if (!isEnabled()) {
        void vscode.window.showInformationMessage('LB Lens is disabled (setting "lbLens.enable").');
        return;
      }
      if (client) {
        output?.appendLine('Restarting the LB Lens language server…');
        await client.restart();
      } else {
        await startClient(context);
      }
      preview.refresh();
    }),
    // Trust granted: restart the server so that it knows (it reads .lb-lens.json "allowedFolders" only then).
    vscode.workspace.onDidGrantWorkspaceTrust(async () => {
      if (client) await client.restart();
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration('lbLens.enable')) return;
      if (isEnabled()) await startClient(context);
      else await stopClient();
      preview.refresh();
    }),
  );

  registerStatusBar(context);

  if (isEnabled()) await startClient(context);

  const activationMs = performance.now() - started;
  output.appendLine(`LB Lens activated in ${activationMs.toFixed(0)} ms (language server ${client ? 'running' : 'off'}).`);
  return {
    activationMs,
    get client() {
      return client;
    },
    lastPreview: () => preview.lastPreview,
    lastComparison: () => preview.lastComparison,
    lastRoute: () => {
      const state = preview.lastRoute;
      return state && { ...state, highlighted: highlight.ranges.map((h) => ({ uri: h.uri, range: h.range })) };
    },
    trafficChanges: () => traffic?.history ?? [],
  };
}

export async function deactivate(): Promise<void> {
  await stopClient();
}

function isEnabled(): boolean {
  return vscode.workspace.getConfiguration('lbLens').get<boolean>('enable', true);
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
  if (client) return;
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    // A larger young generation keeps the syntax tree of a large file out of repeated scavenges
    // (measured: a 10k-line HAProxy analysis 29 → 10 ms in isolation).
    run: { module, transport: TransportKind.ipc, options: { execArgv: ['--max-semi-space-size=64'] } },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const documentSelector = [
    ...LANGUAGE_IDS.flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]),
    ...DECLARATIVE_LANGUAGE_IDS.map((language) => ({ scheme: 'file', language })),
    // Whatever language mode the editor gives them.
    { scheme: 'file', pattern: ROUTE_TESTS },
  ];
  if (!routeTestWatcher) {
    routeTestWatcher = vscode.workspace.createFileSystemWatcher(ROUTE_TESTS);
    context.subscriptions.push(routeTestWatcher);
  }
  const clientOptions: LanguageClientOptions = {
    documentSelector,
    // Created, changed and deleted test files reach the server as workspace/didChangeWatchedFiles.
    synchronize: { configurationSection: 'lbLens', fileEvents: routeTestWatcher },
    outputChannel: output,
    // watchesRouteTests: the server then does not register a watcher of its own (other clients get one when they
    // support it). workspaceTrusted: a trusted workspace's .lb-lens.json may widen the boundary ("allowedFolders");
    // an untrusted one may not.
    initializationOptions: { watchesRouteTests: true, workspaceTrusted: vscode.workspace.isTrusted },
  };
  // The id `lbLens` makes the client honour `lbLens.trace.server`.
  client = new LanguageClient('lbLens', 'LB Lens', serverOptions, clientOptions);
  trafficListener?.dispose();
  if (traffic) trafficListener = traffic.attach(client);
  try {
    await client.start();
  } catch (err) {
    output?.appendLine(`LB Lens language server failed to start: ${String(err)}`);
    void vscode.window.showErrorMessage('LB Lens: the language server failed to start. See the "LB Lens" output.');
  }
}

async function stopClient(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) await c.stop().catch(() => undefined);
}

/** `$(pulse) LB Lens N` for nginx/haproxy editors; N = lb-lens diagnostics of the active file. */
function registerStatusBar(context: vscode.ExtensionContext): void {
  const item = vscode.window.createStatusBarItem('lbLens.status', vscode.StatusBarAlignment.Right, 100);
  item.name = 'LB Lens';
  item.command = 'lbLens.showDistribution';
  context.subscriptions.push(item);

  const update = () => {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || !LANGUAGE_IDS.includes(doc.languageId) || !isEnabled()) {
      item.hide();
      return;
    }
    const count = vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === DIAGNOSTIC_SOURCE).length;
    item.text = `$(pulse) LB Lens ${count}`;
    item.tooltip = `${count} LB Lens finding${count === 1 ? '' : 's'} in this file — click to show the traffic distribution`;
    item.accessibilityInformation = { label: `LB Lens: ${count} finding${count === 1 ? '' : 's'}. Show traffic distribution` };
    item.show();
  };

  context.subscriptions.push(
    vscode.window.onDidChangeActiveTextEditor(update),
    vscode.languages.onDidChangeDiagnostics((e) => {
      const active = vscode.window.activeTextEditor?.document.uri.toString();
      if (active && e.uris.some((u) => u.toString() === active)) update();
    }),
    vscode.workspace.onDidOpenTextDocument(update), // language mode changes re-open the document
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('lbLens.enable')) update();
    }),
  );
  update();
}
