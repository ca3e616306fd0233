import { isAlias, isMap, isScalar, isSeq, type Node } from 'yaml';
import { deref, isMergeKey } from '../yaml/aliases';
import type { Range } from '../../model/types';
import { MAX_EXPANDED_DEPTH, type YamlDoc, type YamlFile } from '../yaml/yamlFile';

/**
 * A small, format-neutral value tree with exact ranges, shared by the declarative formats (Traefik, Kubernetes,
 * CloudFormation). YAML/JSON documents (through `yaml/yamlFile.ts`) and TOML (`traefik/toml.ts`) are both
 * converted into it, so the lowering code reads `get(node, 'http', 'routers')` whatever the syntax was.
 */
export interface TNode {
  kind: 'map' | 'seq' | 'scalar';
  /** Range of the value. */
  range: Range;
  /** Range of the key when this node is the value of a map entry. */
  keyRange?: Range;
  /** YAML tag as written (`!Ref`, `!GetAtt`), for CloudFormation short forms. */
  tag?: string;
  value?: string | number | boolean | null;
  items?: TNode[];
  pairs?: TPair[];
}

export interface TPair {
  key: string;
  keyRange: Range;
  value: TNode;
}

/**
 * Nesting converted. Accepted documents never reach it: `loadYaml` refuses documents nested deeper than
 * `MAX_YAML_DEPTH`, or deeper than `MAX_EXPANDED_DEPTH` with aliases expanded.
 */
const MAX_DEPTH = MAX_EXPANDED_DEPTH + 1;

/** Convert one YAML document of a file into a tree (null for an empty document). */
export function fromYamlDoc(doc: YamlDoc): TNode | null {
  const root = doc.root;
  if (!root) return null;
  return convert(doc, root, 0);
}

const keyString = (k: unknown): string => {
  const n = deref(k as Node | null);
  return isScalar(n) ? String(n.value) : n ? String(n) : '';
};

/**
 * Aliases become copies of the node they name (ranged at the alias), as the products' loaders expand them; the
 * loader has bounded what the copies may add up to (`MAX_ALIAS_NODES`).
 */
function convert(doc: YamlDoc, node: Node, depth: number): TNode {
  const range = doc.range(node);
  if (depth > MAX_DEPTH) return { kind: 'scalar', range, value: null };
  if (isAlias(node)) {
    const target = deref(node);
    if (!target) return { kind: 'scalar', range, value: null };
    const t = convert(doc, target, depth);
    return { ...t, range };
  }
  const tag = (node as { tag?: string }).tag;
  if (isMap(node)) {
    const pairs: TPair[] = [];
    // Keys written in the map win over merged ones, wherever the `<<` is (yaml.org/type/merge.html).
    const seen = new Set<string>();
    for (const p of node.items) if (!isMergeKey(p.key)) seen.add(keyString(p.key));
    for (const p of node.items) {
      const k = p.key as Node | null;
      const v = p.value as Node | null;
      // `<<: *base` (or `<<: [*a, *b]`, earlier maps winning): the entries of the merged maps not written here.
      if (isMergeKey(k)) {
        if (!v) continue;
        const merged = convert(doc, v, depth + 1);
        const sources = merged.kind === 'map' ? [merged] : (merged.items ?? []).filter((m) => m.kind === 'map');
        for (const src of sources) {
          for (const mp of src.pairs ?? []) {
            if (seen.has(mp.key)) continue;
            seen.add(mp.key);
            pairs.push(mp);
          }
        }
        continue;
      }
      const key = keyString(k);
      const keyRange = k ? doc.range(k) : range;
      const value: TNode = v
        ? convert(doc, v, depth + 1)
        : { kind: 'scalar', range: { start: keyRange.end, end: keyRange.end }, value: null };
      value.keyRange = keyRange;
      pairs.push({ key, keyRange, value });
    }
    return { kind: 'map', range, pairs, tag: customTag(tag) };
  }
  if (isSeq(node)) {
    return { kind: 'seq', range, items: (node.items as Node[]).map((n) => convert(doc, n, depth + 1)), tag: customTag(tag) };
  }
  if (isScalar(node)) {
    const v = node.value;
    const value = v === null || v === undefined ? null : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' ? v : String(v);
    return { kind: 'scalar', range, value, tag: customTag(tag) };
  }
  return { kind: 'scalar', range, value: null };
}

/** Only non-standard tags are kept (`!Ref`), not the core schema's `tag:yaml.org,2002:str`. */
function customTag(tag: string | undefined): string | undefined {
  return tag && tag.startsWith('!') ? tag : undefined;
}

/** Every non-empty document of a YAML file as a tree. */
export function yamlTrees(file: YamlFile): TNode[] {
  const out: TNode[] = [];
  for (const d of file.docs) {
    const t = fromYamlDoc(d);
    if (t) out.push(t);
  }
  return out;
}

// ---- readers ----

export function pair(node: TNode | undefined, key: string): TPair | undefined {
  if (!node || node.kind !== 'map') return undefined;
  for (const p of node.pairs!) if (p.key === key) return p;
  return undefined;
}

/** A case-insensitive key lookup (Traefik's file provider decodes keys case-insensitively). */
export function pairCI(node: TNode | undefined, key: string): TPair | undefined {
  if (!node || node.kind !== 'map') return undefined;
  const k = key.toLowerCase();
  for (const p of node.pairs!) if (p.key.toLowerCase() === k) return p;
  return undefined;
}

export function get(node: TNode | undefined, ...path: string[]): TNode | undefined {
  let cur = node;
  for (const key of path) {
    cur = pair(cur, key)?.value;
    if (!cur) return undefined;
  }
  return cur;
}

export function getCI(node: TNode | undefined, ...path: string[]): TNode | undefined {
  let cur = node;
  for (const key of path) {
    cur = pairCI(cur, key)?.value;
    if (!cur) return undefined;
  }
  return cur;
}

export function str(node: TNode | undefined): string | undefined {
  if (!node || node.kind !== 'scalar' || node.value === null || node.value === undefined) return undefined;
  return typeof node.value === 'number' ? numberText(node.value) : String(node.value);
}

/** A number as YAML writes it: `.nan`, `.inf` and `-.inf` rather than JavaScript's NaN and Infinity (messages quote it). */
export const numberText = (n: number): string => (Number.isNaN(n) ? '.nan' : n === Infinity ? '.inf' : n === -Infinity ? '-.inf' : String(n));

export function num(node: TNode | undefined): number | undefined {
  const s = str(node);
  if (s === undefined || s.trim() === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

export function bool(node: TNode | undefined): boolean | undefined {
  if (!node || node.kind !== 'scalar') return undefined;
  if (typeof node.value === 'boolean') return node.value;
  if (typeof node.value === 'string') {
    const v = node.value.toLowerCase();
    if (v === 'true') return true;
    if (v === 'false') return false;
  }
  return undefined;
}

export function seq(node: TNode | undefined): TNode[] {
  return node && node.kind === 'seq' ? node.items! : [];
}

export function pairs(node: TNode | undefined): TPair[] {
  return node && node.kind === 'map' ? node.pairs! : [];
}

/** Strings of a sequence, or a single scalar as a one-element list. */
export function strings(node: TNode | undefined): string[] {
  if (!node) return [];
  if (node.kind === 'seq') return node.items!.map(str).filter((s): s is string => s !== undefined);
  const s = str(node);
  return s === undefined ? [] : [s];
}

/** Plain JS value of a node (for messages and fallbacks). */
export function toJs(node: TNode | undefined): unknown {
  if (!node) return undefined;
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items!.map(toJs);
  return Object.fromEntries(node.pairs!.map((p) => [p.key, toJs(p.value)]));
}

/** The range of a key when the node is a map value, else the node's own range. */
export const anchor = (node: TNode): Range => node.keyRange ?? node.range;
