/**
 * Quick fixes in Traefik's dynamic configuration (file provider YAML or TOML, and the CRDs' YAML). Keys are
 * looked up case-insensitively like Traefik decodes them; new keys are written as the documentation writes them.
 */
import type { Pool } from '../../model/types';
import type { Fix, FixContext } from '../types';
import {
  DeclarativeFixer, clampFix, declarativeFixProvider, equalWeightsFix, findingEntry, fix, removeDuplicateFix, removeUnusedFix,
  removeWeightFix, renameFix, type RuleFix, type Value,
} from '../declarative/fixes';
import { getCI, num, pairCI, str, type TNode } from '../declarative/tree';
import { isTomlText } from './lower';
import { parseToml } from './toml';

/** The document as TOML or YAML, decided like the lowering does. */
function fixer(ctx: FixContext): DeclarativeFixer {
  return isTomlText(ctx.uri, ctx.text) ? new DeclarativeFixer(ctx, 'toml', () => [parseToml(ctx.text).root]) : new DeclarativeFixer(ctx);
}

/** The service definition behind a pool of this file (its name is the key of the definition). */
const serviceNode = (f: DeclarativeFixer, pool: Pool | undefined): TNode | undefined =>
  pool && f.here(pool) ? f.valueAtKey(pool.nameSource.range.start) : undefined;

/**
 * LB107: an active HTTP health check under `loadBalancer` ("healthCheck … path, interval", doc.traefik.io
 * routing/services). Not preferred: a path the servers do not answer with 2xx/3xx takes them all out.
 * TCP health checks exist only in recent Traefik versions, so TCP services get no fix.
 */
function healthCheck(f: DeclarativeFixer): Fix[] {
  const pool = f.pool(f.ctx.diagnostic.data?.poolId);
  if (!pool || pool.kind !== 'loadBalancer' || pool.namespace !== 'http') return [];
  const lb = pairCI(serviceNode(f, pool), 'loadBalancer')?.value;
  if (!lb || lb.kind !== 'map' || pairCI(lb, 'healthCheck') || pairCI(lb, 'passiveHealthCheck')) return [];
  return fix('Add an active health check (healthCheck on "/" every 10s)', f.insertPair(lb, 'healthCheck', { path: '/', interval: '10s' }));
}

/** LB101/LB102/LB104: server weights (default 1) removed from a loadBalancer service. */
const equalWeights: RuleFix = (f, data) => {
  const pool = f.pool(data.poolId);
  if (pool?.kind !== 'loadBalancer') return [];
  return equalWeightsFix(f, pool, (server) => pairCI(server, 'weight')?.value);
};

/** LB103: the closest service name (a `@file` suffix kept), or a new service in this file's `services`. */
function undefinedService(f: DeclarativeFixer): Fix[] {
  const d = f.ctx.diagnostic;
  const suggestion = d.data?.suggestion;
  const written = str(f.nodeAt(d.range)) ?? '';
  const fixes = typeof suggestion === 'string' ? renameFix(f, written.endsWith('@file') ? `${suggestion}@file` : suggestion) : [];
  const route = f.route(d.data?.routeId);
  const routeNode = f.valueAtKey(route?.source.range.start);
  const name = d.data?.name;
  if (!route || !routeNode || typeof name !== 'string' || !name || route.target.kind !== 'pool') return fixes;
  const proto = route.target.namespace;
  const services = getCI(f.rootOf(routeNode), proto, 'services');
  if (!services || services.kind !== 'map') return fixes;
  const server: Value = proto === 'http' ? { url: 'http://127.0.0.1:8080' } : { address: '127.0.0.1:8080' };
  return [...fixes, ...fix(`Create service "${name}"`, f.insertPair(services, name, { loadBalancer: { servers: [server] } }))];
}

/** LB106: routers are ordered by priority, not by place: delete the router that can never match. */
function unreachableRouter(f: DeclarativeFixer): Fix[] {
  const route = f.route(f.ctx.diagnostic.data?.routeId);
  if (!route || !f.here(route) || !route.name.startsWith('router ')) return [];
  const node = f.valueAtKey(route.source.range.start);
  const routers = f.parent(node);
  if (!node || !routers || routers.kind !== 'map' || f.keyOf(routers)?.toLowerCase() !== 'routers') return [];
  return fix(`Delete the unreachable ${route.name}`, f.deleteNode(node));
}

/**
 * LB002: a server weight must be an integer; a positive fraction is rounded, any other invalid weight removed
 * (Traefik's default is 1, which is also what the analysis assumed for it).
 */
function invalidWeight(f: DeclarativeFixer): Fix[] {
  const weight = findingEntry(f, 'weight', true);
  if (!weight) return [];
  const value = num(weight.node);
  if (value !== undefined && value > 0 && !Number.isInteger(value)) return clampFix(f, weight.node, Math.max(1, Math.round(value)), 'an integer');
  return removeWeightFix(f, weight);
}

export const traefikFixes = declarativeFixProvider(
  {
    LB101: equalWeights,
    LB102: equalWeights,
    LB104: equalWeights,
    LB103: undefinedService,
    LB105: removeDuplicateFix,
    LB106: unreachableRouter,
    LB107: healthCheck,
    LB110: (f) => removeUnusedFix(f, 'service', (pool) => serviceNode(f, pool), { names: (pool) => [pool.name, `${pool.name}@file`] }),
    LB002: invalidWeight,
  },
  fixer,
);
