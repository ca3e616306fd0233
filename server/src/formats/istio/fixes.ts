/**
 * Quick fixes in Istio networking resources (YAML or JSON): VirtualService routes and destinations,
 * DestinationRule subsets and traffic policies, ServiceEntry endpoints. Pools are named `host` or `host|subset`.
 */
import type { Pool } from '../../model/types';
import type { Fix } from '../types';
import {
  DeclarativeFixer, clampFix, declarativeFixProvider, equalWeightsFix, findingEntry, fix, removeDuplicateFix, removeWeightFix,
  renameFix, unreachableRouteFix, type RuleFix, type Value,
} from '../declarative/fixes';
import { get, num, pair, str, type TNode } from '../declarative/tree';
import { fqdn } from './lower';

const kind = (n: TNode | undefined) => str(get(n, 'kind'));
const namespaceOf = (doc: TNode | undefined) => str(get(doc, 'metadata', 'namespace')) ?? 'default';

/** The host of a pool (`reviews.default.svc.cluster.local|v1` → `reviews.default.svc.cluster.local`). */
const hostOf = (poolName: string) => poolName.split('|')[0];

/** DestinationRules of this document for a host (their `spec.host` completed in their own namespace). */
function rulesFor(f: DeclarativeFixer, host: string): TNode[] {
  return f.roots.filter((r) => kind(r) === 'DestinationRule' && fqdn(str(get(r, 'spec', 'host')) ?? '', namespaceOf(r)) === host);
}

/**
 * LB103: a missing subset gets the closest subset of the same host, or a new subset in this document's
 * DestinationRule for the host (`labels: {version: …}` to be adjusted); an unknown host the closest known one.
 */
function undefinedDestination(f: DeclarativeFixer): Fix[] {
  const node = f.findingNode();
  const written = str(node);
  const { name, suggestion } = f.ctx.diagnostic.data ?? {};
  if (!node || !written || typeof name !== 'string') return [];
  const fixes: Fix[] = [];
  if (f.keyOf(node) === 'subset') {
    const host = hostOf(name);
    if (typeof suggestion === 'string' && suggestion.startsWith(`${host}|`)) fixes.push(...renameFix(f, suggestion.slice(host.length + 1)));
    // Subsets of a ServiceEntry host select its endpoints by label: a made-up label would select none.
    const serviceEntry = f.model.pools.some((p) => hostOf(p.name) === host && p.kind.startsWith('ServiceEntry'));
    const [rule] = rulesFor(f, host);
    const spec = get(rule, 'spec');
    const subset: Value = { name: written, labels: { version: written } };
    if (rule && spec && !serviceEntry) {
      const subsets = pair(spec, 'subsets');
      const edits = subsets ? f.appendItem(subsets.value, subset) : f.insertPair(spec, 'subsets', [subset]);
      fixes.push(...fix(`Create subset "${written}" in the DestinationRule of ${host}`, edits));
    }
    return fixes;
  }
  if (typeof suggestion !== 'string' || suggestion.includes('|')) return fixes;
  // A short name is completed in the namespace of the VirtualService: suggest it short when it is in that one.
  const short = `.${namespaceOf(f.rootOf(node))}.svc.cluster.local`;
  const text = !written.includes('.') && suggestion.endsWith(short) ? suggestion.slice(0, -short.length) : written === name ? suggestion : undefined;
  return text ? [...fixes, ...renameFix(f, text)] : fixes;
}

/**
 * LB107: passive health checking — `outlierDetection` in the DestinationRule's `trafficPolicy` for the host (a
 * new DestinationRule when this document has none). The values are Envoy's defaults written out: eject after 5
 * consecutive 5xx errors, sweep every 10s, for at least 30s.
 */
function outlierDetection(f: DeclarativeFixer, pool: Pool | undefined): Fix[] {
  if (!pool) return [];
  const host = hostOf(pool.name);
  const od: Value = { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s' };
  const title = `Add passive health checking (outlierDetection in the DestinationRule of ${host})`;
  const [rule] = rulesFor(f, host);
  const spec = get(rule, 'spec');
  if (rule) {
    if (!spec || spec.kind !== 'map') return [];
    const policy = pair(spec, 'trafficPolicy');
    if (!policy) return fix(title, f.insertPair(spec, 'trafficPolicy', { outlierDetection: od }));
    return pair(policy.value, 'outlierDetection') ? [] : fix(title, f.insertPair(policy.value, 'outlierDetection', od));
  }
  // Istio does not fully merge two DestinationRules of one host (the older one's traffic policy applies), and
  // another file may hold one: a new one only when no other manifest was read with this document.
  if (f.model.files.some((u) => u !== f.ctx.uri)) return [];
  // The apiVersion of a resource of this document (networking.istio.io/v1 or v1beta1).
  const apiVersion = f.roots.map((r) => str(get(r, 'apiVersion'))).find((a) => a?.startsWith('networking.istio.io/')) ?? 'networking.istio.io/v1';
  const name = host.replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
  return fix(title, f.appendDocument({ apiVersion, kind: 'DestinationRule', metadata: { name }, spec: { host, trafficPolicy: { outlierDetection: od } } }));
}

/**
 * LB002: a negative destination weight counts as 0 (what the analysis assumed); a ServiceEntry endpoint weight
 * that is not a positive integer is removed ("0 means unset": Istio uses 1) or rounded down.
 */
function invalidWeight(f: DeclarativeFixer): Fix[] {
  const weight = findingEntry(f, 'weight');
  if (!weight) return [];
  const { node, owner } = weight;
  const value = num(node);
  if (pair(owner, 'destination')) return value !== undefined && value < 0 ? clampFix(f, node, 0, 'the minimum') : [];
  if (!pair(owner, 'address')) return [];
  return value !== undefined && value >= 1 ? clampFix(f, node, Math.floor(value), 'an integer') : removeWeightFix(f, weight);
}

/** LB101/LB102/LB104: equal weights for the endpoints — ServiceEntry endpoints are the only servers with weights. */
const equalWeights: RuleFix = (f, data) =>
  equalWeightsFix(f, f.pool(data.poolId), (endpoint) => (pair(endpoint, 'address') ? pair(endpoint, 'weight')?.value : undefined));

export const istioFixes = declarativeFixProvider({
  LB101: equalWeights,
  LB102: equalWeights,
  LB104: equalWeights,
  LB103: undefinedDestination,
  LB105: removeDuplicateFix,
  LB106: unreachableRouteFix,
  LB107: (f, data) => outlierDetection(f, f.pool(data.poolId)),
  LB002: invalidWeight,
});
