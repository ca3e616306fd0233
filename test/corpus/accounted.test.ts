/**
 * Every file of the shared corpus is accounted for by `lb-lens check` on the whole corpus folder: checked, or
 * skipped with a reason — in the JSON output. Before this was enforced, 110 of 898 appeared nowhere (73 HAProxy
 * files, 43 of which `haproxy -c` accepts: configs indented as in HAProxy's own test scripts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { CORPUS_DIR, CORPUS_SKIP } from '../helpers/corpus';
import { REPO } from '../helpers/lspClient';

/** HAProxy files that are valid but hold no proxy: nothing to analyse. */
const HAPROXY_NOT_CONFIGS = new Map([
  ['haproxy/haproxy__haproxy/examples__traces.cfg', 'only a "traces" section'],
  ['haproxy/haproxy__haproxy/reg-tests__webstats__missing-stats-fields.vtc__h1.cfg', 'empty'],
]);

test('corpus: every file is checked or skipped with a reason; every nginx/HAProxy file the product accepts is checked', { skip: CORPUS_SKIP }, () => {
  const r = spawnSync(process.execPath, [resolve(REPO, 'bin', 'lb-lens.js'), 'check', CORPUS_DIR, '--format', 'json', '--fail-on', 'never'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 300_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout) as { files: Array<{ path: string }>; skipped: Array<{ path: string; reason: string }> };
  const rel = (p: string) => relative(CORPUS_DIR, resolve(REPO, p)).split('\\').join('/');
  const checked = new Set(json.files.map((f) => rel(f.path)));
  const skipped = new Map(json.skipped.map((s) => [rel(s.path), s.reason]));
  const manifest = readFileSync(resolve(CORPUS_DIR, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
  const oracle = new Map(readFileSync(resolve(CORPUS_DIR, 'ORACLE.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t')).map((c) => [c[0], c[2]]));
  const nowhere = manifest.filter((m) => !checked.has(m[4]) && !skipped.has(m[4])).map((m) => m[4]);
  assert.deepEqual(nowhere, [], 'files that appear nowhere in the output');
  for (const [, reason] of skipped) assert.ok(reason.length > 0);
  const missedValid = manifest
    .filter((m) => m[0] === 'haproxy' && oracle.get(m[4]) === 'valid' && !checked.has(m[4]) && !HAPROXY_NOT_CONFIGS.has(m[4]))
    .map((m) => m[4]);
  assert.deepEqual(missedValid, [], 'HAProxy files haproxy -c accepts but lb-lens did not check');
  const haproxyChecked = manifest.filter((m) => m[0] === 'haproxy' && checked.has(m[4])).length;
  assert.ok(haproxyChecked >= 125, `${haproxyChecked} HAProxy files checked`);
});
