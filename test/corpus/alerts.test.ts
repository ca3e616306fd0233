/**
 * `lb-lens alerts` on every configuration of the shared corpus: the generator never throws, and `promtool check rules`
 * accepts every file it writes (with each exporter the format allows). Real names (dots, dashes, `@`, slashes, quotes
 * in HAProxy server names…) are where escaping goes wrong.
 *
 * Skipped without the corpus, and the promtool part without promtool (Debian `prometheus`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createNodeFileSystem } from '../../server/src/node/nodeFileSystem';
import { ALERT_DEFAULTS, generateAlerts } from '../../server/src/service/alerts';
import { EXPORTERS, exporterFits } from '../../server/src/service/exporters';
import { LanguageService } from '../../server/src/service/languageService';
import { pathToUri } from '../../server/src/service/uri';
import { CORPUS_DIR, CORPUS_SKIP } from '../helpers/corpus';

const HAVE_PROMTOOL = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;

test('corpus: alerts for every configuration; promtool accepts every generated file', { skip: CORPUS_SKIP, timeout: 600_000 }, (t) => {
  const manifest = readFileSync(resolve(CORPUS_DIR, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
  const dir = mkdtempSync(join(tmpdir(), 'lb-lens-corpus-alerts-'));
  try {
    const files: string[] = [];
    let rules = 0;
    let withRules = 0;
    for (const row of manifest) {
      const path = resolve(CORPUS_DIR, row[4]);
      const roots = [dirname(path)];
      const fs = createNodeFileSystem({ roots: () => roots });
      const service = new LanguageService({ fileSystem: fs, roots: () => roots.map(pathToUri) });
      const read = fs.readPath(path);
      if (!('text' in read) || service.skipReason({ text: read.text })) continue;
      const a = service.analyze({ uri: pathToUri(path), text: read.text });
      if (!a) continue;
      for (const e of EXPORTERS.filter((x) => exporterFits(x, a.model.format))) {
        const r = generateAlerts(a, { ...ALERT_DEFAULTS, selectors: [], exporter: e.id, show: (u) => u.replace(pathToUri(CORPUS_DIR), '') });
        assert.ok(!('error' in r), `${row[4]}: ${'error' in r ? r.error : ''}`);
        if ('error' in r) continue;
        rules += r.ruleCount;
        if (r.ruleCount === 0) continue;
        withRules++;
        const file = join(dir, `${files.length}.yml`);
        writeFileSync(file, r.text);
        files.push(file);
      }
    }
    t.diagnostic(`${withRules} rules files (${rules} rules) from ${manifest.length} corpus files`);
    assert.ok(withRules >= 300, `${withRules} generated files with rules (${rules} rules)`);
    if (!HAVE_PROMTOOL) {
      t.diagnostic('promtool check skipped: promtool is not installed (apt-get install prometheus)');
      return;
    }
    for (let i = 0; i < files.length; i += 100) {
      const batch = files.slice(i, i + 100);
      const r = spawnSync('promtool', ['check', 'rules', ...batch], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
      const failed = `${r.stdout}${r.stderr}`.split('\n').filter((l) => /FAILED|error/i.test(l));
      assert.equal(r.status, 0, failed.slice(0, 20).join('\n'));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
