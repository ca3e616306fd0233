import type { Pool, Route, Server } from '../model/types';
import type { ModelIndex } from './modelIndex';

/**
 * Expected traffic shares. The model describes each product's documented behaviour in a few fields
 * (weights, states, `shareModel`, `backupPolicy`); this file turns them into numbers:
 *
 * - primaries are servers in state `active` with weight > 0 that are not failed; they share the pool's
 *   traffic in proportion to their weight (round robin, and hashing / least-connections methods taken as
 *   their expected long-run share), or all of it goes to the first one under `shareModel: 'first'`;
 * - only when no primary is left do `backup` servers take over: all of them by weight (`backupPolicy: 'all'`:
 *   nginx, HAProxy `option allbackups`) or only the first usable one (`'first'`: HAProxy default);
 * - `down` and `disabled` servers, weight-0 servers and servers marked failed for a simulation get nothing.
 */

export interface ServerShare {
  server: Server;
  pool: Pool;
  /** Fraction of the route's requests in [0,1]. */
  share: number;
  failed: boolean;
}

export interface RouteDistribution {
  route: Route;
  /** The pools the route reaches (one, or several for a split). */
  pools: Pool[];
  /** Every server of those pools, in definition order, with its share (0 for those that get nothing). */
  shares: ServerShare[];
  /**
   * - `servers`: shares computed; `unresolved`: the route names a pool that does not exist;
   * - `dynamic`: the target is computed at run time; `none`: the route serves requests itself.
   */
  kind: 'servers' | 'unresolved' | 'dynamic' | 'none';
  /** Fraction of the route's requests that reach some server (1 normally; < 1 when a split part is dead). */
  served: number;
  /** True when backups are serving because no primary is available. */
  backupsServing: boolean;
  notes: string[];
}

export type FailedSet = ReadonlySet<string>;

const usable = (s: Server, failed: FailedSet) =>
  s.weight > 0 && (s.state === 'active' || s.state === 'backup') && !failed.has(s.id);

/** Shares of one pool's own traffic (summing to 1, or to 0 when no server can take it). */
export function poolShares(pool: Pool, failed: FailedSet): { shares: Map<string, number>; backupsServing: boolean } {
  const shares = new Map<string, number>();
  let chosen = pool.servers.filter((s) => s.state === 'active' && usable(s, failed));
  let backupsServing = false;
  if (chosen.length === 0) {
    chosen = pool.servers.filter((s) => s.state === 'backup' && usable(s, failed));
    if (pool.backupPolicy === 'first') chosen = chosen.slice(0, 1);
    backupsServing = chosen.length > 0;
  }
  if (pool.shareModel === 'first') chosen = chosen.slice(0, 1);
  const total = chosen.reduce((sum, s) => sum + s.weight, 0);
  for (const s of chosen) shares.set(s.id, total > 0 ? s.weight / total : 0);
  return { shares, backupsServing };
}

export function routeDistribution(route: Route, index: ModelIndex, failed: FailedSet = new Set()): RouteDistribution {
  const notes: string[] = [];
  const t = route.target;
  const base = { route, notes, backupsServing: false };
  if (t.kind === 'none') return { ...base, pools: [], shares: [], kind: 'none', served: 0 };
  if (t.kind === 'dynamic') {
    notes.push(`target computed at run time (${t.text}): no static distribution`);
    return { ...base, pools: [], shares: [], kind: 'dynamic', served: 0 };
  }
  const parts: Array<{ pool: Pool | undefined; weight: number }> =
    t.kind === 'split'
      ? t.parts.map((p) => ({ pool: index.resolve(p.name, p.namespace, p.poolId), weight: p.weight }))
      : [{ pool: index.targetPools(route)[0], weight: 1 }];
  if (parts.every((p) => !p.pool)) return { ...base, pools: [], shares: [], kind: 'unresolved', served: 0 };

  const totalWeight = parts.reduce((sum, p) => sum + Math.max(0, p.weight), 0);
  const shares: ServerShare[] = [];
  const pools: Pool[] = [];
  let served = 0;
  let backupsServing = false;
  for (const part of parts) {
    const pool = part.pool;
    if (!pool || pools.includes(pool)) continue;
    pools.push(pool);
    // A pool named in several parts gets the sum of their weights.
    const partWeight = parts.filter((p) => p.pool === pool).reduce((sum, p) => sum + Math.max(0, p.weight), 0);
    const fraction = totalWeight > 0 ? partWeight / totalWeight : 0;
    const ps = poolShares(pool, failed);
    backupsServing ||= ps.backupsServing && fraction > 0;
    for (const s of pool.servers) {
      const share = (ps.shares.get(s.id) ?? 0) * fraction;
      served += share;
      shares.push({ server: s, pool, share, failed: failed.has(s.id) });
    }
    if (pool.shareModel === 'first') {
      notes.push(`${pool.name}: algorithm "${pool.algorithm}" fills the first available server until it is full (by design, not an imbalance)`);
    }
  }
  if (backupsServing) notes.push('no primary server is available: backup servers are serving');
  if (served < 0.9999 && served > 0) notes.push(`${Math.round((1 - served) * 1000) / 10}% of requests reach no server`);
  return { ...base, pools, shares, kind: 'servers', served, backupsServing };
}
