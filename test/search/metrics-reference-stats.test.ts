/**
 * The output metrics compute the reference-only sums once (referenceStats) instead of on every
 * comparison. They must equal, to the bit, the straightforward per-call computation written below.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { leadingStats, MetricAccumulator, referenceStats, type OutputMetrics } from '../../src/search/metrics.js';

/** The metrics computed the plain way: every sum over both arrays, on every call. */
function plainMetrics(batches: readonly { ref: Float32Array; act: Float32Array }[], perSample: number): OutputMetrics {
  let l2Sum = 0, relSum = 0, cosSum = 0, signal = 0, noise = 0, samples = 0, values = 0, peak = 0, klSum = 0;
  for (const { ref, act } of batches) {
    for (let s = 0; s < ref.length / perSample; s++) {
      let diff2 = 0, ref2 = 0, act2 = 0, dot = 0, maxP = -Infinity, maxQ = -Infinity;
      for (let i = s * perSample; i < (s + 1) * perSample; i++) {
        const d = ref[i]! - act[i]!;
        diff2 += d * d;
        ref2 += ref[i]! * ref[i]!;
        act2 += act[i]! * act[i]!;
        dot += ref[i]! * act[i]!;
      }
      l2Sum += Math.sqrt(diff2);
      relSum += ref2 > 0 ? Math.sqrt(diff2 / ref2) : Math.sqrt(diff2);
      cosSum += ref2 > 0 && act2 > 0 ? dot / Math.sqrt(ref2 * act2) : ref2 === act2 ? 1 : 0;
      signal += ref2;
      noise += diff2;
      samples++;
      values += perSample;
      for (let i = s * perSample; i < (s + 1) * perSample; i++) peak = Math.max(peak, Math.abs(ref[i]!));
      for (let i = s * perSample; i < (s + 1) * perSample; i++) {
        maxP = Math.max(maxP, ref[i]!);
        maxQ = Math.max(maxQ, act[i]!);
      }
      let sumP = 0, sumQ = 0;
      for (let i = s * perSample; i < (s + 1) * perSample; i++) {
        sumP += Math.exp(ref[i]! - maxP);
        sumQ += Math.exp(act[i]! - maxQ);
      }
      const logZp = maxP + Math.log(sumP);
      const logZq = maxQ + Math.log(sumQ);
      let kl = 0;
      for (let i = s * perSample; i < (s + 1) * perSample; i++) {
        const logP = ref[i]! - logZp;
        const logQ = act[i]! - logZq;
        kl += Math.exp(logP) * (logP - logQ);
      }
      klSum += Math.max(0, kl);
    }
  }
  const n = Math.max(1, samples);
  return {
    l2: l2Sum / n,
    relativeL2: relSum / n,
    sqnr: noise === 0 ? Infinity : 10 * Math.log10(signal / noise),
    psnr: noise === 0 ? Infinity : 10 * Math.log10((peak * peak) / (noise / Math.max(1, values))),
    cosine: cosSum / n,
    kl: klSum / n,
    samples,
  };
}

/** Deterministic pseudo-random floats (no Math.random: reruns see the same data). */
function seeded(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = (((x >>> 0) / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

function noisy(ref: Float32Array, seed: number, amount: number): Float32Array {
  const noise = seeded(ref.length, seed, amount);
  return Float32Array.from(ref, (r, i) => r + noise[i]!);
}

describe('MetricAccumulator with precomputed reference statistics', () => {
  const perSample = 97;
  const batches = [0, 1, 2].map((b) => {
    const ref = seeded(perSample * (b + 2), 11 + b, 30); // logits up to ±30: exp() overflows without the max shift
    return { ref, act: noisy(ref, 101 + b, 0.05 * (b + 1)) };
  });

  it('gives the same metrics, to the bit, with and without stats, and as the plain computation', () => {
    const stats = batches.map(({ ref }) => referenceStats(ref, perSample));
    const withStats = new MetricAccumulator();
    const without = new MetricAccumulator();
    batches.forEach(({ ref, act }, b) => {
      withStats.add(ref, act, perSample, stats[b]);
      without.add(ref, act, perSample);
    });
    const expected = plainMetrics(batches, perSample);
    expect(withStats.result()).toEqual(expected);
    expect(without.result()).toEqual(expected);
    expect(expected.kl).toBeGreaterThan(0);
    expect(expected.relativeL2).toBeGreaterThan(0);
  });

  it('reuses one set of stats for many candidates, each compared exactly', () => {
    const { ref } = batches[2]!;
    const stats = referenceStats(ref, perSample);
    for (const seed of [5, 6, 7]) {
      const act = noisy(ref, seed, 0.3);
      const acc = new MetricAccumulator();
      acc.add(ref, act, perSample, stats);
      expect(acc.result()).toEqual(plainMetrics([{ ref, act }], perSample));
    }
  });

  it('keeps the edge cases: identical outputs, an all-zero reference, NaN in the output', () => {
    const ref = seeded(perSample * 2, 3, 4);
    const zero = new Float32Array(perSample * 2);
    const nan = Float32Array.from(ref, (r, i) => (i === 5 ? Number.NaN : r));
    for (const [r, a] of [[ref, ref], [zero, ref], [zero, zero], [ref, nan]] as const) {
      const acc = new MetricAccumulator();
      acc.add(r, a, perSample, referenceStats(r, perSample));
      expect(acc.result()).toEqual(plainMetrics([{ ref: r, act: a }], perSample));
    }
  });

  it("a batch's leading samples take the leading part of its stats, to the bit", () => {
    const { ref, act } = batches[2]!; // 4 samples
    const stats = referenceStats(ref, perSample);
    for (const keep of [1, 2, 3, 4]) {
      const length = keep * perSample;
      const lead = leadingStats(stats, length);
      expect(lead).toEqual(referenceStats(ref.subarray(0, length), perSample));
      const acc = new MetricAccumulator();
      acc.add(ref.subarray(0, length), act.subarray(0, length), perSample, lead);
      expect(acc.result()).toEqual(plainMetrics([{ ref: ref.subarray(0, length), act: act.subarray(0, length) }], perSample));
    }
    expect(() => leadingStats(stats, perSample + 1)).toThrow(InvalidArgumentError);
    expect(() => leadingStats(stats, 5 * perSample)).toThrow(/leading samples/);
  });

  it('refuses stats computed for another batch', () => {
    const [a, b] = [batches[0]!, batches[1]!];
    const acc = new MetricAccumulator();
    expect(() => acc.add(b.ref, b.act, perSample, referenceStats(a.ref, perSample))).toThrow(InvalidArgumentError);
    expect(() => acc.add(a.ref, a.act, perSample, referenceStats(a.ref, perSample * 2 + 1))).toThrow(/another reference batch/);
  });
});
