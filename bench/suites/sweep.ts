// The sweep suite: decode at batch 1 over a ladder of model sizes (decode turning
// memory-bound), batched decode, prefill over prompt lengths and a per-kernel profile of a
// step, each figure beside the cost model and the ceilings of the same run.
import { LADDER_WIDTHS, LADDER_WIDTHS_QUICK } from '../../src/perf/ladder.js';
import type { Ceilings } from '../../src/perf/ceilings.js';
import { fmt, MiB, mib, pct } from '../report/format.js';
import { ofCeiling } from './kernels.js';
import { MODEL, parse } from './options.js';
import { defineSuite, type ReportSection, type Table } from './suite.js';
import { sweepBench } from './sweep-bench.js';
import { sweepFile, type SweepRequest, type SweepResult } from './sweep-rows.js';

type SweepFile = ReturnType<typeof sweepFile>;

const colour = (dtype: string) => (dtype === 'f16' ? '#ff7f0e' : '#1f77b4');

export const sweepSuite = defineSuite({
  name: 'sweep',
  summary:
    'decode at batch 1 over a ladder of model sizes, batched decode, prefill over prompt ' +
    'lengths, a per-kernel profile; beside the cost model',
  inDefaultRun: true,
  needs: ['ceilings'],
  options: {
    model: MODEL,
    ladder: {
      flags: '--ladder <widths>',
      help: 'model widths D of the decode ladder (comma-separated; two layers each, 64: 0.4 MiB of f32 weights, 2048: 360 MiB)',
      parse: parse.ints,
      value: LADDER_WIDTHS_QUICK,
      byLevel: { full: LADDER_WIDTHS },
    },
    decodeSteps: { help: 'decode steps timed per ladder model', value: 8, byLevel: { quick: 4 } },
    promptLengths: { help: 'prompt lengths of the prefill rows', value: [1, 16, 128], byLevel: { full: [1, 8, 32, 128, 512] } },
  },
  request: (o, host): SweepRequest => ({
    widths: o.ladder,
    dtypes: ['f32', 'f16'],
    decodeSteps: o.decodeSteps,
    prefillModel: o.model,
    promptLengths: o.promptLengths,
    ceilings: host.results.ceilings as Ceilings,
  }),
  run: sweepBench,
  result: (out: SweepResult, _o, host) => sweepFile(out, host.results.ceilings as Ceilings),
  done: () => 'sweep: decode over model sizes (batch 1), prefill over prompt lengths',
  tables: (s) => [decodeTable(s), batchedTable(s), profileTable(s), prefillTable(s)],
  report: (s) => [roofline(s), ceilingFractions(s), ...(s.batched.length ? [batched(s)] : []), ...(s.profiles.length ? [profiles(s)] : [])],
});

function decodeTable(s: SweepFile): Table {
  return {
    head: [
      'model',
      'dtype',
      'weights',
      'ms/token',
      'tok/s',
      'GB/s',
      'of read ceiling',
      'of reads beside',
      'modelled tok/s',
      'measured/modelled',
      '(ceilings suite)',
    ],
    rows: s.rows.map((r) => [
      r.config,
      r.dtype,
      mib(r.weightBytes),
      `${fmt(r.msPerToken.median)} (${fmt(r.msPerToken.min)}-${fmt(r.msPerToken.max)})`,
      fmt(r.tokensPerSec, 1),
      fmt(r.achievedGBps),
      ofCeiling(r.dtype, r.fractionOfReadBandwidth, r.fractionOfDtypeCeiling),
      pct(r.fractionOfAdjacentRead),
      fmt(r.modelledTokensPerSec, 1),
      fmt(r.measuredOverModelled),
      fmt(r.tokensPerSec / r.modelledFromCeilingsTokensPerSec),
    ]),
    notes: s.skipped.length ? [`skipped: ${s.skipped.join('; ')}`] : [],
  };
}

function batchedTable(s: SweepFile): Table {
  return {
    head: ['model', 'dtype', 'weights', 'batch', 'ms/step', 'x B=1', 'tok/s (all sequences)'],
    rows: s.batched.map((r) => [
      r.config,
      r.dtype,
      mib(r.weightBytes),
      r.batch,
      `${fmt(r.msPerStep.median)} (${fmt(r.msPerStep.min)}-${fmt(r.msPerStep.max)})`,
      fmt(r.overB1),
      fmt(r.tokensPerSec, 1),
    ]),
  };
}

function profileTable(s: SweepFile): Table {
  const names = [...new Set(s.profiles.flatMap((p) => Object.keys(p.kernelsMs)))];
  return {
    head: ['step', 'rows', 'one pass per kernel ms', 'as submitted ms', 'gap ms', ...names],
    rows: s.profiles.map((p) => [
      p.step,
      p.rows,
      fmt(p.attributedMs),
      fmt(p.productionMs),
      fmt(p.gapMs),
      ...names.map((k) => fmt(p.kernelsMs[k] ?? NaN)),
    ]),
    notes: [`overhead floor ends near ${mib(s.overheadFloorEndsAtBytes)} of weights (dispatch overhead = weight read time there)`],
  };
}

function prefillTable(s: SweepFile): Table {
  return {
    head: ['model', 'prompt', 'ms', 'tok/s', 'GFLOP/s', 'of FMA peak', 'modelled tok/s'],
    rows: s.prefill.map((r) => [
      r.model,
      r.promptTokens,
      fmt(r.ms, 1),
      fmt(r.tokensPerSec, 0),
      fmt(r.gflops),
      `${fmt(r.fractionOfPeak * 100, 1)}%`,
      fmt(r.modelledTokensPerSec, 0),
    ]),
  };
}

function roofline(s: SweepFile): ReportSection {
  const c = s.ceilings;
  const pts = (dtype: string, key: 'tokensPerSec' | 'modelledTokensPerSec') =>
    s.rows.filter((r) => r.dtype === dtype).map((r) => ({ x: r.weightBytes / MiB, y: r[key] }));
  const sizes = s.rows.map((r) => r.weightBytes / MiB).sort((a, b) => a - b);
  const roof = sizes.map((m) => ({ x: m, y: (c.readGBps * 1e9) / (m * MiB) }));
  // The floor: a step can go no faster than its dispatches, however small the weights.
  const floorTps = (c.readGBps * 1e9) / s.overheadFloorEndsAtBytes;
  const floor = [sizes[0]!, sizes[sizes.length - 1]!].map((m) => ({ x: m, y: floorTps }));
  return {
    title: 'Decode turns memory-bound as the weights grow',
    explain:
      `Each decode step reads every weight once. Measured tokens/s at batch 1 (from GPU ` +
      `timestamps) against the weights' size, beside the cost model and two bounds measured on ` +
      `this device: the bandwidth roofline (read ceiling ${fmt(c.readGBps)} GB/s over the weight ` +
      `bytes) and the overhead floor (no step is faster than its dispatches at ` +
      `${fmt(c.dependentDispatchUs, 1)} us each, each waiting for the one before). Small models ` +
      `stay under both: a step has other fixed costs (the readback, tiny kernels that leave the ` +
      `device idle). Past about ${fmt(s.overheadFloorEndsAtBytes / MiB, 1)} MiB reading the ` +
      `weights costs more than the dispatches, and the dots bend onto the roofline.`,
    charts: [
      {
        id: 'chart-roofline',
        config: {
          type: 'scatter',
          data: {
            datasets: [
              { label: 'measured f32', data: pts('f32', 'tokensPerSec'), backgroundColor: colour('f32') },
              { label: 'measured f16', data: pts('f16', 'tokensPerSec'), backgroundColor: colour('f16') },
              {
                label: 'modelled f32',
                data: pts('f32', 'modelledTokensPerSec'),
                showLine: true,
                borderColor: colour('f32'),
                borderDash: [4, 4],
                pointRadius: 0,
              },
              {
                label: 'modelled f16',
                data: pts('f16', 'modelledTokensPerSec'),
                showLine: true,
                borderColor: colour('f16'),
                borderDash: [4, 4],
                pointRadius: 0,
              },
              { label: 'bandwidth roofline', data: roof, showLine: true, borderColor: '#2ca02c', pointRadius: 0 },
              { label: 'dispatch-overhead floor', data: floor, showLine: true, borderColor: '#d62728', pointRadius: 0 },
            ],
          },
          options: {
            scales: {
              x: { type: 'logarithmic', title: { display: true, text: 'weight bytes (MiB)' } },
              y: { type: 'logarithmic', title: { display: true, text: 'decode tokens/s (batch 1)' } },
            },
          },
        },
      },
    ],
    tables: [decodeTable(s)],
  };
}

function ceilingFractions(s: SweepFile): ReportSection {
  return {
    title: 'How close to the ceilings',
    explain:
      `Left: decode's achieved bandwidth as a fraction of the read ceiling, per model size. ` +
      `Right: prefill's GFLOP/s as a fraction of the FMA peak (${fmt(s.ceilings.fmaGflops)} ` +
      `GFLOP/s), per prompt length: prefill is compute-bound where decode is memory-bound.`,
    charts: [
      {
        id: 'chart-bandwidth',
        config: {
          type: 'bar',
          data: {
            labels: s.rows.filter((r) => r.dtype === 'f32').map((r) => `${fmt(r.weightBytes / MiB, 1)} MiB`),
            datasets: ['f32', 'f16'].map((d) => ({
              label: `${d} of read ceiling`,
              data: s.rows.filter((r) => r.dtype === d).map((r) => r.fractionOfReadBandwidth),
              backgroundColor: colour(d),
            })),
          },
          options: { scales: { y: { min: 0, max: 1, title: { display: true, text: 'fraction of read ceiling' } } } },
        },
      },
      {
        id: 'chart-prefill',
        config: {
          type: 'line',
          data: {
            labels: s.prefill.map((r) => r.promptTokens),
            datasets: [{ label: 'prefill GFLOP/s / FMA peak', data: s.prefill.map((r) => r.fractionOfPeak), borderColor: '#9467bd' }],
          },
          options: {
            scales: {
              y: { min: 0, title: { display: true, text: 'fraction of FMA peak' } },
              x: { title: { display: true, text: 'prompt tokens' } },
            },
          },
        },
      },
    ],
    tables: [prefillTable(s)],
  };
}

function batched(s: SweepFile): ReportSection {
  const first = s.batched[0]!;
  const batches = [...new Set(s.batched.map((r) => r.batch))];
  const dtypes = [...new Set(s.batched.map((r) => r.dtype))];
  const per = (d: string, key: 'overB1' | 'tokensPerSec') =>
    batches.map((B) => s.batched.find((r) => r.dtype === d && r.batch === B)?.[key] ?? null);
  return {
    title: 'Batched decode: the weights are read once for every sequence',
    explain:
      `Decode steps of B sequences on ${first.config} (${fmt(first.weightBytes / MiB, 1)} MiB of ` +
      `f32 weights), one row each. First: the step's time over B = 1's (dashed: 1x, what an ` +
      `adapter bound only by reading the weights would keep). Second: tokens per second over all ` +
      `B sequences.`,
    charts: [
      {
        id: 'chart-batched-ratio',
        config: {
          type: 'line',
          data: {
            labels: batches,
            datasets: [
              ...dtypes.map((d) => ({ label: `${d}: step time / B = 1`, data: per(d, 'overB1'), borderColor: colour(d) })),
              { label: 'weights read once (1x)', data: batches.map(() => 1), borderColor: '#2ca02c', borderDash: [4, 4], pointRadius: 0 },
            ],
          },
          options: {
            scales: {
              y: { min: 0, title: { display: true, text: 'x the B = 1 step' } },
              x: { title: { display: true, text: 'sequences per step (B)' } },
            },
          },
        },
      },
      {
        id: 'chart-batched-tps',
        config: {
          type: 'bar',
          data: {
            labels: batches,
            datasets: dtypes.map((d) => ({ label: `${d} tokens/s`, data: per(d, 'tokensPerSec'), backgroundColor: colour(d) })),
          },
          options: {
            scales: {
              y: { title: { display: true, text: 'decode tokens/s, all sequences' } },
              x: { title: { display: true, text: 'sequences per step (B)' } },
            },
          },
        },
      },
    ],
    tables: [batchedTable(s)],
  };
}

function profiles(s: SweepFile): ReportSection {
  const kernels = [...new Set(s.profiles.flatMap((p) => Object.keys(p.kernelsMs)))];
  return {
    title: 'Where a step spends its time',
    explain: 'GPU time per kernel (summed over layers) of one prefill and one decode step, each kernel in its own timestamped pass.',
    charts: [
      {
        id: 'chart-kernels',
        config: {
          type: 'bar',
          data: {
            labels: s.profiles.map((p) => `${p.step} (${p.rows} rows)`),
            datasets: kernels.map((name, i) => ({
              label: name,
              data: s.profiles.map((p) => p.kernelsMs[name] ?? 0),
              backgroundColor: `hsl(${(i * 47) % 360} 60% 55%)`,
            })),
          },
          options: { indexAxis: 'y', scales: { x: { stacked: true, title: { display: true, text: 'GPU ms' } }, y: { stacked: true } } },
        },
      },
    ],
    tables: [profileTable(s)],
  };
}
