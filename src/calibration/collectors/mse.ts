/**
 * MSE calibration: the range that minimises the expected squared quantization error of the
 * histogrammed values. Candidates shrink the data's range [min(min,0), max(max,0)] by a factor
 * alpha in (0, 1] (both ends together, so skewed ranges stay skewed; ±max|x| when symmetric).
 * Expected error per value: clipped values cost (distance to the range end)^2 (at their bin centre),
 * kept values cost step^2 / 12 (uniform rounding noise), except exact zeros, which quantize exactly.
 */
import { HistogramCollector } from './histogram-collector.js';
import type { StreamingHistogram } from './histogram.js';
import { resolveBits, type CollectedRange, type CollectorOptions } from './types.js';

export type MseOptions = {
  readonly bits: number;
  readonly symmetric: boolean;
  readonly numBins: number;
  /** Number of alpha candidates tried (alpha = k / candidates). */
  readonly candidates: number;
};

export function resolveMseOptions(o: CollectorOptions): MseOptions {
  const bits = resolveBits(o);
  return { bits, symmetric: o.symmetric ?? false, numBins: o.numBins ?? 2048, candidates: 1024 };
}

/** Expected total squared error of quantizing the histogram to [lo, hi] with `steps` intervals. */
export function expectedError(h: StreamingHistogram, lo: number, hi: number, steps: number): number {
  const counts = h.histogram;
  const w = h.binWidth;
  const e0 = h.edge(0) + w / 2;
  const step = (hi - lo) / steps;
  let clipped = 0;
  let kept = 0;
  for (let j = 0; j < counts.length; j++) {
    const n = counts[j]!;
    if (n === 0) continue;
    const c = e0 + j * w;
    if (c < lo) clipped += n * (lo - c) * (lo - c);
    else if (c > hi) clipped += n * (c - hi) * (c - hi);
    else kept += n;
  }
  return clipped + Math.max(0, kept - h.zeros) * ((step * step) / 12);
}

export function mseRange(h: StreamingHistogram, options: MseOptions): CollectedRange {
  let lo = Math.min(h.min, 0);
  let hi = Math.max(h.max, 0);
  if (options.symmetric) {
    const a = Math.max(-lo, hi);
    lo = -a;
    hi = a;
  }
  // Integer intervals across the range: ORT's symmetric ranges drop one level (e.g. [-127, 127]).
  const steps = 2 ** options.bits - (options.symmetric ? 2 : 1);
  let best = 1;
  let bestErr = Infinity;
  // From the full range down, so that ties keep the wider range (less clipping).
  for (let k = options.candidates; k >= 1; k--) {
    const alpha = k / options.candidates;
    const err = expectedError(h, alpha * lo, alpha * hi, steps);
    if (err < bestErr) {
      bestErr = err;
      best = alpha;
    }
  }
  return { min: best * lo, max: best * hi };
}

export class MseCollector extends HistogramCollector {
  readonly method = 'mse' as const;
  readonly options: MseOptions;

  constructor(options: CollectorOptions = {}) {
    const resolved = resolveMseOptions(options);
    super('signed', resolved.numBins);
    this.options = resolved;
  }

  protected threshold(): CollectedRange {
    return mseRange(this.histogram, this.options);
  }
}
