import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ExerciseResult } from './exercise';
import { generate, loadSeeds, type FuzzInput } from './generators';
import { knownIssue } from './known';

/**
 * The fuzz harness: deterministic (a seed), bounded (a count and a time limit), and never waiting on a hang — each
 * input runs in a worker thread that is terminated when it overruns its time, and replaced.
 *
 * Checks per input: no exception escapes the service (crash); it finishes within a time proportional to its size
 * (slow: over budget twice in a row; hang: past the hard timeout); it fits in the worker's heap limit (memory);
 * no JavaScript error text in a message, shares are fractions, ranges are ordered; nothing is read outside the
 * workspace (real file-system shapes). Over the run: the heap after garbage collection does not keep growing.
 */

export type Problem = 'crash' | 'hang' | 'slow' | 'slow-detect' | 'memory' | 'message' | 'shares' | 'ranges' | 'escape';

export interface Finding {
  index: number;
  kind: string;
  detail: string;
  problem: Problem;
  info: string;
  size: number;
  /** Why this is a known issue owned elsewhere (then it does not fail the run). */
  known?: string;
}

export interface FuzzOptions {
  seed: number;
  count: number;
  /** Stop generating new inputs after this long (the report says how many ran). */
  timeLimitMs: number;
  /** Hard timeout of one input (at least; large inputs get proportionally more). */
  timeoutMs?: number;
  /** Only these input kinds (`shape/alias-bomb`, `seed/mutation`…). */
  only?: ReadonlySet<string>;
  /** Only these input indexes (replaying findings of a run with the same seed). */
  indices?: readonly number[];
  /** Heap limit of each worker. */
  maxHeapMb?: number;
  /** Workers running inputs side by side (default 1; timings are less steady with more). */
  jobs?: number;
  /** Where to write each finding's input (for turning it into a regression fixture). */
  findingsDir?: string;
  log?: (line: string) => void;
}

export interface FuzzReport {
  seed: number;
  inputs: number;
  ms: number;
  inputsPerSecond: number;
  findings: Finding[];
  known: Finding[];
  byKind: Record<string, { n: number; totalMs: number; maxMs: number }>;
  maxHeapMb: number;
  /** Heap after garbage collection at the first and the last sample. */
  heapAfterGcMb: { first: number; last: number };
  /** The time budget per KB used (it follows the machine's speed). */
  budgetPerKbMs: { min: number; max: number };
  slowest: Array<{ index: number; kind: string; detail: string; ms: number; size: number }>;
}

/**
 * What an input may take: 2 s plus `perKb` ms per KB of text (its files included) — for the four analyses and
 * every request `exercise` makes. `perKb` is 20, or more on a slow or loaded machine: six times the time the
 * worker needs to read a KB of YAML (the `yaml` package, the slowest reader), measured every 250 inputs.
 * Quadratic behaviour overshoots it by far: a 100 KB line read by a backtracking regex took 7 s, code actions on
 * 10,000 findings 30 s each.
 */
export const timeBudgetMs = (size: number, perKb = 20) => 2000 + (perKb * size) / 1024;

const sizeOf = (i: FuzzInput) =>
  i.text.length + (i.baseText?.length ?? 0) + Object.values(i.files ?? {}).reduce((n, t) => n + t.length, 0) + Object.values(i.fs?.files ?? {}).reduce((n, t) => n + t.length, 0);

type Reply =
  | { ok: true; ms: number; heap: number; result: ExerciseResult }
  | { ok: false; ms: number; heap: number; error: string }
  | { timeout: true; ms: number }
  | { died: string; ms: number };

class Runner {
  private worker!: Worker;
  private ready!: Promise<void>;
  private pending?: (r: Reply) => void;
  private started = 0;

  constructor(private readonly maxHeapMb: number) {
    this.start();
  }

  private start(): void {
    this.worker = new Worker(resolve(__dirname, 'boot.mjs'), {
      workerData: { entry: resolve(__dirname, 'worker.ts') },
      // The young generation of the server (--max-semi-space-size=64: three semi-spaces).
      resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb, maxYoungGenerationSizeMb: 192, stackSizeMb: 4 },
    });
    this.ready = new Promise((ok) => {
      const onMessage = (m: { ready?: boolean }) => {
        if (m.ready) {
          this.worker.off('message', onMessage);
          ok();
        }
      };
      this.worker.on('message', onMessage);
    });
    this.worker.on('message', (m: Reply & { ready?: boolean }) => {
      if (m.ready) return;
      const p = this.pending;
      this.pending = undefined;
      p?.(m);
    });
    this.worker.on('error', (e) => {
      const p = this.pending;
      this.pending = undefined;
      p?.({ died: `${(e as Error).message}`, ms: performance.now() - this.started });
    });
    this.worker.on('exit', (code) => {
      const p = this.pending;
      this.pending = undefined;
      p?.({ died: `worker exited with code ${code}`, ms: performance.now() - this.started });
    });
  }

  async run(input: FuzzInput | { gc: true } | { calibrate: true }, timeoutMs: number): Promise<Reply> {
    await this.ready;
    this.started = performance.now();
    const reply = await new Promise<Reply>((done) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        done({ timeout: true, ms: performance.now() - this.started });
      }, timeoutMs);
      this.pending = (r) => {
        clearTimeout(timer);
        done(r);
      };
      this.worker.postMessage(input);
    });
    if ('timeout' in reply || 'died' in reply) await this.restart();
    return reply;
  }

  async restart(): Promise<void> {
    const old = this.worker;
    this.worker.removeAllListeners();
    await old.terminate();
    this.start();
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners();
    await this.worker.terminate();
  }
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const log = o.log ?? (() => {});
  const seeds = loadSeeds();
  const jobs = Math.max(1, o.jobs ?? 1);
  const runners = Array.from({ length: jobs }, () => new Runner(o.maxHeapMb ?? 2048));
  const findings: Finding[] = [];
  const byKind: FuzzReport['byKind'] = {};
  const slowest: FuzzReport['slowest'] = [];
  let maxHeap = 0;
  const heapAfterGc: number[] = [];
  const t0 = performance.now();
  let n = 0;
  let next = 0;
  const gcSample = async (runner: Runner) => {
    const r = await runner.run({ gc: true }, 30_000);
    if ('ok' in r) heapAfterGc.push(r.heap);
  };
  let perKb = 20;
  let started = 0;
  const perKbSeen: number[] = [];
  const calibrate = async (runner: Runner) => {
    const r = await runner.run({ calibrate: true }, 60_000);
    // The calibration text is 100 KB.
    if ('ok' in r) perKb = Math.max(20, (6 * r.ms) / 100);
    perKbSeen.push(perKb);
  };

  /** One input, start to finish, on one runner. */
  async function one(runner: Runner, index: number): Promise<void> {
    const input = generate(o.seed, index, seeds, o.only);
    const size = sizeOf(input);
    if (started++ % 250 === 0) await calibrate(runner);
    const budget = timeBudgetMs(size, perKb);
    // A known hang (owned elsewhere) is given just enough time to show it still hangs.
    const knownHang = knownIssue(input, 'hang', '');
    const timeout = knownHang ? Math.max(2000, 2 * budget) : Math.max(o.timeoutMs ?? 15_000, 4 * budget);
    let reply = await runner.run(input, timeout);
    const add = (problem: Problem, info: string) => {
      const f: Finding = { index, kind: input.kind, detail: input.detail, problem, info, size };
      f.known = knownIssue(input, problem, info);
      findings.push(f);
      if (o.findingsDir) save(o.findingsDir, o.seed, f, input);
      log(`${f.known ? 'known' : 'FINDING'} #${index} ${problem} ${input.kind} (${input.detail}): ${info.split('\n')[0].slice(0, 200)}`);
    };
    const over = (r: Reply) => 'ok' in r && r.ok && (r.ms - r.result.detectMs > budget || r.result.detectMs > budget);
    if (over(reply) || ('timeout' in reply && !knownHang)) {
      // Confirm once: the machine is shared, a single slow run may be someone else's load. A hang is confirmed
      // with twice the time; if it then finishes, its time is judged against the budget like any other.
      const again = await runner.run(input, 'timeout' in reply ? 2 * timeout : timeout);
      if ('ok' in again && again.ok) reply = 'ok' in reply && reply.ms < again.ms ? reply : again;
      else if ('timeout' in again) reply = again;
    }
    n++;
    const ms = reply.ms;
    const k = (byKind[input.kind] ??= { n: 0, totalMs: 0, maxMs: 0 });
    k.n++;
    k.totalMs += ms;
    k.maxMs = Math.max(k.maxMs, ms);
    slowest.push({ index, kind: input.kind, detail: input.detail, ms, size });
    slowest.sort((a, b) => b.ms - a.ms);
    slowest.length = Math.min(slowest.length, 10);
    if ('timeout' in reply) add('hang', `no answer after ${Math.round(ms)} ms (budget ${Math.round(budget)} ms for ${size} characters)`);
    else if ('died' in reply) add(/memory|heap/i.test(reply.died) ? 'memory' : 'crash', reply.died);
    else if (!reply.ok) add('crash', reply.error);
    else {
      maxHeap = Math.max(maxHeap, reply.heap);
      const detect = reply.result.detectMs;
      if (ms - detect > budget) add('slow', `${Math.round(ms - detect)} ms (detection aside) for ${size} characters (budget ${Math.round(budget)} ms)`);
      if (detect > budget) add('slow-detect', `format detection took ${Math.round(detect)} ms for ${size} characters`);
      for (const f of reply.result.findings) add(f.check, f.detail);
    }
    if (n % 500 === 0) {
      await gcSample(runner);
      const el = (performance.now() - t0) / 1000;
      log(`${n} inputs, ${el.toFixed(1)} s, ${(n / el).toFixed(1)} inputs/s, heap after GC ${mb(heapAfterGc[heapAfterGc.length - 1])} MB, ${findings.filter((f) => !f.known).length} findings`);
    }
  }

  try {
    await gcSample(runners[0]);
    // Each runner takes the next index until the count or the time limit is reached; inputs depend only on
    // (seed, index), so the set of inputs is the same whatever the number of jobs.
    await Promise.all(
      runners.map(async (runner) => {
        const list = o.indices;
        if (list) while (next < list.length && performance.now() - t0 <= o.timeLimitMs) await one(runner, list[next++]);
        else while (next < o.count && performance.now() - t0 <= o.timeLimitMs) await one(runner, next++);
      }),
    );
    await gcSample(runners[0]);
  } finally {
    await Promise.all(runners.map((r) => r.close()));
  }
  const ms = performance.now() - t0;
  const first = heapAfterGc[0] ?? 0;
  const last = heapAfterGc[heapAfterGc.length - 1] ?? 0;
  // The caches (parse caches, per-document states) are bounded; anything past that is a leak.
  if (last - first > 512 * 1024 * 1024) {
    findings.push({ index: -1, kind: 'run', detail: 'heap after GC', problem: 'memory', info: `grew from ${mb(first)} MB to ${mb(last)} MB over ${n} inputs`, size: 0 });
  }
  return {
    seed: o.seed,
    inputs: n,
    ms,
    inputsPerSecond: n / (ms / 1000),
    findings: findings.filter((f) => !f.known),
    known: findings.filter((f) => f.known),
    byKind,
    maxHeapMb: mb(maxHeap),
    heapAfterGcMb: { first: mb(first), last: mb(last) },
    budgetPerKbMs: { min: Math.min(...perKbSeen), max: Math.max(...perKbSeen) },
    slowest,
  };
}

const mb = (bytes: number) => Math.round(bytes / (1024 * 1024));

function save(dir: string, seed: number, f: Finding, input: FuzzInput): void {
  try {
    mkdirSync(dir, { recursive: true });
    const clip = (s: string) => (s.length > 2_000_000 ? `${s.slice(0, 2_000_000)}…` : s);
    writeFileSync(
      join(dir, `${f.problem}-${seed}-${f.index}.json`),
      JSON.stringify({ seed, index: f.index, problem: f.problem, info: f.info, known: f.known, input: { ...input, text: clip(input.text) } }, null, 1),
    );
  } catch {
    /* best effort */
  }
}
