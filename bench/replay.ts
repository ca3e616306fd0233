/**
 * `npm run bench -- replay`: the replay path (read → parse → route → count) on 1M generated access-log lines
 * through a 50-route nginx configuration, for nginx `combined` and nginx JSON lines (plain files, and the combined
 * log gzip-compressed), and the process's memory at 100k, 500k and 1M lines (it must stay flat: the log is
 * streamed). Each run is a child process of its own (`--worker`), so its RSS is the replay's alone.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { analyzeText } from '../test/helpers/edits';
import { Replay } from '../server/src/service/logs/replay';
import { openLogFile } from '../server/src/service/logs/session';
import { readLogLines } from '../server/src/node/logReader';

const OUT = resolve(__dirname, '..', '.bench');
const LINES = 1_000_000;
const ROUTES = 50;

/** 40 prefix locations over 5 upstreams of 3 servers, 9 regex locations, and `location /`. */
export function replayConfig(): string {
  const out = ['events {}', 'http {'];
  for (let u = 0; u < 5; u++) out.push(`  upstream pool${u} { server 10.0.${u}.1:8080; server 10.0.${u}.2:8080; server 10.0.${u}.3:8080 weight=2; }`);
  out.push('  server {', '    listen 80;', '    server_name shop.example.com;');
  for (let i = 0; i < 40; i++) out.push(`    location /svc${i}/ { proxy_pass http://pool${i % 5}; }`);
  for (let i = 0; i < ROUTES - 41; i++) out.push(`    location ~ ^/r${i}/[a-z]+/\\d+$ { proxy_pass http://pool${i % 5}; }`);
  out.push('    location / { proxy_pass http://pool0; }', '  }', '}');
  return `${out.join('\n')}\n`;
}

const T0 = Date.UTC(2024, 4, 1, 10, 0, 0);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** A request path: mostly the prefix services with 1,000 item ids, some regex routes, some unrouted. */
function path(i: number): string {
  const k = (i * 2654435761) >>> 0;
  const r = k % 100;
  if (r < 80) return `/svc${k % 40}/items/${(k >>> 8) % 1000}${r % 4 === 0 ? `?page=${r % 7}` : ''}`;
  if (r < 95) return `/r${k % 9}/abc/${(k >>> 8) % 500}`;
  return `/static/app.${(k >>> 8) % 50}.js`;
}

function* lines(kind: 'combined' | 'json'): Generator<string> {
  let d = new Date(T0);
  let sec = -1;
  let local = '';
  let iso = '';
  for (let i = 0; i < LINES; i++) {
    const s = Math.floor((i * 3600) / LINES);
    if (s !== sec) {
      sec = s;
      d = new Date(T0 + s * 1000);
      local = `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
      iso = d.toISOString().replace('.000Z', '+00:00');
    }
    const p = path(i);
    const up = `10.0.${i % 5}.${(i % 3) + 1}:8080`;
    if (kind === 'combined') yield `203.0.113.${i % 250} - - [${local}] "GET ${p} HTTP/1.1" 200 ${512 + (i % 900)} "https://shop.example.com/" "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0"\n`;
    else yield `{"time_iso8601":"${iso}","remote_addr":"203.0.113.${i % 250}","request":"GET ${p} HTTP/1.1","status":200,"body_bytes_sent":${512 + (i % 900)},"host":"shop.example.com","http_user_agent":"Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0","upstream_addr":"${up}","request_time":0.012}\n`;
  }
}

async function generate(kind: 'combined' | 'json', gzip: boolean): Promise<string> {
  const file = join(OUT, `access-${kind}-1M.log${gzip ? '.gz' : ''}`);
  if (existsSync(file)) return file;
  const src = Readable.from(lines(kind));
  if (gzip) await pipeline(src, createGzip({ level: 6 }), createWriteStream(file));
  else await pipeline(src, createWriteStream(file));
  return file;
}

interface WorkerResult {
  lines: number;
  requests: number;
  seconds: number;
  /** CPU seconds (user + system) of the replay: the machine may be shared, CPU time is what one core spends. */
  cpuSeconds: number;
  parseOnlySeconds: number;
  parseOnlyCpuSeconds: number;
  rss: Array<{ lines: number; mib: number }>;
  heap: Array<{ lines: number; mib: number }>;
}

/** In the child: replay one file, sampling memory; then the same file parsed without routing. */
async function worker(configPath: string, file: string): Promise<void> {
  const a = analyzeText(`file://${configPath}`, readFileSync(configPath, 'utf8'));
  const replay = new Replay(a.model, a.index);
  let n = 0;
  const marks = new Set([100_000, 500_000, 1_000_000]);
  const rss: WorkerResult['rss'] = [];
  const heap: WorkerResult['heap'] = [];
  const feed = openLogFile(file, 'auto', { wantHeader: replay.wantHeader }, (rec) => {
    replay.add(rec);
  });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await readLogLines(file, {
    line: (t) => {
      feed.push(t);
      if (marks.has(++n)) {
        (globalThis as { gc?: () => void }).gc?.();
        const m = process.memoryUsage();
        rss.push({ lines: n, mib: Math.round(m.rss / 2 ** 20) });
        heap.push({ lines: n, mib: Math.round(m.heapUsed / 2 ** 20) });
      }
    },
    tooLong: () => {},
  });
  const summary = feed.end();
  const seconds = (performance.now() - t0) / 1000;
  const c1 = process.cpuUsage(c0);
  const cpuSeconds = (c1.user + c1.system) / 1e6;
  const parseFeed = openLogFile(file, 'auto', {}, () => {});
  const t1 = performance.now();
  const c2 = process.cpuUsage();
  await readLogLines(file, { line: (t) => parseFeed.push(t), tooLong: () => {} });
  parseFeed.end();
  const parseOnlySeconds = (performance.now() - t1) / 1000;
  const c3 = process.cpuUsage(c2);
  const out: WorkerResult = { lines: summary.lines, requests: summary.requests, seconds, cpuSeconds, parseOnlySeconds, parseOnlyCpuSeconds: (c3.user + c3.system) / 1e6, rss, heap };
  process.stdout.write(JSON.stringify(out));
}

export async function benchReplay(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const configPath = join(OUT, 'replay-nginx.conf');
  createWriteStream(configPath).end(replayConfig());
  await new Promise((r) => setTimeout(r, 50));
  console.log(`\nReplay: 1M access-log lines through a ${ROUTES}-route nginx configuration (one process each, one core):`);
  console.log('| log | size | lines per CPU second: read + parse + route (wall) | read + parse only | RSS at 100k / 500k / 1M lines | heap after GC at 100k / 500k / 1M |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [kind, gzip] of [['combined', false], ['combined', true], ['json', false]] as const) {
    const file = await generate(kind, gzip);
    const r = spawnSync(process.execPath, ['--max-semi-space-size=64', '--expose-gc', '--import', 'tsx', __filename, '--worker', configPath, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) {
      console.log(`| ${kind}${gzip ? ' (gzip)' : ''} | failed: ${r.stderr.split('\n').slice(0, 3).join(' ')} |`);
      continue;
    }
    const w = JSON.parse(r.stdout) as WorkerResult;
    const size = statSync(file).size / 2 ** 20;
    console.log(
      `| nginx ${kind === 'json' ? 'JSON' : 'combined'}${gzip ? ' .gz' : ''} | ${size.toFixed(0)} MiB | ${Math.round(w.lines / w.cpuSeconds).toLocaleString('en-US')} (${w.cpuSeconds.toFixed(2)} CPU s; wall ${w.seconds.toFixed(2)} s; ${w.requests.toLocaleString('en-US')} requests) | ` +
        `${Math.round(w.lines / w.parseOnlyCpuSeconds).toLocaleString('en-US')} | ${w.rss.map((x) => x.mib).join(' / ')} MiB | ${w.heap.map((x) => x.mib).join(' / ')} MiB |`,
    );
  }
}

if (process.argv[2] === '--worker') {
  worker(process.argv[3], process.argv[4]).catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else if (require.main === module) {
  benchReplay().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
