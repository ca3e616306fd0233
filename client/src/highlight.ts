// The route a tested request matched, highlighted in the editor: a whole-line background on the route's range
// (and a mark in the overview ruler), on every visible editor of its file. It goes away when that file or the
// tested document changes (the range would be stale), when another request is tested, or when the request is
// cleared in the preview.
import * as vscode from 'vscode';

export interface Highlighted {
  /** The file holding the route (a URI from the server). */
  uri: string;
  range: vscode.Range;
  /** Shown when hovering the highlighted lines. */
  hover: string;
}

export class RouteHighlight implements vscode.Disposable {
  // Our own theme colour (package.json `contributes.colors`): users and themes can change it.
  private readonly type = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('lbLens.testedRouteBackground'),
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.rangeHighlightForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Full,
  });
  private current: Highlighted[] = [];
  /** Documents whose edits clear the highlight: the tested one and those holding a highlighted route. */
  private watched = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [this.type];

  constructor() {
    this.disposables.push(
      vscode.window.onDidChangeVisibleTextEditors(() => this.apply()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.current.length && e.contentChanges.length && this.watched.has(e.document.uri.toString())) this.clear();
      }),
    );
  }

  /** What is highlighted now. */
  get ranges(): readonly Highlighted[] {
    return this.current;
  }

  /** Highlight these routes (replacing any earlier highlight); `tested` is the document the request ran on. */
  set(tested: string, routes: Highlighted[]): void {
    this.current = routes;
    this.watched = new Set([tested, ...routes.map((r) => r.uri)]);
    this.apply();
  }

  clear(): void {
    if (!this.current.length) return;
    this.current = [];
    this.watched.clear();
    this.apply();
  }

  private apply(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const uri = editor.document.uri.toString();
      const mine = this.current.filter((h) => h.uri === uri);
      // appendText: the hover holds user text (the request, route names), never read as markdown.
      editor.setDecorations(this.type, mine.map((h) => ({ range: h.range, hoverMessage: new vscode.MarkdownString().appendText(h.hover) })));
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
