import { ModelBuilder } from '../../server/src/model/builder';
import { addressKey, classifyAddress } from '../../server/src/model/address';
import type { Condition, MatchCondition, Pool, Route, RouteTarget, Server, SourceRef, TrafficModel } from '../../server/src/model/types';

/**
 * A tiny DSL to write traffic models directly in rule and distribution tests, independent of any format.
 * Every element gets its own line (in creation order) so that ranges and suppressions can be asserted.
 */
export class TestModel {
  readonly b = new ModelBuilder('test', 'file:///test.conf');
  private line = 0;
  readonly entry;

  constructor() {
    this.entry = this.b.entry({ name: 'entry', namespace: 'http', listen: ['80'], hosts: [], source: this.at(), selection: this.at() });
  }

  /** A fresh one-line SourceRef; `lines` > 1 makes a block. */
  at(lines = 1): SourceRef {
    const start = this.line;
    this.line += lines;
    return this.b.ref({ start: { line: start, character: 0 }, end: { line: start + lines - 1, character: 40 } });
  }

  pool(
    name: string,
    servers: Array<string | { address: string; name?: string; weight?: number; state?: Server['state']; kind?: Server['kind']; check?: boolean; mayBeMultiple?: boolean }>,
    opts: Partial<Pick<Pool, 'algorithm' | 'shareModel' | 'backupPolicy' | 'healthCheck' | 'synthesized' | 'referencedElsewhere' | 'notATrafficPool' | 'dynamicServers'>> = {},
  ): Pool {
    const header = this.at();
    const pool = this.b.pool({
      name, namespace: 'http', kind: 'upstream', synthesized: false, algorithm: 'roundrobin', shareModel: 'weighted',
      backupPolicy: 'all', healthCheck: { active: false, passive: true }, ...opts, source: header, nameSource: header,
    });
    for (const s of servers) {
      const spec = typeof s === 'string' ? { address: s } : s;
      this.b.server(pool, {
        name: spec.name, address: spec.address, addressKey: addressKey(spec.address, '80'), weight: spec.weight ?? 1,
        state: spec.state ?? 'active', kind: spec.kind ?? classifyAddress(spec.address), mayBeMultiple: spec.mayBeMultiple,
        healthCheck: spec.check ? { active: true, passive: false } : undefined, source: this.at(),
      });
    }
    // The pool's block spans its servers.
    pool.source = { uri: header.uri, range: { start: header.range.start, end: { line: this.line - 1, character: 40 } } };
    return pool;
  }

  route(
    name: string,
    target: string | RouteTarget | { address: string } | { split: Array<[string, number]> } | null,
    opts: { match?: MatchCondition[]; when?: Condition; catchAll?: boolean; strategy?: Route['evaluation']['strategy']; index?: number; priority?: number; group?: string; preemptedBy?: string } = {},
  ): Route {
    const source = this.at();
    let t: RouteTarget;
    if (target === null) t = { kind: 'none', reason: 'static' };
    else if (typeof target === 'string') t = { kind: 'pool', name: target, namespace: 'http', nameSource: source };
    else if ('address' in target && !('kind' in target)) {
      const pool = this.b.pool({
        name: target.address, namespace: 'http', kind: 'address', synthesized: true, algorithm: 'none', shareModel: 'weighted',
        backupPolicy: 'all', healthCheck: { active: false, passive: true }, source, nameSource: source,
      });
      this.b.server(pool, { address: target.address, addressKey: addressKey(target.address, '80'), weight: 1, state: 'active', kind: classifyAddress(target.address), source });
      t = { kind: 'address', address: target.address, poolId: pool.id, nameSource: source };
    } else if ('split' in target) {
      t = { kind: 'split', parts: target.split.map(([n, w]) => ({ name: n, namespace: 'http', weight: w, nameSource: source })) };
    } else t = target as RouteTarget;
    const route = this.b.route({
      entryId: this.entry.id, name, matchText: name, match: opts.match ?? [], catchAll: opts.catchAll ?? false,
      evaluation: { group: opts.group ?? 'g', strategy: opts.strategy ?? 'first-match', index: opts.index ?? this.b.model.routes.length },
      priority: opts.priority, target: t, source,
    });
    if (opts.when) route.when = opts.when;
    if (opts.preemptedBy) route.evaluation.preemptedBy = opts.preemptedBy;
    return route;
  }

  comment(text: string): void {
    this.b.comment({ text, source: this.at() });
  }

  get model(): TrafficModel {
    return this.b.model;
  }
}

export const prefix = (value: string): MatchCondition => ({ field: 'path', op: 'prefix', value });
export const opaque = (value: string, negated = false): MatchCondition => ({ field: 'acl', op: 'opaque', value, negated });
