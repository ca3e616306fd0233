/**
 * Routes a few requests through every nginx config of the shared corpus and counts what happens (a smoke check of
 * the routing engine on real configs: nothing may throw, and outcomes should be plausible). Also counts diagnostics
 * per rule, to compare lowering changes before/after.
 *
 *   node --import tsx scripts/corpus-routes-nginx.ts [CORPUS_DIR]     (default: ../shared/corpus)
 *
 * Each file is analysed on its own (includes unresolved). Requests: for each site, its first exact name (or
 * "example.test"), on each bind's port and scheme, with "/", "/index.html", a path per exact/prefix location and one
 * path under each prefix, GET and POST.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { routeRequest } from '../server/src/analysis/routing/engine';
import { parseRequest } from '../server/src/analysis/routing/request';
import { LanguageService } from '../server/src/service/languageService';
import type { FileSystem } from '../server/src/service/fileSystem';

const corpus = resolve(process.argv[2] ?? resolve(import.meta.dirname, '..', '..', 'shared', 'corpus'));
const rows = readFileSync(resolve(corpus, 'MANIFEST.tsv'), 'utf8').split('\n').slice(1).map((l) => l.split('\t')).filter((c) => c[0] === 'nginx' && c[4]);
const valid = new Set(readFileSync(resolve(corpus, 'ORACLE.tsv'), 'utf8').split('\n').map((l) => l.split('\t')).filter((c) => c[2] === 'valid').map((c) => c[0]));

const stats = { files: 0, nginxFiles: 0, requests: 0, results: 0, thrown: 0, undecidable: 0, ms: 0 };
const outcomes = new Map<string, number>();
const rules = new Map<string, number>();
const newProblemsOnValid: string[] = [];
const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

for (const c of rows) {
  const local = c[4];
  const text = readFileSync(resolve(corpus, local), 'utf8');
  const uri = `file:///corpus/${local}`;
  const fs: FileSystem = { readFile: (u) => (u === uri ? text : undefined), readDirectory: () => [] };
  const service = new LanguageService({ fileSystem: fs, roots: () => ['file:///corpus'] });
  stats.files++;
  const a = service.analyze({ uri, text, languageId: 'nginx' });
  if (!a || a.format.id !== 'nginx') continue;
  stats.nginxFiles++;
  for (const d of a.diagnostics) bump(rules, d.ruleId);
  if (valid.has(local)) {
    for (const p of a.model.problems) {
      if (/server name or wildcard|duplicate default server|invalid condition|unexpected ".*" in condition|invalid return code|in "rewrite" directive|invalid parameter "[^"]*"$/.test(p.message)) newProblemsOnValid.push(`${local}:${p.source.range.start.line + 1}: ${p.message}`);
    }
  }
  const paths = new Set(['/', '/index.html', '/api/v1/users?x=1']);
  for (const r of a.model.routes) {
    const w = r.when;
    if (w?.kind === 'test' && w.field === 'path' && (w.match.op === 'exact' || w.match.op === 'prefix')) {
      if (/\s/.test(w.match.value)) continue;
      paths.add(w.match.value.startsWith('/') ? w.match.value : `/${w.match.value}`);
      if (w.match.op === 'prefix') paths.add(`${w.match.value.replace(/\/?$/, '/')}x/y.png`);
    }
    if (paths.size > 40) break;
  }
  const targets: Array<{ host: string; port: number; scheme: string }> = [];
  for (const e of a.model.entries) {
    const site = a.model.sites?.find((s) => s.entryId === e.id);
    const exact = site?.hosts.find((h) => h.kind === 'exact' && h.value);
    const host = exact?.value ?? 'example.test';
    for (const b of e.binds ?? [{ port: 80 }]) targets.push({ host, port: b.port ?? 80, scheme: b.tls ? 'https' : 'http' });
    if (targets.length > 10) break;
  }
  const t0 = performance.now();
  for (const t of targets) {
    for (const path of paths) {
      for (const method of ['GET', 'POST']) {
        stats.requests++;
        try {
          const req = parseRequest(`${method} ${t.scheme}://${t.host}${path}`, { port: t.port });
          for (const res of routeRequest(a.model, a.index, req)) {
            stats.results++;
            bump(outcomes, `${res.outcome}${res.status ? ` ${res.status}` : ''}`);
            if (res.undecidable.length) stats.undecidable++;
          }
        } catch (e) {
          stats.thrown++;
          console.error(`${local}: ${method} ${t.scheme}://${t.host}${path}: ${(e as Error).stack}`);
        }
      }
    }
  }
  stats.ms += performance.now() - t0;
}

console.log(JSON.stringify({ ...stats, ms: Math.round(stats.ms) }));
console.log('outcomes', JSON.stringify(Object.fromEntries([...outcomes].sort((x, y) => y[1] - x[1]))));
console.log('diagnostics', JSON.stringify(Object.fromEntries([...rules].sort())));
console.log(`new LB002 on files nginx accepts: ${newProblemsOnValid.length}`);
for (const p of newProblemsOnValid) console.log(`  ${p}`);
