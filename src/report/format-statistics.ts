import { PRECISION_COLUMNS, totals, type PrecisionStatistics } from './statistics.js';
import { formatTable } from './table.js';

/** The "Mixed Precision Statistics" table: one row per op type, a total row at the bottom. */
export function formatStatistics(stats: PrecisionStatistics, title = 'Mixed Precision Statistics'): string {
  const rows: (string | number)[][] = Object.entries(stats).map(([op, row]) => [op, ...PRECISION_COLUMNS.map((c) => row[c])]);
  const sum = totals(stats);
  rows.push(['Total', ...PRECISION_COLUMNS.map((c) => sum[c])]);
  return `${title}\n${formatTable(['op type', ...PRECISION_COLUMNS], rows)}`;
}

/** True when a graph holds any quantized or 16-bit-float node (so the statistics say something). */
export function hasReducedPrecision(stats: PrecisionStatistics): boolean {
  const sum = totals(stats);
  return PRECISION_COLUMNS.some((c) => c !== 'FP32' && sum[c] > 0);
}

const MB = 1024 * 1024;

/** "1.45 MB" for byte counts (two decimals: the example models are around one MB). */
export function formatMegabytes(bytes: number): string {
  return `${(bytes / MB).toFixed(2)} MB`;
}
