/**
 * `node --import tsx scripts/corpus-report.ts [format…]`: runs the language service over every corpus file of
 * the given formats (default nginx and haproxy) and prints, per format, how many routes and pools the files
 * yield and which rules fire on which files — the numbers behind the README's conformance section.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createNodeFileSystem } from '../server/src/node/nodeFileSystem';
import { LanguageService } from '../server/src/service/languageService';
import { pathToUri } from '../server/src/service/uri';
import { CORPUS_DIR, corpusFiles, corpusPath, HAVE_CORPUS } from '../test/helpers/corpus';

if (!HAVE_CORPUS) {
  console.log('corpus not present (../shared/corpus): nothing to report');
  process.exit(0);
}
const formats = process.argv.slice(2).length ? process.argv.slice(2) : ['nginx', 'haproxy'];
const verbose = process.env.VERBOSE === '1';
for (const format of formats) {
  const rows = corpusFiles(format);
  let routes = 0;
  let pools = 0;
  let servers = 0;
  const byRule = new Map<string, Map<string, number>>();
  for (const row of rows) {
    const path = corpusPath(row.localPath);
    const service = new LanguageService({ fileSystem: createNodeFileSystem({ roots: () => [dirname(path)] }), roots: () => [pathToUri(dirname(path))] });
    const a = service.analyze({ uri: pathToUri(path), text: readFileSync(path, 'utf8'), languageId: format });
    if (!a) continue;
    routes += a.model.routes.filter((r) => r.target.kind !== 'none').length;
    pools += a.model.pools.filter((p) => !p.synthesized).length;
    servers += a.model.pools.reduce((n, p) => n + p.servers.length, 0);
    for (const d of a.ownDiagnostics) {
      const m = byRule.get(d.ruleId) ?? new Map<string, number>();
      m.set(`${row.localPath} [${row.verdict}]`, (m.get(`${row.localPath} [${row.verdict}]`) ?? 0) + 1);
      byRule.set(d.ruleId, m);
      if (verbose) console.log(`${row.localPath}:${d.range.start.line + 1} [${row.verdict}] ${d.severity} ${d.ruleId} ${d.message}`);
    }
  }
  console.log(`\n${format}: ${rows.length} files, ${routes} routes with a target, ${pools} pools, ${servers} servers`);
  for (const [rule, files] of [...byRule].sort()) {
    const total = [...files.values()].reduce((a, b) => a + b, 0);
    console.log(`  ${rule}: ${total} findings in ${files.size} files`);
    if (process.env.FILES === '1') for (const [f, n] of files) console.log(`      ${n} × ${f}`);
  }
}
void CORPUS_DIR;
