// "LB Lens: Test a Request…" (`lbLens.testRequest`): ask for a request — a quick pick of the recent ones, then
// "New request…" and an input box — and route it through the document with the preview (DistributionPreview
// sends `lbLens/route`, shows the answer and highlights the matched route).
import * as vscode from 'vscode';
import { isLbDocument, type DistributionPreview } from './preview';
import type { RouteState } from './protocol';
import { parseRequestInput, REQUEST_PLACEHOLDER, REQUEST_SYNTAX_HELP, RequestSyntaxError } from './requestSyntax';

const RECENT_KEY = 'lbLens.recentRequests';
const MAX_RECENT = 10;

/**
 * The command's argument: none (the active editor; ask), a URI (the editor title button; ask), a request in the
 * input box's syntax (run it on the active document), or `{ request | edit, uri? }` (the preview: run this request,
 * or ask with the input box holding `edit`, on that document).
 */
export type TestRequestArg = undefined | vscode.Uri | string | { request?: string; edit?: string; uri?: string };

export function registerTestRequest(context: vscode.ExtensionContext, preview: DistributionPreview): vscode.Disposable {
  const recent = (): string[] => context.workspaceState.get<string[]>(RECENT_KEY, []);
  const remember = (input: string) =>
    context.workspaceState.update(RECENT_KEY, [input, ...recent().filter((r) => r !== input)].slice(0, MAX_RECENT));

  return vscode.commands.registerCommand('lbLens.testRequest', async (arg: TestRequestArg): Promise<RouteState | undefined> => {
    const doc = await documentFor(arg, preview);
    if (!doc) {
      void vscode.window.showInformationMessage('LB Lens: open a load-balancer configuration (nginx, HAProxy, Envoy…) to test a request on it.');
      return undefined;
    }
    let input: string | undefined;
    if (typeof arg === 'string') input = arg;
    else if (arg && !(arg instanceof vscode.Uri) && typeof arg.request === 'string') input = arg.request;
    else {
      const edit = arg && !(arg instanceof vscode.Uri) && typeof arg.edit === 'string' ? arg.edit : undefined;
      input = edit !== undefined ? await askRequest(edit) : await pickRequest(recent());
    }
    if (input === undefined || !input.trim()) return undefined;
    const state = await preview.testRequest(doc, input);
    // A request that parses is worth remembering, whatever the server says about it.
    if (state && !state.message) await remember(state.input);
    return state;
  });
}

async function documentFor(arg: TestRequestArg, preview: DistributionPreview): Promise<vscode.TextDocument | undefined> {
  const named = arg instanceof vscode.Uri ? arg : arg && typeof arg === 'object' && typeof arg.uri === 'string' ? vscode.Uri.parse(arg.uri) : undefined;
  if (named) {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === named.toString());
    const doc = open ?? (await vscode.workspace.openTextDocument(named).then((d) => d, () => undefined));
    return isLbDocument(doc) ? doc : undefined;
  }
  const active = vscode.window.activeTextEditor?.document;
  if (isLbDocument(active)) return active;
  // From the preview (a webview has the focus, no text editor is active): the document it follows.
  return preview.followed;
}

/** The recent requests, most recent first, then "New request…" (straight to the input box when there are none). */
async function pickRequest(recent: string[]): Promise<string | undefined> {
  if (recent.length === 0) return askRequest('');
  type Item = vscode.QuickPickItem & { request?: string };
  const edit: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('edit'), tooltip: 'Edit this request' };
  const items: Item[] = [
    ...recent.map((r) => ({ label: r, request: r, buttons: [edit] })),
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(add) New request…', alwaysShow: true, description: 'METHOD URL -H "Name: value" --sni --port --entry' },
  ];
  const qp = vscode.window.createQuickPick<Item>();
  qp.title = 'LB Lens: Test a Request';
  qp.placeholder = 'Pick a recent request, or New request…';
  qp.items = items;
  const choice = await new Promise<{ run?: string; edit?: string } | undefined>((resolve) => {
    qp.onDidAccept(() => {
      const item = qp.selectedItems[0];
      // "New request…" starts from what was typed as a filter, else from the last request.
      resolve(item?.request !== undefined ? { run: item.request } : { edit: qp.value.trim() || recent[0] });
    });
    qp.onDidTriggerItemButton((e) => resolve({ edit: e.item.request }));
    qp.onDidHide(() => resolve(undefined));
    qp.show();
  });
  qp.dispose();
  if (!choice) return undefined;
  return choice.run ?? askRequest(choice.edit ?? '');
}

/** The input box, checked as the user types (the syntax is the client's; the server checks the request line). */
function askRequest(value: string): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title: 'LB Lens: Test a Request',
    prompt: REQUEST_SYNTAX_HELP,
    placeHolder: REQUEST_PLACEHOLDER,
    value,
    ignoreFocusOut: false,
    validateInput: (text) => {
      if (!text.trim()) return undefined; // empty: nothing to say yet (Enter does nothing)
      try {
        parseRequestInput(text);
        return undefined;
      } catch (e) {
        return e instanceof RequestSyntaxError ? e.message : String(e);
      }
    },
  });
}
