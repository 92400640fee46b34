import { describe, expect, it } from 'vitest';
import {
  GpPosterior,
  hyperStart,
  matern52,
  matern52Slope,
  matern52WithSlope,
  negativeLogPosterior,
  pairwiseDifferences,
  transformOutputs,
  yeoJohnson,
} from '../../src/algorithms/bayesopt/index.js';
import { choleskyInverse, choleskyWithJitter, minimizeLbfgs } from '../../src/algorithms/linalg/index.js';
import { Rng } from '../../src/algorithms/rng.js';

const SQRT5 = Math.sqrt(5);
/** Matérn-5/2 written out from R&W eq. 4.17, independently of the module. */
const m52 = (r: number, s = 1): number => s * (1 + SQRT5 * r + (5 / 3) * r * r) * Math.exp(-SQRT5 * r);

/** Solves A·x = b by Gaussian elimination with partial pivoting (reference for the tests). */
function gaussSolve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * x[k]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

describe('Matérn-5/2 kernel', () => {
  it('matches the closed form and is 1·σ² at distance 0', () => {
    expect(matern52(0, 2)).toBe(2);
    expect(matern52(0.64, 1)).toBeCloseTo(m52(0.8), 14);
    // r = 1: (1 + √5 + 5/3)·e^{−√5} = 0.523994…
    expect(matern52(1, 1)).toBeCloseTo(0.5239941088318203, 12);
  });
});

describe('GP posterior on a tiny problem', () => {
  // 1-D, ℓ = 0.5, σ_f² = 1, σ_n² = 0.01.
  const theta = Float64Array.from([Math.log(0.5), 0, Math.log(0.01)]);

  it('two points: mean and variance from the hand-computed 2×2 Cholesky', () => {
    const x = Float64Array.from([0.2, 0.6]);
    const y = Float64Array.from([1, -1]);
    const gp = GpPosterior.condition(x, 2, 1, y, theta);
    // K = [[a, k], [k, a]], a = 1.01, k = m52(0.4/0.5); L = [[√a, 0], [k/√a, √(a − k²/a)]].
    const a = 1.01;
    const k = m52(0.8);
    const l11 = Math.sqrt(a);
    const l21 = k / l11;
    const l22 = Math.sqrt(a - l21 * l21);
    expect(gp.factor.lower[0]).toBeCloseTo(l11, 14);
    expect(gp.factor.lower[2]).toBeCloseTo(l21, 14);
    expect(gp.factor.lower[3]).toBeCloseTo(l22, 14);
    // Test point 0.3: k* = [m52(0.2), m52(0.6)]; v = L⁻¹k*; μ = k*ᵀK⁻¹y; σ² = 1 − ‖v‖².
    const ks = [m52(0.1 / 0.5), m52(0.3 / 0.5)];
    const v1 = ks[0]! / l11;
    const v2 = (ks[1]! - l21 * v1) / l22;
    const z1 = 1 / l11;
    const z2 = (-1 - l21 * z1) / l22; // L⁻¹y
    const mean = v1 * z1 + v2 * z2;
    const variance = 1 - v1 * v1 - v2 * v2;
    const p = gp.predict([0.3]);
    expect(p.mean).toBeCloseTo(mean, 12);
    expect(p.variance).toBeCloseTo(variance, 12);
    // By symmetry the mean at the midpoint is 0.
    expect(gp.predict([0.4]).mean).toBeCloseTo(0, 14);
  });

  it('three points in 2-D agree with a direct linear solve', () => {
    const x = Float64Array.from([0.1, 0.9, 0.5, 0.5, 0.8, 0.2]);
    const y = Float64Array.from([0.3, -1.2, 0.7]);
    const th = Float64Array.from([Math.log(0.3), Math.log(0.7), Math.log(1.5), Math.log(1e-3)]);
    const gp = GpPosterior.condition(x, 3, 2, y, th);
    const k = (p: readonly number[], q: readonly number[]): number =>
      m52(Math.hypot((p[0]! - q[0]!) / 0.3, (p[1]! - q[1]!) / 0.7), 1.5);
    const pts = [
      [0.1, 0.9],
      [0.5, 0.5],
      [0.8, 0.2],
    ];
    const K = pts.map((p, i) => pts.map((q, j) => k(p, q) + (i === j ? 1e-3 : 0)));
    const star = [0.4, 0.6];
    const ks = pts.map((p) => k(p, star));
    const alpha = gaussSolve(K, [...y]);
    const w = gaussSolve(K, ks);
    const p = gp.predict(star);
    expect(p.mean).toBeCloseTo(
      ks.reduce((s, v, i) => s + v * alpha[i]!, 0),
      10,
    );
    expect(p.variance).toBeCloseTo(1.5 - ks.reduce((s, v, i) => s + v * w[i]!, 0), 10);
  });

  it('appending points (kriging believer) equals conditioning from scratch, bit for bit', () => {
    const rng = Rng.derive(7, 'gp-test');
    const n = 12;
    const d = 3;
    const x = Float64Array.from({ length: n * d }, () => rng.next());
    const y = Float64Array.from({ length: n }, () => rng.normal());
    const th = hyperStart(d, 0.4, 1e-4);
    const base = GpPosterior.condition(x.slice(0, 10 * d), 10, d, y.slice(0, 10), th);
    const grown = base.append(x.subarray(10 * d, 11 * d), y[10]!).append(x.subarray(11 * d), y[11]!);
    const fresh = GpPosterior.condition(x, n, d, y, th);
    expect(Array.from(grown.factor.lower)).toEqual(Array.from(fresh.factor.lower));
    expect(Array.from(grown.alpha)).toEqual(Array.from(fresh.alpha));
    // Reuse from an unrelated previous posterior (different points) gives the same too.
    const reused = GpPosterior.condition(
      x,
      n,
      d,
      y,
      th,
      GpPosterior.condition(x.slice(0, 6 * d), 6, d, y, th),
    );
    expect(Array.from(reused.factor.lower)).toEqual(Array.from(fresh.factor.lower));
  });

  it('a fantasy at x collapses the variance there', () => {
    const x = Float64Array.from([0.2, 0.6]);
    const gp = GpPosterior.condition(x, 2, 1, Float64Array.from([1, -1]), theta);
    const before = gp.predict([0.9]);
    const after = gp.append([0.9], before.mean).predict([0.9]);
    expect(after.variance).toBeLessThan(before.variance / 10);
    expect(after.mean).toBeCloseTo(before.mean, 6);
  });

  it('predictWithGradient matches finite differences', () => {
    const rng = Rng.derive(3, 'gp-grad');
    const d = 2;
    const x = Float64Array.from({ length: 8 * d }, () => rng.next());
    const y = Float64Array.from({ length: 8 }, () => rng.normal());
    const gp = GpPosterior.condition(
      x,
      8,
      d,
      y,
      Float64Array.from([Math.log(0.3), Math.log(0.5), 0, Math.log(1e-3)]),
    );
    const at = [0.37, 0.61];
    const g = gp.predictWithGradient(at);
    const h = 1e-6;
    for (let j = 0; j < d; j++) {
      const up = [...at];
      const down = [...at];
      up[j]! += h;
      down[j]! -= h;
      const pu = gp.predict(up);
      const pd = gp.predict(down);
      expect(g.meanGradient[j]).toBeCloseTo((pu.mean - pd.mean) / (2 * h), 5);
      expect(g.varianceGradient[j]).toBeCloseTo((pu.variance - pd.variance) / (2 * h), 5);
    }
  });
});

describe('log marginal likelihood', () => {
  it('matches the direct formula on two points', () => {
    const x = Float64Array.from([0.2, 0.6]);
    const y = Float64Array.from([1, -1]);
    const th = Float64Array.from([Math.log(0.5), 0, Math.log(0.01)]);
    const a = 1.01;
    const k = m52(0.8);
    const det = a * a - k * k;
    const quad = (a * 1 - 2 * k * 1 * -1 + a * 1) / det; // yᵀK⁻¹y with K⁻¹ = [[a, −k], [−k, a]]/det
    const lml = -0.5 * quad - 0.5 * Math.log(det) - Math.log(2 * Math.PI);
    expect(negativeLogPosterior(x, 2, 1, y, th, false).logMarginalLikelihood).toBeCloseTo(lml, 12);
  });

  it('gives the same value and gradient, to the last bit, with precomputed pair differences', () => {
    const rng = Rng.derive(12, 'lml-differences');
    const n = 17;
    const d = 4;
    const x = Float64Array.from({ length: n * d }, () => rng.next());
    const y = Float64Array.from({ length: n }, () => rng.normal());
    const differences = pairwiseDifferences(x, n, d);
    expect(differences.length).toBe(((n * (n - 1)) / 2) * d);
    // Pair (i, j), j < i, sits at i(i−1)/2 + j.
    expect(differences[(((5 * 4) / 2 + 3) * d + 2) | 0]).toBe(
      (x[5 * d + 2] as number) - (x[3 * d + 2] as number),
    );
    for (let trial = 0; trial < 5; trial++) {
      const th = Float64Array.from({ length: d + 2 }, () => rng.normal() * 0.5 - 1);
      const plain = negativeLogPosterior(x, n, d, y, th);
      const cached = negativeLogPosterior(x, n, d, y, th, true, differences);
      expect(cached.value).toBe(plain.value);
      expect([...cached.gradient]).toEqual([...plain.gradient]);
    }
  });

  it('matern52WithSlope is matern52 and matern52Slope to the last bit', () => {
    const rng = Rng.derive(13, 'matern-pair');
    const out = new Float64Array(2);
    for (let i = 0; i < 200; i++) {
      const r2 = i === 0 ? 0 : rng.next() * 20;
      const signal = 0.1 + rng.next() * 3;
      matern52WithSlope(r2, signal, out);
      expect(out[0]).toBe(matern52(r2, signal));
      expect(out[1]).toBe(matern52Slope(r2, signal));
    }
  });

  it('gradient (with priors) matches central finite differences', () => {
    const rng = Rng.derive(11, 'lml-grad');
    const n = 10;
    const d = 3;
    const x = Float64Array.from({ length: n * d }, () => rng.next());
    const y = Float64Array.from({ length: n }, () => rng.normal());
    const th = Float64Array.from([
      Math.log(0.3),
      Math.log(0.8),
      Math.log(0.15),
      Math.log(1.3),
      Math.log(0.02),
    ]);
    const { gradient } = negativeLogPosterior(x, n, d, y, th);
    const h = 1e-5;
    for (let i = 0; i < th.length; i++) {
      const up = Float64Array.from(th);
      const down = Float64Array.from(th);
      up[i]! += h;
      down[i]! -= h;
      const fd =
        (negativeLogPosterior(x, n, d, y, up).value - negativeLogPosterior(x, n, d, y, down).value) / (2 * h);
      expect(Math.abs(gradient[i]! - fd)).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
    }
  });

  it('the fitted length-scale finds the relevant dimension (ARD)', () => {
    // y depends on x₀ only: the fit should give x₁ a much longer length-scale.
    const rng = Rng.derive(5, 'ard');
    const n = 30;
    const x = Float64Array.from({ length: n * 2 }, () => rng.next());
    const y = transformOutputs(Float64Array.from({ length: n }, (_, i) => Math.sin(6 * x[2 * i]!)));
    const r = minimizeLbfgs((t) => negativeLogPosterior(x, n, 2, y, t), hyperStart(2, 0.5, 1e-3), {
      lower: [-5, -5, -5, -14],
      upper: [4, 4, 4, 0],
      maxIterations: 60,
    });
    expect(Math.exp(r.x[1]!)).toBeGreaterThan(3 * Math.exp(r.x[0]!));
  });
});

describe('Cholesky with jitter', () => {
  it('factors a singular matrix by escalating the jitter, and inverts an SPD one', () => {
    const singular = Float64Array.from([1, 1, 1, 1]);
    const f = choleskyWithJitter(singular, 2);
    expect(f.jitter).toBeGreaterThan(0);
    const spd = Float64Array.from([4, 2, 2, 3]);
    const inv = choleskyInverse(choleskyWithJitter(spd, 2));
    // [[4, 2], [2, 3]]⁻¹ = [[3, −2], [−2, 4]] / 8
    [3, -2, -2, 4].forEach((v, i) => expect(inv[i]! * 8).toBeCloseTo(v, 12));
  });
});

describe('output transform', () => {
  it('is monotone, standardised, and tames a heavy tail', () => {
    const losses = Float64Array.from([0.1, 0.5, 1, 2, 5, 10, 1000, 30000]);
    const t = transformOutputs(losses);
    for (let i = 1; i < t.length; i++) expect(t[i]!).toBeGreaterThan(t[i - 1]!);
    const mean = t.reduce((s, v) => s + v, 0) / t.length;
    const sd = Math.sqrt(t.reduce((s, v) => s + (v - mean) ** 2, 0) / t.length);
    expect(mean).toBeCloseTo(0, 10);
    expect(sd).toBeCloseTo(1, 10);
    // The largest loss dwarfs the rest far less than under plain standardisation (ratio 29 there).
    const plain = (30000 - 1000) / (1000 - 0.1);
    expect((t[7]! - t[6]!) / (t[6]! - t[0]!)).toBeLessThan(plain / 5);
  });

  it('Yeo–Johnson has its known special cases', () => {
    expect(yeoJohnson(3, 1)).toBeCloseTo(3, 14);
    expect(yeoJohnson(-3, 1)).toBeCloseTo(-3, 14);
    expect(yeoJohnson(Math.E - 1, 0)).toBeCloseTo(1, 14);
    expect(yeoJohnson(1 - Math.E, 2)).toBeCloseTo(-1, 14);
  });
});
