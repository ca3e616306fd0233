/**
 * Incremental HAProxy parsing and lowering (unchanged sections reused across edits) must give exactly the
 * model a fresh parse gives. Differential test: random edits to a config using the features that carry state
 * between sections (defaults inheritance, named defaults, mentions, LB002 de-duplication, duplicate names).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeModel } from '../../../server/src/analysis/analyze';
import { readFileSync } from 'node:fs';
import { HaproxyLowerCache, HaproxyParseCache, lowerHaproxy, parseHaproxy } from '../../../server/src/formats/haproxy';
import { CORPUS_SKIP, corpusFiles, corpusPath } from '../../helpers/corpus';
import { randomEdit, rng } from '../../helpers/randomEdits';

const BASE = `global
    maxconn 100
defaults base
    mode http
    balance leastconn
    default-server check inter 2s
    option httpchk GET /health
defaults
    mode http
    timeout connect 5s
frontend fe from base
    bind *:80
    acl is_api path_beg /api
    acl is_img path_end .png
    use_backend be_api if is_api
    use_backend be_img if is_img
    use_backend be_missing if { hdr(host) -i x }
    http-request set-header X-A 1 if { path_beg /a }
    http-request deny deny_status 429 if is_img { src 10.0.0.0/8 }
    redirect scheme https code 301 if !{ ssl_fc }
    default_backend be_web
backend be_api from base
    server a1 10.0.0.1:80 weight 30
    server a2 10.0.0.2:80 weight 20
    server a3 10.0.0.3:80 backup
backend be_img
    balance first
    server i1 10.0.1.1:80 track be_api/a1
    server i1 10.0.1.2:80
backend be_web
    option allbackups
    server w1 10.0.2.1:80 weight 0
    server w2 10.0.2.2:80 weight 300
    server w3 10.0.2.3:80 backup
    server w4 10.0.2.4:80 backup
backend be_unused
    stick-table type ip size 1m
    balance nosuch
listen stats
    bind *:8404
    stats enable
listen tcp_svc
    mode tcp
    bind *:5432
    server db1 10.0.3.1:5432 check
    server db2 10.0.3.1:5432 check
`;


const SNIPPETS = ['backend ', 'frontend f2\n', '\n', 'server s9 10.9.9.9:80 weight 5\n', ' backup', ' weight 0', 'defaults\n',
  'use_backend be_web\n', '#', ' ', 'x', '"', '\\', 'listen l\n  server z 1.1.1.1:1\n', 'mode tcp\n', 'from base', '\r\n', '\t', 'http-request deny\n', 'acl is_api hdr(x) y\n', ' ssl'];

const edit = (text: string, next: () => number) => randomEdit(text, next, SNIPPETS);

const fresh = (uri: string, text: string) => lowerHaproxy(uri, parseHaproxy(text));

describe('HAProxy incremental parsing and lowering', () => {
  it('gives the same model and findings as a fresh parse after each of 600 random edits', () => {
    const uri = 'file:///inc/haproxy.cfg';
    for (let seed = 1; seed <= 6; seed++) {
      const next = rng(seed);
      const parseCache = new HaproxyParseCache();
      const lowerCache = new HaproxyLowerCache();
      let text = BASE;
      for (let step = 0; step < 100; step++) {
        text = edit(text, next);
        const incremental = lowerHaproxy(uri, parseHaproxy(text, {}, parseCache), lowerCache);
        const expected = fresh(uri, text);
        assert.equal(JSON.stringify(incremental), JSON.stringify(expected), `seed ${seed}, step ${step}:\n${text}`);
        assert.deepEqual(analyzeModel(incremental).diagnostics, analyzeModel(expected).diagnostics, `seed ${seed}, step ${step}`);
      }
    }
  });

  it('reuses the unchanged sections after a keystroke and re-reads the edited one', () => {
    const uri = 'file:///inc/reuse.cfg';
    const parseCache = new HaproxyParseCache();
    const lowerCache = new HaproxyLowerCache();
    const before = lowerHaproxy(uri, parseHaproxy(BASE, {}, parseCache), lowerCache);
    const edited = BASE.replace('weight 300', 'weight 200');
    const after = lowerHaproxy(uri, parseHaproxy(edited, {}, parseCache), lowerCache);
    const sections = parseHaproxy(BASE).sections.length;
    assert.equal(parseCache.reused, sections - 1, 'every section but the edited one is reused');
    assert.equal(lowerCache.reused, sections - 2, 'global is not read; be_web is read again');
    const web = (m: typeof before) => m.pools.find((p) => p.name === 'be_web')!;
    const api = (m: typeof before) => m.pools.find((p) => p.name === 'be_api')!;
    assert.equal(api(after), api(before), 'an unchanged backend keeps its pool object');
    assert.notEqual(web(after), web(before));
    assert.deepEqual(web(after).servers.map((s) => s.weight), [0, 200, 1, 1]);
    // 300 is out of range: HAProxy clamps to 256 (and LB002 says so).
    assert.deepEqual(web(before).servers.map((s) => s.weight), [0, 256, 1, 1], 'the previous model is not changed');
  });

  it('re-reads a proxy whose inherited defaults changed, and parses files with .if blocks in one pass', () => {
    const uri = 'file:///inc/defaults.cfg';
    const parseCache = new HaproxyParseCache();
    const lowerCache = new HaproxyLowerCache();
    lowerHaproxy(uri, parseHaproxy(BASE, {}, parseCache), lowerCache);
    const edited = BASE.replace('balance leastconn', 'balance first');
    const model = lowerHaproxy(uri, parseHaproxy(edited, {}, parseCache), lowerCache);
    assert.equal(model.pools.find((p) => p.name === 'be_api')!.shareModel, 'first');
    assert.equal(JSON.stringify(model), JSON.stringify(fresh(uri, edited)));

    const conditional = `.if defined(X)\n${BASE}.endif\n`;
    parseHaproxy(conditional, {}, parseCache);
    assert.equal(parseCache.reused, 0);
    assert.equal(parseCache.chunks.size, 0);
  });

  it('gives the same model as a fresh parse on every real HAProxy config of the corpus, after random edits', { skip: CORPUS_SKIP }, () => {
    const next = rng(42);
    let files = 0;
    for (const row of corpusFiles('haproxy')) {
      const uri = `file:///corpus/${row.localPath}`;
      const parseCache = new HaproxyParseCache();
      const lowerCache = new HaproxyLowerCache();
      let text = readFileSync(corpusPath(row.localPath), 'utf8');
      lowerHaproxy(uri, parseHaproxy(text, {}, parseCache), lowerCache);
      for (let step = 0; step < 4; step++) {
        text = edit(text, next);
        const incremental = lowerHaproxy(uri, parseHaproxy(text, {}, parseCache), lowerCache);
        assert.equal(JSON.stringify(incremental), JSON.stringify(fresh(uri, text)), `${row.localPath}, step ${step}`);
      }
      files++;
    }
    assert.ok(files > 50, `${files} corpus files`);
  });
});
