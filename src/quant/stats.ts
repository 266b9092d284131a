/**
 * Small statistics over typed arrays: ranges for calibration and distances for comparing a float
 * output with a quantized one. Accumulation is in float64 so that long arrays do not lose precision.
 */
import { InvalidArgumentError } from '../errors.js';
import { channelLayout, forEachChannelRun, type ChannelSpec } from './channels.js';

export interface MinMax {
  readonly min: number;
  readonly max: number;
}

/**
 * Min and max ignoring NaN (like numpy.nanmin/nanmax; infinities count). {0, 0} when nothing is
 * left, which is also what ORT uses for an empty tensor.
 */
export function minMax(values: ArrayLike<number>, start = 0, end = values.length): MinMax {
  const acc = { min: Infinity, max: -Infinity };
  scanMinMax(values, start, end, acc);
  return acc.min > acc.max ? { min: 0, max: 0 } : acc;
}

/** Folds values[start, end) into `acc`; NaN fails both comparisons and is skipped. */
function scanMinMax(values: ArrayLike<number>, start: number, end: number, acc: { min: number; max: number }): void {
  let { min, max } = acc;
  for (let i = start; i < end; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  acc.min = min;
  acc.max = max;
}

/** Min/max of each channel along `axis` of a row-major tensor ({0, 0} for an all-NaN channel). */
export function perChannelMinMax(values: ArrayLike<number>, spec: ChannelSpec): MinMax[] {
  const layout = channelLayout(spec, values.length);
  const acc = Array.from({ length: layout.channels }, () => ({ min: Infinity, max: -Infinity }));
  forEachChannelRun(layout, (c, start, end) => scanMinMax(values, start, end, acc[c]!));
  return acc.map((a) => (a.min > a.max ? { min: 0, max: 0 } : a));
}

function sameLength(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (a.length !== b.length) throw new InvalidArgumentError(`${what}: arrays differ in length (${a.length} vs ${b.length}).`);
}

/** Sum of squared differences. */
export function sumSquaredError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  sameLength(a, b, 'sumSquaredError');
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s;
}

/** Mean squared error; 0 for empty arrays. */
export function mse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return a.length === 0 ? 0 : sumSquaredError(a, b) / a.length;
}

/** Euclidean distance ||a - b||_2 (Quark's per-sample "L2"). */
export function l2Distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return Math.sqrt(sumSquaredError(a, b));
}

function sumSquares(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return s;
}

/**
 * Signal to quantization noise ratio in dB: 10·log10(Σref² / Σ(ref-test)²) (equal to ORT
 * qdq_loss_debug's 20·log10(‖ref‖/‖ref-test‖)). Infinity when the two are identical.
 */
export function sqnr(reference: ArrayLike<number>, test: ArrayLike<number>): number {
  const noise = sumSquaredError(reference, test);
  const signal = sumSquares(reference);
  if (noise === 0) return Infinity;
  return 10 * Math.log10(signal / noise);
}

/** Cosine similarity; 1 when both are all zeros, 0 when only one is. */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  sameLength(a, b, 'cosineSimilarity');
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  const na = Math.sqrt(sumSquares(a));
  const nb = Math.sqrt(sumSquares(b));
  if (na === 0 || nb === 0) return na === nb ? 1 : 0;
  return dot / (na * nb);
}
