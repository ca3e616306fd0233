import type { Pool, Position, SourceRef } from '../model/types';
import { containsPos, elementAt } from './elements';
import type { DocumentAnalysis } from './languageService';

function poolAt(a: DocumentAnalysis, pos: Position): { pool?: Pool; name?: string; namespace?: string } {
  // The name of a named definition (a Traefik weighted service) is not an element: it holds no servers.
  const def = a.model.definitions?.find((d) => d.nameSource.uri === a.uri && containsPos(d.nameSource.range, pos));
  if (def) return { name: def.name, namespace: def.namespace };
  const el = elementAt(a, pos);
  if (!el) return {};
  if (el.kind === 'poolRef') return { pool: el.pool, name: el.name, namespace: el.namespace };
  if (el.kind === 'pool' && el.source === el.pool.nameSource) return { pool: el.pool, name: el.pool.name, namespace: el.pool.namespace };
  if (el.kind === 'route' && el.route.target.kind === 'pool') {
    const t = el.route.target;
    return { pool: a.index.resolve(t.name, t.namespace, t.poolId), name: t.name, namespace: t.namespace };
  }
  return {};
}

/** Go to definition: from a pool reference (or its route) to every definition of that name: pools and named definitions. */
export function getDefinition(a: DocumentAnalysis, pos: Position): SourceRef[] {
  const { name, namespace } = poolAt(a, pos);
  if (name === undefined || namespace === undefined) return [];
  return [
    ...a.model.pools.filter((p) => !p.synthesized && p.name === name && p.namespace === namespace).map((p) => p.nameSource),
    ...a.index.definitions(name, namespace).map((d) => d.nameSource),
  ];
}

/** Find references: every route target and mention of the name at the position (and its definitions), each place once. */
export function getReferences(a: DocumentAnalysis, pos: Position, includeDeclaration: boolean): SourceRef[] {
  const { name, namespace } = poolAt(a, pos);
  if (name === undefined) return [];
  const refs: SourceRef[] = [];
  if (includeDeclaration) refs.push(...getDefinition(a, pos));
  for (const r of a.model.routes) {
    const t = r.target;
    if (t.kind === 'pool' && t.name === name && t.namespace === namespace) refs.push(t.nameSource);
    if (t.kind === 'split') for (const p of t.parts) if (p.name === name && p.namespace === namespace) refs.push(p.nameSource);
  }
  for (const m of a.model.mentions) if (m.name === name && m.namespace === namespace) refs.push(m.source);
  // A weighted service reached by several routes names its parts once in the text, but once per route in the model.
  const seen = new Set<string>();
  return refs.filter((s) => {
    const k = `${s.uri}\u0000${s.range.start.line}:${s.range.start.character}-${s.range.end.line}:${s.range.end.character}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
