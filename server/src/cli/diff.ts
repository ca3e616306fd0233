/**
 * `lb-lens diff`: the effect of a change on the traffic distribution, between two git revisions. Both sides are
 * analysed by the language service, each through a file system of its own revision (includes resolve within
 * it). The pairing of routes and findings is the service's (`service/compare.ts`, shared with the editor's
 * compare-with-HEAD); git, rendering and exit codes are here.
 */
import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { pct } from '../analysis/rules/util';
import { mergeSettings, type AnalysisSettings } from '../analysis/settings';
import { findProjectConfig, readProjectConfig, type ProjectConfig } from '../node/projectConfig';
import { collectSide, compare, round1, serverRows, type ComparisonSide, type DiffDiagnostic, type DiffReport, type RouteDiff } from '../service/compare';
import { LanguageService, looksBinary, type DocumentAnalysis } from '../service/languageService';
import { pathToUri, uriToPath } from '../service/uri';
import { UsageError, type ParsedArgs } from './args';
import { commitRevision, fileUri, gitTopLevel, repoPath, workTreeRevision, type Revision } from './git';
import { describeDestination, describeMove, routingChanges, type RoutingMove } from '../service/routingChanges';
import { excludeMatcher } from './walk';
import { cliSettings } from './settings';

export interface DiffIo {
  out: (s: string) => void;
  err: (s: string) => void;
  cwd: string;
}

export type { DiffDiagnostic, DiffReport, RouteDiff, ServerShare } from '../service/compare';

interface Side {
  side: ComparisonSide;
  analyses: DocumentAnalysis[];
  fileName: (uri: string) => string | undefined;
}

function analyzeSide(rev: Revision, top: string, cwd: string, include: (path: string) => boolean, settings: AnalysisSettings): Side {
  const service = new LanguageService({ fileSystem: rev.fileSystem, roots: () => [pathToUri(top)] });
  const displayPath = (uri: string) => relative(cwd, uriToPath(uri)).split('\\').join('/') || uriToPath(uri);
  // Only what lies inside the repository is compared (a file outside it has no other revision).
  const fileName = (uri: string) => (repoPath(top, resolve(uriToPath(uri))) === undefined ? undefined : displayPath(uri));
  const analyses: DocumentAnalysis[] = [];
  for (const file of rev.files) {
    if (!include(file)) continue;
    const uri = fileUri(top, file);
    const text = rev.fileSystem.readFile(uri);
    if (text === undefined || looksBinary(text)) continue;
    const a = service.analyze({ uri, text }, settings);
    if (a) analyses.push(a);
  }
  return { side: collectSide(analyses, { fileName }), analyses, fileName };
}

/** Rules whose appearance fails the diff whatever their severity: a route on one server, or on none. */
const FAILING_RULES = new Set(['LB101', 'LB104']);

/**
 * 1 when a share moved more than `failOnShift` points, a route became single-target or unreachable, a new error
 * appeared, or (with `failOnMove`) some requests change destination.
 */
export function diffExitCode(report: DiffReport, failOnShift: number | undefined, failOnMove = false): number {
  if (failOnShift !== undefined && report.routes.some((r) => r.maxShift !== null && r.maxShift > failOnShift)) return 1;
  if (failOnMove && (report.routing?.length ?? 0) > 0) return 1;
  if (report.introduced.some((d) => FAILING_RULES.has(d.ruleId) || d.severity === 'error')) return 1;
  return 0;
}

// ---- output ---------------------------------------------------------------------------------------------

const percent = (share: number) => pct(share);
const delta = (points: number) => (Math.abs(points) < 0.05 ? '±0' : `${points > 0 ? '+' : '−'}${round1(Math.abs(points))}`);

/** Before/after rows of a route, labelled for a table. */
function rows(r: RouteDiff): Array<{ label: string; before?: number; after?: number }> {
  return serverRows(r).map((x) => ({
    label: x.name === x.address ? x.address : `${x.name} (${x.address})`,
    before: x.before ?? undefined,
    after: x.after ?? undefined,
  }));
}

const where = (r: RouteDiff) => `${r.file}:${r.line}`;
const poolText = (r: RouteDiff) => (r.pool ? ` → ${r.pool}` : '');

export function renderDiffJson(report: DiffReport): string {
  return JSON.stringify(report, null, 2);
}

export function renderDiffText(report: DiffReport): string {
  const lines: string[] = [`lb-lens diff ${report.base} → ${report.head}`];
  const changed = report.routes.filter((r) => r.status !== 'unchanged');
  if (changed.length === 0) lines.push('', 'No route changed its traffic distribution.');
  for (const r of changed) {
    const tag = r.status === 'added' ? ' (new route)' : r.status === 'removed' ? ' (removed route)' : ` (max shift ${r.maxShift} points)`;
    lines.push('', `${where(r)} ${r.name} [${r.entry}${poolText(r)}]${tag}`);
    const table = rows(r);
    const width = Math.max(...table.map((x) => x.label.length), 6);
    for (const x of table) {
      const b = x.before === undefined ? '—' : percent(x.before);
      const a = x.after === undefined ? '—' : percent(x.after);
      lines.push(`  ${x.label.padEnd(width)}  ${b.padStart(6)} → ${a.padStart(6)}  ${delta(((x.after ?? 0) - (x.before ?? 0)) * 100)}`);
    }
  }
  const list = (title: string, ds: DiffDiagnostic[]) => {
    if (!ds.length) return;
    lines.push('', title);
    for (const d of ds) lines.push(`  ${d.path}:${d.line}:${d.column} ${d.severity} ${d.ruleId} ${d.message}`);
  };
  if (report.routing?.length) {
    lines.push('', 'Requests that change destination:');
    for (const m of report.routing) lines.push(`  ${m.file} [${m.entry}] ${describeMove(m)}`);
  }
  list('New findings:', report.introduced);
  list('Resolved findings:', report.resolved);
  const count = (s: RouteDiff['status']) => report.routes.filter((r) => r.status === s).length;
  lines.push(
    '',
    `${count('changed')} route(s) changed, ${count('added')} added, ${count('removed')} removed; ` +
      `${report.routing?.length ?? 0} class(es) of requests change destination; ` +
      `${report.introduced.length} finding(s) introduced, ${report.resolved.length} resolved.`,
  );
  return lines.join('\n');
}

const SEVERITY_ICON: Record<string, string> = { error: '🔴', warning: '🟠', info: '🔵', hint: '⚪' };
const md = (s: string) => s.replace(/[|\\`*_<>[\]]/g, (c) => `\\${c}`);
const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

/** A compact pull-request comment: a table per changed route, then the new and resolved findings. */
export function renderDiffMarkdown(report: DiffReport): string {
  const out: string[] = [`### lb-lens: traffic distribution ${code(report.base)} → ${code(report.head)}`, ''];
  const changed = report.routes.filter((r) => r.status !== 'unchanged');
  if (changed.length === 0 && report.introduced.length === 0 && report.resolved.length === 0 && !report.routing?.length) {
    out.push('No change to the traffic distribution, and no new findings.');
    return out.join('\n');
  }
  if (report.routing?.length) {
    out.push('**Requests that change destination**', '', '| request | before | after |', '| --- | --- | --- |');
    const via = (d: RoutingMove['before']) => `${md(describeDestination(d))}${d.route ? ` via ${code(d.route.name)} (${code(`${d.route.file}:${d.route.line}`)})` : ''}`;
    for (const m of report.routing) {
      out.push(`| ${code(m.example)}${m.samples > 1 ? ` and ${m.samples - 1} more` : ''} | ${via(m.before)} | ${via(m.after)} |`);
    }
    out.push('');
  }
  if (changed.length === 0) out.push('No route changed its traffic distribution.', '');
  for (const r of changed) {
    const tag = r.status === 'added' ? ' — new route' : r.status === 'removed' ? ' — removed' : ` — max shift **${r.maxShift}** points`;
    out.push(`**${code(r.name)}** in ${code(where(r))} (${md(r.entry)}${r.pool ? ` → ${code(r.pool)}` : ''})${tag}`, '');
    out.push('| server | before | after | Δ |', '| --- | ---: | ---: | ---: |');
    for (const x of rows(r)) {
      const b = x.before === undefined ? '—' : percent(x.before);
      const a = x.after === undefined ? '—' : percent(x.after);
      out.push(`| ${md(x.label)} | ${b} | ${a} | ${delta(((x.after ?? 0) - (x.before ?? 0)) * 100)} |`);
    }
    out.push('');
  }
  const list = (title: string, ds: DiffDiagnostic[]) => {
    if (!ds.length) return;
    out.push(`**${title}**`, '');
    for (const d of ds) out.push(`- ${SEVERITY_ICON[d.severity] ?? ''} ${d.severity} **${d.ruleId}** ${code(`${d.path}:${d.line}`)} ${md(d.message)}`);
    out.push('');
  };
  list('New findings', report.introduced);
  list('Resolved findings', report.resolved);
  return out.join('\n').trimEnd();
}

// ---- command ----------------------------------------------------------------------------------------------

function loadSettings(args: ParsedArgs, cwd: string): ProjectConfig {
  const explicit = args.options.config?.[0];
  if (explicit) {
    const p = resolve(cwd, explicit);
    if (!existsSync(p)) throw new Error(`config file not found: ${explicit}`);
    return readProjectConfig(p);
  }
  const found = findProjectConfig(cwd);
  return found ? readProjectConfig(found, dirname(found)) : {};
}

/** `lb-lens diff [--base <rev>] [--head <rev>] [paths…] [--format text|json|markdown] [--fail-on-shift <points>] [--fail-on-move]`. */
export function diffCommand(args: ParsedArgs, io: DiffIo): number {
  const format = args.options.format?.[0] ?? 'text';
  if (!['text', 'json', 'markdown'].includes(format)) throw new UsageError(`unknown --format "${format}" (text, json or markdown)`);
  const shiftArg = args.options['fail-on-shift']?.[0];
  let failOnShift: number | undefined;
  if (shiftArg !== undefined) {
    failOnShift = Number(shiftArg);
    if (shiftArg.trim() === '' || !Number.isFinite(failOnShift) || failOnShift < 0 || failOnShift > 100) {
      throw new UsageError(`--fail-on-shift takes percentage points between 0 and 100, not "${shiftArg}"`);
    }
  }
  const top = gitTopLevel(io.cwd);
  const prefixes = args.positionals.map((p) => {
    const rel = repoPath(top, resolve(io.cwd, p));
    if (rel === undefined) throw new UsageError(`${p} is outside the git repository ${top}`);
    return rel === '' ? '' : rel.replace(/\/$/, '');
  });
  const config = loadSettings(args, io.cwd);
  const excluded = excludeMatcher(config.exclude ?? []);
  const include = (path: string) =>
    (prefixes.length === 0 || prefixes.some((p) => p === '' || path === p || path.startsWith(`${p}/`))) &&
    !excluded(path) &&
    !path.split('/').some((seg) => seg === 'node_modules');
  const baseLabel = args.options.base?.[0] ?? 'HEAD';
  const headLabel = args.options.head?.[0];
  const base = commitRevision(top, baseLabel, include);
  const head = headLabel !== undefined ? commitRevision(top, headLabel, include) : workTreeRevision(top);
  const settings = cliSettings(config);
  const before = analyzeSide(base, top, io.cwd, include, settings);
  const after = analyzeSide(head, top, io.cwd, include, settings);
  const report = compare(before.side, after.side, { base: base.label, head: head.label });
  report.routing = routingChanges(before.analyses, after.analyses, after.fileName);
  if (format === 'json') io.out(renderDiffJson(report));
  else if (format === 'markdown') io.out(renderDiffMarkdown(report));
  else io.out(renderDiffText(report));
  return diffExitCode(report, failOnShift, args.options['fail-on-move'] !== undefined);
}
