/**
 * The few distribution functions the drift test needs, written here rather than pulled in: npm's statistics
 * packages are either large (jStat, simple-statistics — we need three functions) or split into hundreds of
 * modules (@stdlib). These are the textbook algorithms, checked in test/unit/logs/stats.test.ts against published
 * tables (chi-square critical values, normal quantiles) to 6+ significant digits:
 *
 * - ln Γ by the Lanczos approximation (g = 7, n = 9; relative error < 1e-13 for x > 0);
 * - the regularised incomplete gamma functions P(a, x) and Q(a, x) = 1 − P by their power series for x < a + 1
 *   and Legendre's continued fraction (modified Lentz) otherwise — Numerical Recipes §6.2;
 * - the chi-square survival function Q(k/2, x/2), the normal CDF through erfc(x) = Q(1/2, x²);
 * - the normal quantile by Acklam's rational approximation refined by one Halley step (full double precision);
 * - Wilson's score interval for a binomial proportion.
 */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

const EPS = 1e-15;
const TINY = 1e-300;

/** Regularised upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a), for a > 0, x ≥ 0. */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) return NaN;
  if (x === 0) return 1;
  const lnPrefix = a * Math.log(x) - x - lnGamma(a);
  if (x < a + 1) {
    // P by its series: x^a e^-x / Γ(a+1) Σ x^n / ((a+1)…(a+n))
    let ap = a;
    let sum = 1 / a;
    let del = sum;
    for (let n = 0; n < 10_000; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * EPS) break;
    }
    return Math.max(0, 1 - sum * Math.exp(lnPrefix));
  }
  // Q by the continued fraction (modified Lentz).
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return Math.min(1, Math.exp(lnPrefix) * h);
}

/** P(χ²_k ≥ x): the p-value of a chi-square statistic with k degrees of freedom. */
export function chiSquareSurvival(x: number, k: number): number {
  if (k <= 0) return NaN;
  if (x <= 0) return 1;
  return gammaQ(k / 2, x / 2);
}

/** Φ(z), the standard normal CDF. */
export function normalCdf(z: number): number {
  const q = gammaQ(0.5, (z * z) / 2) / 2; // erfc(|z|/√2) / 2
  return z < 0 ? q : 1 - q;
}

/** Φ⁻¹(p) for 0 < p < 1 (Acklam's algorithm, one Halley refinement). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : NaN;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // Halley step on Φ(x) − p.
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** Wilson's score interval for `successes` out of `n` at confidence 1 − alpha (two-sided). */
export function wilsonInterval(successes: number, n: number, alpha: number): { low: number; high: number } {
  if (n <= 0) return { low: 0, high: 1 };
  const z = normalQuantile(1 - alpha / 2);
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Pearson's chi-square goodness-of-fit statistic of observed counts against expected proportions. */
export function chiSquareStatistic(observed: readonly number[], expected: readonly number[]): { statistic: number; df: number } {
  const n = observed.reduce((s, x) => s + x, 0);
  let stat = 0;
  for (let i = 0; i < observed.length; i++) {
    const e = expected[i] * n;
    if (e > 0) stat += ((observed[i] - e) * (observed[i] - e)) / e;
  }
  return { statistic: stat, df: observed.length - 1 };
}
