import type {
  Comment, EntryPoint, FormatProblem, Pool, PoolMention, Range, Route, Server, SourceRef, TrafficModel,
} from './types';

/** Convenience for formats: collects model elements and hands out unique ids. */
export class ModelBuilder {
  readonly model: TrafficModel;
  private counter = 0;

  constructor(format: string, uri: string) {
    this.model = {
      format, uri, entries: [], routes: [], pools: [], problems: [], comments: [], mentions: [],
      closedWorld: true, files: [uri],
    };
  }

  id(prefix: string): string {
    return `${prefix}${++this.counter}`;
  }

  ref(range: Range, uri: string = this.model.uri): SourceRef {
    return { uri, range };
  }

  entry(e: Omit<EntryPoint, 'id'>): EntryPoint {
    const entry = { id: this.id('e'), ...e };
    this.model.entries.push(entry);
    return entry;
  }

  route(r: Omit<Route, 'id'>): Route {
    const route = { id: this.id('r'), ...r };
    this.model.routes.push(route);
    return route;
  }

  pool(p: Omit<Pool, 'id' | 'servers'> & { servers?: Server[] }): Pool {
    const pool: Pool = { id: this.id('p'), servers: [], ...p };
    this.model.pools.push(pool);
    return pool;
  }

  /** Add a pool built by the format itself (with its own ids, e.g. one reused from a previous model). */
  addPool(pool: Pool): Pool {
    this.model.pools.push(pool);
    return pool;
  }

  server(pool: Pool, s: Omit<Server, 'id' | 'poolId'>): Server {
    const server = { id: this.id('s'), poolId: pool.id, ...s };
    pool.servers.push(server);
    return server;
  }

  problem(ruleId: FormatProblem['ruleId'], message: string, source: SourceRef, related?: FormatProblem['related']): void {
    this.model.problems.push(related ? { ruleId, message, source, related } : { ruleId, message, source });
  }

  comment(c: Comment): void {
    this.model.comments.push(c);
  }

  mention(m: PoolMention): void {
    this.model.mentions.push(m);
  }
}
