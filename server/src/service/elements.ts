import type { EntryPoint, Pool, Position, Range, Route, Server, SourceRef } from '../model/types';
import type { DocumentAnalysis } from './languageService';

export type Element =
  | { kind: 'route'; route: Route; source: SourceRef }
  | { kind: 'pool'; pool: Pool; source: SourceRef }
  | { kind: 'poolRef'; pool: Pool | undefined; name: string; namespace: string; source: SourceRef }
  | { kind: 'server'; server: Server; source: SourceRef }
  | { kind: 'entry'; entry: EntryPoint; source: SourceRef };

export function containsPos(r: Range, p: Position): boolean {
  const afterStart = p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character);
  const beforeEnd = p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character);
  return afterStart && beforeEnd;
}

const span = (r: Range) => (r.end.line - r.start.line) * 1e7 + (r.end.character - r.start.character);

/** Every element of the analysis written in `uri`, names and references first. */
function* elements(a: DocumentAnalysis): Generator<Element> {
  const { model, index } = a;
  for (const r of model.routes) {
    const t = r.target;
    if (t.kind === 'pool') yield { kind: 'poolRef', pool: index.resolve(t.name, t.namespace, t.poolId), name: t.name, namespace: t.namespace, source: t.nameSource };
    if (t.kind === 'split') {
      for (const p of t.parts) yield { kind: 'poolRef', pool: index.resolve(p.name, p.namespace, p.poolId), name: p.name, namespace: p.namespace, source: p.nameSource };
    }
    yield { kind: 'route', route: r, source: r.source };
  }
  for (const m of model.mentions) yield { kind: 'poolRef', pool: index.resolve(m.name, m.namespace), name: m.name, namespace: m.namespace, source: m.source };
  for (const p of model.pools) {
    if (p.synthesized) continue;
    yield { kind: 'pool', pool: p, source: p.nameSource };
    for (const s of p.servers) yield { kind: 'server', server: s, source: s.source };
    yield { kind: 'pool', pool: p, source: p.source };
  }
  for (const e of model.entries) yield { kind: 'entry', entry: e, source: e.source };
}

/** The innermost element at a position of the analysed document (among those `accept` takes). */
export function elementAt(a: DocumentAnalysis, pos: Position, accept?: (el: Element) => boolean): Element | undefined {
  let best: Element | undefined;
  for (const el of elements(a)) {
    if (el.source.uri !== a.uri || !containsPos(el.source.range, pos)) continue;
    if (accept && !accept(el)) continue;
    if (!best || span(el.source.range) < span(best.source.range)) best = el;
  }
  return best;
}
