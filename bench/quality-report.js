// The Markdown of the quality benchmark, from its raw records (bench/raw/quality.json).
import { OUR_ALGORITHMS, PEER_OF, PEER_SAMPLERS, methodLabel } from './algorithms.js';
import { problems } from './problems.js';
import { mannWhitneyU, median, quantile } from './stats.js';

/** Significance level of the per-pair Mann-Whitney tests. */
export const ALPHA = 0.05;

const MODE_TITLES = {
  sequential: 'Sequential (one trial at a time)',
  parallel: 'Parallel (4 trials outstanding)',
};
/** The ≤6-D continuous problems on which GP-BO should be the best method (the issue's bar). */
const GP_BAR_FUNCTIONS = ['branin', 'hartmann6', 'rosenbrock5', 'ackley5'];

/** A regret in 3 significant digits (exponent form when very small or large). */
export function fmt(x) {
  if (x === undefined || Number.isNaN(x)) return '–';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a < 1e-3 || a >= 1e5 ? x.toExponential(2) : x.toPrecision(3);
}

const fmtP = (p) => (Number.isNaN(p) ? '–' : p < 0.001 ? '<0.001' : p.toFixed(3));

/** Summary of one method on one function and mode. */
function summarise(records) {
  const ok = records.filter((r) => r.error === undefined);
  const regrets = ok.map((r) => r.regret);
  return {
    n: ok.length,
    errors: records.length - ok.length,
    firstError: records.find((r) => r.error !== undefined)?.error,
    median: median(regrets),
    q1: quantile(regrets, 0.25),
    q3: quantile(regrets, 0.75),
    bySeed: new Map(ok.map((r) => [r.seed, r.regret])),
    regrets,
  };
}

/** The comparison of ours against a peer: Mann-Whitney two-sided p, wins/ties/losses by seed, direction. */
function compare(ours, peer) {
  const { u, p } = mannWhitneyU(ours.regrets, peer.regrets);
  let wins = 0;
  let ties = 0;
  let losses = 0;
  for (const [seed, r] of ours.bySeed) {
    const q = peer.bySeed.get(seed);
    if (q === undefined) continue;
    if (r < q) wins++;
    else if (r === q) ties++;
    else losses++;
  }
  // U counts pairs where ours > peer: below n₁n₂/2, ours tends to the smaller (better) regret.
  const direction = u < (ours.n * peer.n) / 2 ? 'better' : u > (ours.n * peer.n) / 2 ? 'worse' : 'equal';
  const significant = p < ALPHA;
  return { p, wins, ties, losses, direction, significant };
}

function verdict(c, ours, peer) {
  if (c.significant && c.direction === 'worse') return '**▼ WORSE**';
  if (c.significant && c.direction === 'better') return '▲ better';
  const m =
    ours.median < peer.median ? 'median better' : ours.median > peer.median ? 'median worse' : 'same median';
  return `≈ (${m})`;
}

const cell = (s) =>
  s.n === 0
    ? s.errors > 0
      ? `error: ${s.firstError}`
      : '–'
    : `${fmt(s.median)} [${fmt(s.q1)}, ${fmt(s.q3)}]`;

/**
 * Builds the quality section from raw records: per mode, a matrix of median regrets of every method
 * on every function, the pair table with p-values and per-seed wins, a bar check, and the list of
 * losses for the lead to explain.
 */
export function qualityReport(raw) {
  const records = raw.records ?? [];
  const fnOrder = problems.map((p) => p.name).filter((f) => records.some((r) => r.problem === f));
  const modes = Object.keys(MODE_TITLES).filter((m) => records.some((r) => r.mode === m));
  const oursNames = OUR_ALGORITHMS.filter((a) => records.some((r) => r.side === 'ours' && r.algorithm === a));
  const peerNames = Object.keys(PEER_SAMPLERS).filter((a) =>
    records.some((r) => r.side === 'optuna' && r.algorithm === a),
  );
  const seeds = [...new Set(records.map((r) => r.seed))].sort((a, b) => a - b);
  const trialsOf = (f) => [...new Set(records.filter((r) => r.problem === f).map((r) => r.trials))].join('/');
  const get = (side, algorithm, problem, mode) =>
    summarise(
      records.filter(
        (r) => r.side === side && r.algorithm === algorithm && r.problem === problem && r.mode === mode,
      ),
    );

  const out = [];
  out.push('## Search quality: final simple regret against Optuna');
  out.push('');
  out.push(
    `Final simple regret = best objective value found − known optimum (lower is better), over seeds ${seeds.length > 0 ? `${seeds[0]}..${seeds[seeds.length - 1]}` : '–'} (${seeds.length} seeds).`,
    `Trial budgets: ${fnOrder.map((f) => `${f} ${trialsOf(f)}`).join(', ')}${raw.trialsScale !== undefined && raw.trialsScale !== 1 ? ` (trials scale ${raw.trialsScale}: a smoke run, not the benchmark)` : ''}.`,
    'Ours run through the in-process Suggestion service and DesignerPolicy as the engine drives them (state kept between calls);',
    'Optuna runs ask/tell in one long-lived process per worker. In parallel mode 4 trials are outstanding and finish in a',
    "seeded, deterministic order (the same for every method); Optuna's TPE samplers then use `constant_liar=True`.",
    `Pairs are compared by a two-sided Mann-Whitney U test over seeds (α = ${ALPHA}, no correction for the number of pairs) and by`,
    'seed-against-seed wins. ▲/▼: ours significantly better/worse than its peer; **bold**: best median of all methods.',
    'Problems: bench/problems.json (Ackley-5D shifted so its optimum is at x = (10.4, −14.3, 6.7, 18.1, −8.9)); details in docs/benchmarks.md.',
  );
  if ((raw.skipped ?? []).length > 0)
    out.push('', `Not registered in this build, skipped: ${raw.skipped.join(', ')}.`);

  const losses = [];
  const bar = new Map(); // algorithm → { worse: [], betterMedian: 0, compared: 0 }
  const gpBest = [];

  for (const mode of modes) {
    out.push('', `### ${MODE_TITLES[mode]}`, '');
    // Matrix of medians.
    const methods = [...oursNames.map((a) => ['ours', a]), ...peerNames.map((a) => ['optuna', a])];
    const stats = new Map(
      methods.map(([s, a]) => [`${s}|${a}`, new Map(fnOrder.map((f) => [f, get(s, a, f, mode)]))]),
    );
    const bestMedian = new Map(
      fnOrder.map((f) => [
        f,
        Math.min(
          ...methods.map(([s, a]) => stats.get(`${s}|${a}`).get(f).median).filter((x) => !Number.isNaN(x)),
        ),
      ]),
    );
    const bestPeer = new Map(
      fnOrder.map((f) => {
        let best;
        for (const a of peerNames) {
          const s = stats.get(`optuna|${a}`).get(f);
          if (s.n > 0 && (best === undefined || s.median < stats.get(`optuna|${best}`).get(f).median))
            best = a;
        }
        return [f, best];
      }),
    );
    const pairRows = [];
    const marks = new Map();
    for (const a of oursNames) {
      for (const f of fnOrder) {
        const peerName = PEER_OF[a] === 'best' ? bestPeer.get(f) : PEER_OF[a];
        if (!peerName || !peerNames.includes(peerName)) continue;
        const o = stats.get(`ours|${a}`).get(f);
        const q = stats.get(`optuna|${peerName}`).get(f);
        if (o.n === 0 || q.n === 0) {
          pairRows.push([
            f,
            `ours ${a}`,
            cell(o),
            methodLabel('optuna', peerName),
            cell(q),
            '–',
            '–',
            'not compared',
          ]);
          continue;
        }
        const c = compare(o, q);
        marks.set(
          `${a}|${f}`,
          c.significant ? (c.direction === 'worse' ? ' ▼' : c.direction === 'better' ? ' ▲' : '') : '',
        );
        const peerLabel = `${PEER_OF[a] === 'best' ? 'best: ' : ''}${methodLabel('optuna', peerName)}`;
        pairRows.push([
          f,
          `ours ${a}`,
          cell(o),
          peerLabel,
          cell(q),
          fmtP(c.p),
          `${c.wins}/${c.ties}/${c.losses}`,
          verdict(c, o, q),
        ]);
        const b = bar.get(a) ?? { worse: [], betterMedian: 0, compared: 0 };
        b.compared++;
        if (o.median < q.median) b.betterMedian++;
        if (c.significant && c.direction === 'worse') b.worse.push(`${f} (${mode})`);
        bar.set(a, b);
        if ((c.significant && c.direction === 'worse') || o.median > q.median)
          losses.push(
            `${mode}, ${f}: ours ${a} ${fmt(o.median)} vs ${methodLabel('optuna', peerName)} ${fmt(q.median)}` +
              ` (p = ${fmtP(c.p)}${c.significant ? ', significant' : ''}; wins ${c.wins}/${c.ties}/${c.losses})`,
          );
      }
    }

    out.push(
      'Median final regret of every method (best of each column in bold; ▲/▼ against its Optuna peer, p < 0.05):',
      '',
    );
    out.push(`| method | ${fnOrder.join(' | ')} |`);
    out.push(`|---|${fnOrder.map(() => '---:').join('|')}|`);
    for (const [s, a] of methods) {
      const row = fnOrder.map((f) => {
        const x = stats.get(`${s}|${a}`).get(f);
        if (x.n === 0) return x.errors > 0 ? 'error' : '–';
        const text = fmt(x.median);
        const bold = x.median === bestMedian.get(f) ? `**${text}**` : text;
        return `${bold}${s === 'ours' ? (marks.get(`${a}|${f}`) ?? '') : ''}`;
      });
      out.push(`| ${methodLabel(s, a)} | ${row.join(' | ')} |`);
    }
    if (oursNames.includes('bayesianoptimization')) {
      for (const f of fnOrder.filter((x) => GP_BAR_FUNCTIONS.includes(x))) {
        const gp = stats.get('ours|bayesianoptimization').get(f);
        if (gp.n > 0) gpBest.push([mode, f, gp.median === bestMedian.get(f)]);
      }
    }
    out.push(
      '',
      'Pairs: median [Q1, Q3] of final regret; p: two-sided Mann-Whitney U; wins: seeds where ours is better / equal / worse.',
      '',
    );
    out.push(
      '| function | ours | median [Q1, Q3] | peer | median [Q1, Q3] | p | wins/ties/losses | verdict |',
    );
    out.push('|---|---|---|---|---|---:|---:|---|');
    for (const r of pairRows) out.push(`| ${r.join(' | ')} |`);
  }

  out.push('', '### Bar check', '');
  out.push(
    'Bar: never significantly worse than the Optuna peer; a better median on most functions; GP-BO the best method on the ≤6-D continuous functions.',
    '',
  );
  out.push('| ours | significantly worse on | better median | verdict |');
  out.push('|---|---|---:|---|');
  for (const a of oursNames) {
    const b = bar.get(a);
    if (!b) continue;
    const pass = b.worse.length === 0 && b.betterMedian * 2 > b.compared;
    out.push(
      `| ${a} | ${b.worse.length > 0 ? `**${b.worse.join(', ')}**` : 'none'} | ${b.betterMedian} of ${b.compared} | ${pass ? 'meets the bar' : '**misses the bar**'} |`,
    );
  }
  if (gpBest.length > 0) {
    const missed = gpBest.filter(([, , best]) => !best).map(([m, f]) => `${f} (${m})`);
    out.push(
      '',
      `GP-BO best of all methods on the ≤6-D continuous functions: ${missed.length === 0 ? 'yes, everywhere' : `**not on ${missed.join(', ')}**`}.`,
    );
  }

  out.push('', '### Where our median is worse', '');
  if (losses.length === 0) out.push('No pair where ours has a worse median.');
  else {
    out.push(
      'Rows where ours has a worse median than its peer (significant ones first); the reasons are discussed in the',
      'section "Search quality: reading the results" below (written by hand from these numbers).',
      '',
    );
    losses.sort((x, y) => Number(y.includes('significant')) - Number(x.includes('significant')));
    for (const l of losses) out.push(`- ${l}.`);
  }
  return out.join('\n');
}
