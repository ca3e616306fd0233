/**
 * nginx routing as documented — ngx_http_core_module (`listen`, `server_name`, `location`), "How nginx processes a
 * request", "Server names", ngx_http_rewrite_module (`if`, `return`, `rewrite`, `break`) — through the routing
 * engine. test/oracle/nginx.test.ts checks the same rules against a real nginx.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeModel } from '../../../server/src/analysis/analyze';
import { lowerNginx } from '../../../server/src/formats/nginx';
import { NO_FILES } from '../../../server/src/formats/types';
import { routes, where } from '../../helpers/routing';

const URI = 'file:///w/nginx.conf';
const UPSTREAMS = ['api', 'web', 'img', 'a', 'b', 'c', 'd', 'e'].map((n) => `upstream ${n} { server 10.0.0.${n.length}:80; }`).join('\n');
const http = (body: string) => routes(URI, `http {\n${UPSTREAMS}\n${body}\n}\n`);
const model = (body: string) => lowerNginx(URI, `http {\n${UPSTREAMS}\n${body}\n}\n`, NO_FILES);
const pool = (r: ReturnType<typeof where>) => (r.outcome === 'pool' ? r.pools.join('+') : `${r.outcome} ${r.status ?? ''}`.trim());

describe('nginx routing: listen (ngx_http_core_module listen)', () => {
  it('binds address, port, ssl and default_server; "If only address is given, the port 80 is used"; unix sockets and quic take no TCP request', () => {
    const m = model(`server {
      listen 8080; listen 10.0.0.1; listen 10.0.0.2:8443 ssl default_server; listen [::1]:81 default; listen *:82;
      listen unix:/run/nginx.sock; listen 443 quic reuseport;
    }`);
    const binds = m.entries[0].binds!.map((b) => [b.address ?? '*', b.port, b.tls, !!b.default]);
    assert.deepEqual(binds, [['*', 8080, false, true], ['10.0.0.1', 80, false, true], ['10.0.0.2', 8443, true, true], ['::1', 81, false, true], ['*', 82, false, true]]);
  });

  it('a server without listen listens on *:80 ("Default: listen *:80 | *:8000", as the superuser)', () => {
    const cfg = http('server { server_name a.test; location / { proxy_pass http://web; } }');
    assert.deepEqual(cfg.analysis.model.entries[0].binds!.map((b) => [b.port, b.default]), [[80, true]]);
    assert.equal(pool(where(cfg.send('GET http://a.test/'))), 'web');
    assert.equal(cfg.all('GET http://a.test:8080/').length, 0, 'nothing listens on 8080');
  });

  it('a server without listen whose include cannot be read may listen anywhere: its binds are unknown, not *:80', () => {
    const m = model('server { include /etc/nginx/listen/https.conf; server_name a.test; }');
    assert.equal(m.entries[0].binds, undefined);
    const resolved = routes(URI, 'http { server { include listen.conf; server_name a.test; location / { return 204; } } }', { files: { 'file:///w/listen.conf': 'listen 8443;' } });
    assert.deepEqual(resolved.analysis.model.entries[0].binds!.map((b) => b.port), [8443]);
  });

  it('the default server of a port is the default_server one, else the first server listening on it (How nginx processes a request)', () => {
    const cfg = http(`
      server { listen 80; server_name a.test; location / { proxy_pass http://a; } }
      server { listen 80 default_server; server_name b.test; location / { proxy_pass http://b; } }
      server { listen 8080; server_name a.test; location / { proxy_pass http://c; } }
      server { listen 8080; server_name b.test; location / { proxy_pass http://d; } }`);
    assert.equal(pool(where(cfg.send('GET http://zzz.test/'))), 'b');
    assert.equal(pool(where(cfg.send('GET http://zzz.test:8080/'))), 'c');
    assert.equal(pool(where(cfg.send('GET http://b.test:8080/'))), 'd');
    const defaults = cfg.analysis.model.entries.map((e) => e.binds!.filter((b) => b.default).length);
    assert.deepEqual(defaults, [0, 1, 1, 0], 'exactly one default per address:port');
  });

  it('"a duplicate default server" is rejected (LB002) and the first one stays the default', () => {
    const m = model(`server { listen 80 default_server; server_name a.test; } server { listen 80 default_server; server_name b.test; }`);
    assert.deepEqual(m.problems.map((p) => p.message), ['a duplicate default server for *:80']);
    assert.deepEqual(m.entries.map((e) => !!e.binds![0].default), [true, false]);
  });

  it('ssl on one listen of an address:port makes the socket TLS for every server on it', () => {
    const cfg = http(`
      server { listen 443 ssl; server_name a.test; location / { proxy_pass http://a; } }
      server { listen 443; server_name b.test; location / { proxy_pass http://b; } }`);
    assert.equal(pool(where(cfg.send('GET https://b.test/'))), 'b');
    assert.equal(cfg.all('GET http://b.test:443/').length, 0, 'a plain HTTP request is not taken by a TLS socket');
  });

  it('a server listening on a specific address is not among the servers of the wildcard socket: each socket gives its own result', () => {
    const cfg = http(`
      server { listen 127.0.0.1:80; server_name a.test; location / { proxy_pass http://a; } }
      server { listen 80; server_name b.test; location / { proxy_pass http://b; } }`);
    const results = cfg.all('GET http://a.test/');
    assert.deepEqual(results.map((r) => [r.bind?.address ?? '*', pool(where(r))]), [['127.0.0.1', 'a'], ['*', 'b']]);
  });

  it('[::]:80 is another socket than *:80; a server on both with the same answer gives one result', () => {
    const cfg = http(`
      server { listen 80; listen [::]:80; server_name a.test; location / { proxy_pass http://a; } }
      server { listen [::]:80 default_server; server_name b.test; location / { proxy_pass http://b; } }`);
    assert.equal(pool(where(cfg.send('GET http://a.test/'))), 'a');
    assert.deepEqual(cfg.all('GET http://zzz.test/').map((r) => [r.bind?.address ?? '*', pool(where(r))]), [['*', 'a'], ['::', 'b']]);
  });

  it('stream servers bind TCP or UDP (`udp`) and forward whole connections', () => {
    const cfg = routes(URI, 'stream { upstream db { server 10.0.0.1:5432; } server { listen 5432; proxy_pass db; } server { listen 53 udp; proxy_pass 10.0.0.2:53; } }');
    assert.deepEqual(cfg.analysis.model.entries.map((e) => e.binds!.map((b) => [b.port, b.protocol])), [[[5432, 'tcp']], [[53, 'udp']]]);
    assert.equal(pool(where(cfg.send('GET http://db.test:5432/'))), 'db');
  });
});

describe('nginx routing: server_name (Server names)', () => {
  const cfg = http(`
    server { listen 80; server_name example.org www.example.org; location / { proxy_pass http://a; } }
    server { listen 80; server_name *.example.org; location / { proxy_pass http://b; } }
    server { listen 80; server_name *.sub.example.org; location / { proxy_pass http://c; } }
    server { listen 80; server_name mail.*; location / { proxy_pass http://d; } }
    server { listen 80; server_name mail.example.*; location / { proxy_pass http://e; } }
    server { listen 80; server_name ~^www\\d+\\.example\\.net$ ~^(?<user>.+)\\.example\\.net$; location / { proxy_pass http://api; } }
    server { listen 80; server_name ~^API\\.; location / { proxy_pass http://img; } }
    server { listen 80; server_name .example.com; location / { proxy_pass http://web; } }`);
  const to = (host: string) => pool(where(cfg.send(`GET http://${host}/`)));

  it('an exact name first, compared case-insensitively', () => {
    assert.equal(to('www.example.org'), 'a');
    assert.equal(to('WWW.Example.ORG'), 'a');
    assert.equal(pool(where(cfg.send('GET http://example.org/', { headers: ['Host: example.org:8080'], port: 80 }))), 'a', 'the port of the Host header is not part of the name');
  });

  it('then the longest wildcard starting with an asterisk; "*.example.org" matches several name parts but not example.org', () => {
    assert.equal(to('x.example.org'), 'b');
    assert.equal(to('a.b.example.org'), 'b');
    assert.equal(to('x.sub.example.org'), 'c');
    assert.equal(to('sub.example.org'), 'b');
  });

  it('then the longest wildcard ending with an asterisk', () => {
    assert.equal(to('mail.example.net'), 'e');
    assert.equal(to('mail.other.org'), 'd');
  });

  it('then the first regular expression in order (PCRE, caseless)', () => {
    assert.equal(to('www12.example.net'), 'api');
    assert.equal(to('joe.example.net'), 'api');
    assert.equal(to('api.test'), 'img');
  });

  it('".example.com" matches both the exact name example.com and *.example.com', () => {
    assert.equal(to('example.com'), 'web');
    assert.equal(to('a.b.example.com'), 'web');
  });

  it('a name nothing matches goes to the default server of the port (the first one here)', () => {
    assert.equal(to('unknown.test'), 'a');
    const r = cfg.send('GET http://unknown.test/');
    assert.match(r.trace.find((s) => s.kind === 'site')!.why, /default/);
  });

  it('a server without server_name has the empty name: it takes requests without a Host; "_" is a name no host has', () => {
    const c = http(`
      server { listen 80; server_name a.test; location / { proxy_pass http://a; } }
      server { listen 80; location / { proxy_pass http://b; } }
      server { listen 80; server_name _; location / { proxy_pass http://c; } }`);
    assert.equal(pool(where(c.send('GET /x', { port: 80 }))), 'b');
    assert.equal(pool(where(c.send('GET http://other.test/'))), 'a');
  });

  it('a ".example.org" name that conflicts with an earlier example.org or *.example.org is ignored as a whole ("conflicting server name")', () => {
    const c = http(`
      server { listen 80; server_name a.test; location / { proxy_pass http://a; } }
      server { listen 80; server_name .a.test; location / { proxy_pass http://b; } }
      server { listen 80; server_name *.c.test; location / { proxy_pass http://c; } }
      server { listen 80; server_name .c.test; location / { proxy_pass http://d; } }`);
    const to = (host: string) => pool(where(c.send(`GET http://${host}/`)));
    assert.equal(to('a.test'), 'a');
    assert.equal(to('x.a.test'), 'a', 'not *.a.test: the whole ".a.test" is ignored, the default server takes it');
    assert.equal(to('c.test'), 'a', 'not c.test either');
    assert.equal(to('x.c.test'), 'c');
  });

  it('LB111 names each server name nginx ignores ("conflicting server name … on addr:port, ignored"), at the name, pointing to the first', () => {
    const text = `http {\n${UPSTREAMS}
      server { listen 80; server_name a.test *.b.test www.*; location / { proxy_pass http://a; } }
      server { listen 80; server_name a.test x.test; location / { proxy_pass http://b; } }
      server { listen 8080; server_name a.test; location / { proxy_pass http://c; } }
      server { listen 80; listen 8080; server_name *.b.test www.* ~^a; location / { proxy_pass http://d; } }
      server { listen 81; }
      server { listen 81; }
}\n`;
    const found = analyzeModel(lowerNginx(URI, text, NO_FILES)).diagnostics.filter((d) => d.ruleId === 'LB111');
    const lines = text.split('\n');
    const at = (d: (typeof found)[number]) => `${d.range.start.line}:${lines[d.range.start.line].slice(d.range.start.character, d.range.end.character)}`;
    assert.deepEqual(found.map((d) => `${at(d)} ${d.message.split(' is ')[0]}`), [
      `${lines.findIndex((l) => l.includes('a.test x.test'))}:a.test server_name a.test on *:80`,
      `${lines.findIndex((l) => l.includes('~^a'))}:*.b.test server_name *.b.test on *:80`,
      `${lines.findIndex((l) => l.includes('~^a'))}:www.* server_name www.* on *:80`,
      // Two servers without server_name have the empty name: the second one's is ignored too.
      `${lines.lastIndexOf('      server { listen 81; }')}:server { server_name "" on *:81`,
    ]);
    assert.ok(found.every((d) => d.severity === 'warning' && d.related?.length === 1));
    // Another port is another set of names: a.test on 8080 conflicts with nothing; regexes never conflict.
  });

  it('"www.*.example.org" and "w*.example.org" are invalid wildcard names (LB002)', () => {
    const m = model('server { server_name www.*.example.org w*.example.org ok.test; }');
    assert.deepEqual(m.problems.map((p) => p.message), ['invalid server name or wildcard "www.*.example.org"', 'invalid server name or wildcard "w*.example.org"']);
  });
});

describe('nginx routing: location (ngx_http_core_module location)', () => {
  const cfg = http(`server {
    listen 80;
    location = / { proxy_pass http://a; }
    location / { proxy_pass http://web; }
    location /api/ { proxy_pass http://api; }
    location /api/v1/ { proxy_pass http://b; }
    location ^~ /static/ { proxy_pass http://c; }
    location ~ \\.(png|jpg)$ { proxy_pass http://img; }
    location ~* \\.PDF$ { proxy_pass http://d; }
    location ~ /img { proxy_pass http://e; }
    location ~ /img/large { proxy_pass http://a; }
    location @fallback { proxy_pass http://b; }
  }`);
  const to = (path: string) => pool(where(cfg.send(`GET http://x.test${path}`)));

  it('"=" defines an exact match: the search terminates', () => {
    assert.equal(to('/'), 'a');
    assert.equal(to('/x'), 'web');
  });

  it('the longest matching prefix is selected and remembered, whatever the order', () => {
    assert.equal(to('/api/x'), 'api');
    assert.equal(to('/api/v1/x'), 'b');
  });

  it('regular expressions are checked in order after the prefix; the first match is used', () => {
    assert.equal(to('/api/logo.png'), 'img');
    assert.equal(to('/img/large/x'), 'e', '"~ /img" comes first and takes /img/large too');
  });

  it('"^~" on the longest prefix: regular expressions are not checked', () => {
    assert.equal(to('/static/logo.png'), 'c');
  });

  it('"~*" is case-insensitive, "~" and prefixes are case-sensitive', () => {
    assert.equal(to('/doc.pdf'), 'd');
    assert.equal(to('/doc.PDF'), 'd');
    assert.equal(to('/logo.PNG'), 'web');
    assert.equal(to('/API/x'), 'web');
  });

  it('a named location takes no request of its own', () => {
    assert.equal(to('/@fallback'), 'web');
  });

  it('when no location matches, nginx serves the URI from the server root: 404 (no-backend)', () => {
    const c = http('server { listen 80; location /api/ { proxy_pass http://api; } }');
    const r = where(c.send('GET http://x.test/other'));
    assert.deepEqual([r.outcome, r.status], ['no-backend', 404]);
  });

  it('a prefix location ending in "/" with proxy_pass redirects its name without the slash (301), before any regex', () => {
    const c = http('server { listen 80; location /docs/ { proxy_pass http://api; } location ~ docs { proxy_pass http://b; } }');
    assert.deepEqual(where(c.send('GET http://x.test/docs')), { route: 'location /docs/ (/docs → /docs/)', pools: [], outcome: 'redirect', status: 301 });
    const exact = http('server { listen 80; location /docs/ { proxy_pass http://api; } location = /docs { proxy_pass http://b; } }');
    assert.equal(pool(where(exact.send('GET http://x.test/docs'))), 'b', 'a location of that exact name takes it');
  });

  it('nested locations: a nested match in the longest prefix is used before the outer regexes; a nested prefix is not', () => {
    const c = http(`server {
      listen 80;
      location /app/ {
        proxy_pass http://api;
        location /app/admin/ { proxy_pass http://a; }
        location ~ \\.json$ { proxy_pass http://b; }
      }
      location ~ \\.json$ { proxy_pass http://c; }
      location ~ /app/admin/special { proxy_pass http://d; }
    }`);
    const to2 = (path: string) => pool(where(c.send(`GET http://x.test${path}`)));
    assert.equal(to2('/app/x'), 'api');
    assert.equal(to2('/app/data.json'), 'b');
    assert.equal(to2('/app/admin/data.json'), 'b');
    assert.equal(to2('/app/admin/x'), 'a');
    assert.equal(to2('/app/admin/special'), 'd');
    assert.equal(to2('/other.json'), 'c');
    const nested = c.analysis.model.routes.find((r) => r.name === 'location /app/admin/')!;
    assert.equal(nested.evaluation.parent, c.analysis.model.routes.find((r) => r.name === 'location /app/')!.id);
  });

  it('regex locations are PCRE searches (not anchored); a PCRE construct without a linear-time equivalent is undecidable', () => {
    const c = http('server { listen 80; location / { proxy_pass http://web; } location ~ (a)\\1 { proxy_pass http://b; } location ~ api { proxy_pass http://api; } }');
    assert.equal(pool(where(c.send('GET http://x.test/v1/api/x'))), 'api');
    const r = c.send('GET http://x.test/aa');
    assert.ok(r.undecidable.some((u) => /location ~ \(a\)\\1/.test(u)), r.undecidable.join('\n'));
  });
});

describe('nginx routing: if, return, rewrite (ngx_http_rewrite_module)', () => {
  it('each matching if replaces the configuration: the last one wins (proxy_pass in if)', () => {
    const c = http(`server { listen 80; location / {
      proxy_pass http://web;
      if ($http_x_canary = yes) { proxy_pass http://a; }
      if ($http_x_beta) { proxy_pass http://b; }
    } }`);
    const to = (headers: string[]) => pool(where(c.send('GET http://x.test/', { headers })));
    assert.equal(to([]), 'web');
    assert.equal(to(['X-Canary: yes']), 'a');
    assert.equal(to(['X-Canary: YES']), 'web', '"=" compares case-sensitively');
    assert.equal(to(['X-Canary: yes', 'X-Beta: 1']), 'b');
    assert.equal(to(['X-Beta: 0']), 'web', 'a variable is false when it is "" or "0"');
    const route = c.analysis.model.routes.find((r) => r.name.startsWith('if ($http_x_beta)'))!;
    assert.equal(route.evaluation.strategy, 'last-match');
  });

  it('return stops processing: the first matching if with return wins', () => {
    const c = http(`server { listen 80; location / {
      if ($arg_debug) { return 403; }
      if ($request_method = POST) { return 405; }
      proxy_pass http://web;
    } }`);
    assert.deepEqual(where(c.send('POST http://x.test/?debug=1')), { route: 'if ($arg_debug) in location /', pools: [], outcome: 'direct', status: 403 });
    assert.equal(where(c.send('POST http://x.test/')).status, 405);
    assert.equal(where(c.send('POST http://x.test/?debug=0')).status, 405);
    assert.equal(pool(where(c.send('GET http://x.test/'))), 'web');
  });

  it('a location-level return answers whatever its ifs do not stop; break in an if keeps the request in it', () => {
    const c = http(`server { listen 80;
      location /r/ { if ($arg_p) { proxy_pass http://a; } return 404; }
      location /b/ { if ($arg_p) { proxy_pass http://a; break; } return 404; }
    }`);
    assert.equal(where(c.send('GET http://x.test/r/?p=1')).status, 404);
    assert.equal(pool(where(c.send('GET http://x.test/b/?p=1'))), 'a');
    assert.equal(where(c.send('GET http://x.test/b/')).status, 404);
  });

  it('a rewrite … break before the location\'s return keeps the configuration an earlier if chose (found by the random oracle)', () => {
    const c = http(`server { listen 80; location / {
      if ($arg_p) { proxy_pass http://a; }
      rewrite ^/r/(.*)$ /other/$1 break;
      return 204;
    } }`);
    assert.equal(pool(where(c.send('GET http://x.test/r/x?p=1'))), 'a');
    assert.equal(where(c.send('GET http://x.test/r/x')).outcome, 'direct', 'the location\'s own files');
    assert.equal(where(c.send('GET http://x.test/y?p=1')).status, 204);
  });

  it('server-level rewrites that are not redirects change the URI the locations are searched with: undecidable', () => {
    const c = http('server { listen 80; rewrite ^/old/ /a/ break; location /a/ { proxy_pass http://a; } location / { proxy_pass http://b; } }');
    const r = c.send('GET http://x.test/old/x');
    assert.ok(r.undecidable.some((u) => /URI changes before nginx searches the locations/.test(u)), r.undecidable.join('\n'));
    assert.deepEqual(c.send('GET http://x.test/new').undecidable, []);
  });

  it('conditions on headers (absent reads as ""), cookies, $host, $request_uri, $scheme and the negated regex operators', () => {
    const c = http(`server { listen 80; server_name x.test www.x.test; location / {
      if ($http_x_e = "") { return 201; }
      if ($cookie_session ~* ^admin) { return 202; }
      if ($host ~ ^www\\.) { return 203; }
      if ($request_uri ~ "\\?q=") { return 204; }
      if ($scheme = https) { return 205; }
      if ($http_x_a !~ ^ok$) { return 206; }
      proxy_pass http://web;
    } }`);
    const st = (req: string, headers: string[]) => pool(where(c.send(req, { headers })));
    assert.equal(st('GET http://x.test/', []), 'direct 201');
    assert.equal(st('GET http://x.test/', ['X-E: 1', 'Cookie: a=1; session=ADMIN-1']), 'direct 202');
    assert.equal(st('GET http://www.x.test/', ['X-E: 1']), 'direct 203');
    assert.equal(st('GET http://x.test/p?q=1', ['X-E: 1']), 'direct 204');
    assert.equal(st('GET http://x.test/', ['X-E: 1']), 'direct 206');
    assert.equal(st('GET http://x.test/', ['X-E: 1', 'X-A: ok']), 'web');
  });

  it('bounded work: directives beyond the bound of one block make the requests that reach them undecidable, never ignored', () => {
    const ifs = Array.from({ length: 300 }, (_, i) => `if ($arg_x = ${i}) { return ${200 + (i % 50)}; }`).join(' ');
    const c = http(`server { listen 80; location / { ${ifs} proxy_pass http://web; } }`);
    assert.equal(where(c.send('GET http://x.test/?x=5')).status, 205);
    const r = c.send('GET http://x.test/?x=299');
    assert.ok(r.undecidable.some((u) => /not followed/.test(u)), r.undecidable.join('\n'));
  });

  it('file tests and variables nginx sets at run time are undecidable, never guessed', () => {
    const c = http(`server { listen 80; location / {
      if (!-f $request_filename) { return 404; }
      set $flag 1;
      if ($flag) { return 403; }
      proxy_pass http://web;
    } }`);
    const r = c.send('GET http://x.test/');
    assert.equal(r.undecidable.length, 2, r.undecidable.join('\n'));
    assert.match(r.undecidable[0], /file-system test/);
    assert.match(r.undecidable[1], /\$flag/);
  });

  it('return: a redirect for 301, 302, 303, 307 and 308 (with the URL), a URL alone is a 302, other codes answer directly', () => {
    const c = http(`server { listen 80;
      location /a { return 301 https://x.test/; }
      location /b { return https://x.test/b; }
      location /c { return 418 "teapot"; }
      location /d { return 444; }
    }`);
    const got = (p: string) => c.send(`GET http://x.test${p}`);
    assert.deepEqual([got('/a').outcome, got('/a').status], ['redirect', 301]);
    assert.deepEqual([got('/b').outcome, got('/b').status], ['redirect', 302]);
    assert.deepEqual([got('/c').outcome, got('/c').status], ['direct', 418]);
    assert.deepEqual([got('/d').outcome, got('/d').status], ['direct', 444]);
    const target = c.analysis.model.routes.find((r) => r.name === 'location /a')!.target;
    assert.deepEqual(target.kind === 'none' && target.response, { kind: 'redirect', status: 301, location: 'https://x.test/' });
  });

  it('server-level directives run before a location is searched: a server that only returns redirects every request', () => {
    const c = http(`
      server { listen 80; server_name x.test; return 301 https://x.test$request_uri; location / { proxy_pass http://web; } }
      server { listen 80; server_name y.test; if ($http_x_block) { return 403; } location / { proxy_pass http://web; } }`);
    assert.deepEqual(where(c.send('GET http://x.test/a')), { route: 'return 301 https://x.test$request_uri', pools: [], outcome: 'redirect', status: 301 });
    assert.equal(where(c.send('GET http://y.test/a', { headers: ['X-Block: 1'] })).status, 403);
    assert.equal(pool(where(c.send('GET http://y.test/a'))), 'web');
  });

  it('rewrite: permanent is a 301, redirect and an absolute replacement a 302, break stays in the location, last is undecidable', () => {
    const c = http(`server { listen 80;
      rewrite ^/old/(.*)$ /new/$1 permanent;
      location /r/ { rewrite ^/r/(.*)$ https://x.test/$1; proxy_pass http://web; }
      location /t/ { rewrite ^/t/ /x redirect; proxy_pass http://web; }
      location /b/ { rewrite ^/b/(.*)$ /other/$1 break; return 404; proxy_pass http://api; }
      location /l/ { rewrite ^/l/(.*)$ /new/$1 last; proxy_pass http://web; }
    }`);
    assert.equal(where(c.send('GET http://x.test/old/a')).status, 301);
    assert.equal(where(c.send('GET http://x.test/r/a')).status, 302);
    assert.equal(where(c.send('GET http://x.test/t/a')).status, 302);
    assert.equal(pool(where(c.send('GET http://x.test/b/a'))), 'api', 'the rewrite stops the directives before return');
    const last = c.send('GET http://x.test/l/a');
    assert.ok(last.undecidable.some((u) => /searches the locations again/.test(u)), last.undecidable.join('\n'));
  });

  it('try_files: which file exists is decided at run time — a fallback to a named location or URI is undecidable, =404 is not', () => {
    const c = http(`server { listen 80;
      location / { try_files $uri $uri/ @app; }
      location /s/ { try_files $uri =404; }
      location @app { proxy_pass http://web; }
    }`);
    const r = c.send('GET http://x.test/a');
    assert.equal(r.outcome, 'direct');
    assert.ok(r.undecidable.some((u) => /continues with @app/.test(u)), r.undecidable.join('\n'));
    assert.deepEqual(c.send('GET http://x.test/s/a').undecidable, []);
  });

  it('two ifs with one condition in a location are not conflicting definitions (LB111 stays quiet)', () => {
    const m = model('server { listen 80; location / { proxy_pass http://web; if ($arg_a) { proxy_pass http://a; } if ($arg_a) { proxy_pass http://b; } } }');
    assert.deepEqual(analyzeModel(m).diagnostics.filter((d) => d.ruleId === 'LB111'), []);
  });
});
