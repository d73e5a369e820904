// The suites' tables (bench/suites/suite.ts, Table) in the terminal.
import Table from 'cli-table3';
import { describeAdapter } from '../report/format.js';
import type { RunAdapter, Table as TableData } from '../suites/suite.js';
import type { VerifyRow } from '../suites/verify.js';

/** A table and the notes under it, as the terminal shows them. */
export function renderTable(t: TableData): string {
  const out = new Table({ head: t.head });
  for (const r of t.rows) out.push(r);
  return [out.toString(), ...(t.notes ?? [])].join('\n');
}

/** The line a command prints before its results: adapter, kernels, runtime and Vulkan driver. */
export function describeRun(a: RunAdapter, runtime: string, driver?: string): string {
  return `adapter: ${describeAdapter(a)} (runtime: ${runtime}${driver ? `, Vulkan driver: ${driver}` : ''})`;
}

export function verifyTable(rows: VerifyRow[]): TableData {
  return {
    head: ['model', 'dtype', 'check', 'result', 'detail'],
    rows: rows.map((r) => [r.model, r.dtype, r.check, r.pass ? 'pass' : 'FAIL', r.detail]),
  };
}
