import type { Range } from '../model/types';
import type { DocumentAnalysis } from './languageService';

export interface SymbolResult {
  name: string;
  detail?: string;
  kind: 'entry' | 'route' | 'pool' | 'server';
  range: Range;
  selectionRange: Range;
  children: SymbolResult[];
}

const within = (outer: Range, inner: Range): Range => {
  // LSP requires the selection range to be inside the full range.
  const before = (a: Range['start'], b: Range['start']) => a.line < b.line || (a.line === b.line && a.character <= b.character);
  return before(outer.start, inner.start) && before(inner.end, outer.end) ? inner : outer;
};

/**
 * Outline: entry points with their routes, pools with their servers, named definitions; only elements written in
 * this document.
 */
export function getDocumentSymbols(a: DocumentAnalysis): SymbolResult[] {
  const mine = <T extends { source: { uri: string } }>(x: T) => x.source.uri === a.uri;
  const out: SymbolResult[] = [];
  const listed = new Set<object>();
  for (const e of a.model.entries.filter(mine)) {
    out.push({
      name: e.name,
      detail: e.listen.join(' '),
      kind: 'entry',
      range: e.source.range,
      selectionRange: within(e.source.range, e.selection.range),
      // A route written by the same text as an earlier one (nginx's implicit redirect of a `location /x/` for `/x`)
      // adds nothing to an outline.
      children: a.model.routes
        .filter((r) => r.entryId === e.id && mine(r) && !listed.has(r.source) && !!listed.add(r.source))
        .map((r) => {
          const t = r.target;
          const detail = t.kind === 'pool' ? `→ ${t.name}` : t.kind === 'address' ? `→ ${t.address}` : t.kind === 'split' ? `→ ${t.parts.map((p) => p.name).join(' + ')}` : t.kind === 'dynamic' ? `→ ${t.text}` : undefined;
          const sel = t.kind !== 'none' && t.kind !== 'split' ? within(r.source.range, { start: r.source.range.start, end: r.source.range.start }) : r.source.range;
          return { name: r.name, detail, kind: 'route' as const, range: r.source.range, selectionRange: sel, children: [] };
        }),
    });
  }
  for (const p of a.model.pools.filter((p) => !p.synthesized && mine(p))) {
    out.push({
      name: p.name,
      detail: `${p.kind} · ${p.algorithm}`,
      kind: 'pool',
      range: p.source.range,
      selectionRange: within(p.source.range, p.nameSource.range),
      children: p.servers.filter(mine).map((s) => ({
        name: s.name ?? s.address,
        detail: `${s.name ? `${s.address} ` : ''}weight ${s.weight}${s.state === 'active' ? '' : ` ${s.state}`}`,
        kind: 'server' as const,
        range: s.source.range,
        selectionRange: s.source.range,
        children: [],
      })),
    });
  }
  // Named definitions (Traefik weighted/mirroring services) are listed like pools; they hold no servers.
  for (const d of (a.model.definitions ?? []).filter(mine)) {
    out.push({ name: d.name, detail: d.kind, kind: 'pool', range: d.source.range, selectionRange: within(d.source.range, d.nameSource.range), children: [] });
  }
  return out.sort((x, y) => x.range.start.line - y.range.start.line);
}
