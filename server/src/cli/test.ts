import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import type { Range } from '../model/types';
import type { DocumentAnalysis } from '../service/languageService';
import { looksBinary, MAX_FILE_BYTES } from '../service/languageService';
import {
  checkRouteTestFile,
  LBT_MALFORMED,
  summarize,
  isRouteTestFile,
  type CaseResult,
  type RouteTestRun,
  type RunSummary,
  type TestProblem,
} from '../service/routeTests';
import type { RouteAnswer } from '../service/routing';
import { pathToUri, uriToPath } from '../service/uri';
import { UsageError, type ParsedArgs } from './args';
import { walkFiles } from './walk';

/** What `test` needs from main.ts (kept there: settings and reading a config the CLI way). */
export interface TestDeps {
  cwd: string;
  out: (s: string) => void;
  err: (s: string) => void;
  /** Analyse a config file; throws with a message for people when it cannot be read or is not a config. */
  analyze: (path: string) => DocumentAnalysis;
}

export const testOptions = ['format', 'config'];

/** One test file's run, with paths as the report prints them. */
interface FileReport {
  path: string;
  run: RouteTestRun;
  /** Why the file itself could not be read (then `run` is empty). */
  unreadable?: string;
}

/**
 * `lb-lens test [PATHS…] [--format text|json|junit]`: run the route tests (`*.lbtest.yaml`, `*.lbtest.yml`) found
 * under the paths (default: the current folder; a file given by name runs whatever its name). Exit 0 when every
 * case passes, 1 when an assertion fails, 2 on usage errors, when no test file is found, or when a case could not
 * run (malformed case, unreadable config) — stderr says which.
 */
export function testCommand(args: ParsedArgs, deps: TestDeps): number {
  const format = args.options.format?.[0] ?? 'text';
  if (!['text', 'json', 'junit'].includes(format)) throw new UsageError(`unknown --format "${format}" (text, json or junit)`);
  const given = args.positionals.length ? args.positionals : ['.'];
  const paths = given.map((p) => resolve(deps.cwd, p));
  for (const [i, p] of paths.entries()) if (!existsSync(p)) throw new UsageError(`no such file or folder: ${given[i]}`);
  const files: string[] = [];
  for (const p of paths) {
    if (statSync(p).isDirectory()) {
      // Only test files whose real path is inside the folder walked (a symlink out of it is not followed).
      const real = realpathSync(p);
      const inside = (r: string) => r === real || r.startsWith(real.endsWith('/') ? real : `${real}/`);
      files.push(...walkFiles(p, { inside }).files.filter((f) => isRouteTestFile(f)));
    }
    else files.push(p);
  }
  const unique = [...new Set(files)];
  if (!unique.length) {
    deps.err(`lb-lens: no route test files (*.lbtest.yaml, *.lbtest.yml) under ${given.join(', ')}`);
    return 2;
  }

  const shown = (path: string) => relative(deps.cwd, path) || path;
  // A test may name any config inside the folders being tested (the current folder and the paths given), never
  // one outside them (real paths, after symbolic links): a test file from elsewhere cannot make the CLI read /etc.
  const allowed = [deps.cwd, ...paths.map((p) => (statSync(p).isDirectory() ? p : dirname(p)))].map(real);
  const inside = (path: string) => allowed.some((root) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep));
  const analyses = new Map<string, DocumentAnalysis | { error: string }>();
  const provide = (uri: string): DocumentAnalysis | { error: string } => {
    const path = uriToPath(uri);
    let a = analyses.get(path);
    if (a) return a;
    if (!existsSync(path)) a = { error: 'no such file' };
    else if (statSync(path).isDirectory()) a = { error: 'is a folder, not a config file' };
    else if (!inside(real(path))) a = { error: 'is outside the folders being tested (the current folder and the paths given)' };
    else {
      try {
        a = deps.analyze(path);
      } catch (e) {
        a = { error: (e as Error).message.replace(`${shown(path)} `, '').replace(/^cannot read [^:]*: /, 'cannot be read: ') };
      }
    }
    analyses.set(path, a);
    return a;
  };
  const show = (uri: string) => shown(uriToPath(uri));

  const reports: FileReport[] = [];
  for (const path of unique) {
    const uri = pathToUri(path);
    const text = readTestFile(path);
    if (typeof text !== 'string') {
      reports.push({ path: shown(path), unreadable: text.error, run: { uri, cases: [], problems: [{ code: LBT_MALFORMED, message: `cannot read the test file: ${text.error}`, range: ZERO }], configs: [], reads: [] } });
      continue;
    }
    reports.push({ path: shown(path), run: checkRouteTestFile(uri, text, provide, show) });
  }

  const summary = summarize(reports.map((r) => r.run));
  if (format === 'json') deps.out(renderJson(reports, show));
  else if (format === 'junit') deps.out(renderJunit(reports, summary));
  else deps.out(renderText(reports, summary));

  if (summary.errors || summary.fileErrors) {
    // Say which, also when stdout is JSON or JUnit for a CI tool.
    const reasons = new Set<string>();
    for (const r of reports) {
      for (const p of r.run.problems) reasons.add(`${r.path}:${p.range.start.line + 1}: ${p.message}`);
      for (const c of r.run.cases) if (c.status === 'error') for (const f of c.failures) reasons.add(`${r.path}:${f.range.start.line + 1}: ${f.message}`);
    }
    const list = [...reasons];
    deps.err(`lb-lens: ${couldNotRun(summary)}:\n${list.slice(0, 20).map((x) => `  ${x}`).join('\n')}${list.length > 20 ? `\n  … and ${list.length - 20} more` : ''}`);
    return 2;
  }
  return summary.failed ? 1 : 0;
}

const ZERO: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function readTestFile(path: string): string | { error: string } {
  try {
    if (statSync(path).size > MAX_FILE_BYTES) return { error: `larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB` };
    const text = readFileSync(path, 'utf8');
    if (looksBinary(text)) return { error: 'binary file' };
    return text;
  } catch (e) {
    return { error: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
  }
}

// ---- text ----------------------------------------------------------------------------------------------------------

const MARK: Record<CaseResult['status'], string> = { pass: '✓', fail: '✗', error: '!' };

function renderText(reports: FileReport[], s: RunSummary): string {
  const out: string[] = [];
  for (const r of reports) {
    out.push(r.path);
    for (const p of r.run.problems) out.push(`  ! line ${p.range.start.line + 1}: ${p.message} [${p.code}]`);
    for (const c of r.run.cases) {
      out.push(`  ${MARK[c.status]} ${c.name}${c.status === 'error' ? '  (could not run)' : ''}`);
      for (const f of c.failures) out.push(`      line ${f.range.start.line + 1}: ${f.message}`);
    }
    out.push('');
  }
  out.push(summaryLine(s));
  return out.join('\n');
}

function summaryLine(s: RunSummary): string {
  const parts = [`${s.passed} passed`];
  if (s.failed) parts.push(`${s.failed} failed`);
  if (s.errors) parts.push(`${s.errors} could not run`);
  const files = s.fileErrors ? `; ${s.fileErrors} test file${s.fileErrors === 1 ? ' has' : 's have'} errors` : '';
  return `${s.tests} test${s.tests === 1 ? '' : 's'}: ${parts.join(', ')}${files}`;
}

function couldNotRun(s: RunSummary): string {
  const parts: string[] = [];
  if (s.errors) parts.push(`${s.errors} test${s.errors === 1 ? '' : 's'} could not run`);
  if (s.fileErrors) parts.push(`${s.fileErrors} test file${s.fileErrors === 1 ? ' has' : 's have'} errors`);
  return parts.join(', ');
}

// ---- JSON (stable: fields are only ever added) ---------------------------------------------------------------------

const where = (r: Range) => ({ line: r.start.line + 1, column: r.start.character + 1, endLine: r.end.line + 1, endColumn: r.end.character + 1 });

function renderJson(reports: FileReport[], show: (uri: string) => string): string {
  const files = reports.map((r) => ({
    path: r.path,
    problems: r.run.problems.map((p: TestProblem) => ({ code: p.code, message: p.message, ...where(p.range) })),
    tests: r.run.cases.map((c) => ({
      name: c.name,
      line: c.nameRange.start.line + 1,
      status: c.status,
      ...(c.request !== undefined ? { request: c.request } : {}),
      ...(c.config !== undefined ? { config: show(c.config) } : {}),
      failures: c.failures.map((f) => ({ code: f.code, message: f.message, ...where(f.range) })),
      ...(c.actual ? { actual: c.actual.map(actualJson) } : {}),
    })),
  }));
  return JSON.stringify({ files, summary: summarize(reports.map((r) => r.run)) }, null, 2);
}

function actualJson(a: RouteAnswer) {
  return {
    entry: a.entry.name,
    outcome: a.outcome,
    ...(a.status !== undefined ? { status: a.status } : {}),
    route: a.route ? { name: a.route.name, file: a.route.file, line: a.route.line } : null,
    pools: a.pools,
    servers: a.servers.map((s) => ({ ...(s.name !== undefined ? { name: s.name } : {}), address: s.address, pool: s.pool, share: s.share, state: s.state, ...(s.failed ? { failed: true } : {}) })),
  };
}

// ---- JUnit XML (testsuites/testsuite/testcase/failure|error, as Jenkins, GitLab, GitHub test reporters read it) --

/** XML 1.0 text/attribute escaping; characters XML 1.0 cannot hold at all are dropped. */
function xml(s: string): string {
  return s
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const secs = (ms: number) => (ms / 1000).toFixed(3);

function renderJunit(reports: FileReport[], s: RunSummary): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const total = reports.reduce((t, r) => t + r.run.cases.reduce((x, c) => x + c.durationMs, 0), 0);
  lines.push(`<testsuites name="lb-lens route tests" tests="${s.tests + s.fileErrors}" failures="${s.failed}" errors="${s.errors + s.fileErrors}" time="${secs(total)}">`);
  for (const r of reports) {
    // Problems outside any case (unreadable file, no `tests` list…) are one errored test case of the suite.
    const fileErr = r.run.problems;
    const failed = r.run.cases.filter((c) => c.status === 'fail').length;
    const errors = r.run.cases.filter((c) => c.status === 'error').length + (fileErr.length ? 1 : 0);
    const time = r.run.cases.reduce((x, c) => x + c.durationMs, 0);
    lines.push(`  <testsuite name="${xml(r.path)}" tests="${r.run.cases.length + (fileErr.length ? 1 : 0)}" failures="${failed}" errors="${errors}" skipped="0" time="${secs(time)}" file="${xml(r.path)}">`);
    if (fileErr.length) {
      lines.push(`    <testcase name="(test file)" classname="${xml(r.path)}" file="${xml(r.path)}" line="${fileErr[0].range.start.line + 1}" time="0.000">`);
      lines.push(`      <error type="${fileErr[0].code}" message="${xml(fileErr[0].message)}">${xml(fileErr.map((p) => `${r.path}:${p.range.start.line + 1}: ${p.message}`).join('\n'))}</error>`);
      lines.push('    </testcase>');
    }
    for (const c of r.run.cases) {
      const head = `    <testcase name="${xml(c.name)}" classname="${xml(r.path)}" file="${xml(r.path)}" line="${c.nameRange.start.line + 1}" time="${secs(c.durationMs)}"`;
      if (c.status === 'pass') {
        lines.push(`${head}/>`);
        continue;
      }
      const tag = c.status === 'fail' ? 'failure' : 'error';
      const body = c.failures.map((f) => `${r.path}:${f.range.start.line + 1}: ${f.message}`).join('\n');
      lines.push(`${head}>`);
      lines.push(`      <${tag} type="${c.failures[0]?.code ?? ''}" message="${xml(c.failures[0]?.message ?? c.status)}">${xml(body)}</${tag}>`);
      lines.push('    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n');
}
