import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { loadYaml } from '../../server/src/formats/yaml/yamlFile';
import { exercise } from './exercise';
import type { FuzzInput } from './generators';

/** The fuzz worker: runs inputs one at a time and answers with the outcome, its time and the heap in use. */

// A worker cannot be given --expose-gc; this makes `gc` available to a fresh context (for heap-after-GC samples).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A fixed 100 KB YAML document: reading it tells how fast this machine is right now. */
const CALIBRATION = Array.from({ length: 1500 }, (_, i) => `- name: item${i}\n  weight: ${i}\n  labels: {app: a${i % 7}, tier: t}\n`).join('');
let calibrations = 0;

parentPort!.on('message', (input: FuzzInput | { gc: true } | { calibrate: true }) => {
  const t0 = performance.now();
  if ('calibrate' in input) {
    loadYaml(`${CALIBRATION}# ${calibrations++}\n`);
    const ms = performance.now() - t0;
    parentPort!.postMessage({ ok: true, ms, heap: process.memoryUsage().heapUsed, result: { findings: [], diagnostics: 0, reads: 0, detectMs: 0 } });
    return;
  }
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
