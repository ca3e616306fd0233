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

const NO_FAILURES: FailedSet = new Set();

const usable = (s: Server, failed: FailedSet) =>
  s.weight > 0 && (s.state === 'active' || s.state === 'backup') && !failed.has(s.id);

/** A pool's shares aligned with `pool.servers` (0 for servers that get nothing). */
interface PoolShareList {
  shares: number[];
  backupsServing: boolean;
}

/** The servers that take a pool's traffic: usable primaries, else backups by `backupPolicy`; `first` keeps one. */
function chosenServers(pool: Pool, failed: FailedSet): { chosen: Server[]; backupsServing: boolean } {
  let chosen: Server[] = [];
  for (const s of pool.servers) if (s.state === 'active' && usable(s, failed)) chosen.push(s);
  let backupsServing = false;
  if (chosen.length === 0) {
    for (const s of pool.servers) {
      if (s.state === 'backup' && usable(s, failed)) {
        chosen.push(s);
        if (pool.backupPolicy === 'first') break;
      }
    }
    backupsServing = chosen.length > 0;
  }
  if (pool.shareModel === 'first' && chosen.length > 1) chosen = [chosen[0]];
  return { chosen, backupsServing };
}

function poolShareList(pool: Pool, failed: FailedSet): PoolShareList {
  const { chosen, backupsServing } = chosenServers(pool, failed);
  let total = 0;
  for (const s of chosen) total += s.weight;
  const shares = new Array<number>(pool.servers.length).fill(0);
  // Servers are matched by identity: `chosen` keeps pool order, so one forward walk aligns them.
  let k = 0;
  for (let i = 0; i < pool.servers.length && k < chosen.length; i++) {
    if (pool.servers[i] === chosen[k]) shares[i] = total > 0 ? chosen[k++].weight / total : 0;
  }
  return { shares, backupsServing };
}

/** Shares of one pool's own traffic (summing to 1, or to 0 when no server can take it). */
export function poolShares(pool: Pool, failed: FailedSet): { shares: Map<string, number>; backupsServing: boolean } {
  const shares = new Map<string, number>();
  const { chosen, backupsServing } = chosenServers(pool, failed);
  let total = 0;
  for (const s of chosen) total += s.weight;
  for (const s of chosen) shares.set(s.id, total > 0 ? s.weight / total : 0);
  return { shares, backupsServing };
}

/**
 * Pool shares computed once per analysis: many routes usually send to the same pool, and a pool's shares do
 * not depend on the route. Only for the healthy case (no failed servers).
 */
export type PoolShareCache = Map<Pool, PoolShareList>;

export function routeDistribution(
  route: Route, index: ModelIndex, failed: FailedSet = NO_FAILURES, cache?: PoolShareCache,
): RouteDistribution {
  const notes: string[] = [];
  const t = route.target;
  if (t.kind === 'none') return { route, notes, backupsServing: false, pools: [], shares: [], kind: 'none', served: 0 };
  if (t.kind === 'dynamic') {
    notes.push(`target computed at run time (${t.text}): no static distribution`);
    return { route, notes, backupsServing: false, pools: [], shares: [], kind: 'dynamic', served: 0 };
  }
  let parts: Array<{ pool: Pool | undefined; weight: number }>;
  if (t.kind === 'split') {
    parts = t.parts.map((p) => ({ pool: index.resolve(p.name, p.namespace, p.poolId), weight: p.weight }));
  } else {
    parts = [{ pool: t.kind === 'pool' ? index.resolve(t.name, t.namespace, t.poolId) : index.poolById.get(t.poolId), weight: 1 }];
  }
  if (parts.every((p) => !p.pool)) return { route, notes, backupsServing: false, pools: [], shares: [], kind: 'unresolved', served: 0 };

  let totalWeight = 0;
  for (const p of parts) totalWeight += Math.max(0, p.weight);
  const shares: ServerShare[] = [];
  const pools: Pool[] = [];
  let served = 0;
  let backupsServing = false;
  const useCache = cache !== undefined && failed.size === 0;
  for (const part of parts) {
    const pool = part.pool;
    if (!pool || pools.includes(pool)) continue;
    pools.push(pool);
    // A pool named in several parts gets the sum of their weights.
    let partWeight = 0;
    for (const p of parts) if (p.pool === pool) partWeight += Math.max(0, p.weight);
    const fraction = totalWeight > 0 ? partWeight / totalWeight : 0;
    let ps = useCache ? cache.get(pool) : undefined;
    if (!ps) {
      ps = poolShareList(pool, failed);
      if (useCache) cache.set(pool, ps);
    }
    backupsServing ||= ps.backupsServing && fraction > 0;
    const servers = pool.servers;
    for (let i = 0; i < servers.length; i++) {
      const s = servers[i];
      const share = ps.shares[i] * fraction;
      served += share;
      shares.push({ server: s, pool, share, failed: failed.has(s.id) });
    }
    if (pool.shareModel === 'first') {
      notes.push(`${pool.name}: algorithm "${pool.algorithm}" fills the first available server until it is full (by design, not an imbalance)`);
    }
  }
  if (backupsServing) notes.push('no primary server is available: backup servers are serving');
  if (served < 0.9999 && served > 0) notes.push(`${Math.round((1 - served) * 1000) / 10}% of requests reach no server`);
  return { route, notes, backupsServing, pools, shares, kind: 'servers', served };
}
