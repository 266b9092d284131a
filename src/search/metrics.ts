/**
 * Output-difference metrics between the float model and a quantized one, accumulated batch by
 * batch over the calibration data (nothing but running sums is kept).
 */
import { InvalidArgumentError } from '../errors.js';

export type MetricName = 'l2' | 'relative-l2' | 'sqnr' | 'psnr' | 'cosine' | 'kl';

export const METRIC_NAMES: readonly MetricName[] = ['l2', 'relative-l2', 'sqnr', 'psnr', 'cosine', 'kl'];

export interface OutputMetrics {
  /** Quark's average L2: mean over samples of ||float − quant||₂ (raw, not normalised). */
  readonly l2: number;
  /** Mean over samples of ||float − quant||₂ / ||float||₂. */
  readonly relativeL2: number;
  /** Signal-to-quantization-noise ratio over all outputs, in dB (higher is better). */
  readonly sqnr: number;
  /** Peak signal-to-noise ratio in dB: peak = largest |float output| (higher is better). */
  readonly psnr: number;
  /** Mean per-sample cosine similarity (1 = identical direction). */
  readonly cosine: number;
  /** Mean per-sample KL divergence of softmax(quant) from softmax(float) (classifier logits). */
  readonly kl: number;
  readonly samples: number;
}

export class MetricAccumulator {
  private l2Sum = 0;
  private relSum = 0;
  private cosSum = 0;
  private signal = 0;
  private noise = 0;
  private samples = 0;
  private values = 0;
  private peak = 0;
  private klSum = 0;

  /**
   * Adds a batch: `reference` and `actual` are [batch, ...] with `perSample` values each. A caller
   * that compares many outputs with the same reference passes its `referenceStats` (computed once):
   * the result is the same to the bit, with a third of the exp() calls saved each time.
   */
  add(reference: Float32Array, actual: Float32Array, perSample: number, stats: ReferenceStats = referenceStats(reference, perSample)): void {
    if (stats.perSample !== perSample || stats.length !== reference.length) throw new InvalidArgumentError('These reference statistics were computed for another reference batch.');
    const n = reference.length / perSample;
    for (let s = 0; s < n; s++) {
      let diff2 = 0;
      let act2 = 0;
      let dot = 0;
      let maxQ = -Infinity;
      for (let i = s * perSample; i < (s + 1) * perSample; i++) {
        const r = reference[i]!;
        const a = actual[i]!;
        const d = r - a;
        diff2 += d * d;
        act2 += a * a;
        dot += r * a;
        maxQ = Math.max(maxQ, a);
      }
      const ref2 = stats.ref2[s]!;
      this.l2Sum += Math.sqrt(diff2);
      this.relSum += ref2 > 0 ? Math.sqrt(diff2 / ref2) : Math.sqrt(diff2);
      this.cosSum += ref2 > 0 && act2 > 0 ? dot / Math.sqrt(ref2 * act2) : ref2 === act2 ? 1 : 0;
      this.signal += ref2;
      this.noise += diff2;
      this.samples++;
      this.values += perSample;
      this.peak = Math.max(this.peak, stats.peak[s]!);
      this.klSum += softmaxKl(reference, actual, s * perSample, perSample, stats.logZp[s]!, maxQ);
    }
  }

  result(): OutputMetrics {
    const n = Math.max(1, this.samples);
    return {
      l2: this.l2Sum / n,
      relativeL2: this.relSum / n,
      sqnr: this.noise === 0 ? Infinity : 10 * Math.log10(this.signal / this.noise),
      psnr: this.noise === 0 ? Infinity : 10 * Math.log10((this.peak * this.peak) / (this.noise / Math.max(1, this.values))),
      cosine: this.cosSum / n,
      kl: this.klSum / n,
      samples: this.samples,
    };
  }
}

/** The value of one metric, and whether lower is better. */
export function metricValue(m: OutputMetrics, name: MetricName): number {
  switch (name) {
    case 'l2':
      return m.l2;
    case 'relative-l2':
      return m.relativeL2;
    case 'sqnr':
      return m.sqnr;
    case 'psnr':
      return m.psnr;
    case 'cosine':
      return m.cosine;
    case 'kl':
      return m.kl;
  }
}

export function lowerIsBetter(name: MetricName): boolean {
  return name === 'l2' || name === 'relative-l2' || name === 'kl';
}

/**
 * What add() needs from a reference batch alone, per sample: its sum of squares, peak |value| and
 * softmax log-normaliser. Each is accumulated in the same order add() used to, so the metrics do
 * not change by a bit whether they are computed once or on every call.
 */
export interface ReferenceStats {
  readonly perSample: number;
  readonly length: number;
  readonly ref2: Float64Array;
  readonly peak: Float64Array;
  readonly logZp: Float64Array;
}

export function referenceStats(reference: Float32Array, perSample: number): ReferenceStats {
  const n = Math.ceil(reference.length / perSample);
  const ref2 = new Float64Array(n);
  const peak = new Float64Array(n);
  const logZp = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    let r2 = 0;
    let top = 0;
    let maxP = -Infinity;
    for (let i = s * perSample; i < (s + 1) * perSample; i++) {
      const r = reference[i]!;
      r2 += r * r;
      top = Math.max(top, Math.abs(r));
      maxP = Math.max(maxP, r);
    }
    let sumP = 0;
    for (let i = s * perSample; i < (s + 1) * perSample; i++) sumP += Math.exp(reference[i]! - maxP);
    ref2[s] = r2;
    peak[s] = top;
    // log p_i − log q_i are computed from the logits, stable for large values.
    logZp[s] = maxP + Math.log(sumP);
  }
  return { perSample, length: reference.length, ref2, peak, logZp };
}

/**
 * The statistics of the first `length` values of the batch `stats` was computed on: its leading
 * samples' own (each sample's sums depend on that sample alone, so they are the same to the bit).
 */
export function leadingStats(stats: ReferenceStats, length: number): ReferenceStats {
  if (length % stats.perSample !== 0 || length > stats.length) throw new InvalidArgumentError(`${length} values are not whole leading samples of this reference batch.`);
  const n = length / stats.perSample;
  return { perSample: stats.perSample, length, ref2: stats.ref2.subarray(0, n), peak: stats.peak.subarray(0, n), logZp: stats.logZp.subarray(0, n) };
}

/** KL(p ‖ q) with p = softmax(reference), q = softmax(actual), over one sample's values. */
function softmaxKl(reference: Float32Array, actual: Float32Array, start: number, length: number, logZp: number, maxQ: number): number {
  let sumQ = 0;
  for (let i = start; i < start + length; i++) sumQ += Math.exp(actual[i]! - maxQ);
  const logZq = maxQ + Math.log(sumQ);
  let kl = 0;
  for (let i = start; i < start + length; i++) {
    const logP = reference[i]! - logZp;
    const logQ = actual[i]! - logZq;
    kl += Math.exp(logP) * (logP - logQ);
  }
  return Math.max(0, kl);
}
