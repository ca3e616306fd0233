import type { Server } from '../../model/types';
import type { Rule } from '../rule';

/**
 * LB105 — the same address appears twice in one pool (it silently doubles that server's share). Entries that
 * can take no traffic (down, disabled, weight 0: placeholders) do not count.
 */
export const LB105: Rule = {
  meta: { id: 'LB105', name: 'duplicate-server', title: 'The same address appears twice in one pool', defaultSeverity: 'warning' },
  check(ctx) {
    for (const pool of ctx.model.pools) {
      const seen = new Map<string, Server>();
      for (const s of pool.servers) {
        if (s.generated || s.kind === 'dynamic' || s.state === 'down' || s.state === 'disabled' || s.weight <= 0) continue;
        const first = seen.get(s.addressKey);
        if (!first) {
          seen.set(s.addressKey, s);
          continue;
        }
        ctx.report({
          source: s.source,
          message: `${s.address} appears twice in "${pool.name}"; it receives the traffic of both entries.`,
          related: [{ message: 'first defined here', source: first.source }],
          data: { poolId: pool.id, serverIds: [s.id], firstId: first.id },
        });
      }
    }
  },
};
