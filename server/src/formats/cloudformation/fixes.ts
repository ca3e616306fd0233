/**
 * Quick fixes in CloudFormation templates (YAML with short tags, or JSON) for AWS::ElasticLoadBalancingV2
 * resources. Property names are CloudFormation's; edits go through the shared declarative helpers.
 */
import type { Fix } from '../types';
import { DeclarativeFixer, declarativeFixProvider, fix, rangeFix, removeDuplicateFix, removeUnusedFix, walk } from '../declarative/fixes';
import { bool, get, num, pair, str } from '../declarative/tree';
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
  const { name, suggestion } = f.ctx.diagnostic.data ?? {};
  const ref = f.findingNode();
  if (typeof name !== 'string' || typeof suggestion !== 'string' || !ref || !/^[A-Za-z0-9]+$/.test(suggestion)) return [];
  for (const s of walk(ref)) {
    if (s.kind !== 'scalar') continue;
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
  const node = f.findingNode();
  const value = num(node);
  if (!node || node.tag || value === undefined) return [];
  const key = f.keyOf(node);
  if (key === 'Weight') return rangeFix(f, node, value, 0, 999);
  if (key !== 'Priority') return [];
  const p = Math.max(1, Math.min(50000, Math.round(value)));
  const taken = f.mentionsOf([String(p)], [node.range]).some((n) => f.keyOf(n) === 'Priority');
  return taken ? [] : rangeFix(f, node, value, 1, 50000);
}

export const albFixes = declarativeFixProvider({
  LB103: renameReference,
  LB105: removeDuplicateFix,
  LB106: deleteRule,
  LB107: enableHealthChecks,
  LB110: (f) => removeUnusedFix(f, 'target group', (pool) => resource(f, pool), { word: true }),
  LB002: invalidValue,
});
