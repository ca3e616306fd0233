import { isAlias, isMap, isScalar, isSeq, type Alias, type Document, type Node, type Pair, type YAMLMap } from 'yaml';

/**
 * YAML aliases (`*name`) and merge keys (`<<: *base`), resolved the way the products' loaders resolve them, without
 * ever expanding them.
 *
 * The `yaml` package keeps an alias as an `Alias` node; expanding aliases naively turns 600 bytes of nested aliases
 * (the "billion laughs") into billions of nodes. Here a document is measured instead: one walk in document order
 * binds each alias to the anchor it names (the most recent node with that anchor before it, YAML 1.2 §3.2.2.2),
 * and one memoised walk over that graph counts what a full expansion would build — in time linear in the
 * document, whatever the expansion. The loader (`yamlFile.ts`) refuses a document whose expansion is over budget;
 * the readers below then follow aliases and merge keys of accepted documents in place (`deref`, `mapPairs`).
 */

/** Every alias of a measured document → the node it names (absent: no such anchor). */
const targets = new WeakMap<Alias, Node>();

export interface AliasFacts {
  /** Aliases in the document. */
  aliases: number;
  /**
   * Nodes a full expansion visits, the document node included — go-yaml's `decodeCount` (each alias counts once
   * itself, then its target's nodes).
   */
  expanded: number;
  /** Of `expanded`, the nodes visited inside alias expansions — go-yaml's `aliasCount`. */
  viaAliases: number;
  /** Deepest nesting with aliases expanded. */
  depth: number;
  /** An alias whose value contains the alias itself (an endless value). */
  cycle?: Node;
  /** Aliases that name no anchor before them. */
  unknown: Alias[];
  /** The alias that expands to the most nodes, and how many. */
  largest?: Alias;
  largestSize: number;
}

const NONE: AliasFacts = { aliases: 0, expanded: 0, viaAliases: 0, depth: 0, unknown: [], largestSize: 0 };
const measured = new WeakMap<Document.Parsed, AliasFacts>();
/** Counts are capped here: exponential expansions would otherwise overflow to Infinity. */
const CAP = 1e15;

/** An alias-like token at the start of a node (`*name` after a space, `[`, `{` or `,`): only then is a walk needed. */
const ALIAS_LIKE = /(?:^|[\s[{,])\*[^\s[\]{},]/;

function kids(n: unknown): unknown[] {
  if (isMap(n)) {
    const out: unknown[] = [];
    for (const p of n.items) out.push(p.key, p.value);
    return out;
  }
  if (isSeq(n)) return n.items;
  return [];
}

const isNodeObject = (x: unknown): x is Node => !!x && typeof x === 'object';

/**
 * Record that a document has no alias (a partial re-parse: `incremental.ts` splices only documents without
 * anchors, aliases or merge keys, and never edited lines that hold one), so it is not searched for them.
 */
export function markWithoutAliases(doc: Document.Parsed): void {
  measured.set(doc, NONE);
}

/** Bind the document's aliases and measure their expansion (memoised per parsed document). */
export function aliasFacts(doc: Document.Parsed, text?: string): AliasFacts {
  const known = measured.get(doc);
  if (known) return known;
  if (text !== undefined && !ALIAS_LIKE.test(text)) {
    measured.set(doc, NONE);
    return NONE;
  }
  const root = doc.contents as Node | null;
  // 1. Bind aliases in document order (pre-order, keys before values).
  const anchors = new Map<string, Node>();
  const unknown: Alias[] = [];
  let aliases = 0;
  const order: unknown[] = [root];
  while (order.length) {
    const n = order.pop();
    if (!isNodeObject(n)) continue;
    if (isAlias(n)) {
      aliases++;
      const t = anchors.get(n.source);
      if (t) targets.set(n, t);
      else unknown.push(n);
      continue;
    }
    const anchor = (n as { anchor?: string }).anchor;
    if (anchor) anchors.set(anchor, n);
    const k = kids(n);
    for (let i = k.length - 1; i >= 0; i--) order.push(k[i]);
  }
  if (aliases === 0 || !root) {
    const f = { ...NONE, unknown };
    measured.set(doc, f);
    return f;
  }
  // 2. Measure the expansion: post-order over the graph (alias → target), memoised per node. A node met again
  // while it is still being measured is on the current path: only an alias can lead back there — a cycle.
  const size = new Map<Node, number>();
  const via = new Map<Node, number>();
  const deep = new Map<Node, number>();
  const facts: AliasFacts = { aliases, expanded: 0, viaAliases: 0, depth: 0, unknown, largestSize: 0 };
  const stack: Array<{ n: Node; open: boolean }> = [{ n: root, open: false }];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const n = top.n;
    const next = isAlias(n) ? [targets.get(n)] : kids(n);
    if (!top.open) {
      top.open = true;
      size.set(n, -1);
      for (const c of next) {
        if (!isNodeObject(c)) continue;
        const s = size.get(c);
        if (s === -1) {
          facts.cycle = n;
          measured.set(doc, facts);
          return facts;
        }
        if (s === undefined) stack.push({ n: c, open: false });
      }
      continue;
    }
    stack.pop();
    if (isAlias(n)) {
      const t = targets.get(n);
      const ts = t ? size.get(t)! : 0;
      size.set(n, Math.min(CAP, 1 + ts));
      via.set(n, ts);
      deep.set(n, t ? deep.get(t)! : 0);
      if (ts > facts.largestSize) {
        facts.largestSize = ts;
        facts.largest = n;
      }
    } else {
      let s = 1;
      let v = 0;
      let d = 0;
      for (const c of next) {
        if (!isNodeObject(c)) continue;
        s += size.get(c)!;
        v += via.get(c)!;
        d = Math.max(d, deep.get(c)!);
      }
      size.set(n, Math.min(CAP, s));
      via.set(n, Math.min(CAP, v));
      deep.set(n, isMap(n) || isSeq(n) ? d + 1 : 0);
    }
  }
  facts.expanded = Math.min(CAP, size.get(root)! + 1);
  facts.viaAliases = via.get(root)!;
  facts.depth = deep.get(root)!;
  measured.set(doc, facts);
  return facts;
}

/**
 * go-yaml's guard against alias bombs (yaml.v2 and yaml.v3 `decode.go`, `allowedAliasRatio`): a document is
 * refused with "document contains excessive aliasing" when more than 100 of over 1,000 decoded nodes came from
 * aliases and their share is above 99 % (documents up to 400,000 nodes), falling to 10 % at 4,000,000 nodes.
 * go-yaml checks this as it decodes, node by node; here it is checked on the totals, which differs only for
 * documents whose aliases all come before most of their own nodes.
 */
export function goRefusesAliasing(f: AliasFacts): boolean {
  const d = f.expanded;
  const a = f.viaAliases;
  return a > 100 && d > 1000 && a / d > allowedAliasRatio(d);
}

function allowedAliasRatio(decodeCount: number): number {
  if (decodeCount <= 400_000) return 0.99;
  if (decodeCount >= 4_000_000) return 0.1;
  return 0.99 - 0.89 * ((decodeCount - 400_000) / 3_600_000);
}

// ---- reading through aliases and merge keys ----

/** The node an alias names (undefined when it names no anchor); any other value as it is. */
export function deref(node: Node | null | undefined): Node | undefined {
  if (isAlias(node)) return targets.get(node);
  return node ?? undefined;
}

/**
 * A merge key: the plain scalar `<<` (YAML 1.1 merge type, tag:yaml.org,2002:merge). A quoted `"<<"` is a string,
 * as in go-yaml (`isMerge`: a `<<` that resolves to the merge tag).
 */
export function isMergeKey(key: unknown): boolean {
  if (!isScalar(key) || key.value !== '<<') return false;
  const type = (key as { type?: string }).type;
  const tag = key.tag;
  return (type === undefined || type === 'PLAIN') && (!tag || tag === 'tag:yaml.org,2002:merge' || tag === '!!merge');
}

const keyText = (p: Pair): string => {
  const k = deref(p.key as Node | null);
  return isScalar(k) ? String(k.value) : String(k ?? '');
};

const effective = new WeakMap<YAMLMap, Pair[]>();

/**
 * The entries of a map as a YAML 1.1 loader with merge keys sees them (yaml.org/type/merge.html, go-yaml, PyYAML):
 * its own entries, then those of each map a `<<` names (a map, or a list of maps where earlier ones win), unless
 * the key is written in the map itself. A map without `<<` is returned as it is.
 */
export function mapPairs(map: YAMLMap): readonly Pair[] {
  // Memoised (the map itself when it has no merge key): the lowerings look up many keys of each map.
  const known = effective.get(map);
  if (known) return known;
  const items = map.items as Pair[];
  let hasMerge = false;
  for (let i = 0; i < items.length && !hasMerge; i++) hasMerge = isMergeKey(items[i].key);
  if (!hasMerge) {
    effective.set(map, items);
    return items;
  }
  // Memoised first, so that a merge that leads back here (only in refused documents) ends.
  const out: Pair[] = [];
  effective.set(map, out);
  const seen = new Set<string>();
  for (const p of items) {
    if (isMergeKey(p.key)) continue;
    seen.add(keyText(p));
    out.push(p);
  }
  for (const p of items) {
    if (!isMergeKey(p.key)) continue;
    const v = deref(p.value as Node | null);
    const sources = isMap(v) ? [v] : isSeq(v) ? (v.items as Node[]).map((x) => deref(x)).filter((x): x is YAMLMap => isMap(x)) : [];
    for (const src of sources) {
      for (const q of mapPairs(src)) {
        const k = keyText(q);
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(q);
      }
    }
  }
  return out;
}
