import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { applyEdits } from '../helpers/edits';
import { LspClient, REPO, type PublishedDiagnostics } from '../helpers/lspClient';
import { tempWorkspace } from '../helpers/text';

const INCIDENT = readFileSync(resolve(REPO, 'examples/incident/nginx.conf'), 'utf8');
const HAPROXY = readFileSync(resolve(REPO, 'examples/haproxy/haproxy.cfg'), 'utf8');

/** nginx findings beyond the incident: LB103, LB104, LB105, LB106, LB107, LB110, LB002. */
const NGINX_MORE = `events {}
http {
    upstream backend {
        server 10.0.0.1:80 max_fails=0;
        server 10.0.0.2:80 max_fails=0;
        server 10.0.0.1:80 max_fails=0;
    }
    upstream dead {
        server 10.0.3.1:80 down;
        server 10.0.3.2:80 down;
    }
    upstream old {
        server 10.0.9.1:80 weight=0;
    }
    server {
        listen 80;
        location ~ / {
            proxy_pass http://backend;
        }
        location ~ \\.php$ {
            proxy_pass http://bakend;
        }
        location ^~ /dead/ {
            proxy_pass http://dead;
        }
    }
}
`;

/** HAProxy findings beyond the example: LB101 (disabled), LB103, LB002. */
const HAPROXY_MORE = `defaults
    mode http

frontend fe
    bind *:80
    acl is_api path_beg /api
    use_backend be_apii if is_api
    default_backend be_app

backend be_app
    server a 10.0.0.1:80 check weight 300
    server b 10.0.0.2:80 check disabled

backend be_api
    server c 10.0.1.1:80 check
    server d 10.0.1.2:80 check
`;

interface Action {
  title: string;
  kind: string;
  isPreferred?: boolean;
  diagnostics?: Array<{ code: string; message: string; range: unknown }>;
  edit?: { changes?: Record<string, Array<{ range: any; newText: string }>> };
}

const diagKey = (d: { code: string; message: string }) => `${d.code} ${d.message}`;

describe('code actions over stdio', () => {
  const ws = tempWorkspace({ 'nginx.conf': INCIDENT, 'more/nginx.conf': NGINX_MORE, 'haproxy.cfg': HAPROXY, 'more/haproxy.cfg': HAPROXY_MORE });
  let client: LspClient;
  let init: any;
  const versions = new Map<string, number>();

  before(async () => {
    client = new LspClient();
    init = await client.initialize(ws.rootUri);
  });
  after(() => client.stop());

  async function open(rel: string, text: string, languageId: string): Promise<{ uri: string; published: PublishedDiagnostics }> {
    const uri = ws.uri(rel);
    versions.set(uri, 1);
    await client.open(uri, text, languageId);
    return { uri, published: await client.diagnostics(uri, (p) => p.version === 1) };
  }

  async function setText(uri: string, text: string): Promise<PublishedDiagnostics> {
    const v = (versions.get(uri) ?? 1) + 1;
    versions.set(uri, v);
    await client.change(uri, v, [{ text }]);
    return client.diagnostics(uri, (p) => p.version === v);
  }

  const actionsAt = (uri: string, d: PublishedDiagnostics['diagnostics'][number], only?: string[]): Promise<Action[]> =>
    client.request('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d], only } });

  test('advertises quick fixes and fix-all source actions', () => {
    const kinds = init.capabilities.codeActionProvider.codeActionKinds;
    assert.ok(kinds.includes('quickfix') && kinds.includes('source.fixAll') && kinds.includes('source.fixAll.lb-lens'), JSON.stringify(kinds));
  });

  test('the incident: "bring back" clears LB101 once applied', async () => {
    const { uri, published } = await open('nginx.conf', INCIDENT, 'nginx');
    const d = published.diagnostics.find((x) => x.code === 'LB101')!;
    const actions = await actionsAt(uri, d);
    const fix = actions.find((a) => /^Bring back/.test(a.title))!;
    assert.ok(fix, JSON.stringify(actions.map((a) => a.title)));
    assert.equal(fix.kind, 'quickfix');
    assert.equal(fix.diagnostics![0].code, 'LB101');
    assert.deepEqual(Object.keys(fix.edit!.changes!), [uri]);
    const fixed = applyEdits(INCIDENT, fix.edit!.changes![uri]);
    const after = await setText(uri, fixed);
    assert.ok(!after.diagnostics.some((x) => x.code === 'LB101'), JSON.stringify(after.diagnostics));
    await setText(uri, INCIDENT);
  });

  const fixtures: Array<[string, string, string]> = [
    ['nginx.conf', INCIDENT, 'nginx'],
    ['more/nginx.conf', NGINX_MORE, 'nginx'],
    ['haproxy.cfg', HAPROXY, 'haproxy'],
    ['more/haproxy.cfg', HAPROXY_MORE, 'haproxy'],
  ];

  for (const [rel, text, lang] of fixtures) {
    test(`every quick fix in ${rel}: edits only the document, resolves its finding, leaves it parseable`, async () => {
      const uri = ws.uri(rel);
      const published = versions.has(uri) ? await setText(uri, text) : (await open(rel, text, lang)).published;
      assert.ok(published.diagnostics.length > 0);
      const seenRules = new Set<string>();
      for (const d of published.diagnostics) {
        const actions = await actionsAt(uri, d, ['quickfix']);
        const mine = actions.filter((a) => a.diagnostics?.some((x) => diagKey(x) === diagKey(d)));
        assert.ok(mine.some((a) => a.title === `Disable ${d.code} for this line (lb-lens-disable-next-line)`), `${d.code}: ${JSON.stringify(mine.map((a) => a.title))}`);
        for (const a of mine) {
          assert.equal(a.kind, 'quickfix');
          assert.deepEqual(Object.keys(a.edit?.changes ?? {}), [uri], a.title);
          const fixed = applyEdits(text, a.edit!.changes![uri]);
          const after = await setText(uri, fixed);
          assert.ok(!after.diagnostics.some((x) => diagKey(x) === diagKey(d)), `${a.title}: ${diagKey(d)} still reported`);
          assert.ok(!after.diagnostics.some((x) => x.code === 'LB001'), `${a.title}: the document no longer parses`);
          // No new error: per rule, no more errors than before (a message may mention a renamed element).
          for (const x of after.diagnostics.filter((y) => y.severity === 1)) {
            const count = (list: PublishedDiagnostics['diagnostics']) => list.filter((y) => y.severity === 1 && y.code === x.code).length;
            assert.ok(count(after.diagnostics) <= count(published.diagnostics), `${a.title}: new ${diagKey(x)}`);
          }
          seenRules.add(d.code);
        }
        await setText(uri, text);
      }
      assert.ok(seenRules.size > 0);
    });
  }

  test('the fixes cover LB002, LB101–LB107 and LB110 across the fixtures', async () => {
    const titles = new Map<string, string[]>();
    for (const [rel, text] of fixtures) {
      const uri = ws.uri(rel);
      const p = await setText(uri, text);
      for (const d of p.diagnostics) {
        for (const a of await actionsAt(uri, d, ['quickfix'])) {
          if (/^Disable/.test(a.title) || !a.diagnostics?.some((x) => diagKey(x) === diagKey(d))) continue;
          titles.set(d.code, [...(titles.get(d.code) ?? []), a.title]);
        }
      }
    }
    for (const id of ['LB002', 'LB101', 'LB102', 'LB103', 'LB104', 'LB105', 'LB106', 'LB107', 'LB110']) {
      assert.ok(titles.get(id)?.length, `no fix for ${id}: ${JSON.stringify(Object.fromEntries(titles))}`);
    }
    assert.ok(titles.get('LB103')!.some((t) => /^Create backend/.test(t)));
    assert.ok(titles.get('LB106')!.some((t) => /^Move/.test(t)) && titles.get('LB106')!.some((t) => /^Delete/.test(t)));
  });

  test('source.fixAll: one action per rule when asked, a single combined one on save', async () => {
    const uri = ws.uri('haproxy.cfg');
    await setText(uri, HAPROXY);
    const zero = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const explicit: Action[] = await client.request('textDocument/codeAction', {
      textDocument: { uri }, range: zero, context: { diagnostics: [], only: ['source.fixAll'], triggerKind: 1 },
    });
    assert.ok(explicit.length >= 3, JSON.stringify(explicit.map((a) => a.title)));
    assert.ok(explicit.every((a) => a.kind === 'source.fixAll.lb-lens'));
    assert.ok(explicit.some((a) => /^Fix all LB107 \(no-health-check\) in this file/.test(a.title)));

    const onSave: Action[] = await client.request('textDocument/codeAction', {
      textDocument: { uri }, range: zero, context: { diagnostics: [], only: ['source.fixAll'], triggerKind: 2 },
    });
    assert.equal(onSave.length, 1);
    const fixed = applyEdits(HAPROXY, onSave[0].edit!.changes![uri]);
    const after = await setText(uri, fixed);
    // Preferred fixes only: health checks added; nothing deleted.
    assert.ok(!after.diagnostics.some((x) => x.code === 'LB107'));
    assert.ok(after.diagnostics.some((x) => x.code === 'LB110'), 'removing a pool is never automatic');
    const p = await setText(uri, HAPROXY);
    // The light bulb asks automatically too, without a filter: it gets the quick fixes.
    const d = p.diagnostics.find((x) => x.code === 'LB107')!;
    const bulb: Action[] = await client.request('textDocument/codeAction', {
      textDocument: { uri }, range: d.range, context: { diagnostics: [d], triggerKind: 2 },
    });
    assert.ok(bulb.some((a) => a.kind === 'quickfix' && /^Add "check"/.test(a.title)), JSON.stringify(bulb.map((a) => a.title)));
  });

  test('quick fixes only when asked for quickfix; none for a document that is not ours', async () => {
    const uri = ws.uri('haproxy.cfg');
    const p = await setText(uri, HAPROXY);
    const d = p.diagnostics.find((x) => x.code === 'LB107')!;
    const sourceOnly = await actionsAt(uri, d, ['source']);
    assert.ok(sourceOnly.every((a) => a.kind.startsWith('source')));
    const other = ws.uri('notes.txt');
    await client.open(other, 'hello world\n', 'plaintext');
    const none = await client.request('textDocument/codeAction', {
      textDocument: { uri: other }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 5 } }, context: { diagnostics: [] },
    });
    assert.deepEqual(none, []);
  });
});
