/**
 * Trial names as Katib makes them: `<experiment>-<8 random characters>` from Kubernetes'
 * `rand.String` alphabet (no vowels, so names never spell words).
 */
import { randomInt } from 'node:crypto';

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A new trial name for `experimentName`, not in `taken`. */
export function newTrialName(experimentName: string, taken: ReadonlySet<string>): string {
  for (;;) {
    let suffix = '';
    for (let i = 0; i < 8; i++) suffix += ALPHABET[randomInt(ALPHABET.length)];
    const name = `${experimentName}-${suffix}`;
    if (!taken.has(name)) return name;
  }
}
