// Terminal tables for each suite's rows.
import Table from 'cli-table3';
import type { AdapterReport } from '../../src/index.js';
import type { DecodeBenchRow } from '../suites/decode.js';
import type { KernelBenchRow } from '../suites/kernels.js';
import type { ServePolicyRow } from '../suites/serve.js';

const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

export function describeAdapter(a: AdapterReport): string {
  return `${a.vendor} ${a.architecture}${a.isFallbackAdapter ? ' (software adapter: these are CPU numbers)' : ''}`;
}

export function decodeTable(rows: DecodeBenchRow[]): string {
  const t = new Table({ head: ['model', 'dtype', 'weights', 'prompt', 'prefill ms', 'prefill tok/s', 'ms/token', 'decode tok/s', 'GB/s (weights)'] });
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

export function kernelTable(rows: KernelBenchRow[]): string {
  const t = new Table({ head: ['kernel', 'dtype', 'M (B)', 'K', 'N', 'ms (min-max)', 'GB/s', 'GFLOP/s'] });
  for (const r of rows) t.push([r.kernel, r.dtype, r.M, r.K, r.N, `${fmt(r.ms.median)} (${fmt(r.ms.min)}-${fmt(r.ms.max)})`, fmt(r.achievedGBps), fmt(r.gflops)]);
  return t.toString();
}

export function serveTable(rows: ServePolicyRow[]): string {
  const t = new Table({
    head: ['policy', 'requests', 'makespan s', 'sim. makespan s (err)', 'output tok/s', 'TTFT p50/p99 ms', 'TPOT p50 ms', 'E2E p50/p99 ms', 'GPU busy', 'preempt.'],
  });
  for (const r of rows)
    t.push([
      r.policy,
      r.requests,
      fmt(r.makespanS),
      `${fmt(r.simulatedMakespanS)} (${r.simulatedErrorPct >= 0 ? '+' : ''}${fmt(r.simulatedErrorPct, 1)}%)`,
      fmt(r.outputTokensPerSec, 1),
      `${fmt(r.ttftP50Ms, 0)} / ${fmt(r.ttftP99Ms, 0)}`,
      fmt(r.tpotP50Ms, 1),
      `${fmt(r.e2eP50Ms, 0)} / ${fmt(r.e2eP99Ms, 0)}`,
      Number.isFinite(r.gpuBusyFraction) ? `${fmt(r.gpuBusyFraction * 100, 0)}%` : `${fmt(r.stepBusyFraction * 100, 0)}% (wall)`,
      r.preemptions,
    ]);
  return t.toString();
}
