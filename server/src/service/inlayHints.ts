import type { RouteDistribution } from '../analysis/distribution';
import type { Position, Range } from '../model/types';
import { LineIndex } from '../util/lineIndex';
import { formatShare } from './hover';
import type { DocumentAnalysis } from './languageService';
import { previewedRoutes, serverDisplayName } from './preview';
import { loggedPercent, logsText, requestsText, type TrafficFacts } from './traffic';

export interface InlayHintResult {
  position: Position;
  label: string;
  tooltip: string;
}

const MAX_SERVERS_IN_LABEL = 4;

/**
 * After each route's target, its split: `→ web1 50%, web2 50%`, with ⚠ when a warning or error concerns the route;
 * with logged traffic (`traffic`, a replay of `a`'s model), a hint after the route's first line with its share of
 * the logged requests (`logged 41.2%`) and `⚠ drift` when the drift test reports one of its pools. Details in the
 * tooltips.
 */
export function getInlayHints(a: DocumentAnalysis, range?: Range, traffic?: TrafficFacts): InlayHintResult[] {
  const lines = new LineIndex(a.text);
  const hints: InlayHintResult[] = [];
  const flagged = new Set(
    a.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning').map((d) => d.data?.routeId).filter(Boolean),
  );
  const inRange = (line: number) => !range || (line >= range.start.line && line <= range.end.line);
  for (const route of previewedRoutes(a.model.routes)) {
    const t = route.target;
    const anchor = t.kind === 'split' ? route.source : 'nameSource' in t ? t.nameSource : route.source;
    if (anchor.uri !== a.uri) continue;
    const line = anchor.range.start.line;
    const d = a.distributions.get(route.id)!;
    // Logged traffic in a hint of its own: at the end of the route's first line when the split is on another one
    // (`location / {  logged 58.8% ⚠ drift`), else before the split — VS Code shortens a line's hints past a total
    // length (editor.inlayHints.maximumLength), so a long split must not push the logged share out.
    if (traffic && route.source.uri === a.uri) {
      const routeLine = route.source.range.start.line;
      if (inRange(routeLine)) hints.push(loggedHint(route.id, d, traffic, lines.position(lines.lineEnd(routeLine))));
    }
    if (!inRange(line)) continue;
    const receiving = d.shares.filter((s) => s.share > 0).sort((x, y) => y.share - x.share);
    let label: string;
    if (d.kind === 'dynamic') label = '→ dynamic';
    else if (d.kind === 'unresolved') label = '→ undefined';
    else if (receiving.length === 0) label = '→ no server';
    else {
      const parts = receiving.slice(0, MAX_SERVERS_IN_LABEL).map((s) => `${serverDisplayName(s.server)} ${formatShare(s.share)}`);
      if (receiving.length > MAX_SERVERS_IN_LABEL) parts.push(`+${receiving.length - MAX_SERVERS_IN_LABEL} more`);
      label = `→ ${parts.join(', ')}`;
    }
    if (flagged.has(route.id)) label += ' ⚠';
    const tooltip = d.shares.map((s) => `${serverDisplayName(s.server)} (${s.server.address}): ${formatShare(s.share)}`).join('\n') || label;
    hints.push({ position: lines.position(lines.lineEnd(line)), label: ` ${label}`, tooltip });
  }
  return hints;
}

/** `logged 58.8% ⚠ drift`, with the route's logged requests, peak, and each server's logged share in the tooltip. */
function loggedHint(routeId: string, d: RouteDistribution, traffic: TrafficFacts, position: Position): InlayHintResult {
  const t = traffic.routes[routeId];
  const drifted = [...new Set(d.shares.map((s) => s.pool))].filter((p) => traffic.pools[p.id]?.drift?.status === 'drift');
  const observed = d.shares
    .filter((s) => traffic.servers[s.server.id]?.observed)
    .map((s) => `${serverDisplayName(s.server)}: configured ${formatShare(s.share)}, logged ${loggedPercent(traffic.servers[s.server.id].observed!.share)} of ${s.pool.name}`);
  const details = [
    `Logged (${logsText(traffic)}): ${t ? `${requestsText(t.requests, t.peak)}, ${loggedPercent(t.share)} of the logged requests` : 'no logged request takes this route'}`,
    ...observed,
    ...drifted.map((p) => `Drift in ${p.name}: the logged split differs from the configured one`),
  ];
  return { position, label: ` logged ${t ? loggedPercent(t.share) : '0%'}${drifted.length ? ' ⚠ drift' : ''}`, tooltip: details.join('\n') };
}
