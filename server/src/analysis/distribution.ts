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
 * - `down` and `disabled` servers, weight-0 servers and servers marked failed for a simulation get nothing;
 * - `backupPolicy: 'priority-levels'` (Envoy) replaces "backups when no primary is left" by a gradual spill-over
 *   between levels of `Server.priority`, computed from each level's health (see `priorityLevelShares`).
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
  /** Why the pool's traffic is spread as it is (priority levels), without the pool's name. */
  notes?: string[];
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

/** Spread `amount` of the pool's traffic over `servers` by weight (only the first under `shareModel: 'first'`). */
function spread(pool: Pool, servers: Server[], amount: number, shares: number[]): void {
  const chosen = pool.shareModel === 'first' && servers.length > 1 ? [servers[0]] : servers;
  let total = 0;
  for (const s of chosen) total += s.weight;
  if (total <= 0 || amount <= 0) return;
  // Servers are matched by identity: `chosen` keeps pool order, so one forward walk aligns them.
  let k = 0;
  for (let i = 0; i < pool.servers.length && k < chosen.length; i++) {
    if (pool.servers[i] === chosen[k]) shares[i] += (amount * chosen[k++].weight) / total;
  }
}

function poolShareList(pool: Pool, failed: FailedSet): PoolShareList {
  if (pool.backupPolicy === 'priority-levels') return priorityLevelShares(pool, failed);
  const { chosen, backupsServing } = chosenServers(pool, failed);
  const shares = new Array<number>(pool.servers.length).fill(0);
  spread(pool, chosen, 1, shares);
  return { shares, backupsServing };
}

/** Envoy's default overprovisioning factor, in percent (config.endpoint.v3.ClusterLoadAssignment.Policy). */
const DEFAULT_OVERPROVISIONING_FACTOR = 140;
/** Envoy's default panic threshold, in percent of available hosts (arch_overview/upstream/load_balancing/panic_threshold). */
const PANIC_THRESHOLD = 50;

interface Level {
  priority: number;
  /** Servers (or their weights, under `weightedPriorityHealth`) of the level, available or not. */
  total: number;
  healthy: Server[];
  healthyAmount: number;
  degraded: Server[];
  degradedAmount: number;
}

/**
 * `backupPolicy: 'priority-levels'`, as Envoy documents priority levels (arch_overview/upstream/load_balancing/
 * priority, …/degraded, …/overprovisioning):
 * - a level's health is the percentage of its hosts that are healthy (by count, or by weight with
 *   `weighted_priority_health`) × the overprovisioning factor, capped at 100, as an integer score; degraded hosts
 *   give the level a second score the same way;
 * - the scores of all levels add up to the "normalized total health" (capped at 100); when it is below 100 every
 *   score is scaled up by 100 / total ("priority load normalisation": healths {20, 30} give loads {40%, 60%});
 * - the healthy scores take the load first, level by level (P0, then P1, …) until 100% is handed out; the degraded
 *   scores take what is left, in the same order. The loads are integer percents: each is rounded, which gives
 *   exactly the documented tables (P0/P1/P2 at 25%/25%/20% healthy → 36%/36%/28%), and a rounding remainder goes to
 *   the first level with load so that the loads add up to 100%;
 * - a level's load is shared by its (healthy or degraded) hosts by weight.
 * `down` servers are unhealthy members of their level, `disabled` ones are not counted (Envoy's excluded hosts).
 * Not modelled: the panic threshold — when the normalized total health is below 100 and a level's availability is
 * below it (50% by default), Envoy spreads that level's load over all its hosts, healthy or not, and with nothing
 * available at all it sends everything to P0 that way; here failed servers get nothing (a note says when a level is
 * below the default threshold of 50%).
 */
function priorityLevelShares(pool: Pool, failed: FailedSet): PoolShareList {
  const factor = pool.overprovisioningFactor !== undefined && pool.overprovisioningFactor > 0
    ? pool.overprovisioningFactor
    : DEFAULT_OVERPROVISIONING_FACTOR;
  const byPriority = new Map<number, Level>();
  for (const s of pool.servers) {
    if (s.state === 'disabled') continue;
    const priority = s.priority ?? 0;
    let level = byPriority.get(priority);
    if (!level) {
      level = { priority, total: 0, healthy: [], healthyAmount: 0, degraded: [], degradedAmount: 0 };
      byPriority.set(priority, level);
    }
    const amount = pool.weightedPriorityHealth ? Math.max(0, s.weight) : 1;
    level.total += amount;
    if (s.state === 'down' || failed.has(s.id)) continue;
    if (s.degraded) {
      level.degraded.push(s);
      level.degradedAmount += amount;
    } else {
      level.healthy.push(s);
      level.healthyAmount += amount;
    }
  }
  const levels = [...byPriority.values()].sort((a, b) => a.priority - b.priority);
  // Integer health scores; the epsilon keeps 140 × 5 / 7 = 100 from becoming 99.99… → 99.
  const score = (amount: number, total: number) => (total > 0 ? Math.min(100, Math.floor((factor * amount) / total + 1e-9)) : 0);
  const healthy = levels.map((l) => score(l.healthyAmount, l.total));
  const degraded = levels.map((l) => score(l.degradedAmount, l.total));
  let sum = 0;
  for (let i = 0; i < levels.length; i++) sum += healthy[i] + degraded[i];
  const normalizedTotal = Math.min(100, sum);
  const shares = new Array<number>(pool.servers.length).fill(0);
  // The panic threshold only matters when the levels together are short of healthy hosts.
  const low = sum >= 100 ? [] : levels.filter((l) => l.total > 0 && ((l.healthyAmount + l.degradedAmount) * 100) / l.total < PANIC_THRESHOLD);
  const panicNote = low.length === 0 ? [] : [
    `${low.map((l) => `priority ${l.priority}`).join(', ')}: under ${PANIC_THRESHOLD}% of the servers available (the default panic ` +
    'threshold), so panic mode would spread that load over all of them, failed or not (not modelled)',
  ];
  if (normalizedTotal === 0) return { shares, backupsServing: false, notes: panicNote };

  let remaining = 100;
  const take = (h: number) => {
    const load = Math.min(remaining, Math.round((h * 100) / normalizedTotal));
    remaining -= load;
    return load;
  };
  const healthyLoad = healthy.map(take);
  const degradedLoad = degraded.map(take);
  if (remaining > 0) {
    const first = healthyLoad.findIndex((x) => x > 0);
    if (first >= 0) healthyLoad[first] += remaining;
    else degradedLoad[degradedLoad.findIndex((x) => x > 0)] += remaining;
  }
  for (let i = 0; i < levels.length; i++) {
    spread(pool, levels[i].healthy, healthyLoad[i] / 100, shares);
    spread(pool, levels[i].degraded, degradedLoad[i] / 100, shares);
  }

  let primaries = 0;
  let served = 0;
  for (let i = 0; i < shares.length; i++) {
    served += shares[i];
    if (pool.servers[i].state === 'active') primaries += shares[i];
  }
  const notes: string[] = [];
  const parts: string[] = [];
  for (let i = 0; i < levels.length; i++) {
    const name = `priority ${levels[i].priority}`;
    if (healthyLoad[i] > 0) parts.push(`${name} ${healthyLoad[i]}%`);
    if (degradedLoad[i] > 0) parts.push(`${name} degraded ${degradedLoad[i]}%`);
  }
  if (parts.length > 1 || (levels.length > 1 && (healthyLoad[0] ?? 0) < 100)) {
    notes.push(`priority levels by health (overprovisioning factor ${factor / 100}): ${parts.join(', ')}`);
  }
  if (sum < 100 && levels.length > 1) notes.push(`the levels' health adds up to ${sum}% (< 100%): their loads are normalised to that total`);
  notes.push(...panicNote);
  return { shares, backupsServing: primaries === 0 && served > 0, notes };
}

/** Shares of one pool's own traffic (summing to 1, or to 0 when no server can take it). */
export function poolShares(pool: Pool, failed: FailedSet): { shares: Map<string, number>; backupsServing: boolean } {
  const shares = new Map<string, number>();
  const list = poolShareList(pool, failed);
  for (let i = 0; i < pool.servers.length; i++) if (list.shares[i] > 0) shares.set(pool.servers[i].id, list.shares[i]);
  return { shares, backupsServing: list.backupsServing };
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
    if (fraction > 0) for (const n of ps.notes ?? []) notes.push(`${pool.name}: ${n}`);
  }
  if (backupsServing) notes.push('no primary server is available: backup servers are serving');
  if (served < 0.9999 && served > 0) notes.push(`${Math.round((1 - served) * 1000) / 10}% of requests reach no server`);
  return { route, notes, backupsServing, pools, shares, kind: 'servers', served };
}
