// Number formatting shared by the CLI tables (bench/cli/tables.ts) and the report
// (bench/report/render.ts), so a figure reads the same in both.

export const MiB = 2 ** 20;

/** Fixed digits, or '-' for a value that was not measured (NaN, Infinity). */
export const fmt = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : '-');

export const mib = (bytes: number): string => `${fmt(bytes / MiB, 1)} MiB`;
