/** The one interface every range collector implements, and their serialized form. */
import { InvalidArgumentError } from '../../errors.js';

export type CollectorMethod = 'minmax' | 'percentile' | 'entropy' | 'mse';

export const COLLECTOR_METHODS: readonly CollectorMethod[] = ['minmax', 'percentile', 'entropy', 'mse'];

/** User-facing options; every field optional, defaults per method (see each collector). */
export interface CollectorOptions {
  /** minmax: report ±max|x|. percentile: histogram of |x| (default true, as ORT). mse: symmetric candidates. */
  readonly symmetric?: boolean;
  /** minmax: exponential moving average of per-batch min/max (ORT `moving_average`). */
  readonly movingAverage?: boolean;
  /** minmax: weight of each new batch in the moving average (ORT `averaging_constant`, default 0.01). */
  readonly averagingConstant?: number;
  /** Histogram bins (a power of two; default 2048). */
  readonly numBins?: number;
  /** percentile: share of values to keep, in percent (default 99.999). */
  readonly percentile?: number;
  /** entropy/mse: bits of the integer type the range is for (default 8). */
  readonly bits?: number;
  /** entropy: levels of the simulated quantized distribution (default 2^(bits-1), at most numBins). */
  readonly numQuantizedBins?: number;
}

export interface CollectedRange {
  readonly min: number;
  readonly max: number;
}

export interface RangeCollector {
  readonly method: CollectorMethod;
  /** Finite values folded in so far (NaN and ±Inf are skipped). */
  readonly count: number;
  /** Folds one batch in; memory stays bounded whatever the number of batches. */
  update(data: ArrayLike<number>): void;
  /** The calibrated range; {0, 0} before any finite value was seen. */
  range(): CollectedRange;
  /** Folds another collector of the same method and options into this one (e.g. from a worker). */
  merge(other: RangeCollector): void;
  toJSON(): CollectorJSON;
}

/** Serialized streaming histogram (see histogram.ts). */
export interface HistogramJSON {
  readonly mode: 'signed' | 'abs';
  readonly bins: number;
  /** log2 of the half range T (bins cover [-T, T) or [0, T)); null until a non-zero value was seen. */
  readonly exponent: number | null;
  /** Index of the first stored count; counts before it and after the stored ones are zero. */
  readonly offset: number;
  readonly counts: readonly number[];
  /** Values seen while the range was still undefined (all zeros). */
  readonly pendingZeros: number;
  readonly zeros: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly count: number;
}

export interface MinMaxState {
  readonly min: number | null;
  readonly max: number | null;
  readonly updates: number;
}

interface JSONBase {
  readonly format: 'mixq-collector';
  readonly version: 1;
  readonly options: Readonly<Record<string, number | boolean>>;
}

export type CollectorJSON =
  | (JSONBase & { readonly method: 'minmax'; readonly count: number; readonly state: MinMaxState })
  | (JSONBase & { readonly method: 'percentile' | 'entropy' | 'mse'; readonly histogram: HistogramJSON });

/** The target bit width a histogram method optimises for (default 8), checked once for all methods. */
export function resolveBits(o: CollectorOptions): number {
  const bits = o.bits ?? 8;
  if (!Number.isInteger(bits) || bits < 2 || bits > 32) throw new InvalidArgumentError(`bits must be an integer in [2, 32], got ${bits}.`);
  return bits;
}
