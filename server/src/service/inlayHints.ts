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
 * with logged traffic (`traffic`, a replay of `a`'s model), a second hint with the route's share of the logged
 * requests (`logged 41.2%`) and `⚠ drift` when the drift test reports one of its pools. Details in the tooltips.
 */
export function getInlayHints(a: DocumentAnalysis, range?: Range, traffic?: TrafficFacts): InlayHintResult[] {
  const lines = new LineIndex(a.text);
  const hints: InlayHintResult[] = [];
  const flagged = new Set(
    a.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning').map((d) => d.data?.routeId).filter(Boolean),
  );
  for (const route of previewedRoutes(a.model.routes)) {
    const t = route.target;
    const anchor = t.kind === 'split' ? route.source : 'nameSource' in t ? t.nameSource : route.source;
    if (anchor.uri !== a.uri) continue;
    const line = anchor.range.start.line;
    if (range && (line < range.start.line || line > range.end.line)) continue;
    const d = a.distributions.get(route.id)!;
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
    const position = lines.position(lines.lineEnd(line));
    hints.push({ position, label: ` ${label}`, tooltip });
    // Logged traffic in a hint of its own, so that the editor's length limit on labels (VS Code shortens long
    // ones) cuts the split, not the logged share: `logged 58.8% ⚠ drift`.
    if (traffic) {
      const t = traffic.routes[route.id];
      const drifted = [...new Set(d.shares.map((s) => s.pool))].filter((p) => traffic.pools[p.id]?.drift?.status === 'drift');
      const observed = d.shares
        .filter((s) => traffic.servers[s.server.id]?.observed)
        .map((s) => `${serverDisplayName(s.server)}: configured ${formatShare(s.share)}, logged ${loggedPercent(traffic.servers[s.server.id].observed!.share)} of ${s.pool.name}`);
      const details = [
        `Logged (${logsText(traffic)}): ${t ? `${requestsText(t.requests, t.peak)}, ${loggedPercent(t.share)} of the logged requests` : 'no logged request takes this route'}`,
        ...observed,
        ...drifted.map((p) => `Drift in ${p.name}: the logged split differs from the configured one`),
      ];
      hints.push({ position, label: ` logged ${t ? loggedPercent(t.share) : '0%'}${drifted.length ? ' ⚠ drift' : ''}`, tooltip: details.join('\n') });
    }
  }
  return hints;
}
