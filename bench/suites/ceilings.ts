// The ceilings suite: what this adapter can do at best, measured on it (WebGPU reports none
// of it), which every other figure is judged by: read bandwidth with the decode GEMV's own
// loads, copy bandwidth, the FMA peak, per-dispatch overhead and readback latency.
import { measureCeilings, type Ceilings, type CeilingOptions } from '../../src/perf/ceilings.js';
import { fmt, mib } from '../report/format.js';
import { REPEATS } from './options.js';
import { defineSuite, type Table } from './suite.js';

const span = (s: { median: number; min: number; max: number }) => `${fmt(s.median)} ms (${fmt(s.min)}-${fmt(s.max)})`;

export const ceilingsSuite = defineSuite({
  name: 'ceilings',
  summary: "what the adapter can do at best: read bandwidth (with the decode GEMV's loads), copy bandwidth, FMA peak, dispatch overhead",
  inDefaultRun: true,
  options: {
    repeats: REPEATS,
    // 64 MiB even in a quick run: large reads run faster here (docs/results.md, "Read rate by
    // size"), and a ceiling read only over small buffers would flatter the kernels it judges.
    sizesMiB: { help: 'buffer sizes read', value: [1, 4, 16, 64], byLevel: { full: [1, 4, 16, 64, 256] } },
    fmaTrips: { help: 'loop trips of the FMA kernel', value: 1024, byLevel: { quick: 256 } },
  },
  request: (o): CeilingOptions => o,
  run: (env, req, progress) => measureCeilings(env.ctx, env.kernels, req, progress),
  result: (c: Ceilings) => c,
  done: () => 'ceilings: what this adapter can do at best',
  tables: (c) => [ceilingsTable(c)],
});

function ceilingsTable(c: Ceilings): Table {
  const rows: Table['rows'] = [];
  for (const r of c.read)
    rows.push([`read (${r.kernel}${r.copy !== undefined ? `, copy ${r.copy + 1}` : ''})`, mib(r.bytes), span(r.ms), `${fmt(r.GBps)} GB/s`]);
  for (const r of c.copy) rows.push(['copy (read + write)', mib(r.bytes), span(r.ms), `${fmt(r.GBps)} GB/s`]);
  for (const r of c.fma)
    rows.push([
      `FMA, ${r.chains} vec4 chain${r.chains > 1 ? 's' : ''}, ${r.invocations} inv.${r.gflops === c.fmaGflops ? ' (peak)' : ''}`,
      '',
      span(r.ms),
      `${fmt(r.gflops)} GFLOP/s`,
    ]);
  rows.push(['per-dispatch overhead', '', '', `${fmt(c.dispatchOverheadUs, 1)} us`]);
  rows.push(['dependent dispatch (cost model)', '', '', `${fmt(c.dependentDispatchUs, 1)} us`]);
  rows.push(['submit + readback', '', span(c.readbackMs), '']);
  return {
    head: ['ceiling', 'size', 'median (min-max)', 'rate'],
    rows,
    notes: [
      `timer: ${c.timer}; read ceiling ${fmt(c.readGBps)} GB/s, f16 read-and-unpack ceiling ${fmt(c.f16ReadGBps)} GB/s (largest size)`,
      ...(c.skipped.length ? [`skipped: ${c.skipped.join('; ')}`] : []),
    ],
  };
}
