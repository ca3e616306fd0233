import type { FormatParser } from '../types';
import { detectionSample } from '../detectSample';
import { envoyFixes } from './fixes';
import { lowerEnvoy } from './lower';

export { lowerEnvoy } from './lower';

/** A bootstrap: `static_resources:` or `dynamic_resources:` (YAML) or `"static_resources": {` (JSON), also in lowerCamelCase. */
const BOOTSTRAP = /^[ \t{]*"?(?:static|dynamic)_?[rR]esources"?[ \t]*:/m;
/** An xDS resource's type URL (`type.googleapis.com/envoy.config.cluster.v3.Cluster`, v2 `envoy.api.v2.Listener`). */
const XDS_TYPE = /["']?@type["']?\s*:\s*["']?type\.googleapis\.com\/envoy\.(?:config\.(?:listener|cluster|route|endpoint)\.v3|api\.v2)\./;
/** Field names only Envoy resources use, for untyped resource lists (`- name: …\n  virtual_hosts:`). */
const SHAPES: RegExp[] = [
  /^[ \t-]*"?(?:virtual_hosts|virtualHosts)"?\s*:/m,
  /^[ \t-]*"?(?:filter_chains|filterChains|default_filter_chain|defaultFilterChain)"?\s*:/m,
  /^[ \t-]*"?(?:load_assignment|loadAssignment|lb_endpoints|lbEndpoints)"?\s*:/m,
  /^[ \t-]*"?(?:socket_address|socketAddress)"?\s*:/m,
  /^[ \t-]*"?(?:connect_timeout|connectTimeout|lb_policy|lbPolicy)"?\s*:/m,
  /^[ \t-]*"?domains"?\s*:/m,
  /^[ \t-]*"?(?:weighted_clusters|weightedClusters|route_config_name|routeConfigName|path_separated_prefix|pathSeparatedPrefix)"?\s*:/m,
];
/** Kubernetes-style manifests (Istio EnvoyFilter, Envoy Gateway CRDs) embed Envoy config but are not Envoy files. */
const MANIFEST = /^[ \t]*"?apiVersion"?\s*:/m;
const MANIFEST_KIND = /^[ \t]*"?kind"?\s*:/m;

/** How much the text looks like an Envoy bootstrap or xDS resource file (0…0.95). */
export function envoyContentScore(text: string): number {
  const sample = detectionSample(text);
  if (MANIFEST.test(sample) && MANIFEST_KIND.test(sample)) return 0;
  if (BOOTSTRAP.test(sample)) return 0.95;
  if (XDS_TYPE.test(sample)) return 0.9;
  const shapes = SHAPES.filter((re) => re.test(sample)).length;
  return shapes >= 2 ? 0.8 : 0;
}

export const envoyFormat: FormatParser = {
  fixes: envoyFixes,
  id: 'envoy',
  title: 'Envoy',
  detect(_uri, text) {
    return envoyContentScore(text);
  },
  parse(uri, text, _host) {
    return lowerEnvoy(uri, text);
  },
};
