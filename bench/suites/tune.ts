// The tune suite (only when named): the kernels' tile shapes tried on this adapter around
// its current kernel set, each timed beside it and checked bit for bit; the fastest that
// beats the current set and the noise is printed as a --kernels argument.
import { fmt } from '../report/format.js';
import { GEMM_SHAPE, GEMV_SIZE, KERNEL_SIZE, kernelShapes, REPEATS } from './options.js';
import { defineSuite, type OptionDef } from './suite.js';
import { tuneBench, type TuneRequest, type TuneResult, type TuneSearch } from './tune-bench.js';

const SEARCH: OptionDef<TuneSearch> = {
  help: 'candidates: every shape around the current set, or its neighbours only',
  value: 'wide',
  byLevel: { quick: 'neighbours' },
};

export const tuneSuite = defineSuite({
  name: 'tune',
  summary:
    "the kernels' tile shapes tried around this adapter's kernel set, each timed beside it; the fastest printed as a --kernels argument",
  inDefaultRun: false,
  options: {
    repeats: REPEATS,
    kernelSize: KERNEL_SIZE,
    gemvSize: GEMV_SIZE,
    gemmShape: GEMM_SHAPE,
    search: SEARCH,
  },
  // The kernels suite's shapes, so a kernel set found here is judged there the same way.
  request: (o): TuneRequest => {
    const { gemv, gemm } = kernelShapes(o);
    return {
      gemm,
      gemv: [gemv, gemv],
      batches: [1, 4, 8],
      dtype: 'f32',
      repeats: o.repeats,
      search: o.search,
    };
  },
  run: tuneBench,
  result: (r: TuneResult) => r,
  done: () => 'tune: tile shapes around the current kernel set, each timed beside it',
  tables: (r) => [
    {
      head: ['kernel', 'candidate', 'M (B)', 'ms (min-max)', 'GFLOP/s', 'GB/s', 'x current', 'same bits'],
      rows: r.rows.map((x) => [
        x.kernel,
        x.label,
        x.rows,
        `${fmt(x.ms.median)} (${fmt(x.ms.min)}-${fmt(x.ms.max)})`,
        fmt(x.gflops),
        fmt(x.achievedGBps),
        fmt(x.overCurrent, 3),
        // Different K chunks sum in another order: other bits are expected there, and still batch-invariant.
        x.sameBits ? 'yes' : x.sameChunks ? 'NO' : 'no (other K chunks)',
      ]),
      notes: [
        ...(r.skipped.length ? [`skipped: ${r.skipped.join('; ')}`] : []),
        Object.keys(r.best).length
          ? `faster here than the current kernel set: --kernels '${JSON.stringify(r.best)}'`
          : 'no candidate beat the current kernel set',
      ],
    },
  ],
});
