/**
 * nginx lowering reuses unchanged `upstream` and `server` blocks across edits (`NginxLowerCache`); the model must be exactly
 * the one a fresh lowering gives. Differential test: random edits of a config with the features that touch
 * pools from outside their block (active checks from a server's `health_check`, third-party `check`, direct
 * addresses, stream upstreams, duplicate names, invalid parameters).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeModel } from '../../../server/src/analysis/analyze';
import { lowerNginx, NginxLowerCache } from '../../../server/src/formats/nginx';
import { NO_FILES } from '../../../server/src/formats/types';
import { CORPUS_SKIP, corpusFiles, corpusPath } from '../../helpers/corpus';
import { randomEdit, rng } from '../../helpers/randomEdits';

const BASE = `events { worker_connections 1024; }
http {
    upstream api {
        least_conn;
        server 10.0.0.1:8080 weight=3 max_fails=2 fail_timeout=5s;
        server 10.0.0.2:8080 weight=2;
        server 10.0.0.3:8080 backup;
    }
    upstream web {
        server 10.0.1.1:80 weight=0;
        server 10.0.1.2:80 down;
        server web.internal:80 max_fails=0;
        check interval=3000 rise=2 fall=5;
    }
    upstream API {
        ip_hash;
        server 10.0.2.1:80 backup;
    }
    upstream empty { }
    server {
        listen 80;
        server_name example.com;
        location / { proxy_pass http://api; health_check; }
        location /web/ { proxy_pass http://web; }
        location ~ \\.php$ { fastcgi_pass 127.0.0.1:9000; }
        location /direct { proxy_pass http://10.9.9.9:8080; }
        location /missing { proxy_pass http://nowhere; }
    }
}
stream {
    upstream db { server 10.0.3.1:5432; server 10.0.3.2; }
    server { listen 5432; proxy_pass db; }
}
`;


/** Routing from several blocks at once: default servers and TLS per socket, server-level statements, if blocks. */
const ROUTING = `http {
    upstream api { server 10.0.0.1:8080; }
    server {
        listen 80;
        server_name a.test *.a.test;
        if ($scheme = http) { return 301 https://$host$request_uri; }
        rewrite ^/old/(.*)$ /new/$1 permanent;
        location /api/ {
            proxy_pass http://api;
            if ($request_method = POST) { return 405; }
            if ($http_x_canary) { proxy_pass http://10.0.0.9:80; }
            location ~ \\.json$ { return 204; }
        }
        location ~ ^/v[0-9]+/ { rewrite ^ /x last; }
    }
    server {
        listen 80 default_server;
        listen 443 ssl;
        server_name b.test .c.test ~^d\\d+\\.test$;
        location / { proxy_pass http://api; break; return 404; }
    }
    server { listen 443; server_name e.test; return 444; }
    server { listen 80; server_name .a.test f.test; }
    server { listen 127.0.0.1:80; listen [::]:80 default; }
}
`;

const SNIPPETS = ['upstream x { server 1.2.3.4:80; }\n', 'server 10.0.0.9:8080 weight=7;\n', ' backup', ' down', '{', '}', ';', '\n',
  '#', ' ', 'x', '"', 'health_check;', 'check interval=1;', 'location /y { proxy_pass http://api; }\n', 'weight=0 '];

const edit = (text: string, next: () => number) => randomEdit(text, next, SNIPPETS);

describe('nginx incremental lowering', () => {
  it('gives the same model and findings as a fresh lowering after each of 600 random edits', () => {
    const uri = 'file:///inc/nginx.conf';
    for (let seed = 1; seed <= 6; seed++) {
      const next = rng(seed);
      const cache = new NginxLowerCache();
      let text = BASE;
      lowerNginx(uri, text, NO_FILES, cache);
      for (let step = 0; step < 100; step++) {
        text = edit(text, next);
        const incremental = lowerNginx(uri, text, NO_FILES, cache);
        const expected = lowerNginx(uri, text, NO_FILES);
        assert.equal(JSON.stringify(incremental), JSON.stringify(expected), `seed ${seed}, step ${step}:\n${text}`);
        assert.deepEqual(analyzeModel(incremental).diagnostics, analyzeModel(expected).diagnostics, `seed ${seed}, step ${step}`);
      }
    }
  });

  it('gives the same model after each of 300 random edits of a config whose routing spans blocks', () => {
    const uri = 'file:///inc/routing.conf';
    for (let seed = 11; seed <= 13; seed++) {
      const next = rng(seed);
      const cache = new NginxLowerCache();
      let text = ROUTING;
      lowerNginx(uri, text, NO_FILES, cache);
      for (let step = 0; step < 100; step++) {
        text = randomEdit(text, next, [...SNIPPETS, ' default_server', ' ssl', 'listen 80;', 'server_name x.test;', 'if ($arg_a) { return 403; }', 'return 301 /;', 'server { listen 80; }\n']);
        const incremental = lowerNginx(uri, text, NO_FILES, cache);
        const expected = lowerNginx(uri, text, NO_FILES);
        assert.equal(JSON.stringify(incremental), JSON.stringify(expected), `seed ${seed}, step ${step}:\n${text}`);
      }
    }
  });

  it('reuses unchanged upstreams; a health check found in a server applies to a copy, never to the shared pool', () => {
    const uri = 'file:///inc/reuse.conf';
    const cache = new NginxLowerCache();
    const before = lowerNginx(uri, BASE, NO_FILES, cache);
    const after = lowerNginx(uri, BASE.replace('weight=0', 'weight=4'), NO_FILES, cache);
    assert.equal(cache.reused, 6, 'upstreams api, API, empty, db and both server blocks are reused; web was edited');
    assert.equal(after.routes[0], before.routes[0], 'a replayed server block keeps its route objects');
    const pool = (m: typeof before, name: string) => m.pools.find((p) => p.name === name)!;
    assert.equal(pool(after, 'API'), pool(before, 'API'));
    assert.notEqual(pool(after, 'web'), pool(before, 'web'));
    assert.deepEqual(pool(after, 'web').servers.map((s) => s.weight), [4, 1, 1]);
    // `health_check` in location / makes api actively checked, in both models, each with its own copy.
    assert.equal(pool(before, 'api').healthCheck.active, true);
    assert.equal(pool(after, 'api').healthCheck.active, true);
    const unchecked = lowerNginx(uri, BASE.replace('health_check;', ''), NO_FILES, cache);
    assert.equal(pool(unchecked, 'api').healthCheck.active, false);
    assert.equal(pool(after, 'api').healthCheck.active, true, 'the previous model keeps its checked pool');
  });

  it('lowers an unchanged server block again when an upstream it names is renamed or an address pool moves', () => {
    const uri = 'file:///inc/rename.conf';
    const cache = new NginxLowerCache();
    lowerNginx(uri, BASE, NO_FILES, cache);
    const renamed = lowerNginx(uri, BASE.replace('upstream web {', 'upstream wab {'), NO_FILES, cache);
    const web = renamed.routes.find((r) => r.name === 'location /web/')!;
    assert.equal(web.target.kind, 'address', 'nginx takes a name that is no upstream for a host name');
    assert.ok(analyzeModel(renamed).diagnostics.some((d) => d.ruleId === 'LB103' && /"web"/.test(d.message)));
    // A block earlier in the file now creates the pool of 10.9.9.9:8080: the replayed block refers to it.
    const text = BASE.replace('upstream empty { }', 'upstream empty { }\n    server { listen 81; location / { proxy_pass http://10.9.9.9:8080; } }');
    const moved = lowerNginx(uri, text, NO_FILES, cache);
    assert.equal(JSON.stringify(moved), JSON.stringify(lowerNginx(uri, text, NO_FILES)));
    assert.equal(moved.pools.filter((p) => p.name === '10.9.9.9:8080').length, 1);
  });

  it('gives the same model as a fresh lowering on every real nginx config of the corpus, after random edits', { skip: CORPUS_SKIP }, () => {
    const next = rng(7);
    let files = 0;
    for (const row of corpusFiles('nginx')) {
      const uri = `file:///corpus/${row.localPath}`;
      const cache = new NginxLowerCache();
      let text = readFileSync(corpusPath(row.localPath), 'utf8');
      lowerNginx(uri, text, NO_FILES, cache);
      for (let step = 0; step < 4; step++) {
        text = edit(text, next);
        assert.equal(JSON.stringify(lowerNginx(uri, text, NO_FILES, cache)), JSON.stringify(lowerNginx(uri, text, NO_FILES)), `${row.localPath}, step ${step}`);
      }
      files++;
    }
    assert.ok(files > 50, `${files} corpus files`);
  });
});
