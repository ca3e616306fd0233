import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeModel } from '../../server/src/analysis/analyze';
import { istioFormat } from '../../server/src/formats/istio';
import { NO_FILES } from '../../server/src/formats/types';
import { detectFormat } from '../../server/src/service/formats';
import { CORPUS_SKIP, corpusFiles, corpusPath } from '../helpers/corpus';

/** Real third-party Istio configs (ORACLE.tsv: YAML-valid). Every file is processed; findings are summarised. */
describe('istio corpus', { skip: CORPUS_SKIP }, () => {
  const rows = corpusFiles('istio');

  it('has istio files', () => {
    assert.ok(rows.length > 0);
  });

  it('processes every file without a crash and without LB001/LB002 on YAML-valid files', () => {
    let detected = 0;
    let routes = 0;
    let pools = 0;
    const byRule = new Map<string, Set<string>>();
    const counts = new Map<string, number>();
    const wrong: string[] = [];
    for (const row of rows) {
      const text = readFileSync(corpusPath(row.localPath), 'utf8');
      const uri = `file:///${row.localPath}`;
      if (detectFormat(uri, text)?.id !== 'istio') continue;
      detected++;
      const model = istioFormat.parse(uri, text, NO_FILES);
      routes += model.routes.length;
      pools += model.pools.length;
      for (const d of analyzeModel(model).diagnostics) {
        counts.set(d.ruleId, (counts.get(d.ruleId) ?? 0) + 1);
        if (!byRule.has(d.ruleId)) byRule.set(d.ruleId, new Set());
        byRule.get(d.ruleId)!.add(row.localPath.split('/').pop()!);
        if (d.ruleId === 'LB001' && row.verdict === 'valid') wrong.push(`${row.localPath}:${d.range.start.line + 1}: ${d.message}`);
      }
    }
    const summary = [...counts].sort().map(([id, n]) => `${id}×${n}`).join(' ') || 'none';
    console.log(`istio corpus: ${rows.length} files, detected ${detected}, routes ${routes}, pools ${pools}, diagnostics: ${summary}`);
    for (const [id, files] of [...byRule].sort()) console.log(`  ${id}: ${[...files].sort().join(', ')}`);
    assert.deepEqual(wrong, []);
    assert.ok(detected > 0);
  });
});
