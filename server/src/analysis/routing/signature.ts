import type { Condition, RequestField } from '../../model/types';

/*
 * What a condition requires on its own, cheaply: literal prefixes of some fields and opaque atoms. Used to skip
 * routes that cannot match a request without evaluating them (the engine), and to find the routes whose requests
 * can overlap a given route's without comparing it with every other one (proofs and examples).
 */

export const LITERAL_FIELDS: RequestField[] = ['path', 'host', 'header:host', 'url', 'method'];

/** What a route requires on its own: a literal every value of some fields starts with, and opaque atoms. */
export interface Signature {
  /** Field → lower-case literal prefix (only non-trivial ones). */
  lits: Map<string, string>;
  /** Opaque condition text → required truth. */
  atoms: Map<string, boolean>;
  /** Fields it tests in any way (a regex without a literal start constrains a field without a literal). */
  tested: Set<string>;
}

/**
 * For each field, a literal every value of the route starts with, lower case; and the opaque conditions it
 * requires. Two routes whose literals on one field are not prefixes of one another, or that require one opaque
 * condition true and false, match no common request.
 */
export function signature(c: Condition): Signature {
  const lits = new Map<string, string>();
  const atoms = new Map<string, boolean>();
  const tested = new Set<string>();
  const mark = (x: Condition) => {
    if (x.kind === 'test') tested.add(x.field);
    else if (x.kind === 'not') mark(x.of);
    else if (x.kind === 'all' || x.kind === 'any') x.of.forEach(mark);
  };
  mark(c);
  const visit = (x: Condition) => {
    if (x.kind === 'all') for (const y of x.of) visit(y);
    else if (x.kind === 'opaque') atoms.set(x.text, true);
    else if (x.kind === 'not' && x.of.kind === 'opaque') atoms.set(x.of.text, false);
    else if (x.kind === 'test' && LITERAL_FIELDS.includes(x.field)) {
      const m = x.match;
      let lit = '';
      if (m.op === 'exact' || m.op === 'prefix') lit = m.value;
      else if (m.op === 'segment-prefix') lit = m.value.replace(/\/+$/, '');
      else if (m.op === 'glob') lit = m.value.slice(0, m.value.search(/[*?]|$/));
      else if (m.op === 'regex' && (m.anchored || m.value.startsWith('^')) && !/^\^?\(\?/.test(m.value) && !hasTopLevelAlternation(m.value)) {
        const body = m.value.replace(/^\^/, '');
        const stop = body.search(/[\\^$.|?*+()[\]{}]/);
        lit = stop < 0 ? body : body.slice(0, stop);
        // A quantifier applies to the character before it.
        if (stop > 0 && /[?*{]/.test(body[stop])) lit = lit.slice(0, -1);
      }
      lit = lit.toLowerCase();
      // Every path starts with "/": that literal constrains nothing.
      if (x.field === 'path' && lit === '/') lit = '';
      const prev = lits.get(x.field);
      if (lit && (prev === undefined || lit.length > prev.length)) lits.set(x.field, lit);
    }
  };
  visit(c);
  return { lits, atoms, tested };
}

const compatible = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);

export function mayOverlap(a: Signature, b: Signature): boolean {
  for (const [f, la] of a.lits) {
    const lb = b.lits.get(f);
    if (lb !== undefined && !compatible(la, lb)) return false;
  }
  for (const [t, v] of a.atoms) {
    const w = b.atoms.get(t);
    if (w !== undefined && w !== v) return false;
  }
  return true;
}

/** How many routes a proof may use (the nearest ones); using fewer can miss a finding, never invent one. */
export const MAX_CANDIDATES = 48;

/**
 * The routes of one list, each filed under its most selective requirement (an opaque condition, else its
 * longest literal), so that the routes that can take part of a given route's requests are found with a few
 * lookups instead of a scan of the whole list (a frontend with 20k `use_backend` rules, each on its own host).
 * A route filed under a requirement the given route does not share can only take part of its requests, and
 * finitely many such parts never cover a field's whole range of values; leaving them out is sound.
 */
export class OverlapIndex {
  private readonly sigs: Signature[];
  /** Positions of routes without requirements (they can cover anything), ascending. */
  private readonly free: number[] = [];
  private readonly byAtom = new Map<string, number[]>();
  private readonly byLit = new Map<string, Map<string, number[]>>();
  private readonly sortedLits = new Map<string, string[]>();
  /** The lengths of the literals filed under each field, ascending (the prefixes of a literal worth looking up). */
  private readonly litLengths = new Map<string, number[]>();
  /** Positions of the routes filed under a literal of each field, ascending. */
  private readonly byField = new Map<string, number[]>();

  constructor(conditions: Condition[]) {
    this.sigs = conditions.map(signatureOf);
    this.sigs.forEach((sig, pos) => {
      const atom = sig.atoms.entries().next();
      if (!atom.done) {
        push(this.byAtom, `${atom.value[1] ? '+' : '-'}${atom.value[0]}`, pos);
        return;
      }
      let best: [string, string] | undefined;
      for (const e of sig.lits) if (!best || e[1].length > best[1].length) best = e;
      if (!best) {
        this.free.push(pos);
        return;
      }
      let m = this.byLit.get(best[0]);
      if (!m) this.byLit.set(best[0], (m = new Map()));
      push(m, best[1], pos);
      push(this.byField, best[0], pos);
    });
    for (const [f, m] of this.byLit) {
      this.sortedLits.set(f, [...m.keys()].sort());
      this.litLengths.set(f, [...new Set([...m.keys()].map((k) => k.length))].sort((a, b) => a - b));
    }
  }

  /** Positions accepted by `range` whose requests may overlap those of the route at `self`, nearest first, at most MAX_CANDIDATES, ascending. */
  candidates(self: number, range: (pos: number) => boolean): number[] {
    return this.candidatesFor(this.sigs[self], self, range);
  }

  /**
   * The same for a route of another list (its signature `mine`): the routes of this list that may overlap it, the
   * nearest to position `self` first (-1: from the start of the list; a route's own position is never returned).
   */
  candidatesFor(mine: Signature, self: number, range: (pos: number) => boolean): number[] {
    const out: number[] = [];
    /** The routes of an ascending list nearest to `self` on either side (lists can be long). */
    const consider = (list: number[] | undefined) => {
      if (!list) return;
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (list[mid] < self) lo = mid + 1;
        else hi = mid;
      }
      const end = Math.min(list.length, lo + 2 * MAX_CANDIDATES);
      for (let i = Math.max(0, lo - 2 * MAX_CANDIDATES); i < end; i++) {
        const pos = list[i];
        if (pos !== self && range(pos) && mayOverlap(mine, this.sigs[pos])) out.push(pos);
      }
    };
    consider(this.free);
    for (const [t, v] of mine.atoms) consider(this.byAtom.get(`${v ? '+' : '-'}${t}`));
    // A field this route tests without a literal (a regex, a suffix): any route filed under that field may overlap.
    for (const f of mine.tested) if (!mine.lits.has(f)) consider(this.byField.get(f));
    for (const [f, lit] of mine.lits) {
      const m = this.byLit.get(f);
      if (!m) continue;
      for (const n of this.litLengths.get(f)!) {
        if (n > lit.length) break;
        consider(m.get(n === lit.length ? lit : lit.slice(0, n)));
      }
      const sorted = this.sortedLits.get(f)!;
      let a = 0;
      let b = sorted.length;
      while (a < b) {
        const mid = (a + b) >> 1;
        if (sorted[mid] <= lit) a = mid + 1;
        else b = mid;
      }
      for (let i = a, n = 0; i < sorted.length && sorted[i].startsWith(lit) && n < 4 * MAX_CANDIDATES; i++, n++) consider(m.get(sorted[i]));
    }
    const unique = [...new Set(out)].sort((a, b) => Math.abs(a - self) - Math.abs(b - self));
    return unique.slice(0, MAX_CANDIDATES).sort((a, b) => a - b);
  }
}

function push<K>(m: Map<K, number[]>, k: K, v: number): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}


const signatures = new WeakMap<Condition, Signature>();

/** A condition's signature, computed once per condition object. */
export function signatureOf(c: Condition): Signature {
  let s = signatures.get(c);
  if (!s) signatures.set(c, (s = signature(c)));
  return s;
}

/** Does a pattern have `|` outside groups and classes (then its literal start is not every alternative's)? */
export function hasTopLevelAlternation(p: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') i++;
    else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      if (p[i + 1] === '^') i++;
      if (p[i + 1] === ']') i++;
    } else if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === '|' && depth === 0) return true;
  }
  return false;
}
