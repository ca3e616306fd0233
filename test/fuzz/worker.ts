import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { exercise } from './exercise';
import type { FuzzInput } from './generators';

/** The fuzz worker: runs inputs one at a time and answers with the outcome, its time and the heap in use. */

// A worker cannot be given --expose-gc; this makes `gc` available to a fresh context (for heap-after-GC samples).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

parentPort!.on('message', (input: FuzzInput | { gc: true }) => {
  const t0 = performance.now();
  if ('gc' in input) {
    gc();
    parentPort!.postMessage({ ok: true, ms: performance.now() - t0, heap: process.memoryUsage().heapUsed, result: { findings: [], diagnostics: 0, reads: 0, detectMs: 0 } });
    return;
  }
  try {
    const r = exercise(input);
    parentPort!.postMessage({ ok: true, ms: performance.now() - t0, heap: process.memoryUsage().heapUsed, result: r });
  } catch (e) {
    const err = e as Error;
    parentPort!.postMessage({ ok: false, ms: performance.now() - t0, heap: process.memoryUsage().heapUsed, error: `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}\n${(err?.stack ?? '').split('\n').slice(1, 8).join('\n')}` });
  }
});
parentPort!.postMessage({ ready: true });
