// Number formatting shared by the suites' tables, the CLI and the report, so a figure reads
// the same everywhere.
import type { AdapterReport } from '../../src/gpu/context.js';
import { describeKernels, type KernelSet } from '../../src/kernels/kernel-set.js';

export const MiB = 2 ** 20;

/** Fixed digits, or '-' for a value that was not measured (NaN, Infinity). */
export const fmt = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : '-');

export const mib = (bytes: number): string => `${fmt(bytes / MiB, 1)} MiB`;

/** A fraction as a whole percentage ('-' when not measured). */
export const pct = (x: number): string => (Number.isFinite(x) ? `${fmt(x * 100, 0)}%` : '-');

/** The adapter in one line, with the kernel variants chosen for it when known; a software adapter says so. */
export function describeAdapter(
  a: Pick<AdapterReport, 'vendor' | 'architecture'> & { isFallbackAdapter?: boolean; kernels?: KernelSet },
): string {
  const base = `${a.vendor} ${a.architecture}${a.isFallbackAdapter ? ' (software adapter: these are CPU numbers)' : ''}`;
  return a.kernels ? `${base}; kernels: ${describeKernels(a.kernels)}` : base;
}
