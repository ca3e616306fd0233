import type { EntryPoint, NamedDefinition, Pool, Route, Server, TrafficModel } from '../model/types';

const key = (namespace: string, name: string) => `${namespace}\u0000${name}`;

/** Lookup tables over one model, built once per analysis. */
export class ModelIndex {
  readonly poolById = new Map<string, Pool>();
  #serverById?: Map<string, Server>;
  readonly entryById = new Map<string, EntryPoint>();
  /** Pools by namespace and name, in definition order (several when a name is defined twice). */
  readonly poolsByName = new Map<string, Pool[]>();
  /** Routes that can send traffic to each pool id. */
  readonly routesByPool = new Map<string, Route[]>();
  /** Named definitions that are not pools (Traefik weighted services…), by namespace and name, in definition order. */
  readonly definitionsByName = new Map<string, NamedDefinition[]>();

  constructor(readonly model: TrafficModel) {
    for (const e of model.entries) this.entryById.set(e.id, e);
    for (const p of model.pools) {
      this.poolById.set(p.id, p);
      if (!p.synthesized) {
        const k = key(p.namespace, p.name);
        const list = this.poolsByName.get(k);
        if (list) list.push(p);
        else this.poolsByName.set(k, [p]);
      }
    }
    for (const d of model.definitions ?? []) {
      const k = key(d.namespace, d.name);
      const list = this.definitionsByName.get(k);
      if (list) list.push(d);
      else this.definitionsByName.set(k, [d]);
    }
    for (const r of model.routes) {
      const t = r.target;
      // Like `targetPools`, without an array per route.
      if (t.kind === 'pool') this.addRoute(this.resolve(t.name, t.namespace, t.poolId), r);
      else if (t.kind === 'address') this.addRoute(this.poolById.get(t.poolId), r);
      else if (t.kind === 'split') for (const part of t.parts) this.addRoute(this.resolve(part.name, part.namespace, part.poolId), r);
    }
  }

  /** Servers by id; built on first use (no rule needs it, and a large model has many servers). */
  get serverById(): Map<string, Server> {
    if (!this.#serverById) {
      this.#serverById = new Map();
      for (const p of this.model.pools) for (const s of p.servers) this.#serverById.set(s.id, s);
    }
    return this.#serverById;
  }

  private addRoute(pool: Pool | undefined, route: Route): void {
    if (!pool) return;
    const list = this.routesByPool.get(pool.id);
    if (list) list.push(route);
    else this.routesByPool.set(pool.id, [route]);
  }

  /** The pool a name refers to: the format's resolution when given, else the first definition of that name. */
  resolve(name: string, namespace: string, poolId?: string): Pool | undefined {
    if (poolId) return this.poolById.get(poolId);
    return this.poolsByName.get(key(namespace, name))?.[0];
  }

  /** Every pool a route may send traffic to (empty for dynamic, none, and unresolved targets). */
  targetPools(route: Route): Pool[] {
    const t = route.target;
    switch (t.kind) {
      case 'pool': {
        const p = this.resolve(t.name, t.namespace, t.poolId);
        return p ? [p] : [];
      }
      case 'address': {
        const p = this.poolById.get(t.poolId);
        return p ? [p] : [];
      }
      case 'split':
        return t.parts.flatMap((part) => {
          const p = this.resolve(part.name, part.namespace, part.poolId);
          return p ? [p] : [];
        });
      default:
        return [];
    }
  }

  /** The named definitions (not pools) of a name in a namespace; empty when there is none. */
  definitions(name: string, namespace: string): NamedDefinition[] {
    return this.definitionsByName.get(key(namespace, name)) ?? [];
  }

  /** Names a route can use in a namespace — pools and named definitions (for "did you mean"). */
  poolNames(namespace: string): string[] {
    const names: string[] = [];
    for (const p of this.model.pools) if (!p.synthesized && p.namespace === namespace) names.push(p.name);
    for (const d of this.model.definitions ?? []) if (d.namespace === namespace) names.push(d.name);
    return names;
  }
}
