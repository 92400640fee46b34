import { describe, expect, it } from 'vitest';
import {
  GpPosterior,
  acquisitionScore,
  acquisitionWithGradient,
  coordinateCandidates,
  expectedImprovement,
  lowerConfidenceBound,
  normalCdf,
  probabilityOfImprovement,
  refineAcquisition,
  type AcquisitionKind,
} from '../../src/algorithms/bayesopt/index.js';
import { Rng } from '../../src/algorithms/rng.js';

describe('acquisition functions (minimisation, skopt defaults ξ = 0.01, κ = 1.96)', () => {
  it('normal CDF has its tabulated values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 7);
    expect(normalCdf(-1.96)).toBeCloseTo(0.024997895148220435, 7);
  });

  it('EI: σ·φ(0) at the incumbent with ξ = 0, and the ξ = 0.01 value', () => {
    expect(expectedImprovement(0, 1, 0, 0)).toBeCloseTo(0.3989422804014327, 7);
    // (−0.01)·Φ(−0.01) + φ(−0.01) = −0.00496011 + 0.39892235
    expect(expectedImprovement(0, 1, 0)).toBeCloseTo(0.39396224, 6);
    // Scale: EI(μ, 2σ, best) with improvement 1: 1·Φ(0.5) + 2·φ(0.5)
    expect(expectedImprovement(0, 2, 1, 0)).toBeCloseTo(0.6914624612740131 + 2 * 0.3520653267642995, 6);
    expect(expectedImprovement(5, 0, 1)).toBe(0);
  });

  it('PI and LCB', () => {
    expect(probabilityOfImprovement(0, 1, 1, 0)).toBeCloseTo(0.8413447460685429, 7);
    expect(probabilityOfImprovement(0, 1, 0)).toBeCloseTo(normalCdf(-0.01), 12);
    expect(lowerConfidenceBound(1, 2)).toBeCloseTo(1 - 1.96 * 2, 12);
  });

  it('scores are log EI, log PI and −LCB, finite and ordered deep in the tail', () => {
    expect(acquisitionScore('EI', 0.3, 0.49, 1)).toBeCloseTo(Math.log(expectedImprovement(0.3, 0.7, 1)), 6);
    expect(acquisitionScore('PI', 0.3, 0.49, 1)).toBeCloseTo(
      Math.log(probabilityOfImprovement(0.3, 0.7, 1)),
      6,
    );
    expect(acquisitionScore('LCB', 0.3, 0.49, 1)).toBeCloseTo(-(0.3 - 1.96 * 0.7), 12);
    // z ≈ −40 and −80: EI and PI underflow to 0, their logs still rank the points.
    for (const kind of ['EI', 'PI'] as const) {
      const near = acquisitionScore(kind, 40, 1, 0);
      const far = acquisitionScore(kind, 80, 1, 0);
      expect(Number.isFinite(near) && Number.isFinite(far)).toBe(true);
      expect(near).toBeGreaterThan(far);
    }
    // The tail branch joins the direct one around z = −10 (z = −9.9999 and −10.0001; the slope is ≈ 10).
    for (const kind of ['EI', 'PI'] as const)
      expect(acquisitionScore(kind, 9.9899, 1, 0)).toBeCloseTo(acquisitionScore(kind, 9.9901, 1, 0), 2);
  });

  it('analytic gradients of every score match finite differences', () => {
    const rng = Rng.derive(9, 'acq-grad');
    const d = 2;
    const x = Float64Array.from({ length: 10 * d }, () => rng.next());
    const y = Float64Array.from({ length: 10 }, () => rng.normal());
    const gp = GpPosterior.condition(
      x,
      10,
      d,
      y,
      Float64Array.from([Math.log(0.25), Math.log(0.4), 0, Math.log(1e-4)]),
    );
    const best = Math.min(...y);
    const at = Float64Array.from([0.42, 0.27]);
    const h = 1e-6;
    for (const kind of ['EI', 'PI', 'LCB'] as AcquisitionKind[]) {
      const { gradient } = acquisitionWithGradient(kind, gp, best, at);
      for (let j = 0; j < d; j++) {
        const up = Float64Array.from(at);
        const down = Float64Array.from(at);
        up[j]! += h;
        down[j]! -= h;
        const fd =
          (acquisitionWithGradient(kind, gp, best, up).score -
            acquisitionWithGradient(kind, gp, best, down).score) /
          (2 * h);
        expect(Math.abs(gradient[j]! - fd), `${kind} ∂/∂x${j}`).toBeLessThan(
          1e-4 * Math.max(1, Math.abs(fd)),
        );
      }
    }
  });

  it('refinement never lowers the score and stays in the unit cube', () => {
    const rng = Rng.derive(4, 'refine');
    const d = 3;
    const x = Float64Array.from({ length: 15 * d }, () => rng.next());
    const y = Float64Array.from(
      { length: 15 },
      (_, i) => (x[i * d]! - 0.3) ** 2 + (x[i * d + 1]! - 0.7) ** 2,
    );
    const gp = GpPosterior.condition(x, 15, d, y, Float64Array.from([-1, -1, 1, 0, Math.log(1e-5)]));
    for (const kind of ['EI', 'PI', 'LCB'] as AcquisitionKind[]) {
      const start = Float64Array.from([0.5, 0.5, 0.5]);
      const before = acquisitionWithGradient(kind, gp, Math.min(...y), start).score;
      const r = refineAcquisition(kind, gp, Math.min(...y), start);
      expect(r.score).toBeGreaterThanOrEqual(before);
      for (const v of r.x) expect(v >= 0 && v <= 1).toBe(true);
    }
  });

  it("coordinate candidates change a few of the centre's coordinates, at least one, inside the cube", () => {
    const centre = Float64Array.from({ length: 10 }, (_, j) => j / 10);
    const candidates = coordinateCandidates(2000, centre, 2, Rng.derive(3, 'coordinates'));
    let total = 0;
    for (const x of candidates) {
      let changed = 0;
      for (let j = 0; j < 10; j++) {
        expect(x[j]).toBeGreaterThanOrEqual(0);
        expect(x[j]).toBeLessThan(1);
        if (x[j] !== centre[j]) changed++;
      }
      expect(changed).toBeGreaterThanOrEqual(1);
      total += changed;
    }
    // Each coordinate with probability 2/10, at least one: mean 2 + 0.8^10 ≈ 2.1.
    expect(total / candidates.length).toBeGreaterThan(1.9);
    expect(total / candidates.length).toBeLessThan(2.3);
  });
});
