/** What differs between the Envoy bootstraps of the tests; the rest of the listener is fixed. */
export interface BootstrapOptions {
  /** The listener's port (default 10000). */
  port?: number;
  /** A `name` for the route configuration (default none). */
  routeConfig?: string;
  /** The virtual host's name (default `vh`) and its one domain (default `*`). */
  virtualHost?: string;
  domain?: string;
}

/**
 * An Envoy bootstrap (YAML): one HTTP listener (`ingress` on 0.0.0.0) whose one virtual host has `routes` — route
 * items written at the routes' indentation (14 spaces) — followed by `clusters`, written at 2 spaces. Both are
 * inserted as they are: the text ends with `clusters`.
 */
export function envoyBootstrap(routes: string, clusters: string, o: BootstrapOptions = {}): string {
  return `static_resources:
  listeners:
  - name: ingress
    address:
      socket_address: { address: 0.0.0.0, port_value: ${o.port ?? 10000} }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress_http
          route_config:
${o.routeConfig ? `            name: ${o.routeConfig}\n` : ''}            virtual_hosts:
            - name: ${o.virtualHost ?? 'vh'}
              domains: ["${o.domain ?? '*'}"]
              routes:
${routes}
  clusters:
${clusters}`;
}
