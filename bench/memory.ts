import { readFileSync } from 'node:fs';

/** Memory of the server: the process and its children (the `bin` launcher starts the server in a child). */
export function rssMiB(pid: number): { rss: number; peak: number } {
  let rss = 0;
  let peak = 0;
  for (const p of [pid, ...childPids(pid)]) {
    const status = readFileSync(`/proc/${p}/status`, 'utf8');
    const kb = (k: string) => Number(/(\d+) kB/.exec(status.split('\n').find((l) => l.startsWith(k)) ?? '')?.[1] ?? 0);
    rss += kb('VmRSS:') / 1024;
    peak += kb('VmHWM:') / 1024;
  }
  return { rss, peak };
}

function childPids(pid: number): number[] {
  try {
    const direct = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return direct.flatMap((c) => [c, ...childPids(c)]);
  } catch {
    return [];
  }
}
