import { poolShares, routeDistribution, type RouteDistribution } from '../analysis/distribution';
import { exampleRequest } from '../analysis/routing/shadowing';
import type { Position, Range, Route, Server } from '../model/types';
import { elementAt, type Element } from './elements';
import type { DocumentAnalysis } from './languageService';
import { poolLabel, serverDisplayName } from './preview';
import { count, driftText, loggedPercent, logsText, rateText, requestsText, serverLoggedText, type TrafficFacts } from './traffic';

/** Logged traffic for hovers: the replay of the configured access logs, or why there is none yet. */
export interface HoverTraffic {
  facts?: TrafficFacts;
  /** Shown instead of numbers (`Replaying access logs… 40%`). */
  note?: string;
}

export interface HoverResult {
  /** Markdown. */
  contents: string;
  range: Range;
}

export const formatShare = (share: number): string => {
  const p = share * 100;
  if (p === 0 || p === 100) return `${p}%`;
  return `${p < 0.1 ? p.toFixed(2) : p.toFixed(1).replace(/\.0$/, '')}%`;
};

function stateText(s: Server): string {
  return s.state === 'active' ? '' : ` (${s.state})`;
}

function distributionTable(d: RouteDistribution, facts?: TrafficFacts): string {
  if (d.kind === 'dynamic') return '_Target computed at run time: no static distribution._';
  if (d.kind === 'none') return '_Served by the load balancer itself._';
  if (d.kind === 'unresolved') return '_The target pool is not defined._';
  if (d.shares.length === 0) return '_The pool has no servers._';
  // With logged traffic, a column beside the configured share: the share of its pool's logged requests a server
  // served when the log records it, else the requests the configuration sends it (≈: its share of the route's).
  const logged = (s: Server): string => {
    const t = facts?.servers[s.id];
    if (!t) return '—';
    if (t.observed) return `${t.observed.outside ? '⚠ ' : ''}${loggedPercent(t.observed.share)} (${count(t.observed.requests)})`;
    return `≈ ${count(t.requests)} req`;
  };
  const rows = d.shares.map((s) => `| ${serverDisplayName(s.server)}${stateText(s.server)} | ${s.server.address} | ${s.server.weight} | **${formatShare(s.share)}** |${facts ? ` ${logged(s.server)} |` : ''}`);
  const notes = d.notes.map((n) => `\n_${n}_`).join('\n');
  const head = facts ? ['| server | address | weight | configured | logged |', '|---|---|---:|---:|---:|'] : ['| server | address | weight | share |', '|---|---|---:|---:|'];
  return [...head, ...rows].join('\n') + notes;
}

/** The route's logged requests and the drift of its pools, as paragraphs (empty without logged traffic). */
function routeTraffic(a: DocumentAnalysis, route: Route, d: RouteDistribution, traffic: HoverTraffic | undefined): string {
  if (!traffic) return '';
  const facts = traffic.facts;
  if (!facts) return traffic.note ? `\n\n_${traffic.note}_` : '';
  const t = facts.routes[route.id];
  const lines = [
    t
      ? `**Logged:** ${requestsText(t.requests, t.peak)} — ${loggedPercent(t.share)} of the logged requests${t.peak.perMinute ? `; busiest minute ${rateText(t.peak.perMinute.rate)} req/s` : ''}`
      : '**Logged:** no logged request takes this route',
  ];
  const pools = [...new Set(d.shares.map((s) => s.pool))];
  for (const p of pools) {
    const text = driftText(facts.pools[p.id]?.drift, p.name);
    if (text) lines.push(text);
  }
  if (facts.servers && d.shares.some((s) => facts.servers[s.server.id]?.observed)) lines.push('_logged: share of the pool\'s logged requests each server served (from the log\'s upstream field)_');
  else if (t) lines.push('_≈ the route\'s logged requests × the configured share: the log does not say which server served them_');
  lines.push(`_${logsText(facts)}_`);
  return `\n\n${lines.join('\n\n')}`;
}

function routeHover(a: DocumentAnalysis, route: Route, traffic?: HoverTraffic): string {
  const d = a.distributions.get(route.id)!;
  const pool = poolLabel(d, route);
  const ex = exampleRequest(a.model, a.index, route);
  const example = ex.example ? `\n\nReached by, for example, \`${ex.example}\`` : ex.why ? `\n\n_No request reaches it: ${ex.why}._` : '';
  return `**${route.name}**${pool ? ` → \`${pool}\`` : ''}${example}\n\n${distributionTable(d, traffic?.facts)}${routeTraffic(a, route, d, traffic)}`;
}

/** What a server gets in every route that reaches it, and what happens to those routes when it fails. */
function serverHover(a: DocumentAnalysis, server: Server, traffic?: HoverTraffic): string {
  const pool = a.index.poolById.get(server.poolId);
  const address = server.name ? ` \`${server.address}\`` : '';
  const lines = [`**${serverDisplayName(server)}**${address} — weight ${server.weight}${stateText(server)}${pool ? ` in \`${pool.name}\`` : ''}`];
  const routes = pool ? a.index.routesByPool.get(pool.id) ?? [] : [];
  if (traffic?.facts && pool) {
    // Logged next to configured: the pool's share of this server (as the drift test compares them).
    const facts = traffic.facts;
    // The server's share of its pool (what the drift test compares the log with), all servers healthy.
    const configured = poolShares(pool, new Set()).shares.get(server.id) ?? 0;
    const text = serverLoggedText(formatShare(configured), facts, server, pool.name);
    lines.push('', text ?? '**Logged:** no logged request reaches this server\'s pool');
    const t = facts.servers[server.id];
    if (t?.observed?.interval) lines.push('', `_logged share's interval ${loggedPercent(t.observed.interval[0])} – ${loggedPercent(t.observed.interval[1])}${t.observed.outside ? ': the configured share is outside it' : ''}_`);
    const drift = driftText(facts.pools[pool.id]?.drift, pool.name);
    if (drift) lines.push('', drift);
    const silent = facts.drift?.silent.find((x) => x.pool === pool.name && (x.server === server.address || x.server === `${server.name} (${server.address})`));
    if (silent) lines.push('', `⚠ Silent: no logged request of \`${pool.name}\` reached it (${count(silent.poolRequests)} did reach the pool; chance ${silent.probability})`);
    lines.push('', `_${logsText(facts)}_`);
  } else if (traffic?.note) lines.push('', `_${traffic.note}_`);
  if (routes.length === 0) lines.push('', '_No route sends traffic to this pool._');
  for (const r of routes.slice(0, 20)) {
    const d = a.distributions.get(r.id)!;
    const share = d.shares.find((s) => s.server.id === server.id)?.share ?? 0;
    const failed = routeDistribution(r, a.index, new Set([server.id]));
    const after = failed.shares.filter((s) => s.share > 0).map((s) => `${serverDisplayName(s.server)} ${formatShare(s.share)}`);
    lines.push('', `- ${r.name}: **${formatShare(share)}**; if it fails → ${after.length ? after.join(', ') : '**no server left**'}`);
  }
  if (routes.length > 20) lines.push(`- … and ${routes.length - 20} more routes`);
  return lines.join('\n');
}

function poolHover(a: DocumentAnalysis, poolId: string, traffic?: HoverTraffic): string {
  const pool = a.index.poolById.get(poolId)!;
  const routes = a.index.routesByPool.get(pool.id) ?? [];
  const checks = pool.healthCheck.active || pool.servers.some((s) => s.healthCheck?.active)
    ? 'active health checks'
    : pool.healthCheck.passive || pool.servers.some((s) => s.healthCheck?.passive)
      ? 'passive health checks'
      : 'no health checks';
  const head = `**${pool.kind} ${pool.name}** — ${pool.algorithm}, ${pool.servers.length} server${pool.servers.length === 1 ? '' : 's'}, ${checks}`;
  // The pool's share of each route: all of it for a plain target, its part's weight in a split.
  const share = (r: Route) => {
    let sum = 0;
    for (const s of a.distributions.get(r.id)?.shares ?? []) if (s.pool.id === pool.id) sum += s.share;
    return formatShare(sum);
  };
  const list = routes.slice(0, 5).map((r) => `${r.name} (**${share(r)}**)`).join(', ');
  const used = routes.length ? `Used by ${routes.length} route${routes.length === 1 ? '' : 's'}: ${list}${routes.length > 5 ? ', …' : ''}` : '_Not used by any route._';
  const d = routes[0] ? a.distributions.get(routes[0].id) : undefined;
  const table = d && d.pools.length === 1 ? `\n\n${distributionTable(d, traffic?.facts)}` : '';
  let logged = '';
  if (traffic?.facts) {
    const t = traffic.facts.pools[pool.id];
    const parts = [t && t.requests > 0 ? `**Logged:** ${requestsText(t.requests, t.peak)} — ${loggedPercent(t.share)} of the logged requests` : '**Logged:** no logged request reaches this pool'];
    const drift = driftText(t?.drift, pool.name);
    if (drift) parts.push(drift);
    parts.push(`_${logsText(traffic.facts)}_`);
    logged = `\n\n${parts.join('\n\n')}`;
  } else if (traffic?.note) logged = `\n\n_${traffic.note}_`;
  return `${head}\n\n${used}${table}${logged}`;
}

/** The route whose target names a pool at `source`: a plain target or one part of a split. */
function routeNaming(a: DocumentAnalysis, source: Element['source']): Route | undefined {
  return a.model.routes.find((r) => {
    const t = r.target;
    if (t.kind === 'split') return t.parts.some((p) => p.nameSource === source);
    return t.kind !== 'none' && t.nameSource === source;
  });
}

/** The hover at `pos`; `traffic`: logged numbers from a replay of `a`'s model (see traffic.ts). */
export function getHover(a: DocumentAnalysis, pos: Position, traffic?: HoverTraffic): HoverResult | undefined {
  const el = elementAt(a, pos);
  return el && hoverOf(a, el, pos, traffic);
}

function hoverOf(a: DocumentAnalysis, el: Element, pos: Position, traffic?: HoverTraffic): HoverResult | undefined {
  switch (el.kind) {
    case 'route':
      return { contents: routeHover(a, el.route, traffic), range: el.source.range };
    case 'server':
      return { contents: serverHover(a, el.server, traffic), range: el.source.range };
    case 'pool':
      return { contents: poolHover(a, el.pool.id, traffic), range: el.source.range };
    case 'poolRef': {
      // A route target, or a part of a split (a weighted cluster, destination or backendRef): the route's
      // distribution says what share that name gets.
      const route = routeNaming(a, el.source);
      if (route) {
        const undefinedPart = !el.pool && route.target.kind === 'split' ? `\`${el.name}\` is not defined.\n\n` : '';
        return { contents: undefinedPart + routeHover(a, route, traffic), range: el.source.range };
      }
      if (el.pool) return { contents: poolHover(a, el.pool.id, traffic), range: el.source.range };
      // A mention that names no pool inside a route is a step on the way to its target (a Traefik router's
      // weighted service): the route answers. Elsewhere the name is really missing.
      const outer = elementAt(a, pos, (e) => e.kind === 'route');
      if (outer) return { ...hoverOf(a, outer, pos, traffic)!, range: el.source.range };
      // A named definition (a weighted service named by another service) is defined, just not a pool.
      const def = a.index.definitions(el.name, el.namespace)[0];
      if (def) return { contents: `**${el.name}** (${def.kind}) forwards to other pools; it holds no servers itself.`, range: el.source.range };
      return { contents: `\`${el.name}\` is not defined.`, range: el.source.range };
    }
    case 'entry': {
      const routes = a.model.routes.filter((r) => r.entryId === el.entry.id && r.target.kind !== 'none');
      const lines = routes.slice(0, 30).map((r) => {
        const d: RouteDistribution = a.distributions.get(r.id)!;
        const split = d.shares.filter((s) => s.share > 0).map((s) => `${serverDisplayName(s.server)} ${formatShare(s.share)}`).join(', ');
        return `- ${r.name} → ${split || '_no server_'}`;
      });
      return { contents: [`**${el.entry.name}**`, '', ...lines].join('\n'), range: el.entry.selection.range };
    }
  }
}
