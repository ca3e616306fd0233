// The traffic-distribution preview: one webview panel beside the editor that renders the
// PreviewFile the language server returns for `lbLens/distribution` — or, in compare mode, the
// DocumentComparison of `lbLens/compare` against the document's HEAD text. A request tested with
// "LB Lens: Test a Request…" (`lbLens/route`) is shown above the routes and re-sent on every refresh.
// No analysis here.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { readHead, type HeadText } from './compare';
import type { RouteHighlight } from './highlight';
import type { TrafficTracker } from './traffic';
import {
  COMPARE_REQUEST,
  DISTRIBUTION_REQUEST,
  DECLARATIVE_LANGUAGE_IDS,
  LANGUAGE_IDS,
  ROUTE_REQUEST,
  type CompareParams,
  type CompareState,
  type DistributionParams,
  type DocumentComparison,
  type FromWebview,
  type PreviewFile,
  type RouteParams,
  type RouteResponse,
  type RouteState,
  type ToWebview,
} from './protocol';
import { describedToInput, formatRequestInput, parseRequestInput, RequestSyntaxError, type RequestInput } from './requestSyntax';

const VIEW_TYPE = 'lbLens.distribution';
const DEBOUNCE_MS = 150;

export function isLbDocument(doc: vscode.TextDocument | undefined): doc is vscode.TextDocument {
  return !!doc && (LANGUAGE_IDS.includes(doc.languageId) || DECLARATIVE_LANGUAGE_IDS.includes(doc.languageId));
}

export class DistributionPreview implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelDisposables: vscode.Disposable[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  /** The document the panel follows. */
  private document: vscode.TextDocument | undefined;
  /** Simulated failures, per document URI (server ids). */
  private readonly failed = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | undefined;
  /** Sequence number of the latest request; older answers are dropped. */
  private seq = 0;
  private last: PreviewFile | undefined;
  /** `distribution` (the live preview) or `compare` (the live document against its HEAD text). */
  private mode: 'distribution' | 'compare' = 'distribution';
  /** The HEAD text of the followed document in compare mode, read once per document and command run. */
  private head: { uri: string; text: Promise<HeadText> } | undefined;
  private lastCompareState: CompareState | undefined;
  /** The request tested on a document (re-sent with every refresh of that document's preview). */
  private tested: { uri: string; input: string; parsed?: RequestInput; syntaxError?: string } | undefined;
  private lastRouteState: RouteState | undefined;
  /** The latest `request()` in progress or done. */
  private inflight: Promise<void> | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly getClient: () => LanguageClient | undefined,
    private readonly highlight: RouteHighlight,
    private readonly traffic: TrafficTracker,
  ) {
    this.disposables.push(
      // A replay of the access logs ended (or began reporting progress): the logged numbers changed.
      traffic.onDidChange((p) => {
        if (this.panel && this.mode === 'distribution' && p.uri === this.document?.uri.toString()) this.schedule();
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.panel && e.document.uri.toString() === this.document?.uri.toString()) this.schedule();
      }),
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        const doc = editor?.document;
        if (this.panel && isLbDocument(doc) && doc !== this.document) {
          this.follow(doc);
          void this.request();
        }
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('lbLens')) this.schedule();
      }),
      // A comparison that waited for trust can read HEAD now.
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.head = undefined;
        if (this.panel && this.mode === 'compare') void this.request();
      }),
    );
  }

  /** The PreviewFile last received from the server. */
  get lastPreview(): PreviewFile | undefined {
    return this.last;
  }

  /** What the compare view last showed (its comparison, or why there is none). */
  get lastComparison(): CompareState | undefined {
    return this.lastCompareState;
  }

  /** The tested request's last answer (also after a live refresh). */
  get lastRoute(): RouteState | undefined {
    return this.lastRouteState;
  }

  /** The document the panel follows (while it is open). */
  get followed(): vscode.TextDocument | undefined {
    return this.panel ? this.document : undefined;
  }

  /**
   * `lbLens.testRequest`: route `input` (the input box's syntax) through `doc`, show the answer in the panel
   * (opened when needed, in distribution mode), highlight the matched route(s) and reveal the first one.
   */
  async testRequest(doc: vscode.TextDocument, input: string): Promise<RouteState | undefined> {
    const uri = doc.uri.toString();
    let parsed: RequestInput | undefined;
    let syntaxError: string | undefined;
    try {
      parsed = parseRequestInput(input);
    } catch (e) {
      if (!(e instanceof RequestSyntaxError)) throw e;
      syntaxError = e.message;
    }
    this.tested = { uri, input: parsed ? formatRequestInput(parsed) : input.trim(), parsed, syntaxError };
    this.highlight.clear();
    this.mode = 'distribution';
    this.follow(doc);
    if (this.panel) this.panel.reveal(vscode.ViewColumn.Beside, true);
    else this.createPanel();
    // Wait for the latest refresh: one scheduled by an edit may overtake this one (its answer wins).
    let settled = this.request();
    await settled;
    while (this.inflight && this.inflight !== settled) await (settled = this.inflight);
    const state = this.lastRouteState;
    if (!state || state.uri !== uri || state.input !== this.tested?.input) return state;
    await this.highlightAnswer(state);
    return state;
  }

  /** Forget the tested request (the preview's Clear button). */
  clearRequest(): void {
    this.tested = undefined;
    this.lastRouteState = undefined;
    this.highlight.clear();
  }

  /** Highlight the route of every result, and reveal the first one when its file is shown (or is the document). */
  private async highlightAnswer(state: RouteState): Promise<void> {
    const response = state.response;
    if (!response || 'error' in response) return;
    const request = response.request;
    const routes = response.results.slice(0, MAX_RESULTS_SHOWN).flatMap((r) =>
      r.route
        ? [{
            uri: r.route.file,
            range: toRange(r.route.range),
            hover: `LB Lens: ${request} → ${r.route.name} (${r.outcome === 'pool' ? `pool ${r.pools.map((p) => p.name).join(' + ')}` : r.summary})`,
          }]
        : [],
    );
    this.highlight.set(state.uri, routes);
    const first = routes[0];
    if (!first) return;
    // Reveal in an editor that shows the route's file; a route of another file (an included one) is not opened
    // unasked: its name in the Request section goes there.
    const editor =
      vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === first.uri && e.viewColumn === this.editorColumn()) ??
      vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === first.uri);
    editor?.revealRange(first.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  /** `lbLens.showDistribution`: open (or reveal) the panel for the active nginx/haproxy document. */
  show(): Promise<void> {
    return this.open('distribution', 'LB Lens: open an nginx or HAProxy configuration to see its traffic distribution.');
  }

  /** `lbLens.compareWithHead`: the same panel, showing the document's distribution against its HEAD version. */
  compareWithHead(): Promise<void> {
    return this.open('compare', 'LB Lens: open an nginx or HAProxy configuration to compare its traffic distribution with HEAD.');
  }

  private async open(mode: 'distribution' | 'compare', hint: string): Promise<void> {
    const active = vscode.window.activeTextEditor?.document;
    const doc = isLbDocument(active) ? active : this.document;
    if (!isLbDocument(doc)) {
      void vscode.window.showInformationMessage(hint);
      return;
    }
    this.mode = mode;
    if (mode === 'compare') this.head = undefined; // HEAD may have moved since the last comparison: read it again
    this.follow(doc);
    if (this.panel) {
      this.panel.reveal(vscode.ViewColumn.Beside, true);
    } else {
      this.createPanel();
    }
    await this.request();
  }

  /** Re-request for the followed document (after a restart, a setting change…). */
  refresh(): void {
    if (this.panel) this.schedule();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }

  private follow(doc: vscode.TextDocument): void {
    this.document = doc;
    if (this.panel) this.panel.title = this.title(doc);
  }

  private title(doc: vscode.TextDocument | undefined): string {
    if (!doc) return 'LB Lens: Traffic Distribution';
    return this.mode === 'compare' ? `LB Lens: ${baseName(doc.uri)} vs HEAD` : `LB Lens: ${baseName(doc.uri)}`;
  }

  private failedFor(doc: vscode.TextDocument): Set<string> {
    const key = doc.uri.toString();
    let set = this.failed.get(key);
    if (!set) this.failed.set(key, (set = new Set()));
    return set;
  }

  private createPanel(): void {
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const panel = vscode.window.createWebviewPanel(
      VIEW_TYPE,
      this.title(this.document),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, localResourceRoots: [media], enableCommandUris: false },
    );
    panel.webview.html = renderHtml(panel.webview, media);
    this.panel = panel;
    this.panelDisposables.push(
      panel.webview.onDidReceiveMessage((msg: FromWebview) => this.onMessage(msg)),
      panel.onDidDispose(() => {
        this.panel = undefined;
        // The Request section goes with the panel: closing it ends the test (and its highlight).
        this.clearRequest();
        clearTimeout(this.timer);
        for (const d of this.panelDisposables) d.dispose();
        this.panelDisposables = [];
      }),
    );
  }

  private onMessage(msg: FromWebview): void {
    const doc = this.document;
    switch (msg?.type) {
      case 'ready':
        // The webview (re)loaded: give it the current data, or fetch it.
        if (this.mode === 'compare') {
          const state = this.lastCompareState;
          if (state && doc && state.uri === doc.uri.toString()) this.postCompare(doc, state);
          else void this.request();
        } else if (this.last && doc) this.postData(doc, this.last, [...this.failedFor(doc)]);
        else void this.request();
        return;
      case 'toggleFailed': {
        if (!doc || typeof msg.serverId !== 'string') return;
        const set = this.failedFor(doc);
        if (set.has(msg.serverId)) set.delete(msg.serverId);
        else set.add(msg.serverId);
        void this.request();
        return;
      }
      case 'reset':
        if (doc) this.failedFor(doc).clear();
        void this.request();
        return;
      case 'reveal':
        void this.reveal(msg);
        return;
      case 'revealCompared': {
        // Removed routes exist only in HEAD: there is no line of the editor to go to.
        const route = typeof msg.index === 'number' ? this.lastCompareState?.comparison?.routes[msg.index] : undefined;
        if (route && route.status !== 'removed') void this.openAt(route.file, route.line);
        return;
      }
      case 'showDistribution':
        this.mode = 'distribution';
        if (doc) this.follow(doc);
        void this.request();
        return;
      case 'testExample': {
        const route = this.last?.routes.find((r) => r.id === msg.routeId);
        if (!route?.example || !doc) return;
        // The structured example when the server sent one (nothing lost to text), else its description.
        const input = route.exampleRequest ?? describedToInput(route.example);
        void vscode.commands.executeCommand('lbLens.testRequest', { request: formatRequestInput(input), uri: doc.uri.toString() });
        return;
      }
      case 'editRequest':
        if (!doc) return;
        void vscode.commands.executeCommand('lbLens.testRequest', { edit: this.tested?.input ?? '', uri: doc.uri.toString() });
        return;
      case 'clearRequest':
        this.clearRequest();
        if (doc && this.last) this.postData(doc, this.last, [...this.failedFor(doc)]);
        return;
      case 'cancelReplay':
        if (doc) void vscode.commands.executeCommand('lbLens.cancelReplay', doc.uri.toString());
        return;
      case 'replayAgain':
        if (doc) void this.traffic.replayAgain(doc.uri.toString()).then(() => this.schedule(), () => undefined);
        return;
      case 'revealRequest': {
        const response = this.lastRouteState?.response;
        const result = response && 'results' in response && typeof msg.result === 'number' ? response.results[msg.result] : undefined;
        if (!result) return;
        if (typeof msg.trace === 'number') {
          const step = result.trace[msg.trace];
          if (step?.line !== undefined) void this.openAt(step.file, step.line);
        } else if (typeof msg.server === 'number') {
          const server = result.servers[msg.server];
          if (server?.line !== undefined) void this.openAt(server.file, server.line);
        } else if (result.route) {
          void this.openAt(result.route.file, result.route.line, toRange(result.route.range).start);
        }
        return;
      }
    }
  }

  /** Reveal the line of a route or server of the last preview (ids only: the webview never names a file). */
  private async reveal(msg: { routeId?: string; serverId?: string }): Promise<void> {
    let target: { uri: string; line: number } | undefined;
    for (const route of this.last?.routes ?? []) {
      if (msg.routeId !== undefined && route.id === msg.routeId) target = route;
      const server = msg.serverId !== undefined ? route.servers.find((s) => s.id === msg.serverId) : undefined;
      if (server) target = server;
      if (target) break;
    }
    if (!target) return;
    await this.openAt(target.uri, target.line);
  }

  /** Show a 1-based line of a file (a URI from the server; the followed document when absent). */
  private async openAt(uriText: string | undefined, line1: number, at?: vscode.Position): Promise<void> {
    const uri = uriText ? vscode.Uri.parse(uriText) : this.document?.uri;
    if (!uri) return;
    const doc = await vscode.workspace.openTextDocument(uri);
    const line = Math.max(0, Math.min(line1 - 1, doc.lineCount - 1));
    const range = at && at.line === line ? new vscode.Range(at, at) : doc.lineAt(line).range;
    const visible = vscode.window.visibleTextEditors.find((e) => e.document === doc);
    const column = visible?.viewColumn ?? this.editorColumn();
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: column, selection: range, preserveFocus: false });
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  /** The column of an editor showing the followed document, else the first column. */
  private editorColumn(): vscode.ViewColumn {
    const shown = vscode.window.visibleTextEditors.find((e) => e.document === this.document);
    return shown?.viewColumn ?? vscode.ViewColumn.One;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.request(), DEBOUNCE_MS);
  }

  /** Ask the server for what the panel shows (the latest call's promise is `inflight`). */
  private request(): Promise<void> {
    const p = this.fetch();
    this.inflight = p;
    return p;
  }

  private async fetch(): Promise<void> {
    if (this.mode === 'compare') return this.requestComparison();
    clearTimeout(this.timer);
    const doc = this.document;
    if (!this.panel || !doc) return;
    const client = this.getClient();
    if (!client) {
      const message = 'LB Lens is disabled (setting "lbLens.enable").';
      if (this.tested?.uri === doc.uri.toString()) this.lastRouteState = { uri: this.tested.uri, input: this.tested.input, response: null, message };
      this.post({ type: 'empty', message });
      return;
    }
    const failed = [...this.failedFor(doc)];
    const params: DistributionParams = { textDocument: { uri: doc.uri.toString() }, failed };
    const seq = ++this.seq;
    // The tested request goes with every refresh of its document's preview: one engine evaluation on the analysis
    // the distribution uses (cached by the server), sent alongside it, so the refresh takes no longer.
    const routing = this.routeTested(client, doc, failed);
    try {
      const file = await client.sendRequest<PreviewFile | null>(DISTRIBUTION_REQUEST, params);
      const route = await routing;
      if (seq !== this.seq) return; // a newer request is on its way
      if (route) this.lastRouteState = route;
      if (!file) {
        this.post({ type: 'empty', message: 'No traffic distribution for this document.' });
        return;
      }
      this.last = file;
      this.postData(doc, file, failed);
    } catch (err) {
      if (seq !== this.seq) return;
      this.post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    }
  }

  /** `lbLens/route` for the request tested on `doc`, if any (never rejects: a failure is the state's message). */
  private async routeTested(client: LanguageClient, doc: vscode.TextDocument, failed: string[]): Promise<RouteState | undefined> {
    const uri = doc.uri.toString();
    const tested = this.tested;
    if (!tested || tested.uri !== uri) return undefined;
    const state = (response: RouteResponse | null, message?: string): RouteState => ({ uri, input: tested.input, response, ...(message ? { message } : {}) });
    if (!tested.parsed) return state(null, tested.syntaxError ?? 'not a request');
    const params: RouteParams = { textDocument: { uri }, ...tested.parsed, failed };
    try {
      const response = await client.sendRequest<RouteResponse | null>(ROUTE_REQUEST, params);
      return response ? state(response) : state(null, 'LB Lens does not analyse this document.');
    } catch (err) {
      return state(null, `The language server could not route the request: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** The distribution, with the tested request of that document when there is one (files named for display). */
  private postData(doc: vscode.TextDocument, file: PreviewFile, failed: string[]): void {
    const route = this.lastRouteState;
    const request = route && route.uri === doc.uri.toString() && this.tested?.uri === route.uri ? forDisplay(route) : undefined;
    // Logged traffic: the logs named relative to the workspace; a running replay can be cancelled when its progress token is known.
    const replayCancellable = file.traffic?.status === 'replaying' && this.traffic.replaying(doc.uri.toString());
    this.post({ type: 'data', file, failed, displayPath: displayPath(doc), ...(request ? { request } : {}), ...(replayCancellable ? { replayCancellable } : {}) });
  }

  private async requestComparison(): Promise<void> {
    clearTimeout(this.timer);
    const doc = this.document;
    if (!this.panel || !doc) return;
    const uri = doc.uri.toString();
    const seq = ++this.seq;
    const show = (state: Omit<CompareState, 'uri'>) => {
      if (seq !== this.seq) return; // a newer request is on its way
      this.lastCompareState = { uri, ...state };
      this.postCompare(doc, this.lastCompareState);
    };
    const client = this.getClient();
    if (!client) return show({ comparison: null, message: 'LB Lens is disabled (setting "lbLens.enable").' });
    if (this.head?.uri !== uri) this.head = { uri, text: readHead(doc.uri) };
    let head: HeadText;
    try {
      head = await this.head.text;
    } catch (err) {
      return show({ comparison: null, message: `Could not read the HEAD version: ${err instanceof Error ? err.message : String(err)}` });
    }
    if (seq !== this.seq) return;
    if (head.kind === 'unavailable') return show({ comparison: null, message: head.message });
    const params: CompareParams = { textDocument: { uri }, baseText: head.kind === 'text' ? head.text : null };
    try {
      const comparison = await client.sendRequest<DocumentComparison | null>(COMPARE_REQUEST, params);
      if (!comparison) return show({ comparison: null, message: 'No traffic distribution for this document.' });
      show({ comparison, via: head.via, notice: head.kind === 'new' ? head.reason : undefined });
    } catch (err) {
      show({ comparison: null, message: `The language server could not compare with HEAD: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  /** The compare view's message; files are named relative to the workspace, as the user knows them. */
  private postCompare(doc: vscode.TextDocument, state: CompareState): void {
    const c = state.comparison;
    if (!c) {
      this.post({ type: 'compareMessage', message: state.message ?? 'Nothing to compare.', displayPath: displayPath(doc) });
      return;
    }
    const rel = (uri: string) => vscode.workspace.asRelativePath(vscode.Uri.parse(uri), false);
    const comparison: DocumentComparison = {
      ...c,
      routes: c.routes.map((r) => ({ ...r, file: rel(r.file) })),
      introduced: c.introduced.map((d) => ({ ...d, path: rel(d.path) })),
      resolved: c.resolved.map((d) => ({ ...d, path: rel(d.path) })),
    };
    this.post({ type: 'compare', comparison, displayPath: displayPath(doc), notice: state.notice });
  }

  private post(msg: ToWebview): void {
    void this.panel?.webview.postMessage(msg);
  }
}

function displayPath(doc: vscode.TextDocument): string {
  return vscode.workspace.asRelativePath(doc.uri, false);
}

function toRange(r: { start: { line: number; character: number }; end: { line: number; character: number } }): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

/** Results the Request section shows (and routes highlighted); `--entry NAME` picks one of the others. */
const MAX_RESULTS_SHOWN = 20;

/** The route state with its files named relative to the workspace, as the user knows them. */
function forDisplay(state: RouteState): RouteState {
  const response = state.response;
  if (!response || 'error' in response) return state;
  const shown = response.results.slice(0, MAX_RESULTS_SHOWN);
  const rel = (uri: string | undefined) => (uri === undefined ? undefined : vscode.workspace.asRelativePath(vscode.Uri.parse(uri), false));
  const file = <T extends { file?: string }>(x: T): T => (x.file === undefined ? x : { ...x, file: rel(x.file) });
  return {
    ...state,
    ...(shown.length < response.results.length ? { moreResults: response.results.length - shown.length } : {}),
    response: {
      ...response,
      results: shown.map((r) => ({
        ...r,
        entry: file(r.entry),
        ...(r.site ? { site: file(r.site) } : {}),
        route: r.route ? { ...r.route, file: rel(r.route.file)! } : null,
        servers: r.servers.map(file),
        trace: r.trace.map(file),
      })),
    },
  };
}

function baseName(uri: vscode.Uri): string {
  return uri.path.split('/').pop() || uri.toString();
}

function nonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < 32; i++) out += chars.charAt(Math.floor(Math.random() * chars.length));
  return out;
}

function renderHtml(webview: vscode.Webview, media: vscode.Uri): string {
  const n = nonce();
  const script = webview.asWebviewUri(vscode.Uri.joinPath(media, 'preview.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(media, 'preview.css'));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `script-src 'nonce-${n}'`,
    `font-src ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${style}">
  <title>LB Lens: Traffic Distribution</title>
</head>
<body>
  <header class="toolbar">
    <div class="file" id="file" aria-live="polite"></div>
    <button type="button" id="reset" class="reset" aria-label="Reset simulated failures" title="Reset simulated failures">Reset</button>
    <button type="button" id="live" class="reset" title="Show the live traffic distribution" hidden>Live distribution</button>
  </header>
  <main id="routes" aria-live="polite"><p class="placeholder">Loading…</p></main>
  <script nonce="${n}" src="${script}"></script>
</body>
</html>`;
}
