import { existsSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { RouteAnswer } from '../service/routing';
import { routeInDocument } from '../service/routing';
import { pathToUri, uriToPath } from '../service/uri';
import { UsageError, type ParsedArgs } from './args';

/** What `route` needs from main.ts (kept there: settings, reading files the CLI way, the service). */
export interface RouteDeps {
  cwd: string;
  out: (s: string) => void;
  analyze: (path: string) => import('../service/languageService').DocumentAnalysis;
}

const BAR = 20;
const bar = (share: number) => '█'.repeat(Math.round(share * BAR)) + '·'.repeat(BAR - Math.round(share * BAR));
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * `lb-lens route FILE --request "GET https://a.com/x" [--header "N: v"]… [--sni NAME] [--port N] [--entry NAME]
 * [--fail SERVER]… [--format text|json]`: which entry point, route, pool and servers take one request.
 * Exit 0 when some entry point routes it to a pool or answers it (redirect, direct response); 1 when nothing does
 * (no entry point listens there, no route, no usable server); 2 on usage errors.
 */
export function routeCommand(args: ParsedArgs, deps: RouteDeps): number {
  if (args.positionals.length !== 1) throw new UsageError('route takes exactly one file');
  const request = args.options.request?.[0];
  if (!request) throw new UsageError('route needs --request "[METHOD] URL"');
  const format = args.options.format?.[0] ?? 'text';
  if (!['text', 'json'].includes(format)) throw new UsageError(`unknown --format "${format}" (text or json)`);
  const portText = args.options.port?.[0];
  const port = portText === undefined ? undefined : Number(portText);
  if (portText !== undefined && (!/^\d+$/.test(portText) || port! < 1 || port! > 65535)) throw new UsageError(`--port must be 1-65535, got "${portText}"`);
  const path = resolve(deps.cwd, args.positionals[0]);
  if (!existsSync(path)) throw new UsageError(`no such file: ${args.positionals[0]}`);
  if (statSync(path).isDirectory()) throw new UsageError('route takes a file, not a folder');
  const a = deps.analyze(path);
  const show = (uri: string) => relative(deps.cwd, uriToPath(uri)) || uriToPath(uri);
  const res = routeInDocument(a, {
    request, headers: args.options.header, sni: args.options.sni?.[0], port, entry: args.options.entry?.[0], fail: args.options.fail,
  }, show);
  if ('error' in res) throw new UsageError(res.error);
  if (format === 'json') {
    deps.out(JSON.stringify(res.results.length === 1 ? res.results[0] : { results: res.results }, null, 2));
  } else {
    deps.out(renderRouteText(res.request, res.results, show(pathToUri(path))));
  }
  return res.results.some((r) => r.outcome !== 'no-backend') ? 0 : 1;
}

export function renderRouteText(request: string, results: RouteAnswer[], file: string): string {
  const out: string[] = [request];
  if (results.length === 0) out.push(`  no entry point of ${file} listens where this request arrives (check the port, the scheme, --port and --entry)`);
  for (const r of results) {
    out.push('');
    const sock = r.entry.port !== undefined ? ` on ${r.entry.address ? `${r.entry.address}:` : ''}${r.entry.port}${r.entry.tls ? ' (TLS)' : ''}` : '';
    out.push(`  entry    ${r.entry.name}${sock}${r.entry.line ? `  (${r.entry.file}:${r.entry.line})` : ''}`);
    if (r.site) out.push(`  host     ${r.site.name}${r.site.line ? `  (${r.site.file}:${r.site.line})` : ''}`);
    out.push(`  route    ${r.route ? `${r.route.name}  (${r.route.file}:${r.route.line})` : '(none)'}`);
    out.push(`  outcome  ${r.outcome}${r.status !== undefined ? ` ${r.status}` : ''}: ${r.summary}`);
    if (r.pools.length > 1) out.push(`  split    ${r.pools.map((p) => `${p.name} ${pct(p.share)}`).join(', ')}`);
    if (r.servers.length) {
      const w = Math.max(6, ...r.servers.map((s) => (s.name ?? s.address).length));
      const aw = Math.max(0, ...r.servers.map((s) => (s.name ? s.address.length : 0)));
      const pw = Math.max(...r.servers.map((s) => s.pool.length));
      for (const s of r.servers) {
        const state = s.failed ? '  (failed)' : s.state !== 'active' ? `  (${s.state})` : '';
        const cols = [(s.name ?? s.address).padEnd(w), ...(aw ? [(s.name ? s.address : '').padEnd(aw)] : []), s.pool.padEnd(pw)];
        out.push(`    ${cols.join('  ')}  ${bar(s.share)} ${pct(s.share).padStart(6)}${state}`);
      }
    }
    if (r.trace.length) {
      out.push('  trace');
      for (const t of r.trace) {
        const mark = t.result === 'match' ? '✓' : t.result === 'chosen' ? '→' : t.result === 'undecidable' ? '?' : t.result === 'no-match' ? '✗' : '·';
        out.push(`    ${mark} ${t.name}${t.line ? ` (line ${t.line})` : ''}: ${t.why}`);
      }
    }
    if (r.undecidable?.length) for (const u of r.undecidable) out.push(`  undecidable: ${u}`);
  }
  return out.join('\n');
}

export const routeOptions = ['request', 'header', 'sni', 'port', 'entry', 'fail', 'format', 'config'];

/** The folder a single file is read in (its includes and siblings). */
export const rootOf = (path: string) => dirname(path);
