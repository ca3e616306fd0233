import { existsSync, lstatSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { Diagnostic } from '../analysis/analyze';
import { mergeSettings, type AnalysisSettings } from '../analysis/settings';
import { createNodeFileSystem, type NodeFileSystem } from '../node/nodeFileSystem';
import { CONFIG_FILE, findProjectConfig, readProjectConfig, type ProjectConfig } from '../node/projectConfig';
import { FORMAT_IDS, formatById } from '../service/formats';
import { LanguageService, type DocumentAnalysis } from '../service/languageService';
import { buildPreview, resolveFailed } from '../service/preview';
import { pathToUri, uriToPath } from '../service/uri';
import { alertsCommand, alertsOptions, ALERTS_HELP, ALERTS_USAGE } from './alerts';
import { parseArgs, UsageError, type ParsedArgs } from './args';
import { renderCheckJson, renderCheckText, renderSarif, type CheckedFile, type SkippedFile } from './checkOutput';
import { diffCommand } from './diff';
import { renderPreviewText } from './previewOutput';
import { replayCommand, replayOptions } from './replay';
import { routeCommand, routeOptions } from './route';
import { cliSettings } from './settings';
import { testCommand, testOptions } from './test';
import { excludeMatcher, walkFiles } from './walk';

const VERSION = '0.1.0';

const HELP = `lb-lens ${VERSION} — catch load-balancer misconfigurations before they ship

Usage:
  lb-lens check <files or folders…> [--format text|json|sarif] [--fail-on error|warning|info|never] [--config <file>]
                [--lang <format>] [--allow-outside <folder>]…
  lb-lens preview <file> [--format text|json] [--fail <address or server name>]… [--lang <format>] [--allow-outside <folder>]…
  lb-lens diff [<rev1> [<rev2>]] [paths…] [--base <rev>] [--head <rev>] [--format text|json|markdown] [--fail-on-shift <points>] [--fail-on-move]
               [--traffic <access log>… [--log-format <format>] [--fail-on-peak-factor <x>] [--fail-on-peak-rate <req/s>]]
  lb-lens route <file> --request "[METHOD] URL" [--header "Name: value"]… [--sni <name>] [--port <n>] [--entry <name>]
                [--fail <server>]… [--format text|json]
  lb-lens test [files or folders…] [--format text|json|junit]
  lb-lens replay <file> --log <access log>… [--log-format auto|nginx-combined|nginx-json|haproxy-http|envoy|alb|traefik-json|…]
                [--format text|json] [--entry <name>] [--host <name>] [--port <n>] [--drift-alpha <a>] [--drift-min-shift <points>]
                [--fail-on-drift]
${ALERTS_HELP}
  lb-lens --help | --version

check    Analyse configs (folders are walked, each file's format detected by content, else by its name) and print
         findings, and every file that was not checked with the reason (not a configuration, binary, too large,
         not a regular file, outside the folders checked, excluded…).
         Exit 0 when nothing reaches --fail-on (default: error), 1 when something does, 2 on usage errors or when
         no file at all could be checked.
preview  Print, for every route, the share of requests each server receives; --fail simulates a failed server
         (repeatable; a server name, pool/name, or address).
diff     Compare the traffic distribution of two git revisions (default: --base HEAD, --head the working tree),
         matching routes by file, entry point, match and pool: each server's share before and after, routes that
         appeared or vanished, findings introduced or resolved. markdown is a compact pull-request comment.
         Exit 1 when a server's share moves more than --fail-on-shift percentage points, when a route becomes
         single-target (LB101) or unreachable (LB104), or when a new error appears; 2 on usage or git errors.
         It also lists the requests that change destination (the routing engine asks both revisions the example
         requests of every route); --fail-on-move exits 1 when there is any. --traffic replays access logs through
         both revisions: the share of the logged requests each move takes, each server's peak req/s before and
         after; exit 1 when a server's peak rises above --fail-on-peak-factor times its current peak, or above
         --fail-on-peak-rate req/s.
route    Which entry point, route, pool and servers take one request, with the trace of the rules considered
         (--port is the connection's port when it differs from the URL's; --entry picks one entry point).
         Exit 0 when it is routed or answered, 1 when nothing routes it (no route, no usable server), 2 on usage errors.
replay   Send the requests of access logs (plain or .gz, streamed; nginx combined or a log_format of the config,
         nginx/Envoy/Traefik JSON, HAProxy httplog/tcplog, Envoy's default format, AWS ALB, Traefik CLF — detected
         per file) through the configuration: requests, share and peak req/s per route, pool and server, and the
         requests no pool takes. Where the logs record the upstream, drift against the configured split (a
         chi-square test per pool; see docs/replay.md). Exit 0, 1 with --fail-on-drift when drift is found, 2 on
         usage errors or when no line could be read as a request.
test     Run the route tests (*.lbtest.yaml: requests and the route, pool and server shares they must get; see
         docs/route-tests.md) under the paths (default: the current folder). Exit 0 when all pass, 1 when one fails,
         2 on usage errors, when no test file is found, or when a test cannot run (malformed, unreadable config).
${ALERTS_USAGE}

--lang <format>          Check the files named on the command line as this format (${[...FORMAT_IDS, 'alb'].join(', ')}),
                         whatever their content; files found in folders are still detected.
--allow-outside <folder> Also read files in this folder (includes, sibling manifests, symbolic links leading
                         there). Without it, nothing outside the folders checked is read (real paths, after links).

Settings come from the nearest .lb-lens.json ({"rules": {"LB108": "off", "LB102": {"threshold": 0.9}}, "exclude": ["vendor/**"]}).`;

class IoError extends Error {}

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  cwd: string;
}

const SEVERITY_RANK: Record<string, number> = { hint: 0, info: 1, warning: 2, error: 3 };

function lexists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

const isInsidePath = (path: string, root: string) => root === '/' || path === root || path.startsWith(`${root}/`);

/**
 * The settings file: `--config`, else the nearest `.lb-lens.json` above the first path — looked for only in the
 * folders checked and in the current folder and below it (not in `/tmp` or `/` above them), never through a link
 * leading out of its folder. `allowedFolders` counts only in a file given with `--config`.
 */
function loadConfig(args: ParsedArgs, io: Io, firstPath: string, roots: readonly string[]): { config: ProjectConfig; allowed: string[] } {
  const explicit = args.options.config?.[0];
  if (explicit) {
    const p = resolve(io.cwd, explicit);
    if (!existsSync(p)) throw new IoError(`config file not found: ${explicit}`);
    const config = readProjectConfig(p);
    return { config, allowed: (config.allowedFolders ?? []).map((f) => resolve(dirname(p), f)) };
  }
  let start = dirname(firstPath);
  try {
    if (statSync(firstPath).isDirectory()) start = firstPath;
  } catch {
    /* a path that does not exist: look from its folder */
  }
  const mayLookIn = (dir: string) => isInsidePath(dir, resolve(io.cwd)) || roots.some((r) => isInsidePath(dir, r));
  const found = findProjectConfig(start, mayLookIn);
  if (!found) return { config: {}, allowed: [] };
  const config = readProjectConfig(found, dirname(found));
  if (config.allowedFolders?.length) {
    io.err(
      `lb-lens: ${relative(io.cwd, found) || CONFIG_FILE}: "allowedFolders" is ignored in a settings file found in the folders checked ` +
        `(a folder cannot widen its own boundary); pass --allow-outside <folder>, or the file with --config.`,
    );
  }
  return { config, allowed: [] };
}

function parseLang(args: ParsedArgs): string | undefined {
  const lang = args.options.lang?.[0];
  if (lang === undefined) return undefined;
  const id = lang === 'alb' || lang === 'cloudformation' ? 'aws-alb' : lang;
  if (!formatById(id)) throw new UsageError(`unknown --lang "${lang}" (${[...FORMAT_IDS, 'alb'].join(', ')})`);
  return id;
}

/** Folders that may be read: the folders given (a file's own folder), and --allow-outside folders. */
function boundaryOf(paths: string[], args: ParsedArgs, io: Io): string[] {
  const roots = paths.map((p) => {
    try {
      return statSync(p).isDirectory() ? p : dirname(p);
    } catch {
      return dirname(p);
    }
  });
  for (const f of args.options['allow-outside'] ?? []) {
    const p = resolve(io.cwd, f);
    if (!existsSync(p) || !statSync(p).isDirectory()) throw new UsageError(`--allow-outside needs an existing folder, not "${f}"`);
    roots.push(p);
  }
  return roots;
}

function makeService(roots: string[], fs: NodeFileSystem): LanguageService {
  return new LanguageService({ fileSystem: fs, roots: () => roots.map(pathToUri), boundaryName: 'the folders checked' });
}

function check(args: ParsedArgs, io: Io): number {
  if (args.positionals.length === 0) throw new UsageError('check needs at least one file or folder');
  const format = args.options.format?.[0] ?? 'text';
  if (!['text', 'json', 'sarif'].includes(format)) throw new UsageError(`unknown --format "${format}" (text, json or sarif)`);
  const failOn = args.options['fail-on']?.[0] ?? 'error';
  if (!['error', 'warning', 'info', 'never'].includes(failOn)) throw new UsageError(`unknown --fail-on "${failOn}" (error, warning, info or never)`);
  const lang = parseLang(args);

  const paths = args.positionals.map((p) => resolve(io.cwd, p));
  // A path that is not there at all is a mistake on the command line (a broken link is a skipped entry).
  for (const p of paths) if (!lexists(p)) throw new IoError(`no such file or folder: ${relative(io.cwd, p) || p}`);
  const roots = boundaryOf(paths, args, io);
  const { config, allowed } = loadConfig(args, io, paths[0], roots);
  roots.push(...allowed);
  const settings: AnalysisSettings = cliSettings(config);
  let exclude: (rel: string) => boolean;
  try {
    exclude = excludeMatcher(config.exclude ?? []);
  } catch (e) {
    throw new IoError(`.lb-lens.json: ${(e as Error).message}`);
  }
  const fs = createNodeFileSystem({ roots: () => roots, boundaryName: 'the folders checked' });
  const service = makeService(roots, fs);
  const display = (path: string) => relative(io.cwd, path) || path;

  const checked = new Map<string, CheckedFile>();
  const skipped = new Map<string, SkippedFile>();
  /** Files whose findings are printed: the files given and walked, and what they include (nginx `include`). */
  const reported = new Set<string>();
  /** Files read as part of a checked configuration (nginx includes), with that configuration's format. */
  const included = new Map<string, string>();
  const seenDiagnostics = new Set<string>();
  const seenLists = new Set<readonly Diagnostic[]>();
  const pending: Array<{ diagnostics: readonly Diagnostic[]; format: string }> = [];

  const skip = (path: string, reason: string) => {
    const rel = display(path);
    if (!checked.has(rel) && !skipped.has(rel)) skipped.set(rel, { path: rel, reason });
  };
  const fileEntry = (path: string, formatId: string) => {
    const rel = display(path);
    let f = checked.get(rel);
    if (!f) checked.set(rel, (f = { path: rel, format: formatId, diagnostics: [] }));
    skipped.delete(rel);
    return f;
  };

  const visited = new Set<string>();
  for (const root of paths) {
    const isDir = (() => {
      try {
        return statSync(root).isDirectory();
      } catch {
        return false;
      }
    })();
    const walk = walkFiles(root, { exclude, inside: fs.insideBoundary, visited });
    for (const s of walk.skipped) skip(s.path, s.reason);
    for (const path of walk.files) {
      reported.add(path);
      const read = fs.readPath(path);
      if (!('text' in read)) {
        skip(path, read.reason);
        continue;
      }
      const text = read.text;
      const why = service.skipReason({ text }) ?? (/^\s*$/.test(text) ? 'empty file' : undefined);
      if (why) {
        skip(path, why);
        continue;
      }
      const uri = pathToUri(path);
      const a: DocumentAnalysis | undefined = service.analyze({ uri, text, languageId: !isDir ? lang : undefined }, settings);
      if (!a) {
        skip(path, 'not a load-balancer configuration (no format detected; --lang forces one)');
        continue;
      }
      fileEntry(path, a.format.id);
      if (a.format.filesAreIncludes) for (const f of a.model.files) if (!included.has(f)) included.set(f, a.format.id);
      if (!seenLists.has(a.diagnostics)) {
        seenLists.add(a.diagnostics);
        pending.push({ diagnostics: a.diagnostics, format: a.format.id });
      }
    }
  }
  for (const [uri] of included) reported.add(uriToPath(uri));
  // Findings go to the files they are in, when those files are reported: a sibling manifest read for context
  // (a Service next to an Ingress) is not reported when only the Ingress was asked for.
  for (const { diagnostics, format: formatId } of pending) {
    for (const d of diagnostics) {
      const path = uriToPath(d.uri);
      if (!reported.has(path)) continue;
      const key = `${d.uri}|${d.ruleId}|${d.range.start.line}|${d.range.start.character}|${d.message}`;
      if (seenDiagnostics.has(key)) continue;
      seenDiagnostics.add(key);
      fileEntry(path, checked.get(display(path))?.format ?? formatId).diagnostics.push(d);
    }
  }
  // A file not recognised on its own but read as part of a checked configuration (an nginx include) was checked.
  for (const [uri, formatId] of included) {
    const rel = display(uriToPath(uri));
    if (skipped.get(rel)?.reason.startsWith('not a load-balancer configuration')) fileEntry(uriToPath(uri), formatId);
  }

  const files = [...checked.values()].sort((x, y) => x.path.localeCompare(y.path));
  for (const f of files) f.diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  const skippedList = [...skipped.values()].sort((x, y) => x.path.localeCompare(y.path));
  if (format === 'json') io.out(renderCheckJson(files, skippedList));
  else if (format === 'sarif') io.out(renderSarif(files, VERSION, skippedList));
  else io.out(renderCheckText(files, skippedList));

  if (files.length === 0) {
    io.err(`lb-lens: nothing was checked: no load-balancer configuration could be read in what was given (${skippedList.length} skipped, see above)`);
    return 2;
  }
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
  const a = analyzeOne(args, io, path, 'preview');
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

/**
 * Read and analyse one given file (`preview`, `route`): its folder (and `--allow-outside` folders) is the
 * boundary, settings come from `.lb-lens.json`, `--lang` forces a format.
 */
function analyzeOne(args: ParsedArgs, io: Io, path: string, what: string, onFs?: (fs: NodeFileSystem) => void): DocumentAnalysis {
  const shown = relative(io.cwd, path) || path;
  const lang = parseLang(args);
  const roots = boundaryOf([path], args, io);
  const { config, allowed } = loadConfig(args, io, path, roots);
  roots.push(...allowed);
  const fs = createNodeFileSystem({ roots: () => roots, boundaryName: 'the folders checked' });
  onFs?.(fs);
  const service = makeService(roots, fs);
  const read = fs.readPath(path);
  if (!('text' in read)) throw new IoError(`cannot ${what} ${shown}: ${read.reason}`);
  const why = service.skipReason({ text: read.text });
  if (why) throw new IoError(`cannot ${what} ${shown}: ${why}`);
  const a = service.analyze({ uri: pathToUri(path), text: read.text, languageId: lang }, cliSettings(config));
  if (!a) throw new IoError(`${shown} is not a recognised load-balancer configuration (--lang forces a format)`);
  return a;
}


/** Runs the CLI; resolves to the exit code. Never throws. */
export async function main(argv: string[], io: Io = { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`), cwd: process.cwd() }): Promise<number> {
  try {
    const args = parseArgs(argv, {
      check: ['format', 'fail-on', 'config', 'lang', 'allow-outside'],
      preview: ['format', 'fail', 'config', 'lang', 'allow-outside'],
      diff: ['format', 'base', 'head', 'fail-on-shift', 'fail-on-move', 'config', 'traffic', 'log-format', 'fail-on-peak-factor', 'fail-on-peak-rate', 'host', 'port'],
      route: routeOptions,
      test: testOptions,
      alerts: alertsOptions,
      replay: replayOptions,
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
        return await diffCommand(args, io);
      case 'route':
        return routeCommand(args, { cwd: io.cwd, out: io.out, analyze: (path) => analyzeOne(args, io, path, 'route') });
      case 'test':
        return testCommand(args, { cwd: io.cwd, out: io.out, err: io.err, analyze: (path) => analyzeOne(args, io, path, 'test') });
      case 'alerts':
        return alertsCommand(args, { cwd: io.cwd, out: io.out, err: io.err, analyze: (path) => analyzeOne(args, io, path, 'read') });
      case 'replay':
        return await replayCommand(args, {
          cwd: io.cwd, out: io.out, err: io.err,
          analyze: (path) => {
            let fs: NodeFileSystem | undefined;
            const analysis = analyzeOne(args, io, path, 'replay', (f) => (fs = f));
            return { analysis, readText: (uri) => fs?.readFile(uri) };
          },
        });
      default:
        throw new UsageError(`unknown command "${args.command}" (check, preview, diff, route, test, replay or alerts)`);
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
