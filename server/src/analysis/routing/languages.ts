import { DFA, JS, NFA, Words } from 'refa';
import type { Condition, RequestField, StringMatch } from '../../model/types';
import { BudgetCache } from './budgetCache';
import { escapeLiteral, toLanguageSource } from './regex';

/**
 * Conditions as sets of requests, for proofs ("every request route B matches is taken by routes A1…An first") and
 * for example requests. A condition becomes a union of *boxes*; a box gives each field it constrains a set of
 * values — a regular language (a refa DFA) plus whether the field may be absent (a header not sent). Fields a box
 * does not mention may hold any value. Opaque conditions and matchers that are not regular languages (a CIDR, a
 * PCRE construct) are boolean *atoms*: the same text is the same atom, and an atom is never implied by anything
 * else, so they can only make a proof fail, never succeed wrongly.
 *
 * Everything is bounded: automata by node count, a proof by a work budget and a deadline; running out of either
 * is "undecidable", never a hang and never a finding.
 */

export class Undecidable extends Error {}

/** Work limits of one question. */
export class Budget {
  private ops = 0;
  constructor(private readonly maxOps = 4000, private readonly deadline = performance.now() + 50) {}
  spend(n = 1): void {
    this.ops += n;
    if (this.ops > this.maxOps) throw new Undecidable('the proof needs more steps than allowed');
    if ((this.ops & 15) === 0 && performance.now() > this.deadline) throw new Undecidable('the proof took too long');
  }
}

const NODE_LIMIT = 4000;
const dfaFactory = () => new DFA.LimitedNodeFactory(NODE_LIMIT);

/** The set of values of one field: a language over UTF-16 code units, plus "the field is absent". */
export interface FieldSet {
  dfa: DFA;
  absent: boolean;
}

/** Field name → its values; atoms are fields named `atom:…` whose values are `1` (holds) and `0`. */
export type Box = ReadonlyMap<string, FieldSet>;

// ---- automata from sources, cached ---------------------------------------------------------------------------

/**
 * Automata kept between analyses, bounded by their total number of nodes (a node holds a character map: roughly a
 * few hundred bytes), so memory does not grow with everything the server analysed.
 */
const CACHE_NODES = 150_000;
const dfaCache = new BudgetCache<DFA | Undecidable>(CACHE_NODES);

/** The minimal DFA of a JavaScript regex source (the `s` flag always on), cached; callers must not mutate it. */
function dfaOf(source: string, ignoreCase: boolean): DFA {
  const key = `${ignoreCase ? 'i' : ''}\u0000${source}`;
  let d = dfaCache.get(key);
  if (!d) {
    try {
      const { expression, maxCharacter } = JS.Parser.fromLiteral({ source, flags: ignoreCase ? 'si' : 's' })
        .parse({ assertions: 'throw', backreferences: 'throw' });
      const nfa = NFA.fromRegex(expression, { maxCharacter }, {}, new NFA.LimitedNodeFactory(NODE_LIMIT));
      d = DFA.fromFA(nfa, dfaFactory());
      d.minimize();
    } catch (e) {
      d = new Undecidable(`the pattern is too complex to compare (${(e as Error).message})`);
    }
    dfaCache.set(key, d, d instanceof Undecidable ? 1 : d.countNodes());
  }
  if (d instanceof Undecidable) throw d;
  return d;
}

// ---- fields ---------------------------------------------------------------------------------------------------

/**
 * The values a field can take in a well-formed request, so that proofs and examples stay within real requests:
 * a path starts with `/` and holds no `?`, `#` or white space; host names are lower case; a method is a token.
 */
function universeSource(field: string): { source: string; mayBeAbsent: boolean } {
  if (field.startsWith('atom:')) return { source: '[01]', mayBeAbsent: false };
  switch (field) {
    case 'path': return { source: '\\/[^?#\\x00-\\x20\\x7f]*', mayBeAbsent: false };
    case 'url': return { source: '\\/[^#\\x00-\\x20\\x7f]*', mayBeAbsent: false };
    case 'query': return { source: '[^#\\x00-\\x20\\x7f]*', mayBeAbsent: false };
    // Host names: dot-separated non-empty labels (or no Host at all: the empty name).
    case 'host': return { source: '(?:[a-z0-9_-]+(?:\\.[a-z0-9_-]+)*)?', mayBeAbsent: false };
    case 'sni': return { source: '[a-z0-9_-]+(?:\\.[a-z0-9_-]+)*', mayBeAbsent: true };
    case 'method': return { source: "[!#$%&'*+.^_`|~0-9A-Za-z-]+", mayBeAbsent: false };
    case 'scheme': return { source: 'https?', mayBeAbsent: false };
    case 'tls': return { source: 'on|off', mayBeAbsent: false };
    case 'port': return { source: '[1-9][0-9]{0,4}', mayBeAbsent: false };
    case 'src': return { source: '[0-9a-f.:]+', mayBeAbsent: true };
  }
  return { source: '[^\\x00-\\x1f\\x7f]*', mayBeAbsent: true }; // header:, arg:, cookie:
}

const universes = new Map<string, FieldSet>();
function universe(field: string): FieldSet {
  const kind = field.startsWith('atom:') ? 'atom:' : /^(header|arg|cookie):/.test(field) ? 'value' : field;
  let u = universes.get(kind);
  if (!u) {
    const { source, mayBeAbsent } = universeSource(field);
    u = { dfa: dfaOf(source, false), absent: mayBeAbsent };
    universes.set(kind, u);
  }
  return u;
}

function intersectDfa(a: DFA, b: DFA, budget: Budget): DFA {
  budget.spend(1 + ((a.countNodes() * b.countNodes()) >> 6));
  try {
    const d = DFA.fromIntersection(a, b, dfaFactory());
    d.minimize();
    return d;
  } catch (e) {
    throw new Undecidable(`automata too large (${(e as Error).message})`);
  }
}

function complementDfa(a: DFA, budget: Budget): DFA {
  budget.spend(1 + (a.countNodes() >> 6));
  const c = a.copy(dfaFactory());
  c.complement(dfaFactory());
  return c;
}

const fieldSetCache = new BudgetCache<FieldSet>(CACHE_NODES);

/** The values a `test` accepts, within the field's universe (cached). Undefined when it is not a regular language. */
function testSet(field: string, m: StringMatch): FieldSet | undefined {
  const key = `${field}\u0000${JSON.stringify(m)}`;
  const hit = fieldSetCache.get(key);
  if (hit) return hit;
  let source: string;
  let ignoreCase = 'ignoreCase' in m && !!m.ignoreCase;
  switch (m.op) {
    case 'exact': source = escapeLiteral(m.value); break;
    case 'prefix': source = `${escapeLiteral(m.value)}[^]*`; break;
    case 'suffix': source = `[^]*${escapeLiteral(m.value)}`; break;
    case 'contains': source = `[^]*${escapeLiteral(m.value)}[^]*`; break;
    case 'segment-prefix': {
      const v = m.value.replace(/\/+$/, '');
      source = v === '' ? '[^]*' : `${escapeLiteral(v)}(?:\\/[^]*)?`;
      break;
    }
    case 'glob':
      source = [...m.value].map((c) => (c === '*' ? '[^]*' : c === '?' ? '[^]' : escapeLiteral(c))).join('');
      break;
    case 'regex': {
      const t = toLanguageSource(m.value, m.dialect, !!m.ignoreCase, m.anchored);
      if (!t.ok) return undefined;
      source = t.source;
      ignoreCase = t.ignoreCase;
      break;
    }
    case 'present':
      source = '[^]*';
      break;
    case 'cidr':
      return undefined;
  }
  const u = universe(field);
  let set: FieldSet;
  try {
    const d = dfaOf(source, ignoreCase);
    set = { dfa: intersectDfa(u.dfa, d, new Budget(1e9, Infinity)), absent: false };
  } catch (e) {
    if (e instanceof Undecidable) return undefined;
    throw e;
  }
  fieldSetCache.set(key, set, set.dfa.countNodes());
  return set;
}

const ATOM_TRUE = () => ({ dfa: dfaOf('1', false), absent: false });
const ATOM_FALSE = () => ({ dfa: dfaOf('0', false), absent: false });

function isEmptySet(s: FieldSet): boolean {
  return !s.absent && s.dfa.isEmpty;
}

function intersectSet(a: FieldSet, b: FieldSet, budget: Budget): FieldSet {
  return { dfa: intersectDfa(a.dfa, b.dfa, budget), absent: a.absent && b.absent };
}

/** `a` without `b`, within the field's universe. */
function minusSet(field: string, a: FieldSet, b: FieldSet, budget: Budget): FieldSet {
  void field;
  return { dfa: intersectDfa(a.dfa, complementDfa(b.dfa, budget), budget), absent: a.absent && !b.absent };
}

function complementSet(field: string, s: FieldSet, budget: Budget): FieldSet {
  const u = universe(field);
  return { dfa: intersectDfa(u.dfa, complementDfa(s.dfa, budget), budget), absent: u.absent && !s.absent };
}

// ---- conditions as unions of boxes ----------------------------------------------------------------------------

/** Beyond this many boxes a condition is undecidable (an expression whose expansion explodes). */
export const MAX_BOXES = 64;

const atomKey = (text: string) => `atom:${text}`;

/**
 * A condition as a union of boxes (disjunctive normal form, negations pushed to the tests). Throws Undecidable when
 * it expands past MAX_BOXES or its automata past their limits.
 */
export function toBoxes(c: Condition, budget: Budget, positive = true): Box[] {
  budget.spend();
  switch (c.kind) {
    case 'not':
      return toBoxes(c.of, budget, !positive);
    case 'all':
    case 'any': {
      const conjunction = (c.kind === 'all') === positive;
      if (conjunction) {
        let acc: Box[] = [new Map()];
        for (const part of c.of) {
          const next: Box[] = [];
          const boxes = toBoxes(part, budget, positive);
          for (const a of acc) {
            for (const b of boxes) {
              const m = meet(a, b, budget);
              if (m) next.push(m);
              if (next.length > MAX_BOXES) throw new Undecidable(`the condition expands to more than ${MAX_BOXES} alternatives`);
            }
          }
          acc = next;
          if (acc.length === 0) break;
        }
        return acc;
      }
      const out: Box[] = [];
      for (const part of c.of) {
        out.push(...toBoxes(part, budget, positive));
        if (out.length > MAX_BOXES) throw new Undecidable(`the condition expands to more than ${MAX_BOXES} alternatives`);
      }
      return out;
    }
    case 'opaque':
      return [new Map([[atomKey(`opaque:${c.text}`), positive ? ATOM_TRUE() : ATOM_FALSE()]])];
    case 'test': {
      const set = testSet(c.field, c.match);
      if (!set) {
        // Not a regular language (CIDR, an unsupported regex): an atom named by the test itself.
        return [new Map([[atomKey(`test:${c.field}:${JSON.stringify(c.match)}`), positive ? ATOM_TRUE() : ATOM_FALSE()]])];
      }
      const s = positive ? set : complementSet(c.field, set, budget);
      return isEmptySet(s) ? [] : [new Map([[c.field, s]])];
    }
  }
}

/** The intersection of two boxes, or undefined when it is empty. */
function meet(a: Box, b: Box, budget: Budget): Box | undefined {
  if (a.size === 0) return b;
  if (b.size === 0) return a;
  const out = new Map(a);
  for (const [f, s] of b) {
    const prev = out.get(f);
    const next = prev ? intersectSet(prev, s, budget) : s;
    if (isEmptySet(next)) return undefined;
    out.set(f, next);
  }
  return out;
}

/**
 * `r` without `a`, as disjoint boxes: for the fields f1…fk that `a` constrains, the part of `r` outside `a` on f1,
 * then the part inside on f1 and outside on f2, and so on.
 */
function subtract(r: Box, a: Box, budget: Budget): Box[] {
  // Disjoint already? Then nothing is taken away.
  const inside = new Map<string, FieldSet>();
  for (const [f, s] of a) {
    const rs = r.get(f) ?? universe(f);
    const both = intersectSet(rs, s, budget);
    if (isEmptySet(both)) return [r];
    inside.set(f, both);
  }
  const pieces: Box[] = [];
  const acc = new Map(r);
  for (const [f, s] of a) {
    const rs = r.get(f) ?? universe(f);
    const outside = minusSet(f, rs, s, budget);
    if (!isEmptySet(outside)) {
      const piece = new Map(acc);
      piece.set(f, outside);
      pieces.push(piece);
    }
    acc.set(f, inside.get(f)!);
  }
  return pieces;
}

/** Beyond this many pieces left to cover, a proof gives up. */
const MAX_PIECES = 256;

export interface CoverResult {
  /** True when every request of `later` is in the union of `earlier`. */
  covered: boolean;
  /** Indices of the `earlier` unions that took part (their boxes met what was left). */
  by: number[];
  /** When not covered: requests of `later` none of `earlier` takes. */
  rest: Box[];
}

/** Does the union of `earlier` take every request of `later`? Throws Undecidable when the budget runs out. */
export function cover(later: Box[], earlier: ReadonlyArray<Box[]>, budget: Budget): CoverResult {
  let rest: Box[] = later;
  const by: number[] = [];
  for (let i = 0; i < earlier.length && rest.length > 0; i++) {
    let touched = false;
    for (const a of earlier[i]) {
      const next: Box[] = [];
      for (const r of rest) {
        const pieces = subtract(r, a, budget);
        if (pieces.length !== 1 || pieces[0] !== r) touched = true;
        next.push(...pieces);
        if (next.length > MAX_PIECES) throw new Undecidable('too many cases to compare');
      }
      rest = next;
      if (rest.length === 0) break;
    }
    if (touched) by.push(i);
  }
  return { covered: rest.length === 0, by, rest };
}

/** The automaton nodes of a list of boxes (the size of a cached entry). */
export function boxesSize(boxes: readonly Box[]): number {
  let n = 0;
  for (const b of boxes) for (const s of b.values()) n += s.dfa.countNodes();
  return n;
}

/** True when a box holds a request (boxes from `toBoxes`/`cover` never hold empty sets, so: always). */
export function boxIsEmpty(b: Box): boolean {
  for (const s of b.values()) if (isEmptySet(s)) return true;
  return false;
}

// ---- examples -------------------------------------------------------------------------------------------------

/**
 * One request of a box, as readable as refa can make it: each constrained field's value (undefined: absent), and
 * the atoms it assumes. Unconstrained fields are left out (any value).
 */
export function witness(b: Box): { values: Map<RequestField, string | undefined>; atoms: Map<string, boolean> } {
  const values = new Map<RequestField, string | undefined>();
  const atoms = new Map<string, boolean>();
  for (const [f, s] of b) {
    if (f.startsWith('atom:')) {
      atoms.set(f.slice(5), s.dfa.test(Words.fromStringToUTF16('1')));
      continue;
    }
    values.set(f as RequestField, s.dfa.isEmpty ? undefined : readableWord(s.dfa));
  }
  return { values, atoms };
}

/** Characters tried first on an edge, most readable first (a letter rather than a control character). */
const READABLE = 'abcdefghijklmnopqrstuvwxyz0123456789/-._ABCDEFGHIJKLMNOPQRSTUVWXYZ=&%:~!$\'()*+,;@ '.split('').map((c) => c.charCodeAt(0));

function readableChar(ranges: ReadonlyArray<{ min: number; max: number }>): number {
  for (const c of READABLE) if (ranges.some((r) => r.min <= c && c <= r.max)) return c;
  return ranges[0].min;
}

/**
 * A shortest word of a DFA, each character as readable as the edge allows: a breadth-first search over states (a
 * depth-first enumeration, as refa's `wordSets()` is, can follow a loop before the final state forever and run out
 * of memory on a language as plain as `*.example.io`). Bounded by the DFA's size.
 */
function readableWord(d: DFA): string {
  type N = DFA.ReadonlyNode;
  const parent = new Map<N, { from: N; char: number } | null>([[d.initial, null]]);
  const queue: N[] = [d.initial];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i];
    if (d.finals.has(node as DFA.Node)) {
      const chars: number[] = [];
      for (let p = parent.get(node); p; p = parent.get(p.from)) chars.push(p.char);
      return String.fromCharCode(...chars.reverse());
    }
    // Edges in the order of their most readable character, so the shortest word found is also readable.
    const edges: Array<{ to: N; char: number; rank: number }> = [];
    for (const [range, to] of node.out as Iterable<[{ min: number; max: number }, N]>) {
      if (parent.has(to)) continue;
      const char = readableChar([range]);
      const rank = READABLE.indexOf(char);
      edges.push({ to, char, rank: rank < 0 ? READABLE.length : rank });
    }
    edges.sort((a, b) => a.rank - b.rank);
    for (const e of edges) {
      if (parent.has(e.to)) continue;
      parent.set(e.to, { from: node, char: e.char });
      queue.push(e.to);
    }
  }
  return '';
}

/** Does a value belong to a field set (undefined: absent)? */
export function setHas(s: FieldSet, value: string | undefined): boolean {
  return value === undefined ? s.absent : s.dfa.test(Words.fromStringToUTF16(value));
}
