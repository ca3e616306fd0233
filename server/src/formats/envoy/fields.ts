import { findPair, isMap, num, valueOf, type Node } from '../yaml/yamlFile';

const camelNames = new Map<string, string>();

/** `route_config` → `routeConfig` (the proto3 JSON name); memoised: the lowering asks for the same few names again and again. */
export function camel(key: string): string {
  let c = camelNames.get(key);
  if (c === undefined) {
    c = key.replace(/_([a-z0-9])/g, (_, x: string) => x.toUpperCase());
    if (camelNames.size < 1000) camelNames.set(key, c);
  }
  return c;
}

/** The value at a field, under its proto name or its JSON (lowerCamelCase) name. */
export function f(node: Node | null | undefined, key: string): Node | undefined {
  // findPair follows aliases and `<<` merge keys (bounded by yaml/aliases.ts); valueOf follows an aliased value.
  const pair = findPair(node, key) ?? (key.includes('_') ? findPair(node, camel(key)) : undefined);
  return valueOf(pair);
}

export function fp(node: Node | null | undefined, ...path: string[]): Node | undefined {
  let cur: Node | undefined = node ?? undefined;
  for (const k of path) cur = f(cur, k);
  return cur;
}

/** A wrapped scalar (`google.protobuf.UInt32Value` may be written `{value: 3}` in some generators). */
export function numf(node: Node | null | undefined, key: string): number | undefined {
  const v = f(node, key);
  return isMap(v) ? num(f(v, 'value')) : num(v);
}
