/** Console text of a quantize() run: what each op type became, and how much smaller the weights got. */
import { formatMegabytes, formatStatistics } from './format-statistics.js';
import type { Int32BiasStatistics, PrecisionStatistics } from './statistics.js';

export interface QuantizeSummary {
  readonly model?: string;
  readonly output?: string;
  /** e.g. "A8W8, per-channel weights, minmax" */
  readonly settings?: string;
  readonly statistics: PrecisionStatistics;
  readonly parameterBytes: { readonly before: number; readonly after: number };
  /** 0 when the ranges came from a file. */
  readonly calibrationSamples: number;
  readonly int32Bias?: Int32BiasStatistics;
  readonly warnings: readonly string[];
}

export function formatQuantizeSummary(s: QuantizeSummary): string {
  const head: string[] = [`Quantized${s.model ? ` ${s.model}` : ''}${s.settings ? ` (${s.settings})` : ''}`];
  head.push(s.calibrationSamples > 0 ? `  calibrated on ${s.calibrationSamples} samples` : '  ranges read from a file (no calibration run)');
  head.push(`  parameters: ${formatSizeChange(s.parameterBytes.before, s.parameterBytes.after)}`);
  if (s.output) head.push(`  saved: ${s.output}`);
  const b = s.int32Bias;
  if (b && b.adjustedBiases + b.saturatedBiases > 0) {
    head.push(`  int32 biases: ${b.adjustedBiases} fitted by raising ${b.adjustedChannels} weight scale(s), ${b.saturatedBiases} still saturated`);
  }
  for (const w of s.warnings) head.push(`  note: ${w}`);
  return `${head.join('\n')}\n\n${formatStatistics(s.statistics)}`;
}

/** "1.45 MB → 0.38 MB (3.8× smaller)" */
export function formatSizeChange(before: number, after: number): string {
  const ratio = after > 0 ? before / after : Infinity;
  const change = ratio >= 1 ? `${ratio.toFixed(1)}× smaller` : `${(1 / ratio).toFixed(1)}× larger`;
  return `${formatMegabytes(before)} → ${formatMegabytes(after)} (${change})`;
}
