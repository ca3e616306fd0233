import { findPair, isMap, num, type Node } from '../yaml/yamlFile';

/** `route_config` → `routeConfig` (the proto3 JSON name). */
export const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The value at a field, under its proto name or its JSON (lowerCamelCase) name. */
export function f(node: Node | null | undefined, key: string): Node | undefined {
  if (!isMap(node)) return undefined;
  const pair = findPair(node, key) ?? (key.includes('_') ? findPair(node, camel(key)) : undefined);
  return (pair?.value as Node | null) ?? undefined;
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
