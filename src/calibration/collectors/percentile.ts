/**
 * Percentile calibration (ORT's Percentile method): keep `percentile` % of the values.
 * symmetric (ORT's default): a histogram of |x|, range ±t with t the smallest bin edge below which
 * that share of |x| lies. Otherwise a histogram of x, cutting (100 - p)/2 % from each tail.
 * ORT takes the lower edge of the bin where the cumulative share crosses the target; we take its
 * upper edge, so that at least `percentile` % of the values are always inside the range.
 */
import { InvalidArgumentError } from '../../errors.js';
import { HistogramCollector } from './histogram-collector.js';
import type { StreamingHistogram } from './histogram.js';
import type { CollectedRange, CollectorOptions } from './types.js';

export type PercentileOptions = {
  readonly percentile: number;
  readonly symmetric: boolean;
  readonly numBins: number;
};

export function resolvePercentileOptions(o: CollectorOptions): PercentileOptions {
  const percentile = o.percentile ?? 99.999;
  if (!(percentile > 0 && percentile <= 100)) throw new InvalidArgumentError(`percentile must be in (0, 100], got ${percentile}.`);
  return { percentile, symmetric: o.symmetric ?? true, numBins: o.numBins ?? 2048 };
}

/** First bin whose cumulative count reaches `target` (the last bin if none does, from rounding). */
export function binReaching(counts: Float64Array, target: number): number {
  let cum = 0;
  for (let i = 0; i < counts.length; i++) {
    cum += counts[i]!;
    if (cum >= target) return i;
  }
  return counts.length - 1;
}

export function percentileRange(h: StreamingHistogram, percentile: number): CollectedRange {
  const counts = h.histogram;
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (h.mode === 'abs') {
    const t = h.edge(binReaching(counts, (total * percentile) / 100) + 1);
    return { min: -t, max: t };
  }
  const cut = (100 - percentile) / 200;
  const left = cut === 0 ? 0 : binReaching(counts, total * cut);
  return { min: h.edge(left), max: h.edge(binReaching(counts, total * (1 - cut)) + 1) };
}

export class PercentileCollector extends HistogramCollector {
  readonly method = 'percentile' as const;
  readonly options: PercentileOptions;

  constructor(options: CollectorOptions = {}) {
    const resolved = resolvePercentileOptions(options);
    super(resolved.symmetric ? 'abs' : 'signed', resolved.numBins);
    this.options = resolved;
  }

  protected threshold(): CollectedRange {
    return percentileRange(this.histogram, this.options.percentile);
  }
}
