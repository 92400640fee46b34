/**
 * The `yaml` package, loaded the first time an experiment, a config or `-o yaml` output needs it
 * rather than with the package (see lazy-require.ts): `tune()` never does.
 */
import type * as Yaml from 'yaml';
import { lazyRequire } from '../lazy-require.js';

/** The `yaml` module, loaded on first call. */
export const yamlModule: () => typeof Yaml = lazyRequire<typeof Yaml>('yaml');
