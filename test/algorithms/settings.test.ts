import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  boolSetting,
  enumSetting,
  floatSetting,
  intSetting,
  parseSettings,
  randomStateSetting,
  stringSetting,
  type SettingsSpec,
} from '../../src/algorithms/index.js';
import type { AlgorithmSetting } from '../../src/api/experiment.js';

interface DemoSettings {
  readonly randomState: number | undefined;
  readonly gamma: number;
  readonly nCandidates: number;
  readonly restart: 'ipop' | 'bipop' | 'none';
  readonly multivariate: boolean;
  readonly note: string;
}

// A TPE/CMA-ES-like declaration exercising every kind of setting and Katib's messages.
const demo: SettingsSpec<DemoSettings> = {
  randomState: randomStateSetting(),
  gamma: floatSetting('gamma', {
    default: 0.25,
    min: 0,
    minExclusive: true,
    max: 1,
    maxExclusive: true,
    rangeMessage: 'gamma should be in the range of (0, 1)',
    description: 'split quantile',
  }),
  nCandidates: intSetting('n_EI_candidates', {
    default: 24,
    min: 0,
    minExclusive: true,
    rangeMessage: 'n_EI_candidates should be great than zero',
    description: 'candidates',
  }),
  restart: enumSetting('restart_strategy', {
    default: 'none',
    values: ['ipop', 'bipop', 'none'],
    message: (v) => `restart_strategy ${v} is not supported in CMAES optimization`,
    description: 'restarts',
  }),
  multivariate: boolSetting('multivariate', { default: false, description: 'joint model' }),
  note: stringSetting('note', { default: '', description: 'free text' }),
};

const parse = (settings: AlgorithmSetting[]): ReturnType<typeof parseSettings<DemoSettings>> =>
  parseSettings(demo, 'demo', settings);

describe('parseSettings', () => {
  it('applies defaults and parses typed values', () => {
    expect(parse([])).toEqual({
      ok: true,
      settings: {
        randomState: undefined,
        gamma: 0.25,
        nCandidates: 24,
        restart: 'none',
        multivariate: false,
        note: '',
      },
    });
    expect(
      parse([
        { name: 'random_state', value: ' 42 ' },
        { name: 'gamma', value: '1e-1' },
        { name: 'n_EI_candidates', value: '+7' },
        { name: 'restart_strategy', value: 'ipop' },
        { name: 'multivariate', value: 'True' },
        { name: 'note', value: 'hi' },
      ]),
    ).toEqual({
      ok: true,
      settings: {
        randomState: 42,
        gamma: 0.1,
        nCandidates: 7,
        restart: 'ipop',
        multivariate: true,
        note: 'hi',
      },
    });
  });

  it('the last of repeated names wins', () => {
    const r = parse([
      { name: 'gamma', value: '0.3' },
      { name: 'gamma', value: '0.4' },
    ]);
    expect(r.ok && r.settings.gamma).toBe(0.4);
  });

  const at = (i: number, field: 'name' | 'value'): string =>
    `spec.algorithm.algorithmSettings[${i}].${field}`;
  it.each([
    {
      value: { name: 'random_state', value: '-1' },
      path: at(0, 'value'),
      message: 'random_state should be great or equal than zero',
    },
    {
      value: { name: 'random_state', value: '1.5' },
      path: at(0, 'value'),
      message: "failed to validate random_state(1.5): invalid literal for int() with base 10: '1.5'",
    },
    {
      value: { name: 'gamma', value: '1' },
      path: at(0, 'value'),
      message: 'gamma should be in the range of (0, 1)',
    },
    {
      value: { name: 'gamma', value: '0' },
      path: at(0, 'value'),
      message: 'gamma should be in the range of (0, 1)',
    },
    {
      value: { name: 'gamma', value: 'abc' },
      path: at(0, 'value'),
      message: "failed to validate gamma(abc): could not convert string to float: 'abc'",
    },
    {
      value: { name: 'n_EI_candidates', value: '0' },
      path: at(0, 'value'),
      message: 'n_EI_candidates should be great than zero',
    },
    {
      value: { name: 'restart_strategy', value: 'lol' },
      path: at(0, 'value'),
      message: 'restart_strategy lol is not supported in CMAES optimization',
    },
    {
      value: { name: 'multivariate', value: 'yes' },
      path: at(0, 'value'),
      message: 'failed to validate multivariate(yes): must be true or false',
    },
    {
      value: { name: 'seed', value: '1' },
      path: at(0, 'name'),
      message: 'unknown setting seed for algorithm demo',
    },
  ])('$value.name=$value.value → $message', ({ value, path, message }) => {
    const r = parse([value]);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toMatchObject({ path, message });
    }
  });

  it('reports every bad setting, each at its index', () => {
    const r = parse([
      { name: 'gamma', value: '0.5' },
      { name: 'bogus', value: '1' },
      { name: 'random_state', value: '-3' },
    ]);
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual([at(1, 'name'), at(2, 'value')]);
  });

  it('never throws, whatever the settings hold', () => {
    fc.assert(
      fc.property(fc.anything(), (garbage) => {
        const r = parseSettings(demo, 'demo', garbage as AlgorithmSetting[]);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            name: fc.constantFrom('random_state', 'gamma', 'n_EI_candidates', 'x'),
            value: fc.string(),
          }),
        ),
        (list) => {
          const r = parse(list);
          if (!r.ok)
            for (const e of r.errors)
              expect(e.path).toMatch(/^spec\.algorithm\.algorithmSettings\[\d+\]\.(name|value)$/);
        },
      ),
      { numRuns: 500 },
    );
  });
});
