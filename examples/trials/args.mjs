// Helpers shared by the Node trial scripts of this folder (plain ESM, no dependencies):
// command-line parsing with a usage message, and a seeded PRNG.

/**
 * The command line of one trial script.
 *
 * @param {string} script the script's file name, the prefix of every error message
 * @param {string} usage the usage line, printed by --help and after every error
 * @param {Record<string, 'number' | 'int' | 'string'>} spec each option's name (without `--`) and kind
 * @returns {{ fail: (message: string) => never, parseArgs: (argv: string[]) => Record<string, number | string> }}
 *   `fail` prints `<script>: <message>` and the usage on stderr and exits with code 2;
 *   `parseArgs` reads `--name=value` and `--name value` options, prints the usage and exits 0 on
 *   `--help`/`-h`, and fails on unknown, repeated, valueless or ill-typed options.
 */
export function commandLine(script, usage, spec) {
  function fail(message) {
    process.stderr.write(`${script}: ${message}\n${usage}\n`);
    process.exit(2);
  }

  function parseArgs(argv) {
    const out = {};
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i];
      if (arg === '--help' || arg === '-h') {
        process.stdout.write(`${usage}\n`);
        process.exit(0);
      }
      if (!arg.startsWith('--')) fail(`unexpected argument ${JSON.stringify(arg)}`);
      let name;
      let value;
      const eq = arg.indexOf('=');
      if (eq >= 0) {
        name = arg.slice(2, eq);
        value = arg.slice(eq + 1);
      } else {
        name = arg.slice(2);
        if (i + 1 >= argv.length) fail(`--${name} needs a value`);
        value = argv[++i];
      }
      const kind = spec[name];
      if (kind === undefined) fail(`unknown option --${name}`);
      if (name in out) fail(`--${name} given twice`);
      if (kind === 'number') {
        const n = value.trim() === '' ? NaN : Number(value);
        if (!Number.isFinite(n)) fail(`--${name} must be a finite number, got ${JSON.stringify(value)}`);
        out[name] = n;
      } else if (kind === 'int') {
        // Integer-valued decimals such as "3.0" are accepted (some suggestion services format ints that way).
        const n = value.trim() === '' ? NaN : Number(value);
        if (!Number.isInteger(n)) fail(`--${name} must be an integer, got ${JSON.stringify(value)}`);
        out[name] = n;
      } else {
        out[name] = value;
      }
    }
    return out;
  }

  return { fail, parseArgs };
}

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
