import type { ModelAnalysis } from '../analysis/analyze';
import { poolShares } from '../analysis/distribution';
import type { Pool, Route, Server } from '../model/types';
import { defaultExporter, EXPORTER_IDS, exporterById, exporterFits, type Exporter, type Family, type Matcher } from './exporters';

/**
 * `lb-lens alerts`: Prometheus alerting rules that watch the traffic distribution a configuration intends, over the
 * series each product's standard exporter publishes (`service/exporters.ts`). Pure: an analysis and options in, the
 * rules file text and what it holds out.
 *
 * Per pool (a group of rules named after the pool and the line that defines it):
 * - `server-share`: a server's observed share of the pool's requests is above its configured share + margin, while
 *   every server that shares the pool is healthy (when one fails, the others take its share by design);
 * - `pool-skew`: one server takes more than `skew` of the pool while at least two of the servers that should share
 *   it are healthy (the incident: everything on one box). Healthy is the exporter's notion of a working machine: a
 *   server an operator or a configuration took out (HAProxy MAINT, NGINX Plus `down`) is healthy, one whose health
 *   checks fail is not, so a change that drains servers alerts and an outage does not;
 * - `pool-5xx`: the pool's 5xx ratio is above `errorRatio`;
 * - `pool-no-traffic`: a pool some route sends requests to gets none while the load balancer has traffic;
 * - `server-no-traffic`: a server with a configured share gets no request while it is healthy and its pool has enough
 *   traffic that a healthy server would see at least 20 requests in the window (so chance alone stays below e^-20);
 * - `server-down` (exporters without per-server counters): a server with a configured share is down.
 * Per route that splits its traffic over pools by weight: `split-share`, a pool's observed part of the split above its
 * configured part + margin (only when no other route sends to those pools: the counters are per pool, not per route).
 *
 * Backups, `down` servers and weight 0 have no configured share, so they get no "should get traffic" rule (they do
 * get `server-share`: any traffic above the margin is drift from the file). Pools whose servers are discovered at run
 * time get pool-level rules only. Every threshold guard needs `minRate` requests per second in the pool, so idle pools
 * stay quiet.
 */

export interface AlertOptions {
  /** Fraction of the pool's requests a server may take above its configured share (0.1: 10 points). */
  margin: number;
  /** Fraction of a pool's requests one server may take while others are up (0.9). */
  skew: number;
  /** 5xx responses / responses of a pool above which it alerts (0.05). */
  errorRatio: number;
  /** Requests per second a pool (or, for no-traffic, the whole load balancer) needs before a rule may fire. */
  minRate: number;
  /** Range of the rates (`5m`). */
  window: string;
  /** How long a condition must hold (`for:`). */
  forDuration: string;
  /** Range over which "no request at all" is judged (`30m`). */
  noTrafficWindow: string;
  severity: string;
  /** Added to every selector (`job="haproxy"`). */
  selectors: Matcher[];
  /** An exporter id (`service/exporters.ts`); default: the format's standard one. */
  exporter?: string;
  /** How files are named in group names, comments and annotations. */
  show: (uri: string) => string;
}

export const ALERT_DEFAULTS = {
  margin: 0.1, skew: 0.9, errorRatio: 0.05, minRate: 1, window: '5m', forDuration: '10m', noTrafficWindow: '30m', severity: 'warning',
} as const;

export type AlertKind = 'server-share' | 'pool-skew' | 'pool-5xx' | 'pool-no-traffic' | 'server-no-traffic' | 'server-down' | 'split-share';

export const ALERT_NAMES: Record<AlertKind, string> = {
  'server-share': 'LBLensServerShareAboveConfigured',
  'pool-skew': 'LBLensPoolSkewedToOneServer',
  'pool-5xx': 'LBLensPool5xxRatioHigh',
  'pool-no-traffic': 'LBLensPoolNoTraffic',
  'server-no-traffic': 'LBLensServerNoTraffic',
  'server-down': 'LBLensServerWithShareDown',
  'split-share': 'LBLensSplitShareAboveConfigured',
};

export interface AlertRule {
  kind: AlertKind;
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** One line above the rule in the file: where it comes from. */
  comment: string;
  /** `file:line` of the element the rule watches. */
  source: string;
  pool: string;
  server?: string;
  /** The share the configuration gives (of the pool, or of the split), as a fraction. */
  configured?: number;
  /** The value above which the rule fires (below which, for no-traffic rules: 0). */
  threshold?: number;
  /** Labels the expression's result carries besides the rule's own (the hot server of `pool-skew`). */
  resultLabels?: string[];
}

export interface AlertGroup {
  name: string;
  rules: AlertRule[];
}

export interface AlertsResult {
  exporter: Exporter;
  groups: AlertGroup[];
  /** What the rules do not cover, and why (also in the file's header). */
  notes: string[];
  /** Pools with at least one rule. */
  poolsWatched: number;
  ruleCount: number;
  /** The rules file (YAML). */
  text: string;
}

const SERVER_NO_TRAFFIC_EXPECTED = 20;

/** Balancing methods whose long-run shares follow the keys hashed, not the weights: per-server share rules would be noise. */
const HASHED = /hash|^source$|^uri|url_param|^hdr|rdp-cookie|maglev|sticky|random/i;

/** Prometheus duration (`5m`, `1h30m`): its seconds, or undefined when it is not one. */
export function durationSeconds(text: string): number | undefined {
  const m = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text);
  if (!m || text === '') return undefined;
  const [y, w, d, h, mi, s, ms] = m.slice(1).map((x) => Number(x ?? 0));
  const total = y * 365 * 86400 + w * 7 * 86400 + d * 86400 + h * 3600 + mi * 60 + s + ms / 1000;
  return total > 0 ? total : undefined;
}

/**
 * `name="value"` matchers, comma-separated (`job="haproxy",env=~"prod|staging"`): what `--selector` adds to every
 * selector. Parsed strictly (a label name, an operator, a double-quoted string), so no other PromQL gets in.
 */
export function parseSelector(text: string): Matcher[] | { error: string } {
  const out: Matcher[] = [];
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  let i = 0;
  const s = text.trim().replace(/^\{|\}$/g, '');
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) return { error: `--selector: expected label="value" at "${s.slice(i)}"` };
    let value: string;
    try {
      value = JSON.parse(`"${m[3]}"`) as string;
    } catch {
      return { error: `--selector: bad escape in "${m[3]}"` };
    }
    out.push({ label: m[1], op: m[2] as Matcher['op'], value });
    i = re.lastIndex;
    if (m[4] === '') break;
  }
  if (out.length === 0) return { error: '--selector: expected label="value"' };
  return out;
}

const matcherText = (m: Matcher) => `${m.label}${m.op}${JSON.stringify(m.value)}`;
const round = (x: number) => Number(x.toFixed(6));
/** A share as people read it: `25%`, `33.3%`. */
export const pct = (x: number) => `${Number((x * 100).toFixed(1))}%`;
const points = (x: number) => `${Number((x * 100).toFixed(1))} points`;

interface PoolUse {
  /** Routes sending this pool some traffic. */
  routes: Route[];
}

/** Generates the rules; `{ error }` for an exporter that does not exist or does not fit the format. */
export function generateAlerts(a: ModelAnalysis, options: AlertOptions): AlertsResult | { error: string } {
  const format = a.model.format;
  let exporter: Exporter | undefined;
  if (options.exporter) {
    exporter = exporterById(options.exporter);
    if (!exporter) return { error: `unknown exporter "${options.exporter}" (${EXPORTER_IDS.join(', ')})` };
    if (!exporterFits(exporter, format)) return { error: `exporter "${exporter.id}" does not watch ${format} configurations` };
  } else {
    exporter = defaultExporter(format);
    if (!exporter) return { error: `no exporter is known for ${format} configurations` };
  }
  const ex = exporter;
  const o = options;
  const W = o.window;
  const windowSeconds = durationSeconds(W) ?? 300;
  const notes: string[] = [];
  const groups: AlertGroup[] = [];
  const groupNames = new Set<string>();
  const where = (ref: { uri: string; range: { start: { line: number } } }) => `${o.show(ref.uri)}:${ref.range.start.line + 1}`;
  const config = o.show(a.model.uri);

  // ---- PromQL pieces ----
  const selector = (f: Family, ms: Matcher[]) => {
    const all = [...(f.matchers ?? []), ...ms, ...o.selectors];
    return all.length ? `${f.metric}{${all.map(matcherText).join(',')}}` : f.metric;
  };
  const perSecond = (f: Family, ms: Matcher[], w = W) =>
    (f.kind === 'cloudwatch' ? `avg_over_time(${selector(f, ms)}[${w}]) / ${ex.period ?? 60}` : `rate(${selector(f, ms)}[${w}])`);
  const total = (f: Family, ms: Matcher[], w = W) => `sum(${perSecond(f, ms, w)})`;

  const baseLabels = (kind: AlertKind, pool: Pool): Record<string, string> => ({
    severity: o.severity,
    lb_lens_rule: kind,
    lb_lens_exporter: ex.id,
    lb_lens_config: config,
    lb_lens_pool: pool.name,
  });

  // ---- which pools routes send traffic to ----
  const use = new Map<Pool, PoolUse>();
  for (const r of a.model.routes) {
    const d = a.distributions.get(r.id);
    if (!d || d.kind !== 'servers') continue;
    for (const p of d.pools) {
      let sum = 0;
      for (const s of d.shares) if (s.pool === p) sum += s.share;
      if (sum <= 0) continue;
      let u = use.get(p);
      if (!u) use.set(p, (u = { routes: [] }));
      u.routes.push(r);
    }
  }

  const unused: string[] = [];
  let poolsWatched = 0;
  for (const pool of a.model.pools) {
    if (pool.notATrafficPool) continue;
    const poolName = `${pool.kind} ${pool.name}`;
    const poolAt = where(pool.source);
    if (!use.has(pool)) {
      unused.push(`${pool.name} (${poolAt})`);
      continue;
    }
    const sel = ex.pool(pool);
    if ('why' in sel) {
      notes.push(`${poolName} (${poolAt}): no rules: ${sel.why}.`);
      continue;
    }
    const pm = sel.matchers;
    const rules: AlertRule[] = [];
    const shares = poolShares(pool, new Set()).shares;
    const serving = pool.servers.filter((s) => (shares.get(s.id) ?? 0) > 0);

    // 5xx ratio of the pool.
    rules.push({
      kind: 'pool-5xx', alert: ALERT_NAMES['pool-5xx'], for: o.forDuration, source: poolAt, pool: pool.name, threshold: o.errorRatio,
      comment: `${poolAt} ${poolName}: 5xx responses above ${pct(o.errorRatio)}`,
      expr: `(\n  ${total(ex.poolResponses.errors, pm)}\n/\n  ${total(ex.poolResponses.all, pm)}\n) > ${round(o.errorRatio)}\nand on() ${total(ex.poolResponses.all, pm)} >= ${o.minRate}`,
      labels: baseLabels('pool-5xx', pool),
      annotations: {
        summary: `${pool.name}: {{ $value | humanizePercentage }} of responses are 5xx`,
        description: `${poolName} (${poolAt}) answered {{ $value | humanizePercentage }} 5xx over ${W}, above ${pct(o.errorRatio)}, for ${o.forDuration}.`,
        lb_lens_source: poolAt,
      },
    });

    // No traffic to a pool routes send requests to.
    if (serving.length > 0) {
      const routes = use.get(pool)!.routes;
      const via = routes.slice(0, 3).map((r) => `${r.name} (${where(r.source)})`).join(', ') + (routes.length > 3 ? ` and ${routes.length - 3} more` : '');
      rules.push({
        kind: 'pool-no-traffic', alert: ALERT_NAMES['pool-no-traffic'], for: o.forDuration, source: poolAt, pool: pool.name, threshold: 0,
        comment: `${poolAt} ${poolName}: no request for ${o.noTrafficWindow} (routes: ${via})`,
        expr: `${total(ex.poolRequests, pm, o.noTrafficWindow)} == 0\nand on() ${total(ex.poolRequests, [], o.noTrafficWindow)} >= ${o.minRate}`,
        labels: baseLabels('pool-no-traffic', pool),
        annotations: {
          summary: `${pool.name} gets no requests`,
          description: `${poolName} (${poolAt}) received no request in ${o.noTrafficWindow} while the load balancer had traffic; the configuration sends it the requests of ${via}.`,
          lb_lens_source: poolAt,
        },
      });
    }

    if (pool.dynamicServers) {
      notes.push(`${poolName} (${poolAt}): its servers are discovered at run time: pool-level rules only.`);
    } else if (ex.server && serving.length >= 2) {
      const sx = ex.server;
      const values = new Map<Server, string>();
      for (const s of pool.servers) {
        const v = sx.value(s, pool);
        if (typeof v === 'string') values.set(s, v);
        else if ((shares.get(s.id) ?? 0) > 0) notes.push(`${poolName} (${poolAt}): no per-server rules for ${s.name ?? s.address} (${where(s.source)}): ${v.why}.`);
      }
      const hashed = HASHED.test(pool.algorithm);
      if (hashed) notes.push(`${poolName} (${poolAt}): algorithm "${pool.algorithm}" spreads requests by their hashed keys, not by weight: no per-server share rules (the skew rule stays).`);
      const poolTotal = total(sx.requests, pm);
      const health = sx.health;
      const healthyCount = (ms: Matcher[]) => `count(${health!.healthy(selector(health!.family, ms))})`;
      const servingValues = serving.map((s) => values.get(s)).filter((v): v is string => v !== undefined);
      // The servers that share the pool, when every one of them can be named.
      const servingSel = servingValues.length === serving.length
        ? [...pm, { label: sx.label, op: '=~' as const, value: servingValues.map(escapeAlternative).join('|') }]
        : undefined;
      // A server's configured share holds while every server sharing the pool is healthy.
      const allHealthy = health && servingSel ? `\nand on() ${healthyCount(servingSel)} >= ${serving.length}` : '';
      for (const s of pool.servers) {
        const v = values.get(s);
        if (v === undefined) continue;
        const c = shares.get(s.id) ?? 0;
        const serverName = s.name ?? s.address;
        const at = where(s.source);
        const sm = [...pm, { label: sx.label, op: '=' as const, value: v }];
        const state = s.state !== 'active' ? ` (${s.state})` : s.weight <= 0 ? ' (weight 0)' : '';
        const threshold = round(c + o.margin);
        if (!hashed && threshold < 1) {
          rules.push({
            kind: 'server-share', alert: ALERT_NAMES['server-share'], for: o.forDuration, source: at, pool: pool.name, server: serverName, configured: c, threshold,
            comment: `${at} ${serverName}${state}: configured ${pct(c)} of ${pool.name}, alert above ${pct(threshold)}`,
            expr: `(\n  ${total(sx.requests, sm)}\n/\n  ${poolTotal}\n) > ${threshold}\nand on() ${poolTotal} >= ${o.minRate}${allHealthy}`,
            labels: { ...baseLabels('server-share', pool), lb_lens_server: serverName },
            annotations: {
              summary: `${serverName} takes {{ $value | humanizePercentage }} of ${pool.name} (configured ${pct(c)})`,
              description: `${serverName}${state} (${at}) should get ${pct(c)} of the requests of ${poolName} (${poolAt}); it got {{ $value | humanizePercentage }} over ${W}, more than ${points(o.margin)} above, for ${o.forDuration}${allHealthy ? ', while every server sharing the pool was healthy' : ''}.`,
              lb_lens_source: at,
              lb_lens_configured_share: pct(c),
            },
          });
        }
        if (c <= 0) continue;
        const guard = round(Math.max(o.minRate, SERVER_NO_TRAFFIC_EXPECTED / (c * windowSeconds)));
        rules.push({
          kind: 'server-no-traffic', alert: ALERT_NAMES['server-no-traffic'], for: o.forDuration, source: at, pool: pool.name, server: serverName, configured: c, threshold: 0,
          comment: `${at} ${serverName}: configured ${pct(c)} of ${pool.name}, alert when it gets none while healthy`,
          expr: `${total(sx.requests, sm)} == 0\nand on() ${poolTotal} >= ${guard}${health ? `\nand on() ${healthyCount(sm)} >= 1` : ''}`,
          labels: { ...baseLabels('server-no-traffic', pool), lb_lens_server: serverName },
          annotations: {
            summary: `${serverName} gets no requests of ${pool.name} (configured ${pct(c)})`,
            description: `${serverName} (${at}) should get ${pct(c)} of the requests of ${poolName} (${poolAt})${health ? ' and is healthy' : ''}, but got none over ${W} while the pool had traffic, for ${o.forDuration}.`,
            lb_lens_source: at,
            lb_lens_configured_share: pct(c),
          },
        });
      }
      let most = 0;
      for (const s of serving) most = Math.max(most, shares.get(s.id) ?? 0);
      if (most < o.skew) {
        const upGuard = health ? `\nand on() ${healthyCount(servingSel ?? pm)} >= 2` : '';
        rules.push({
          kind: 'pool-skew', alert: ALERT_NAMES['pool-skew'], for: o.forDuration, source: poolAt, pool: pool.name, threshold: o.skew, resultLabels: [sx.label],
          comment: `${poolAt} ${poolName}: one server above ${pct(o.skew)} while others are healthy (largest configured share ${pct(most)})`,
          expr: `(\n  sum by (${sx.label}) (${perSecond(sx.requests, pm)})\n/ on() group_left()\n  ${poolTotal}\n) > ${round(o.skew)}\nand on() ${poolTotal} >= ${o.minRate}${upGuard}`,
          labels: baseLabels('pool-skew', pool),
          annotations: {
            summary: `{{ $labels.${sx.label} }} takes {{ $value | humanizePercentage }} of ${pool.name}`,
            description: `${poolName} (${poolAt}) spreads its requests over ${serving.length} servers (largest configured share ${pct(most)}), but {{ $labels.${sx.label} }} took {{ $value | humanizePercentage }} over ${W}${health ? ' while at least two of them were healthy' : ''}, for ${o.forDuration}.`,
            lb_lens_source: poolAt,
          },
        });
      }
    } else if (ex.serverUpOnly && serving.length > 0) {
      const ux = ex.serverUpOnly;
      const checked = pool.healthCheck.active || pool.servers.some((s) => s.healthCheck?.active);
      if (!checked) {
        notes.push(`${poolName} (${poolAt}): no health check, so ${ux.up.metric} is not published: no per-server rules.`);
      } else {
        for (const s of serving) {
          const v = ux.value(s, pool);
          const serverName = s.name ?? s.address;
          const at = where(s.source);
          if (typeof v !== 'string') {
            notes.push(`${poolName} (${poolAt}): no per-server rule for ${serverName} (${at}): ${v.why}.`);
            continue;
          }
          const c = shares.get(s.id) ?? 0;
          rules.push({
            kind: 'server-down', alert: ALERT_NAMES['server-down'], for: o.forDuration, source: at, pool: pool.name, server: serverName, configured: c, threshold: 0,
            comment: `${at} ${serverName}: configured ${pct(c)} of ${pool.name}, alert while it is down`,
            expr: `max(${selector(ux.up, [...pm, { label: ux.label, op: '=', value: v }])}) == 0`,
            labels: { ...baseLabels('server-down', pool), lb_lens_server: serverName },
            annotations: {
              summary: `${serverName} of ${pool.name} is down (configured ${pct(c)})`,
              description: `${serverName} (${at}) should get ${pct(c)} of the requests of ${poolName} (${poolAt}) but has been down for ${o.forDuration}: the other servers take its share.`,
              lb_lens_source: at,
              lb_lens_configured_share: pct(c),
            },
          });
        }
      }
    }
    poolsWatched++;
    groups.push({ name: uniqueName(groupNames, `lb-lens ${poolAt} ${poolName}`), rules });
  }
  if (unused.length) notes.push(`no route sends traffic to ${unused.length === 1 ? 'pool' : 'pools'} ${unused.join(', ')}: no rules.`);

  splitRules(a, ex, o, use, { groups, groupNames, notes, where, total, baseLabels });

  const ruleCount = groups.reduce((n, g) => n + g.rules.length, 0);
  const result: AlertsResult = { exporter: ex, groups, notes, poolsWatched, ruleCount, text: '' };
  result.text = renderRules(result, a, o);
  return result;
}

/** A label value as one alternative of an RE2 `=~` pattern. */
const escapeAlternative = (v: string) => v.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');

function uniqueName(seen: Set<string>, name: string): string {
  let n = name;
  for (let i = 2; seen.has(n); i++) n = `${name} #${i}`;
  seen.add(n);
  return n;
}

interface SplitContext {
  groups: AlertGroup[];
  groupNames: Set<string>;
  notes: string[];
  where: (ref: { uri: string; range: { start: { line: number } } }) => string;
  total: (f: Family, ms: Matcher[], w?: string) => string;
  baseLabels: (kind: AlertKind, pool: Pool) => Record<string, string>;
}

/**
 * Routes that split their requests over pools by weight. The pools' counters count every request they get, whatever
 * route sent it, so a split is watched only when no other route sends to its pools (routes that are the same split,
 * a route attached to several listeners, count as one).
 */
function splitRules(a: ModelAnalysis, ex: Exporter, o: AlertOptions, use: Map<Pool, PoolUse>, ctx: SplitContext): void {
  const seen = new Set<string>();
  for (const r of a.model.routes) {
    if (r.target.kind !== 'split') continue;
    const d = a.distributions.get(r.id);
    if (!d || d.kind !== 'servers' || d.pools.length < 2) continue;
    const parts = d.pools.map((p) => {
      let share = 0;
      for (const s of d.shares) if (s.pool === p) share += s.share;
      return { pool: p, share };
    }).filter((p) => p.share > 0);
    if (parts.length < 2) continue;
    const signature = parts.map((p) => `${p.pool.id}=${p.share.toFixed(6)}`).sort().join('&');
    if (seen.has(signature)) continue;
    seen.add(signature);
    const at = ctx.where(r.source);
    const served = parts.reduce((n, p) => n + p.share, 0);
    const shared = parts.filter((p) => (use.get(p.pool)?.routes ?? []).some((other) => {
      if (other === r || other.target.kind !== 'split') return other !== r;
      const od = a.distributions.get(other.id)!;
      const sig = od.pools.map((q) => {
        let share = 0;
        for (const s of od.shares) if (s.pool === q) share += s.share;
        return { pool: q, share };
      }).filter((q) => q.share > 0).map((q) => `${q.pool.id}=${q.share.toFixed(6)}`).sort().join('&');
      return sig !== signature;
    }));
    if (shared.length) {
      ctx.notes.push(`${r.name} (${at}): its split is not watched: ${shared.map((p) => p.pool.name).join(', ')} also ${shared.length === 1 ? 'gets' : 'get'} requests from other routes, and the exporter counts per pool, not per route.`);
      continue;
    }
    const selections = parts.map((p) => ({ ...p, sel: ex.pool(p.pool) }));
    const missing = selections.find((p) => 'why' in p.sel);
    if (missing) {
      ctx.notes.push(`${r.name} (${at}): its split is not watched: ${missing.pool.name}: ${(missing.sel as { why: string }).why}.`);
      continue;
    }
    const parts2 = selections as Array<{ pool: Pool; share: number; sel: { matchers: Matcher[] } }>;
    const sum = parts2.map((p) => `(${ctx.total(ex.poolRequests, p.sel.matchers)} or on() vector(0))`).join('\n  + ');
    const rules: AlertRule[] = [];
    const describe = parts2.map((p) => `${p.pool.name} ${pct(p.share / served)}`).join(', ');
    for (const p of parts2) {
      const c = p.share / served;
      const threshold = round(c + o.margin);
      if (threshold >= 1) continue;
      rules.push({
        kind: 'split-share', alert: ALERT_NAMES['split-share'], for: o.forDuration, source: at, pool: p.pool.name, configured: c, threshold,
        comment: `${at} ${r.name}: ${p.pool.name} configured ${pct(c)} of the split (${describe}), alert above ${pct(threshold)}`,
        expr: `(\n  ${ctx.total(ex.poolRequests, p.sel.matchers)}\n/\n  (\n    ${sum.replace(/\n/g, '\n  ')}\n  )\n) > ${threshold}\nand on() (\n  ${sum}\n) >= ${o.minRate}`,
        labels: { ...ctx.baseLabels('split-share', p.pool), lb_lens_route: r.name },
        annotations: {
          summary: `${p.pool.name} takes {{ $value | humanizePercentage }} of the split of ${r.name} (configured ${pct(c)})`,
          description: `${r.name} (${at}) splits its requests ${describe}; ${p.pool.name} got {{ $value | humanizePercentage }} of them over ${o.window}, more than ${points(o.margin)} above, for ${o.forDuration}.`,
          lb_lens_source: at,
          lb_lens_configured_share: pct(c),
        },
      });
    }
    if (rules.length) ctx.groups.push({ name: uniqueName(ctx.groupNames, `lb-lens ${at} split ${r.name}`), rules });
  }
}

/** YAML: one double-quoted scalar (JSON strings are valid YAML double-quoted scalars). */
const q = (s: string) => JSON.stringify(s);
const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');

function renderRules(r: AlertsResult, a: ModelAnalysis, o: AlertOptions): string {
  const out: string[] = [];
  out.push(`# Prometheus alerting rules generated by \`lb-lens alerts\` from ${oneLine(o.show(a.model.uri))} (${a.model.format}).`);
  out.push(`# Metrics: ${r.exporter.title}.`);
  out.push(
    `# Thresholds: share margin ${points(o.margin)}, one server above ${pct(o.skew)}, 5xx above ${pct(o.errorRatio)}, ` +
      `at least ${o.minRate} req/s, rates over ${o.window}, for ${o.forDuration}, no traffic over ${o.noTrafficWindow}.`,
  );
  out.push(`# ${r.ruleCount} rules for ${r.poolsWatched} pools. Regenerate after changing the configuration: the shares and lines are the file's.`);
  out.push('#');
  out.push('# What the exporter needs:');
  for (const n of r.exporter.notes) out.push(`#   - ${oneLine(n)}`);
  if (r.notes.length) {
    out.push('# Not covered:');
    for (const n of r.notes) out.push(`#   - ${oneLine(n)}`);
  }
  if (r.groups.length === 0) {
    out.push('groups: []');
    return `${out.join('\n')}\n`;
  }
  out.push('groups:');
  for (const g of r.groups) {
    out.push(`  - name: ${q(g.name)}`);
    out.push('    rules:');
    for (const rule of g.rules) {
      out.push(`      # ${oneLine(rule.comment)}`);
      out.push(`      - alert: ${rule.alert}`);
      out.push('        expr: |-');
      for (const line of rule.expr.split('\n')) out.push(`          ${line}`);
      out.push(`        for: ${rule.for}`);
      out.push('        labels:');
      for (const [k, v] of Object.entries(rule.labels)) out.push(`          ${k}: ${q(v)}`);
      out.push('        annotations:');
      for (const [k, v] of Object.entries(rule.annotations)) out.push(`          ${k}: ${q(v)}`);
    }
  }
  return `${out.join('\n')}\n`;
}
