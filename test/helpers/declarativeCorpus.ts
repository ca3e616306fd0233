import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeModel } from '../../server/src/analysis/analyze';
import { NO_FILES, type FormatParser } from '../../server/src/formats/types';
import { detectFormat } from '../../server/src/service/formats';
import { CORPUS_SKIP, corpusFiles, corpusPath } from './corpus';

/**
 * The corpus suite every declarative format shares: each file of `corpus` (a folder of ../shared/corpus) that the
 * service detects as `format` is parsed and analysed without a crash, files the YAML/TOML syntax oracle accepts
 * get no LB001, and one summary line (files, detected, routes, pools, findings by rule with their files) is
 * printed for the README.
 */
export function declarativeCorpusSuite(corpus: string, format: FormatParser): void {
  describe(`${corpus} corpus`, { skip: CORPUS_SKIP }, () => {
    const rows = corpusFiles(corpus);

    it('processes every file without a crash and reports no LB001 on files the syntax oracle accepts', () => {
      assert.ok(rows.length > 0, `${corpus} files`);
      let detected = 0;
      let routes = 0;
      let pools = 0;
      const files = new Map<string, Set<string>>();
      const counts = new Map<string, number>();
      const wrong: string[] = [];
      for (const row of rows) {
        const text = readFileSync(corpusPath(row.localPath), 'utf8');
        const uri = `file:///${row.localPath}`;
        if (detectFormat(uri, text)?.id !== format.id) continue;
        detected++;
        const model = format.parse(uri, text, NO_FILES);
        routes += model.routes.length;
        pools += model.pools.length;
        for (const d of analyzeModel(model).diagnostics) {
          counts.set(d.ruleId, (counts.get(d.ruleId) ?? 0) + 1);
          if (!files.has(d.ruleId)) files.set(d.ruleId, new Set());
          files.get(d.ruleId)!.add(row.localPath.split('/').pop()!);
          if (d.ruleId === 'LB001' && row.verdict === 'valid') wrong.push(`${row.localPath}:${d.range.start.line + 1}: ${d.message}`);
        }
      }
      const summary = [...counts].sort().map(([id, n]) => `${id}×${n}`).join(' ') || 'none';
      console.log(`${corpus} corpus: ${rows.length} files, detected ${detected}, routes ${routes}, pools ${pools}, diagnostics: ${summary}`);
      for (const [id, names] of [...files].sort()) console.log(`  ${id}: ${[...names].sort().join(', ')}`);
      assert.deepEqual(wrong, []);
      assert.ok(detected > 0);
    });
  });
}
