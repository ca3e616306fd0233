import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LanguageService } from '../../../server/src/service/languageService';
import type { FileSystem } from '../../../server/src/service/fileSystem';
import { buildPreview } from '../../../server/src/service/preview';
import { getHover } from '../../../server/src/service/hover';
import { getDefinition, getReferences } from '../../../server/src/service/navigation';
import { getDocumentSymbols } from '../../../server/src/service/symbols';
import { posOf } from '../../helpers/text';

/** An in-memory file system: path → text. */
function memfs(files: Record<string, string>): FileSystem {
  const uris = new Map(Object.entries(files).map(([p, t]) => [`file://${p}`, t]));
  return {
    readFile: (uri) => uris.get(uri),
    readDirectory(uri) {
      const prefix = `${uri.replace(/\/$/, '')}/`;
      const names = new Map<string, boolean>();
      for (const u of uris.keys()) {
        if (!u.startsWith(prefix)) continue;
        const rest = u.slice(prefix.length);
        const slash = rest.indexOf('/');
        names.set(slash < 0 ? rest : rest.slice(0, slash), slash >= 0);
      }
      return [...names].map(([name, isDirectory]) => ({ name, isDirectory }));
    },
  };
}

const MAIN = 'events {}\nhttp {\n  upstream app {\n    server 10.0.0.1:80;\n    server 10.0.0.2:80 down;\n  }\n  include conf.d/*.conf;\n}\n';
const FRAGMENT = 'server {\n  listen 80;\n  location / {\n    proxy_pass http://app;\n  }\n}\n';

test('a conf.d fragment is analysed inside the nginx.conf that includes it: its upstream resolves', () => {
  const fs = memfs({ '/etc/nginx/nginx.conf': MAIN, '/etc/nginx/conf.d/site.conf': FRAGMENT });
  const service = new LanguageService({ fileSystem: fs, roots: () => ['file:///etc/nginx'] });
  const a = service.analyze({ uri: 'file:///etc/nginx/conf.d/site.conf', text: FRAGMENT, languageId: 'nginx' })!;
  assert.equal(a.model.closedWorld, true);
  assert.deepEqual(a.ownDiagnostics.map((d) => d.ruleId), ['LB101']);
  assert.equal(a.ownDiagnostics[0].range.start.line, 3);
  // Go to definition jumps into nginx.conf.
  const defs = getDefinition(a, posOf(FRAGMENT, 'http://app', 8));
  assert.deepEqual(defs.map((d) => [d.uri, d.range.start.line]), [['file:///etc/nginx/nginx.conf', 2]]);
});

test('the open text of a document wins over the disk for includes', () => {
  const fs = memfs({ '/w/nginx.conf': MAIN, '/w/conf.d/site.conf': FRAGMENT });
  const open = new Map([['file:///w/conf.d/site.conf', FRAGMENT.replace('proxy_pass http://app;', 'return 200;')]]);
  const service = new LanguageService({ fileSystem: fs, roots: () => ['file:///w'], openText: (u) => open.get(u) });
  const a = service.analyze({ uri: 'file:///w/nginx.conf', text: MAIN, languageId: 'nginx' })!;
  assert.equal(a.model.routes.filter((r) => r.target.kind === 'pool').length, 0);
});

test('includes outside the allowed roots are not read', () => {
  const fs = memfs({ '/w/nginx.conf': 'events {}\nhttp {\n  include /secret/*.conf;\n}\n', '/secret/x.conf': 'upstream leaked { server 10.0.0.1; }\n' });
  const service = new LanguageService({ fileSystem: fs, roots: () => ['file:///w'] });
  const a = service.analyze({ uri: 'file:///w/nginx.conf', text: fs.readFile('file:///w/nginx.conf')!, languageId: 'nginx' })!;
  assert.equal(a.model.pools.length, 0);
  assert.deepEqual(a.model.files, ['file:///w/nginx.conf']);
});

test('format detection by content; binary and unknown text are not ours', () => {
  const service = new LanguageService({ fileSystem: memfs({}), roots: () => [] });
  assert.equal(service.formatOf({ uri: 'file:///x/haproxy.cfg', text: 'frontend f\n  bind :80\n' })?.id, 'haproxy');
  assert.equal(service.formatOf({ uri: 'file:///x/site', text: 'server {\n  listen 80;\n  location / { proxy_pass http://a; }\n}\n' })?.id, 'nginx');
  assert.equal(service.formatOf({ uri: 'file:///x/a.yaml', text: 'apiVersion: v1\nkind: Service\n' }), undefined);
  assert.equal(service.formatOf({ uri: 'file:///x/nginx.conf', text: 'a\u0000b' }), undefined);
});

test('results are cached per text and settings', () => {
  const service = new LanguageService({ fileSystem: memfs({}), roots: () => [] });
  const doc = { uri: 'file:///a/nginx.conf', text: MAIN, languageId: 'nginx' };
  const first = service.analyze(doc)!;
  const again = service.analyze(doc)!;
  assert.equal(again.durationMs, 0);
  assert.equal(again.model, first.model);
  const other = service.analyze(doc, { rules: { LB110: 'off' } })!;
  assert.notEqual(other.model, first.model);
});

test('preview failure names: server name, pool/name, address; hover lists the failover', () => {
  const text = 'frontend f\n  bind :80\n  default_backend be\nbackend be\n  server a 10.0.0.1:80 check\n  server b 10.0.0.2:80 check\n  server c 10.0.0.3:80 check backup\n';
  const service = new LanguageService({ fileSystem: memfs({}), roots: () => [] });
  const a = service.analyze({ uri: 'file:///h.cfg', text, languageId: 'haproxy' })!;
  const shares = (failed: string[]) => buildPreview(a, 'h.cfg', failed).routes[0].servers.map((s) => s.share);
  assert.deepEqual(shares([]), [0.5, 0.5, 0]);
  assert.deepEqual(shares(['a']), [0, 1, 0]);
  assert.deepEqual(shares(['be/a', '10.0.0.2:80']), [0, 0, 1]);
  const h = getHover(a, posOf(text, 'server a', 7))!;
  assert.match(h.contents, /default_backend be: \*\*50%\*\*; if it fails → b 100%/);
});

test('nginx: a regex location matching everything makes plain prefix locations unreachable, not ^~ or = ones', () => {
  const text = [
    'events {}',
    'http {',
    '  server {',
    '    listen 80;',
    '    location ~ / { proxy_pass http://10.0.0.9:80; }',
    '    location /api/ { proxy_pass http://10.0.0.1:80; }',
    '    location ^~ /static/ { root /srv; }',
    '    location = /health { return 200; }',
    '    location ~ \\.php$ { return 404; }',
    '  }',
    '}',
  ].join('\n');
  const service = new LanguageService({ fileSystem: memfs({}), roots: () => [] });
  const a = service.analyze({ uri: 'file:///n/nginx.conf', text, languageId: 'nginx' })!;
  const lb106 = a.diagnostics.filter((d) => d.ruleId === 'LB106');
  assert.deepEqual(lb106.map((d) => d.range.start.line), [5, 8]);
  assert.match(lb106[0].message, /location \/api\/ can never match: location ~ \/ \(line 5\)/);
});

test('Traefik weighted services across the provider directory: definition, references (each place once), outline, hover', () => {
  const ROUTERS = 'http:\n  routers:\n    a: {rule: "Host(`a`)", service: split}\n    b: {rule: "Host(`b`)", service: split@file}\n';
  const SERVICES = [
    'http:', '  services:', '    split:', '      weighted:', '        services: [{name: blue, weight: 3}, {name: canary}]',
    '    canary:', '      mirroring: {service: green, mirrors: [{name: blue, percent: 5}]}',
    '    blue: {loadBalancer: {healthCheck: {path: /}, servers: [{url: "http://10.0.0.1"}, {url: "http://10.0.0.2"}]}}',
    '    green: {loadBalancer: {healthCheck: {path: /}, servers: [{url: "http://10.0.1.1"}, {url: "http://10.0.1.2"}]}}', '',
  ].join('\n');
  const fs = memfs({ '/etc/traefik/dynamic/routers.yml': ROUTERS, '/etc/traefik/dynamic/services.yml': SERVICES });
  const service = new LanguageService({ fileSystem: fs, roots: () => ['file:///etc/traefik'] });
  const routersUri = 'file:///etc/traefik/dynamic/routers.yml';
  const servicesUri = 'file:///etc/traefik/dynamic/services.yml';
  const at = (refs: Array<{ uri: string; range: { start: { line: number; character: number } } }>) => refs.map((r) => `${r.uri.slice(routersUri.lastIndexOf('/') + 1)}:${r.range.start.line}:${r.range.start.character}`);

  const routers = service.analyze({ uri: routersUri, text: ROUTERS, languageId: 'yaml' })!;
  assert.deepEqual(routers.ownDiagnostics, []);
  const key = posOf(SERVICES, 'split:');
  // From a router's `service:` (with or without `@file`) to the weighted service's key in the other file.
  assert.deepEqual(at(getDefinition(routers, posOf(ROUTERS, 'service: split', 9))), [`services.yml:${key.line}:${key.character}`]);
  assert.deepEqual(at(getDefinition(routers, posOf(ROUTERS, 'service: split@file', 9))), [`services.yml:${key.line}:${key.character}`]);

  const services = service.analyze({ uri: servicesUri, text: SERVICES, languageId: 'yaml' })!;
  // A sibling router reaches blue and green through the split: nothing is unused.
  assert.deepEqual(services.ownDiagnostics.map((d) => d.ruleId), []);
  const r1 = posOf(ROUTERS, 'service: split', 9);
  const r2 = posOf(ROUTERS, 'service: split@file', 9);
  assert.deepEqual(at(getReferences(services, key, true)), [`services.yml:${key.line}:${key.character}`, `routers.yml:${r1.line}:${r1.character}`, `routers.yml:${r2.line}:${r2.character}`]);
  const canary = posOf(SERVICES, 'canary:');
  const named = posOf(SERVICES, 'name: canary', 6);
  assert.deepEqual(at(getReferences(services, canary, false)), [`services.yml:${named.line}:${named.character}`]);
  assert.deepEqual(at(getDefinition(services, named)), [`services.yml:${canary.line}:${canary.character}`]);

  const outline = getDocumentSymbols(services);
  assert.deepEqual(outline.map((x) => `${x.kind} ${x.name} ${x.detail}`), ['pool split weighted', 'pool canary mirroring', 'pool blue loadBalancer · wrr', 'pool green loadBalancer · wrr']);
  assert.deepEqual(outline[0].selectionRange, { start: key, end: { line: key.line, character: key.character + 5 } });
  // Named by a service, not a route: defined all the same.
  assert.match(getHover(services, named)!.contents, /\*\*canary\*\* \(mirroring\) forwards to other pools/);
});
