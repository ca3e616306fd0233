import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LanguageService } from '../../../server/src/service/languageService';
import { rng } from '../../helpers/randomEdits';
import { analyzeText, memoryFileSystem } from '../../helpers/edits';

/*
 * LB106 keeps the last complete answer of each document and reuses it when an edit changes no route, site or
 * entry point (analysis/routing/shadowing.ts, "the last complete answer"). Whatever the edits, the findings must be
 * those a fresh analysis of the same text gives.
 */
const lb106 = (d: ReadonlyArray<{ ruleId: string; message: string; range: { start: { line: number } } }>) =>
  d.filter((x) => x.ruleId === 'LB106').map((x) => `${x.range.start.line} ${x.message}`);

function replay(uri: string, languageId: string, start: string, edits: Array<(t: string) => string>): void {
  const files = new Map<string, string>();
  const service = new LanguageService({ fileSystem: memoryFileSystem(files), roots: () => [uri.slice(0, uri.lastIndexOf('/'))] });
  let text = start;
  let version = 1;
  for (const edit of [(t: string) => t, ...edits]) {
    text = edit(text);
    files.set(uri, text);
    const a = service.analyze({ uri, text, languageId, version: version++ });
    assert.ok(a);
    // The reference: a fresh service, and a document of its own (answers are remembered per document).
    const fresh = analyzeText(uri.replace('file:///w/', `file:///fresh${version}/`), text, { languageId });
    assert.deepEqual(lb106(a.diagnostics), lb106(fresh.diagnostics), `after edit ${version - 1}:\n${text}`);
  }
}

describe('LB106: the last answer, reused only when routing did not change', () => {
  it('nginx: weight edits reuse it; a location, a name, a listen or a line above changes it', () => {
    const base = [
      'http {',
      '  upstream u { server 10.0.0.1:80 weight=3; server 10.0.0.2:80; }',
      '  server { listen 80; server_name a.test;',
      '    location ~ /img { proxy_pass http://u; }',
      '    location /static/img { proxy_pass http://u; }',
      '    location /api { proxy_pass http://u; }',
      '  }',
      '}',
    ].join('\n');
    replay('file:///w/nginx.conf', 'nginx', base, [
      (t) => t.replace('weight=3', 'weight=4'),
      (t) => t.replace('weight=4', 'weight=5'),
      (t) => t.replace('location /static/img', 'location /static/pic'), // no longer shadowed
      (t) => t.replace('location /api', 'location /api/img'), // now shadowed
      (t) => `# a comment line\n${t}`, // every line moves
      (t) => t.replace('listen 80;', 'listen 8080;'),
      (t) => t.replace('~ /img', '~ /image'),
      (t) => t.replace('weight=5', 'weight=6'),
    ]);
  });

  it('HAProxy: an ACL, a use_backend line or the default_backend changes it; a server weight does not', () => {
    const base = [
      'defaults', '  mode http',
      'frontend fe', '  bind :80',
      '  acl is_api path_beg /api', '  acl is_v1 path_beg /api/v1',
      '  use_backend be_api if is_api', '  use_backend be_v1 if is_v1',
      '  default_backend be_web',
      'backend be_api', '  server a 10.0.0.1:80 weight 3', '  server b 10.0.0.2:80',
      'backend be_v1', '  server c 10.0.0.3:80',
      'backend be_web', '  server d 10.0.0.4:80',
    ].join('\n');
    replay('file:///w/haproxy.cfg', 'haproxy', base, [
      (t) => t.replace('weight 3', 'weight 4'),
      (t) => t.replace('acl is_api path_beg /api\n', 'acl is_api path_beg /apx\n'), // be_v1 reachable again
      (t) => t.replace('weight 4', 'weight 5'),
      (t) => t.replace('  use_backend be_v1 if is_v1\n', '  use_backend be_v1 if is_v1\n  use_backend be_web if is_v1\n'), // a new shadowed rule
      (t) => t.replace('  default_backend be_web\n', ''),
      (t) => t.replace('weight 5', 'weight 6'),
    ]);
  });

  it('random edits of a small nginx config agree with a fresh analysis', () => {
    const next = rng(5);
    const pick = <T,>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)];
    const locs = ['~ /a', '/a/b', '/a', '^~ /a', '= /a', '~* /B', '/b', '~ ^/a/b$'];
    const edits = Array.from({ length: 40 }, () => (t: string) => {
      const lines = t.split('\n');
      const i = 3 + Math.floor(next() * 4);
      const kind = next();
      if (kind < 0.4) lines[i] = lines[i].replace(/weight=\d/, `weight=${1 + Math.floor(next() * 9)}`);
      else if (kind < 0.8) lines[i] = `    location ${pick(locs)} { proxy_pass http://u; }`;
      else lines.splice(1, 0, '  # moved');
      return lines.join('\n');
    });
    const start = ['http {', '  upstream u { server 10.0.0.1:80 weight=3; server 10.0.0.2:80; }', '  server { listen 80;',
      '    location /a { proxy_pass http://u; }', '    location ~ /a { proxy_pass http://u; }', '    location /a/b { proxy_pass http://u; }',
      '    location /b { proxy_pass http://u; }', '    location = /a { proxy_pass http://u; }', '  }', '}'].join('\n');
    replay('file:///w/nginx.conf', 'nginx', start, edits);
  });
});
