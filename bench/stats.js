// Statistics of the quality benchmark: quantiles and the Mann-Whitney U test.
//
// Mann-Whitney U (Mann & Whitney 1947, "On a test of whether one of two random variables is
// stochastically larger than the other", Ann. Math. Statist. 18(1)): U₁ = R₁ − n₁(n₁+1)/2 with R₁
// the rank sum of sample 1 (ties get their average rank). Two-sided p-value:
// - exact when there are no ties: the null distribution of U from the recurrence
//   c(n₁, n₂, u) = c(n₁−1, n₂, u−n₂) + c(n₁, n₂−1, u) (op. cit. §2), p = min(1, 2·min(P(U ≤ U₁), P(U ≥ U₁)));
// - otherwise the normal approximation with tie correction and continuity correction:
//   μ = n₁n₂/2, σ² = n₁n₂/12 · ((n+1) − Σ(t³−t)/(n(n−1))) over tie groups of size t,
//   z = (|U₁ − μ| − ½)/σ, p = erfc(z/√2) (e.g. Lehmann, Nonparametrics, 1975, §1.4; the same
//   formulas as scipy.stats.mannwhitneyu's asymptotic method, which bench/check.js compares against).

/** Linear-interpolation quantile (type 7, numpy's default) of an unsorted array; NaN when empty. */
export function quantile(xs, q) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

/** The median (type-7 quantile ½). */
export const median = (xs) => quantile(xs, 0.5);

/** Complementary error function, double precision: power series below 2.5, continued fraction above. */
export function erfc(x) {
  if (x < 0) return 2 - erfc(-x);
  if (x < 2.5) {
    // erf x = 2/√π Σ (−1)^k x^(2k+1) / (k! (2k+1))
    let term = x;
    let sum = x;
    for (let k = 1; k < 200; k++) {
      term *= (-x * x) / k;
      const add = term / (2 * k + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc x = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))), evaluated bottom-up.
  let f = x;
  for (let k = 60; k >= 1; k--) f = x + k / 2 / f;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** Ranks (1-based, ties averaged) of `values`, and the sizes of the tie groups. */
function rank(values) {
  const order = values.map((v, i) => [v, i]).sort((a, b) => a[0] - b[0]);
  const ranks = new Array(values.length);
  const ties = [];
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k][1]] = r;
    if (j > i) ties.push(j - i + 1);
    i = j + 1;
  }
  return { ranks, ties };
}

/** Counts c[u] of arrangements of n₁ x's and n₂ y's with statistic U = u (Mann & Whitney's recurrence). */
function exactCounts(n1, n2) {
  // table[a][b] is the count array for sizes (a, b); built up row by row.
  let prev = []; // counts for (a−1, b) over b = 0..n2
  for (let a = 0; a <= n1; a++) {
    const row = [];
    for (let b = 0; b <= n2; b++) {
      if (a === 0 || b === 0) {
        row.push([1]);
        continue;
      }
      const c = new Array(a * b + 1).fill(0);
      const left = prev[b]; // (a−1, b): the largest value is an x, which beats all b y's: u − b
      for (let u = 0; u < left.length; u++) c[u + b] += left[u];
      const down = row[b - 1]; // (a, b−1): the largest value is a y
      for (let u = 0; u < down.length; u++) c[u] += down[u];
      row.push(c);
    }
    prev = row;
  }
  return prev[n2];
}

/**
 * Two-sided Mann-Whitney U test of samples `x` and `y`.
 * @returns {{ u: number, p: number, method: 'exact' | 'normal' }} U of `x` (the number of (x, y)
 *   pairs with x > y, ties counting ½) and the two-sided p-value.
 */
export function mannWhitneyU(x, y) {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) return { u: NaN, p: NaN, method: 'exact' };
  const { ranks, ties } = rank([...x, ...y]);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranks[i];
  const u = r1 - (n1 * (n1 + 1)) / 2;
  if (ties.length === 0 && n1 * n2 <= 10_000) {
    const c = exactCounts(n1, n2);
    const total = c.reduce((a, b) => a + b, 0);
    let le = 0;
    for (let k = 0; k <= u; k++) le += c[k];
    let ge = 0;
    for (let k = Math.ceil(u); k < c.length; k++) ge += c[k];
    return { u, p: Math.min(1, (2 * Math.min(le, ge)) / total), method: 'exact' };
  }
  const n = n1 + n2;
  const tieTerm = ties.reduce((s, t) => s + t ** 3 - t, 0) / (n * (n - 1));
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm);
  if (variance <= 0) return { u, p: 1, method: 'normal' };
  const z = Math.max(0, Math.abs(u - (n1 * n2) / 2) - 0.5) / Math.sqrt(variance);
  return { u, p: Math.min(1, erfc(z / Math.SQRT2)), method: 'normal' };
}
