/**
 * Properties of validation: it never throws (on anything, and on random mutations of a valid
 * experiment), every error has a rooted path, and experiments built from arbitrary well-formed
 * parameter specs are valid.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseExperiment,
  SpecError,
  toSearchSpace,
  validateExperiment,
  type FieldError,
  type ValidationOptions,
} from '../../src/api/index.js';
import { DELETE, edit, getAt, validExperiment, type JsonObject } from './fixtures.js';

const ROOTED = /^(spec|metadata|apiVersion|kind)(\.|\[|$)/;

function expectWellFormed(errors: readonly FieldError[]): void {
  expect(Array.isArray(errors)).toBe(true);
  for (const e of errors) {
    expect(e.path).toMatch(ROOTED);
    expect(typeof e.message).toBe('string');
    expect(e.message.length).toBeGreaterThan(0);
  }
}

const anything = fc.anything({
  withNullPrototype: true,
  withBoxedValues: true,
  withObjectString: true,
  withSparseArray: true,
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withTypedArray: true,
});

const modes: ValidationOptions[] = [{}, { mode: 'cluster' }, { earlyStoppingAlgorithms: ['medianstop'] }];

/** Every path (as a dotted string) of a JSON value, objects and lists included. */
function allPaths(v: unknown, prefix = ''): string[] {
  if (typeof v !== 'object' || v === null) return [];
  const out: string[] = [];
  const entries: [string, unknown][] = Array.isArray(v)
    ? v.map((x, i) => [`${prefix}[${i}]`, x])
    : Object.entries(v).map(([k, x]) => [prefix === '' ? k : `${prefix}.${k}`, x]);
  for (const [p, x] of entries) out.push(p, ...allPaths(x, p));
  return out;
}

describe('validateExperiment never throws', () => {
  it('on anything', () => {
    fc.assert(
      fc.property(anything, fc.constantFrom(...modes), (raw, opts) => {
        expectWellFormed(validateExperiment(raw, opts));
      }),
      { numRuns: 500 },
    );
  });

  it('on a valid experiment with anything at a top-level spec field', () => {
    const keys = Object.keys(validExperiment()['spec'] as JsonObject).concat([
      'nasConfig',
      'earlyStopping',
      'metricsCollectorSpec',
    ]);
    fc.assert(
      fc.property(fc.constantFrom(...keys), anything, fc.constantFrom(...modes), (key, value, opts) => {
        expectWellFormed(validateExperiment(edit(validExperiment(), { [`spec.${key}`]: value }), opts));
      }),
      { numRuns: 300 },
    );
  });

  it('on random mutations of a valid experiment', () => {
    const base = validExperiment();
    const paths = allPaths(base);
    const mutation = fc.tuple(fc.constantFrom(...paths), fc.oneof(anything, fc.constant(DELETE)));
    fc.assert(
      fc.property(
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(...modes),
        (mutations, opts) => {
          const raw = edit(base, Object.fromEntries(mutations));
          expectWellFormed(validateExperiment(raw, opts));
          try {
            parseExperiment(raw, opts);
          } catch (e) {
            expect(e).toBeInstanceOf(SpecError);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('with an algorithm hook that sees only structurally sound specs', () => {
    fc.assert(
      fc.property(fc.constantFrom(...allPaths(validExperiment())), anything, (path, value) => {
        const errors = validateExperiment(edit(validExperiment(), { [path]: value }), {
          validateAlgorithm: (spec) => {
            // It may rely on the search space being parseable.
            toSearchSpace(spec.parameters ?? []);
            return [];
          },
        });
        expectWellFormed(errors);
      }),
      { numRuns: 300 },
    );
  });
});

/** A well-formed ParameterSpec (before defaulting; numbers may be YAML numbers or strings). */
const parameterSpec = (name: string): fc.Arbitrary<JsonObject> => {
  const num = (n: number, asString: boolean): string | number => (asString ? String(n) : n);
  const double = fc
    .record({
      min: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      width: fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
      stepFraction: fc.option(fc.double({ min: 0.01, max: 1, noNaN: true }), { nil: undefined }),
      log: fc.boolean(),
      asString: fc.boolean(),
    })
    .map(({ min, width, stepFraction, log, asString }) => {
      const lo = log ? Math.abs(min) / 1e3 + 1e-6 : min;
      const hi = lo + width;
      const fs: JsonObject = { min: num(lo, asString), max: num(hi, asString) };
      if (stepFraction !== undefined) fs['step'] = num((hi - lo) * stepFraction, asString);
      if (log) fs['distribution'] = 'logUniform';
      return { name, parameterType: 'double', feasibleSpace: fs };
    })
    .filter((p) => Number(p.feasibleSpace['min']) < Number(p.feasibleSpace['max']));
  const int = fc
    .record({
      min: fc.integer({ min: -1000, max: 1000 }),
      width: fc.integer({ min: 1, max: 1000 }),
      step: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }),
      asString: fc.boolean(),
    })
    .map(({ min, width, step, asString }) => {
      const fs: JsonObject = { min: num(min, asString), max: num(min + width, asString) };
      if (step !== undefined) fs['step'] = num(Math.min(step, width), asString);
      return { name, parameterType: 'int', feasibleSpace: fs };
    });
  const discrete = fc
    .uniqueArray(fc.double({ noNaN: true, noDefaultInfinity: true }), {
      minLength: 1,
      maxLength: 6,
      comparator: 'SameValueZero',
    })
    .map((values) => ({ name, parameterType: 'discrete', feasibleSpace: { list: values.map(String) } }));
  const categorical = fc
    .uniqueArray(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 6 })
    .map((list) => ({ name, parameterType: 'categorical', feasibleSpace: { list } }));
  return fc.oneof(double, int, discrete, categorical);
};

const experimentWithParameters = fc
  .uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_-]{0,12}$/), { minLength: 1, maxLength: 6 })
  .chain((names) => fc.tuple(...names.map((n) => parameterSpec(n))))
  .map((parameters) => {
    const trialParameters = parameters.map((p, i) => ({ name: `p${i}`, reference: p['name'] }));
    return edit(validExperiment(), {
      'spec.parameters': parameters,
      'spec.trialTemplate.trialParameters': trialParameters,
      'spec.trialTemplate.trialSpec.spec.template.spec.containers[0].command': [
        'python3',
        'train.py',
        ...trialParameters.map((tp) => `--${String(tp.reference)}=\${trialParameters.${tp.name}}`),
      ],
    });
  });

describe('valid experiments', () => {
  it('built from arbitrary well-formed parameter specs have no errors', () => {
    fc.assert(
      fc.property(experimentWithParameters, (raw) => {
        expect(validateExperiment(raw)).toEqual([]);
        const e = parseExperiment(raw);
        const space = toSearchSpace(e.spec.parameters ?? []);
        expect(space.map((p) => p.name)).toEqual(
          (getAt(raw, 'spec.parameters') as JsonObject[]).map((p) => p['name']),
        );
        for (const p of space) {
          if (p.type === 'double' || p.type === 'int') {
            expect(p.min).toBeLessThan(p.max);
            expect(Number.isFinite(p.min) && Number.isFinite(p.max)).toBe(true);
          } else {
            expect(p.values.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
