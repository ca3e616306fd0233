import type { FormatParser } from '../types';
import { detectionSample } from '../detectSample';
import { kubernetesFixes } from './fixes';
import { lowerKubernetes } from './lower';

export { lowerKubernetes } from './lower';

/** `kind: HTTPRoute` (YAML) or `"kind": "HTTPRoute"` (JSON). */
const KIND = /["']?kind["']?\s*:\s*["']?(Ingress|HTTPRoute|GRPCRoute|TCPRoute|TLSRoute|UDPRoute|Gateway|GatewayClass|ReferenceGrant)["']?\s*(?:,|$|#)/m;
const API = /["']?apiVersion["']?\s*:\s*["']?(?:gateway\.networking\.k8s\.io\/|networking\.k8s\.io\/|extensions\/v1beta1)/m;
const ROUTE = /["']?kind["']?\s*:\s*["']?(?:Ingress|HTTPRoute|GRPCRoute|TCPRoute|TLSRoute|UDPRoute)["']?\s*(?:,|$|#)/m;

/**
 * Kubernetes Ingress and Gateway API manifests, detected by content: an `apiVersion` of networking.k8s.io or
 * gateway.networking.k8s.io with one of their kinds. Plain Deployments/Services, Istio (networking.istio.io)
 * and Traefik CRDs are not ours.
 */
export function detectKubernetes(text: string): number {
  const sample = detectionSample(text);
  if (!API.test(sample) || !KIND.test(sample)) return 0;
  return ROUTE.test(sample) ? 0.9 : 0.7;
}

export const kubernetesFormat: FormatParser = {
  fixes: kubernetesFixes,
  id: 'kubernetes',
  title: 'Kubernetes Ingress / Gateway API',
  detect(_uri, text) {
    return detectKubernetes(text);
  },
  parse(uri, text, host) {
    return lowerKubernetes(uri, text, host);
  },
};
