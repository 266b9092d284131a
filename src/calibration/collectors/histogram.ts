/**
 * A streaming histogram with a fixed number of bins, so memory never grows with the number of
 * samples. Bins cover [-T, T) ('signed') or [0, T) ('abs', a histogram of |x|) where T is a power of
 * two strictly above every value seen. When a value reaches T, T doubles and each pair of bins merges
 * into one: counts are re-binned exactly, never interpolated. Because T only depends on the largest
 * magnitude, the histogram of a stream is identical to the histogram of all of it at once, whatever
 * the batch sizes or order, and two histograms merge exactly (worker threads).
 * (ORT's HistogramCollector instead adds bins when the range grows, so its memory grows with the range.)
 */
import { CalibrationDataError, InvalidArgumentError } from '../../errors.js';
import type { HistogramJSON } from './types.js';

export type HistogramMode = 'signed' | 'abs';

/** Smallest k with 2^k > a (a > 0). */
function exponentAbove(a: number): number {
  let k = Math.floor(Math.log2(a)) + 1;
  while (2 ** k <= a) k++;
  while (2 ** (k - 1) > a) k--;
  return k;
}

export function checkBinCount(bins: number): void {
  if (!Number.isInteger(bins) || bins < 16 || bins > 1 << 20 || (bins & (bins - 1)) !== 0) {
    throw new InvalidArgumentError(`numBins must be a power of two between 16 and 2^20, got ${bins}.`, { hint: 'The default is 2048.' });
  }
}

export class StreamingHistogram {
  readonly mode: HistogramMode;
  readonly bins: number;
  private counts: Float64Array;
  private exponent: number | null = null;
  private pendingZeros = 0;
  /** Exact zeros seen (they carry no rounding error when quantized). */
  zeros = 0;
  min = Infinity;
  max = -Infinity;
  count = 0;

  constructor(mode: HistogramMode, bins: number) {
    checkBinCount(bins);
    this.mode = mode;
    this.bins = bins;
    this.counts = new Float64Array(bins);
  }

  /** T: the bins end at T (and start at -T when signed); 0 before any non-zero value. */
  get halfRange(): number {
    return this.exponent === null ? 0 : 2 ** this.exponent;
  }

  get binWidth(): number {
    return this.mode === 'signed' ? (2 * this.halfRange) / this.bins : this.halfRange / this.bins;
  }

  /** Left edge of bin i (i = bins gives the right end). */
  edge(i: number): number {
    return (this.mode === 'signed' ? -this.halfRange : 0) + i * this.binWidth;
  }

  /** Bin counts, zeros included (pending zeros land in the bin of 0). Do not modify. */
  get histogram(): Float64Array {
    return this.counts;
  }

  private get zeroBin(): number {
    return this.mode === 'signed' ? this.bins / 2 : 0;
  }

  update(data: ArrayLike<number>): void {
    let absmax = 0;
    let finite = 0;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v - v !== 0) continue; // NaN or ±Inf
      finite++;
      if (v < this.min) this.min = v;
      if (v > this.max) this.max = v;
      const a = Math.abs(v);
      if (a > absmax) absmax = a;
    }
    if (finite === 0) return;
    this.count += finite;
    if (absmax > 0) this.coverExponent(exponentAbove(absmax));
    if (this.exponent === null) {
      this.pendingZeros += finite; // the batch is all zeros and no range exists yet
      this.zeros += finite;
      return;
    }
    this.bin(data);
  }

  private bin(data: ArrayLike<number>): void {
    const counts = this.counts;
    const last = this.bins - 1;
    const inv = 1 / this.binWidth; // a power of two: v * inv is exact
    const signed = this.mode === 'signed';
    const base = signed ? this.bins / 2 : 0;
    let zeros = 0;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v - v !== 0) continue;
      if (v === 0) zeros++;
      const idx = Math.floor((signed ? v : Math.abs(v)) * inv) + base;
      counts[idx < 0 ? 0 : idx > last ? last : idx]! += 1;
    }
    this.zeros += zeros;
  }

  /** Grows T to at least 2^k (re-binning by doubling). */
  private coverExponent(k: number): void {
    if (this.exponent === null) {
      this.exponent = k;
      this.counts[this.zeroBin]! += this.pendingZeros;
      this.pendingZeros = 0;
      return;
    }
    while (this.exponent < k) {
      this.counts = doubled(this.counts, this.mode);
      this.exponent++;
    }
  }

  merge(other: StreamingHistogram): void {
    if (other.mode !== this.mode || other.bins !== this.bins) {
      throw new InvalidArgumentError(`Cannot merge a ${other.mode} histogram of ${other.bins} bins into a ${this.mode} one of ${this.bins}.`);
    }
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    this.count += other.count;
    this.zeros += other.zeros;
    if (other.exponent === null) {
      if (this.exponent === null) this.pendingZeros += other.pendingZeros;
      else this.counts[this.zeroBin]! += other.pendingZeros;
      return;
    }
    this.coverExponent(other.exponent);
    let theirs = other.counts;
    for (let e = other.exponent; e < this.exponent!; e++) theirs = doubled(theirs, this.mode);
    for (let i = 0; i < this.bins; i++) this.counts[i]! += theirs[i]!;
  }

  toJSON(): HistogramJSON {
    let first = 0;
    let end = this.bins;
    while (first < end && this.counts[first] === 0) first++;
    while (end > first && this.counts[end - 1] === 0) end--;
    const finite = this.count > 0;
    return {
      mode: this.mode,
      bins: this.bins,
      exponent: this.exponent,
      offset: first,
      counts: Array.from(this.counts.subarray(first, end)),
      pendingZeros: this.pendingZeros,
      zeros: this.zeros,
      min: finite ? this.min : null,
      max: finite ? this.max : null,
      count: this.count,
    };
  }

  static fromJSON(json: HistogramJSON): StreamingHistogram {
    const bad = (what: string) => new CalibrationDataError(`Invalid saved histogram: ${what}.`, { hint: 'Collect the ranges again.' });
    if (json.mode !== 'signed' && json.mode !== 'abs') throw bad(`mode '${String(json.mode)}'`);
    const h = new StreamingHistogram(json.mode, json.bins);
    if (!Array.isArray(json.counts) || !Number.isInteger(json.offset) || json.offset < 0 || json.offset + json.counts.length > json.bins) throw bad('counts do not fit the bins');
    if (json.exponent !== null && !Number.isInteger(json.exponent)) throw bad('exponent');
    json.counts.forEach((c, i) => {
      if (!(c >= 0)) throw bad(`negative or non-numeric count ${String(c)}`);
      h.counts[json.offset + i] = c;
    });
    h.exponent = json.exponent;
    h.pendingZeros = json.pendingZeros;
    h.zeros = json.zeros;
    h.count = json.count;
    h.min = json.min ?? Infinity;
    h.max = json.max ?? -Infinity;
    return h;
  }
}

/** Counts re-binned to twice the range: bin pairs merge (the 'signed' ones move to the centre). */
function doubled(counts: Float64Array, mode: HistogramMode): Float64Array {
  const n = counts.length;
  const next = new Float64Array(n);
  const base = mode === 'signed' ? n / 4 : 0;
  for (let i = 0; i < n; i++) next[base + (i >> 1)]! += counts[i]!;
  return next;
}
