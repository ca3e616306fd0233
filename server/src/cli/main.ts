import { existsSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { Diagnostic } from '../analysis/analyze';
import { mergeSettings, type AnalysisSettings } from '../analysis/settings';
import { nodeFileSystem } from '../node/nodeFileSystem';
import { findProjectConfig, readProjectConfig, type ProjectConfig } from '../node/projectConfig';
import { LanguageService, looksBinary, MAX_FILE_BYTES, type DocumentAnalysis } from '../service/languageService';
import { buildPreview, resolveFailed } from '../service/preview';
import { pathToUri, uriToPath } from '../service/uri';
import { parseArgs, UsageError, type ParsedArgs } from './args';
import { renderCheckJson, renderCheckText, renderSarif, type CheckedFile } from './checkOutput';
import { diffCommand } from './diff';
import { renderPreviewText } from './previewOutput';
import { routeCommand, routeOptions } from './route';
import { testCommand, testOptions } from './test';
import { globToRegExp, walkFiles } from './walk';

const VERSION = '0.1.0';

const HELP = `lb-lens ${VERSION} — catch load-balancer misconfigurations before they ship

Usage:
  lb-lens check <files or folders…> [--format text|json|sarif] [--fail-on error|warning|info|never] [--config <file>]
  lb-lens preview <file> [--format text|json] [--fail <address or server name>]…
  lb-lens diff [paths…] [--base <rev>] [--head <rev>] [--format text|json|markdown] [--fail-on-shift <points>]
  lb-lens route <file> --request "[METHOD] URL" [--header "Name: value"]… [--sni <name>] [--port <n>] [--entry <name>]
                [--fail <server>]… [--format text|json]
  lb-lens test [files or folders…] [--format text|json|junit]
  lb-lens --help | --version

check    Analyse configs (folders are walked, each file's format detected by content) and print findings.
         Exit 0 when nothing reaches --fail-on (default: error), 1 when something does, 2 on usage or I/O errors.
preview  Print, for every route, the share of requests each server receives; --fail simulates a failed server
         (repeatable; a server name, pool/name, or address).
diff     Compare the traffic distribution of two git revisions (default: --base HEAD, --head the working tree),
         matching routes by file, entry point, match and pool: each server's share before and after, routes that
         appeared or vanished, findings introduced or resolved. markdown is a compact pull-request comment.
         Exit 1 when a server's share moves more than --fail-on-shift percentage points, when a route becomes
         single-target (LB101) or unreachable (LB104), or when a new error appears; 2 on usage or git errors.
route    Which entry point, route, pool and servers take one request, with the trace of the rules considered
         (--port is the connection's port when it differs from the URL's; --entry picks one entry point).
         Exit 0 when it is routed or answered, 1 when nothing routes it (no route, no usable server), 2 on usage errors.
test     Run the route tests (*.lbtest.yaml: requests and the route, pool and server shares they must get; see
         docs/route-tests.md) under the paths (default: the current folder). Exit 0 when all pass, 1 when one fails,
         2 on usage errors, when no test file is found, or when a test cannot run (malformed, unreadable config).

Settings come from the nearest .lb-lens.json ({"rules": {"LB108": "off", "LB102": {"threshold": 0.9}}, "exclude": ["vendor/**"]}).`;

class IoError extends Error {}

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  cwd: string;
}

const SEVERITY_RANK: Record<string, number> = { hint: 0, info: 1, warning: 2, error: 3 };

function loadConfig(args: ParsedArgs, cwd: string, firstPath: string): ProjectConfig {
  const explicit = args.options.config?.[0];
  if (explicit) {
    const p = resolve(cwd, explicit);
    if (!existsSync(p)) throw new IoError(`config file not found: ${explicit}`);
    return readProjectConfig(p);
  }
  const start = existsSync(firstPath) && statSync(firstPath).isDirectory() ? firstPath : dirname(firstPath);
  const found = findProjectConfig(start);
  return found ? readProjectConfig(found) : {};
}

function makeService(roots: string[]): LanguageService {
  return new LanguageService({ fileSystem: nodeFileSystem, roots: () => roots });
}

/** Read a file as the CLI does: a clear reason when it cannot be analysed. */
function readText(path: string): { text?: string; skip?: string } {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new IoError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (st.size > MAX_FILE_BYTES) return { skip: `larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB` };
  const text = nodeFileSystem.readFile(pathToUri(path));
  if (text === undefined) throw new IoError(`cannot read ${path}`);
  if (looksBinary(text)) return { skip: 'binary file' };
  return { text };
}

function check(args: ParsedArgs, io: Io): number {
  if (args.positionals.length === 0) throw new UsageError('check needs at least one file or folder');
  const format = args.options.format?.[0] ?? 'text';
  if (!['text', 'json', 'sarif'].includes(format)) throw new UsageError(`unknown --format "${format}" (text, json or sarif)`);
  const failOn = args.options['fail-on']?.[0] ?? 'error';
  if (!['error', 'warning', 'info', 'never'].includes(failOn)) throw new UsageError(`unknown --fail-on "${failOn}" (error, warning, info or never)`);

  const paths = args.positionals.map((p) => resolve(io.cwd, p));
  for (const p of paths) if (!existsSync(p)) throw new IoError(`no such file or folder: ${relative(io.cwd, p) || p}`);
  const config = loadConfig(args, io.cwd, paths[0]);
  const settings: AnalysisSettings = mergeSettings(config);
  const excludes = (config.exclude ?? []).map(globToRegExp);
  const roots = paths.map((p) => pathToUri(statSync(p).isDirectory() ? p : dirname(p)));
  const service = makeService(roots);

  const byPath = new Map<string, CheckedFile>();
  const seen = new Set<string>();
  const add = (path: string, formatId: string, d?: Diagnostic) => {
    const rel = relative(io.cwd, path) || path;
    let f = byPath.get(rel);
    if (!f) byPath.set(rel, (f = { path: rel, format: formatId, diagnostics: [] }));
    if (!d) return;
    const key = `${d.uri}|${d.ruleId}|${d.range.start.line}|${d.range.start.character}|${d.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    f.diagnostics.push(d);
  };

  for (const root of paths) {
    const isDir = statSync(root).isDirectory();
    const files = walkFiles(root, (p) => excludes.some((re) => re.test(relative(root, p).split('\\').join('/'))));
    for (const path of files) {
      const { text, skip } = readText(path);
      if (text === undefined) {
        if (!isDir) io.err(`lb-lens: skipped ${relative(io.cwd, path)}: ${skip}`);
        continue;
      }
      const uri = pathToUri(path);
      const a: DocumentAnalysis | undefined = service.analyze({ uri, text }, settings);
      if (!a) {
        if (!isDir) io.err(`lb-lens: skipped ${relative(io.cwd, path)}: not a recognised load-balancer configuration`);
        continue;
      }
      add(path, a.format.id);
      for (const d of a.diagnostics) add(uriToPath(d.uri), a.format.id, d);
    }
  }

  const files = [...byPath.values()].sort((x, y) => x.path.localeCompare(y.path));
  for (const f of files) f.diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  if (format === 'json') io.out(renderCheckJson(files));
  else if (format === 'sarif') io.out(renderSarif(files, VERSION));
  else io.out(renderCheckText(files));

  if (failOn === 'never') return 0;
  const threshold = SEVERITY_RANK[failOn];
  return files.some((f) => f.diagnostics.some((d) => SEVERITY_RANK[d.severity] >= threshold)) ? 1 : 0;
}

function preview(args: ParsedArgs, io: Io): number {
  if (args.positionals.length !== 1) throw new UsageError('preview takes exactly one file');
  const format = args.options.format?.[0] ?? 'text';
  if (!['text', 'json'].includes(format)) throw new UsageError(`unknown --format "${format}" (text or json)`);
  const path = resolve(io.cwd, args.positionals[0]);
  if (!existsSync(path)) throw new IoError(`no such file: ${args.positionals[0]}`);
  if (statSync(path).isDirectory()) throw new UsageError('preview takes a file, not a folder');
  const { text, skip } = readText(path);
  if (text === undefined) throw new IoError(`cannot preview ${args.positionals[0]}: ${skip}`);
  const config = loadConfig(args, io.cwd, path);
  const service = makeService([pathToUri(dirname(path))]);
  const a = service.analyze({ uri: pathToUri(path), text }, mergeSettings(config));
  if (!a) throw new IoError(`${args.positionals[0]} is not a recognised load-balancer configuration`);
  const failed = args.options.fail ?? [];
  const { unknown } = resolveFailed(a.index, failed);
  if (unknown.length) throw new UsageError(`--fail: no server matches ${unknown.map((u) => `"${u}"`).join(', ')}`);
  const file = buildPreview(a, relative(io.cwd, path) || path, failed);
  if (format === 'json') {
    io.out(JSON.stringify({ files: [file] }, null, 2));
  } else {
    io.out(renderPreviewText(file, failed));
  }
  return 0;
}

/** Read and analyse one file the way `preview` does (its folder is the boundary; settings from .lb-lens.json). */
function analyzeOne(args: ParsedArgs, io: Io, path: string): DocumentAnalysis {
  const shown = relative(io.cwd, path) || path;
  const { text, skip } = readText(path);
  if (text === undefined) throw new IoError(`cannot read ${shown}: ${skip}`);
  const config = loadConfig(args, io.cwd, path);
  const a = makeService([pathToUri(dirname(path))]).analyze({ uri: pathToUri(path), text }, mergeSettings(config));
  if (!a) throw new IoError(`${shown} is not a recognised load-balancer configuration`);
  return a;
}

/** Runs the CLI; resolves to the exit code. Never throws. */
export async function main(argv: string[], io: Io = { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`), cwd: process.cwd() }): Promise<number> {
  try {
    const args = parseArgs(argv, {
      check: ['format', 'fail-on', 'config'],
      preview: ['format', 'fail', 'config'],
      diff: ['format', 'base', 'head', 'fail-on-shift', 'config'],
      route: routeOptions,
      test: testOptions,
    });
    if (args.options.help || argv.length === 0) {
      io.out(HELP);
      return argv.length === 0 ? 2 : 0;
    }
    if (args.options.version) {
      io.out(VERSION);
      return 0;
    }
    switch (args.command) {
      case 'check':
        return check(args, io);
      case 'preview':
        return preview(args, io);
      case 'diff':
        return diffCommand(args, io);
      case 'route':
        return routeCommand(args, { cwd: io.cwd, out: io.out, analyze: (path) => analyzeOne(args, io, path) });
      case 'test':
        return testCommand(args, { cwd: io.cwd, out: io.out, err: io.err, analyze: (path) => analyzeOne(args, io, path) });
      default:
        throw new UsageError(`unknown command "${args.command}" (check, preview, diff, route or test)`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`lb-lens: ${e.message}\nRun "lb-lens --help" for usage.`);
      return 2;
    }
    io.err(`lb-lens: ${(e as Error).message}`);
    return 2;
  }
}
