import type { Position, Range } from '../model/types';
import { LineIndex } from '../util/lineIndex';
import { formatShare } from './hover';
import type { DocumentAnalysis } from './languageService';
import { previewedRoutes, serverDisplayName } from './preview';

export interface InlayHintResult {
  position: Position;
  label: string;
  tooltip: string;
}

const MAX_SERVERS_IN_LABEL = 4;

/** After each route's target, its split: `→ web1 50%, web2 50%`, with ⚠ when a warning or error concerns the route. */
export function getInlayHints(a: DocumentAnalysis, range?: Range): InlayHintResult[] {
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
    hints.push({ position: lines.position(lines.lineEnd(line)), label: ` ${label}`, tooltip });
  }
  return hints;
}
