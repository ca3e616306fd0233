import type { ModelAnalysis } from '../../server/src/analysis/analyze';
import { ALERT_DEFAULTS, generateAlerts, type AlertOptions, type AlertRule, type AlertsResult } from '../../server/src/service/alerts';
import type { FileSystem } from '../../server/src/service/fileSystem';
import { LanguageService } from '../../server/src/service/languageService';

/** Analyse one configuration text as the file `/cfg/<name>` (an in-memory file system holding only it). */
export function analyzeText(name: string, text: string, languageId?: string): ModelAnalysis {
  const uri = `file:///cfg/${name}`;
  const fs: FileSystem = { readFile: (u) => (u === uri ? text : undefined), readDirectory: () => [] };
  const service = new LanguageService({ fileSystem: fs, roots: () => ['file:///cfg'] });
  const a = service.analyze({ uri, text, languageId });
  if (!a) throw new Error(`${name}: no format detected`);
  return a;
}

export function alertsFor(name: string, text: string, options: Partial<AlertOptions> = {}, languageId?: string): AlertsResult {
  const r = generateAlerts(analyzeText(name, text, languageId), {
    ...ALERT_DEFAULTS, selectors: [], show: (uri) => uri.replace('file:///cfg/', ''), ...options,
  });
  if ('error' in r) throw new Error(r.error);
  return r;
}

export const rulesOf = (r: AlertsResult): AlertRule[] => r.groups.flatMap((g) => g.rules);

// ---- synthetic series, written from each exporter's documentation (independently of service/exporters.ts) ----

/** One promtool input series: a selector and its values in promtool's expanding notation. */
export interface InputSeries {
  series: string;
  values: string;
}

const labelsText = (labels: Record<string, string>) => `{${Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;

/** A counter growing by `perSecond` every second, sampled every minute for `minutes` minutes. */
export function counter(metric: string, labels: Record<string, string>, perSecond: number, minutes: number): InputSeries {
  return { series: `${metric}${labelsText(labels)}`, values: `0+${perSecond * 60}x${minutes}` };
}

export function gauge(metric: string, labels: Record<string, string>, value: number, minutes: number): InputSeries {
  return { series: `${metric}${labelsText(labels)}`, values: `${value}x${minutes}` };
}

/** One server (or pool, for exporters without per-server series) in a scenario: requests/s, 5xx/s, up. */
export interface Sim {
  rps: number;
  errors?: number;
  /** false: failing its health checks. */
  up?: boolean;
  /** Taken out by the configuration or an operator (HAProxy MAINT): a healthy machine that gets nothing. */
  maint?: boolean;
}

/**
 * HAProxy's built-in exporter: per server `haproxy_server_http_responses_total{proxy,server,code}` and
 * `haproxy_server_status{proxy,server,state}` (one 0/1 series per state, HAProxy 2.4+); per backend
 * `haproxy_backend_http_requests_total{proxy}` and `haproxy_backend_http_responses_total{proxy,code}`.
 */
export function haproxySeries(backends: Record<string, Record<string, Sim>>, minutes: number): InputSeries[] {
  const out: InputSeries[] = [];
  for (const [proxy, servers] of Object.entries(backends)) {
    let total = 0;
    let errors = 0;
    for (const [server, s] of Object.entries(servers)) {
      const e = s.errors ?? 0;
      total += s.rps;
      errors += e;
      out.push(counter('haproxy_server_http_responses_total', { proxy, server, code: '2xx' }, s.rps - e, minutes));
      out.push(counter('haproxy_server_http_responses_total', { proxy, server, code: '5xx' }, e, minutes));
      const current = s.maint ? 'MAINT' : s.up === false ? 'DOWN' : 'UP';
      for (const state of ['DOWN', 'UP', 'MAINT', 'DRAIN', 'NOLB']) {
        out.push(gauge('haproxy_server_status', { proxy, server, state }, state === current ? 1 : 0, minutes));
      }
    }
    out.push(counter('haproxy_backend_http_requests_total', { proxy }, total, minutes));
    out.push(counter('haproxy_backend_http_responses_total', { proxy, code: '2xx' }, total - errors, minutes));
    out.push(counter('haproxy_backend_http_responses_total', { proxy, code: '5xx' }, errors, minutes));
  }
  return out;
}

/**
 * Envoy /stats/prometheus: `envoy_cluster_upstream_rq_total{envoy_cluster_name}`,
 * `envoy_cluster_upstream_rq_xx{envoy_cluster_name,envoy_response_code_class}`, and with per_endpoint_stats
 * `envoy_cluster_endpoint_rq_total` / `envoy_cluster_endpoint_healthy{envoy_cluster_name,envoy_endpoint_address}`.
 */
export function envoySeries(clusters: Record<string, Record<string, Sim>>, minutes: number): InputSeries[] {
  const out: InputSeries[] = [];
  for (const [cluster, endpoints] of Object.entries(clusters)) {
    let total = 0;
    let errors = 0;
    for (const [address, s] of Object.entries(endpoints)) {
      total += s.rps;
      errors += s.errors ?? 0;
      const labels = { envoy_cluster_name: cluster, envoy_endpoint_address: address };
      out.push(counter('envoy_cluster_endpoint_rq_total', labels, s.rps, minutes));
      out.push(gauge('envoy_cluster_endpoint_healthy', labels, s.up === false ? 0 : 1, minutes));
    }
    out.push(counter('envoy_cluster_upstream_rq_total', { envoy_cluster_name: cluster }, total, minutes));
    out.push(counter('envoy_cluster_upstream_rq_xx', { envoy_cluster_name: cluster, envoy_response_code_class: '2' }, total - errors, minutes));
    out.push(counter('envoy_cluster_upstream_rq_xx', { envoy_cluster_name: cluster, envoy_response_code_class: '5' }, errors, minutes));
  }
  return out;
}

/**
 * Traefik: `traefik_service_requests_total{service,code,method,protocol}` (service = `name@provider`) and
 * `traefik_service_server_up{service,url}`.
 */
export function traefikSeries(services: Record<string, { requests: Sim; servers?: Record<string, boolean> }>, minutes: number): InputSeries[] {
  const out: InputSeries[] = [];
  for (const [service, s] of Object.entries(services)) {
    const e = s.requests.errors ?? 0;
    out.push(counter('traefik_service_requests_total', { service, code: '200', method: 'GET', protocol: 'http' }, s.requests.rps - e, minutes));
    if (e) out.push(counter('traefik_service_requests_total', { service, code: '503', method: 'GET', protocol: 'http' }, e, minutes));
    for (const [url, up] of Object.entries(s.servers ?? {})) out.push(gauge('traefik_service_server_up', { service, url }, up ? 1 : 0, minutes));
  }
  return out;
}

/**
 * Istio: `istio_requests_total{reporter,destination_service,destination_version,response_code,…}`, counted once by
 * the client's proxy (`source`) and once by the server's (`destination`).
 */
export function istioSeries(destinations: Array<{ labels: Record<string, string>; sim: Sim }>, minutes: number): InputSeries[] {
  const out: InputSeries[] = [];
  for (const { labels, sim } of destinations) {
    const e = sim.errors ?? 0;
    for (const reporter of ['source', 'destination']) {
      out.push(counter('istio_requests_total', { reporter, ...labels, response_code: '200' }, sim.rps - e, minutes));
      if (e) out.push(counter('istio_requests_total', { reporter, ...labels, response_code: '503' }, e, minutes));
    }
  }
  return out;
}

/** ingress-nginx: `nginx_ingress_controller_requests{namespace,ingress,service,status,method,path}`. */
export function ingressNginxSeries(services: Array<{ namespace: string; service: string; ingress: string; sim: Sim }>, minutes: number): InputSeries[] {
  const out: InputSeries[] = [];
  for (const { namespace, service, ingress, sim } of services) {
    const e = sim.errors ?? 0;
    const base = { namespace, ingress, service, method: 'GET', path: '/' };
    out.push(counter('nginx_ingress_controller_requests', { ...base, status: '200' }, sim.rps - e, minutes));
    if (e) out.push(counter('nginx_ingress_controller_requests', { ...base, status: '502' }, e, minutes));
  }
  return out;
}

/** A Traefik file-provider config with a 9:1 weighted service and a health-checked pool (alerts tests). */
export const TRAEFIK = `http:
  routers:
    r1:
      rule: "Host(\`a.example.com\`)"
      service: split
    r2:
      rule: "Host(\`b.example.com\`)"
      service: web
  services:
    split:
      weighted:
        services:
          - name: blue
            weight: 9
          - name: green
            weight: 1
    web:
      loadBalancer:
        healthCheck:
          path: /health
        servers:
          - url: "http://10.0.0.1:80"
          - url: "http://10.0.0.2:80"
    blue:
      loadBalancer:
        servers:
          - url: "http://10.0.1.1:80"
    green:
      loadBalancer:
        servers:
          - url: "http://10.0.2.1:80"
`;

/** Istio's reviews service split between two subsets (VirtualService + DestinationRule in namespace shop). */
export const istioReviews = (v1: number, v2: number) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: shop
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: { host: reviews, subset: v1 }
      weight: ${v1}
    - destination: { host: reviews, subset: v2 }
      weight: ${v2}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: shop
spec:
  host: reviews
  subsets:
  - name: v1
    labels: { version: v1 }
  - name: v2
    labels: { version: v2 }
`;
