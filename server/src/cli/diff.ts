/**
 * `lb-lens diff`: the effect of a change on the traffic distribution, between two git revisions. Both sides are
 * analysed by the language service, each through a file system of its own revision (includes resolve within
 * it). Routes are matched by identity — file, entry point, match and pool — never by line, so moving a block
 * does not count as a change.
 */
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Diagnostic } from '../analysis/analyze';
import { pct } from '../analysis/rules/util';
import { mergeSettings, type AnalysisSettings } from '../analysis/settings';
import { findProjectConfig, readProjectConfig, type ProjectConfig } from '../node/projectConfig';
import { LanguageService, looksBinary } from '../service/languageService';
import { poolLabel, previewedRoutes, serverDisplayName } from '../service/preview';
import { pathToUri, uriToPath } from '../service/uri';
import { UsageError, type ParsedArgs } from './args';
import { commitRevision, fileUri, gitTopLevel, repoPath, workTreeRevision, type Revision } from './git';
import { globToRegExp } from './walk';

export interface DiffIo {
  out: (s: string) => void;
  err: (s: string) => void;
  cwd: string;
}

export interface ServerShare {
  name: string;
  address: string;
  /** Fraction of the route's requests in [0,1]. */
  share: number;
}

export interface RouteDiff {
  name: string;
  /** Path of the file the route is written in, relative to the working directory. */
  file: string;
  /** 1-based line of the route (in the head revision, or the base one for a removed route). */
  line: number;
  entry: string;
  match: string;
  pool: string | null;
  status: 'changed' | 'unchanged' | 'added' | 'removed';
  before: ServerShare[];
  after: ServerShare[];
  /** The largest change of one server's share, in percentage points; null for added and removed routes. */
  maxShift: number | null;
}

export interface DiffDiagnostic {
  path: string;
  ruleId: string;
  severity: string;
  message: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface DiffReport {
  base: string;
  head: string;
  routes: RouteDiff[];
  introduced: DiffDiagnostic[];
  resolved: DiffDiagnostic[];
}

interface RouteRecord {
  key: string;
  name: string;
  file: string;
  line: number;
  entry: string;
  match: string;
  pool: string | null;
  servers: Array<ServerShare & { key: string }>;
}

interface SideAnalysis {
  routes: Map<string, RouteRecord>;
  diagnostics: Array<DiffDiagnostic & { key: string }>;
}

/** Line numbers in messages (`(line 23)`) do not make a finding different. */
const messageKey = (m: string) => m.replace(/\(line \d+\)|line \d+/g, 'line …');

/** Give repeated keys an occurrence number, so equal items pair up one to one. */
function numbered<T>(items: T[], key: (t: T) => string): Array<T & { key: string }> {
  const seen = new Map<string, number>();
  return items.map((t) => {
    const k = key(t);
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    return { ...t, key: n === 1 ? k : `${k}\u0000#${n}` };
  });
}

function analyzeSide(rev: Revision, top: string, cwd: string, include: (path: string) => boolean, settings: AnalysisSettings): SideAnalysis {
  const service = new LanguageService({ fileSystem: rev.fileSystem, roots: () => [pathToUri(top)] });
  const routes = new Map<string, RouteRecord>();
  const diagnostics: DiffDiagnostic[] = [];
  const seenDiagnostics = new Set<string>();
  const displayPath = (uri: string) => relative(cwd, uriToPath(uri)).split('\\').join('/') || uriToPath(uri);
  for (const file of rev.files) {
    if (!include(file)) continue;
    const uri = fileUri(top, file);
    const text = rev.fileSystem.readFile(uri);
    if (text === undefined || looksBinary(text)) continue;
    const a = service.analyze({ uri, text }, settings);
    if (!a) continue;
    // Routes of this analysis; a route already seen through another file's analysis (a fragment and the
    // nginx.conf that includes it) is the same route.
    const records: Array<Omit<RouteRecord, 'key'>> = [];
    for (const route of previewedRoutes(a.model.routes)) {
      const rel = repoPath(top, resolve(uriToPath(route.source.uri)));
      if (rel === undefined) continue;
      const d = a.distributions.get(route.id)!;
      const servers = numbered(
        d.shares.map((s) => ({ name: serverDisplayName(s.server), address: s.server.address, share: s.share })),
        (s) => `${s.name}\u0000${s.address}`,
      );
      records.push({
        name: route.name,
        file: displayPath(route.source.uri),
        line: route.source.range.start.line + 1,
        entry: a.index.entryById.get(route.entryId)?.name ?? '',
        match: route.matchText,
        pool: poolLabel(d, route),
        servers,
      });
    }
    for (const r of numbered(records, (r) => `${r.file}\u0000${r.entry}\u0000${r.match}\u0000${r.pool ?? ''}`)) {
      if (!routes.has(r.key)) routes.set(r.key, r);
    }
    for (const d of a.diagnostics) {
      const k = `${d.uri}|${d.ruleId}|${d.range.start.line}|${d.range.start.character}|${d.message}`;
      if (seenDiagnostics.has(k)) continue;
      if (repoPath(top, resolve(uriToPath(d.uri))) === undefined) continue;
      seenDiagnostics.add(k);
      diagnostics.push(toDiffDiagnostic(displayPath(d.uri), d));
    }
  }
  diagnostics.sort((x, y) => x.path.localeCompare(y.path) || x.line - y.line || x.column - y.column);
  return { routes, diagnostics: numbered(diagnostics, (d) => `${d.path}\u0000${d.ruleId}\u0000${messageKey(d.message)}`) };
}

function toDiffDiagnostic(path: string, d: Diagnostic): DiffDiagnostic {
  return {
    path,
    ruleId: d.ruleId,
    severity: d.severity,
    message: d.message,
    line: d.range.start.line + 1,
    column: d.range.start.character + 1,
    endLine: d.range.end.line + 1,
    endColumn: d.range.end.character + 1,
  };
}

const strip = ({ key: _key, ...s }: ServerShare & { key: string }): ServerShare => s;
const stripDiagnostic = ({ key: _key, ...d }: DiffDiagnostic & { key: string }): DiffDiagnostic => d;
const round1 = (n: number) => Math.round(n * 10) / 10;

export function compare(base: SideAnalysis, head: SideAnalysis, labels: { base: string; head: string }): DiffReport {
  const routes: RouteDiff[] = [];
  const describe = (r: RouteRecord) => ({ name: r.name, file: r.file, line: r.line, entry: r.entry, match: r.match, pool: r.pool });
  for (const [key, after] of head.routes) {
    const before = base.routes.get(key);
    if (!before) {
      routes.push({ ...describe(after), status: 'added', before: [], after: after.servers.map(strip), maxShift: null });
      continue;
    }
    const beforeShare = new Map(before.servers.map((s) => [s.key, s.share]));
    const afterShare = new Map(after.servers.map((s) => [s.key, s.share]));
    let shift = 0;
    for (const k of new Set([...beforeShare.keys(), ...afterShare.keys()])) {
      shift = Math.max(shift, Math.abs((afterShare.get(k) ?? 0) - (beforeShare.get(k) ?? 0)));
    }
    const sameServers = before.servers.length === after.servers.length && before.servers.every((s) => afterShare.has(s.key));
    const changed = !sameServers || shift > 1e-9;
    routes.push({
      ...describe(after),
      status: changed ? 'changed' : 'unchanged',
      before: before.servers.map(strip),
      after: after.servers.map(strip),
      maxShift: round1(shift * 100),
    });
  }
  for (const [key, before] of base.routes) {
    if (!head.routes.has(key)) routes.push({ ...describe(before), status: 'removed', before: before.servers.map(strip), after: [], maxShift: null });
  }
  routes.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  const baseKeys = new Set(base.diagnostics.map((d) => d.key));
  const headKeys = new Set(head.diagnostics.map((d) => d.key));
  return {
    base: labels.base,
    head: labels.head,
    routes,
    introduced: head.diagnostics.filter((d) => !baseKeys.has(d.key)).map(stripDiagnostic),
    resolved: base.diagnostics.filter((d) => !headKeys.has(d.key)).map(stripDiagnostic),
  };
}

/** Rules whose appearance fails the diff whatever their severity: a route on one server, or on none. */
const FAILING_RULES = new Set(['LB101', 'LB104']);

/** 1 when a share moved more than `failOnShift` points, a route became single-target or unreachable, or a new error appeared. */
export function diffExitCode(report: DiffReport, failOnShift: number | undefined): number {
  if (failOnShift !== undefined && report.routes.some((r) => r.maxShift !== null && r.maxShift > failOnShift)) return 1;
  if (report.introduced.some((d) => FAILING_RULES.has(d.ruleId) || d.severity === 'error')) return 1;
  return 0;
}

// ---- output ---------------------------------------------------------------------------------------------

const percent = (share: number) => pct(share);
const delta = (points: number) => (Math.abs(points) < 0.05 ? '±0' : `${points > 0 ? '+' : '−'}${round1(Math.abs(points))}`);

/** Before/after rows of a route: every server of either side, in head order then base-only servers. */
function rows(r: RouteDiff): Array<{ label: string; before?: number; after?: number }> {
  const label = (s: ServerShare) => (s.name === s.address ? s.address : `${s.name} (${s.address})`);
  const out: Array<{ label: string; before?: number; after?: number; used?: boolean }> = [];
  const pending = [...r.before];
  for (const s of r.after) {
    const i = pending.findIndex((b) => b.name === s.name && b.address === s.address);
    const b = i >= 0 ? pending.splice(i, 1)[0] : undefined;
    out.push({ label: label(s), before: b?.share, after: s.share });
  }
  for (const b of pending) out.push({ label: label(b), before: b.share });
  return out;
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
  list('New findings:', report.introduced);
  list('Resolved findings:', report.resolved);
  const count = (s: RouteDiff['status']) => report.routes.filter((r) => r.status === s).length;
  lines.push(
    '',
    `${count('changed')} route(s) changed, ${count('added')} added, ${count('removed')} removed; ` +
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
  if (changed.length === 0 && report.introduced.length === 0 && report.resolved.length === 0) {
    out.push('No change to the traffic distribution, and no new findings.');
    return out.join('\n');
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
  return found ? readProjectConfig(found) : {};
}

/** `lb-lens diff [--base <rev>] [--head <rev>] [paths…] [--format text|json|markdown] [--fail-on-shift <points>]`. */
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
  const excludes = (config.exclude ?? []).map(globToRegExp);
  const include = (path: string) =>
    (prefixes.length === 0 || prefixes.some((p) => p === '' || path === p || path.startsWith(`${p}/`))) &&
    !excludes.some((re) => re.test(path)) &&
    !path.split('/').some((seg) => seg === 'node_modules');
  const baseLabel = args.options.base?.[0] ?? 'HEAD';
  const headLabel = args.options.head?.[0];
  const base = commitRevision(top, baseLabel, include);
  const head = headLabel !== undefined ? commitRevision(top, headLabel, include) : workTreeRevision(top);
  const settings = mergeSettings(config);
  const report = compare(analyzeSide(base, top, io.cwd, include, settings), analyzeSide(head, top, io.cwd, include, settings), {
    base: base.label,
    head: head.label,
  });
  if (format === 'json') io.out(renderDiffJson(report));
  else if (format === 'markdown') io.out(renderDiffMarkdown(report));
  else io.out(renderDiffText(report));
  return diffExitCode(report, failOnShift);
}
