import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import type { DocumentAnalysis } from '../service/languageService';
import { ALERT_DEFAULTS, durationSeconds, generateAlerts, parseSelector, pct, type AlertOptions } from '../service/alerts';
import { EXPORTER_IDS, type Matcher } from '../service/exporters';
import { uriToPath } from '../service/uri';
import { UsageError, type ParsedArgs } from './args';

/** What `alerts` needs from main.ts (reading and analysing the file the CLI way). */
export interface AlertsDeps {
  cwd: string;
  out: (s: string) => void;
  err: (s: string) => void;
  analyze: (path: string) => DocumentAnalysis;
}

export const alertsOptions = [
  'for', 'out', 'margin', 'for-duration', 'window', 'skew', 'error-ratio', 'min-rate', 'no-traffic-window', 'selector', 'severity',
  'exporter', 'lang', 'config', 'allow-outside',
];

export const ALERTS_HELP = `  lb-lens alerts <file> [--for prometheus] [--out <file>] [--exporter <id>] [--margin <points>] [--skew <percent>]
                [--error-ratio <percent>] [--min-rate <req/s>] [--window <d>] [--for-duration <d>] [--no-traffic-window <d>]
                [--selector 'label="value"']… [--severity <s>]`;

export const ALERTS_USAGE = `alerts   Write Prometheus alerting rules that watch the distribution the file configures, over the metrics of the
         product's standard exporter (--exporter: ${EXPORTER_IDS.join(', ')}; see docs/alerts.md):
         a server above its configured share by --margin points (default 10), one server above --skew % of a pool
         while others are up (90), 5xx above --error-ratio % (5), no traffic to a pool or server the file sends
         requests to; rates over --window (5m), held for --for-duration (10m), only with --min-rate req/s (1).
         To stdout, or --out FILE. Exit 0 when rules were written, 1 when the file gives nothing to watch (no pool
         receives traffic), 2 on usage errors or a file that cannot be read.`;

/** A path relative to the current folder when it is below it, else absolute. */
function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function percent(args: ParsedArgs, name: string, fallback: number, allowHundred: boolean): number {
  const text = args.options[name]?.[0];
  if (text === undefined) return fallback;
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*%?\s*$/.exec(text);
  const v = m ? Number(m[1]) : NaN;
  if (!(v > 0) || v > 100 || (!allowHundred && v === 100)) {
    throw new UsageError(`--${name} takes a percentage above 0 and ${allowHundred ? 'at most' : 'below'} 100 (like 10 or 10%), not "${text}"`);
  }
  return v / 100;
}

function duration(args: ParsedArgs, name: string, fallback: string): string {
  const text = args.options[name]?.[0];
  if (text === undefined) return fallback;
  if (durationSeconds(text) === undefined) throw new UsageError(`--${name} takes a Prometheus duration (30s, 5m, 1h30m), not "${text}"`);
  return text;
}

/**
 * `lb-lens alerts FILE [--for prometheus] [--out FILE] …`: the rules file on stdout (a summary on stderr), or in
 * `--out` (the summary on stdout). Nothing is written when there is nothing to watch.
 */
export function alertsCommand(args: ParsedArgs, deps: AlertsDeps): number {
  if (args.positionals.length !== 1) throw new UsageError('alerts takes exactly one configuration file');
  const target = args.options.for?.[0] ?? 'prometheus';
  if (target !== 'prometheus') throw new UsageError(`unknown --for "${target}" (prometheus)`);
  const minRateText = args.options['min-rate']?.[0];
  const minRate = minRateText === undefined ? ALERT_DEFAULTS.minRate : Number(minRateText);
  if (minRateText !== undefined && (!/^\s*(\d+(\.\d+)?|\.\d+)\s*$/.test(minRateText) || !(minRate > 0))) {
    throw new UsageError(`--min-rate takes a rate in requests per second above 0, not "${minRateText}"`);
  }
  const selectors: Matcher[] = [];
  for (const s of args.options.selector ?? []) {
    const parsed = parseSelector(s);
    if ('error' in parsed) throw new UsageError(parsed.error);
    selectors.push(...parsed);
  }
  const severity = args.options.severity?.[0] ?? ALERT_DEFAULTS.severity;
  if (!severity.trim()) throw new UsageError('--severity needs a value');
  const options: AlertOptions = {
    margin: percent(args, 'margin', ALERT_DEFAULTS.margin, false),
    skew: percent(args, 'skew', ALERT_DEFAULTS.skew, false),
    errorRatio: percent(args, 'error-ratio', ALERT_DEFAULTS.errorRatio, false),
    minRate,
    window: duration(args, 'window', ALERT_DEFAULTS.window),
    forDuration: duration(args, 'for-duration', ALERT_DEFAULTS.forDuration),
    noTrafficWindow: duration(args, 'no-traffic-window', ALERT_DEFAULTS.noTrafficWindow),
    severity,
    selectors,
    exporter: args.options.exporter?.[0],
    show: (uri) => displayPath(deps.cwd, uriToPath(uri)),
  };
  const outPath = args.options.out?.[0];
  const out = outPath === undefined ? undefined : resolve(deps.cwd, outPath);
  if (out !== undefined) {
    if (existsSync(out) && statSync(out).isDirectory()) throw new UsageError(`--out names a folder: ${outPath}`);
    if (!existsSync(dirname(out))) throw new UsageError(`--out: no such folder: ${relative(deps.cwd, dirname(out)) || dirname(out)}`);
  }

  const path = resolve(deps.cwd, args.positionals[0]);
  if (!existsSync(path)) throw new UsageError(`no such file: ${args.positionals[0]}`);
  if (statSync(path).isDirectory()) throw new UsageError('alerts takes a file, not a folder');
  const a = deps.analyze(path);
  const result = generateAlerts(a, options);
  if ('error' in result) throw new UsageError(result.error);
  const shown = displayPath(deps.cwd, path);
  const errors = a.diagnostics.filter((d) => d.severity === 'error' && (d.ruleId === 'LB001' || d.ruleId === 'LB002')).length;
  if (errors) deps.err(`lb-lens: ${shown} has ${errors} syntax or value ${errors === 1 ? 'error' : 'errors'} (lb-lens check shows them): the rules follow what could be read.`);

  const summary =
    `${result.ruleCount} ${result.ruleCount === 1 ? 'rule' : 'rules'} for ${result.poolsWatched} ${result.poolsWatched === 1 ? 'pool' : 'pools'} of ${shown}` +
    ` (${result.exporter.title}; margin ${Number((options.margin * 100).toFixed(1))} points, skew ${pct(options.skew)}, 5xx ${pct(options.errorRatio)})` +
    (result.notes.length ? `; ${result.notes.length} not covered (listed at the top of the file)` : '');
  if (result.ruleCount === 0) {
    deps.err(`lb-lens: nothing to watch in ${shown}: no pool receives traffic that ${result.exporter.title} can count.`);
    for (const n of result.notes) deps.err(`  - ${n}`);
    return 1;
  }
  if (out !== undefined) {
    try {
      writeFileSync(out, result.text);
    } catch (e) {
      throw new UsageError(`cannot write ${outPath}: ${(e as Error).message}`);
    }
    deps.out(`wrote ${summary} to ${displayPath(deps.cwd, out)}`);
  } else {
    deps.out(result.text.replace(/\n$/, ''));
    deps.err(`lb-lens: ${summary}`);
  }
  return 0;
}
