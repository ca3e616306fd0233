import {
  CodeActionKind,
  CodeActionTriggerKind,
  DiagnosticSeverity,
  DiagnosticTag,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  InlayHint,
  SymbolKind,
  TextDocumentSyncKind,
  TextDocuments,
  type Connection,
  type Diagnostic as LspDiagnostic,
  type DocumentSymbol,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic } from '../analysis/analyze';
import type { Severity } from '../analysis/rule';
import { FIX_ALL_KIND, getCodeActions } from '../service/codeActions';
import { compareDocument } from '../service/compare';
import { mergeSettings, type AnalysisSettings } from '../analysis/settings';
import { createNodeFileSystem } from '../node/nodeFileSystem';
import { CONFIG_FILE, readProjectConfig } from '../node/projectConfig';
import { MAX_FILE_BYTES } from '../service/fileSystem';
import { getHover } from '../service/hover';
import { getInlayHints } from '../service/inlayHints';
import { LanguageService, type DocumentAnalysis } from '../service/languageService';
import { getDefinition, getReferences } from '../service/navigation';
import { buildPreview } from '../service/preview';
import { ruleDocUrl } from '../service/ruleDocs';
import { getDocumentSymbols, type SymbolResult } from '../service/symbols';
import { dirnameUri, pathToUri, uriToPath } from '../service/uri';
import { isAbsolute, resolve } from 'node:path';
import {
  COMPARE_REQUEST,
  DISTRIBUTION_REQUEST,
  REPLAY_REQUEST,
  ROUTE_REQUEST,
  TRAFFIC_CHANGED_NOTIFICATION,
  type CompareParams,
  type DistributionParams,
  type ReplayParams,
  type RouteParams,
  type TrafficChangedParams,
} from './protocol';
import { TrafficReplays, type TrafficSettingsInput } from './traffic';
import { routeInDocument } from '../service/routing';
import { isRouteTestFile, ROUTE_TEST_GLOB } from '../service/routeTests';
import { RouteTestRunner } from './routeTests';

interface ClientSettings extends AnalysisSettings {
  enable?: boolean;
  inlayHints?: { enable?: boolean };
  /** Folders outside the workspace that may be read (includes, sibling manifests). */
  allowedFolders?: string[];
  /** Documents larger than this many MiB are not analysed (default 32). */
  maxFileSize?: number;
  /** Access logs replayed through open configurations (`lbLens.traffic.logs`, `logFormat`, `maxLines`). */
  traffic?: TrafficSettingsInput;
}

/** What the client tells the server when it starts (`initializationOptions`). */
interface InitializationOptions {
  settings?: ClientSettings;
  /** VS Code's workspace trust: only a trusted workspace's `.lb-lens.json` may name `allowedFolders`. */
  workspaceTrusted?: boolean;
}

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

const SYMBOL_KIND: Record<SymbolResult['kind'], SymbolKind> = {
  entry: SymbolKind.Namespace,
  route: SymbolKind.Function,
  pool: SymbolKind.Class,
  server: SymbolKind.Field,
};

export function toLspDiagnostic(d: Diagnostic): LspDiagnostic {
  return {
    range: d.range,
    severity: SEVERITY[d.severity],
    code: d.ruleId,
    codeDescription: { href: ruleDocUrl(d.ruleId) },
    source: 'lb-lens',
    message: d.message,
    relatedInformation: d.related?.map((r) => ({ location: { uri: r.uri, range: r.range }, message: r.message })),
    tags: d.tags?.includes('unnecessary') ? [DiagnosticTag.Unnecessary] : undefined,
    data: d.data,
  };
}

function toDocumentSymbol(s: SymbolResult): DocumentSymbol {
  return {
    name: s.name || '(unnamed)',
    detail: s.detail,
    kind: SYMBOL_KIND[s.kind],
    range: s.range,
    selectionRange: s.selectionRange,
    children: s.children.map(toDocumentSymbol),
  };
}

/** Wires the language service to an LSP connection. Everything here is protocol glue. */
export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  let roots: string[] = [];
  let clientSettings: ClientSettings = {};
  let fileSettings: AnalysisSettings = {};
  /** `allowedFolders` of the workspace's `.lb-lens.json` files (counted only in a trusted workspace). */
  let fileAllowed: string[] = [];
  let workspaceTrusted = false;
  let canPullConfiguration = false;
  /** The client can register file watchers for us and did not say it watches route tests itself. */
  let watchRouteTests = false;

  /** Folders named by a setting, as `file:` URIs: absolute paths, or relative to the first workspace folder. */
  const allowedFolders = (): string[] => {
    const named = Array.isArray(clientSettings.allowedFolders) ? clientSettings.allowedFolders.filter((f) => typeof f === 'string' && f) : [];
    const base = roots[0] ? uriToPath(roots[0]) : undefined;
    const fromSettings = named.flatMap((f) => (f.startsWith('file:') ? [f] : isAbsolute(f) ? [pathToUri(f)] : base ? [pathToUri(resolve(base, f))] : []));
    return [...fromSettings, ...(workspaceTrusted ? fileAllowed : [])];
  };
  /** The boundary: the workspace folders (or the first document's folder without one), plus allowed folders. */
  const boundary = (): string[] => [...roots, ...allowedFolders()];
  const maxFileBytes = (): number => {
    const mib = clientSettings.maxFileSize;
    return typeof mib === 'number' && Number.isFinite(mib) && mib >= 0 ? Math.floor(mib * 1024 * 1024) : MAX_FILE_BYTES;
  };
  const fileSystem = createNodeFileSystem({ roots: boundary, maxFileBytes, boundaryName: 'the workspace' });

  const service = new LanguageService({
    fileSystem,
    // Without a workspace folder, a document may read the files of its own folder (for includes).
    roots: boundary,
    openText: (uri) => documents.get(uri)?.getText(),
    maxFileBytes,
  });
  /** Documents told once that they are too large to analyse (until they are small enough again, or closed). */
  const announcedTooLarge = new Set<string>();

  const userSettings = (): AnalysisSettings => mergeSettings(fileSettings, { rules: clientSettings.rules });
  /**
   * The settings of a keystroke's analysis: LB106's proofs get KEYSTROKE_PROOF_BUDGET_MS unless the user set
   * `budgetMs` (what is left is completed when the document is idle, see completeLater).
   */
  const KEYSTROKE_PROOF_BUDGET_MS = 50;
  const settings = (): AnalysisSettings => {
    const base = userSettings();
    const own = base.rules?.LB106;
    if (typeof own === 'object' && typeof own.budgetMs === 'number') return base;
    return mergeSettings(base, { rules: { LB106: { ...(typeof own === 'string' ? { severity: own } : {}), budgetMs: KEYSTROKE_PROOF_BUDGET_MS } } });
  };
  /** Settings with at least `ms` for LB106's proofs. */
  const withProofBudget = (base: AnalysisSettings, ms: number): AnalysisSettings => {
    const own = base.rules?.LB106;
    const budget = typeof own === 'object' && typeof own.budgetMs === 'number' ? Math.max(own.budgetMs, ms) : ms;
    return mergeSettings(base, { rules: { LB106: { ...(typeof own === 'string' ? { severity: own } : {}), budgetMs: budget } } });
  };
  /** Files each open document's analysis read, to re-check it when one of them changes. */
  const filesOf = new Map<string, readonly string[]>();

  function analyze(uri: string): DocumentAnalysis | undefined {
    const doc = documents.get(uri);
    if (!doc || clientSettings.enable === false) return undefined;
    if (roots.length === 0) roots = [dirnameUri(uri)];
    const a = service.analyze({ uri, text: doc.getText(), languageId: doc.languageId, version: doc.version }, settings());
    if (a) filesOf.set(uri, a.model.files);
    return a;
  }

  // Access logs replayed in the background through each open configuration (lbLens.traffic.logs).
  const traffic = new TrafficReplays({
    connection,
    fileSystem,
    folders: () => roots.map(uriToPath),
    analyze,
    readText: (uri) => documents.get(uri)?.getText() ?? fileSystem.readFile(uri),
    versionOf: (uri) => documents.get(uri)?.version,
    busy: () => settling.size > 0,
    changed: (uri, status, progressToken) => {
      if (status !== 'replaying') void connection.languages.inlayHint.refresh().catch(() => undefined);
      void connection.sendNotification(TRAFFIC_CHANGED_NOTIFICATION, { uri, status, ...(progressToken !== undefined ? { progressToken } : {}) } satisfies TrafficChangedParams);
    },
  });
  /** Logged traffic for a view of `a` (hovers, inlay hints, the preview). */
  const trafficOf = (a: DocumentAnalysis) => traffic.view(a);

  // Route test files (*.lbtest.yaml) in the workspace, open or not: re-run when a config they read changes.
  const routeTests = new RouteTestRunner({
    fileSystem,
    roots: () => roots,
    document: (uri) => {
      const d = documents.get(uri);
      return d && { text: d.getText(), version: d.version, languageId: d.languageId };
    },
    analyze: (uri, text, languageId) => service.analyze({ uri, text, languageId }, settings()),
    publish: (uri, diagnostics, version) => void connection.sendDiagnostics({ uri, version, diagnostics: diagnostics.map(toLspDiagnostic) }),
  });

  function validate(uri: string): void {
    if (isRouteTestFile(uri)) {
      if (clientSettings.enable === false) {
        void connection.sendDiagnostics({ uri, diagnostics: [] });
        return;
      }
      if (roots.length === 0) roots = [dirnameUri(uri)];
      try {
        routeTests.run(uri);
      } catch (e) {
        connection.console.error(`lb-lens: route tests of ${uri} failed: ${(e as Error).stack ?? e}`);
      }
      return;
    }
    const doc = documents.get(uri);
    if (!doc) return;
    const version = doc.version;
    // Too large to analyse: one diagnostic at the top, published once (not on every keystroke).
    const skip = clientSettings.enable === false ? undefined : service.skipReason({ text: doc.getText() });
    if (skip?.startsWith('larger than')) {
      if (announcedTooLarge.has(uri)) return;
      announcedTooLarge.add(uri);
      const message = `LB Lens does not analyse this file: it is ${skip} (setting "lbLens.maxFileSize").`;
      void connection.sendDiagnostics({
        uri,
        version,
        diagnostics: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: DiagnosticSeverity.Information, source: 'lb-lens', message }],
      });
      return;
    }
    announcedTooLarge.delete(uri);
    let analysis: DocumentAnalysis | undefined;
    try {
      analysis = analyze(uri);
    } catch (e) {
      connection.console.error(`lb-lens: analysis of ${uri} failed: ${(e as Error).stack ?? e}`);
      return;
    }
    // Never publish for an outdated version: a newer edit arrived meanwhile, and its own validation publishes.
    if (documents.get(uri)?.version !== version) return;
    const diagnostics = analysis ? analysis.ownDiagnostics.map(toLspDiagnostic) : [];
    void connection.sendDiagnostics({ uri, version, diagnostics });
    if (analysis?.incomplete) completeLater(uri, version, 1);
    if (analysis && analysis.model.routes.length > 0) traffic.schedule(uri);
    if (analysis) warmUpLater(uri, version);
  }

  /**
   * The first keystrokes in a large file run before V8 has optimised the analysis: measured on a 10k-line nginx
   * file, the first ten edits took 40 ms each and the steady state 11 ms (README, Performance). So the first time
   * a large document of a format is opened, once it has been idle for a moment, it is analysed again a few times
   * in the background — with one trailing newline added and removed, which changes no finding — one analysis per
   * event-loop turn, stopping at the first change of any document. Nothing is published; at most once per format
   * per server process, at most about a second of otherwise idle time. Files of 2,000 to 40,000 lines: smaller
   * ones are fast anyway, and in larger ones a keystroke could wait for a round.
   */
  const WARM_UP_LINES = 2000;
  /** Above this a round takes long enough to delay a keystroke that arrives during it: no warm-up. */
  const WARM_UP_MAX_LINES = 40_000;
  const WARM_UP_ROUNDS = 30;
  /** CPU time the warm-up of one format may take (a 200k-line file gets two or three rounds, not thirty). */
  const WARM_UP_BUDGET_MS = 1000;
  const warmedUp = new Set<string>();
  function warmUpLater(uri: string, version: number): void {
    const doc = documents.get(uri);
    if (!doc || warmedUp.has(doc.languageId) || doc.lineCount < WARM_UP_LINES || doc.lineCount > WARM_UP_MAX_LINES || completing.has(uri)) return;
    warmedUp.add(doc.languageId);
    const text = doc.getText();
    const { languageId } = doc;
    const idle = () => settling.size === 0 && completing.size === 0 && documents.get(uri)?.version === version;
    let round = 0;
    let spent = 0;
    const step = () => {
      if (!idle()) return;
      const t0 = performance.now();
      // Alternate the text so that each round is a real (incremental) analysis, not a cache hit; end on the text.
      const last = round >= WARM_UP_ROUNDS - 1 || spent > WARM_UP_BUDGET_MS;
      try {
        service.analyze({ uri, text: last || round % 2 === 1 ? text : `${text}\n`, languageId, version }, settings());
      } catch {
        return;
      }
      spent += performance.now() - t0;
      round++;
      if (!last) setTimeout(step, 0).unref();
    };
    setTimeout(step, IDLE_MS).unref();
  }

  /**
   * A keystroke's analysis gives LB106 a small time budget (its proofs are cached, so the next keystrokes go on
   * where it stopped). When it ran out, the document is analysed again once it has been idle for a moment, with a
   * larger budget, and the complete findings are published — at most a few times per version.
   */
  const IDLE_MS = 300;
  const IDLE_PROOF_BUDGET_MS = 2000;
  const completing = new Map<string, ReturnType<typeof setTimeout>>();
  // (timers are unref'd: a pending completion never keeps the server alive)
  function completeLater(uri: string, version: number, attempt: number): void {
    clearTimeout(completing.get(uri));
    if (attempt > 3) return;
    completing.set(uri, setTimeout(() => {
      completing.delete(uri);
      const doc = documents.get(uri);
      if (!doc || doc.version !== version || settling.has(uri) || clientSettings.enable === false) return;
      let a: DocumentAnalysis | undefined;
      try {
        a = service.analyze({ uri, text: doc.getText(), languageId: doc.languageId, version }, withProofBudget(userSettings(), IDLE_PROOF_BUDGET_MS));
      } catch (e) {
        connection.console.error(`lb-lens: analysis of ${uri} failed: ${(e as Error).stack ?? e}`);
        return;
      }
      if (!a || documents.get(uri)?.version !== version) return;
      void connection.sendDiagnostics({ uri, version, diagnostics: a.ownDiagnostics.map(toLspDiagnostic) });
      if (a.incomplete) completeLater(uri, version, attempt + 1);
    }, IDLE_MS).unref());
  }

  /**
   * Validation waits for the incoming messages to settle, not for a fixed delay. Analysis is synchronous, so
   * keystrokes typed while it runs pile up unread; vscode-jsonrpc then decodes and dispatches them one per
   * event-loop turn (setImmediate). Waiting SETTLE_TURNS turns after the last `didChange` lets that backlog
   * drain into the document first, so a burst of keystrokes costs one analysis of the newest text instead of
   * one per keystroke, while a lone edit waits only a few microseconds.
   */
  const SETTLE_TURNS = 3;
  /** The latest wait of each document; a wait that finds itself superseded by a newer change stops. */
  const settling = new Map<string, object>();
  function schedule(uri: string): void {
    const ticket = {};
    settling.set(uri, ticket);
    let turns = SETTLE_TURNS;
    const step = () => {
      if (settling.get(uri) !== ticket) return;
      if (--turns > 0) {
        setImmediate(step);
        return;
      }
      settling.delete(uri);
      validate(uri);
    };
    setImmediate(step);
  }

  function revalidateAll(): void {
    service.invalidate();
    for (const d of documents.all()) schedule(d.uri);
    for (const t of routeTests.all()) schedule(t);
  }

  function loadFileSettings(): void {
    const merged: AnalysisSettings[] = [];
    const allowed: string[] = [];
    for (const root of roots) {
      try {
        const folder = uriToPath(root);
        const path = `${folder}/${CONFIG_FILE}`;
        const read = fileSystem.readPath(path);
        if (!('text' in read) && read.missing) continue;
        // Read only when it really is in the folder (not a link leading out of it).
        const config = readProjectConfig(path, folder);
        merged.push(config);
        for (const f of config.allowedFolders ?? []) allowed.push(pathToUri(resolve(folder, f)));
        if (config.allowedFolders?.length && !workspaceTrusted) {
          connection.console.warn(`lb-lens: ${path}: "allowedFolders" is ignored until the workspace is trusted.`);
        }
      } catch (e) {
        connection.window.showErrorMessage(`lb-lens: ${(e as Error).message}`);
      }
    }
    fileSettings = mergeSettings(...merged);
    fileAllowed = allowed;
  }

  async function pullSettings(): Promise<void> {
    if (!canPullConfiguration) return;
    try {
      const [cfg] = await connection.workspace.getConfiguration([{ section: 'lbLens' }]);
      clientSettings = (cfg ?? {}) as ClientSettings;
      traffic.configure(clientSettings.traffic);
    } catch {
      /* the client does not answer configuration requests */
    }
  }

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    roots = (params.workspaceFolders ?? []).map((f) => f.uri.replace(/\/$/, ''));
    if (roots.length === 0 && params.rootUri) roots = [params.rootUri.replace(/\/$/, '')];
    canPullConfiguration = !!params.capabilities.workspace?.configuration;
    const init = params.initializationOptions as (InitializationOptions & { watchesRouteTests?: boolean }) | undefined;
    watchRouteTests = !!params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration && !init?.watchesRouteTests;
    if (init?.settings) {
      clientSettings = init.settings;
      traffic.configure(clientSettings.traffic);
    }
    workspaceTrusted = init?.workspaceTrusted === true;
    loadFileSettings();
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        documentSymbolProvider: true,
        inlayHintProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.SourceFixAll, FIX_ALL_KIND] },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'lb-lens-language-server', version: '0.1.0' },
    };
  });

  connection.onInitialized(async () => {
    if (canPullConfiguration) {
      void connection.client.register(DidChangeConfigurationNotification.type, undefined).catch(() => undefined);
    }
    if (watchRouteTests) {
      void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: ROUTE_TEST_GLOB }] }).catch(() => undefined);
    }
    // Documents opened meanwhile were analysed with the settings of `initializationOptions` (the VS Code client
    // sends them): analysed again only when the pulled settings differ (a 200k-line file costs a second or two).
    const before = JSON.stringify(clientSettings);
    await pullSettings();
    if (JSON.stringify(clientSettings) !== before) revalidateAll();
    // Then the workspace's route tests (bounded walk), after the open documents' first diagnostics.
    setTimeout(() => {
      for (const t of routeTests.discover()) schedule(t);
      if (routeTests.truncated) connection.console.warn('lb-lens: the workspace is large: route test files were looked for in part of it only (open a test file to check it)');
    }, 10);
  });

  connection.onDidChangeConfiguration(async (change) => {
    if (canPullConfiguration) await pullSettings();
    else {
      clientSettings = ((change.settings as { lbLens?: ClientSettings })?.lbLens ?? {}) as ClientSettings;
      traffic.configure(clientSettings.traffic);
    }
    revalidateAll();
    void connection.languages.inlayHint.refresh().catch(() => undefined);
  });

  connection.onDidChangeWatchedFiles((p) => {
    const tests = p.changes.filter((c) => isRouteTestFile(c.uri));
    for (const c of tests) if (routeTests.changedOnDisk(c.uri, c.type === FileChangeType.Deleted)) schedule(c.uri);
    if (tests.length === p.changes.length) return;
    loadFileSettings();
    traffic.reset();
    revalidateAll();
  });

  documents.onDidChangeContent((e) => {
    const uri = e.document.uri;
    // Other open documents that include this one see its new text too.
    let dependents = false;
    for (const [other, files] of filesOf) {
      if (other !== uri && files.includes(uri)) {
        dependents = true;
        schedule(other);
      }
    }
    if (dependents || routeTests.readsThroughInclude(uri)) service.invalidate();
    traffic.cancel(uri);
    schedule(uri);
    // The route tests that route through this document run again with its live text.
    for (const t of routeTests.readersOf(uri)) schedule(t);
  });

  documents.onDidClose((e) => {
    settling.delete(e.document.uri);
    announcedTooLarge.delete(e.document.uri);
    filesOf.delete(e.document.uri);
    traffic.forget(e.document.uri);
    service.forget(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    // A test file keeps its diagnostics from the disk's text; tests reading a closed config see the disk's text.
    if (isRouteTestFile(e.document.uri)) schedule(e.document.uri);
    for (const t of routeTests.readersOf(e.document.uri)) schedule(t);
  });

  /** Hovers: the numbers when the replay of this text is ready, else a word on where it is. */
  const trafficHover = (a: DocumentAnalysis) => {
    const v = trafficOf(a);
    if (!v) return undefined;
    if (v.facts) return { facts: v.facts };
    const note = v.status === 'replaying'
      ? `Logged traffic: replaying the access logs${v.progress !== undefined ? ` (${v.progress}%)` : ''}…`
      : v.message ?? '';
    return note ? { note } : undefined;
  };

  connection.onHover((p) => {
    const a = analyze(p.textDocument.uri);
    const h = a && getHover(a, p.position, a && trafficHover(a));
    return h ? { contents: { kind: 'markdown', value: h.contents }, range: h.range } : null;
  });

  connection.languages.inlayHint.on((p) => {
    if (clientSettings.inlayHints?.enable === false) return [];
    const a = analyze(p.textDocument.uri);
    if (!a) return [];
    return getInlayHints(a, p.range, trafficOf(a)?.facts).map((h) => {
      const hint = InlayHint.create(h.position, h.label);
      hint.tooltip = h.tooltip;
      hint.paddingLeft = true;
      return hint;
    });
  });

  connection.onDocumentSymbol((p) => {
    const a = analyze(p.textDocument.uri);
    return a ? getDocumentSymbols(a).map(toDocumentSymbol) : [];
  });

  connection.onDefinition((p) => {
    const a = analyze(p.textDocument.uri);
    return a ? getDefinition(a, p.position).map((s) => ({ uri: s.uri, range: s.range })) : [];
  });

  connection.onReferences((p) => {
    const a = analyze(p.textDocument.uri);
    return a ? getReferences(a, p.position, p.context.includeDeclaration).map((s) => ({ uri: s.uri, range: s.range })) : [];
  });

  // Quick fixes for the findings under the cursor, "fix all" source actions; on save a single combined fix.
  connection.onCodeAction((p) => {
    const uri = p.textDocument.uri;
    const a = analyze(uri);
    if (!a) return [];
    const automatic = p.context.triggerKind === CodeActionTriggerKind.Automatic;
    return getCodeActions(a, { range: p.range, only: p.context.only, automatic }).map((c) => ({
      title: c.title,
      kind: c.kind,
      isPreferred: c.isPreferred,
      diagnostics: c.diagnostics.map(toLspDiagnostic),
      edit: { changes: { [uri]: c.edits.map((e) => ({ range: e.range, newText: e.newText })) } },
    }));
  });

  connection.onRequest(DISTRIBUTION_REQUEST, (p: DistributionParams) => {
    const uri = p?.textDocument?.uri;
    const a = uri ? analyze(uri) : undefined;
    if (!a) return null;
    // A log that changed on disk since its replay is replayed again (the cache compares sizes and times).
    traffic.refresh(uri);
    return buildPreview(a, uriToPath(uri), Array.isArray(p.failed) ? p.failed.map(String) : [], true, trafficOf(a));
  });

  // Replay now (the preview's "Replay again" after a cancelled replay).
  connection.onRequest(REPLAY_REQUEST, (p: ReplayParams) => {
    const uri = p?.textDocument?.uri;
    if (!uri || !documents.get(uri) || !traffic.enabled) return false;
    traffic.schedule(uri, 0, true);
    return true;
  });

  connection.onRequest(ROUTE_REQUEST, (p: RouteParams) => {
    const uri = p?.textDocument?.uri;
    const a = uri ? analyze(uri) : undefined;
    if (!a) return null;
    const strings = (x: unknown) => (Array.isArray(x) ? x.map(String) : undefined);
    return routeInDocument(a, {
      request: String(p.request ?? ''),
      headers: strings(p.headers),
      sni: typeof p.sni === 'string' ? p.sni : undefined,
      port: typeof p.port === 'number' ? p.port : undefined,
      entry: typeof p.entry === 'string' && p.entry ? p.entry : undefined,
      fail: strings(p.failed),
    });
  });

  // The document against its HEAD text: the base is analysed beside the live document, not instead of it.
  connection.onRequest(COMPARE_REQUEST, (p: CompareParams) => {
    const uri = p?.textDocument?.uri;
    const a = uri ? analyze(uri) : undefined;
    if (!a) return null;
    const baseText = typeof p.baseText === 'string' ? p.baseText : null;
    const languageId = documents.get(uri)?.languageId;
    const base = baseText === null ? undefined : service.analyzeAlternative({ uri, text: baseText, languageId }, settings());
    return compareDocument(a, base, {
      labels: { base: typeof p.baseLabel === 'string' && p.baseLabel ? p.baseLabel : 'HEAD', head: 'editor' },
      failed: Array.isArray(p.failed) ? p.failed.map(String) : [],
      newFile: baseText === null,
    });
  });

  documents.listen(connection);
  connection.listen();
}
