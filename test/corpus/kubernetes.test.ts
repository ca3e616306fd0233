import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeModel } from '../../server/src/analysis/analyze';
import { kubernetesFormat } from '../../server/src/formats/kubernetes';
import { NO_FILES } from '../../server/src/formats/types';
import { CORPUS_SKIP, corpusFiles, corpusPath } from '../helpers/corpus';

/** Real third-party Kubernetes/Gateway API files (syntax-checked in ORACLE.tsv); mostly working configuration. */
describe('k8s-gateway corpus', { skip: CORPUS_SKIP }, () => {
  const rows = corpusFiles('k8s-gateway');

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
      const score = kubernetesFormat.detect(uri, text);
      if (score < 0.5) continue;
      detected++;
      const model = kubernetesFormat.parse(uri, text, NO_FILES);
      routes += model.routes.length;
      pools += model.pools.length;
      for (const d of analyzeModel(model).diagnostics) byRule[d.ruleId] = (byRule[d.ruleId] ?? 0) + 1;
      if (row.verdict === 'valid' && model.problems.some((p) => p.ruleId === 'LB001')) wrongSyntax.push(row.localPath);
    }
    assert.deepEqual(wrongSyntax, []);
    const rules = Object.keys(byRule).sort().map((k) => `${k}=${byRule[k]}`).join(' ');
    console.log(`k8s-gateway corpus: ${rows.length} files, ${detected} detected, ${routes} routes, ${pools} pools, diagnostics: ${rules || 'none'}`);
  });
});
