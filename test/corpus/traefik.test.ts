import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeModel } from '../../server/src/analysis/analyze';
import { traefikFormat } from '../../server/src/formats/traefik';
import { NO_FILES } from '../../server/src/formats/types';
import { CORPUS_SKIP, corpusFiles, corpusPath } from '../helpers/corpus';

/** Real third-party Traefik files (syntax-checked in ORACLE.tsv); mostly working configuration. */
describe('traefik corpus', { skip: CORPUS_SKIP }, () => {
  const rows = corpusFiles('traefik');

  it('processes every file without a crash and reports no LB001 on files the syntax oracle accepts', () => {
    assert.ok(rows.length > 0);
    let detected = 0;
    let routes = 0;
    let pools = 0;
    const byRule: Record<string, number> = {};
    const wrongSyntax: string[] = [];
    for (const row of rows) {
      const text = readFileSync(corpusPath(row.localPath), 'utf8');
      const uri = `file:///${row.localPath}`;
      const score = traefikFormat.detect(uri, text);
      if (score < 0.5) continue;
      detected++;
      const model = traefikFormat.parse(uri, text, NO_FILES);
      routes += model.routes.length;
      pools += model.pools.length;
      for (const d of analyzeModel(model).diagnostics) byRule[d.ruleId] = (byRule[d.ruleId] ?? 0) + 1;
      if (row.verdict === 'valid' && model.problems.some((p) => p.ruleId === 'LB001')) wrongSyntax.push(row.localPath);
    }
    assert.deepEqual(wrongSyntax, []);
    const rules = Object.keys(byRule).sort().map((k) => `${k}=${byRule[k]}`).join(' ');
    console.log(`traefik corpus: ${rows.length} files, ${detected} detected, ${routes} routes, ${pools} pools, diagnostics: ${rules || 'none'}`);
  });
});
