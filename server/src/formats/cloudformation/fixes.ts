/**
 * Quick fixes in CloudFormation templates (YAML with short tags, or JSON) for AWS::ElasticLoadBalancingV2
 * resources. Property names are CloudFormation's; edits go through the shared declarative helpers.
 */
import type { Fix, FixProvider } from '../types';
import { DeclarativeFixer, clampFix, fix, hashUnlessJson, removeDuplicateFix, removeUnusedFix } from '../declarative/fixes';
import { bool, get, num, pair, str, type TNode } from '../declarative/tree';
import type { Range } from '../../model/types';

/** `Name` as a whole word (logical ids are alphanumeric). */
const word = (name: string) => new RegExp(`(?<![A-Za-z0-9])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9])`);

/**
 * Every way a template names a logical id outside its definition: `!Ref X`, `!GetAtt X.Arn`, `Fn::GetAtt: [X, …]`,
 * `${X}` / `${X.Arn}` in `Fn::Sub`, `DependsOn: X` — any scalar holding the id as a whole word.
 */
const mentioned = (f: DeclarativeFixer, id: string, except: Range) => f.mentionsOf([id], [except], true).length > 0;

/** The resource a pool or route of this template stands for (the value of its logical id). */
const resource = (f: DeclarativeFixer, el: { source: { uri: string; range: { start: { line: number; character: number } } } } | undefined) =>
  el && f.here(el) ? f.valueAtKey(el.source.range.start) : undefined;

/** LB103: the logical id inside the reference (`!Ref`, `Fn::GetAtt`, `!Sub '${…}'`) replaced by the closest target group. */
function renameReference(f: DeclarativeFixer): Fix[] {
  const d = f.ctx.diagnostic;
  const { name, suggestion } = d.data ?? {};
  if (typeof name !== 'string' || typeof suggestion !== 'string' || d.uri !== f.ctx.uri || !/^[A-Za-z0-9]+$/.test(suggestion)) return [];
  const ref = f.nodeAt(d.range);
  if (!ref) return [];
  const scalars: TNode[] = [];
  const collect = (n: TNode) => {
    if (n.kind === 'scalar') scalars.push(n);
    for (const p of n.pairs ?? []) collect(p.value);
    for (const i of n.items ?? []) collect(i);
  };
  collect(ref);
  for (const s of scalars) {
    const raw = f.t.slice(s.range);
    const m = word(name).exec(raw);
    if (s.range.start.line !== s.range.end.line || !m) continue;
    const start = { line: s.range.start.line, character: s.range.start.character + m.index };
    const end = { line: start.line, character: start.character + name.length };
    return fix(`Change to "${suggestion}"`, [f.t.edit(start, end, suggestion)], true);
  }
  return [];
}

/**
 * LB107: `HealthCheckEnabled: true` on the target group ("Indicates whether health checks are enabled. If the
 * target type is lambda, health checks are disabled by default"). Not preferred: the default check (`/`, 200)
 * may not suit the targets.
 */
function enableHealthChecks(f: DeclarativeFixer): Fix[] {
  const pool = f.pool(f.ctx.diagnostic.data?.poolId);
  const props = get(resource(f, pool), 'Properties');
  if (!props || props.kind !== 'map') return [];
  const enabled = pair(props, 'HealthCheckEnabled');
  const title = 'Enable health checks (HealthCheckEnabled: true)';
  if (!enabled) return fix(title, f.insertPair(props, 'HealthCheckEnabled', true));
  // Only a literal false: a condition or parameter is the template author's choice.
  return enabled.value.kind === 'scalar' && !enabled.value.tag && bool(enabled.value) === false ? fix(title, [f.replaceScalar(enabled.value, true)]) : [];
}

/** LB106: a ListenerRule that can never match (the rules before it take its requests) deleted, unless referenced. */
function deleteRule(f: DeclarativeFixer): Fix[] {
  const route = f.route(f.ctx.diagnostic.data?.routeId);
  const node = resource(f, route);
  const id = f.keyOf(node);
  if (!route || !node || !id || str(get(node, 'Type')) !== 'AWS::ElasticLoadBalancingV2::ListenerRule') return [];
  const own = f.pairOf(node)!.keyRange;
  if (mentioned(f, id, { start: own.start, end: node.range.end })) return [];
  return fix(`Delete the unreachable ListenerRule ${id}`, f.deleteNode(node));
}

/**
 * LB002: a ForwardConfig weight into 0–999 ("The range is 0 to 999"), a ListenerRule Priority into 1–50000 — unless
 * another rule of the template already has that priority (each may be used once per listener).
 */
function invalidValue(f: DeclarativeFixer): Fix[] {
  const d = f.ctx.diagnostic;
  if (d.uri !== f.ctx.uri) return [];
  const node = f.nodeAt(d.range);
  const value = num(node);
  if (!node || node.tag || value === undefined) return [];
  const key = f.keyOf(node);
  const clamp = (lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.round(value)));
  if (key === 'Weight') return clampFix(f, node, clamp(0, 999), value > 999 ? 'the maximum' : value < 0 ? 'the minimum' : 'an integer');
  if (key === 'Priority') {
    const p = clamp(1, 50000);
    const taken = f.mentionsOf([String(p)], [node.range]).some((n) => f.keyOf(n) === 'Priority');
    return taken ? [] : clampFix(f, node, p, value > 50000 ? 'the maximum' : value < 1 ? 'the minimum' : 'an integer');
  }
  return [];
}

export const albFixes: FixProvider = {
  lineComment: '#',
  lineCommentFor: hashUnlessJson,
  provideFixes(ctx) {
    const f = new DeclarativeFixer(ctx);
    const data = ctx.diagnostic.data ?? {};
    switch (ctx.diagnostic.ruleId) {
      case 'LB103':
        return renameReference(f);
      case 'LB105':
        return removeDuplicateFix(f);
      case 'LB106':
        return deleteRule(f);
      case 'LB107':
        return enableHealthChecks(f);
      case 'LB110': {
        const pool = f.pool(data.poolId);
        return pool ? removeUnusedFix(f, resource(f, pool), 'target group', [pool.name], true) : [];
      }
      case 'LB002':
        return invalidValue(f);
      default:
        return [];
    }
  },
};
