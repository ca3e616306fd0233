import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFuzz } from './harness';

/**
 * The short form of `npm run fuzz` inside `npm test`: a fixed seed, a few seconds of inputs of every category
 * (random bytes, truncations and mutations, every shape), checked as the full run checks them.
 */
describe('fuzz (short form of npm run fuzz)', () => {
  it('seed 7: no crash, hang, slow input, JavaScript message or read outside the workspace', async () => {
    // A fixed count (not a time limit), so the same inputs run on a fast and on a loaded machine.
    const report = await runFuzz({ seed: 7, count: 40, timeLimitMs: 120_000, timeoutMs: 15_000 });
    const lines = report.findings.map((f) => `#${f.index} ${f.problem} ${f.kind} (${f.detail}): ${f.info.split('\n')[0]}`);
    assert.equal(lines.join('\n'), '');
    assert.equal(report.inputs, 40);
  });
});
