/**
 * Loads a dependency the first time it is needed rather than when the module that uses it is
 * imported. `import { tune } from 'katib-ts'` and every `katib` command load the whole package's
 * module graph; a library that only some paths need (gRPC and its protobuf loader, the YAML parser,
 * ml-matrix for CMA-ES) would otherwise cost each of them its load time (tens of milliseconds each),
 * whether or not it is ever used. Synchronous (Node's `require`, which every dependency listed here
 * supports), so call sites stay as they were; pair it with `import type` for the types.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A function returning the module `id`, loaded on its first call and kept from then on. */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(id) as T);
}
