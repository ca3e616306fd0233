// "LB Lens: Test a Request…" in a real extension host: the request routed through the document by the server
// (`lbLens/route`), its answer in the preview, the matched route highlighted in the editor, the route examples of
// the preview. Asserted through the API `activate` returns (`lastRoute()`, `lastPreview()`).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, closeAll, openExample, rangeOf, waitFor, type RouteAnswer, type RouteState } from './helpers';

const NGINX = 'incident/nginx.conf';

/** Run the command without its input box (a request argument), as the preview's Test buttons do. */
async function test(request: string): Promise<RouteState> {
  const state = await vscode.commands.executeCommand<RouteState | undefined>('lbLens.testRequest', request);
  assert.ok(state, `the command returns the tested request's state for ${request}`);
  return state;
}

function results(state: RouteState | undefined): RouteAnswer[] {
  const response = state?.response;
  assert.ok(response && 'results' in response, `an answer with results: ${JSON.stringify(state)}`);
  return response.results;
}

async function lastRoute(): Promise<RouteState> {
  const lb = await api();
  assert.ok(lb.lastRoute, 'activate() returns lastRoute()');
  const state = lb.lastRoute();
  assert.ok(state, 'a request was tested');
  return state;
}

describe('Test a Request', function () {
  this.timeout(60_000);

  before(closeAll);
  after(closeAll);

  it('routes GET http://shop.example.com/api/users on the incident to location /api/, pool api, 90/10, and highlights the route', async () => {
    const editor = await openExample(NGINX);
    const doc = editor.document;
    const state = await test('GET http://shop.example.com/api/users');
    assert.equal(state.uri, doc.uri.toString());
    assert.equal(state.input, 'GET http://shop.example.com/api/users');
    const [r, ...more] = results(state);
    assert.equal(more.length, 0, 'one entry point takes it');
    assert.equal(r.entry.name, 'server shop.example.com:80');
    assert.equal(r.outcome, 'pool');
    assert.equal(r.route?.name, 'location /api/');
    assert.equal(r.route?.line, 27);
    assert.equal(r.pool?.name, 'api');
    assert.deepEqual(r.servers.map((s) => [s.address, s.share]), [['10.0.2.21:9000', 0.9], ['10.0.2.22:9000', 0.1]]);
    assert.ok(r.trace.some((t) => t.name === 'location /api/' && t.result === 'match'), JSON.stringify(r.trace));

    // The preview is open, and the route's whole block is highlighted in the editor.
    const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview);
    assert.ok(tab, 'the preview opened');
    const last = await lastRoute();
    assert.deepEqual(last.highlighted?.map((h) => [h.uri, rangeOf(h.range)]), [[doc.uri.toString(), [26, 8, 28, 9]]]);
    const shown = vscode.window.visibleTextEditors.find((e) => e.document === doc);
    assert.ok(shown?.visibleRanges.some((v) => v.contains(new vscode.Position(26, 8))), 'the route is revealed');
  });

  it('another request moves the highlight; an edit clears it and the request view follows the edit', async () => {
    const editor = await openExample(NGINX);
    const doc = editor.document;
    await test('GET http://shop.example.com/api/users');
    const root = await test('GET http://shop.example.com/checkout -H "X-Canary: yes"');
    assert.equal(results(root)[0].route?.name, 'location /');
    assert.equal(root.input, 'GET http://shop.example.com/checkout -H "X-Canary: yes"');
    assert.deepEqual((await lastRoute()).highlighted?.map((h) => rangeOf(h.range)), [[22, 8, 24, 9]], 'only the new route is highlighted');

    await test('GET http://shop.example.com/api/users');
    const line = doc.lineAt(14).text; // server 10.0.2.21:9000 weight=9;
    assert.match(line, /weight=9/);
    const col = line.indexOf('weight=9') + 'weight='.length;
    await editor.edit((e) => e.replace(new vscode.Range(14, col, 14, col + 1), '1'));
    try {
      const live = await waitFor(
        'the request re-sent with the edited weights (50/50)',
        () => api().then((lb) => lb.lastRoute?.()),
        (s) => {
          const response = s?.response;
          return !!response && 'results' in response && (response.results[0]?.servers.every((x) => x.share === 0.5) ?? false);
        },
      );
      assert.ok(live);
      assert.deepEqual(live.highlighted, [], 'the edit cleared the highlight');
      assert.equal(results(live)[0].route?.name, 'location /api/');
    } finally {
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
  });

  it('the preview lists an example request per route, and each example is routed to its own route', async () => {
    await openExample(NGINX);
    await vscode.commands.executeCommand('lbLens.showDistribution');
    const lb = await api();
    const file = await waitFor('preview data with examples', () => lb.lastPreview(), (f) => !!f && f.routes.length === 2 && f.routes.every((r) => !!r.example));
    assert.ok(file);
    const api_ = file.routes.find((r) => r.name === 'location /api/');
    assert.match(api_?.example ?? '', /^GET (http:\/\/shop\.example\.com)?\/api\//);
    for (const route of file.routes) {
      const state = await test(route.example!);
      assert.equal(results(state)[0].route?.name, route.name, `the example of ${route.name} (${route.example}) reaches it`);
    }
  });

  it('a malformed request gets an error in the preview, and nothing is highlighted', async () => {
    await openExample(NGINX);
    const scheme = await test('GET ftp://shop.example.com/');
    assert.ok(scheme.response && 'error' in scheme.response, JSON.stringify(scheme));
    assert.match(scheme.response.error, /unsupported scheme "ftp"/);
    assert.deepEqual((await lastRoute()).highlighted, []);

    const quote = await test('GET http://shop.example.com/ -H "X-Canary: yes');
    assert.equal(quote.response, null);
    assert.match(quote.message ?? '', /unterminated double quote/);

    const option = await test('GET http://shop.example.com/ --port 99999');
    assert.match(option.message ?? '', /--port needs a port number/);
  });

  it('when nothing routes the request, the answer says so: no backend, 404', async () => {
    const doc = await vscode.workspace.openTextDocument({
      language: 'nginx',
      content: 'http {\n  upstream api { server 10.0.0.1:80; }\n  server {\n    listen 80;\n    server_name a.example;\n    location /api/ { proxy_pass http://api; }\n  }\n}\n',
    });
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One });
    const state = await test('GET http://a.example/static/app.js');
    const [r] = results(state);
    assert.equal(r.outcome, 'no-backend');
    assert.equal(r.status, 404);
    assert.equal(r.route, null);
    assert.deepEqual((await lastRoute()).highlighted, []);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
