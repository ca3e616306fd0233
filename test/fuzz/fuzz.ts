import { resolve } from 'node:path';
import { runFuzz, type FuzzReport } from './harness';

/**
 * `npm run fuzz` — deterministic and bounded:
 *   --count N       inputs (FUZZ_COUNT, default 10000)
 *   --seed S        seed (FUZZ_SEED, default 1)
 *   --time SEC      stop starting new inputs after SEC seconds (FUZZ_TIME, default 1800)
 *   --timeout MS    hard timeout of one input, at least (FUZZ_TIMEOUT, default 15000; large inputs get more)
 *   --only K1,K2    only these input kinds (shape/alias-bomb, seed/mutation, random/bytes, …)
 *   --jobs J        worker threads side by side (FUZZ_JOBS, default 1)
 *   --replay I,J    only these inputs of the seed (a finding's index)
 *   --quiet         no progress lines
 * Each finding's input is written to test/fuzz/findings/ (not committed) to be made into a regression fixture.
 * Exit code 1 when there are findings that are not known issues.
 */
function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  const count = Number(flag('count') ?? process.env.FUZZ_COUNT ?? 10_000);
  const seed = Number(flag('seed') ?? process.env.FUZZ_SEED ?? 1);
  const time = Number(flag('time') ?? process.env.FUZZ_TIME ?? 1800);
  const timeoutMs = Number(flag('timeout') ?? process.env.FUZZ_TIMEOUT ?? 15_000);
  const only = flag('only');
  const jobs = Number(flag('jobs') ?? process.env.FUZZ_JOBS ?? 1);
  const replay = flag('replay');
  const quiet = process.argv.includes('--quiet');
  console.log(`lb-lens fuzz: seed ${seed}, up to ${count} inputs, ${time} s, ${jobs} job(s)`);
  const report = await runFuzz({
    seed, count, timeLimitMs: time * 1000, timeoutMs, jobs,
    only: only ? new Set(only.split(',')) : undefined,
    indices: replay ? replay.split(',').map(Number) : undefined,
    findingsDir: resolve(__dirname, 'findings'),
    log: quiet ? undefined : (l) => console.log(l),
  });
  print(report);
  return report.findings.length ? 1 : 0;
}

export function print(r: FuzzReport): void {
  console.log(`\n${r.inputs} inputs in ${(r.ms / 1000).toFixed(1)} s: ${r.inputsPerSecond.toFixed(1)} inputs/s (seed ${r.seed})`);
  console.log(`heap: max ${r.maxHeapMb} MB in use, after GC ${r.heapAfterGcMb.first} MB at the start and ${r.heapAfterGcMb.last} MB at the end`);
  console.log(`time budget: 2 s + ${r.budgetPerKbMs.min.toFixed(0)}–${r.budgetPerKbMs.max.toFixed(0)} ms per KB (following the machine's measured speed)`);
  console.log('\nkind                         inputs   mean ms    max ms');
  for (const [k, v] of Object.entries(r.byKind).sort()) console.log(`${k.padEnd(28)} ${String(v.n).padStart(6)} ${(v.totalMs / v.n).toFixed(1).padStart(9)} ${v.maxMs.toFixed(0).padStart(9)}`);
  console.log('\nslowest:');
  for (const s of r.slowest) console.log(`  #${s.index} ${s.kind} (${s.detail}): ${s.ms.toFixed(0)} ms, ${s.size} characters`);
  if (r.known.length) {
    console.log(`\n${r.known.length} known issues (owned elsewhere):`);
    for (const f of r.known) console.log(`  #${f.index} ${f.problem} ${f.kind} (${f.detail}): ${f.known}`);
  }
  console.log(r.findings.length ? `\n${r.findings.length} FINDINGS:` : '\nno findings');
  for (const f of r.findings) console.log(`  #${f.index} ${f.problem} ${f.kind} (${f.detail}): ${f.info.split('\n').slice(0, 4).join(' | ').slice(0, 400)}`);
}

if (require.main === module) main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(2); });
