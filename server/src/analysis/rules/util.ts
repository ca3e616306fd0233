import type { Pool, Route, Server, SourceRef } from '../../model/types';
import type { RouteDistribution } from '../distribution';

export const pct = (share: number): string => {
  const p = share * 100;
  return `${Number.isInteger(p) ? p : p >= 99.95 || p < 0.05 ? p.toFixed(0) : p.toFixed(1)}%`;
};

export const serverLabel = (s: Server): string => s.name ?? s.address;

/** Where a route's findings are shown: the target name when there is one, else the route itself. */
export function routeAnchor(route: Route): SourceRef {
  const t = route.target;
  if (t.kind === 'pool' || t.kind === 'address' || t.kind === 'dynamic') return t.nameSource;
  return route.source;
}

/** The route's distribution when it reaches servers the product balances over (not services or dynamic targets). */
export function serverDistribution(d: RouteDistribution | undefined): RouteDistribution | undefined {
  if (!d || d.kind !== 'servers') return undefined;
  return d;
}

/** Servers whose identity is a machine we can count (not a logical service, not computed at run time). */
export const isConcreteServer = (s: Server): boolean => s.kind !== 'service' && s.kind !== 'dynamic';

export const poolRelated = (pool: Pool) => ({ message: `pool "${pool.name}" is defined here`, source: pool.nameSource });

/** Why a server receives no traffic, in the product's terms. */
export function idleReason(s: Server): string {
  if (s.state === 'down') return 'marked down';
  if (s.state === 'disabled') return 'disabled';
  if (s.weight <= 0) return 'weight 0';
  if (s.state === 'backup') return 'backup';
  return 'receives no traffic';
}

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[n];
}

/** The closest name within `maxDistance` edits (default: a third of the name, at least 2), if any. */
export function closest(name: string, candidates: string[], maxDistance?: number): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  const limit = maxDistance ?? Math.max(2, Math.floor(name.length / 3));
  return best !== undefined && bestDist <= limit ? best : undefined;
}
