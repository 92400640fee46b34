import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSpaceCodec, stepGrid, type DiscreteEncoding } from '../../src/algorithms/index.js';
import {
  infeasibilities,
  toSearchSpace,
  type Assignment,
  type SearchSpace,
} from '../../src/api/search-space.js';
import { arbCoordinate, arbFeasibleAssignment, arbParameters } from '../arbitraries/search-space.js';

const arbSpace = arbParameters({ maxParameters: 5 }).map(toSearchSpace);
const arbMode = fc.constantFrom<DiscreteEncoding>('index', 'value');

/** Equal, except log-scale doubles without step, which may differ in the last bits (relative 1e-12). */
function expectRoundTrip(space: SearchSpace, a: Assignment, b: Assignment): void {
  for (const p of space) {
    const x = a[p.name];
    const y = b[p.name];
    const logContinuous =
      p.type === 'double' &&
      p.step === undefined &&
      (p.distribution === 'logUniform' || p.distribution === 'logNormal');
    if (logContinuous)
      expect(Math.abs((y as number) - (x as number))).toBeLessThanOrEqual(1e-12 * Math.abs(x as number));
    else expect(y).toBe(x);
  }
}

describe('SpaceCodec properties', () => {
  it('decode(encode(a)) == a for feasible a, and encode(a) lies in bounds', () => {
    fc.assert(
      fc.property(
        arbSpace.chain((space) => fc.tuple(fc.constant(space), arbFeasibleAssignment(space), arbMode)),
        ([space, a, mode]) => {
          const codec = createSpaceCodec(space, { discrete: mode });
          const x = codec.encode(a);
          expect(x.length).toBe(codec.dimensions);
          x.forEach((v, i) => {
            const [lo, hi] = codec.bounds[i]!;
            expect(v).toBeGreaterThanOrEqual(lo);
            expect(v).toBeLessThanOrEqual(hi);
          });
          expectRoundTrip(space, a, codec.decode(x));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('decode(any point) is feasible, in bounds or not (NaN and infinities included)', () => {
    fc.assert(
      fc.property(
        arbSpace.chain((space) => {
          const d = createSpaceCodec(space).dimensions;
          return fc.tuple(
            fc.constant(space),
            fc.array(arbCoordinate, { minLength: d, maxLength: d }),
            arbMode,
          );
        }),
        ([space, point, mode]) => {
          const codec = createSpaceCodec(space, { discrete: mode });
          expect(infeasibilities(space, codec.decode(point))).toEqual([]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('decode of any point in the box is feasible (uniform points via fromUnit)', () => {
    fc.assert(
      fc.property(
        arbSpace.chain((space) => {
          const d = createSpaceCodec(space).dimensions;
          return fc.tuple(
            fc.constant(space),
            fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: d, maxLength: d }),
          );
        }),
        ([space, unit]) => {
          const codec = createSpaceCodec(space);
          const x = codec.fromUnit(unit);
          expect(infeasibilities(space, codec.decode(x))).toEqual([]);
          const back = codec.toUnit(x);
          back.forEach((u, i) => {
            const [lo, hi] = codec.bounds[i]!;
            if (hi > lo) expect(u).toBeCloseTo(unit[i]!, 9);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('SpaceCodec layout', () => {
  const space = toSearchSpace([
    {
      name: 'lr',
      parameterType: 'double',
      feasibleSpace: { min: '0.001', max: '0.1', distribution: 'logUniform' },
    },
    { name: 'n', parameterType: 'int', feasibleSpace: { min: '1', max: '5' } },
    { name: 'm', parameterType: 'double', feasibleSpace: { min: '0', max: '1', step: '0.25' } },
    { name: 'opt', parameterType: 'categorical', feasibleSpace: { list: ['sgd', 'adam', 'ftrl'] } },
    { name: 'bs', parameterType: 'discrete', feasibleSpace: { list: ['16', '32', '128'] } },
  ]);

  it('uses log scale, half-step padding, one-hot and discrete value columns', () => {
    const codec = createSpaceCodec(space);
    expect(codec.dimensions).toBe(1 + 1 + 1 + 3 + 1);
    expect(codec.bounds[0]![0]).toBeCloseTo(Math.log(0.001), 12);
    expect(codec.bounds[0]![1]).toBeCloseTo(Math.log(0.1), 12);
    expect(codec.bounds[1]).toEqual([0.5, 5.5]);
    expect(codec.bounds[2]).toEqual([-0.125, 1.125]);
    expect(codec.bounds.slice(3, 6)).toEqual([
      [0, 1],
      [0, 1],
      [0, 1],
    ]);
    // 16, 32, 128: padded by half the gap to the neighbour.
    expect(codec.bounds[6]).toEqual([8, 176]);
    expect(codec.encodings.map((e) => e.kind)).toEqual([
      'continuous',
      'stepped',
      'stepped',
      'one-hot',
      'discrete-value',
    ]);
  });

  it('decodes by rounding, clamping, argmax and nearest value', () => {
    const codec = createSpaceCodec(space);
    expect(codec.decode([Math.log(0.01), 3.49, 0.62, 0.1, 0.9, 0.3, 60])).toEqual({
      lr: expect.closeTo(0.01, 12) as number,
      n: 3,
      m: 0.5,
      opt: 'adam',
      bs: 32,
    });
    expect(codec.decode([99, -7, 5, Number.NaN, Number.NaN, Number.NaN, 1e9])).toEqual({
      lr: 0.1,
      n: 1,
      m: 1,
      opt: 'sgd',
      bs: 128,
    });
  });

  it('index mode gives each list entry an equal cell', () => {
    const codec = createSpaceCodec(space, { discrete: 'index' });
    expect(codec.bounds[6]).toEqual([-0.5, 2.5]);
    expect(codec.decode([0, 0, 0, 1, 0, 0, 1.6])['bs']).toBe(128);
  });

  it('int log scale pads by half a step inside the logarithm', () => {
    const codec = createSpaceCodec(
      toSearchSpace([
        {
          name: 'k',
          parameterType: 'int',
          feasibleSpace: { min: '1', max: '100', distribution: 'logUniform' },
        },
      ]),
    );
    expect(codec.bounds[0]![0]).toBeCloseTo(Math.log(0.5), 12);
    expect(codec.bounds[0]![1]).toBeCloseTo(Math.log(100.5), 12);
    expect(codec.decode([Math.log(10.4)])['k']).toBe(10);
  });

  it('log distribution with min <= 0 falls back to linear scale', () => {
    const codec = createSpaceCodec(
      toSearchSpace([
        {
          name: 'x',
          parameterType: 'double',
          feasibleSpace: { min: '0', max: '1', distribution: 'logUniform' },
        },
      ]),
    );
    expect(codec.encodings[0]!.scale).toBe('linear');
    expect(codec.bounds[0]).toEqual([0, 1]);
  });
});

describe('stepGrid', () => {
  it('writes grid values with the decimals of min and step', () => {
    const g = stepGrid(0.1, 0.7, 0.1);
    expect(g.count).toBe(7);
    expect(Array.from({ length: g.count }, (_, k) => g.value(k))).toEqual([
      0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7,
    ]);
    expect(stepGrid(1e-7, 5e-7, 1e-7).value(2)).toBe(3e-7);
  });

  it('counts max as on the grid despite float noise, and drops an overshooting last step', () => {
    expect(stepGrid(0, 0.3, 0.1).count).toBe(4);
    expect(stepGrid(0, 1, 0.3).count).toBe(4);
    expect(stepGrid(5, 5, 1).count).toBe(1);
    expect(stepGrid(5, 4, 1).count).toBe(0);
  });

  it('indexOf accepts grid points within tolerance only', () => {
    const g = stepGrid(0, 1, 0.1);
    expect(g.indexOf(0.30000000000000004)).toBe(3);
    expect(g.indexOf(0.35)).toBeUndefined();
    expect(g.indexOf(1.1)).toBeUndefined();
  });
});
