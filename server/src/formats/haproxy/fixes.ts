/**
 * Quick fixes in HAProxy syntax. The rules say what is wrong (ids in the finding's `data`); this file finds
 * the statements behind them in the document's syntax tree (one statement per line) and edits them. Only the
 * document itself is edited; trailing comments and indentation are kept.
 */
import type { Pool, Route, Server, TrafficModel } from '../../model/types';
import { byId, FixText, posKey, serversById, shadowedBy } from '../fixText';
import type { Fix, FixContext, FixEdit, FixProvider } from '../types';
import { parseHaproxy, type Line, type Section } from './parser';

let lastIndex: { text: string; lines: Map<string, Line>; sections: Map<string, Section>; ordered?: Section[] } | undefined;

class HaproxyFixer {
  readonly t: FixText;
  private lines?: Map<string, Line>;
  private sections?: Map<string, Section>;

  constructor(readonly ctx: FixContext) {
    this.t = new FixText(ctx.uri, ctx.text);
  }

  get model(): TrafficModel {
    return this.ctx.model;
  }

  private index(): void {
    if (this.lines) return;
    // Fix-all asks once per finding of the same text: index it once.
    if (lastIndex?.text !== this.ctx.text) {
      const lines = new Map<string, Line>();
      const sections = new Map<string, Section>();
      for (const s of parseHaproxy(this.ctx.text).sections) {
        sections.set(posKey(s.range.start), s);
        lines.set(posKey(s.header.range.start), s.header);
        for (const l of s.lines) lines.set(posKey(l.range.start), l);
      }
      lastIndex = { text: this.ctx.text, lines, sections };
    }
    this.lines = lastIndex.lines;
    this.sections = lastIndex.sections;
  }

  /** The statement behind a server or route written in this document. */
  line(el: { source: { uri: string; range: { start: { line: number; character: number } } } } | undefined): Line | undefined {
    if (!el || el.source.uri !== this.ctx.uri) return undefined;
    this.index();
    return this.lines!.get(posKey(el.source.range.start));
  }

  section(pool: Pool | undefined): Section | undefined {
    if (!pool || pool.source.uri !== this.ctx.uri) return undefined;
    this.index();
    return this.sections!.get(posKey(pool.source.range.start));
  }

  sectionAt(line: number): Section | undefined {
    this.index();
    // Sections in file order, once per text; binary search (a scan per finding was quadratic).
    const list = (lastIndex!.ordered ??= [...this.sections!.values()].sort((a, b) => a.range.start.line - b.range.start.line));
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = list[mid];
      if (line < s.range.start.line) hi = mid - 1;
      else if (line > s.range.end.line) lo = mid + 1;
      else return s;
    }
    return undefined;
  }

  pool(id: unknown): Pool | undefined {
    return typeof id === 'string' ? byId(this.model).pools.get(id) : undefined;
  }

  route(id: unknown): Route | undefined {
    return typeof id === 'string' ? byId(this.model).routes.get(id) : undefined;
  }

  servers(ids: unknown): Server[] {
    return serversById(this.model, ids);
  }

  /** `server` lines of the given servers, each once (a `server-template` line stands for many servers). */
  serverLines(servers: Server[]): Line[] {
    const seen = new Set<Line>();
    for (const s of servers) {
      const l = this.line(s);
      if (l && (l.words[0].value === 'server' || l.words[0].value === 'server-template')) seen.add(l);
    }
    return [...seen];
  }

  /** Remove setting words of a server line: `take(i)` returns how many words from index i go (0: keep). */
  removeSettings(line: Line, take: (i: number) => number): FixEdit[] {
    const w = line.words;
    const first = w[0].value === 'server-template' ? 4 : 3;
    const edits: FixEdit[] = [];
    for (let i = first; i < w.length; i++) {
      const n = take(i);
      if (n <= 0) continue;
      const last = w[Math.min(i + n - 1, w.length - 1)];
      edits.push(this.t.removeWord(w[i - 1].range.end, { start: w[i].range.start, end: last.range.end }));
      i += n - 1;
    }
    return edits;
  }

  /** Delete a statement or section that stands alone on its lines. */
  deleteRange(range: { start: { line: number; character: number }; end: { line: number; character: number } } | undefined) {
    if (!range || !this.t.ownsLines(range)) return undefined;
    return this.t.deleteLines(range.start.line, range.end.line);
  }
}

const label = (s: Server) => s.name ?? s.address;
const list = (servers: Server[]) =>
  servers.slice(0, 3).map(label).join(', ') + (servers.length > 3 ? ` and ${servers.length - 3} more` : '');

/** LB101/LB104: `disabled` servers take traffic again. */
function bringBack(f: HaproxyFixer, servers: Server[]): Fix[] {
  const idle = servers.filter((s) => s.state === 'disabled');
  const edits = f.serverLines(idle).flatMap((l) => f.removeSettings(l, (i) => (l.words[i].value === 'disabled' ? 1 : 0)));
  if (edits.length === 0) return [];
  return [{ title: `Bring back ${list(idle)} (remove "disabled")`, kind: 'quickfix', edits }];
}

/** LB101/LB102/LB104: the pool's active servers get equal weight (`weight N` removed: the default is 1). */
function equalWeights(f: HaproxyFixer, pool: Pool | undefined): Fix[] {
  if (!pool || pool.shareModel === 'first') return [];
  const active = pool.servers.filter((s) => s.state === 'active');
  if (active.length < 2 || active.every((s) => s.weight === active[0].weight && s.weight > 0)) return [];
  const edits = f.serverLines(active).flatMap((l) => f.removeSettings(l, (i) => (l.words[i].value === 'weight' ? 2 : 0)));
  if (edits.length === 0) return [];
  return [{ title: `Give the active servers of "${pool.name}" equal weight (remove "weight")`, kind: 'quickfix', edits }];
}

/** LB103: the closest defined backend, or a new backend at the end of the file. */
function undefinedReference(f: HaproxyFixer): Fix[] {
  const { diagnostic: d } = f.ctx;
  const fixes: Fix[] = [];
  const suggestion = d.data?.suggestion;
  if (typeof suggestion === 'string' && d.uri === f.ctx.uri) {
    fixes.push({ title: `Change to "${suggestion}"`, kind: 'quickfix', isPreferred: true, edits: [f.t.replace(d.range, suggestion)] });
  }
  const route = f.route(d.data?.routeId);
  const name = d.data?.name;
  if (route?.target.kind === 'pool' && typeof name === 'string' && /^[A-Za-z0-9_.:-]+$/.test(name)) {
    const unit = f.t.indentUnit();
    const eol = f.t.eol;
    // The backend must speak the frontend's mode when the frontend sets one itself.
    const frontend = f.sectionAt(route.source.range.start.line);
    const mode = frontend?.lines.find((l) => l.words[0].value === 'mode' && l.words[1])?.words[1].value;
    let block = `${eol}backend ${name}${eol}`;
    if (mode) block += `${unit}mode ${mode}${eol}`;
    block += `${unit}server ${name}1 127.0.0.1:8080 check  # TODO: the servers of "${name}"${eol}`;
    // Append after the last non-blank line.
    let after = f.t.lines.length - 1;
    while (after > 0 && f.t.line(after).trim() === '') after--;
    fixes.push({ title: `Create backend "${name}"`, kind: 'quickfix', edits: [f.t.insertLinesAfter(after, block)] });
  }
  return fixes;
}

/** LB106: delete the unreachable rule, or move the broader rule after the ones it shadows. */
function unreachableRule(f: HaproxyFixer): Fix[] {
  const { diagnostic: d } = f.ctx;
  const route = f.route(d.data?.routeId);
  const shadow = f.route(d.data?.shadowedBy);
  if (!route) return [];
  const fixes: Fix[] = [];
  const line = f.line(route);
  const shadowLine = f.line(shadow);
  if (line && shadowLine && shadow && shadow.evaluation.group === route.evaluation.group && shadow.matchText !== route.matchText
    && shadowLine.words[0].value === 'use_backend') {
    const shadowed = shadowedBy(f.ctx.diagnostics, shadow.id)
      .map((x) => f.route(x.data?.routeId))
      .filter((r): r is Route => !!r && r.evaluation.group === shadow.evaluation.group && r.source.uri === f.ctx.uri)
      .map((r) => f.line(r))
      .filter((l): l is Line => !!l && l.words[0].value === 'use_backend');
    const last = shadowed.reduce((a, b) => (b.range.start.line > a.range.start.line ? b : a), line);
    if (last.words[0].value === 'use_backend' && f.t.ownsLines(shadowLine.range) && f.t.ownsLines(last.range)
      && shadowLine.range.start.line < last.range.start.line) {
      const after = last.range.start.line;
      fixes.push({
        title: `Move "${shadow.name}" after "${last.words.map((w) => w.value).join(' ')}"`,
        kind: 'quickfix',
        edits: f.t.moveLinesAfter(shadowLine.range.start.line, shadowLine.range.end.line, after),
      });
    }
  }
  const del = line && f.deleteRange(line.range);
  if (del) fixes.push({ title: `Delete the unreachable "${route.name}"`, kind: 'quickfix', edits: [del] });
  return fixes;
}

export const haproxyFixes: FixProvider = {
  lineComment: '#',
  provideFixes(ctx) {
    const f = new HaproxyFixer(ctx);
    const d = ctx.diagnostic;
    const data = d.data ?? {};
    switch (d.ruleId) {
      case 'LB101':
      case 'LB104': {
        const pool = f.pool(data.poolId);
        return [...bringBack(f, f.servers(data.serverIds)), ...equalWeights(f, pool)];
      }
      case 'LB102':
        return equalWeights(f, f.pool(data.poolId));
      case 'LB103':
        return undefinedReference(f);
      case 'LB105': {
        const [dup] = f.servers(data.serverIds);
        const line = dup && !dup.generated ? f.line(dup) : undefined;
        const edit = line && f.deleteRange(line.range);
        return edit ? [{ title: `Remove the duplicate server ${label(dup)} (${dup.address})`, kind: 'quickfix', isPreferred: true, edits: [edit] }] : [];
      }
      case 'LB106':
        return unreachableRule(f);
      case 'LB107': {
        const lines = f.serverLines(f.servers(data.serverIds));
        const edits = lines.map((l) => f.t.edit(l.range.end, l.range.end, ' check'));
        const pool = f.pool(data.poolId);
        return edits.length
          ? [{ title: `Add "check" to the servers of "${pool?.name ?? ''}"`, kind: 'quickfix', isPreferred: true, edits }]
          : [];
      }
      case 'LB110': {
        const pool = f.pool(data.poolId);
        const section = f.section(pool);
        const edit = section && f.deleteRange(section.range);
        return edit ? [{ title: `Remove the unused ${section.keyword} "${pool!.name}"`, kind: 'quickfix', edits: [edit] }] : [];
      }
      case 'LB002': {
        if (d.uri !== ctx.uri) return [];
        const word = f.t.slice(d.range);
        // "Weight 300 is not within 0 and 256." → 256; "Weight "10x" is not an integer; HAProxy reads it as 10." → 10.
        const over = /^Weight (\d+) is not within 0 and (\d+)\./.exec(d.message);
        if (over && word === over[1] && Number(over[1]) > Number(over[2])) {
          return [{ title: `Change the weight to ${over[2]} (the maximum)`, kind: 'quickfix', isPreferred: true, edits: [f.t.replace(d.range, over[2])] }];
        }
        const reads = /^Weight ".*" is not an integer; HAProxy reads it as (\d+)\./.exec(d.message);
        if (reads && Number(reads[1]) >= 1 && Number(reads[1]) <= 256) {
          return [{ title: `Change the weight to ${reads[1]} (what HAProxy reads)`, kind: 'quickfix', isPreferred: true, edits: [f.t.replace(d.range, reads[1])] }];
        }
        return [];
      }
      default:
        return [];
    }
  },
};
