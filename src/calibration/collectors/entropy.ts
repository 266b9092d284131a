/**
 * Entropy (KL-divergence) calibration, as TensorRT's and ORT's Entropy method: over a histogram of x
 * centred on 0, try thresholds ±i bins; for each, fold the clipped tails into the edge bins (p),
 * simulate quantizing the kept bins into `numQuantizedBins` levels and expanding them back over
 * p's non-empty bins (q), and keep the threshold with the smallest KL(p || q).
 * Differences from ORT (which follows the MXNet reference loosely): candidate slices are symmetric
 * (2i bins, not 2i + 1), q is zero wherever p is (as MXNet), q keeps fractions (ORT truncates to
 * integers), and the remainder bins are expanded with the last level. Ties go to the smaller threshold.
 */
import { InvalidArgumentError } from '../../errors.js';
import { HistogramCollector } from './histogram-collector.js';
import { resolveBits, type CollectedRange, type CollectorOptions } from './types.js';

export type EntropyOptions = {
  readonly bits: number;
  readonly numBins: number;
  readonly numQuantizedBins: number;
};

/**
 * Levels default to 2^(bits-1) (128 for 8 bits, as ORT/TensorRT), capped at the bin count: a
 * histogram cannot resolve finer quantization, so for wide types (12+ bits with 2048 bins) the only
 * candidate left is the full range and entropy calibration gives the min/max. Use 'mse' or
 * 'percentile' to trim outliers of 16-bit tensors.
 */
export function resolveEntropyOptions(o: CollectorOptions): EntropyOptions {
  const bits = resolveBits(o);
  const numBins = o.numBins ?? 2048;
  const numQuantizedBins = o.numQuantizedBins ?? Math.min(2 ** (bits - 1), numBins);
  if (!Number.isInteger(numQuantizedBins) || numQuantizedBins < 2 || numQuantizedBins % 2 !== 0 || numQuantizedBins > numBins) {
    throw new InvalidArgumentError(`numQuantizedBins must be an even integer in [2, numBins=${numBins}], got ${numQuantizedBins}.`);
  }
  return { bits, numBins, numQuantizedBins };
}

const EPS = 0.0001;

/** MXNet's smoothing: zeros get EPS, taken evenly from the non-zero entries. False if all zero. */
function smooth(d: Float64Array): boolean {
  let zeros = 0;
  for (let k = 0; k < d.length; k++) if (d[k] === 0) zeros++;
  const nonzeros = d.length - zeros;
  if (nonzeros === 0) return false;
  const take = (EPS * zeros) / nonzeros;
  for (let k = 0; k < d.length; k++) d[k] = d[k] === 0 ? EPS : Math.max(d[k]! - take, EPS * EPS);
  return true;
}

/** KL(p || q) of the two distributions after normalising each to sum 1. */
function klDivergence(p: Float64Array, q: Float64Array): number {
  let sp = 0;
  let sq = 0;
  for (let k = 0; k < p.length; k++) {
    sp += p[k]!;
    sq += q[k]!;
  }
  let kl = 0;
  for (let k = 0; k < p.length; k++) {
    const pk = p[k]! / sp;
    kl += pk * Math.log(pk / (q[k]! / sq));
  }
  return kl;
}

/** q: the kept bins quantized into `levels` groups, each group's mass spread over p's non-empty bins. */
function expandQuantized(counts: Float64Array, start: number, p: Float64Array, q: Float64Array, levels: number): void {
  const n = p.length;
  const per = Math.floor(n / levels);
  for (let j = 0; j < levels; j++) {
    const s = j * per;
    const e = j === levels - 1 ? n : s + per;
    let mass = 0;
    let nonzero = 0;
    for (let k = s; k < e; k++) {
      mass += counts[start + k]!;
      if (p[k] !== 0) nonzero++;
    }
    const share = nonzero > 0 ? mass / nonzero : 0;
    for (let k = s; k < e; k++) q[k] = p[k] !== 0 ? share : 0;
  }
}

/** KL divergence of clipping `counts` to bins [start, end) and quantizing them to `levels`. */
function sliceDivergence(counts: Float64Array, prefix: Float64Array, start: number, end: number, levels: number, pBuf: Float64Array, qBuf: Float64Array): number {
  const n = end - start;
  const p = pBuf.subarray(0, n);
  const q = qBuf.subarray(0, n);
  p.set(counts.subarray(start, end));
  p[0]! += prefix[start]!;
  p[n - 1]! += prefix[counts.length]! - prefix[end]!;
  expandQuantized(counts, start, p, q, levels);
  if (!smooth(p) || !smooth(q)) return Infinity;
  return klDivergence(p, q);
}

/**
 * Half-width, in bins from the centre, of the threshold with the smallest divergence. At most
 * `maxCandidates` thresholds are tried (evenly spaced, the full range always included).
 */
export function entropyHalfWidth(counts: Float64Array, levels: number, maxCandidates = 512): number {
  const n = counts.length;
  const centre = n / 2;
  const first = levels / 2;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + counts[i]!;
  const pBuf = new Float64Array(n);
  const qBuf = new Float64Array(n);
  const stride = Math.max(1, Math.ceil((centre - first + 1) / maxCandidates));
  let best = centre;
  let bestKl = Infinity;
  for (let i = first; i <= centre; i = i === centre ? centre + 1 : Math.min(i + stride, centre)) {
    const kl = sliceDivergence(counts, prefix, centre - i, centre + i, levels, pBuf, qBuf);
    if (kl < bestKl) {
      bestKl = kl;
      best = i;
    }
  }
  return best;
}

export class EntropyCollector extends HistogramCollector {
  readonly method = 'entropy' as const;
  readonly options: EntropyOptions;

  constructor(options: CollectorOptions = {}) {
    const resolved = resolveEntropyOptions(options);
    super('signed', resolved.numBins);
    this.options = resolved;
  }

  protected threshold(): CollectedRange {
    const h = this.histogram;
    const t = entropyHalfWidth(h.histogram, this.options.numQuantizedBins) * h.binWidth;
    return { min: -t, max: t };
  }
}
