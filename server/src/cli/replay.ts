/**
 * `lb-lens replay CONFIG --log FILE… [--log-format auto|…] [--format text|json] [--entry NAME] [--host NAME]
 * [--port N] [--drift-alpha A] [--drift-min-shift POINTS] [--fail-on-drift]`: access logs through the
 * configuration — per route, pool and server: requests, shares, peak rates; what no pool took; drift between
 * where the logs say requests went and where the configuration sends them. The logs are streamed (plain or gzip).
 */
import { existsSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { DocumentAnalysis } from '../service/languageService';
import { configLogInfo, formatContextFor, type ConfigLogInfo } from '../service/logs/config';
import { analyzeDrift, type DriftReport } from '../service/logs/drift';
import { LOG_FORMAT_IDS, normaliseFormatName } from '../service/logs/formats';
import type { LogRecord } from '../service/logs/record';
import { Replay, summarize, type Rates, type ReplaySummary } from '../service/logs/replay';
import { openLogFile, type LogFileSummary } from '../service/logs/session';
import { uriToPath } from '../service/uri';
import { LogReadError, readLogLines } from '../node/logReader';
import { UsageError, type ParsedArgs } from './args';

export const replayOptions = ['log', 'log-format', 'format', 'entry', 'host', 'port', 'config', 'lang', 'allow-outside', 'drift-alpha', 'drift-min-shift'];

export interface ReplayDeps {
  cwd: string;
  out: (s: string) => void;
  err: (s: string) => void;
  /** Analyse the configuration the CLI way; `readText` reads the files of its model (for log_format). */
  analyze: (path: string) => { analysis: DocumentAnalysis; readText: (uri: string) => string | undefined };
}

export interface ReplayReport extends ReplaySummary {
  config: string;
  logs: LogFileSummary[];
  drift: DriftReport | null;
}

/** The log files of the command line: `--log` values and the positionals after the configuration. */
export function logPaths(args: ParsedArgs, flag: string, positionalsFrom: number, cwd: string): string[] {
  const list = [...(args.options[flag] ?? []), ...args.positionals.slice(positionalsFrom)];
  for (const p of list) {
    if (p === '-') continue;
    const abs = resolve(cwd, p);
    if (!existsSync(abs)) throw new UsageError(`no such log file: ${p}`);
    if (statSync(abs).isDirectory()) throw new UsageError(`${p} is a folder: name the log files (a shell glob such as logs/access.log*)`);
  }
  return list;
}

export function logFormatOption(args: ParsedArgs, info?: ConfigLogInfo): string {
  const raw = args.options['log-format']?.[0] ?? 'auto';
  const id = normaliseFormatName(raw);
  if (!id) throw new UsageError(`unknown --log-format "${raw}" (${LOG_FORMAT_IDS.join(', ')}, or nginx:<log_format name>)`);
  if (id.startsWith('nginx:') && !info?.formats.some((f) => `nginx:${f.name}` === id)) {
    const names = info?.formats.map((f) => f.name) ?? [];
    throw new UsageError(`--log-format ${raw}: the configuration declares no log_format "${id.slice(6)}"${names.length ? ` (it declares ${names.join(', ')})` : ''}`);
  }
  return id;
}

function numberOption(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const v = args.options[name]?.[0];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} takes a number between ${min} and ${max}, not "${v}"`);
  return n;
}

export function portOption(args: ParsedArgs): number | undefined {
  const t = args.options.port?.[0];
  if (t === undefined) return undefined;
  if (!/^\d+$/.test(t) || Number(t) < 1 || Number(t) > 65535) throw new UsageError(`--port must be 1-65535, got "${t}"`);
  return Number(t);
}

/** Stream every log through `sink`; each file's summary. A file that cannot be opened is an error (exit 2). */
export async function readLogs(paths: string[], cwd: string, format: string, info: ConfigLogInfo, sink: (rec: LogRecord) => void, wantHeader?: (name: string) => boolean): Promise<LogFileSummary[]> {
  const out: LogFileSummary[] = [];
  for (const p of paths) {
    const shown = p === '-' ? '(standard input)' : relative(cwd, resolve(cwd, p)) || p;
    const feed = openLogFile(shown, format, formatContextFor(info, p, wantHeader), sink);
    let error: string | undefined;
    try {
      const r = await readLogLines(p === '-' ? '-' : resolve(cwd, p), { line: (t) => feed.push(t), tooLong: (s, n) => feed.pushTooLong(s, n) });
      error = r.error;
    } catch (e) {
      if (e instanceof LogReadError) throw new UsageError(`cannot read ${shown}: ${e.message}`);
      throw e;
    }
    out.push(feed.end(error));
  }
  return out;
}

export async function replayCommand(args: ParsedArgs, deps: ReplayDeps): Promise<number> {
  if (args.positionals.length === 0) throw new UsageError('replay needs a configuration file and --log <access log>');
  const format = args.options.format?.[0] ?? 'text';
  if (!['text', 'json'].includes(format)) throw new UsageError(`unknown --format "${format}" (text or json)`);
  const logs = logPaths(args, 'log', 1, deps.cwd);
  if (logs.length === 0) throw new UsageError('replay needs at least one access log (--log <file>, plain or .gz)');
  const port = portOption(args);
  const alpha = numberOption(args, 'drift-alpha', 1e-12, 0.5);
  const minShift = numberOption(args, 'drift-min-shift', 0, 100);
  const path = resolve(deps.cwd, args.positionals[0]);
  if (!existsSync(path)) throw new UsageError(`no such file: ${args.positionals[0]}`);
  if (statSync(path).isDirectory()) throw new UsageError('replay takes a configuration file, not a folder');
  const { analysis: a, readText } = deps.analyze(path);
  const entry = args.options.entry?.[0];
  if (entry !== undefined && !a.model.entries.some((e) => e.name.toLowerCase() === entry.toLowerCase() || e.name.toLowerCase().endsWith(` ${entry.toLowerCase()}`))) {
    throw new UsageError(`no entry point is named "${entry}" (${a.model.entries.map((e) => e.name).slice(0, 8).join(', ') || 'the file has none'})`);
  }
  const info = configLogInfo(a, readText);
  const logFormat = logFormatOption(args, info);
  const replay = new Replay(a.model, a.index, { entry, host: args.options.host?.[0]?.toLowerCase(), port });
  const files = await readLogs(logs, deps.cwd, logFormat, info, (rec) => replay.add(rec), replay.wantHeader);
  const show = (uri: string) => relative(deps.cwd, uriToPath(uri)) || uriToPath(uri);
  const summary = summarize(replay, show);
  const drift = analyzeDrift(replay.classes, a.index, show, { alpha, minShift }) ?? null;
  const report: ReplayReport = { config: show(a.uri), logs: files, ...summary, drift };
  deps.out(format === 'json' ? JSON.stringify(report, null, 2) : renderReplayText(report));
  if (replay.requests === 0) {
    deps.err(`lb-lens: no line of ${files.map((f) => f.path).join(', ')} could be read as a request${files.some((f) => !f.format) ? ' (format not recognised: --log-format names it)' : ''}`);
    return 2;
  }
  if (args.options['fail-on-drift'] !== undefined && driftFound(drift)) return 1;
  return 0;
}

export function driftFound(d: DriftReport | null): boolean {
  return !!d && (d.pools.some((p) => p.status === 'drift') || d.unexpected.length > 0 || d.silent.length > 0 || d.routing.length > 0);
}

// ---- text -------------------------------------------------------------------------------------------------------

export const num = (n: number) => Math.round(n).toLocaleString('en-US');
export const rate = (r: number) => (r >= 100 ? num(r) : r >= 10 ? r.toFixed(1).replace(/\.0$/, '') : r.toFixed(2).replace(/\.?0+$/, ''));
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const peakText = (r: Rates) => (r.perSecond ? rate(r.perSecond.rate) : '—');
const minuteText = (r: Rates) => (r.perMinute ? rate(r.perMinute.rate) : '—');

function duration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1).replace(/\.0$/, '')} h`;
  return `${(seconds / 86400).toFixed(1).replace(/\.0$/, '')} days`;
}

function table(rows: string[][], right: Set<number>): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd());
}

export function renderLogFiles(lines: string[], logs: LogFileSummary[]): void {
  for (const f of logs) {
    const parts = [`${num(f.requests)} request${f.requests === 1 ? '' : 's'}`];
    if (f.noRequest) parts.push(`${num(f.noRequest)} without a request`);
    if (f.unparseable) parts.push(`${num(f.unparseable)} unparseable`);
    lines.push(`  ${f.path}: ${f.formatLabel ?? 'format not recognised'}, ${num(f.lines)} line${f.lines === 1 ? '' : 's'}: ${parts.join(', ')}`);
    if (f.error) lines.push(`    ! ${f.error}`);
    for (const e of f.examples) lines.push(`    line ${e.line}: ${e.reason}: ${e.text.length > 120 ? `${e.text.slice(0, 120)}…` : e.text}`);
    if (f.unparseable > f.examples.length) lines.push(`    … and ${num(f.unparseable - f.examples.length)} more`);
  }
}

export function renderReplayText(r: ReplayReport): string {
  const lines: string[] = [];
  const span = r.window ? `, ${r.window.start} → ${r.window.end} (${duration(r.window.seconds)})` : '';
  lines.push(`lb-lens replay ${r.config}: ${num(r.requests)} request${r.requests === 1 ? '' : 's'} from ${r.logs.length} log file${r.logs.length === 1 ? '' : 's'}${span}`);
  renderLogFiles(lines, r.logs);
  if (r.peak.perSecond || r.peak.perMinute) {
    lines.push('', `Peak: ${r.peak.perSecond ? `${rate(r.peak.perSecond.rate)} req/s at ${r.peak.perSecond.at}` : '—'}; busiest minute ${r.peak.perMinute ? `${rate(r.peak.perMinute.rate)} req/s (${num(r.peak.perMinute.requests)} requests at ${r.peak.perMinute.at})` : '—'}`);
  }
  if (r.routes.length) {
    lines.push('', 'Routes');
    const rows = [['', 'requests', 'share', 'peak/s', 'busiest min/s'], ...r.routes.map((x) => [
      `${x.name} (${x.file}:${x.line}) → ${x.outcome === 'pool' ? x.pools.map((p) => `${p.name}${x.pools.length > 1 ? ` ${pct(p.share)}` : ''}`).join(' + ') : `${x.outcome}${x.status ? ` ${x.status}` : ''}`}`,
      num(x.requests), pct(x.share), peakText(x.peak), minuteText(x.peak),
    ])];
    lines.push(...table(rows, new Set([1, 2, 3, 4])).map((l) => `  ${l}`));
  }
  if (r.pools.length) {
    lines.push('', 'Pools and servers (server requests follow the configured shares)');
    const rows: string[][] = [['', 'requests', 'share', 'peak/s', 'busiest min/s']];
    for (const p of r.pools) {
      rows.push([`${p.name} (${p.file}:${p.line})`, num(p.requests), pct(p.share), peakText(p.peak), minuteText(p.peak)]);
      for (const s of p.servers) {
        const label = `  ${s.name && s.name !== s.address ? `${s.name} ${s.address}` : s.address}${s.state !== 'active' ? ` (${s.state})` : ''}  ${pct(s.poolShare)} of pool`;
        rows.push([label, num(s.requests), pct(s.share), peakText(s.peak), minuteText(s.peak)]);
      }
    }
    lines.push(...table(rows, new Set([1, 2, 3, 4])).map((l) => `  ${l}`));
  }
  if (r.unrouted.length) {
    lines.push('', 'Not sent to a pool');
    const rows = [['', 'requests', 'share', 'example'], ...r.unrouted.map((u) => [
      `${outcomeLabel(u.outcome, u.status)}${u.route ? ` (${u.route})` : ''}`, num(u.requests), pct(u.share), u.example,
    ])];
    lines.push(...table(rows, new Set([1, 2])).map((l) => `  ${l}`));
  }
  if (r.drift) renderDrift(lines, r.drift);
  else lines.push('', 'Drift: the logs do not record where requests went (log $upstream_addr, HAProxy backend/server, %UPSTREAM_HOST%, …).');
  if (r.notes.length) {
    lines.push('', 'Notes');
    for (const n of r.notes) lines.push(`  - ${n}`);
  }
  return lines.join('\n');
}

export function outcomeLabel(outcome: string, status?: number): string {
  switch (outcome) {
    case 'no-backend': return `no backend${status ? ` (${status})` : ''}`;
    case 'no-entry': return 'no entry point listens';
    case 'redirect': return `redirect${status ? ` ${status}` : ''}`;
    case 'direct': return `answered by the proxy${status ? ` (${status})` : ''}`;
    case 'dynamic': return 'target decided at run time';
    default: return outcome;
  }
}

function renderDrift(lines: string[], d: DriftReport): void {
  const flagged = d.pools.filter((p) => p.status === 'drift').length + d.unexpected.length + d.silent.length + d.routing.length;
  lines.push('', `Drift: ${num(d.observedRequests)} logged request(s) say where they went — ${flagged ? `${flagged} finding(s)` : 'they follow the configuration'}`);
  lines.push(`  test: ${d.test}`);
  for (const p of d.pools) {
    const head = `  ${p.status === 'drift' ? 'DRIFT' : p.status === 'ok' ? 'ok   ' : '-    '} ${p.name} (${p.file}:${p.line}), ${num(p.requests)} requests`;
    if (p.chiSquare) {
      const pv = p.chiSquare.pValue === 0 ? '< 1e-300' : `= ${p.chiSquare.pValue}`;
      lines.push(`${head}: χ² = ${p.chiSquare.statistic}, df = ${p.chiSquare.df}, p ${pv} (threshold ${p.chiSquare.threshold}); largest shift ${p.maxShift} points${p.reason ? ` — ${p.reason}` : ''}`);
    } else lines.push(`${head}: not tested — ${p.reason}`);
    if (p.status === 'drift' || p.chiSquare) {
      for (const s of p.servers) {
        if (s.expected === 0 && s.requests === 0) continue;
        const iv = s.interval ? ` [${pct(s.interval[0])}, ${pct(s.interval[1])}]` : '';
        lines.push(`      ${(s.name ? `${s.name} ${s.address}` : s.address).padEnd(24)} configured ${pct(s.expected).padStart(6)}  observed ${pct(s.observed).padStart(6)}${iv}${s.outside ? '  ← outside' : ''}`);
      }
    }
  }
  for (const u of d.unexpected) lines.push(`  UNEXPECTED ${num(u.requests)} request(s) for ${u.pool}${u.route ? ` (${u.route})` : ''} reached ${u.observed}: ${u.why}`);
  for (const s of d.silent) lines.push(`  SILENT ${s.server} in ${s.pool} got none of ${num(s.poolRequests)} requests (configured ${pct(s.expected)}; by chance: ${s.probability})`);
  for (const x of d.routing) lines.push(`  ROUTING ${num(x.requests)} request(s) of ${x.route}: the configuration says ${x.expected}, the log says ${x.observed}`);
  if (d.unverifiable) lines.push(`  (${num(d.unverifiable)} request(s) could not be compared: servers named by DNS, or a log that names no server)`);
}
