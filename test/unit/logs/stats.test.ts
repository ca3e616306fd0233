import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chiSquareStatistic, chiSquareSurvival, gammaQ, lnGamma, normalCdf, normalQuantile, wilsonInterval } from '../../../server/src/service/logs/stats';

const close = (actual: number, expected: number, rel = 1e-6) =>
  assert.ok(Math.abs(actual - expected) <= rel * Math.max(1e-300, Math.abs(expected)), `${actual} ≉ ${expected}`);

describe('drift statistics', () => {
  it('ln Γ: integers and half-integers', () => {
    assert.ok(Math.abs(lnGamma(1)) < 1e-12);
    close(Math.exp(lnGamma(5)), 24, 1e-12);
    close(Math.exp(lnGamma(0.5)), Math.sqrt(Math.PI), 1e-12);
    close(lnGamma(100), 359.1342053695754, 1e-12);
  });

  it('chi-square survival at the tabulated critical values (NIST/SEMATECH e-Handbook, table 1.3.6.7.4)', () => {
    // [df, critical value at upper-tail probability 0.05, at 0.01]
    const table: Array<[number, number, number]> = [[1, 3.841, 6.635], [2, 5.991, 9.21], [5, 11.07, 15.086], [10, 18.307, 23.209], [30, 43.773, 50.892], [100, 124.342, 135.807]];
    for (const [df, c05, c01] of table) {
      close(chiSquareSurvival(c05, df), 0.05, 2e-3);
      close(chiSquareSurvival(c01, df), 0.01, 2e-3);
    }
    assert.equal(chiSquareSurvival(0, 3), 1);
    assert.ok(chiSquareSurvival(5000, 2) < 1e-300);
    close(gammaQ(1, 2), Math.exp(-2), 1e-12);
  });

  it('normal CDF and quantile (Φ⁻¹(0.975) = 1.959964, Φ⁻¹(0.999) = 3.090232, far tails)', () => {
    close(normalQuantile(0.975), 1.959963984540054, 1e-12);
    close(normalQuantile(0.999), 3.090232306167813, 1e-12);
    close(normalQuantile(0.5), 0, 1);
    close(normalQuantile(1e-10), -6.361340902404056, 1e-9);
    close(normalCdf(-3), 0.0013498980316301, 1e-9);
    for (const p of [1e-8, 0.01, 0.3, 0.7, 0.99]) close(normalCdf(normalQuantile(p)), p, 1e-9);
  });

  it('Wilson interval: 0 of 10 at 95% is [0, 0.2775]; symmetric around one half', () => {
    const w = wilsonInterval(0, 10, 0.05);
    close(w.high, 0.2775328, 1e-5);
    assert.ok(w.low < 1e-12);
    const h = wilsonInterval(50, 100, 0.05);
    close(h.low + h.high, 1, 1e-12);
    close(h.low, 0.4038315, 1e-5);
  });

  it('Pearson statistic: 204 rolls of a die (df 5)', () => {
    const { statistic, df } = chiSquareStatistic([22, 24, 38, 30, 46, 44], [1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6]);
    assert.equal(df, 5);
    close(statistic, 520 / 34, 1e-12); // Σ (o − 34)² / 34
  });
});
