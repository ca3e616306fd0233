// Scope tests for the hand-written TextMate grammars in syntaxes/, tokenized with the same
// engine VS Code uses (vscode-textmate + the oniguruma wasm).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';

const root = resolve(__dirname, '..', '..');
const grammarFiles: Record<string, string> = {
  'source.nginx': 'syntaxes/nginx.tmLanguage.json',
  'source.haproxy': 'syntaxes/haproxy.tmLanguage.json',
};

let registry: textmate.Registry;

before(async () => {
  const wasm = await readFile(resolve(root, 'node_modules/vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
  registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName: string) => {
      const file = grammarFiles[scopeName];
      if (!file) return null;
      const path = resolve(root, file);
      return textmate.parseRawGrammar(await readFile(path, 'utf8'), path);
    },
  });
});

interface Token {
  line: number;
  start: number;
  end: number;
  text: string;
  scopes: string[];
}

async function tokenize(scopeName: string, source: string): Promise<{ lines: string[]; tokens: Token[] }> {
  const grammar = await registry.loadGrammar(scopeName);
  assert.ok(grammar, `grammar ${scopeName} loads`);
  const lines = source.split('\n');
  const tokens: Token[] = [];
  let state = textmate.INITIAL;
  lines.forEach((text, line) => {
    const result = grammar.tokenizeLine(text, state);
    for (const t of result.tokens) {
      tokens.push({ line, start: t.startIndex, end: Math.min(t.endIndex, text.length), text: text.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    }
    state = result.ruleStack;
  });
  return { lines, tokens };
}

/** Scopes of the token at the `nth` occurrence of `needle` in the source (0-based occurrence). */
function scopesAt(doc: { lines: string[]; tokens: Token[] }, needle: string, nth = 0): string[] {
  let seen = 0;
  for (let line = 0; line < doc.lines.length; line++) {
    let from = 0;
    for (;;) {
      const col = doc.lines[line].indexOf(needle, from);
      if (col < 0) break;
      if (seen++ === nth) {
        const token = doc.tokens.find((t) => t.line === line && t.start <= col && col < t.end);
        assert.ok(token, `a token covers ${JSON.stringify(needle)}`);
        return token.scopes;
      }
      from = col + 1;
    }
  }
  assert.fail(`${JSON.stringify(needle)} (occurrence ${nth}) not found in the snippet`);
}

/** Asserts that the token at `needle` carries a scope starting with `scope` (and optionally lacks `not`). */
function expectScope(doc: { lines: string[]; tokens: Token[] }, needle: string, scope: string, opts: { nth?: number; not?: string } = {}): void {
  const scopes = scopesAt(doc, needle, opts.nth ?? 0);
  assert.ok(
    scopes.some((s) => s === scope || s.startsWith(scope + '.')),
    `${JSON.stringify(needle)} should have scope ${scope}; got ${scopes.join(' ')}`,
  );
  if (opts.not) {
    const not = opts.not;
    assert.ok(
      !scopes.some((s) => s === not || s.startsWith(not + '.')),
      `${JSON.stringify(needle)} should not have scope ${not}; got ${scopes.join(' ')}`,
    );
  }
}

test('nginx: comments, and # inside quoted strings is not a comment', async () => {
  const doc = await tokenize(
    'source.nginx',
    ['# top comment', 'add_header X-Frag "a # not a comment";  # trailing', "return 200 'x#y';", 'set $a b#c;'].join('\n'),
  );
  expectScope(doc, 'top comment', 'comment.line.number-sign.nginx');
  expectScope(doc, '# not a comment', 'string.quoted.double.nginx', { not: 'comment' });
  expectScope(doc, 'trailing', 'comment.line.number-sign.nginx');
  expectScope(doc, '#y', 'string.quoted.single.nginx', { not: 'comment' });
  // nginx only starts a comment at the start of a token.
  expectScope(doc, '#c', 'meta.directive.nginx', { not: 'comment' });
});

test('nginx: directive names at statement start, block keywords, escapes and variables', async () => {
  const doc = await tokenize(
    'source.nginx',
    [
      'http {',
      '  server {',
      '    listen 80;',
      '    server_name example.com;',
      '    proxy_set_header Host $host;',
      '    return 301 "https://${host}\\"$request_uri";',
      '    if ($http_x_debug = "1") { return 403; }',
      '  }',
      '}',
    ].join('\n'),
  );
  expectScope(doc, 'http', 'storage.type.block.nginx');
  expectScope(doc, 'server', 'storage.type.block.nginx');
  expectScope(doc, 'listen', 'keyword.other.directive.nginx');
  expectScope(doc, 'server_name', 'keyword.other.directive.nginx', { not: 'storage.type' });
  expectScope(doc, 'example.com', 'meta.directive.nginx', { not: 'keyword.other.directive' });
  expectScope(doc, 'Host', 'meta.directive.nginx', { not: 'keyword.other.directive' });
  expectScope(doc, 'host;', 'variable.other.nginx');
  expectScope(doc, '${host}', 'variable.other.nginx');
  expectScope(doc, '${host}', 'string.quoted.double.nginx');
  expectScope(doc, '\\"', 'constant.character.escape.nginx');
  expectScope(doc, '$request_uri', 'string.quoted.double.nginx');
  expectScope(doc, 'if', 'keyword.control.conditional.nginx');
  expectScope(doc, '$http_x_debug', 'variable.other.nginx');
  expectScope(doc, 'return 403', 'keyword.other.directive.nginx');
  expectScope(doc, ';', 'punctuation.terminator.nginx');
});

test('nginx: numbers, sizes and times', async () => {
  const doc = await tokenize('source.nginx', 'client_max_body_size 10m;\nproxy_read_timeout 500ms;\nworker_connections 1024;\nlisten 10.0.0.1:8080;');
  expectScope(doc, '10m', 'constant.numeric.nginx');
  expectScope(doc, '500ms', 'constant.numeric.nginx');
  expectScope(doc, '1024', 'constant.numeric.nginx');
  expectScope(doc, '10.0.0.1:8080', 'constant.other.address.nginx', { not: 'constant.numeric' });
});

test('nginx: location modifiers and paths', async () => {
  const doc = await tokenize(
    'source.nginx',
    [
      'location = /exact { }',
      'location ^~ /static/ { }',
      'location ~* \\.(png|jpg)$ { }',
      'location ~ ^/api/v[0-9]+ { }',
      'location /plain { }',
      'location @fallback { }',
    ].join('\n'),
  );
  expectScope(doc, '=', 'keyword.operator.location-modifier.nginx');
  expectScope(doc, '/exact', 'string.unquoted.path.nginx');
  expectScope(doc, '^~', 'keyword.operator.location-modifier.nginx');
  expectScope(doc, '/static/', 'string.unquoted.path.nginx');
  expectScope(doc, '~*', 'keyword.operator.location-modifier.nginx');
  expectScope(doc, '\\.(png', 'string.regexp.nginx');
  expectScope(doc, '~ ', 'keyword.operator.location-modifier.nginx');
  expectScope(doc, '^/api', 'string.regexp.nginx');
  expectScope(doc, '/plain', 'string.unquoted.path.nginx', { not: 'string.regexp' });
  expectScope(doc, 'fallback', 'entity.name.function.named-location.nginx');
  for (let i = 0; i < 6; i++) expectScope(doc, 'location', 'storage.type.block.location.nginx', { nth: i });
});

test('nginx: upstream names, upstream servers and proxy_pass targets', async () => {
  const doc = await tokenize(
    'source.nginx',
    [
      'upstream app_pool {',
      '  least_conn;',
      '  server 10.0.0.1:8080 weight=3 max_fails=2;',
      '  server app2.internal:8080 backup;',
      '}',
      'server {',
      '  location / { proxy_pass http://app_pool/api; }',
      '  location /php { fastcgi_pass php_pool; }',
      '}',
    ].join('\n'),
  );
  expectScope(doc, 'upstream', 'storage.type.block.upstream.nginx');
  expectScope(doc, 'app_pool', 'entity.name.type.upstream.nginx');
  expectScope(doc, 'least_conn', 'keyword.other.directive.nginx');
  expectScope(doc, 'server', 'keyword.other.directive.nginx', { not: 'storage.type' });
  expectScope(doc, '10.0.0.1:8080', 'constant.other.address.nginx');
  expectScope(doc, 'weight', 'variable.parameter.nginx');
  expectScope(doc, '3 max', 'constant.numeric.nginx');
  expectScope(doc, 'app2.internal:8080', 'constant.other.address.nginx');
  expectScope(doc, 'backup', 'constant.language.flag.nginx');
  // `server` outside an upstream opens a block.
  expectScope(doc, 'server', 'storage.type.block.nginx', { nth: 2 });
  expectScope(doc, 'proxy_pass', 'keyword.other.directive.nginx');
  expectScope(doc, 'app_pool', 'entity.name.type.upstream.nginx', { nth: 1 });
  expectScope(doc, '/api', 'meta.directive.pass.nginx', { not: 'entity.name.type' });
  expectScope(doc, 'php_pool', 'entity.name.type.upstream.nginx');
});

test('nginx: map blocks hold entries, not directives', async () => {
  const doc = await tokenize('source.nginx', 'map $http_upgrade $connection_upgrade {\n  default upgrade;\n  ~*^ws close;\n}\nkeepalive_timeout 5s;');
  expectScope(doc, 'map', 'storage.type.block.nginx');
  expectScope(doc, '$connection_upgrade', 'variable.other.nginx');
  expectScope(doc, 'default', 'keyword.other.directive.nginx');
  expectScope(doc, 'upgrade;', 'meta.block.mapping.nginx', { not: 'keyword.other.directive' });
  expectScope(doc, '^ws', 'string.regexp.nginx');
  // The block closes: the next statement is back at top level.
  expectScope(doc, 'keepalive_timeout', 'keyword.other.directive.nginx', { not: 'meta.mapping' });
});

test('nginx: *_by_lua_block bodies are balanced and not read as directives', async () => {
  const doc = await tokenize('source.nginx', 'content_by_lua_block {\n  local t = { a = 1 }\n  ngx.say(t.a)\n}\nlisten 80;');
  expectScope(doc, 'content_by_lua_block', 'keyword.other.directive.nginx');
  expectScope(doc, 'local', 'meta.embedded.block.lua', { not: 'keyword.other.directive' });
  expectScope(doc, 'ngx.say', 'meta.embedded.block.lua', { not: 'keyword.other.directive' });
  expectScope(doc, 'listen', 'keyword.other.directive.nginx', { not: 'meta.embedded' });
});

test('haproxy: section headers and keywords at line start', async () => {
  const doc = await tokenize(
    'source.haproxy',
    [
      'global',
      '    maxconn 4096',
      'defaults',
      '    mode http',
      '    timeout connect 5s',
      'frontend fe_web',
      '    bind *:443 ssl crt /etc/ssl/site.pem',
      '    option forwardfor',
      'backend be_api',
      '    balance roundrobin',
      'listen stats',
      '    stats enable',
    ].join('\n'),
  );
  expectScope(doc, 'global', 'storage.type.section.haproxy');
  expectScope(doc, 'defaults', 'storage.type.section.haproxy');
  expectScope(doc, 'frontend', 'storage.type.section.haproxy');
  expectScope(doc, 'fe_web', 'entity.name.type.frontend.haproxy');
  expectScope(doc, 'backend', 'storage.type.section.haproxy');
  expectScope(doc, 'be_api', 'entity.name.type.backend.haproxy');
  expectScope(doc, 'listen', 'storage.type.section.haproxy');
  expectScope(doc, 'maxconn', 'keyword.other.directive.haproxy');
  expectScope(doc, '4096', 'constant.numeric.haproxy');
  expectScope(doc, 'timeout', 'keyword.other.directive.haproxy');
  expectScope(doc, 'connect', 'support.constant.haproxy');
  expectScope(doc, '5s', 'constant.numeric.haproxy');
  expectScope(doc, 'bind', 'keyword.other.directive.haproxy');
  expectScope(doc, '*:443', 'constant.other.address.haproxy');
  expectScope(doc, 'option', 'keyword.other.directive.haproxy');
  expectScope(doc, 'forwardfor', 'support.constant.option.haproxy');
  expectScope(doc, 'roundrobin', 'support.constant.haproxy');
  // `stats` as a keyword vs. as a listen section's name.
  expectScope(doc, 'stats', 'entity.name.type.listen.haproxy');
  expectScope(doc, 'stats', 'keyword.other.directive.haproxy', { nth: 1 });
});

test('haproxy: servers, backend references, ACLs and conditions', async () => {
  const doc = await tokenize(
    'source.haproxy',
    [
      'frontend web',
      '    acl is_api path_beg /api',
      '    use_backend be_api if is_api !{ src 10.0.0.0/8 }',
      '    use_backend be_static unless { path_end .css .js }',
      '    default_backend be_web',
      'backend be_api',
      '    server api1 10.0.0.11:8080 check weight 7',
      '    server api2 ${API2_ADDR}:8080 check backup',
      '    server-template dyn 1-3 _http._tcp.svc.local check',
    ].join('\n'),
  );
  expectScope(doc, 'acl', 'keyword.other.directive.haproxy');
  expectScope(doc, 'is_api', 'variable.other.acl.haproxy');
  expectScope(doc, 'path_beg', 'support.function.fetch.haproxy');
  expectScope(doc, 'use_backend', 'keyword.other.directive.haproxy');
  expectScope(doc, 'be_api', 'entity.name.type.backend.haproxy');
  expectScope(doc, 'if', 'keyword.control.conditional.haproxy');
  expectScope(doc, 'unless', 'keyword.control.conditional.haproxy');
  expectScope(doc, '!', 'keyword.operator.logical.haproxy');
  expectScope(doc, '{', 'punctuation.section.braces.begin.haproxy');
  expectScope(doc, 'src', 'support.function.fetch.haproxy');
  expectScope(doc, '10.0.0.0/8', 'meta.acl.anonymous.haproxy');
  expectScope(doc, '}', 'punctuation.section.braces.end.haproxy');
  expectScope(doc, 'be_static', 'entity.name.type.backend.haproxy');
  expectScope(doc, 'path_end', 'support.function.fetch.haproxy');
  expectScope(doc, 'default_backend', 'keyword.other.directive.haproxy');
  expectScope(doc, 'be_web', 'entity.name.type.backend.haproxy');
  expectScope(doc, 'server', 'keyword.other.directive.haproxy');
  expectScope(doc, 'api1', 'entity.name.function.server.haproxy');
  expectScope(doc, '10.0.0.11:8080', 'constant.other.address.haproxy');
  expectScope(doc, 'check', 'constant.language.flag.haproxy');
  expectScope(doc, 'weight', 'variable.parameter.haproxy');
  expectScope(doc, '7', 'constant.numeric.haproxy');
  expectScope(doc, 'api2', 'entity.name.function.server.haproxy');
  expectScope(doc, 'API2_ADDR', 'variable.other.env.haproxy');
  expectScope(doc, 'backup', 'constant.language.flag.haproxy');
  expectScope(doc, 'server-template', 'keyword.other.directive.haproxy');
  expectScope(doc, '-template', 'meta.statement.server-template.haproxy');
  expectScope(doc, 'dyn', 'entity.name.function.server.haproxy');
});

test('haproxy: comments, strings, escapes and environment variables', async () => {
  const doc = await tokenize(
    'source.haproxy',
    [
      '# whole-line comment',
      'global',
      '    log "${LOG_HOST}:514" local0   # where logs go',
      '    setenv GREETING "say \\"hi\\" # not a comment"',
      "    presetenv RAW '$NOT_EXPANDED # not a comment either'",
      '    http-request set-header X-Id %[req.hdr(host)] if TRUE',
      '    user $HAPROXY_USER',
    ].join('\n'),
  );
  expectScope(doc, 'whole-line comment', 'comment.line.number-sign.haproxy');
  expectScope(doc, 'LOG_HOST', 'variable.other.env.haproxy');
  expectScope(doc, 'LOG_HOST', 'string.quoted.double.haproxy');
  expectScope(doc, 'where logs go', 'comment.line.number-sign.haproxy');
  expectScope(doc, '\\"hi', 'constant.character.escape.haproxy');
  expectScope(doc, '# not a comment"', 'string.quoted.double.haproxy', { not: 'comment' });
  expectScope(doc, '# not a comment either', 'string.quoted.single.haproxy', { not: 'comment' });
  expectScope(doc, '$NOT_EXPANDED', 'string.quoted.single.haproxy', { not: 'variable' });
  expectScope(doc, 'http-request', 'keyword.other.directive.haproxy');
  expectScope(doc, 'set-header', 'support.constant.haproxy');
  expectScope(doc, 'req.hdr', 'support.function.fetch.haproxy');
  expectScope(doc, 'HAPROXY_USER', 'variable.other.env.haproxy');
});

test('the helper fails when a scope is wrong (tests can fail)', async () => {
  const doc = await tokenize('source.nginx', 'listen 80; # c');
  assert.throws(() => expectScope(doc, 'listen', 'comment.line'));
  assert.throws(() => expectScope(doc, 'c', 'keyword.other.directive.nginx', { nth: 0 }));
});
