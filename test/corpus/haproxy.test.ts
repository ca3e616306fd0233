import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { haproxyFormat } from '../../server/src/formats/haproxy';
import { NO_FILES } from '../../server/src/formats/types';
import type { TrafficModel } from '../../server/src/model/types';
import { CORPUS_SKIP, corpusFiles, corpusPath, type OracleRow } from '../helpers/corpus';

/** Real third-party HAProxy configs checked against `haproxy -c` (ORACLE.tsv). */
describe('haproxy corpus', { skip: CORPUS_SKIP }, () => {
  const rows = corpusFiles('haproxy');
  const models = new Map<OracleRow, TrafficModel>();

  it('has haproxy files', () => {
    assert.ok(rows.length > 0);
  });

  it('parses every file without throwing', () => {
    for (const row of rows) {
      const text = readFileSync(corpusPath(row.localPath), 'utf8');
      assert.doesNotThrow(() => models.set(row, haproxyFormat.parse(`file:///${row.localPath}`, text, NO_FILES)), row.localPath);
    }
    assert.equal(models.size, rows.length);
  });

  const flagged = (m: TrafficModel | undefined): boolean => !!m?.problems.some((p) => p.ruleId === 'LB001' || p.ruleId === 'LB002');

  it('reports no LB001/LB002 on files haproxy -c accepts', () => {
    const valid = rows.filter((r) => r.verdict === 'valid');
    const wrong = valid.filter((r) => flagged(models.get(r))).map((r) => {
      const p = models.get(r)!.problems[0];
      return `${r.localPath}:${p.source.range.start.line + 1}: ${p.ruleId} ${p.message}`;
    });
    assert.deepEqual(wrong, []);
    const invalid = rows.filter((r) => r.verdict === 'invalid');
    const caught = invalid.filter((r) => flagged(models.get(r))).length;
    console.log(`haproxy corpus: ${rows.length} files, valid without LB001/LB002: ${valid.length - wrong.length}/${valid.length}, invalid flagged: ${caught}/${invalid.length}`);
  });
});
