/**
 * A cache bounded by the total size of what it holds (automaton nodes, not entries): the routing engine's caches of
 * regex automata and condition boxes must not grow with everything the server ever analysed. Least recently used
 * entries go first. Keys are strings; sizes are estimated by the caller when an entry is stored.
 */
export class BudgetCache<V> {
  private readonly map = new Map<string, { value: V; size: number }>();
  private total = 0;

  constructor(private readonly budget: number) {}

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    // Most recently used last.
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  set(key: string, value: V, size: number): void {
    const prev = this.map.get(key);
    if (prev) {
      this.total -= prev.size;
      this.map.delete(key);
    }
    const s = Math.max(1, size);
    if (s > this.budget) return; // larger than the whole budget: not kept
    this.map.set(key, { value, size: s });
    this.total += s;
    while (this.total > this.budget) {
      const oldest = this.map.keys().next().value!;
      this.total -= this.map.get(oldest)!.size;
      this.map.delete(oldest);
    }
  }

  get size(): number {
    return this.map.size;
  }
}
