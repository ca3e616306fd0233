/**
 * Lowers the HAProxy syntax tree into the shared traffic model, with HAProxy's documented semantics
 * (configuration manual chapter 4 "Proxies"):
 * - proxies take their initial settings from the latest `defaults` section before them, or from the named
 *   one after `from`; an anonymous `defaults` resets everything to the built-in values first;
 * - `frontend` and `listen` are entry points; `use_backend` rules are evaluated in declaration order and the
 *   first match wins; `default_backend` is used when none matched, wherever it is written;
 * - `backend` and `listen` are pools; a `listen` without `default_backend` serves with its own servers.
 */
import { addressKey, classifyAddress } from '../../model/address';
import { ModelBuilder } from '../../model/builder';
import type { Bind, Pool, Range, RouteTarget, Server, SourceRef, TrafficModel } from '../../model/types';
import { findBackendMentions, type NameMention } from './mentions';
import { spanRange, type HaproxyCst, type Line, type Section, type Word } from './parser';
import { bindsOf, routingSpecs, type RuleProblem, type RuleSpec } from './rules';
import {
  applyServerSettings, DEFAULT_SERVER_SETTINGS, hostPart, isReverseAddress, isSocketAddress, serverState,
  type ServerSettings, type SettingProblem,
} from './servers';

const NS = 'haproxy';

/** Settings a proxy inherits from a `defaults` section. */
interface Settings {
  mode: string;
  /** The `balance` line in effect. */
  balance?: Line;
  /** `option allbackups`: all backups share the load instead of only the first one. */
  allBackups: boolean;
  /** The settings of every `default-server` line in effect, in order (later ones override). */
  defaultServer: Word[];
  /** The `default_backend` line in effect. */
  defaultBackend?: Line;
  /** The application health check method (`option httpchk`, `option tcp-check`, …). */
  checkMethod?: string;
}

/** The built-in settings: "A defaults section resets all settings to the documented ones". */
const BUILTIN: Readonly<Settings> = { mode: 'tcp', allBackups: false, defaultServer: [] };

interface ProxyServer {
  line: Line;
  name: string;
  nameWord: Word;
  address: Word;
  settings: ServerSettings;
  generated: boolean;
}

interface Proxy {
  kind: 'frontend' | 'backend' | 'listen';
  section: Section;
  name: string;
  nameWord: Word;
  settings: Settings;
  servers: ProxyServer[];
  templates: boolean;
  useBackends: Line[];
  binds: Line[];
  /** `acl` lines by name, in order (a name repeated completes the same ACL). */
  acls: Map<string, Line[]>;
  httpRequests: Line[];
  /** Legacy `redirect` rules. */
  redirects: Line[];
  holdsStickTable: boolean;
  /** Answers requests itself (stats page, `use-service`, `return`, `redirect`). */
  answersItself: boolean;
}

/** Check methods of `option …` (manual 4.2) that make `check` an application-level probe. */
const CHECK_OPTIONS = new Set([
  'httpchk', 'tcp-check', 'ssl-hello-chk', 'smtpchk', 'mysql-check', 'pgsql-check', 'redis-check', 'ldap-check',
  'spop-check', 'external-check',
]);

/** `balance` algorithms (manual 4.2 "balance"; `log-hash` and `sticky` are for log backends). */
const ALGORITHMS = new Set([
  'roundrobin', 'static-rr', 'leastconn', 'first', 'source', 'uri', 'url_param', 'hash', 'random', 'rdp-cookie',
  'log-hash', 'sticky',
]);
/** Algorithms that need an argument after them. */
const ALGORITHM_NEEDS_ARGUMENT = new Set(['url_param', 'hash', 'log-hash']);

/** Keywords only allowed in named defaults sections (manual 4.1, entries marked "(!)"). */
const NAMED_DEFAULTS_ONLY = new Set(['acl', 'http-request', 'http-response', 'http-after-response', 'tcp-request', 'tcp-response']);

/** Proxy and server names: "upper and lower case letters, digits, '-' (dash), '_' (underscore), '.' (dot) and ':' (colon)". */
const VALID_NAME = /^[A-Za-z0-9_.:-]+$/;

/** A backend name computed at run time: log-format (`%[…]`, `%{…}`, `%ci`). */
const LOG_FORMAT = /%[[{A-Za-z]/;

/** Generated servers per `server-template`, at most: enough for any distribution, bounded for memory. */
const MAX_TEMPLATE_SERVERS = 10_000;

/** What an entry proxy routes: its binds and its rules as route specs (targets are resolved per lowering). */
interface ProxyRouting {
  binds: Bind[];
  specs: RuleSpec[];
  problems: RuleProblem[];
  tcp: boolean;
}

/** A problem found while reading a section, kept with the section's lowering so that it can be replayed. */
interface SectionProblem {
  ruleId: 'LB001' | 'LB002';
  message: string;
  range: Range;
  related?: Array<{ message: string; source: SourceRef }>;
  /** LB002s are reported once per range (an inherited `default_backend` is checked by each frontend using it). */
  once: boolean;
}

/**
 * What reading one `defaults`/proxy section yields: a pure function of the section and the settings it
 * inherits. Problems and mentions are recorded rather than reported, so that the result can be reused.
 */
interface SectionResult {
  base: Readonly<Settings>;
  settings: Settings;
  proxy?: Proxy;
  problems: SectionProblem[];
  mentions: Array<NameMention & { from: string }>;
}

/**
 * What one document's previous lowering leaves for the next (used with `HaproxyParseCache`, which keeps
 * unchanged sections as the same objects): each section's reading, while it inherits the same settings
 * object, and each proxy's pool. Model elements are never changed after they are built, so a reused pool is
 * shared by the previous and the next model. Keyed weakly: entries go with the syntax trees they belong to.
 */
export class HaproxyLowerCache {
  readonly sections = new WeakMap<Section, SectionResult>();
  readonly pools = new WeakMap<Proxy, { referencedElsewhere: boolean; pool: Pool }>();
  /** Each entry proxy's binds and route conditions (a pure function of the proxy: its lines and settings). */
  readonly routing = new WeakMap<Proxy, ProxyRouting>();
  /** Sections whose reading was reused by the latest lowering (for tests and measurements). */
  reused = 0;
}

export function lowerHaproxy(uri: string, cst: HaproxyCst, cache?: HaproxyLowerCache): TrafficModel {
  return new Lowering(uri, cst, cache).run();
}

class Lowering {
  private readonly b: ModelBuilder;
  private readonly proxies: Proxy[] = [];
  private readonly mentions: Array<NameMention & { from: string }> = [];
  private readonly reported = new Set<string>();
  /** The section being read: its problems and mentions are recorded there. */
  private reading: SectionResult | undefined;
  /** The pool of each proxy with backend capability that has one. */
  private readonly poolOf = new Map<Proxy, Pool>();

  constructor(uri: string, private readonly cst: HaproxyCst, private readonly cache?: HaproxyLowerCache) {
    this.b = new ModelBuilder('haproxy', uri);
    if (cache) cache.reused = 0;
  }

  run(): TrafficModel {
    const b = this.b;
    for (const p of this.cst.problems) b.problem(p.ruleId, p.message, b.ref(p.range));
    for (const c of this.cst.comments) b.comment({ text: c.text, source: b.ref(c.range) });
    this.readSections();
    const byName = this.backendsByName();
    this.createPools(byName);
    for (const proxy of this.proxies) if (proxy.kind !== 'backend') this.lowerEntry(proxy, byName);
    for (const m of this.mentions) if (m.name !== m.from) b.mention({ name: m.name, namespace: NS, source: this.ref(m.range) });
    b.model.closedWorld = this.proxies.some((p) => p.kind !== 'backend');
    return b.model;
  }

  private ref(range: Range): SourceRef {
    return this.b.ref(range);
  }

  /** Report an LB002 once per range (an inherited `default_backend` is checked by each frontend using it). */
  private invalid(range: Range, message: string): void {
    this.emit({ ruleId: 'LB002', message, range, once: true });
  }

  private problem(ruleId: 'LB001' | 'LB002', message: string, range: Range, related?: SectionProblem['related']): void {
    this.emit(related ? { ruleId, message, range, related, once: false } : { ruleId, message, range, once: false });
  }

  /** While a section is read, problems are recorded with it; they are reported when it is replayed. */
  private emit(p: SectionProblem): void {
    if (this.reading) this.reading.problems.push(p);
    else this.deliver(p);
  }

  private deliver(p: SectionProblem): void {
    if (p.once) {
      const r = p.range;
      const key = `${r.start.line}:${r.start.character}:${r.end.line}:${r.end.character}`;
      if (this.reported.has(key)) return;
      this.reported.add(key);
    }
    this.b.problem(p.ruleId, p.message, this.ref(p.range), p.related);
  }

  private mention(m: NameMention & { from: string }): void {
    if (this.reading) this.reading.mentions.push(m);
    else this.mentions.push(m);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Sections

  private readSections(): void {
    let latest: Settings = BUILTIN;
    const named = new Map<string, Settings>();
    for (const section of this.cst.sections) {
      const kind = section.keyword;
      if (kind !== 'defaults' && kind !== 'frontend' && kind !== 'backend' && kind !== 'listen') continue;
      let base = kind === 'defaults' ? BUILTIN : latest;
      if (section.from) {
        const found = named.get(section.from.value);
        if (found) base = found;
        else this.invalid(section.from.range, `defaults section '${section.from.value}' not found: it must be defined before it is used.`);
      }
      let result = this.cache?.sections.get(section);
      if (result && result.base === base) this.cache!.reused++;
      else {
        result = this.readSection(section, base);
        this.cache?.sections.set(section, result);
      }
      for (const p of result.problems) this.deliver(p);
      for (const m of result.mentions) this.mentions.push(m);
      if (kind === 'defaults') {
        if (section.name) named.set(section.name.value, result.settings);
        latest = result.settings;
      } else if (result.proxy) this.proxies.push(result.proxy);
    }
  }

  /** Read one section on top of the settings it inherits, recording its problems and mentions. */
  private readSection(section: Section, base: Readonly<Settings>): SectionResult {
    const settings: Settings = { ...base, defaultServer: [...base.defaultServer] };
    const result: SectionResult = { base, settings, problems: [], mentions: [] };
    this.reading = result;
    try {
      this.checkHeader(section);
      const kind = section.keyword;
      if (kind === 'defaults') this.readLines(section, settings, undefined);
      else if (section.name) { // a missing name is reported by checkHeader
        result.proxy = {
          kind: kind as Proxy['kind'], section, name: section.name.value, nameWord: section.name, settings, servers: [],
          templates: false, useBackends: [], binds: [], acls: new Map(), httpRequests: [], redirects: [], holdsStickTable: false, answersItself: false,
        };
        this.readLines(section, settings, result.proxy);
      }
    } finally {
      this.reading = undefined;
    }
    return result;
  }

  /** `frontend <name> [from <defaults>]`: a name is required, only `from <defaults>` may follow. */
  private checkHeader(section: Section): void {
    const [kw, name, fromKw, from, extra] = section.header.words;
    if (!section.name) {
      if (section.keyword !== 'defaults') this.problem('LB001', `'${section.keyword}' expects a name.`, kw.range);
      return;
    }
    if (section.keyword === 'defaults' && name.value === 'from') return; // `defaults from <name>`
    if (!name.hasVariable && !VALID_NAME.test(name.value) && section.keyword !== 'defaults') {
      this.invalid(name.range, `Invalid ${section.keyword} name '${name.value}': only letters, digits, '-', '_', '.' and ':' are permitted.`);
    }
    if (!fromKw) return;
    if (fromKw.value !== 'from') {
      const last = section.header.words[section.header.words.length - 1];
      this.invalid(spanRange(fromKw, last), section.keyword === 'frontend' || section.keyword === 'listen'
        ? "Unexpected arguments after the name: use the 'bind' keyword for listening addresses."
        : "Unexpected arguments after the name: only 'from <defaults>' may follow.");
    } else if (!from) {
      this.problem('LB001', "'from' expects the name of a defaults section.", fromKw.range);
    } else if (extra) {
      this.invalid(spanRange(extra, section.header.words[section.header.words.length - 1]), 'Unexpected arguments after the defaults name.');
    }
  }

  /** Read the statements of a defaults (proxy undefined) or proxy section into `settings` / `proxy`. */
  private readLines(section: Section, settings: Settings, proxy: Proxy | undefined): void {
    const kind = section.keyword;
    const names = new Map<string, Word>(); // server names, for duplicates
    for (const line of section.lines) {
      const w = line.words;
      const kw = w[0].value;
      if (proxy) this.collectMentions(line, proxy.name);
      else if (!section.name && NAMED_DEFAULTS_ONLY.has(kw)) {
        this.invalid(w[0].range, `'${kw}' is not allowed in an anonymous 'defaults' section: give the section a name.`);
      }
      switch (kw) {
        case 'mode':
          if (w[1]) settings.mode = w[1].value;
          break;
        case 'balance':
          if (kind === 'frontend') break; // not a frontend keyword; HAProxy ignores it there
          this.checkBalance(line);
          settings.balance = line;
          break;
        case 'option':
        case 'no':
          this.readOption(line, settings);
          break;
        case 'default-server':
          if (kind === 'frontend') break;
          applyServerSettings({ ...DEFAULT_SERVER_SETTINGS }, w.slice(1), this.reportSetting);
          settings.defaultServer.push(...w.slice(1));
          break;
        case 'default_backend':
          if (!w[1]) this.invalid(w[0].range, "'default_backend' expects a backend name.");
          else if (kind === 'backend') this.invalid(w[0].range, `'default_backend' is ignored in backend '${proxy?.name}': a backend has no frontend capability.`);
          else settings.defaultBackend = line;
          break;
        case 'use_backend':
          if (!w[1]) this.invalid(w[0].range, "'use_backend' expects a backend name.");
          else if (!proxy) this.invalid(w[0].range, "'use_backend' is not allowed in a 'defaults' section.");
          else if (kind === 'backend') this.invalid(w[0].range, `'use_backend' is ignored in backend '${proxy.name}': a backend has no frontend capability.`);
          else proxy.useBackends.push(line);
          break;
        case 'server':
        case 'server-template':
          if (!proxy) this.invalid(w[0].range, `'${kw}' is not allowed in a 'defaults' section.`);
          else if (kind === 'frontend') this.invalid(w[0].range, `'${kw}' is not allowed in frontend '${proxy.name}': a frontend has no backend capability.`);
          else this.readServer(line, proxy, names);
          break;
        case 'bind':
          proxy?.binds.push(line);
          break;
        case 'stick-table':
          if (proxy) proxy.holdsStickTable = true;
          break;
        case 'stats':
          if (proxy) proxy.answersItself = true;
          break;
        case 'redirect':
          if (proxy) {
            proxy.answersItself = true;
            proxy.redirects.push(line);
          }
          break;
        case 'acl':
          if (proxy && w[1] && w[2]) {
            const list = proxy.acls.get(w[1].value);
            if (list) list.push(line);
            else proxy.acls.set(w[1].value, [line]);
          }
          break;
        case 'http-request':
        case 'tcp-request':
          if (proxy && w.some((x) => x.value === 'use-service' || x.value === 'return' || x.value === 'redirect')) proxy.answersItself = true;
          if (proxy && kw === 'http-request') proxy.httpRequests.push(line);
          break;
      }
    }
  }

  private readonly reportSetting = (p: SettingProblem): void => this.invalid(p.word.range, p.message);

  /** `option X` / `no option X` for the options that matter to the model. */
  private readOption(line: Line, settings: Settings): void {
    const w = line.words;
    const negated = w[0].value === 'no';
    if (negated && w[1]?.value !== 'option') return;
    const opt = w[negated ? 2 : 1]?.value;
    if (opt === 'allbackups') settings.allBackups = !negated;
    else if (opt && CHECK_OPTIONS.has(opt)) {
      if (!negated) settings.checkMethod = `option ${opt}`;
      else if (settings.checkMethod === `option ${opt}`) settings.checkMethod = undefined;
    }
  }

  /** Validate `balance <algorithm> [arguments]`. */
  private checkBalance(line: Line): void {
    const algo = line.words[1];
    if (!algo || algo.hasVariable) return; // a bare `balance` is accepted and keeps the default algorithm

    const base = algorithmName(algo.value);
    if (base === 'hdr' ? !/^hdr\([^()]+\)$/.test(algo.value) : !ALGORITHMS.has(base)) {
      return this.invalid(algo.range, `Unknown balance algorithm '${algo.value}': expected roundrobin, static-rr, leastconn, first, source, uri, url_param, hdr(<name>), random, rdp-cookie, hash or log-hash.`);
    }
    if (base !== algo.value && base !== 'hdr' && base !== 'random' && base !== 'rdp-cookie') {
      return this.invalid(algo.range, `Balance algorithm '${base}' takes no parenthesised argument.`);
    }
    if (ALGORITHM_NEEDS_ARGUMENT.has(base) && !line.words[2]) this.invalid(algo.range, `'balance ${base}' expects an argument.`);
  }

  /** `server <name> <address> [settings]` / `server-template <prefix> <num|low-high> <fqdn>[:port] [settings]`. */
  private readServer(line: Line, proxy: Proxy, names: Map<string, Word>): void {
    const [kw, nameWord, second, third] = line.words;
    const template = kw.value === 'server-template';
    const address = template ? third : second;
    if (!nameWord || !address) {
      const usage = template ? '<prefix> <num | range> <fqdn>[:<port>]' : '<name> and <address>[:<port>]';
      return this.invalid(line.range, `'${kw.value}' expects ${usage} as arguments.`);
    }
    const settings: ServerSettings = { ...DEFAULT_SERVER_SETTINGS };
    applyServerSettings(settings, proxy.settings.defaultServer);
    applyServerSettings(settings, line.words.slice(template ? 4 : 3), this.reportSetting);
    const track = settings.track?.value;
    if (track?.includes('/')) {
      this.mention({ name: track.slice(0, track.indexOf('/')), range: settings.track!.range, from: proxy.name });
    }
    if (!nameWord.hasVariable && !VALID_NAME.test(nameWord.value)) {
      this.invalid(nameWord.range, `Invalid server name '${nameWord.value}': only letters, digits, '-', '_', '.' and ':' are permitted.`);
    }
    if (!template) {
      const first = names.get(nameWord.value);
      if (first) {
        this.problem('LB002', `Another server named '${nameWord.value}' is already defined in ${proxy.kind} '${proxy.name}': use distinct names.`,
          nameWord.range, [{ message: 'first defined here', source: this.ref(first.range) }]);
      } else names.set(nameWord.value, nameWord);
      proxy.servers.push({ line, name: nameWord.value, nameWord, address, settings, generated: false });
      return;
    }
    const range = /^(\d+)(?:-(\d+))?$/.exec(second.value);
    const low = range ? (range[2] ? Number(range[1]) : 1) : 0;
    const high = range ? Number(range[2] ?? range[1]) : 0;
    if (!range || low < 1 || high < low) {
      return this.invalid(second.range, `Wrong server-template number or range '${second.value}': expected <num> or <low>-<high>, from 1.`);
    }
    proxy.templates = true;
    for (let i = low; i <= Math.min(high, low + MAX_TEMPLATE_SERVERS - 1); i++) {
      proxy.servers.push({ line, name: `${nameWord.value}${i}`, nameWord, address, settings, generated: true });
    }
  }

  private collectMentions(line: Line, from: string): void {
    for (const m of findBackendMentions(line)) this.mention({ ...m, from });
  }

  // ---------------------------------------------------------------------------------------------------------
  // Pools, entries, routes

  /** Proxies with backend capability by name (the first one wins; duplicates are analysis' concern). */
  private backendsByName(): Map<string, Proxy> {
    const map = new Map<string, Proxy>();
    for (const p of this.proxies) if (p.kind !== 'frontend' && !map.has(p.name)) map.set(p.name, p);
    return map;
  }

  private createPools(byName: Map<string, Proxy>): void {
    const targeted = new Set<string>();
    for (const p of this.proxies) {
      for (const line of p.useBackends) targeted.add(line.words[1].value);
      if (p.kind !== 'backend' && p.settings.defaultBackend) targeted.add(p.settings.defaultBackend.words[1].value);
    }
    // Backends mentioned by other proxies (a stick table, a `track`, an ACL fetch) are never "unused"; a proxy
    // naming itself (its own table) does not count.
    const mentioned = new Set<string>();
    for (const m of this.mentions) if (m.name !== m.from) mentioned.add(m.name);
    for (const proxy of this.proxies) {
      if (proxy.kind === 'frontend') continue;
      if (proxy.kind === 'listen' && proxy.servers.length === 0 && !(targeted.has(proxy.name) && byName.get(proxy.name) === proxy)) continue;
      const referencedElsewhere = mentioned.has(proxy.name);
      let hit = this.cache?.pools.get(proxy);
      if (!hit || hit.referencedElsewhere !== referencedElsewhere) {
        hit = { referencedElsewhere, pool: this.createPool(proxy, referencedElsewhere) };
        this.cache?.pools.set(proxy, hit);
      }
      this.poolOf.set(proxy, hit.pool);
      this.b.addPool(hit.pool);
    }
  }

  /**
   * The pool of a proxy. Its id comes from the line of the section header, not from a counter, so that an
   * unchanged section keeps its pool (and the pool its id) across edits of other sections.
   */
  private createPool(proxy: Proxy, referencedElsewhere: boolean): Pool {
    const s = proxy.settings;
    const algo = s.balance?.words[1]?.value ?? 'roundrobin';
    const base = algorithmName(algo);
    const id = `b${proxy.section.header.words[0].range.start.line + 1}`;
    const pool: Pool = {
      id,
      servers: [],
      name: proxy.name,
      namespace: NS,
      kind: proxy.kind,
      synthesized: false,
      algorithm: algo,
      // "first": "The first server with available connection slots receives the connection";
      // "sticky": "The first server in the list of available servers receives all the log messages".
      shareModel: base === 'first' || base === 'sticky' ? 'first' : 'weighted',
      // "By default, only the first operational backup server is used, unless the "allbackups" option is set".
      backupPolicy: s.allBackups ? 'all' : 'first',
      healthCheck: { active: false, passive: false },
      source: this.ref(proxy.section.range),
      nameSource: this.ref(proxy.nameWord.range),
    };
    for (let i = 0; i < proxy.servers.length; i++) pool.servers.push({ id: `${id}s${i + 1}`, poolId: id, ...this.serverModel(proxy.servers[i]) });
    pool.healthCheck = {
      active: pool.servers.some((x) => x.healthCheck?.active),
      passive: pool.servers.some((x) => x.healthCheck?.passive),
    };
    if (s.checkMethod) pool.healthCheck.detail = s.checkMethod;
    if (proxy.templates) pool.dynamicServers = true;
    if (proxy.servers.length === 0 && (proxy.holdsStickTable || proxy.answersItself)) pool.notATrafficPool = true;
    // A backend's own `http-request` final actions and `redirect` rules run after `use_backend` chose it (4.2 and the
    // request analysers): a request they take never reaches a server. (A `listen` section's rules are its entry's.)
    if (proxy.kind === 'backend' && proxy.settings.mode === 'http') {
      const answers = this.routingOf(proxy).specs.filter((spec) => spec.answer).map((spec) => ({
        name: spec.name, when: spec.when, response: spec.answer!.response, source: this.ref(spec.line.range),
      }));
      if (answers.length) pool.answers = answers;
    }
    if (referencedElsewhere) pool.referencedElsewhere = true;
    return pool;
  }

  private serverModel(srv: ProxyServer): Omit<Server, 'id' | 'poolId'> {
    const address = srv.address.value;
    const host = hostPart(address);
    const socket = isSocketAddress(address);
    const kind: Server['kind'] = srv.address.hasVariable || isReverseAddress(address) ? 'dynamic'
      : socket ? 'unix' : classifyAddress(host);
    const s = srv.settings;
    const server: Omit<Server, 'id' | 'poolId'> = {
      name: srv.name,
      address,
      addressKey: socket ? address : addressKey(host),
      weight: s.weight,
      state: serverState(s),
      kind,
      // `track` makes the server's state follow another server's health checks.
      healthCheck: { active: s.check || s.track !== undefined, passive: s.observe },
      source: this.ref(srv.line.range),
    };
    if (srv.generated) server.generated = true;
    return server;
  }

  /** A proxy's binds and route specs, computed once per proxy object (reused with its unchanged section). */
  private routingOf(proxy: Proxy): ProxyRouting {
    let r = this.cache?.routing.get(proxy);
    if (!r) {
      const tcp = proxy.settings.mode !== 'http';
      const binds = bindsOf(proxy.binds, tcp, (range) => this.ref(range));
      const { specs, problems } = routingSpecs(proxy, tcp, binds.some((b) => b.tls));
      r = { binds, specs, problems, tcp };
      this.cache?.routing.set(proxy, r);
    }
    return r;
  }

  private lowerEntry(proxy: Proxy, byName: Map<string, Proxy>): void {
    const routing = this.routingOf(proxy);
    const entry = this.b.entry({
      name: `${proxy.kind} ${proxy.name}`,
      namespace: NS,
      listen: proxy.binds.filter((l) => l.words[1]).map((l) => l.words[1].value + (l.words.some((x) => x.value === 'ssl') ? ' ssl' : '')),
      hosts: [],
      source: this.ref(proxy.section.range),
      selection: this.ref(proxy.section.header.range),
      binds: routing.binds,
      // "If no default backend is defined, … in case of a frontend, no server is used and a 503 service
      // unavailable response is returned" (manual 4.2 "use_backend").
      noRoute: routing.tcp
        ? { status: 503, text: 'no backend for this connection (tcp mode: HAProxy closes it)' }
        : { status: 503, text: 'no use_backend rule matches and there is no default_backend: HAProxy answers 503' },
    });
    for (const p of routing.problems) this.problem('LB001', p.message, p.range);
    const group = `${entry.id}:use_backend`;
    let index = 0;
    // http-request rules and redirects first, then "use_backend … rules are evaluated in their declaration order,
    // and the first one which matches will assign the backend" (manual 4.2 "use_backend").
    for (const spec of routing.specs) {
      this.b.route({
        entryId: entry.id,
        name: spec.name,
        matchText: spec.matchText,
        match: spec.match,
        catchAll: false,
        evaluation: { group, strategy: 'first-match', index: index++ },
        when: spec.when,
        target: spec.backend ? this.target(proxy, spec.backend, byName) : { kind: 'none', reason: spec.answer!.reason, response: spec.answer!.response },
        source: this.ref(spec.line.range),
      });
    }
    // "When no "use_backend" rule matches, the default backend is used" — wherever it is written, so its
    // route comes after every use_backend rule.
    const def = proxy.settings.defaultBackend;
    if (def) {
      this.b.route({
        entryId: entry.id,
        name: directiveText(def),
        matchText: '*',
        match: [],
        catchAll: true,
        evaluation: { group, strategy: 'first-match', index },
        target: this.target(proxy, def.words[1], byName),
        source: this.ref(def.range),
      });
    } else if (proxy.kind === 'listen' && this.poolOf.has(proxy) && proxy.servers.length > 0) {
      this.b.route({
        entryId: entry.id,
        name: `listen ${proxy.name}`,
        matchText: '*',
        match: [],
        catchAll: true,
        evaluation: { group, strategy: 'first-match', index },
        target: { kind: 'pool', name: proxy.name, namespace: NS, poolId: this.poolOf.get(proxy)!.id, nameSource: this.ref(proxy.nameWord.range) },
        source: this.ref(proxy.section.header.range),
      });
    }
  }

  private target(from: Proxy, name: Word, byName: Map<string, Proxy>): RouteTarget {
    const nameSource = this.ref(name.range);
    if (name.hasVariable || LOG_FORMAT.test(name.value)) return { kind: 'dynamic', text: name.value, nameSource };
    const target = byName.get(name.value);
    if (target && from.settings.mode === 'http' && target.settings.mode === 'tcp') {
      this.invalid(name.range, `http ${from.kind} '${from.name}' cannot use tcp ${target.kind} '${target.name}' (see 'mode').`);
    }
    const t: RouteTarget = { kind: 'pool', name: name.value, namespace: NS, nameSource };
    const pool = target && this.poolOf.get(target);
    if (pool) t.poolId = pool.id;
    return t;
  }
}

/** `hdr(host)` → `hdr`, `random(2)` → `random`. */
function algorithmName(algo: string): string {
  const paren = algo.indexOf('(');
  return paren < 0 ? algo : algo.slice(0, paren);
}

const directiveText = (line: Line) => line.words.map((w) => w.value).join(' ');
