import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The shared corpus of real third-party configs, read in place; absent in a user's clone. `LB_LENS_CORPUS` names
 * it where it is not next to the clone (a git worktree elsewhere).
 */
export const CORPUS_DIR = process.env.LB_LENS_CORPUS ? resolve(process.env.LB_LENS_CORPUS) : resolve(__dirname, '..', '..', '..', 'shared', 'corpus');
export const HAVE_CORPUS = existsSync(resolve(CORPUS_DIR, 'ORACLE.tsv'));
export const CORPUS_SKIP = HAVE_CORPUS ? false : 'skipped: ../shared/corpus is not present in this clone';

export interface OracleRow {
  localPath: string;
  format: string;
  tool: string;
  verdict: 'valid' | 'invalid' | 'env-error';
  firstError: string;
  detail: string;
}

/** Rows of ORACLE.tsv joined with MANIFEST.tsv's format column. */
export function corpusFiles(format: string): OracleRow[] {
  if (!HAVE_CORPUS) return [];
  const formats = new Map<string, string>();
  for (const line of readFileSync(resolve(CORPUS_DIR, 'MANIFEST.tsv'), 'utf8').split('\n').slice(1)) {
    const cols = line.split('\t');
    if (cols.length > 4) formats.set(cols[4], cols[0]);
  }
  const rows: OracleRow[] = [];
  for (const line of readFileSync(resolve(CORPUS_DIR, 'ORACLE.tsv'), 'utf8').split('\n').slice(1)) {
    const [localPath, tool, verdict, firstError = '', detail = ''] = line.split('\t');
    if (!localPath) continue;
    const f = formats.get(localPath) ?? localPath.split('/')[0];
    if (f === format) rows.push({ localPath, format: f, tool, verdict: verdict as OracleRow['verdict'], firstError, detail });
  }
  return rows;
}

export function corpusPath(localPath: string): string {
  return resolve(CORPUS_DIR, localPath);
}
