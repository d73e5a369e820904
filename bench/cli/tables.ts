// Terminal tables for each suite's rows.
import Table from 'cli-table3';
import { describeAdapter, fmt, mib, SERVE_HEAD, serveCells } from '../report/format.js';
import type { AdapterReport } from '../../src/index.js';
import type { Tuning } from '../../src/gpu/tuning.js';
import type { DecodeBenchRow } from '../suites/decode.js';
import type { JudgedKernelRow, PeerComparison } from '../suites/kernels.js';
import type { ServePolicyRow } from '../suites/serve.js';
import type { Ceilings } from '../../src/perf/ceilings.js';
import type { SweepResult } from '../suites/sweep.js';
import type { VerifyRow } from '../suites/verify.js';
import type { TuneRow } from '../suites/tune.js';

/** The line a command prints before its results: adapter, kernels, runtime and Vulkan driver. */
export function describeRun(a: AdapterReport & { tuning?: Tuning }, runtime: string, driver?: string): string {
  return `adapter: ${describeAdapter(a)} (runtime: ${runtime}${driver ? `, Vulkan driver: ${driver}` : ''})`;
}

export function decodeTable(rows: DecodeBenchRow[]): string {
  const t = new Table({
    head: ['model', 'dtype', 'weights', 'prompt', 'prefill ms', 'prefill tok/s', 'ms/token', 'decode tok/s', 'GB/s (weights)'],
  });
  for (const r of rows)
    t.push([
      r.model,
      r.dtype,
      mib(r.weightBytes),
      r.promptTokens,
      `${fmt(r.prefillMs.median, 1)} (${fmt(r.prefillMs.min, 1)}-${fmt(r.prefillMs.max, 1)})`,
      fmt(r.prefillTokensPerSec, 0),
      `${fmt(r.msPerToken.median)} (${fmt(r.msPerToken.min)}-${fmt(r.msPerToken.max)})`,
      fmt(r.tokensPerSec, 1),
      fmt(r.achievedGBps),
    ]);
  return t.toString();
}

/** Kernel rows as judgedKernelRows made them (the fractions are computed there, once). */
export function kernelTable(rows: JudgedKernelRow[]): string {
  const t = new Table({
    head: [
      'kernel',
      'dtype',
      'M (B)',
      'K',
      'N',
      'ms (min-max)',
      'GB/s',
      'of read ceiling',
      'of ceiling timed beside it',
      'GFLOP/s',
      'of FMA peak',
    ],
  });
  for (const r of rows) {
    // GEMV rows against the read ceilings timed in turn with them (KernelBenchRow.adjacentReadGBps).
    const [read, own] = 'fractionOfAdjacentRead' in r ? [r.fractionOfAdjacentRead, r.fractionOfAdjacentDtypeCeiling] : [];
    const adjacent =
      read === undefined || own === undefined
        ? '-'
        : ofCeiling({ dtype: r.dtype, fractionOfReadBandwidth: read, fractionOfDtypeCeiling: own });
    t.push([
      r.kernel,
      r.dtype,
      r.M,
      r.K,
      r.N,
      `${fmt(r.ms.median)} (${fmt(r.ms.min)}-${fmt(r.ms.max)})`,
      fmt(r.achievedGBps),
      ofCeiling(r),
      adjacent,
      fmt(r.gflops),
      pct(r.fractionOfPeak),
    ]);
  }
  return t.toString();
}

/** A peer's matmul beside ours: same shape, adapter and clock (bench/peers/). */
export function peerTable(rows: PeerComparison[]): string {
  const t = new Table({
    head: ['peer', 'kernel', 'M', 'K', 'N', 'peer ms (min-max)', 'peer GFLOP/s', 'ours ms', 'ours GFLOP/s', 'ours faster by'],
  });
  for (const r of rows)
    t.push([
      r.peer,
      r.kernel,
      r.M,
      r.K,
      r.N,
      `${fmt(r.ms.median)} (${fmt(r.ms.min)}-${fmt(r.ms.max)})`,
      fmt(r.gflops),
      fmt(r.oursMs),
      fmt(r.oursGflops),
      `${fmt(r.speedup, 1)}x`,
    ]);
  return t.toString();
}

export function serveTable(rows: ServePolicyRow[]): string {
  const t = new Table({ head: [...SERVE_HEAD, 'preempt.'] });
  for (const r of rows) t.push([...serveCells(r), r.preemptions]);
  return t.toString();
}

const pct = (x: number) => `${fmt(x * 100, 0)}%`;

/** Fraction of the read ceiling, and for f16 of the f16 read-and-unpack ceiling too. */
function ofCeiling(r: { dtype: string; fractionOfReadBandwidth: number; fractionOfDtypeCeiling: number }): string {
  return r.dtype === 'f16' && Number.isFinite(r.fractionOfDtypeCeiling)
    ? `${pct(r.fractionOfReadBandwidth)} (f16 roof ${pct(r.fractionOfDtypeCeiling)})`
    : pct(r.fractionOfReadBandwidth);
}

export function ceilingsTable(c: Ceilings): string {
  const t = new Table({ head: ['ceiling', 'size', 'median (min-max)', 'rate'] });
  for (const r of c.read)
    t.push([
      `read (${r.kernel}${r.copy !== undefined ? `, copy ${r.copy + 1}` : ''})`,
      mib(r.bytes),
      `${fmt(r.ms.median)} ms (${fmt(r.ms.min)}-${fmt(r.ms.max)})`,
      `${fmt(r.GBps)} GB/s`,
    ]);
  for (const r of c.copy)
    t.push(['copy (read + write)', mib(r.bytes), `${fmt(r.ms.median)} ms (${fmt(r.ms.min)}-${fmt(r.ms.max)})`, `${fmt(r.GBps)} GB/s`]);
  // Older result files have no per-chain rows.
  for (const r of c.fma ?? [])
    t.push([
      `FMA, ${r.chains} vec4 chain${r.chains > 1 ? 's' : ''}${r.invocations ? `, ${r.invocations} inv.` : ''}${r.gflops === c.fmaGflops ? ' (peak)' : ''}`,
      '',
      `${fmt(r.ms.median)} ms (${fmt(r.ms.min)}-${fmt(r.ms.max)})`,
      `${fmt(r.gflops)} GFLOP/s`,
    ]);
  if (!c.fma)
    t.push(['FMA peak', '', `${fmt(c.fmaMs.median)} ms (${fmt(c.fmaMs.min)}-${fmt(c.fmaMs.max)})`, `${fmt(c.fmaGflops)} GFLOP/s`]);
  t.push(['per-dispatch overhead', '', '', `${fmt(c.dispatchOverheadUs, 1)} us`]);
  t.push(['dependent dispatch (cost model)', '', '', `${fmt(c.dependentDispatchUs, 1)} us`]);
  t.push(['submit + readback', '', `${fmt(c.readbackMs.median)} ms (${fmt(c.readbackMs.min)}-${fmt(c.readbackMs.max)})`, '']);
  return `${t.toString()}\ntimer: ${c.timer}; read ceiling ${fmt(c.readGBps)} GB/s, f16 read-and-unpack ceiling ${fmt(c.f16ReadGBps)} GB/s (largest size)${c.skipped.length ? `\nskipped: ${c.skipped.join('; ')}` : ''}`;
}

export function sweepTables(s: SweepResult): string {
  const d = new Table({
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
  });
  // Older result files have no reads beside the steps.
  for (const r of s.decode)
    d.push([
      r.config,
      r.dtype,
      mib(r.weightBytes),
      `${fmt(r.msPerToken.median)} (${fmt(r.msPerToken.min)}-${fmt(r.msPerToken.max)})`,
      fmt(r.tokensPerSec, 1),
      fmt(r.achievedGBps),
      ofCeiling(r),
      r.fractionOfAdjacentRead === undefined ? '-' : pct(r.fractionOfAdjacentRead),
      fmt(r.modelledTokensPerSec, 1),
      fmt(r.measuredOverModelled),
      r.modelledFromCeilingsTokensPerSec === undefined ? '-' : fmt(r.tokensPerSec / r.modelledFromCeilingsTokensPerSec),
    ]);
  const b = new Table({ head: ['model', 'dtype', 'weights', 'batch', 'ms/step', 'x B=1', 'tok/s (all sequences)'] });
  for (const r of s.batched ?? [])
    b.push([
      r.config,
      r.dtype,
      mib(r.weightBytes),
      r.batch,
      `${fmt(r.msPerStep.median)} (${fmt(r.msPerStep.min)}-${fmt(r.msPerStep.max)})`,
      fmt(r.overB1),
      fmt(r.tokensPerSec, 1),
    ]);
  const p = new Table({ head: ['model', 'prompt', 'ms', 'tok/s', 'GFLOP/s', 'of FMA peak', 'modelled tok/s'] });
  for (const r of s.prefill)
    p.push([
      r.model,
      r.promptTokens,
      fmt(r.ms, 1),
      fmt(r.tokensPerSec, 0),
      fmt(r.gflops),
      `${fmt(r.fractionOfPeak * 100, 1)}%`,
      fmt(r.modelledTokensPerSec, 0),
    ]);
  const prof = s.profiles
    .map((p) => {
      const parts = Object.entries(p.kernelsMs)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(', ');
      return `${p.step} step (${p.rows} rows): one pass per kernel ${fmt(p.attributedMs)} ms vs as submitted ${fmt(p.productionMs)} ms (gap ${fmt(p.gapMs)} ms): ${parts}`;
    })
    .join('\n');
  return `${d.toString()}\n${b.toString()}\n${prof}\noverhead floor ends near ${mib(s.overheadFloorEndsAtBytes)} of weights (dispatch overhead = weight read time there)\n${p.toString()}${s.skipped.length ? `\nskipped: ${s.skipped.join('; ')}` : ''}`;
}

export function verifyTable(rows: VerifyRow[]): string {
  const t = new Table({ head: ['model', 'dtype', 'check', 'result', 'detail'] });
  for (const r of rows) t.push([r.model, r.dtype, r.check, r.pass ? 'pass' : 'FAIL', r.detail]);
  return t.toString();
}

/** The tune suite's candidates, each against the current tuning timed beside it. */
export function tuneTable(rows: TuneRow[]): string {
  const t = new Table({ head: ['kernel', 'candidate', 'M (B)', 'ms (min-max)', 'GFLOP/s', 'GB/s', 'x current', 'same bits'] });
  for (const r of rows)
    t.push([
      r.kernel,
      r.label,
      r.rows,
      `${fmt(r.ms.median)} (${fmt(r.ms.min)}-${fmt(r.ms.max)})`,
      fmt(r.gflops),
      fmt(r.achievedGBps),
      fmt(r.overCurrent, 3),
      // Different K chunks sum in another order: other bits are expected there, and still batch-invariant.
      r.sameBits ? 'yes' : r.sameChunks ? 'NO' : 'no (other K chunks)',
    ]);
  return t.toString();
}
