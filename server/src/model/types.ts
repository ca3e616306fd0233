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
}

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
 * - `exact`: exact-match lookups (nginx `location =`).
 * Identical matches in `longest-prefix`/`exact` groups are conflicting definitions.
 */
export interface RouteEvaluation {
  group: string;
  strategy: 'first-match' | 'longest-prefix' | 'exact';
  index: number;
  /**
   * A first-match group of the same entry point that is consulted before this route's own result is used:
   * any route of that group that matches every request of this one takes them all (nginx checks regex
   * locations before using a plain prefix location, so `location ~ /` makes `location /api/` unreachable).
   */
  preemptedBy?: string;
}

export type RouteTarget =
  /** A named pool; `poolId` is set when the format resolved it, otherwise analysis resolves `name` in `namespace`. */
  | { kind: 'pool'; name: string; namespace: string; poolId?: string; nameSource: SourceRef }
  /** A direct address (nginx `proxy_pass http://10.0.0.1:8080`): analysed through the synthesised pool `poolId`. */
  | { kind: 'address'; address: string; poolId: string; nameSource: SourceRef }
  /** A weighted split over several pools (Envoy weighted_clusters, Traefik weighted, …). */
  | { kind: 'split'; parts: Array<{ name: string; namespace: string; weight: number; poolId?: string; nameSource: SourceRef }> }
  /** The target is computed at run time (variables, `use_backend %[…]`): no distribution. */
  | { kind: 'dynamic'; text: string; nameSource: SourceRef }
  /** The route answers itself (return, redirect, static files). It is kept for reachability, without a distribution. */
  | { kind: 'none'; reason: string };

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
  /**
   * True when the model holds the whole configuration (a main file with its includes resolved), so a
   * missing pool is really missing and an unreferenced pool is really unused. Fragments are open.
   */
  closedWorld: boolean;
  /** Files that were read to build this model (the main file and resolved includes). */
  files: string[];
}
