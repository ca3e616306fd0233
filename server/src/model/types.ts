/**
 * The shared traffic model: entry points → ordered routes → pools → servers.
 *
 * Every format (nginx, HAProxy, …) lowers its syntax tree into this model. The analysis layer
 * (rules, distribution) only ever sees these types; it never sees format syntax. Everything here is
 * plain data (JSON-serialisable), so a model can be cached, diffed and sent over the wire.
 *
 * Positions are 0-based (line, UTF-16 character), like LSP; adapters convert for 1-based outputs.
 */

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** Where an element is written. `uri` differs from the model's uri for elements that come from an included file. */
export interface SourceRef {
  uri: string;
  range: Range;
}

export type FormatId = 'nginx' | 'haproxy' | string;

/** An entry point: where traffic comes in (nginx `server` block, HAProxy `frontend`/`listen`, …). */
export interface EntryPoint {
  id: string;
  /** Human readable: `server example.com:443`, `frontend fe_http`. */
  name: string;
  /** Protocol family; pools are looked up in the same namespace (nginx `http` vs `stream`). */
  namespace: string;
  /** Listen addresses as written (`*:80`, `443 ssl`). */
  listen: string[];
  /** Host names this entry answers for (nginx `server_name`), empty when any. */
  hosts: string[];
  source: SourceRef;
  /** The range of the entry's name/header line, for outline selection. */
  selection: SourceRef;
  /**
   * Where it accepts connections (nginx `listen`, HAProxy `bind`, an Envoy listener's address, a Gateway listener,
   * an ALB listener, a Traefik entryPoint). Absent: not known statically — the routing engine lets any request
   * arrive. An empty list: the entry takes no connections at all.
   */
  binds?: Bind[];
  /**
   * What the product answers when nothing routes a request that arrived here (no site for its host, or no route
   * matched and no default): default `{ status: 404, text: 'no route' }`. HAProxy answers 503 without a default
   * backend, nginx 404 from the default server, Envoy 404 (response flag NR). `status` undefined: what is answered is
   * decided outside the configuration (an ALB listener another template defines, with its default action).
   */
  noRoute?: { status?: number; text: string };
  /**
   * What the product answers for the requests a route sends to a pool that does not exist (a backend reference to a
   * Service that is not defined): default 503. Gateway API answers 500 for the share of an invalid backendRef
   * (HTTPRouteRule.backendRefs).
   */
  undefinedPoolStatus?: number;
}

/** A socket an entry point listens on (one `listen` / `bind` line, one listener). */
export interface Bind {
  /** TCP/UDP port; undefined when it is not known statically (an environment variable): any port. */
  port?: number;
  /**
   * The address when restricted to one (`10.0.0.1`, `::1`); undefined: every address. With `port` undefined, entries
   * naming the same address share one socket and compete by host (the sidecars of an Istio mesh, `mesh`; a gateway
   * whose servers the configuration does not show).
   */
  address?: string;
  /** TLS is terminated here (nginx `ssl`, HAProxy `ssl crt`, an Envoy TLS transport socket, HTTPS/TLS listeners). Undefined: unknown, either scheme. */
  tls?: boolean;
  /** `http` (default): routes take HTTP requests; `tcp`/`udp`: the entry forwards whole connections. */
  protocol?: 'http' | 'tcp' | 'udp';
  /**
   * The entry answers requests on this port whose host no site names (nginx: the `default_server` of the
   * address:port, else the first server block listening on it — the format decides and marks exactly one).
   */
  default?: boolean;
  /** The `listen`/`bind` line, for traces. */
  source?: SourceRef;
}

/**
 * A virtual host: the part of an entry point chosen by the request's host before its routes are searched (an
 * nginx `server` block's `server_name`s, an Envoy `virtual_host`'s `domains`, an Istio Gateway server's hosts, an
 * Ingress rule's host). Selection among the sites that can take a request on one socket follows one documented
 * precedence (nginx `server_name`, Envoy `domains`, Gateway API hostnames all agree on it): an exact name, then the
 * longest suffix wildcard (`*.example.com`), then the longest prefix wildcard (`www.*`), then the first regex in
 * order, then `any` (`*`); when nothing matches, the site of the entry whose bind is `default` for the port, else
 * the entry's `noRoute`. Entries without sites have one implicit site that takes any host.
 */
export interface Site {
  id: string;
  entryId: string;
  /** Display name (`server_name api.example.com`, `virtual_host backend`). */
  name: string;
  /** Host patterns; an empty list takes any host. */
  hosts: HostPattern[];
  /** TLS server names that select this site before hosts are compared (Envoy filter chain `server_names`); absent: any. */
  sni?: HostPattern[];
  /**
   * The site takes only requests that arrived with TLS (`true`) or without (`false`): one filter chain of an Envoy
   * listener that terminates TLS while another chain of the same socket does not. Absent: either.
   */
  tls?: boolean;
  /**
   * The sites whose route lists this site searches, in order, instead of routes of its own: a route configuration
   * several listeners share (Envoy RDS), or the VirtualServices an Istio Gateway server merges for one host. Each
   * listed site is searched as a whole (its own precedence); the first that takes the request wins. Absent: the
   * routes whose `siteId` is this site.
   */
  routesFrom?: string[];
  source: SourceRef;
}

/** A host name pattern of a site. Host names compare case-insensitively, without the port. */
export interface HostPattern {
  /**
   * - `exact`: the name itself (`api.example.com`); also the empty name (requests without a Host);
   * - `suffix`: `*.example.com` / `*-api.example.com` — `value` is what follows the `*` (`.example.com`), and the
   *   `*` stands for at least one character (any number of labels unless `singleLabel`);
   * - `prefix`: `www.*` — `value` is what precedes the `*` (`www.`);
   * - `regex`: `value` is a regular expression in `dialect`, searched in the name (nginx `~`);
   * - `any`: every host (`*`, `_` catch-alls where the product documents them as such).
   */
  kind: 'exact' | 'suffix' | 'prefix' | 'regex' | 'any';
  value: string;
  /** `suffix` only: the `*` stands for exactly one DNS label (Kubernetes Ingress `*.foo.com`). */
  singleLabel?: boolean;
  /** `regex` only. */
  dialect?: RegexDialect;
  /** The text as written, for messages. */
  text?: string;
  /** Where the name is written (for findings about the name itself). */
  source?: SourceRef;
}

/** Which regular-expression language a pattern is written in: PCRE (nginx, HAProxy) or RE2 (Envoy, Istio, Gateway API, Traefik). */
export type RegexDialect = 'pcre' | 're2';

// ---- the request-matching language of the routing engine ----------------------------------------------------

/**
 * A part of a request a condition inspects:
 * - `method` (upper case as sent), `scheme` (`http`/`https`), `host` (lower case, without port), `port` (the
 *   connection's destination port, decimal), `path` (without the query), `query` (the raw query string, without
 *   `?`), `url` (path and `?query` as sent), `sni` (TLS server name), `src` (client address), `tls` (`on`/`off`);
 * - `header:<lower-case name>` (absent when not sent; repeated headers joined with `,`), `arg:<name>` (a query
 *   parameter's first value, absent when not sent), `cookie:<name>`.
 */
export type RequestField =
  | 'method' | 'scheme' | 'host' | 'port' | 'path' | 'query' | 'url' | 'sni' | 'src' | 'tls'
  | `header:${string}` | `arg:${string}` | `cookie:${string}`;

/**
 * A set of strings a field's value must belong to. A test on an absent field (a header not sent) is false for
 * every kind, `present` included; its negation is true.
 */
export type StringMatch =
  | { op: 'exact' | 'prefix' | 'suffix' | 'contains'; value: string; ignoreCase?: boolean }
  /**
   * A path prefix on `/` boundaries: the value itself or the value followed by `/` and anything (a trailing `/` of
   * the value is ignored): Gateway API / Ingress `PathPrefix`/`Prefix`, Envoy `path_separated_prefix`.
   */
  | { op: 'segment-prefix'; value: string; ignoreCase?: boolean }
  /** `*` any run of characters, `?` one character, everything else literal; the whole value must match (ALB). */
  | { op: 'glob'; value: string; ignoreCase?: boolean }
  /**
   * A regular expression in `dialect`. `anchored`: the whole value must match (Envoy `safe_regex`, Istio, Gateway
   * API); otherwise a match anywhere in the value is enough (nginx, HAProxy, Traefik's `…Regexp` matchers: Go's
   * `MatchString`), as `^`/`$` say.
   */
  | { op: 'regex'; value: string; dialect: RegexDialect; anchored: boolean; ignoreCase?: boolean }
  /** An address in a network (`10.0.0.0/8`, `::1`, a single address). */
  | { op: 'cidr'; value: string }
  /** The field is present with any value (a header that was sent). */
  | { op: 'present' };

/**
 * What a request must satisfy. Formats lower their own syntax into this (HAProxy ACLs with `||`, `!` and
 * implicit AND; Istio lists of `match` blocks; Gateway API `matches`; ALB conditions; Traefik rules…); the engine
 * and the shadowing proofs never know which product wrote it.
 */
export type Condition =
  /** Every part holds (an empty list always holds). */
  | { kind: 'all'; of: Condition[] }
  /** Some part holds (an empty list never holds). */
  | { kind: 'any'; of: Condition[] }
  | { kind: 'not'; of: Condition }
  | { kind: 'test'; field: RequestField; match: StringMatch }
  /**
   * A matcher outside the language (Envoy `dynamic_metadata`/`runtime_fraction`/CEL, a HAProxy fetch lb-lens does
   * not model, an nginx `if` on a variable it cannot follow, a PCRE construct a linear-time engine cannot run):
   * undecidable. Two opaque conditions with the same `text` in one entry point are the same condition (a repeated
   * HAProxy ACL expression); otherwise an opaque condition is never evidence that one route covers another.
   */
  | { kind: 'opaque'; text: string; why: string };

/** One condition of a route's match; a route matches when all its conditions hold. */
export interface MatchCondition {
  /** What is inspected: `path`, `host`, `header:x-canary`, `acl`, `sni`, … */
  field: string;
  /**
   * How the value is compared:
   * - `exact`, `prefix`: string comparison on the field;
   * - `regex`: `value` is a regular expression (`flags` e.g. `i`);
   * - `opaque`: a condition the model cannot interpret (an ACL expression); it covers only itself
   *   (same `value`), never anything else.
   */
  op: 'exact' | 'prefix' | 'regex' | 'opaque';
  value: string;
  flags?: string;
  negated?: boolean;
}

/**
 * How a route competes with its siblings. Routes of one entry point with the same `group` are
 * evaluated together:
 * - `first-match`: in ascending `index`; the first route whose match holds takes the request
 *   (HAProxy `use_backend`, nginx regex locations, priority-sorted rules);
 * - `longest-prefix`: the longest matching prefix wins regardless of order (nginx prefix locations);
 * - `exact`: exact-match lookups (nginx `location =`);
 * - `last-match`: every route is tried in `index` order and the last one that matches wins (nginx `if` blocks of
 *   one location: each matching `if` replaces the configuration, ngx_http_rewrite_module).
 *
 * The routing engine searches a site (or a chosen route's children, `parent`) as nginx documents for locations,
 * which also covers the plain first-match lists of the other products: an `exact` route that matches wins; else
 * the longest matching route of a `longest-prefix` group is remembered, and when it has `preemptedBy` that group
 * is searched first; else the `first-match` groups are searched in the order of their first route in the model.
 * Then the chosen route's child groups (`parent`) are searched the same way.
 * Identical matches in `longest-prefix`/`exact` groups are conflicting definitions.
 */
export interface RouteEvaluation {
  group: string;
  strategy: 'first-match' | 'last-match' | 'longest-prefix' | 'exact';
  index: number;
  /**
   * A first-match group of the same entry point that is consulted before this route's own result is used:
   * any route of that group that matches every request of this one takes them all (nginx checks regex
   * locations before using a plain prefix location, so `location ~ /` makes `location /api/` unreachable).
   */
  preemptedBy?: string;
  /**
   * A route id: this group is searched only after that route was chosen (nginx nested locations, `if` blocks
   * inside a location); a route of the group that matches replaces it. Absent: the group belongs to the site.
   */
  parent?: string;
}

export type RouteTarget =
  /** A named pool; `poolId` is set when the format resolved it, otherwise analysis resolves `name` in `namespace`. */
  | { kind: 'pool'; name: string; namespace: string; poolId?: string; nameSource: SourceRef }
  /** A direct address (nginx `proxy_pass http://10.0.0.1:8080`): analysed through the synthesised pool `poolId`. */
  | { kind: 'address'; address: string; poolId: string; nameSource: SourceRef }
  /** A weighted split over several pools (Envoy weighted_clusters, Traefik weighted, …). */
  | { kind: 'split'; parts: Array<{ name: string; namespace: string; weight: number; poolId?: string; nameSource: SourceRef }> }
  /**
   * The target is computed at run time (variables, `use_backend %[…]`): no distribution. `byHeader`: the pool is
   * named by a request header (Envoy `cluster_header`): the routing engine resolves the header's value in
   * `namespace`, and answers `missingStatus` when the header is absent or names no pool.
   */
  | { kind: 'dynamic'; text: string; nameSource: SourceRef; byHeader?: { header: string; namespace: string; missingStatus: number } }
  /** The route answers itself (return, redirect, static files). It is kept for reachability, without a distribution. */
  | { kind: 'none'; reason: string; response?: RouteResponse };

/**
 * What a route that answers itself sends: a redirect (Envoy `redirect`, nginx `return 301 …`, HAProxy
 * `http-request redirect`, an ALB redirect action) or a direct response (Envoy `direct_response`, nginx `return 404`,
 * HAProxy `http-request deny|return`, an ALB fixed-response, static files served by the proxy itself).
 */
export interface RouteResponse {
  /**
   * `no-backend`: the route takes the request but has nothing to forward it to, and the product answers `status`
   * (a Gateway API rule without backendRefs: 500).
   */
  kind: 'redirect' | 'direct' | 'no-backend';
  /** The HTTP status when the config states it (or the product's documented default: 302 for a redirect…). */
  status?: number;
  /** Redirect target as written. */
  location?: string;
}

export interface Route {
  id: string;
  entryId: string;
  /** Display name: `location /api`, `use_backend be_api if is_api`, `default_backend be_web`. */
  name: string;
  /** Readable match description (`path ^~ /static`, `acl is_api`, `*`). */
  matchText: string;
  /** Conditions that all must hold; empty means the route matches every request of its group. */
  match: MatchCondition[];
  /** The catch-all / default route of its entry point (nginx `location /`, HAProxy `default_backend`). */
  catchAll: boolean;
  evaluation: RouteEvaluation;
  /** Explicit priority where the format has one (Traefik, ALB); used for LB111 duplicates. */
  priority?: number;
  /**
   * What a request must satisfy to be taken by this route when its group is searched — in the routing engine's
   * language, with the product's semantics (regex dialect and anchoring, case, path segments). Conditions already
   * decided by the step that chose the route's site or parent (the virtual host's domains, the parent location)
   * are not repeated here. Absent: the engine derives it from `match` (path `exact`/`prefix`/`regex` as a PCRE
   * search; anything else opaque).
   */
  when?: Condition;
  /** The site whose route list holds this route; absent: the implicit site of the entry (any host). */
  siteId?: string;
  target: RouteTarget;
  /** The whole directive/rule that defines the route. Its first line is the route's `line` in outputs. */
  source: SourceRef;
}

export type ServerState = 'active' | 'backup' | 'down' | 'disabled';

export interface Server {
  id: string;
  poolId: string;
  /** The server's name where the format has one (HAProxy `server web1 …`). */
  name?: string;
  /** The address as written (`10.0.0.1:8080`, `app.internal`, `unix:/run/app.sock`). */
  address: string;
  /** Normalised address used to detect duplicates (`10.0.0.1:80` for `10.0.0.1`). */
  addressKey: string;
  /** Effective weight (format defaults applied). */
  weight: number;
  state: ServerState;
  /**
   * What the address is:
   * - `ip`: an IP literal; `hostname`: a DNS name; `unix`: a unix socket; `loopback`: 127.0.0.0/8, ::1, localhost;
   * - `service`: a logical service rather than a machine (Kubernetes Service, target group) — LB101/LB108 stay quiet;
   * - `dynamic`: contains run-time variables.
   */
  kind: 'ip' | 'hostname' | 'unix' | 'loopback' | 'service' | 'dynamic';
  /** A DNS name the product expands into every address it resolves to (nginx): may be several machines. */
  mayBeMultiple?: boolean;
  /** Active or passive health checking on this server. */
  healthCheck?: { active: boolean; passive: boolean };
  /** Generated from a template (HAProxy `server-template`): not written one by one. */
  generated?: boolean;
  /**
   * The server's failover level under `backupPolicy: 'priority-levels'` (0, the default, is served first; Envoy
   * endpoint `priority`). Servers of a level above 0 are standby capacity, so their state is `backup`.
   */
  priority?: number;
  /**
   * Under `backupPolicy: 'priority-levels'`: a usable server of its level that only takes the load the healthy
   * servers of all levels cannot (Envoy DEGRADED hosts). Its state is `backup`.
   */
  degraded?: boolean;
  source: SourceRef;
}

export interface Pool {
  id: string;
  /** The name used to reference it; synthesised pools (direct addresses) have the address as name. */
  name: string;
  /**
   * The name the running product reports the pool under, when the configuration states one that differs from `name`
   * (an ALB target group's `Name` property, part of CloudWatch's `TargetGroup` dimension, while `name` is its logical
   * id). Absent: `name`, or not known before deployment.
   */
  runtimeName?: string;
  namespace: string;
  /** `upstream`, `backend`, `listen`, `address` (synthesised for a direct target), … */
  kind: string;
  /** True when the format made this pool up for a direct address; it cannot be unused or redefined. */
  synthesized: boolean;
  /** The balancing algorithm as the product names it (`roundrobin`, `least_conn`, `first`, …). */
  algorithm: string;
  /**
   * How the expected share follows from the servers:
   * - `weighted`: proportional to weight among available primaries (round robin, hashing, least connections…);
   * - `first`: the first available server takes everything until it is full (HAProxy `balance first`).
   */
  shareModel: 'weighted' | 'first';
  /**
   * Who takes over from the primaries:
   * - `all`: when no primary is left, every backup by weight (nginx, HAProxy `option allbackups`);
   * - `first`: when no primary is left, only the first backup (HAProxy default);
   * - `priority-levels`: servers are grouped by `Server.priority`; each level keeps the share its health
   *   (available servers / all servers of the level, × `overprovisioningFactor`, capped at 100%) allows and the
   *   rest spills to the next level, gradually rather than all at once (Envoy priority levels).
   */
  backupPolicy: 'all' | 'first' | 'priority-levels';
  /** Under `priority-levels`: how overprovisioned each level is, in percent (Envoy's default 140 means ×1.4). */
  overprovisioningFactor?: number;
  /** Under `priority-levels`: a level's health counts server weights instead of servers (Envoy `weighted_priority_health`). */
  weightedPriorityHealth?: boolean;
  /**
   * Requests the pool's own proxy answers before choosing a server, tried in order after a route chose the pool
   * (HAProxy backend `http-request deny|redirect|return`, `redirect` rules): the first whose condition holds
   * answers the request. Absent: none.
   */
  answers?: PoolAnswer[];
  /** Pool-level health checking (active probes, passive failure detection); servers may add their own. */
  healthCheck: { active: boolean; passive: boolean; detail?: string };
  servers: Server[];
  /** Servers are discovered at run time (DNS service discovery, resolvers, server-template): counts are not final. */
  dynamicServers?: boolean;
  /** The pool is used by something other than a route (a stick table, a `track`, an ACL fetch): never "unused". */
  referencedElsewhere?: boolean;
  /** The pool holds no servers by design (a stick-table holder): no distribution rules apply. */
  notATrafficPool?: boolean;
  source: SourceRef;
  /** Range of the name in the definition, for go-to-definition. */
  nameSource: SourceRef;
}

/** A request a pool's proxy answers itself (see `Pool.answers`). */
export interface PoolAnswer {
  /** The directive, for traces (`http-request redirect scheme https unless { ssl_fc }`). */
  name: string;
  when: Condition;
  response: RouteResponse;
  source: SourceRef;
}

/** A problem found while parsing or validating values (LB001 syntax, LB002 rejected value). */
export interface FormatProblem {
  ruleId: 'LB001' | 'LB002';
  message: string;
  /** Below the rule's default: a file the configuration names that lb-lens did not read is a `warning`. */
  severity?: 'warning';
  source: SourceRef;
  related?: Array<{ message: string; source: SourceRef }>;
}

/** A comment in the source, for inline suppression directives. */
export interface Comment {
  text: string;
  source: SourceRef;
}

/**
 * A named definition that routes and other definitions can name but that is not a pool: it holds no servers and
 * only forwards to pools (a Traefik `weighted`, `mirroring` or `highestRandomWeight` service, a TraefikService
 * CRD of those kinds). Routes that name one target the pools it reaches (a `split`, or a `pool`), and each place
 * that names it is a `PoolMention` of its name: go to definition, find references, the outline and "did you
 * mean" treat it like a pool; LB110 reports it when nothing names it.
 */
export interface NamedDefinition {
  name: string;
  /** Looked up like pools: the namespace of the routes and mentions that name it. */
  namespace: string;
  /** What it is, as the product names it (`weighted`, `mirroring`, …). */
  kind: string;
  /** The whole definition. */
  source: SourceRef;
  /** Range of the name in the definition, for go-to-definition. */
  nameSource: SourceRef;
  /** Defined in another file the format read (a sibling of the same configuration): never "unused" here. */
  referencedElsewhere?: boolean;
}

/** Other places that mention a pool (or a `NamedDefinition`) by name (for find references), beyond route targets. */
export interface PoolMention {
  name: string;
  namespace: string;
  source: SourceRef;
}

export interface TrafficModel {
  format: FormatId;
  uri: string;
  entries: EntryPoint[];
  routes: Route[];
  pools: Pool[];
  problems: FormatProblem[];
  comments: Comment[];
  mentions: PoolMention[];
  /** Named definitions that are not pools (absent when the format has none); names share the pools' namespaces. */
  definitions?: NamedDefinition[];
  /** Virtual hosts (absent or empty: every entry point is one site that takes any host). */
  sites?: Site[];
  /**
   * Definitions the product drops without an error because another one of the same identity takes effect: `keeps`
   * says which — the later one (a Kubernetes object written twice in one file: applying it keeps the last) or the
   * earlier one (an nginx `server_name` another server on the same address:port already has: "conflicting server
   * name …, ignored"). The model holds only what takes effect; these are reported.
   */
  superseded?: Array<{ name: string; source: SourceRef; by: SourceRef; keeps: 'earlier' | 'later' }>;
  /**
   * True when the model holds the whole configuration (a main file with its includes resolved), so a
   * missing pool is really missing and an unreferenced pool is really unused. Fragments are open.
   */
  closedWorld: boolean;
  /** Files that were read to build this model (the main file and resolved includes). */
  files: string[];
}
