import type { Pool, Server } from '../model/types';

/**
 * What each product's standard Prometheus exporter publishes, as far as `lb-lens alerts` needs it: which series
 * count a pool's requests and its 5xx responses, which count one server's requests, which say a server is up, and
 * the labels that name a pool and a server. Written from the exporters' own documentation (docs/alerts.md cites
 * each source); `service/alerts.ts` turns a traffic model into rules over these series.
 */

export type ExporterId = 'haproxy' | 'envoy' | 'traefik' | 'nginx-plus' | 'ingress-nginx' | 'istio' | 'yace' | 'cloudwatch-exporter';

export const EXPORTER_IDS: readonly ExporterId[] = ['haproxy', 'envoy', 'traefik', 'nginx-plus', 'ingress-nginx', 'istio', 'yace', 'cloudwatch-exporter'];

/** One PromQL label matcher. */
export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/**
 * A family of series:
 * - `counter`: a monotonic counter (`rate()` gives requests per second);
 * - `gauge`: a state (1 while a server is up);
 * - `cloudwatch`: a CloudWatch statistic republished as a gauge, one value per CloudWatch period (the Sum of the
 *   period): `avg_over_time(…) / period` gives requests per second.
 */
export interface Family {
  metric: string;
  matchers?: Matcher[];
  kind: 'counter' | 'cloudwatch' | 'gauge';
}

/** A pool's label matchers, or why its series cannot be selected. */
export type PoolSelection = { matchers: Matcher[] } | { why: string };

export interface Exporter {
  id: ExporterId;
  /** Who publishes the metrics, for the file header and messages. */
  title: string;
  /** The lb-lens formats whose configurations this exporter watches by default. */
  defaultFor: readonly string[];
  /** The other formats it may be chosen for with `--exporter`. */
  alsoFor?: readonly string[];
  pool(pool: Pool): PoolSelection;
  /** Every request the pool receives (a counter over all status codes). */
  poolRequests: Family;
  /** The pool's responses: all of them, and those with a 5xx status. */
  poolResponses: { all: Family; errors: Family };
  /** Per-server series, when the exporter has them. */
  server?: {
    /** The label that names the server. */
    label: string;
    /** The label value for a server, or undefined when it cannot be known from the configuration (why). */
    value(server: Server, pool: Pool): string | { why: string };
    /** Requests (or responses) of one server, all status codes. */
    requests: Family;
    /**
     * Which servers are healthy machines: `healthy(selector)` keeps the series of those that are. A server taken out by
     * the configuration or an operator (HAProxy MAINT/DRAIN, NGINX Plus `down`) is healthy: the incident this watches
     * for is a change that takes healthy servers out; one whose health checks fail is not.
     */
    health?: { family: Family; healthy: (series: string) => string };
  };
  /** Only an up/down gauge per server, without request counts (Traefik). */
  serverUpOnly?: { label: string; value(server: Server, pool: Pool): string | { why: string }; up: Family };
  /** CloudWatch period the `cloudwatch` families are divided by (the exporter's default), in seconds. */
  period?: number;
  /** What the user must know or enable; printed in the rules file header and in docs/alerts.md. */
  notes: string[];
}

const eq = (label: string, value: string): Matcher => ({ label, op: '=', value });
const re = (label: string, value: string): Matcher => ({ label, op: '=~', value });

/** A literal string as an RE2 pattern (Prometheus anchors `=~` patterns at both ends). */
export function reEscape(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** An address as the product reports a resolved endpoint (`10.0.0.1:80`, `[::1]:80`), when the configuration gives it. */
function literalAddress(server: Server): string | { why: string } {
  if (server.kind === 'ip' || server.kind === 'loopback') return server.addressKey;
  if (server.kind === 'hostname') return { why: `${server.address} is a DNS name: the exporter reports the addresses it resolves to` };
  return { why: `${server.address} is not a literal address` };
}

/** HAProxy's built-in exporter (PROMEX, `http-request use-service prometheus-exporter`), HAProxy ≥ 2.4 labels. */
const HAPROXY: Exporter = {
  id: 'haproxy',
  title: "HAProxy's built-in Prometheus exporter",
  defaultFor: ['haproxy'],
  pool: (p) => ({ matchers: [eq('proxy', p.name)] }),
  poolRequests: { metric: 'haproxy_backend_http_requests_total', kind: 'counter' },
  poolResponses: {
    all: { metric: 'haproxy_backend_http_responses_total', kind: 'counter' },
    errors: { metric: 'haproxy_backend_http_responses_total', matchers: [eq('code', '5xx')], kind: 'counter' },
  },
  server: {
    label: 'server',
    value: (s) => s.name ?? { why: 'the server has no name' },
    requests: { metric: 'haproxy_server_http_responses_total', kind: 'counter' },
    // One 0/1 series per state (DOWN, UP, MAINT, DRAIN, NOLB): DOWN is the one health checks set.
    health: { family: { metric: 'haproxy_server_status', matchers: [eq('state', 'DOWN')], kind: 'gauge' }, healthy: (s) => `${s} == 0` },
  },
  notes: [
    'HAProxy must be built with the Prometheus exporter (haproxy -vv: "Built with the Prometheus exporter as a service") and serve it: `http-request use-service prometheus-exporter if { path /metrics }`.',
    'haproxy_server_status with a `state` label (one 0/1 series per state) is the HAProxy 2.4+ form; with older versions the rules that need healthy servers never fire.',
    'HTTP responses are counted for `mode http` proxies only: TCP backends get no rules that fire.',
  ],
};

/** Envoy's admin endpoint `/stats/prometheus` with the default tag extraction. */
const ENVOY: Exporter = {
  id: 'envoy',
  title: "Envoy's admin /stats/prometheus (cluster statistics)",
  defaultFor: ['envoy'],
  pool: (p) => ({ matchers: [eq('envoy_cluster_name', p.name)] }),
  poolRequests: { metric: 'envoy_cluster_upstream_rq_total', kind: 'counter' },
  poolResponses: {
    all: { metric: 'envoy_cluster_upstream_rq_xx', kind: 'counter' },
    errors: { metric: 'envoy_cluster_upstream_rq_xx', matchers: [eq('envoy_response_code_class', '5')], kind: 'counter' },
  },
  server: {
    label: 'envoy_endpoint_address',
    value: (s) => literalAddress(s),
    requests: { metric: 'envoy_cluster_endpoint_rq_total', kind: 'counter' },
    health: { family: { metric: 'envoy_cluster_endpoint_healthy', kind: 'gauge' }, healthy: (s) => `${s} == 1` },
  },
  notes: [
    'Per-endpoint series (envoy_cluster_endpoint_*) exist only for clusters with `track_cluster_stats: { per_endpoint_stats: true }`; without it the per-server rules stay quiet and only the cluster rules work.',
    'Endpoints of STRICT_DNS/LOGICAL_DNS/EDS clusters are reported by resolved address: servers written as DNS names get cluster-level rules only.',
  ],
};

/** Traefik's Prometheus metrics (`metrics.prometheus`, service labels on by default). */
const TRAEFIK: Exporter = {
  id: 'traefik',
  title: "Traefik's Prometheus metrics (service metrics)",
  defaultFor: ['traefik'],
  // The `service` label is `name@provider`; a name written with its provider is already complete.
  pool: (p) => ({ matchers: [p.name.includes('@') ? eq('service', p.name) : re('service', `${reEscape(p.name)}@.+`)] }),
  poolRequests: { metric: 'traefik_service_requests_total', kind: 'counter' },
  poolResponses: {
    all: { metric: 'traefik_service_requests_total', kind: 'counter' },
    errors: { metric: 'traefik_service_requests_total', matchers: [re('code', '5..')], kind: 'counter' },
  },
  serverUpOnly: {
    label: 'url',
    value: (s) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(s.address) ? s.address : { why: `${s.address} is not a server URL` }),
    up: { metric: 'traefik_service_server_up', kind: 'gauge' },
  },
  notes: [
    'Traefik publishes no per-server request counter: a server\'s share cannot be observed, only whether it is up (traefik_service_server_up, with a health check on the service).',
    'Service metrics need `metrics.prometheus.addServicesLabels` (true by default).',
  ],
};

/** nginx-prometheus-exporter reading the NGINX Plus API (`-nginx.plus`). */
const NGINX_PLUS: Exporter = {
  id: 'nginx-plus',
  title: 'nginx-prometheus-exporter with the NGINX Plus API (nginxplus_upstream_*)',
  defaultFor: ['nginx'],
  pool: (p) => (p.synthesized
    ? { why: 'a direct proxy_pass address is not an upstream block: the NGINX Plus API has no counters for it' }
    : p.namespace === 'stream'
      ? { why: 'stream (TCP/UDP) upstreams are published as nginxplus_stream_upstream_*, not covered' }
      : { matchers: [eq('upstream', p.name)] }),
  poolRequests: { metric: 'nginxplus_upstream_server_requests', kind: 'counter' },
  poolResponses: {
    all: { metric: 'nginxplus_upstream_server_responses', kind: 'counter' },
    errors: { metric: 'nginxplus_upstream_server_responses', matchers: [eq('code', '5xx')], kind: 'counter' },
  },
  server: {
    label: 'server',
    value: (s) => (s.kind === 'unix' ? s.address : literalAddress(s)),
    requests: { metric: 'nginxplus_upstream_server_requests', kind: 'counter' },
    // nginx-prometheus-exporter maps the API's state to a number: up 1, draining 2, down 3, unavail 4, checking 5,
    // unhealthy 6; unavail (max_fails reached) and unhealthy (failed health checks) are the unhealthy ones.
    health: { family: { metric: 'nginxplus_upstream_server_state', kind: 'gauge' }, healthy: (s) => `(${s} != 4) != 6` },
  },
  notes: [
    'Open-source nginx has no per-upstream-server counters (stub_status only counts connections and requests of the whole server); these rules need NGINX Plus and nginx-prometheus-exporter started with -nginx.plus.',
    'The NGINX Plus API reports only upstreams with a shared memory `zone`; add `zone <name> 64k;` to each upstream block.',
  ],
};

/** ingress-nginx's controller metrics (port 10254). */
const INGRESS_NGINX: Exporter = {
  id: 'ingress-nginx',
  title: 'ingress-nginx controller metrics (nginx_ingress_controller_requests)',
  defaultFor: ['kubernetes'],
  pool: (p) => {
    const slash = p.name.indexOf('/');
    return { matchers: slash < 0 ? [eq('service', p.name)] : [eq('namespace', p.name.slice(0, slash)), eq('service', p.name.slice(slash + 1))] };
  },
  poolRequests: { metric: 'nginx_ingress_controller_requests', kind: 'counter' },
  poolResponses: {
    all: { metric: 'nginx_ingress_controller_requests', kind: 'counter' },
    // `status` is the code (503) or, with --report-status-classes, the class (5xx): `5..` matches both.
    errors: { metric: 'nginx_ingress_controller_requests', matchers: [re('status', '5..')], kind: 'counter' },
  },
  notes: [
    'ingress-nginx counts requests per Service (`service`, `namespace` labels), not per Pod: each backend Service is one pool, watched as a whole.',
    'Scraped through a Prometheus Operator ServiceMonitor without honorLabels, the controller\'s `namespace` and `service` labels become `exported_namespace` and `exported_service`: set honorLabels: true, or edit the matchers.',
  ],
};

/** Istio's standard metrics (`istio_requests_total`), as the client-side proxy reports them. */
const ISTIO: Exporter = {
  id: 'istio',
  title: 'Istio standard metrics (istio_requests_total, reporter="source")',
  defaultFor: ['istio'],
  alsoFor: ['kubernetes'],
  pool: (p) => {
    const bar = p.name.indexOf('|');
    if (bar >= 0) {
      // A DestinationRule subset: its pods are told apart by their version label (see notes).
      return { matchers: [eq('destination_service', p.name.slice(0, bar)), eq('destination_version', p.name.slice(bar + 1))] };
    }
    const slash = p.name.indexOf('/');
    if (slash >= 0) return { matchers: [eq('destination_service_namespace', p.name.slice(0, slash)), eq('destination_service_name', p.name.slice(slash + 1))] };
    return { matchers: [eq('destination_service', p.name)] };
  },
  poolRequests: { metric: 'istio_requests_total', matchers: [eq('reporter', 'source')], kind: 'counter' },
  poolResponses: {
    all: { metric: 'istio_requests_total', matchers: [eq('reporter', 'source')], kind: 'counter' },
    errors: { metric: 'istio_requests_total', matchers: [eq('reporter', 'source'), re('response_code', '5..')], kind: 'counter' },
  },
  notes: [
    'Requests are counted by the proxy that sends them (reporter="source": the ingress gateway or the client\'s sidecar); clients outside the mesh are only seen with reporter="destination".',
    'A subset is matched by destination_version = the subset\'s name: Istio fills destination_version from the pods\' `version` label, so subsets must select `version: <subset name>` (the usual v1/v2 convention) for their rules to see traffic.',
    'Istio counts per Service and workload, not per Pod: each destination is one pool, watched as a whole.',
  ],
};

function targetGroup(label: string): Exporter['pool'] {
  return (p) => (p.runtimeName
    ? { matchers: [re(label, `targetgroup/${reEscape(p.runtimeName)}/[0-9a-f]+`)] }
    : { why: `target group ${p.name} has no literal Name: CloudWatch's TargetGroup dimension (targetgroup/<name>/<id>) is only known after deployment` });
}

const ALB_NOTES = [
  'CloudWatch has no per-target request metrics for an Application Load Balancer (RequestCountPerTarget is RequestCount divided by the healthy targets): target groups are watched as a whole.',
  'CloudWatch publishes RequestCount only for periods with requests: the no-traffic rule needs zero-filled series (YACE `nilToZero: true`).',
  'CloudWatch data arrives minutes late: prefer --for-duration 15m or more.',
];

/** yet-another-cloudwatch-exporter (`aws_<namespace>_<metric>_<statistic>`, labels `dimension_<Name>`). */
const YACE: Exporter = {
  id: 'yace',
  title: 'CloudWatch AWS/ApplicationELB via yet-another-cloudwatch-exporter (YACE)',
  defaultFor: ['aws-alb'],
  pool: targetGroup('dimension_TargetGroup'),
  poolRequests: { metric: 'aws_applicationelb_request_count_sum', kind: 'cloudwatch' },
  poolResponses: {
    all: { metric: 'aws_applicationelb_request_count_sum', kind: 'cloudwatch' },
    errors: { metric: 'aws_applicationelb_httpcode_target_5_xx_count_sum', kind: 'cloudwatch' },
  },
  period: 300,
  notes: [
    'A YACE discovery job for AWS/ApplicationELB with RequestCount and HTTPCode_Target_5XX_Count, statistics [Sum], period 300; rates divide by 300 s (with another period only the minimum-rate guard is off: scale --min-rate).',
    ...ALB_NOTES,
  ],
};

/** prometheus/cloudwatch_exporter (`aws_<namespace>_<metric>_<statistic>`, dimension labels in snake case). */
const CLOUDWATCH_EXPORTER: Exporter = {
  id: 'cloudwatch-exporter',
  title: 'CloudWatch AWS/ApplicationELB via prometheus/cloudwatch_exporter',
  defaultFor: [],
  alsoFor: ['aws-alb'],
  pool: targetGroup('target_group'),
  poolRequests: { metric: 'aws_applicationelb_request_count_sum', kind: 'cloudwatch' },
  poolResponses: {
    all: { metric: 'aws_applicationelb_request_count_sum', kind: 'cloudwatch' },
    errors: { metric: 'aws_applicationelb_httpcode_target_5_xx_count_sum', kind: 'cloudwatch' },
  },
  period: 60,
  notes: [
    'cloudwatch_exporter metrics for AWS/ApplicationELB RequestCount and HTTPCode_Target_5XX_Count with aws_dimensions [LoadBalancer, TargetGroup] and aws_statistics [Sum]; rates divide by its default period_seconds of 60.',
    ...ALB_NOTES,
  ],
};

export const EXPORTERS: readonly Exporter[] = [HAPROXY, ENVOY, TRAEFIK, NGINX_PLUS, INGRESS_NGINX, ISTIO, YACE, CLOUDWATCH_EXPORTER];

export const exporterById = (id: string): Exporter | undefined => EXPORTERS.find((e) => e.id === id);

/** The exporter that watches a format's configurations by default. */
export const defaultExporter = (format: string): Exporter | undefined => EXPORTERS.find((e) => e.defaultFor.includes(format));

/** Whether an exporter can watch a format (its default, or chosen with `--exporter`). */
export const exporterFits = (e: Exporter, format: string): boolean => e.defaultFor.includes(format) || (e.alsoFor ?? []).includes(format);
