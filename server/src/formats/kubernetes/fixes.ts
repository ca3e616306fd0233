/**
 * Quick fixes in Kubernetes Ingress and Gateway API manifests (YAML or JSON). Backends are Services — logical,
 * health-checked by readiness probes — so the fixes are about names and weights, not servers.
 */
import type { Fix } from '../types';
import {
  DeclarativeFixer, declarativeFixProvider, findingEntry, fix, rangeFix, removeWeightFix, renameFix, type Value,
} from '../declarative/fixes';
import { get, num, pair, str, type TNode } from '../declarative/tree';

/** The manifest (the map with `apiVersion` and `kind`) a node belongs to. */
function manifestOf(f: DeclarativeFixer, n: TNode): TNode | undefined {
  for (let cur: TNode | undefined = n; cur; cur = f.parent(cur)) if (pair(cur, 'apiVersion') && pair(cur, 'kind')) return cur;
  return undefined;
}

/**
 * The namespace a backend name is looked up in: the backendRef's own `namespace` (Gateway API), else the
 * route's `metadata.namespace`, else `default`.
 */
function namespaceOf(f: DeclarativeFixer, nameNode: TNode): string {
  const ref = f.parent(nameNode);
  const own = str(get(ref, 'namespace'));
  if (own) return own;
  const manifest = manifestOf(f, nameNode);
  return str(get(manifest, 'metadata', 'namespace')) ?? 'default';
}

/**
 * LB103: the closest Service of the same namespace (pool names are `name` in `default`, else `namespace/name`),
 * or a new Service manifest for the missing name at the end of the file (YAML only: a JSON file holds one document).
 */
function undefinedService(f: DeclarativeFixer): Fix[] {
  const node = f.findingNode();
  const name = str(node);
  if (!node || node.kind !== 'scalar' || !name) return [];
  const ns = namespaceOf(f, node);
  const fixes: Fix[] = [];
  const suggestion = f.ctx.diagnostic.data?.suggestion;
  if (typeof suggestion === 'string' && !suggestion.includes(' ')) {
    const slash = suggestion.indexOf('/');
    const sameNs = slash < 0 ? ns === 'default' : suggestion.slice(0, slash) === ns;
    if (sameNs) fixes.push(...renameFix(f, suggestion.slice(slash + 1)));
  }
  // Ingress `service: {name, port: {number|name}}`; Gateway API backendRef `{name, port}`.
  const ref = f.parent(node);
  const portNode = get(ref, 'port');
  const port = num(get(portNode, 'number')) ?? num(portNode);
  const portName = str(get(portNode, 'name'));
  const metadata: Value = ns === 'default' ? { name } : { name, namespace: ns };
  const service: { [key: string]: Value } = {
    apiVersion: 'v1', kind: 'Service', metadata,
    spec: { selector: { app: name }, ports: [portName ? { name: portName, port: 80 } : { port: port ?? 80 }] },
  };
  return [...fixes, ...fix(`Create Service "${name}"`, f.appendDocument(service))];
}

/**
 * LB002: a backendRef weight into 0–1000000 ("Weight … defaults to 1"; minimum 0, maximum 1000000). A negative or
 * non-numeric weight is removed: the default 1 is what the analysis assumed for it.
 */
function invalidWeight(f: DeclarativeFixer): Fix[] {
  const weight = findingEntry(f, 'weight');
  if (!weight) return [];
  const value = num(weight.node);
  return value !== undefined && value >= 0 ? rangeFix(f, weight.node, value, 0, 1_000_000) : removeWeightFix(f, weight);
}

export const kubernetesFixes = declarativeFixProvider({ LB103: undefinedService, LB002: invalidWeight });
