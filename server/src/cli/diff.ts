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
import { commitRevision, fileUri, gitTopLevel, repoPath, resolveRevision, workTreeRevision, type Revision } from './git';
import { describeDestination, describeMove, routingChanges, type RoutingMove } from '../service/routingChanges';
import { excludeMatcher } from './walk';
import { cliSettings } from './settings';
import { configLogInfo, type ConfigLogInfo } from '../service/logs/config';
import { peakViolations, TrafficForecast, weightMoves, type FileForecast } from '../service/logs/forecast';
import type { LogFileSummary } from '../service/logs/session';
import { SeriesBudget } from '../service/logs/series';
import { logFormatOption, logPaths, portOption, readLogs, renderLogFiles } from './replay';

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
  readText: (uri: string) => string | undefined;
}

/** `--traffic`: the logged requests routed through both revisions of each changed configuration. */
export interface TrafficSection {
  logs: LogFileSummary[];
  forecasts: FileForecast[];
  /** Servers whose forecast breaks --fail-on-peak-factor / --fail-on-peak-rate. */
  violations: string[];
  notes: string[];
}

export type TrafficDiffReport = DiffReport & { traffic?: TrafficSection };

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
  return { side: collectSide(analyses, { fileName }), analyses, fileName, readText: (uri) => rev.fileSystem.readFile(uri) };
}

/** Rules whose appearance fails the diff whatever their severity: a route on one server, or on none. */
const FAILING_RULES = new Set(['LB101', 'LB104']);

/**
 * 1 when a share moved more than `failOnShift` points, a route became single-target or unreachable, a new error
 * appeared, or (with `failOnMove`) some requests change destination.
 */
export function diffExitCode(report: TrafficDiffReport, failOnShift: number | undefined, failOnMove = false): number {
  if (report.traffic?.violations.length) return 1;
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

const logged = (m: RoutingMove) => (m.loggedShare !== undefined ? ` — ${round1(m.loggedShare * 100)}% of the logged requests (${(m.loggedRequests ?? 0).toLocaleString('en-US')})` : '');
const rateText = (x: number | null) => (x === null ? '—' : x >= 100 ? Math.round(x).toLocaleString('en-US') : String(round1(x)));

function trafficText(t: TrafficSection, lines: string[]): void {
  const total = t.logs.reduce((s, f) => s + f.requests, 0);
  lines.push('', `Forecast with logged traffic (${total.toLocaleString('en-US')} request${total === 1 ? '' : 's'}):`);
  renderLogFiles(lines, t.logs);
  if (t.forecasts.length === 0) lines.push('  No changed configuration to send them through.');
  for (const f of t.forecasts) {
    if (f.summary.length === 0) lines.push(`  ${f.file}: no logged request changes destination.`);
    for (const x of f.summary) lines.push(`  ${f.file}: ${x}`);
    if (f.servers.length) {
      const unit = f.timed ? 'peak req/s per server, busiest second (busiest minute)' : 'requests per server';
      lines.push(`  ${f.file}: ${unit}, before → after:`);
      const width = Math.max(...f.servers.map((x) => (x.name ? `${x.name} (${x.address})` : x.address).length));
      for (const x of f.servers) {
        const label = (x.name ? `${x.name} (${x.address})` : x.address).padEnd(width);
        const b = f.timed ? `${rateText(x.before.peak)} (${rateText(x.before.peakMinute)})` : Math.round(x.before.requests).toLocaleString('en-US');
        const a = f.timed ? `${rateText(x.after.peak)} (${rateText(x.after.peakMinute)})` : Math.round(x.after.requests).toLocaleString('en-US');
        lines.push(`    ${label}  ${b.padStart(14)} → ${a.padStart(14)}${x.factor !== null ? `  ×${x.factor}` : '  (new)'}`);
      }
    }
    for (const n of f.notes) lines.push(`  ${f.file}: ${n}`);
  }
  for (const n of t.notes) lines.push(`  ${n}`);
  for (const v of t.violations) lines.push(`  FAIL ${v}`);
}

export function renderDiffText(report: TrafficDiffReport): string {
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
    for (const m of report.routing) lines.push(`  ${m.file} [${m.entry}] ${m.samples === 0 ? `${m.example} (seen in the logs) went to ${describeDestination(m.before)}, now goes to ${describeDestination(m.after)}` : describeMove(m)}${logged(m)}`);
  }
  if (report.traffic) trafficText(report.traffic, lines);
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
export function renderDiffMarkdown(report: TrafficDiffReport): string {
  const out: string[] = [`### lb-lens: traffic distribution ${code(report.base)} → ${code(report.head)}`, ''];
  const changed = report.routes.filter((r) => r.status !== 'unchanged');
  if (changed.length === 0 && report.introduced.length === 0 && report.resolved.length === 0 && !report.routing?.length && !report.traffic?.forecasts.some((f) => f.moved > 0)) {
    out.push('No change to the traffic distribution, and no new findings.');
    return out.join('\n');
  }
  if (report.routing?.length) {
    const withTraffic = !!report.traffic;
    out.push('**Requests that change destination**', '', `| request | before | after |${withTraffic ? ' logged requests |' : ''}`, `| --- | --- | --- |${withTraffic ? ' ---: |' : ''}`);
    const via = (d: RoutingMove['before']) => `${md(describeDestination(d))}${d.route ? ` via ${code(d.route.name)} (${code(`${d.route.file}:${d.route.line}`)})` : ''}`;
    const moves = withTraffic ? [...report.routing].sort((a, b) => (b.loggedRequests ?? 0) - (a.loggedRequests ?? 0)) : report.routing;
    for (const m of moves) {
      const share = withTraffic ? ` ${round1((m.loggedShare ?? 0) * 100)}% (${(m.loggedRequests ?? 0).toLocaleString('en-US')}) |` : '';
      out.push(`| ${code(m.example)}${m.samples > 1 ? ` and ${m.samples - 1} more` : m.samples === 0 ? ' (from the logs)' : ''} | ${via(m.before)} | ${via(m.after)} |${share}`);
    }
    out.push('');
  }
  if (report.traffic) {
    const t = report.traffic;
    const total = t.logs.reduce((s, f) => s + f.requests, 0);
    out.push(`**Forecast with logged traffic** (${total.toLocaleString('en-US')} requests from ${t.logs.map((f) => code(f.path)).join(', ')})`, '');
    for (const f of t.forecasts) {
      for (const x of f.summary) out.push(`- ${code(f.file)}: ${md(x)}`);
      if (f.summary.length === 0) out.push(`- ${code(f.file)}: no logged request changes destination`);
    }
    out.push('');
    for (const f of t.forecasts) {
      if (!f.servers.length) continue;
      out.push(`| server (${md(f.file)}) | ${f.timed ? 'peak req/s before' : 'requests before'} | after | × |${f.timed ? ' busiest minute, req/s |' : ''}`, `| --- | ---: | ---: | ---: |${f.timed ? ' ---: |' : ''}`);
      for (const x of f.servers) {
        const b = f.timed ? rateText(x.before.peak) : Math.round(x.before.requests).toLocaleString('en-US');
        const a = f.timed ? rateText(x.after.peak) : Math.round(x.after.requests).toLocaleString('en-US');
        const minute = f.timed ? ` ${rateText(x.before.peakMinute)} → ${rateText(x.after.peakMinute)} |` : '';
        out.push(`| ${md(x.name ? `${x.name} (${x.address})` : x.address)} | ${b} | ${a} | ${x.factor === null ? 'new' : `${x.factor >= 1.5 ? '**' : ''}${x.factor}${x.factor >= 1.5 ? '**' : ''}`} |${minute}`);
      }
      out.push('');
    }
    for (const v of t.violations) out.push(`- 🔴 ${md(v)}`);
    if (t.violations.length) out.push('');
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
export async function diffCommand(args: ParsedArgs, io: DiffIo): Promise<number> {
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
  const peakOption = (name: string, min: number) => {
    const v = args.options[name]?.[0];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= min) throw new UsageError(`--${name} takes a number above ${min}, not "${v}"`);
    return n;
  };
  const peakFactor = peakOption('fail-on-peak-factor', 0);
  const peakRate = peakOption('fail-on-peak-rate', 0);
  const traffic = logPaths(args, 'traffic', Number.POSITIVE_INFINITY, io.cwd);
  if ((peakFactor !== undefined || peakRate !== undefined) && traffic.length === 0) throw new UsageError('--fail-on-peak-factor and --fail-on-peak-rate need --traffic <access log>');
  const port = portOption(args);
  const top = gitTopLevel(io.cwd);
  // `lb-lens diff REV1 REV2 [paths…]`: leading positionals that are revisions and not paths are --base and --head.
  let positionals = args.positionals;
  let revs: string[] = [];
  if (args.options.base === undefined && args.options.head === undefined) {
    const isRevision = (p: string) => !existsSync(resolve(io.cwd, p)) && !p.startsWith('-') && (() => {
      try {
        resolveRevision(top, p);
        return true;
      } catch {
        return false;
      }
    })();
    while (revs.length < 2 && positionals.length > 0 && isRevision(positionals[0])) {
      revs = [...revs, positionals[0]];
      positionals = positionals.slice(1);
    }
  }
  const prefixes = positionals.map((p) => {
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
  const baseLabel = args.options.base?.[0] ?? revs[0] ?? 'HEAD';
  const headLabel = args.options.head?.[0] ?? revs[1];
  const base = commitRevision(top, baseLabel, include);
  const head = headLabel !== undefined ? commitRevision(top, headLabel, include) : workTreeRevision(top);
  const settings = cliSettings(config);
  const before = analyzeSide(base, top, io.cwd, include, settings);
  const after = analyzeSide(head, top, io.cwd, include, settings);
  const report = compare(before.side, after.side, { base: base.label, head: head.label });
  report.routing = routingChanges(before.analyses, after.analyses, after.fileName);
  const full: TrafficDiffReport = report;
  if (traffic.length) full.traffic = await forecastTraffic(args, io, before, after, full, traffic, { port, peakFactor, peakRate });
  if (format === 'json') io.out(renderDiffJson(report));
  else if (format === 'markdown') io.out(renderDiffMarkdown(report));
  else io.out(renderDiffText(report));
  return diffExitCode(report, failOnShift, args.options['fail-on-move'] !== undefined);
}

/**
 * Route the logged requests through both revisions of every configuration the change touches (a route changed, or
 * requests change destination): moves weighted by traffic, per-server peaks before and after, threshold checks.
 */
async function forecastTraffic(
  args: ParsedArgs, io: DiffIo, before: Side, after: Side, report: TrafficDiffReport, logs: string[],
  o: { port?: number; peakFactor?: number; peakRate?: number },
): Promise<TrafficSection> {
  const touched = new Set<string>([...report.routes.filter((r) => r.status !== 'unchanged').map((r) => r.file), ...(report.routing ?? []).map((m) => m.file)]);
  const baseByUri = new Map(before.analyses.map((a) => [a.model.uri, a]));
  const budget = new SeriesBudget();
  const forecasts: TrafficForecast[] = [];
  const info: ConfigLogInfo = { formats: [], accessLogs: [] };
  const seen = new Set<string>();
  for (const h of after.analyses) {
    const file = after.fileName(h.model.uri);
    const b = baseByUri.get(h.model.uri);
    if (!b || file === undefined || !touched.has(file) || seen.has(h.model.uri)) continue;
    seen.add(h.model.uri);
    const show = (u: string) => after.fileName(u) ?? u;
    forecasts.push(new TrafficForecast(file, b, h, show, budget, { port: o.port, host: args.options.host?.[0]?.toLowerCase() }));
    const i = configLogInfo(h, after.readText);
    info.formats.push(...i.formats);
    info.accessLogs.push(...i.accessLogs);
    if (i.haproxyCaptures) info.haproxyCaptures = new Map([...(info.haproxyCaptures ?? []), ...i.haproxyCaptures]);
  }
  const notes: string[] = [];
  const format = logFormatOption(args, info);
  if (forecasts.length === 0) notes.push('No configuration changes between the revisions: the logs were not read.');
  const want = (name: string) => forecasts.some((f) => f.before.wantHeader(name) || f.after.wantHeader(name));
  const files = forecasts.length ? await readLogs(logs, io.cwd, format, info, (rec) => { for (const f of forecasts) f.add(rec); }, want) : [];
  const results = forecasts.map((f) => f.result());
  for (const r of results) report.routing = weightMoves(report.routing ?? [], r);
  const violations = results.flatMap((r) => peakViolations(r, o.peakFactor, o.peakRate));
  if (o.peakRate !== undefined && results.some((r) => !r.timed && r.requests > 0)) {
    throw new UsageError('--fail-on-peak-rate needs logs with times (the logs read have none)');
  }
  if (forecasts.length && results.every((r) => r.requests === 0)) notes.push('No line of the logs could be read as a request (--log-format names the format).');
  return { logs: files, forecasts: results, violations, notes };
}
