/** What the histogram-based collectors (percentile, entropy, mse) share: streaming, merging, JSON. */
import { InvalidArgumentError } from '../../errors.js';
import { StreamingHistogram, type HistogramMode } from './histogram.js';
import type { CollectedRange, CollectorJSON, RangeCollector } from './types.js';

export type HistogramMethod = 'percentile' | 'entropy' | 'mse';

export abstract class HistogramCollector implements RangeCollector {
  abstract readonly method: HistogramMethod;
  /** Resolved options: saved with the histogram, and must agree for a merge. */
  abstract readonly options: Readonly<Record<string, number | boolean>>;
  protected histogram: StreamingHistogram;
  private cached: CollectedRange | undefined;

  protected constructor(mode: HistogramMode, bins: number) {
    this.histogram = new StreamingHistogram(mode, bins);
  }

  get count(): number {
    return this.histogram.count;
  }

  /** The underlying histogram (read only). */
  get hist(): StreamingHistogram {
    return this.histogram;
  }

  update(data: ArrayLike<number>): void {
    this.histogram.update(data);
    this.cached = undefined;
  }

  range(): CollectedRange {
    const h = this.histogram;
    if (h.count === 0 || h.halfRange === 0) return { min: h.count === 0 ? 0 : h.min, max: h.count === 0 ? 0 : h.max };
    this.cached ??= this.clampToData(this.threshold());
    return this.cached;
  }

  /** The method's range before clamping to the data's own min/max. */
  protected abstract threshold(): CollectedRange;

  /** Like ORT, a threshold never goes past the values actually seen. */
  private clampToData(r: CollectedRange): CollectedRange {
    const min = Math.max(r.min, this.histogram.min);
    const max = Math.min(r.max, this.histogram.max);
    return min <= max ? { min, max } : { min: this.histogram.min, max: this.histogram.max };
  }

  merge(other: RangeCollector): void {
    if (!(other instanceof HistogramCollector) || other.method !== this.method || JSON.stringify(other.options) !== JSON.stringify(this.options)) {
      throw new InvalidArgumentError(`Cannot merge a ${other.method} collector into a ${this.method} collector with options ${JSON.stringify(this.options)}.`);
    }
    this.histogram.merge(other.histogram);
    this.cached = undefined;
  }

  /** Replaces the histogram with a saved one (used when loading from JSON). */
  restore(histogram: StreamingHistogram): this {
    if (histogram.mode !== this.histogram.mode || histogram.bins !== this.histogram.bins) {
      throw new InvalidArgumentError(`A saved ${histogram.mode} histogram of ${histogram.bins} bins does not fit a ${this.method} collector with ${this.histogram.bins} bins.`);
    }
    this.histogram = histogram;
    this.cached = undefined;
    return this;
  }

  toJSON(): CollectorJSON {
    return { format: 'mixq-collector', version: 1, method: this.method, options: { ...this.options }, histogram: this.histogram.toJSON() };
  }
}
