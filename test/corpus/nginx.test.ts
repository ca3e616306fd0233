import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { nginxFormat } from '../../server/src/formats/nginx';
import type { FileSystem } from '../../server/src/service/fileSystem';
import { createFormatHost } from '../../server/src/service/host';
import { pathToUri, uriToPath } from '../../server/src/service/uri';
import type { TrafficModel } from '../../server/src/model/types';
import { CORPUS_DIR, CORPUS_SKIP, corpusFiles, corpusPath, type OracleRow } from '../helpers/corpus';

/**
 * The corpus keeps each repository's files flattened (`conf.d/a.conf` → `conf.d__a.conf`). To let includes
 * work as in the original repository, each repository is mounted read-only at `/corpus/<owner__repo>/` with
 * its original paths (from MANIFEST.tsv), and the format reads it through the service's own FormatHost.
 */
const VIRTUAL_ROOT = '/corpus';

function repositoryFileSystems(): Map<string, { fs: FileSystem; virtualPath: Map<string, string> }> {
  const byRepo = new Map<string, Map<string, string>>(); // repo dir → virtual path → local path
  for (const line of readFileSync(resolve(CORPUS_DIR, 'MANIFEST.tsv'), 'utf8').split('\n').slice(1)) {
    const [format, , , pathInRepo, localPath] = line.split('\t');
    if (format !== 'nginx' || !localPath) continue;
    const repoDir = localPath.split('/')[1];
    const files = byRepo.get(repoDir) ?? new Map<string, string>();
    files.set(`${VIRTUAL_ROOT}/${repoDir}/${pathInRepo}`, corpusPath(localPath));
    byRepo.set(repoDir, files);
  }
  const result = new Map<string, { fs: FileSystem; virtualPath: Map<string, string> }>();
  for (const [repoDir, files] of byRepo) {
    const fs: FileSystem = {
      readFile(uri) {
        const local = files.get(uriToPath(uri));
        return local === undefined ? undefined : readFileSync(local, 'utf8');
      },
      readDirectory(uri) {
        const dir = `${uriToPath(uri).replace(/\/$/, '')}/`;
        const entries = new Map<string, boolean>();
        for (const path of files.keys()) {
          if (!path.startsWith(dir)) continue;
          const rest = path.slice(dir.length).split('/');
          entries.set(rest[0], (entries.get(rest[0]) ?? false) || rest.length > 1);
        }
        return [...entries].map(([name, isDirectory]) => ({ name, isDirectory }));
      },
    };
    const virtualPath = new Map([...files].map(([virtual, local]) => [local, virtual]));
    result.set(repoDir, { fs, virtualPath });
  }
  return result;
}

const hasProblem = (model: TrafficModel, ...ruleIds: string[]) => model.problems.some((p) => ruleIds.includes(p.ruleId));

describe('nginx corpus', { skip: CORPUS_SKIP }, () => {
  const rows = corpusFiles('nginx');
  const repos = CORPUS_SKIP ? new Map() : repositoryFileSystems();
  const models = new Map<OracleRow, TrafficModel>();

  it('parses every file without throwing', () => {
    assert.ok(rows.length > 0);
    for (const row of rows) {
      const local = corpusPath(row.localPath);
      const repo = repos.get(row.localPath.split('/')[1])!;
      const uri = pathToUri(repo.virtualPath.get(local)!);
      const host = createFormatHost(repo.fs, () => undefined, () => [pathToUri(`${VIRTUAL_ROOT}/${row.localPath.split('/')[1]}`)]);
      const text = readFileSync(local, 'utf8');
      assert.doesNotThrow(() => models.set(row, nginxFormat.parse(uri, text, host)), row.localPath);
    }
  });

  it('reports no LB001 on files nginx accepts', () => {
    const valid = rows.filter((r) => r.verdict === 'valid');
    const wrong = valid.filter((r) => hasProblem(models.get(r)!, 'LB001'));
    const details = wrong.map((r) => `${r.localPath}: ${models.get(r)!.problems.filter((p) => p.ruleId === 'LB001').map((p) => p.message).join('; ')}`);
    const invalid = rows.filter((r) => r.verdict === 'invalid');
    const flagged = invalid.filter((r) => hasProblem(models.get(r)!, 'LB001', 'LB002'));
    console.log(
      `nginx corpus: ${rows.length} files, valid without LB001: ${valid.length - wrong.length}/${valid.length}, ` +
        `invalid flagged: ${flagged.length}/${invalid.length}`,
    );
    assert.deepEqual(details, []);
  });

  it('reports the syntax errors nginx reports', () => {
    // Files whose first nginx error is a syntax error must get an LB001 on that line.
    for (const row of rows.filter((r) => r.verdict === 'invalid' && /unexpected|unterminated/.test(r.firstError))) {
      const line = Number(/:(\d+)"?$/.exec(row.firstError)?.[1] ?? /:(\d+)\s*$/.exec(row.firstError)?.[1]);
      const model = models.get(row)!;
      const lb001 = model.problems.filter((p) => p.ruleId === 'LB001');
      assert.ok(lb001.length > 0, `${row.localPath}: expected LB001 for ${row.firstError}`);
      if (Number.isFinite(line) && !/end of file/.test(row.firstError)) {
        assert.ok(lb001.some((p) => p.source.range.start.line === line - 1), `${row.localPath}: LB001 on line ${line}`);
      }
    }
  });
});
