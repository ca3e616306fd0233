import { detectionSample } from '../detectSample';
import { addressKey, classifyAddress } from '../../model/address';
import { ModelBuilder } from '../../model/builder';
import type { Condition, EntryPoint, MatchCondition, NamedDefinition, Pool, Range, Route, RouteTarget, Server, SourceRef, TrafficModel } from '../../model/types';
import { builderFor, disjoint, siblings } from '../declarative/common';
import { anchor, bool, get, getCI, num, pair, pairs, pairCI, seq, str, strings, yamlTrees, type TNode } from '../declarative/tree';
import type { FormatHost } from '../types';
import { loadYaml, YAML_DIALECTS } from '../yaml/yamlFile';
import { lowerRule, parseRuleExpr, type RuleExpr } from './rule';
import { parseToml } from './toml';

/*
 * Traefik dynamic configuration (file provider, YAML and TOML) and the Kubernetes CRDs IngressRoute,
 * IngressRouteTCP/UDP and TraefikService (traefik.io/v1alpha1, traefik.containo.us/v1alpha1), after
 * doc.traefik.io "Routers" and "Services":
 * - routers are sorted by `priority`, highest first; "by default … the priority is directly equal to the
 *   length of the rule" (Go's `len`: UTF-8 bytes) and `priority: 0` means that default; the first router whose
 *   rule matches wins. A TCP `HostSNI(`*`)` router without a priority is the fallback, evaluated last (the TCP
 *   muxer gives it -1);
 * - `loadBalancer.servers` share by `weight` (default 1); "a handler with a non-positive weight is ignored"
 *   (the weighted round robin): a server of weight 0 or less gets no traffic;
 * - `weighted` splits over other services; `mirroring` sends copies to mirrors (not a share of the traffic):
 *   the main `service` is the target; `failover` uses `fallback` only when `service` is down. Load balancers and
 *   failovers become pools; `weighted`, `highestRandomWeight` and `mirroring` services hold no servers, so
 *   they are named definitions (`TrafficModel.definitions`) that routers target through (splits over the pools
 *   they reach), and every place naming one is a mention of it (definition, references, outline, LB110);
 * - `healthCheck` is an active check; `passiveHealthCheck` (v3.5+) a passive one;
 * - `name@provider`: `@file` is this provider; `@internal` services answer themselves; other providers
 *   define names this file cannot see (a run-time target, never "undefined");
 * - the file provider reads YAML or TOML only ("The file provider lets you define the dynamic configuration in
 *   a YAML or TOML file"; a `directory` skips every other extension), so `.json` files are never Traefik's. A
 *   `directory` is read with its subdirectories, so the configuration is the file's folder and everything below.
 */

type Proto = 'http' | 'tcp' | 'udp';

interface ServiceDef {
  name: string;
  proto: Proto;
  node: TNode;
  uri: string;
  /** From a TraefikService CRD (services it names are Kubernetes Services by default). */
  crd?: { namespace: string };
}

interface RouterDef {
  name: string;
  proto: Proto;
  node: TNode;
  rule?: string;
  ruleNode?: TNode;
  priority?: number;
  explicitPriority: boolean;
  /** `ruleSyntax` (file provider) / `syntax` (IngressRoute route): `v2` or v3 (default). */
  syntax?: string;
  entryPoints: string[];
  /** An HTTP router with a `tls` section (IngressRoute `spec.tls`): it takes HTTPS requests only. */
  tls: boolean;
  target: () => RouteTarget;
  source: Range;
}

/** Dynamic configuration roots of one file (YAML documents or the TOML root). */
interface Sources {
  configs: TNode[];
  crds: TNode[];
}

function isTraefikCrd(apiVersion: string | undefined): boolean {
  return !!apiVersion && /^traefik\.(io|containo\.us)\//.test(apiVersion);
}

export function sourcesOf(roots: TNode[]): Sources {
  const s: Sources = { configs: [], crds: [] };
  for (const r of roots) {
    if (r.kind !== 'map') continue;
    const api = str(get(r, 'apiVersion'));
    if (api) {
      if (isTraefikCrd(api)) s.crds.push(r);
      else if (str(get(r, 'kind')) === 'List') for (const i of seq(get(r, 'items'))) if (isTraefikCrd(str(get(i, 'apiVersion')))) s.crds.push(i);
      continue;
    }
    if (pairCI(r, 'http') || pairCI(r, 'tcp') || pairCI(r, 'udp')) s.configs.push(r);
  }
  return s;
}

/** A TOML document rather than YAML or JSON: by extension, else by content (a `[table]` line and no `key:` line). */
export const isTomlText = (uri: string, text: string): boolean =>
  /\.toml$/i.test(uri) || (!/\.(ya?ml|json)$/i.test(uri) && /^[ \t]*\[/m.test(text) && !/^[ \t]*\w[\w.-]*[ \t]*:/m.test(text));

function loadRoots(uri: string, text: string): { roots: TNode[]; file?: ReturnType<typeof loadYaml>; toml?: ReturnType<typeof parseToml> } {
  if (isTomlText(uri, text)) {
    const toml = parseToml(text);
    return { roots: [toml.root], toml };
  }
  const file = loadYaml(text, YAML_DIALECTS.traefik);
  return { roots: yamlTrees(file), file };
}

// ---- static configuration: entry points ----

/** An entry point of the static configuration (`entryPoints.<name>.address`). */
interface EntryPointDef {
  name: string;
  /** `[host]:port[/tcp|/udp]`: TCP (HTTP and TCP routers) unless `/udp`. */
  transport: 'tcp' | 'udp';
  address: string;
  port?: number;
  /** Restricted to one address; undefined for every address (`:80`, `0.0.0.0:80`, `[::]:80`). */
  host?: string;
  /** `http.tls`: the TLS configuration of every HTTP router attached to it that has none of its own. */
  tls: boolean;
  asDefault: boolean;
  source: SourceRef;
}

interface StaticConfig {
  /** The file it was read from. */
  uri: string;
  entryPoints: Map<string, EntryPointDef>;
  /** `core.defaultRuleSyntax` (v3): the rule syntax of routers that do not set `ruleSyntax`. */
  defaultRuleSyntax?: string;
}

/** The address of an entry point: "The address format is [host]:port[/tcp|/udp]". */
export function parseEntryPointAddress(address: string): { port?: number; host?: string; transport: 'tcp' | 'udp' } | undefined {
  const m = /^(.*):(\d{1,5})(?:\/(tcp|udp))?$/i.exec(address.trim());
  if (!m) return undefined;
  const port = Number(m[2]);
  let host = m[1].replace(/^\[(.*)\]$/, '$1');
  if (host === '' || host === '0.0.0.0' || host === '::') host = '';
  return { port: port >= 1 && port <= 65535 ? port : undefined, host: host || undefined, transport: m[3]?.toLowerCase() === 'udp' ? 'udp' : 'tcp' };
}

/** The static configuration in a file's roots (YAML documents or the TOML root), if it defines entry points. */
function readStatic(roots: TNode[], uri: string, ref: (r: Range, uri: string) => SourceRef): StaticConfig | undefined {
  for (const r of roots) {
    if (r.kind !== 'map' || get(r, 'apiVersion')) continue;
    const eps = pairs(getCI(r, 'entryPoints'));
    if (eps.length === 0) continue;
    const out: StaticConfig = { uri, entryPoints: new Map(), defaultRuleSyntax: str(getCI(r, 'core', 'defaultRuleSyntax')) };
    for (const p of eps) {
      const address = str(getCI(p.value, 'address'));
      const parsed = address === undefined ? undefined : parseEntryPointAddress(address);
      out.entryPoints.set(p.key, {
        name: p.key, transport: parsed?.transport ?? 'tcp', address: address ?? p.key, port: parsed?.port, host: parsed?.host,
        tls: !!getCI(p.value, 'http', 'tls'), asDefault: bool(getCI(p.value, 'asDefault')) === true,
        source: ref(p.keyRange ? { start: p.keyRange.start, end: p.value.range.end } : p.value.range, uri),
      });
    }
    return out;
  }
  return undefined;
}

const STATIC_HINT = /^[ \t]*(?:entryPoints[ \t]*:|\[entryPoints[.\]])/im;

/**
 * The static configuration that goes with a dynamic file: the file itself (`providers.file.filename` may name the
 * static file), else a file of its folder, else `traefik.yml`/`traefik.yaml`/`traefik.toml` in the folder above
 * (the usual `/etc/traefik/traefik.yml` beside `/etc/traefik/dynamic/`). A guess about the deployment, documented.
 */
function findStatic(uri: string, roots: TNode[], host: FormatHost, ref: (r: Range, uri: string) => SourceRef): StaticConfig | undefined {
  const own = readStatic(roots, uri, ref);
  if (own) return own;
  const candidates = [
    ...siblings(uri, host, ['yml', 'yaml', 'toml']).files,
    ...host.glob('../traefik.*', uri).filter((f) => /\/traefik\.(?:ya?ml|toml)$/i.test(f)),
  ];
  for (const f of candidates.slice(0, 64)) {
    const t = host.readFile(f);
    if (t === undefined || !STATIC_HINT.test(t)) continue;
    const s = readStatic(loadRoots(f, t).roots, f, ref);
    if (s) return s;
  }
  return undefined;
}

// ---- rules ----

interface ParsedRule {
  match: MatchCondition[];
  text: string;
  catchAll: boolean;
}

/**
 * A rule that is a plain conjunction of matchers (`Host(`a`) && PathPrefix(`/api`)`) becomes conditions;
 * anything with `||`, `!` or parentheses around expressions stays one opaque condition (it covers only an
 * identical rule). `HostSNI(`*`)` and `PathPrefix(`/`)` match everything. `syntax` is the router's
 * `ruleSyntax` (v3 unless it says `v2`).
 */
export function parseRule(rule: string, syntax?: string): ParsedRule {
  const text = rule.trim();
  const opaque = (): ParsedRule => ({ match: [{ field: 'rule', op: 'opaque', value: text }], text, catchAll: false });
  if (/\|\||!/.test(text.replace(/`[^`]*`|"(?:[^"\\]|\\.)*"/g, ''))) return opaque();
  const parts = splitAnd(text);
  if (!parts) return opaque();
  const match: MatchCondition[] = [];
  for (const p of parts) {
    const m = /^([A-Za-z]+)\s*\(([\s\S]*)\)$/.exec(p.trim());
    if (!m) return opaque();
    const args = [...m[2].matchAll(/`([^`]*)`|"((?:[^"\\]|\\.)*)"/g)].map((a) => a[1] ?? a[2]);
    const fn = m[1];
    const one = args.length === 1 ? args[0] : undefined;
    if (fn === 'HostSNI' && one === '*') continue;
    if (fn === 'PathPrefix' && one === '/') continue;
    if (fn === 'Host' && one !== undefined && one.includes('*') && syntax !== 'v2') {
      // v3 "supports a single-level wildcard prefix (`*.example.com`) … A wildcard matches exactly one subdomain
      // label"; in v2 syntax the value is a plain name. Any other `*` stays opaque.
      const wildcard = /^\*\.[^*]+$/.test(one);
      match.push(wildcard ? { field: 'host', op: 'regex', value: `^[^.]+${escapeRegex(one.slice(1).toLowerCase())}$` } : { field: fn, op: 'opaque', value: p.trim() });
    } else if ((fn === 'Host' || fn === 'HostSNI') && one !== undefined) match.push({ field: fn === 'Host' ? 'host' : 'sni', op: 'exact', value: one.toLowerCase() });
    else if (fn === 'Path' && one !== undefined) match.push({ field: 'path', op: 'exact', value: one });
    else if (fn === 'PathPrefix' && one !== undefined) match.push({ field: 'path', op: 'prefix', value: one });
    else if ((fn === 'PathRegexp' || fn === 'HostRegexp' || fn === 'HostSNIRegexp') && one !== undefined && !one.includes('{')) {
      match.push({ field: fn === 'PathRegexp' ? 'path' : fn === 'HostRegexp' ? 'host' : 'sni', op: 'regex', value: one });
    } else if (fn === 'Method' && one !== undefined) match.push({ field: 'method', op: 'exact', value: one.toUpperCase() });
    else if (fn === 'Header' && args.length === 2) match.push({ field: `header:${args[0].toLowerCase()}`, op: 'exact', value: args[1] });
    else if (fn === 'Query' && args.length === 2) match.push({ field: `query:${args[0]}`, op: 'exact', value: args[1] });
    else match.push({ field: fn, op: 'opaque', value: p.trim() });
  }
  return { match, text, catchAll: match.length === 0 };
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const utf8 = new TextEncoder();

/**
 * The default priority of a router: "the priority is directly equal to the length of the rule" — Go's `len`,
 * bytes of UTF-8 — less the two stars of each double-wildcard host (`Host(`**.example.com`)` not under `!`), which
 * do not count so that it ranks below the exact and single-label hosts it covers (pkg/muxer/http GetRulePriority,
 * muxer.DoubleWildcardPenalty). The TCP fallback `HostSNI(`*`)` is -1 ("the lowest computable priority minus one …
 * in order to make the fallback the last to be evaluated", Traefik's TCP muxer).
 */
export function defaultPriority(proto: Proto, rule: string | undefined): number {
  if (rule === undefined) return 0;
  if (proto === 'tcp' && /^\s*HostSNI\s*\(\s*([`"])\*\1\s*\)\s*$/i.test(rule)) return -1;
  let priority = utf8.encode(rule).length;
  if (proto === 'http' && rule.includes('**.')) {
    const walk = (e: RuleExpr | undefined, negated: boolean): void => {
      if (!e) return;
      if (e.kind === 'not') walk(e.of, !negated);
      else if (e.kind === 'and' || e.kind === 'or') {
        walk(e.left, negated);
        walk(e.right, negated);
      } else if (e.kind === 'matcher' && !negated && /^(?:host|HOST|Host)$/.test(e.name)) {
        for (const a of e.args) if (a.startsWith('**.')) priority -= 2;
      }
    };
    walk(parseRuleExpr(rule), false);
  }
  return priority;
}

/** Split at top-level `&&`; undefined when parentheses group sub-expressions. */
function splitAnd(text: string): string[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = '';
      else if (c === '\\' && quote === '"') cur += text[i++];
      cur += c;
      continue;
    }
    if (c === '`' || c === '"') quote = c;
    else if (c === '(') {
      if (depth === 0 && !/[A-Za-z]\s*$/.test(cur)) return undefined; // `(A && B)` grouping
      depth++;
    } else if (c === ')') depth--;
    else if (c === '&' && text[i + 1] === '&' && depth === 0) {
      parts.push(cur);
      cur = '';
      i++;
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  return parts.every((p) => p.trim()) ? parts : undefined;
}

// ---- lowering ----

/** Service kinds that only forward to other services: named definitions, not pools. */
const FORWARDING_KINDS = ['weighted', 'highestRandomWeight', 'mirroring'] as const;

const forwardingKind = (svc: TNode): string | undefined => FORWARDING_KINDS.find((k) => getCI(svc, k));

/**
 * The values of a service that name other services: `failover` `service`/`fallback`, `mirroring` `service` and
 * its mirrors, `weighted`/`highestRandomWeight` `services`. In a TraefikService CRD (`crd`) only references of
 * `kind: TraefikService` name services (the others are Kubernetes Services); its `mirroring` names its main service
 * itself.
 */
function serviceRefs(svc: TNode, crd = false): TNode[] {
  const named = (x: TNode | undefined) => (crd ? (x && str(get(x, 'kind')) === 'TraefikService' ? get(x, 'name') : undefined) : getCI(x, 'name'));
  const refs = [
    ...(crd ? [named(getCI(svc, 'mirroring'))] : [getCI(svc, 'mirroring', 'service'), getCI(svc, 'failover', 'service'), getCI(svc, 'failover', 'fallback')]),
    ...seq(getCI(svc, 'weighted', 'services')).map(named),
    ...seq(getCI(svc, 'highestRandomWeight', 'services')).map(named),
    ...seq(getCI(svc, 'mirroring', 'mirrors')).map(named),
  ];
  return refs.filter((r): r is TNode => !!r && !!str(r));
}

class TraefikLowering {
  private readonly services: Record<Proto, Map<string, ServiceDef>> = { http: new Map(), tcp: new Map(), udp: new Map() };
  private readonly pools = new Map<string, Pool>();
  private readonly routers: RouterDef[] = [];
  private readonly entries = new Map<string, EntryPoint>();
  private readonly k8sPools = new Map<string, Pool>();
  private readonly definitions = new Map<string, NamedDefinition>();
  /** Mentions already recorded (a weighted service reached by several routers names its children once). */
  private readonly mentioned = new Set<string>();
  /** Services named by routers of sibling files (see `reachFromSiblings`). */
  private readonly siblingTargets: Array<{ proto: Proto; name: string }> = [];

  constructor(private readonly b: ModelBuilder) {}

  /** Weight nodes already reported (a weighted service is resolved once per router that uses it). */
  private readonly badWeights = new Set<TNode>();

  /**
   * A weight as Traefik decodes it: into a Go \`int\` (64-bit), so a fraction, \`.nan\`, \`.inf\` or a number past
   * 9223372036854775807 fails to decode and the file provider rejects the configuration (LB002; read as the
   * default 1). "A handler with a non-positive weight is ignored" (the weighted round robin): 0 or less is no
   * traffic.
   */
  private weightOf(wNode: TNode | undefined, uri: string, what: string): number {
    if (!wNode) return 1;
    const w = num(wNode);
    if (w !== undefined && Number.isInteger(w) && Math.abs(w) < 2 ** 63) return Math.max(0, w);
    if (!this.badWeights.has(wNode)) {
      this.badWeights.add(wNode);
      this.b.problem('LB002', `${what} weight must be an integer (a Go int, -9223372036854775808 to 9223372036854775807), not "${str(wNode) ?? ''}".`, this.ref(wNode.range, uri));
    }
    return 1;
  }

  private ref(range: Range, uri = this.b.model.uri): SourceRef {
    return this.b.ref(range, uri);
  }

  private mention(name: string, proto: Proto, range: Range, uri: string): void {
    const key = `${proto}\u0000${name}\u0000${uri}\u0000${range.start.line}:${range.start.character}-${range.end.line}:${range.end.character}`;
    if (this.mentioned.has(key)) return;
    this.mentioned.add(key);
    this.b.mention({ name, namespace: proto, source: this.ref(range, uri) });
  }

  /** Where a service is written: the whole definition, and its name (the key, or a CRD's `metadata.name`). */
  private placeOf(def: ServiceDef): { source: SourceRef; nameSource: SourceRef } {
    return {
      nameSource: this.ref(anchor(def.node), def.uri),
      source: this.ref(def.node.keyRange ? { start: def.node.keyRange.start, end: def.node.range.end } : def.node.range, def.uri),
    };
  }

  /** The named definition of a weighted/mirroring service (once); undefined for other services. */
  private definitionOf(def: ServiceDef): NamedDefinition | undefined {
    const key = `${def.proto}\u0000${def.name}`;
    if (this.definitions.has(key)) return this.definitions.get(key);
    const kind = forwardingKind(def.node);
    if (!kind) return undefined;
    const d: NamedDefinition = { name: def.name, namespace: def.proto, kind, ...this.placeOf(def) };
    if (def.uri !== this.b.model.uri) d.referencedElsewhere = true;
    this.definitions.set(key, d);
    (this.b.model.definitions ??= []).push(d);
    return d;
  }

  /** Services of one file's configs (this file, or a sibling of the same file-provider directory). */
  collectServices(src: Sources, uri: string, own: boolean): void {
    for (const cfg of src.configs) {
      for (const proto of ['http', 'tcp', 'udp'] as Proto[]) {
        for (const p of pairs(getCI(cfg, proto, 'services'))) {
          const map = this.services[proto];
          if (map.has(p.key)) {
            const first = map.get(p.key)!;
            if (own && first.uri === uri) {
              this.b.problem('LB002', `service "${p.key}" is defined twice; Traefik keeps one definition.`, this.ref(p.keyRange), [{ message: 'first definition', source: this.ref(anchor(first.node), first.uri) }]);
            }
            continue;
          }
          map.set(p.key, { name: p.key, proto, node: p.value, uri });
        }
      }
    }
    for (const crd of src.crds) {
      if (str(get(crd, 'kind')) !== 'TraefikService') continue;
      const name = str(get(crd, 'metadata', 'name'));
      if (!name) continue;
      const ns = str(get(crd, 'metadata', 'namespace')) ?? 'default';
      const spec = get(crd, 'spec');
      // Its name is the `metadata.name` value (not the `name` key): go to definition lands on the name.
      if (spec && !this.services.http.has(name)) this.services.http.set(name, { name, proto: 'http', node: { ...spec, keyRange: get(crd, 'metadata', 'name')!.range }, uri, crd: { namespace: ns } });
    }
  }

  run(src: Sources, openWorld: boolean): void {
    const uri = this.b.model.uri;
    for (const cfg of src.configs) {
      for (const proto of ['http', 'tcp', 'udp'] as Proto[]) {
        for (const p of pairs(getCI(cfg, proto, 'routers'))) this.router(proto, p.key, p.value, p.keyRange);
      }
    }
    for (const crd of src.crds) this.crd(crd);
    // Every service of this file becomes a pool (or a named definition) even when no router uses it (LB110 in a
    // closed world).
    for (const proto of ['http', 'tcp', 'udp'] as Proto[]) {
      for (const s of this.services[proto].values()) {
        if (s.uri !== uri) continue;
        if (!s.crd) this.poolOf(proto, s.name);
        this.definitionOf(s);
      }
    }
    this.emitRoutes();
    this.mentionDefinitions();
    this.reachFromSiblings();
    if (openWorld) this.b.model.closedWorld = false;
  }

  /**
   * Every name of a weighted/mirroring service written in this file's services is a mention of it, also where no
   * router reaches the service that names it (resolving targets records only the names on the way from a router):
   * references are complete, and a weighted service named by another is not "unused". Names of pools are left to
   * the route targets (a pool is used when traffic reaches it).
   */
  private mentionDefinitions(): void {
    const uri = this.b.model.uri;
    for (const proto of ['http', 'tcp', 'udp'] as Proto[]) {
      for (const s of this.services[proto].values()) {
        if (s.uri !== uri) continue;
        for (const ref of serviceRefs(s.node, !!s.crd)) {
          const raw = str(ref)!;
          const name = raw.replace(/@file$/, '');
          if (name.includes('@')) continue;
          const target = this.services[proto].get(name);
          if (target && this.definitionOf(target)) this.mention(name, proto, ref.range, uri);
        }
      }
    }
  }

  /** A router of a sibling file names service `name` (its own mention is recorded by the caller). */
  routedFromSibling(proto: Proto, name: string): void {
    this.siblingTargets.push({ proto, name });
  }

  /**
   * The services of this file that routers of sibling files reach through weighted, mirroring and failover
   * services receive their traffic: each name on the way is a mention (those written in sibling files are
   * recorded already), so a pool behind a weighted service routed from another file is not "unused".
   */
  private reachFromSiblings(): void {
    const uri = this.b.model.uri;
    const seen = new Set<string>();
    const walk = (proto: Proto, name: string, depth: number): void => {
      const def = this.services[proto].get(name);
      if (!def || depth > 8 || seen.has(`${proto}\u0000${name}`)) return;
      seen.add(`${proto}\u0000${name}`);
      for (const ref of serviceRefs(def.node, !!def.crd)) {
        const child = str(ref)!.replace(/@file$/, '');
        if (child.includes('@')) continue;
        if (def.uri === uri) this.mention(child, proto, ref.range, uri);
        walk(proto, child, depth + 1);
      }
    };
    for (const t of this.siblingTargets) walk(t.proto, t.name, 0);
  }

  // ---- services → pools and targets ----

  /** A pool for a loadBalancer (or failover) service; undefined for weighted/mirroring and unknown services. */
  private poolOf(proto: Proto, name: string, depth = 0): Pool | undefined {
    const key = `${proto}\u0000${name}`;
    if (this.pools.has(key)) return this.pools.get(key);
    const def = this.services[proto].get(name);
    if (!def || depth > 8) return undefined;
    const lb = getCI(def.node, 'loadBalancer');
    const failover = getCI(def.node, 'failover');
    if (!lb && !failover) return undefined;
    const own = def.uri === this.b.model.uri;
    const { source, nameSource } = this.placeOf(def);
    if (lb) {
      const hc = getCI(lb, 'healthCheck');
      const passive = getCI(lb, 'passiveHealthCheck');
      const pool = this.b.pool({
        name, namespace: proto, kind: 'loadBalancer', synthesized: false, algorithm: str(getCI(lb, 'strategy')) ?? 'wrr',
        shareModel: 'weighted', backupPolicy: 'all', healthCheck: { active: !!hc, passive: !!passive },
        referencedElsewhere: !own, source, nameSource,
      });
      this.pools.set(key, pool);
      for (const s of seq(getCI(lb, 'servers'))) this.server(pool, proto, s, def.uri);
      return pool;
    }
    // failover: `service` serves; `fallback` takes over when it is down (backups).
    const pool = this.b.pool({
      name, namespace: proto, kind: 'failover', synthesized: false, algorithm: 'failover', shareModel: 'weighted', backupPolicy: 'all',
      // `errors` ("status code-based failover") retries on the fallback when the main service answers one of
      // the listed statuses: a passive check of the main service.
      healthCheck: { active: !!getCI(failover, 'healthCheck'), passive: !!getCI(failover, 'errors') }, referencedElsewhere: !own, source, nameSource,
    });
    this.pools.set(key, pool);
    const copy = (ref: TNode | undefined, state: Server['state']) => {
      // File provider: `service: name`; TraefikService CRD: `service: {name, kind, port}`.
      const at = ref?.kind === 'map' ? get(ref, 'name') : ref;
      const childName = str(at);
      if (!childName || !at) return;
      const plain = childName.replace(/@file$/, '');
      const k8sService = !!def.crd && (str(get(ref, 'kind')) ?? 'Service') === 'Service';
      let children: Pool[] = [];
      if (k8sService) children = [this.k8sPool(plain, str(get(ref, 'namespace')) ?? def.crd!.namespace, str(get(ref, 'port')), at, def.uri)];
      else {
        const direct = this.poolOf(proto, plain, depth + 1);
        if (direct) children = [direct];
        else {
          // A weighted (or mirroring) child: the servers of the pools it reaches (their split is approximated).
          const r = this.resolve(proto, plain, at, def.uri, depth + 1);
          if (r.kind === 'parts') children = r.parts.map((x) => this.b.model.pools.find((q) => q.id === x.poolId)).filter((q): q is Pool => !!q);
        }
        this.mention(plain, proto, at.range, def.uri);
      }
      for (const child of children) this.copyServers(pool, child, state);
    };
    copy(getCI(failover, 'service'), 'active');
    copy(getCI(failover, 'fallback'), 'backup');
    return pool;
  }

  private copyServers(pool: Pool, child: Pool, state: Server['state']): void {
    {
      for (const s of child.servers) {
        this.b.server(pool, {
          name: s.name, address: s.address, addressKey: s.addressKey, weight: s.weight, kind: s.kind, healthCheck: s.healthCheck,
          state: s.state === 'active' ? state : s.state, source: s.source,
        });
      }
      if (child.healthCheck.active) pool.healthCheck.active = true;
      if (child.healthCheck.passive) pool.healthCheck.passive = true;
    }
  }

  private server(pool: Pool, proto: Proto, s: TNode, uri: string): void {
    const urlNode = getCI(s, proto === 'http' ? 'url' : 'address') ?? getCI(s, 'url') ?? getCI(s, 'address');
    const url = str(urlNode) ?? '';
    const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i.exec(url);
    const hostPort = m ? m[2].replace(/^[^@]*@/, '') : url;
    const defaultPort = m ? (m[1].toLowerCase() === 'https' ? '443' : '80') : undefined;
    const weight = this.weightOf(getCI(s, 'weight'), uri, 'server');
    this.b.server(pool, {
      address: url || '?', addressKey: addressKey(hostPort, defaultPort), weight, state: 'active',
      // Go templates (`{{ .Server }}`) are filled in at run time.
      kind: url.includes('{{') ? 'dynamic' : classifyAddress(hostPort), healthCheck: { active: pool.healthCheck.active, passive: pool.healthCheck.passive },
      source: this.ref(s.range, uri),
    });
  }

  /** A Kubernetes Service named by a CRD: a logical pool with one `service` server. */
  private k8sPool(name: string, namespace: string, port: string | undefined, at: TNode, uri: string): Pool {
    const key = `${namespace}/${name}`;
    const existing = this.k8sPools.get(key);
    if (existing) return existing;
    const src = this.ref(at.range, uri);
    const pool = this.b.pool({
      name: namespace === 'default' ? name : key, namespace: 'k8s', kind: 'service', synthesized: true, algorithm: 'wrr',
      shareModel: 'weighted', backupPolicy: 'all', healthCheck: { active: true, passive: false, detail: 'Endpoints are health-checked by their readiness probes.' },
      source: src, nameSource: src,
    });
    const address = `${name}.${namespace}${port ? `:${port}` : ''}`;
    this.b.server(pool, { name: pool.name, address, addressKey: address, weight: 1, state: 'active', kind: 'service', source: src });
    this.k8sPools.set(key, pool);
    return pool;
  }

  /**
   * What a service name resolves to, as weighted parts of pools (a weighted service flattens; mirroring
   * forwards to its main service). `dynamic` for other providers, `none` for `@internal`.
   */
  private resolve(proto: Proto, rawName: string, at: TNode, uri: string, depth = 0):
    | { kind: 'parts'; parts: Array<{ name: string; weight: number; poolId?: string; nameSource: SourceRef }> }
    | { kind: 'dynamic' | 'none'; text: string } {
    const nameSource = this.ref(at.range, uri);
    const atIdx = rawName.lastIndexOf('@');
    const provider = atIdx >= 0 ? rawName.slice(atIdx + 1) : undefined;
    const name = atIdx >= 0 ? rawName.slice(0, atIdx) : rawName;
    if (provider === 'internal') return { kind: 'none', text: `${rawName} (Traefik internal service)` };
    if (provider && provider !== 'file') return { kind: 'dynamic', text: rawName };
    const def = this.services[proto].get(name);
    if (!def || depth > 8) return { kind: 'parts', parts: [{ name, weight: 1, nameSource }] };
    const pool = this.poolOf(proto, name);
    if (pool) return { kind: 'parts', parts: [{ name, weight: 1, poolId: pool.id, nameSource }] };
    // A weighted/mirroring service: the name is a step on the way to the pools, a mention of its definition.
    this.definitionOf(def);
    this.mention(name, proto, at.range, uri);
    const weighted = getCI(def.node, 'weighted') ?? getCI(def.node, 'highestRandomWeight');
    if (weighted) {
      const parts: Array<{ name: string; weight: number; poolId?: string; nameSource: SourceRef }> = [];
      const list = seq(getCI(weighted, 'services'));
      const total = list.reduce((sum, s) => sum + this.weightOf(getCI(s, 'weight'), def.uri, 'service'), 0);
      for (const s of list) {
        const childNode = getCI(s, 'name') ?? s;
        const childName = str(childNode);
        if (!childName) continue;
        const w = this.weightOf(getCI(s, 'weight'), def.uri, 'service');
        const sub = def.crd ? this.crdServiceRef(s, def.crd.namespace, def.uri) : this.resolve(proto, childName, childNode, def.uri, depth + 1);
        if (sub.kind !== 'parts') return sub;
        const subTotal = sub.parts.reduce((sum, p) => sum + p.weight, 0);
        for (const p of sub.parts) parts.push({ ...p, weight: total > 0 && subTotal > 0 ? (w / total) * (p.weight / subTotal) * 1000 : 0 });
      }
      return { kind: 'parts', parts };
    }
    const mirroring = getCI(def.node, 'mirroring');
    if (mirroring) {
      for (const m of seq(getCI(mirroring, 'mirrors'))) {
        const mn = str(getCI(m, 'name'));
        if (mn && !def.crd) this.mention(mn.replace(/@file$/, ''), proto, (getCI(m, 'name') ?? m).range, def.uri);
      }
      if (def.crd) return this.crdServiceRef(mirroring, def.crd.namespace, def.uri);
      const main = getCI(mirroring, 'service');
      const mainName = str(main);
      if (!main || !mainName) return { kind: 'none', text: 'mirroring without service' };
      return this.resolve(proto, mainName, main, def.uri, depth + 1);
    }
    return { kind: 'none', text: `service ${name} has no loadBalancer` };
  }

  /** A service reference of a CRD (`name`, `kind: Service|TraefikService`, `namespace`, `port`, `weight`). */
  private crdServiceRef(s: TNode, namespace: string, uri: string) {
    const nameNode = get(s, 'name') ?? s;
    const name = str(nameNode) ?? '?';
    const kind = str(get(s, 'kind')) ?? 'Service';
    if (kind === 'TraefikService') {
      if (name.includes('@')) return this.resolve('http', name, nameNode, uri, 1);
      const r = this.resolve('http', name, nameNode, uri, 1);
      // TraefikServices of other files: the set is open.
      if (r.kind === 'parts' && r.parts.length === 1 && !r.parts[0].poolId && !this.services.http.has(name)) return { kind: 'dynamic' as const, text: `TraefikService ${name}` };
      return r;
    }
    const pool = this.k8sPool(name, str(get(s, 'namespace')) ?? namespace, str(get(s, 'port')), nameNode, uri);
    return { kind: 'parts' as const, parts: [{ name: pool.name, weight: 1, poolId: pool.id, nameSource: this.ref(nameNode.range, uri) }] };
  }

  private targetFor(proto: Proto, serviceNode: TNode | undefined, uri: string): RouteTarget {
    const name = str(serviceNode);
    if (!serviceNode || !name) return { kind: 'none', reason: 'no service' };
    const r = this.resolve(proto, name, serviceNode, uri);
    return this.toTarget(proto, r, serviceNode, uri);
  }

  private toTarget(proto: Proto | 'k8s', r: ReturnType<TraefikLowering['resolve']>, at: TNode, uri: string): RouteTarget {
    if (r.kind !== 'parts') return r.kind === 'none' ? { kind: 'none', reason: r.text } : { kind: 'dynamic', text: r.text, nameSource: this.ref(at.range, uri) };
    const ns = (p: { poolId?: string }) => (p.poolId ? this.b.model.pools.find((x) => x.id === p.poolId)?.namespace ?? proto : proto);
    if (r.parts.length === 1 && r.parts[0].weight > 0) {
      const p = r.parts[0];
      return { kind: 'pool', name: p.name, namespace: ns(p), poolId: p.poolId, nameSource: p.nameSource };
    }
    if (r.parts.length === 0) return { kind: 'none', reason: 'no services' };
    return { kind: 'split', parts: r.parts.map((p) => ({ ...p, namespace: ns(p) })) };
  }

  // ---- routers ----

  private router(proto: Proto, name: string, node: TNode, keyRange: Range): void {
    const ruleNode = getCI(node, 'rule');
    const rule = str(ruleNode);
    const pNode = getCI(node, 'priority');
    const p = num(pNode);
    const explicit = p !== undefined && p !== 0;
    this.routers.push({
      name, proto, node, rule, ruleNode, explicitPriority: explicit, syntax: str(getCI(node, 'ruleSyntax')), tls: pairCI(node, 'tls') !== undefined,
      // "A value of 0 for the priority is ignored: priority: 0 means that the default rules length sorting is used".
      priority: explicit ? p : defaultPriority(proto, rule),
      entryPoints: strings(getCI(node, 'entryPoints')),
      target: () => this.targetFor(proto, getCI(node, 'service'), this.b.model.uri),
      source: { start: keyRange.start, end: node.range.end },
    });
  }

  private crd(crd: TNode): void {
    const kind = str(get(crd, 'kind'));
    const proto: Proto | undefined = kind === 'IngressRoute' ? 'http' : kind === 'IngressRouteTCP' ? 'tcp' : kind === 'IngressRouteUDP' ? 'udp' : undefined;
    if (!proto) return;
    const spec = get(crd, 'spec');
    const name = str(get(crd, 'metadata', 'name')) ?? '?';
    const namespace = str(get(crd, 'metadata', 'namespace')) ?? 'default';
    const uri = this.b.model.uri;
    seq(get(spec, 'routes')).forEach((route, i) => {
      const ruleNode = get(route, 'match');
      const rule = str(ruleNode);
      const pNode = get(route, 'priority');
      const p = num(pNode);
      const explicit = p !== undefined && p !== 0;
      const services = seq(get(route, 'services'));
      this.routers.push({
        name: `${name} route ${i + 1}`, proto, node: route, rule: rule ?? (proto === 'udp' ? undefined : ''), ruleNode, explicitPriority: explicit,
        syntax: str(get(route, 'syntax')), tls: pair(spec, 'tls') !== undefined,
        priority: explicit ? p : defaultPriority(proto, rule),
        entryPoints: strings(get(spec, 'entryPoints')),
        target: () => {
          if (services.length === 0) return { kind: 'none', reason: 'no services' };
          const parts: Array<{ name: string; weight: number; poolId?: string; nameSource: SourceRef }> = [];
          const total = services.reduce((sum, s) => sum + this.weightOf(get(s, 'weight'), uri, 'service'), 0);
          for (const s of services) {
            const r = this.crdServiceRef(s, namespace, uri);
            if (r.kind !== 'parts') return this.toTarget(proto, r, get(s, 'name') ?? s, uri);
            const w = this.weightOf(get(s, 'weight'), uri, 'service');
            const subTotal = r.parts.reduce((sum, x) => sum + x.weight, 0);
            for (const x of r.parts) parts.push({ ...x, weight: services.length === 1 ? x.weight : total > 0 && subTotal > 0 ? (w / total) * (x.weight / subTotal) * 1000 : 0 });
          }
          return this.toTarget(proto, { kind: 'parts', parts }, services[0], uri);
        },
        source: route.range,
      });
    });
  }

  /** The static configuration's entry points, when the files hold one (`lowerTraefik` reads it). */
  staticConfig?: StaticConfig;

  /**
   * The entry point names a router listens on: its `entryPoints`, else the default ones — with a static
   * configuration, those marked `asDefault` (all of them when none is, but never the internal `traefik` one) of its
   * transport (UDP routers: the UDP entry points); without one, every name the routers of its protocol list (they
   * exist, so a router without `entryPoints` listens there too). Undefined: nothing is known (one "default" entry).
   */
  private entryNames(r: RouterDef): string[] | undefined {
    const own = [...new Set(r.entryPoints)];
    if (own.length) return own;
    const st = this.staticConfig;
    if (st) {
      const transport = r.proto === 'udp' ? 'udp' : 'tcp';
      const eps = [...st.entryPoints.values()].filter((e) => e.transport === transport);
      const marked = eps.filter((e) => e.asDefault);
      return (marked.length && transport === 'tcp' ? marked : eps.filter((e) => e.name !== 'traefik')).map((e) => e.name);
    }
    // The entry points any router of the protocol names: the same for every router without its own (computed once).
    let named = this.namedEntryPoints.get(r.proto);
    if (!named) this.namedEntryPoints.set(r.proto, (named = [...new Set(this.routers.filter((x) => x.proto === r.proto).flatMap((x) => x.entryPoints))]));
    return named.length ? named : undefined;
  }
  private readonly namedEntryPoints = new Map<Proto, string[]>();

  /** The model entry of one Traefik entry point (or of "the default entry points" when no name is known). */
  private entryFor(proto: Proto, name: string | undefined): EntryPoint {
    const key = `${proto}\u0000${name ?? ''}`;
    const existing = this.entries.get(key);
    if (existing) return existing;
    const def = name === undefined ? undefined : this.staticConfig?.entryPoints.get(name);
    const first = this.routers.find((r) => r.proto === proto && (name === undefined ? r.entryPoints.length === 0 : r.entryPoints.includes(name)));
    const at = def?.source ?? (first ? this.ref(first.source) : this.ref({ start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }));
    const entry = this.b.entry({
      name: name !== undefined ? `${proto} entryPoints ${name}` : `${proto} default entryPoints`,
      namespace: proto, listen: def ? [def.address] : name !== undefined ? [name] : [], hosts: [], source: at, selection: at,
      noRoute: proto === 'http'
        ? { status: 404, text: 'no router matches: Traefik answers 404 page not found' }
        : { status: 404, text: `no ${proto.toUpperCase()} router matches: the connection goes to the entry point's HTTP routers (TCP), or is dropped` },
    });
    const bindProto = proto === 'http' ? 'http' : proto;
    if (def) {
      // An entry point of the other transport (an HTTP router on a `/udp` entry point) takes none of its connections.
      entry.binds = (def.transport === 'udp') === (proto === 'udp') ? [{ port: def.port, address: def.host, protocol: bindProto, source: def.source }] : [];
    } else if (name !== undefined && this.staticConfig) {
      // "entryPoint … doesn't exist": the router is not attached anywhere.
      entry.binds = [];
    } else if (proto === 'udp') {
      // A UDP entry point, port unknown: it takes datagrams, never an HTTP request.
      entry.binds = [{ protocol: 'udp' }];
    }
    this.entries.set(key, entry);
    return entry;
  }

  /**
   * Each entry point has its own routers, sorted by priority, highest first: one first-match group per entry point,
   * and a router listening on several entry points is a route of each (like a Gateway API route attached to two
   * listeners). Equal priorities share an index: Traefik gives no order between them (a sort that is not stable,
   * pkg/muxer/http/mux.go), so neither shadows the other; the engine tries them in file order.
   */
  private emitRoutes(): void {
    const groups = new Map<EntryPoint, Array<{ def: RouterDef; parsed: ParsedRule; target: RouteTarget; when: Condition; tls: boolean }>>();
    for (const r of this.routers) {
      const parsed = r.proto === 'udp' || r.rule === undefined ? { match: [], text: '*', catchAll: true } : parseRule(r.rule, r.syntax);
      const target = r.target();
      const syntax = r.syntax ?? this.staticConfig?.defaultRuleSyntax;
      const rule: Condition = r.proto === 'udp' ? { kind: 'all', of: [] } : lowerRule(r.rule, r.proto, syntax).when;
      const names = this.entryNames(r);
      for (const name of names ?? [undefined]) {
        const e = this.entryFor(r.proto, name);
        let when = rule;
        let tls = false;
        if (r.proto === 'http') {
          // "When a TLS section is specified, it instructs Traefik that the current router is dedicated to HTTPS
          // requests only (and that the router should ignore HTTP (non TLS) requests)"; a router without one takes
          // plain HTTP only — unless its entry point gives its routers TLS (`entryPoints.<name>.http.tls`).
          tls = r.tls || (name !== undefined && !!this.staticConfig?.entryPoints.get(name)?.tls);
          when = { kind: 'all', of: [...(rule.kind === 'all' ? rule.of : [rule]), { kind: 'test', field: 'tls', match: { op: 'exact', value: tls ? 'on' : 'off' } }] };
        }
        const list = groups.get(e);
        const item = { def: r, parsed, target, when, tls };
        if (list) list.push(item);
        else groups.set(e, [item]);
      }
    }
    for (const [entry, list] of groups) {
      const distinct = [...new Set(list.map((x) => x.def.priority ?? 0))].sort((a, b) => b - a);
      const routes: Array<{ route: Route; def: RouterDef; tls: boolean }> = [];
      for (const { def: r, parsed, target, when, tls } of list) {
        const route = this.b.route({
          entryId: entry.id, name: `router ${r.name}`, matchText: parsed.text, match: parsed.match, catchAll: parsed.catchAll,
          evaluation: { group: 'routers', strategy: 'first-match', index: distinct.indexOf(r.priority ?? 0) },
          when, target, source: this.ref(r.source),
        });
        routes.push({ route, def: r, tls });
      }
      // LB111 "two rules with one priority" only for priorities written out that are equal, on rules that
      // could both match one request (TLS and plain HTTP routers never compete: they serve different requests).
      for (const a of routes) {
        if (!a.def.explicitPriority) continue;
        const clash = routes.some((b) => b !== a && b.def.explicitPriority && b.def.priority === a.def.priority && b.tls === a.tls && !disjoint(a.route, b.route));
        if (clash) a.route.priority = a.def.priority;
      }
    }
  }
}

export function lowerTraefik(uri: string, text: string, host: FormatHost): TrafficModel {
  const loaded = loadRoots(uri, text);
  let b: ModelBuilder;
  if (loaded.file) b = builderFor('traefik', uri, loaded.file);
  else {
    b = new ModelBuilder('traefik', uri);
    for (const c of loaded.toml!.comments) b.comment({ text: c.text, source: b.ref(c.range) });
    for (const e of loaded.toml!.errors) b.problem('LB001', e.message, b.ref(e.range));
  }
  const src = sourcesOf(loaded.roots);
  const l = new TraefikLowering(b);
  // Entry points come from the static configuration, which Kubernetes CRDs never sit beside.
  if (src.configs.length > 0 && src.crds.length === 0) {
    l.staticConfig = findStatic(uri, loaded.roots, host, (r, u) => b.ref(r, u));
    if (l.staticConfig && !b.model.files.includes(l.staticConfig.uri)) b.model.files.push(l.staticConfig.uri);
  }
  l.collectServices(src, uri, true);
  // File provider `directory`: every file of the folder is one configuration. CRDs live in a cluster: open.
  let closed = src.crds.length === 0 && src.configs.length > 0;
  if (closed) {
    const sib = providerFiles(uri, host);
    closed = sib.closed;
    for (const f of sib.files) {
      const t = host.readFile(f);
      if (t === undefined) {
        closed = false;
        continue;
      }
      if (detectTraefikDynamic(t, f) === 0) continue;
      const s = sourcesOf(loadRoots(f, t).roots);
      if (s.crds.length) continue;
      l.collectServices(s, f, false);
      // Routers of sibling files use this file's services: mentions keep them from looking unused.
      for (const cfg of s.configs) {
        for (const proto of ['http', 'tcp', 'udp'] as Proto[]) {
          for (const p of pairs(getCI(cfg, proto, 'routers'))) {
            const svc = getCI(p.value, 'service');
            const n = str(svc);
            if (!n || !svc) continue;
            b.mention({ name: n.replace(/@file$/, ''), namespace: proto, source: b.ref(svc.range, f) });
            l.routedFromSibling(proto, n.replace(/@file$/, ''));
          }
          for (const p of pairs(getCI(cfg, proto, 'services'))) {
            for (const ref of serviceRefs(p.value)) b.mention({ name: str(ref)!.replace(/@file$/, ''), namespace: proto, source: b.ref(ref.range, f) });
          }
        }
      }
      if (!b.model.files.includes(f)) b.model.files.push(f);
    }
  }
  l.run(src, !closed);
  return b.model;
}

/** The file provider reads these extensions ("case .toml, .yaml, .yml", compared in lower case), nothing else. */
const PROVIDER_FILE = /\.(?:ya?ml|toml)$/i;

/**
 * The other files of the file provider's `directory` this file may belong to: its folder and the folders right
 * below (Traefik reads a `directory` with its subdirectories; deeper levels are not walked, to keep an edit cheap).
 * `closed` when the folder could be listed and no folder above holds dynamic configuration too (the provider's
 * directory may then be that one, whose files this set would miss).
 */
function providerFiles(uri: string, host: FormatHost): { files: string[]; closed: boolean } {
  const own = siblings(uri, host, ['*']);
  const below = host.glob('*/*.*', uri);
  const above = host.glob('../*.*', uri).filter((f) => PROVIDER_FILE.test(f)).some((f) => {
    const t = host.readFile(f);
    return t !== undefined && detectTraefikDynamic(t, f) > 0;
  });
  return { files: [...own.files, ...below].filter((f) => PROVIDER_FILE.test(f)), closed: own.listed && !above };
}

/**
 * 0 when the text is not Traefik dynamic configuration (used for siblings; the format's detect is in index.ts).
 * YAML in flow style (`{"http": {"routers": …}}`, JSON syntax) counts only in a `.yml`/`.yaml` file: Traefik
 * reads no `.json` file.
 */
export function detectTraefikDynamic(fullText: string, uri = ''): number {
  const text = detectionSample(fullText);
  if (/^[ \t]*\[(?:http|tcp|udp)\.(?:routers|services)\b/m.test(text) || /^[ \t]*\[\[?(?:http|tcp|udp)\.(?:routers|services)\./m.test(text)) return 0.9;
  if (/^(?:http|tcp|udp):[ \t]*(?:#.*)?$/m.test(text) && /^[ \t]+(?:routers|services):[ \t]*(?:#.*)?$/m.test(text)) return 0.9;
  if (/apiVersion["']?\s*:\s*["']?traefik\.(?:io|containo\.us)\//.test(text)) return 0.9;
  if (/\.ya?ml$/i.test(uri) && /^\s*\{/.test(text) && /["']?(?:http|tcp|udp)["']?\s*:\s*\{/.test(text) && /["']?(?:routers|services)["']?\s*:\s*\{/.test(text)) return 0.9;
  return 0;
}
