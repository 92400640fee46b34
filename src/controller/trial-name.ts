/**
 * Trial names as Katib makes them: `<experiment>-<8 random characters>` from Kubernetes'
 * `rand.String` alphabet (no vowels, so names never spell words).
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Random bytes drawn ahead (one system call per ~400 names instead of one per name). */
let pool = Buffer.alloc(0);
let next = 0;

/** One random byte from the pool. */
function randomByte(): number {
  if (next >= pool.length) {
    pool = randomBytes(4096);
    next = 0;
  }
  return pool[next++]!;
}

/** A new trial name for `experimentName`, not in `taken` (a Set, or anything that answers `has`). */
export function newTrialName(
  experimentName: string,
  taken: { readonly has: (name: string) => boolean },
): string {
  for (;;) {
    let suffix = '';
    while (suffix.length < 8) {
      // Bytes ≥ 243 (= 9 × 27) are skipped, so each character is uniform.
      const b = randomByte();
      if (b < 243) suffix += ALPHABET[b % ALPHABET.length];
    }
    const name = `${experimentName}-${suffix}`;
    if (!taken.has(name)) return name;
  }
}
