// The kernels suite: the decode GEMV (B = 1, 4, 8) and the prefill GEMM alone, f32 and f16,
// each GEMV judged by the read ceilings timed in turn with it, and beside two other WebGPU
// engines (tfjs-backend-webgpu, onnxruntime-web) on the same shapes and device.
import type { Ceilings } from '../../src/perf/ceilings.js';
import { fmt, pct } from '../report/format.js';
import { judgedKernelRows, kernelBench, type JudgedKernelRow, type KernelBenchRequest, type KernelBenchResult } from './kernel-bench.js';
import { GEMM_SHAPE, GEMV_SIZE, KERNEL_SIZE, kernelShapes, REPEATS } from './options.js';
import { defineSuite, type ReportSection, type Table } from './suite.js';

/** Fraction of the read ceiling, and for f16 of the f16 read-and-unpack ceiling too. */
export function ofCeiling(dtype: string, read: number, own: number): string {
  return dtype === 'f16' && Number.isFinite(own) ? `${pct(read)} (f16 roof ${pct(own)})` : pct(read);
}

export const kernelsSuite = defineSuite({
  name: 'kernels',
  summary: 'the decode GEMV (B = 1, 4, 8) and the prefill GEMM alone, f32 and f16, judged by the ceilings; tfjs and ORT on the same shapes',
  inDefaultRun: true,
  needs: ['ceilings'],
  options: {
    repeats: REPEATS,
    kernelSize: KERNEL_SIZE,
    peers: { flags: '--no-peers', help: 'skip timing tfjs-backend-webgpu and onnxruntime-web on the same shapes', value: true },
    gemvSize: GEMV_SIZE,
    gemmShape: GEMM_SHAPE,
  },
  request: (o): KernelBenchRequest => {
    const { gemv, gemm } = kernelShapes(o);
    return {
      gemv: [1, 4, 8].map((b) => [b, gemv, gemv]),
      gemm: [gemm],
      dtypes: ['f32', 'f16'],
      repeats: o.repeats,
      peers: o.peers,
    };
  },
  run: kernelBench,
  result: (out: KernelBenchResult, _o, host) => {
    const ceilings = host.results.ceilings as Ceilings;
    return { ceilings, skipped: out.skipped, rows: judgedKernelRows(out.rows, ceilings), peers: out.peers, peerErrors: out.peerErrors };
  },
  done: () => 'kernels: GEMV (decode) and GEMM (prefill) alone',
  tables: (r) => [kernelTable(r.rows, r.skipped), ...(r.peers.length || r.peerErrors.length ? [peerTable(r)] : [])],
  report: (r) => {
    const sections: ReportSection[] = [
      {
        title: 'Kernels alone',
        explain:
          "GEMV (decode) and GEMM (prefill) timed alone, against this run's ceilings, and each GEMV against the read " +
          "ceilings over its own weight buffer timed in turn with it (on a shared machine the adapter's speed drifts from " +
          'minute to minute).',
        charts: [],
        tables: [kernelTable(r.rows, r.skipped)],
      },
    ];
    if (r.peers.length || r.peerErrors.length)
      sections.push({
        title: 'Beside a peer',
        explain:
          'The same f32 shapes through other WebGPU engines on this adapter and device, timed on the ' +
          'same clock (timestamps from empty passes submitted just before and after their work).',
        charts: [],
        tables: [peerTable(r)],
      });
    return sections;
  },
});

function kernelTable(rows: JudgedKernelRow[], skipped: string[]): Table {
  return {
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
    rows: rows.map((r) => [
      r.kernel,
      r.dtype,
      r.M,
      r.K,
      r.N,
      `${fmt(r.ms.median)} (${fmt(r.ms.min)}-${fmt(r.ms.max)})`,
      fmt(r.achievedGBps),
      ofCeiling(r.dtype, r.fractionOfReadBandwidth, r.fractionOfDtypeCeiling),
      r.fractionOfAdjacentRead === undefined ? '-' : ofCeiling(r.dtype, r.fractionOfAdjacentRead, r.fractionOfAdjacentDtypeCeiling ?? NaN),
      fmt(r.gflops),
      pct(r.fractionOfPeak),
    ]),
    notes: skipped.length ? [`skipped: ${skipped.join('; ')}`] : [],
  };
}

function peerTable(r: Pick<KernelBenchResult, 'peers' | 'peerErrors'>): Table {
  return {
    head: ['peer', 'kernel', 'M', 'K', 'N', 'peer ms (min-max)', 'peer GFLOP/s', 'ours ms', 'ours GFLOP/s', 'ours faster by'],
    rows: r.peers.map((p) => [
      p.peer,
      p.kernel,
      p.M,
      p.K,
      p.N,
      `${fmt(p.ms.median)} (${fmt(p.ms.min)}-${fmt(p.ms.max)})`,
      fmt(p.gflops),
      fmt(p.oursMs),
      fmt(p.oursGflops),
      `${fmt(p.speedup, 1)}x`,
    ]),
    notes: [
      'the same f32 shapes through other engines on this adapter and device, timed on the same clock',
      ...r.peerErrors.map((e) => `peer not measured: ${e}`),
    ],
  };
}
