import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SearchSpace } from '../../src/api/search-space.js';
import { Rng } from '../../src/algorithms/rng.js';
import {
  createTpeSpace,
  hyperoptGamma,
  logNormalMass,
  neighbourBandwidths,
  normalCdf,
  normalQuantile,
  observationWeights,
  optunaGamma,
  ObservationHistory,
  ParzenEstimator,
  type ParzenOptions,
} from '../../src/algorithms/tpe/index.js';
import { TruncationCache } from '../../src/algorithms/tpe/truncation-cache.js';
import { MIN_BANDWIDTH_FACTOR, scottBandwidth } from '../../src/algorithms/tpe/numeric-kernels.js';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const unit: SearchSpace = [{ type: 'double', name: 'x', min: 0, max: 1, distribution: 'uniform' }];

describe('Gaussian helpers', () => {
  it('match reference values of Φ, Φ⁻¹ and the log mass (scipy.stats.norm)', () => {
    // erfc's fractional error is below 1.2e-7; Acklam's quantile's below 1.2e-9.
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 7);
    expect(normalCdf(-3) / 0.0013498980316300933).toBeCloseTo(1, 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 7);
    expect(logNormalMass(-0.2, 0.3)).toBeCloseTo(-1.6236832388683202, 6);
    expect(logNormalMass(5, 6)).toBeCloseTo(-15.068446096529454, 5);
    // Far tails stay finite where Φ itself underflows (scipy: logcdf(-40) = -804.6084420137539).
    expect(logNormalMass(-41, -40)).toBeCloseTo(-804.6084420137539, 4);
    expect(logNormalMass(40, Infinity)).toBeCloseTo(-804.6084420137539, 4);
    expect(logNormalMass(1, 1)).toBe(-Infinity);
  });

  it('inverts Φ', () => {
    for (const p of [1e-6, 0.01, 0.3, 0.5, 0.77, 0.99, 1 - 1e-6])
      expect(normalCdf(normalQuantile(p)) / p).toBeCloseTo(1, 5);
  });
});

describe('TPE split and weights', () => {
  it("Optuna's gamma: min(ceil(0.1 n), 25)", () => {
    const cases: [number, number][] = [
      [1, 1],
      [10, 1],
      [11, 2],
      [100, 10],
      [241, 25],
      [1000, 25],
    ];
    for (const [n, below] of cases) expect(optunaGamma(n)).toBe(below);
  });

  it("hyperopt's gamma: min(ceil(gamma sqrt(n)), 25)", () => {
    const g = hyperoptGamma(0.25);
    expect([g(1), g(16), g(17), g(100), g(10000), g(100000)]).toEqual([1, 1, 2, 3, 25, 25]);
  });

  it('weights: ones below 25 observations, then a ramp from 1/n for the oldest', () => {
    expect(Array.from(observationWeights(3))).toEqual([1, 1, 1]);
    expect(Array.from(observationWeights(25))).toEqual(new Array(25).fill(1));
    const w = observationWeights(28);
    expect(w[0]).toBeCloseTo(1 / 28, 15);
    expect(w[1]).toBeCloseTo((1 / 28 + 1) / 2, 15);
    expect(w[2]).toBeCloseTo(1, 15);
    expect(Array.from(w.subarray(3))).toEqual(new Array(25).fill(1));
  });

  it('splits the best observations from the rest, older first on ties, each group oldest first', () => {
    const h = new ObservationHistory(1);
    const losses = [5, 1, 3, 1, 4, 0];
    losses.forEach((l, i) => h.add([i / 10], l));
    const { below, above } = h.split(3);
    expect(Array.from(below)).toEqual([1, 3, 5]);
    expect(Array.from(above)).toEqual([0, 2, 4]);
    expect(Array.from(h.split(10).below)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(h.sortedRows(0))).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('ObservationHistory.groupOrder', () => {
  it('sorts a group and its extra points by a coordinate, as a full sort would', () => {
    const value = fc.integer({ min: 0, max: 20 }).map((k) => k / 4); // repeats on purpose
    fc.assert(
      fc.property(
        fc.array(fc.tuple(value, value, fc.double({ min: 0, max: 1, noNaN: true })), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.array(fc.tuple(value, value), { maxLength: 5 }),
        fc.integer({ min: 0, max: 10 }),
        (rows, extras, nBelow) => {
          const h = new ObservationHistory(2);
          for (const [a, b, loss] of rows) h.add([a, b], loss);
          const { above } = h.split(nBelow);
          const points = h.gather(above, extras.length);
          extras.forEach(([a, b], t) => points.set([a, b], (above.length + t) * 2));
          const count = above.length + extras.length;
          for (const j of [0, 1]) {
            const order = Array.from(h.groupOrder(j, h.kernelIndices(above), points, above.length, count));
            expect([...order].sort((x, y) => x - y)).toEqual(Array.from({ length: count }, (_, i) => i));
            const values = order.map((k) => points[k * 2 + j]!);
            expect(values).toEqual([...values].sort((x, y) => x - y));
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('ObservationHistory.orderStatistics', () => {
  it('gives the values of a group plus extra values at any ranks, as a full sort would', () => {
    const value = fc.integer({ min: 0, max: 12 }).map((k) => k / 4); // repeats on purpose
    fc.assert(
      fc.property(
        fc.array(fc.tuple(value, value, fc.double({ min: 0, max: 1, noNaN: true })), {
          minLength: 1,
          maxLength: 60,
        }),
        fc.array(value, { maxLength: 6 }),
        fc.integer({ min: 0, max: 30 }),
        (rows, extras, nBelow) => {
          const h = new ObservationHistory(2);
          for (const [a, b, loss] of rows) h.add([a, b], loss);
          const { below, above } = h.split(nBelow);
          for (const j of [0, 1]) {
            const expected = [...Array.from(above, (r) => h.value(r, j)), ...extras].sort((x, y) => x - y);
            const ranks = expected.map((_, r) => r);
            const out = new Float64Array(ranks.length);
            const added = Float64Array.from(extras);
            h.orderStatistics(j, below, new Float64Array(below.length), added, extras.length, ranks, out);
            expect(Array.from(out)).toEqual(expected);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('ParzenEstimator', () => {
  const tpe = createTpeSpace(unit);
  const two = new Float64Array([0.2, 0.6]);
  const density: ParzenOptions = { priorWeight: 1, bandwidth: 'neighbours', kernelScore: 'density' };

  it('gives Bergstra bandwidths: farther neighbour, inner neighbour at the ends, equal centres as one', () => {
    // Centres 0.2, 0.6, 0.5, 0.6 (kernels 0…3), listed by centre.
    const order = Uint32Array.from([0, 2, 1, 3]);
    const centres = new Float64Array([0.2, 0.5, 0.6, 0.6]);
    const sigma = new Float64Array(4);
    neighbourBandwidths(centres, order, sigma);
    expect(Array.from(sigma).map((s) => +s.toFixed(12))).toEqual([0.3, 0.1, 0.3, 0.1]);
  });

  it('matches a hand computation of the log density for two observations', () => {
    // Centres 0.2, 0.6 and the prior 0.5: σ(0.2) = 0.3 (inner neighbour), σ(0.6) = 0.1 clipped up
    // to 1/min(100, 1+3) = 0.25, prior σ = 1; weights 1/3 each. Reference: scipy truncnorm.
    const pe = new ParzenEstimator(tpe.dimensions, two, 2, density);
    const xs = new Float64Array([0.4, 0.05, 0.95]);
    const out = new Float64Array(3);
    pe.logPdfOf(0, xs, 1, 3, out, new Float64Array(pe.size));
    expect(out[0]).toBeCloseTo(0.21111027381616976, 6);
    expect(out[1]).toBeCloseTo(-0.11616486995753764, 6);
    expect(out[2]).toBeCloseTo(-0.592246565210944, 6);
    // The joint form of a one-dimensional estimator is the same number.
    const joint = new Float64Array(3);
    pe.jointLogPdf(xs, 3, joint, new Float64Array(pe.size));
    expect(Array.from(joint).map((v) => v.toFixed(12))).toEqual(Array.from(out).map((v) => v.toFixed(12)));
  });

  it("scores kernels by shape (no 1/σ) by default, Optuna 3.1's numbers", () => {
    const pe = new ParzenEstimator(tpe.dimensions, two, 2, { priorWeight: 1, bandwidth: 'neighbours' });
    const out = new Float64Array(3);
    pe.logPdfOf(0, new Float64Array([0.4, 0.05, 0.95]), 1, 3, out, new Float64Array(pe.size));
    // scipy: log Σ w σ truncnorm.pdf, plus log √(2π) (our shape leaves out that constant too).
    expect(out[0]! - LOG_SQRT_2PI).toBeCloseTo(-0.5246129913664733, 6);
    expect(out[1]! - LOG_SQRT_2PI).toBeCloseTo(-0.7251337331772447, 6);
    expect(out[2]! - LOG_SQRT_2PI).toBeCloseTo(-0.9809430606476315, 6);
  });

  it('scores an int by the mass of its cell', () => {
    // int in [1, 5] → box [0.5, 5.5]; observations 2 and 4, prior at 3 with σ 5; σ 1 clipped to 5/4.
    const space = createTpeSpace([
      { type: 'int', name: 'k', min: 1, max: 5, step: 1, distribution: 'uniform' },
    ]);
    const pe = new ParzenEstimator(space.dimensions, new Float64Array([2, 4]), 2, density);
    const out = new Float64Array(3);
    pe.logPdfOf(0, new Float64Array([1, 3, 5]), 1, 3, out, new Float64Array(pe.size));
    expect(out[0]).toBeCloseTo(-1.8429113391111636, 6);
    expect(out[1]).toBeCloseTo(-1.4157569750924122, 6);
    expect(out[2]).toBeCloseTo(-1.8429113391111631, 6);
  });

  it('puts prior_weight on every choice of a categorical kernel', () => {
    // Observations a, c, c; a = 1/(3+1) per choice, +1 on the observed one, rows normalised by
    // 1.75; the prior kernel is uniform; four kernels of weight 1/4.
    const space = createTpeSpace([{ type: 'categorical', name: 'c', values: ['a', 'b', 'c'] }]);
    const pe = new ParzenEstimator(space.dimensions, new Float64Array([0, 2, 2]), 3, density);
    const out = new Float64Array(3);
    pe.logPdfOf(0, new Float64Array([0, 1, 2]), 1, 3, out, new Float64Array(pe.size));
    const hit = 1.25 / 1.75;
    const miss = 0.25 / 1.75;
    const expected = [(hit + 2 * miss + 1 / 3) / 4, (3 * miss + 1 / 3) / 4, (miss + 2 * hit + 1 / 3) / 4];
    out.forEach((v, i) => expect(Math.exp(v)).toBeCloseTo(expected[i]!, 12));
    expect(expected.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 12);
  });

  it('keeps every sample inside the bounds, with the truncated kernel shape', () => {
    // One observation at the lower edge: its kernel is cut in half by the bound.
    const pe = new ParzenEstimator(tpe.dimensions, new Float64Array([0]), 1, {
      priorWeight: 1e-9,
      bandwidth: 'neighbours',
    });
    const rng = Rng.derive(7, 'test');
    const n = 4000;
    const out = new Float64Array(n);
    pe.sample(rng, n, false, out);
    let mean = 0;
    for (const x of out) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(1);
      mean += x / n;
    }
    // σ = distance to the prior's centre 0.5; a half-normal N(0, 0.5) cut at 1 (2σ) has mean
    // σ·(φ(0) − φ(2))/(Φ(2) − 1/2) = 0.5·0.34491/0.47725 ≈ 0.3614; sd of the mean ≈ 0.004 (6σ: 0.025).
    expect(mean).toBeGreaterThan(0.3614 - 0.025);
    expect(mean).toBeLessThan(0.3614 + 0.025);
  });

  it('samples categorical kernels by their probabilities', () => {
    const space = createTpeSpace([{ type: 'categorical', name: 'c', values: ['a', 'b', 'c'] }]);
    // One observation (b): kernel b has p(b) = (1 + 1/2)/(1 + 3/2) = 0.6; the prior is uniform.
    const pe = new ParzenEstimator(space.dimensions, new Float64Array([1]), 1, density);
    const out = new Float64Array(6000);
    pe.sample(Rng.derive(3, 'cat'), 6000, true, out);
    const share = out.filter((v) => v === 1).length / 6000;
    // Mixture weight 1/2 each: p(b) = (0.6 + 1/3)/2 ≈ 0.4667; sd ≈ 0.0064, 6σ ≈ 0.04.
    expect(share).toBeGreaterThan(0.4667 - 0.04);
    expect(share).toBeLessThan(0.4667 + 0.04);
  });
});

describe("Scott's bandwidth (multivariate-tpe)", () => {
  /** numpy's percentile (linear interpolation) of sorted values. */
  const percentile = (sorted: number[], p: number): number => {
    const h = (sorted.length - 1) * p;
    const r = Math.floor(h);
    return r + 1 < sorted.length ? sorted[r]! + (h - r) * (sorted[r + 1]! - sorted[r]!) : sorted[r]!;
  };
  /** The rule written out plainly: a sort, numpy's quartiles and std (ddof = 1). */
  const reference = (values: number[], centre: number): number => {
    const xs = [...values, centre];
    const m = xs.length;
    const mean = xs.reduce((a, b) => a + b, 0) / m;
    const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (m - 1));
    const sorted = [...xs].sort((a, b) => a - b);
    const iqr = percentile(sorted, 0.75) - percentile(sorted, 0.25);
    return 1.059 * (iqr > 0 ? Math.min(std, iqr / 1.34) : std) * m ** -0.2;
  };
  // Values with many ties (a few levels) or spread out, and the centre among them.
  const values = fc.oneof(
    fc.array(
      fc.integer({ min: 0, max: 4 }).map((v) => v / 4),
      { minLength: 1, maxLength: 60 },
    ),
    fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 300 }),
  );

  it('is 1.059 · min(std, IQR/1.34) · m^(−1/5) of the values and the centre, sorted here or given', () => {
    fc.assert(
      fc.property(values, fc.constantFrom(0.5, 0.25, 0), (vs, centre) => {
        const n = vs.length;
        const mu = Float64Array.from(vs);
        const expected = reference(vs, centre);
        const selected = scottBandwidth(mu, n, centre, new Float64Array(n + 1));
        expect(Math.abs(selected - expected)).toBeLessThanOrEqual(1e-12 * (1 + expected));
        expect(Array.from(mu)).toEqual(vs); // the values are left as they were
        const sorted = [...vs, centre].sort((a, b) => a - b);
        const statistics = (ranks: ArrayLike<number>, out: Float64Array): void => {
          for (let q = 0; q < ranks.length; q++) out[q] = sorted[ranks[q]!]!;
        };
        expect(scottBandwidth(mu, n, centre, new Float64Array(0), statistics)).toBe(selected);
      }),
      { numRuns: 500 },
    );
    // Two values and the centre: 0, 0.5, 1 → std 0.5, IQR 0.5.
    expect(scottBandwidth(Float64Array.from([0, 1]), 2, 0.5, new Float64Array(3))).toBeCloseTo(
      1.059 * (0.5 / 1.34) * 3 ** -0.2,
      14,
    );
  });

  it('gives every observation kernel of a group one σ per dimension, floored at MIN_BANDWIDTH_FACTOR of the range', () => {
    const space = createTpeSpace([
      { type: 'double', name: 'x', min: 0, max: 10, distribution: 'uniform' },
      { type: 'double', name: 'y', min: -1, max: 1, distribution: 'uniform' },
    ]);
    // 40 observations: x spread over the box, y in a tight cluster.
    const n = 40;
    const points = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      points[2 * i] = (10 * i) / (n - 1);
      points[2 * i + 1] = 0.3 + 0.001 * (i % 5);
    }
    const pe = new ParzenEstimator(space.dimensions, points, n, { priorWeight: 1, bandwidth: 'scott' });
    const estimate = pe.jointEstimate();
    expect(estimate).toBeDefined();
    const xs = Array.from({ length: n }, (_, i) => points[2 * i]!);
    const sigmaX = reference(xs, 5);
    expect(sigmaX).toBeGreaterThan(MIN_BANDWIDTH_FACTOR * 10);
    // σ shows in the log density of a point between observations: compare with a hand computation.
    const ys = Array.from({ length: n }, (_, i) => points[2 * i + 1]!);
    expect(reference(ys, 0)).toBeLessThan(MIN_BANDWIDTH_FACTOR * 2); // clipped up to 0.16
    const sigma = [sigmaX, MIN_BANDWIDTH_FACTOR * 2];
    const box = [
      [0, 10],
      [-1, 1],
    ];
    const at = [4.2, 0.1];
    // Optuna's weights (a ramp for the oldest of 40), the prior's 1, normalised.
    const w = [...observationWeights(n), 1];
    const total = w.reduce((a, b) => a + b, 0);
    const terms: number[] = [];
    for (let i = 0; i <= n; i++) {
      let t = Math.log(w[i]! / total);
      for (let j = 0; j < 2; j++) {
        const [low, high] = box[j]!;
        const mu = i < n ? points[2 * i + j]! : 0.5 * (low! + high!);
        const s = i < n ? sigma[j]! : high! - low!;
        const z = (at[j]! - mu) / s;
        t += -0.5 * z * z - logNormalMass((low! - mu) / s, (high! - mu) / s);
      }
      terms.push(t);
    }
    const top = Math.max(...terms);
    const expected = top + Math.log(terms.reduce((a, t) => a + Math.exp(t - top), 0));
    const out = new Float64Array(1);
    pe.jointLogPdf(Float64Array.from(at), 1, out, new Float64Array(pe.size));
    expect(out[0]).toBeCloseTo(expected, 10);
  });
});

describe('TPE space', () => {
  it('models log-scaled parameters on log scale, steps as cells and lists as choices', () => {
    const space = createTpeSpace([
      { type: 'double', name: 'lr', min: 1e-4, max: 1e-1, distribution: 'logUniform' },
      { type: 'discrete', name: 'd', values: [1, 10, 100], labels: ['1', '10', '100'] },
      { type: 'int', name: 'k', min: 2, max: 8, step: 2, distribution: 'uniform' },
    ]);
    const [lr, d, k] = space.dimensions;
    expect(lr).toMatchObject({ kind: 'numeric', cell: 'density', low: Math.log(1e-4), high: Math.log(1e-1) });
    expect(d).toMatchObject({ kind: 'categorical', choices: 3 });
    expect(k).toMatchObject({ kind: 'numeric', cell: 'grid', low: 1, high: 9, halfCell: 1 });
    const p = space.encode({ lr: 0.01, d: 100, k: 6 });
    expect(p[0]).toBeCloseTo(Math.log(0.01), 12);
    expect([p[1], p[2]]).toEqual([2, 6]);
    const a = space.decode(new Float64Array([Math.log(0.01), 1.4, 6.9]));
    expect(a).toMatchObject({ d: 10, k: 6 });
    expect(a['lr']).toBeCloseTo(0.01, 15);
  });
});

describe('ParzenEstimator.fit', () => {
  // A mixed space: continuous (neighbour windows), log-scaled, stepped (cells), categorical.
  const space = createTpeSpace([
    { type: 'double', name: 'x', min: 0, max: 1, distribution: 'uniform' },
    { type: 'double', name: 'lr', min: 1e-4, max: 1, distribution: 'logUniform' },
    { type: 'int', name: 'k', min: 1, max: 9, step: 1, distribution: 'uniform' },
    { type: 'categorical', name: 'c', values: ['a', 'b', 'c'] },
  ]);
  const d = space.dimensions.length;
  // Coordinates with repeats, the interval's centre and its ends on purpose.
  const coordinate = (j: number): fc.Arbitrary<number> => {
    const dim = space.dimensions[j]!;
    if (dim.kind === 'categorical') return fc.integer({ min: 0, max: dim.choices - 1 });
    const { low, high } = dim;
    return fc
      .oneof(
        fc.constantFrom(low, high, 0.5 * (low + high)),
        fc.integer({ min: 0, max: 40 }).map((t) => low + ((high - low) * t) / 40),
        fc.double({ min: low, max: high, noNaN: true }),
      )
      .map((x) => dim.snap(x));
  };
  const row = fc.tuple(...space.dimensions.map((_, j) => coordinate(j)));

  /** Log densities of every dimension at `points` and a joint sample: what a fit determines. */
  function outputs(pe: ParzenEstimator, points: Float64Array): number[] {
    const m = points.length / d;
    const out = new Float64Array(m);
    const acc = new Float64Array(m * pe.size + 1);
    const all: number[] = [];
    for (let j = 0; j < d; j++) {
      pe.logPdfOf(j, points, d, m, out, acc);
      all.push(...out);
    }
    pe.jointLogPdf(points, m, out, acc);
    all.push(...out);
    const sample = new Float64Array(8 * d);
    pe.sample(Rng.derive(1, 'refit'), 8, false, sample);
    all.push(...sample);
    return all;
  }

  it('gives the same estimator refitted to a grown group as fitted afresh (updates included)', () => {
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 100, maxLength: 160 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean()), { minLength: 1, maxLength: 8 }),
        fc.array(row, { minLength: 3, maxLength: 3 }),
        fc.constantFrom<'shape' | 'density'>('shape', 'density'),
        (rows, steps, probes, kernelScore) => {
          const options: ParzenOptions = { priorWeight: 1, bandwidth: 'neighbours', kernelScore };
          const history = Float64Array.from(rows.flat());
          const truncation = new TruncationCache(d);
          truncation.reserve(rows.length);
          // The group: rows in history order, starting with the first 95 and growing.
          let group = Array.from({ length: 95 }, (_, i) => i);
          let next = 95;
          const fitted = (g: number[]) => {
            const points = new Float64Array(g.length * d);
            g.forEach((r, i) => points.set(history.subarray(r * d, r * d + d), i * d));
            return { points, sources: { rows: Uint32Array.from(g), truncation } };
          };
          const first = fitted(group);
          const live = new ParzenEstimator(
            space.dimensions,
            first.points,
            group.length,
            options,
            first.sources,
          );
          const probe = Float64Array.from(probes.flat());
          for (const [added, removeOne] of steps) {
            // Grow by up to 3 rows (kept in history order); now and then drop one (a refit).
            for (let t = 0; t < added && next < rows.length; t++) group.push(next++);
            group.sort((a, b) => a - b);
            if (removeOne && group.length > 100) group = group.filter((_, i) => i !== 50);
            const { points, sources } = fitted(group);
            live.fit(points, group.length, sources);
            const fresh = new ParzenEstimator(space.dimensions, points, group.length, options, {
              rows: sources.rows,
            });
            expect(outputs(live, probe)).toEqual(outputs(fresh, probe));
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
