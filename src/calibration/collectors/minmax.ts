/**
 * Running min/max (ORT's MinMax calibration). With `movingAverage`, each batch's min and max move
 * the estimate by `averagingConstant` of the difference (the first batch sets it), as ORT's
 * `moving_average`. `symmetric` reports ±max(|min|, |max|).
 */
import { InvalidArgumentError } from '../../errors.js';
import type { CollectedRange, CollectorJSON, CollectorOptions, MinMaxState, RangeCollector } from './types.js';

export type MinMaxOptions = {
  readonly symmetric: boolean;
  readonly movingAverage: boolean;
  readonly averagingConstant: number;
};

export function resolveMinMaxOptions(o: CollectorOptions): MinMaxOptions {
  const averagingConstant = o.averagingConstant ?? 0.01;
  if (!(averagingConstant > 0 && averagingConstant <= 1)) {
    throw new InvalidArgumentError(`averagingConstant must be in (0, 1], got ${averagingConstant}.`);
  }
  return { symmetric: o.symmetric ?? false, movingAverage: o.movingAverage ?? false, averagingConstant };
}

export class MinMaxCollector implements RangeCollector {
  readonly method = 'minmax' as const;
  readonly options: MinMaxOptions;
  count = 0;
  private min: number | null = null;
  private max: number | null = null;
  /** Batches with at least one finite value (the moving-average weights in merges). */
  private updates = 0;

  constructor(options: CollectorOptions = {}) {
    this.options = resolveMinMaxOptions(options);
  }

  update(data: ArrayLike<number>): void {
    let lo = Infinity;
    let hi = -Infinity;
    let n = 0;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v - v !== 0) continue; // NaN or ±Inf
      n++;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (n === 0) return;
    this.count += n;
    this.foldBatch(lo, hi);
  }

  /**
   * Folds one batch given by its min and max over `count` values, all finite (as reduced in the
   * graph: see min-max-in-graph.ts). Same state as update() on that batch's values.
   */
  updateRange(lo: number, hi: number, count: number): void {
    if (count === 0) return;
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi) throw new InvalidArgumentError(`updateRange needs finite lo <= hi, got [${lo}, ${hi}].`);
    this.count += count;
    this.foldBatch(lo, hi);
  }

  private foldBatch(batchLo: number, batchHi: number): void {
    // -0 and +0 are the same range end; which one a min/max returns depends on the order of the
    // values, so keep +0 and let every way of reducing give the same bits.
    const lo = batchLo === 0 ? 0 : batchLo;
    const hi = batchHi === 0 ? 0 : batchHi;
    this.updates++;
    if (this.min === null || this.max === null) {
      this.min = lo;
      this.max = hi;
    } else if (this.options.movingAverage) {
      this.min += this.options.averagingConstant * (lo - this.min);
      this.max += this.options.averagingConstant * (hi - this.max);
    } else {
      this.min = Math.min(this.min, lo);
      this.max = Math.max(this.max, hi);
    }
  }

  range(): CollectedRange {
    if (this.min === null || this.max === null) return { min: 0, max: 0 };
    if (!this.options.symmetric) return { min: this.min, max: this.max };
    const a = Math.max(Math.abs(this.min), Math.abs(this.max));
    return { min: -a, max: a };
  }

  /** Exact for plain min/max; for moving averages the batch-weighted mean of the two estimates. */
  merge(other: RangeCollector): void {
    if (!(other instanceof MinMaxCollector) || !sameOptions(this.options, other.options)) {
      throw new InvalidArgumentError(`Cannot merge a ${other.method} collector into a minmax collector with different options.`);
    }
    if (other.min === null || other.max === null) return;
    this.count += other.count;
    if (this.min === null || this.max === null) {
      this.min = other.min;
      this.max = other.max;
    } else if (this.options.movingAverage) {
      const w = other.updates / (this.updates + other.updates);
      this.min += w * (other.min - this.min);
      this.max += w * (other.max - this.max);
    } else {
      this.min = Math.min(this.min, other.min);
      this.max = Math.max(this.max, other.max);
    }
    this.updates += other.updates;
  }

  toJSON(): CollectorJSON {
    const state: MinMaxState = { min: this.min, max: this.max, updates: this.updates };
    return { format: 'mixq-collector', version: 1, method: 'minmax', options: { ...this.options }, count: this.count, state };
  }

  static fromJSON(options: CollectorOptions, count: number, state: MinMaxState): MinMaxCollector {
    const c = new MinMaxCollector(options);
    c.count = count;
    c.min = state.min;
    c.max = state.max;
    c.updates = state.updates;
    return c;
  }
}

function sameOptions(a: MinMaxOptions, b: MinMaxOptions): boolean {
  return a.symmetric === b.symmetric && a.movingAverage === b.movingAverage && a.averagingConstant === b.averagingConstant;
}
