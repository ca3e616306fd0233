/**
 * Quick fixes in nginx syntax. The rules say what is wrong (ids of routes, pools and servers in the finding's
 * `data`); this file finds the directives behind those ids in the document's syntax tree and edits them.
 * Only the document itself is ever edited, and only directives that stand alone on their lines are deleted
 * or moved, so indentation, comments and neighbouring directives are kept.
 */
import type { Pool, Route, Server, TrafficModel } from '../../model/types';
import { byId, FixText, posKey, serversById, shadowedBy } from '../fixText';
import type { Fix, FixContext, FixProvider } from '../types';
import { parseNginx, type Directive } from './parser';

/** Directives of a document by the position where they start (model elements carry the directive's range). */
let lastIndex: { text: string; map: Map<string, Directive> } | undefined;

function directivesByStart(text: string): Map<string, Directive> {
  // Fix-all asks once per finding of the same text: index it once.
  if (lastIndex?.text === text) return lastIndex.map;
  const map = new Map<string, Directive>();
  lastIndex = { text, map };
  const stack: Directive[][] = [parseNginx(text).directives];
  while (stack.length) {
    for (const d of stack.pop()!) {
      map.set(posKey(d.range.start), d);
      if (d.block?.length) stack.push(d.block);
    }
  }
  return map;
}

class NginxFixer {
  readonly t: FixText;
  private dirs?: Map<string, Directive>;

  constructor(readonly ctx: FixContext) {
    this.t = new FixText(ctx.uri, ctx.text);
  }

  get model(): TrafficModel {
    return this.ctx.model;
  }

  /** The directive behind a model element written in this document. */
  directive(el: { source: { uri: string; range: { start: { line: number; character: number } } } } | undefined): Directive | undefined {
    if (!el || el.source.uri !== this.ctx.uri) return undefined;
    this.dirs ??= directivesByStart(this.ctx.text);
    return this.dirs.get(posKey(el.source.range.start));
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

  /** Remove the parameters of a `server` directive that `drop` selects. */
  removeParams(s: Server, drop: (value: string) => boolean) {
    const d = this.directive(s);
    if (!d || d.name !== 'server') return [];
    const edits = [];
    for (let i = 1; i < d.args.length; i++) {
      if (drop(d.args[i].value)) edits.push(this.t.removeWord(d.args[i - 1].range.end, d.args[i].range));
    }
    return edits;
  }

  /** Delete a directive that stands alone on its lines. */
  deleteDirective(d: Directive | undefined) {
    if (!d || !this.t.ownsLines(d.range)) return undefined;
    return this.t.deleteLines(d.range.start.line, d.range.end.line);
  }
}

const label = (s: Server) => s.name ?? s.address;
const list = (servers: Server[]) =>
  servers.slice(0, 3).map(label).join(', ') + (servers.length > 3 ? ` and ${servers.length - 3} more` : '');

/** LB101/LB104: servers marked `down` (or NGINX Plus `drain`) take traffic again. */
function bringBack(f: NginxFixer, servers: Server[]): Fix[] {
  const idle = servers.filter((s) => s.state === 'down' || s.state === 'disabled');
  const edits = idle.flatMap((s) => f.removeParams(s, (v) => v === 'down' || v === 'drain'));
  if (edits.length === 0) return [];
  return [{ title: `Bring back ${list(idle)} (remove "down")`, kind: 'quickfix', edits }];
}

/** LB101/LB102/LB104: the pool's active servers get equal weight (`weight=` removed: nginx's default is 1). */
function equalWeights(f: NginxFixer, pool: Pool | undefined): Fix[] {
  if (!pool || pool.synthesized) return [];
  const active = pool.servers.filter((s) => s.state === 'active');
  if (active.length < 2 || active.every((s) => s.weight === active[0].weight)) return [];
  const edits = active.flatMap((s) => f.removeParams(s, (v) => v.startsWith('weight=')));
  if (edits.length === 0) return [];
  return [{ title: `Give the active servers of "${pool.name}" equal weight (remove "weight=")`, kind: 'quickfix', edits }];
}

/** LB103: the closest defined name, or a new `upstream` block before the server block. */
function undefinedReference(f: NginxFixer): Fix[] {
  const { diagnostic: d } = f.ctx;
  const fixes: Fix[] = [];
  const suggestion = d.data?.suggestion;
  if (typeof suggestion === 'string' && d.uri === f.ctx.uri) {
    fixes.push({ title: `Change to "${suggestion}"`, kind: 'quickfix', isPreferred: true, edits: [f.t.replace(d.range, suggestion)] });
  }
  const route = f.route(d.data?.routeId);
  const name = d.data?.name;
  const entry = route && byId(f.model).entries.get(route.entryId);
  // nginx resolves an unknown proxy_pass host through DNS, so the finding is on a host name: an upstream of that
  // name turns it into a pool reference (only without a port: "upstream may not have port").
  const bare = d.uri === f.ctx.uri && f.t.slice(d.range) === name;
  if (route && bare && typeof name === 'string' && /^[\w.-]+$/.test(name) && entry?.source.uri === f.ctx.uri) {
    const line = entry.source.range.start.line;
    if (f.t.line(line).slice(0, entry.source.range.start.character).trim() === '') {
      const indent = f.t.indent(line);
      const unit = f.t.indentUnit();
      const eol = f.t.eol;
      const block =
        `${indent}upstream ${name} {${eol}` +
        `${indent}${unit}server 127.0.0.1:8080;  # TODO: the servers of "${name}"${eol}` +
        `${indent}}${eol}${eol}`;
      fixes.push({ title: `Create upstream "${name}"`, kind: 'quickfix', edits: [f.t.insertLinesAfter(line - 1, block)] });
    }
  }
  return fixes;
}

/** LB106: delete the unreachable location, move the shadowing regex after it, or give a prefix `^~`. */
function unreachableRule(f: NginxFixer): Fix[] {
  const { diagnostic: d } = f.ctx;
  const route = f.route(d.data?.routeId);
  const shadow = f.route(d.data?.shadowedBy);
  if (!route) return [];
  const fixes: Fix[] = [];
  const dir = f.directive(route);
  const own = dir && f.directive(shadow);

  if (dir?.name === 'location' && shadow && route.evaluation.preemptedBy === shadow.evaluation.group && dir.args.length === 1) {
    // A plain prefix location loses to a regex that matches its requests; `^~` makes nginx skip the regexes.
    const at = dir.args[0].range.start;
    fixes.push({
      title: `Make "${route.name}" take precedence over regular expressions ("^~")`,
      kind: 'quickfix',
      edits: [f.t.edit(at, at, '^~ ')],
    });
  }
  if (own && shadow && dir && shadow.evaluation.group === route.evaluation.group && shadow.matchText !== route.matchText) {
    // Move the broader location after the last one it shadows.
    const shadowed = shadowedBy(f.ctx.diagnostics, shadow.id)
      .map((x) => f.route(x.data?.routeId))
      .filter((r): r is Route => !!r && r.evaluation.group === shadow.evaluation.group && r.source.uri === f.ctx.uri);
    const last = shadowed.reduce((a, b) => (b.source.range.end.line > a.source.range.end.line ? b : a), route);
    const lastDir = f.directive(last);
    if (lastDir && f.t.ownsLines(own.range) && f.t.ownsLines(lastDir.range) && own.range.end.line < lastDir.range.start.line) {
      fixes.push({
        title: `Move "${shadow.name}" after "${last.name}"`,
        kind: 'quickfix',
        edits: f.t.moveLinesAfter(own.range.start.line, own.range.end.line, lastDir.range.end.line),
      });
    }
  }
  const del = f.deleteDirective(dir);
  if (del) fixes.push({ title: `Delete the unreachable "${route.name}"`, kind: 'quickfix', edits: [del] });
  return fixes;
}

export const nginxFixes: FixProvider = {
  lineComment: '#',
  provideFixes(ctx) {
    const f = new NginxFixer(ctx);
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
        const edit = dup && f.deleteDirective(f.directive(dup));
        return edit ? [{ title: `Remove the duplicate server ${dup.address}`, kind: 'quickfix', isPreferred: true, edits: [edit] }] : [];
      }
      case 'LB106':
        return unreachableRule(f);
      case 'LB107': {
        // nginx checks passively unless max_fails=0: turning that back on is the fix.
        const servers = f.servers(data.serverIds);
        const edits = servers.flatMap((s) => f.removeParams(s, (v) => v === 'max_fails=0'));
        return edits.length
          ? [{ title: 'Turn passive health checks back on (remove "max_fails=0")', kind: 'quickfix', isPreferred: true, edits }]
          : [];
      }
      case 'LB110': {
        const pool = f.pool(data.poolId);
        const edit = pool && f.deleteDirective(f.directive(pool));
        return edit ? [{ title: `Remove the unused upstream "${pool.name}"`, kind: 'quickfix', edits: [edit] }] : [];
      }
      case 'LB002': {
        if (d.uri !== ctx.uri) return [];
        // `weight=0`: nginx wants a positive weight; 1 is its default.
        if (/^weight=0+$/.test(f.t.slice(d.range))) {
          return [{ title: 'Change to "weight=1"', kind: 'quickfix', isPreferred: true, edits: [f.t.replace(d.range, 'weight=1')] }];
        }
        return [];
      }
      default:
        return [];
    }
  },
};
