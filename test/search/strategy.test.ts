import { describe, expect, it } from 'vitest';
import { bisectFromGuess, bisectThenRetry, defaultRetryFailures, greedySweep, smallestPassingPrefix, type Budget } from '../../src/search/strategy.js';
import { guessPassingPrefix } from '../../src/search/subset-guide.js';
import { MetricAccumulator } from '../../src/search/metrics.js';

const unlimited: Budget = { exhausted: () => false };

/** A synthetic target: each group has a cost; a set meets when the summed cost stays ≤ limit. */
function costTrial(costs: readonly number[], limit: number) {
  let calls = 0;
  const trial = async (idx: readonly number[]) => {
    calls++;
    return idx.reduce((s, i) => s + costs[i]!, 0) <= limit;
  };
  return { trial, calls: () => calls };
}

describe('bisectThenRetry', () => {
  it('finds the longest passing prefix in ⌈log2(N+1)⌉ evaluations, then retries the rest', async () => {
    const costs = [1, 1, 1, 2, 2, 5, 1, 1, 3, 1];
    const { trial, calls } = costTrial(costs, 9);
    const out = await bisectThenRetry(costs.length, trial, unlimited);
    // Prefix 0..4 costs 7; adding group 5 (cost 5) fails; then 6 (1) and 7 (1) fit, 8 (3) not, 9 (1) not (7+1+1=9).
    expect(out.accepted).toEqual([0, 1, 2, 3, 4, 6, 7]);
    expect(out.bisectEvaluations).toBeLessThanOrEqual(Math.ceil(Math.log2(costs.length + 1)));
    expect(out.retried).toBe(costs.length - 6);
    expect(calls()).toBe(out.bisectEvaluations + out.retried);
  });

  it('narrows at least as many groups as the greedy sweep, with fewer evaluations on long lists', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      let s = seed;
      const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
      const costs = Array.from({ length: 40 }, () => rand() * 2).sort((a, b) => a - b);
      const limit = rand() * 30;
      const b = costTrial(costs, limit);
      const g = costTrial(costs, limit);
      const ours = await bisectThenRetry(costs.length, b.trial, unlimited);
      const greedy = await greedySweep(costs.length, g.trial, unlimited);
      expect(ours.accepted.length).toBeGreaterThanOrEqual(greedy.accepted.length);
      expect(ours.bisectEvaluations).toBeLessThanOrEqual(Math.ceil(Math.log2(costs.length + 1)));
    }
  });

  it('stops retrying after R consecutive failures, and a success resets the count', async () => {
    // Prefix 0..2 costs 3; group 3 (cost 9) fails the bisection. Retries: 4 fails, 5 fits, 6, 7 fail: stop (R = 2).
    const costs = [1, 1, 1, 9, 9, 1, 9, 9, 0.5, 9];
    const { trial, calls } = costTrial(costs, 4.5);
    const out = await bisectThenRetry(costs.length, trial, unlimited, { retry: true, maxConsecutiveFailures: 2 });
    expect(out.accepted).toEqual([0, 1, 2, 5]);
    expect(out.retried).toBe(4);
    expect(calls()).toBe(out.bisectEvaluations + 4);
    // Unbounded, every remaining group is tried: group 8 (0.5) still fits, 6 retries in all.
    const all = await bisectThenRetry(costs.length, costTrial(costs, 4.5).trial, unlimited, { retry: true });
    expect(all.accepted).toEqual([0, 1, 2, 5, 8]);
    expect(all.retried).toBe(6);
    // 0: no retries at all.
    const none = await bisectThenRetry(costs.length, costTrial(costs, 4.5).trial, unlimited, { retry: true, maxConsecutiveFailures: 0 });
    expect(none.accepted).toEqual([0, 1, 2]);
    expect(none.retried).toBe(0);
  });

  it('the default bound is the bisection cost ⌈log2(N+1)⌉', () => {
    expect([1, 3, 7, 12, 26, 31, 32].map(defaultRetryFailures)).toEqual([1, 2, 3, 4, 5, 5, 6]);
  });

  it('stops when the budget is used up and reports it', async () => {
    let left = 2;
    const budget: Budget = { exhausted: () => left <= 0 };
    const out = await bisectThenRetry(10, async () => (left--, true), budget);
    expect(out.stoppedEarly).toBe(true);
    expect(out.bisectEvaluations).toBe(2);
  });
});

describe('greedySweep (Quark legacy oracle)', () => {
  it('stops at the first failing group', async () => {
    const { trial, calls } = costTrial([1, 1, 5, 1], 3);
    const out = await greedySweep(4, trial, unlimited);
    expect(out.accepted).toEqual([0, 1]);
    expect(calls()).toBe(3);
  });
});

describe('smallestPassingPrefix (fallback)', () => {
  it('finds the fewest most-harmful groups to widen', async () => {
    // Widening group i removes harm h[i]; the target holds when remaining harm ≤ 2.
    const harm = [5, 3, 1, 1, 0.5];
    const total = harm.reduce((a, b) => a + b, 0);
    const trial = async (idx: readonly number[]) => total - idx.reduce((s, i) => s + harm[i]!, 0) <= 2;
    const out = await smallestPassingPrefix(harm.length, trial, unlimited);
    expect(out.k).toBe(3);
    expect(out.evaluations).toBeLessThanOrEqual(1 + Math.ceil(Math.log2(harm.length)));
  });

  it('says undefined when even widening everything fails', async () => {
    const out = await smallestPassingPrefix(4, async () => false, unlimited);
    expect(out.k).toBeUndefined();
    expect(out.evaluations).toBe(1);
  });
});

describe('MetricAccumulator', () => {
  it('computes average L2, relative L2, SQNR and cosine by hand-checked values', () => {
    const acc = new MetricAccumulator();
    // Two samples of 2 values: ref (3,4) vs (3,4) → 0; ref (1,0) vs (0,1) → sqrt(2).
    acc.add(Float32Array.of(3, 4, 1, 0), Float32Array.of(3, 4, 0, 1), 2);
    const m = acc.result();
    expect(m.l2).toBeCloseTo(Math.SQRT2 / 2, 12);
    expect(m.relativeL2).toBeCloseTo(Math.SQRT2 / 2, 12);
    expect(m.cosine).toBeCloseTo(0.5, 12);
    expect(m.sqnr).toBeCloseTo(10 * Math.log10(26 / 2), 10);
    expect(m.samples).toBe(2);
    // PSNR: peak |ref| = 4, MSE = noise / values = 2 / 4.
    expect(m.psnr).toBeCloseTo(10 * Math.log10(16 / 0.5), 10);
    // KL of softmax: sample 1 identical → 0; sample 2 p = softmax(1,0), q = softmax(0,1).
    const p1 = Math.E / (Math.E + 1);
    const expectedKl = (p1 * Math.log(p1 / (1 - p1)) + (1 - p1) * Math.log((1 - p1) / p1)) / 2;
    expect(m.kl).toBeCloseTo(expectedKl, 10);
  });
});

describe('bisectFromGuess', () => {
  /** passes(k) for a boundary b: prefixes up to b pass, longer ones fail. */
  const at = (b: number) => {
    let calls = 0;
    return { passes: async (k: number) => (calls++, k <= b), calls: () => calls };
  };

  it('finds the same boundary as plain bisection from any guess, in at most about twice its evaluations', async () => {
    for (const n of [1, 2, 5, 17, 54]) {
      const plainCost = Math.ceil(Math.log2(n + 1));
      for (let b = 0; b <= n; b++) {
        for (let guess = -2; guess <= n + 2; guess++) {
          const probe = at(b);
          const out = await bisectFromGuess(0, n + 1, guess, true, probe.passes, unlimited);
          expect([out.lo, out.hi], `n=${n} b=${b} guess=${guess}`).toEqual([b, b + 1]);
          expect(out.evaluations).toBe(probe.calls());
          expect(out.evaluations).toBeLessThanOrEqual(2 * plainCost + 1);
        }
      }
    }
  });

  it('costs 2 evaluations when the guess is right (1 at the ends, where a side is already known)', async () => {
    for (const b of [3, 10, 30]) {
      const probe = at(b);
      const out = await bisectFromGuess(0, 55, b, true, probe.passes, unlimited);
      expect([out.lo, out.hi, out.evaluations]).toEqual([b, b + 1, 2]);
    }
    expect((await bisectFromGuess(0, 55, 54, true, at(54).passes, unlimited)).evaluations).toBe(1);
    expect((await bisectFromGuess(0, 55, 0, true, at(0).passes, unlimited)).evaluations).toBe(1);
  });

  it('works for the widening direction (low side fails) and stops when the budget runs out', async () => {
    // Widening: prefixes shorter than 7 fail, 7 and longer pass.
    const widen = async (k: number) => k >= 7;
    expect(await bisectFromGuess(0, 20, 12, false, widen, unlimited)).toMatchObject({ lo: 6, hi: 7, stoppedEarly: false });
    let left = 2;
    const budget: Budget = { exhausted: () => left-- <= 0 };
    const out = await bisectFromGuess(0, 55, 3, true, at(40).passes, budget);
    expect(out.stoppedEarly).toBe(true);
    expect(out.evaluations).toBe(2);
    expect(out.lo).toBeLessThanOrEqual(40);
    expect(out.hi).toBeGreaterThan(40);
  });

  it('bisectThenRetry with a guess accepts the same groups as without, in fewer evaluations when the guess is right', async () => {
    const costs = [1, 1, 1, 2, 2, 5, 1, 1, 3, 1];
    const plain = costTrial(costs, 9);
    const guided = costTrial(costs, 9);
    const a = await bisectThenRetry(costs.length, plain.trial, unlimited);
    const b = await bisectThenRetry(costs.length, guided.trial, unlimited, { retry: true, guess: 5 });
    expect(b.accepted).toEqual(a.accepted);
    expect(b.bisectEvaluations).toBe(2);
    expect(guided.calls()).toBeLessThan(plain.calls());
  });
});

describe('guessPassingPrefix', () => {
  /** Looks that are the full-data metric scaled by 0.5 and shifted, as a subset's might be. */
  const fullMetric = (k: number) => 0.1 + 0.01 * k; // prefix k's metric on all the data
  const input = (threshold: number, looks: (k: number) => number | undefined = (k) => 0.5 * fullMetric(k) + 0.02) => {
    const asked: number[] = [];
    return {
      asked,
      input: {
        count: 40,
        lookAt: async (k: number) => (asked.push(k), looks(k)),
        full: { none: fullMetric(0), all: fullMetric(40) },
        threshold,
        lowerIsBetter: true,
        exhausted: () => false,
      },
    };
  };

  it('maps the target into the looks\' units through prefixes 0 and N and bisects the looks', async () => {
    // Full metric ≤ 0.255 ⟺ k ≤ 15.5: the longest passing prefix is 15.
    const { input: i, asked } = input(0.255);
    expect(await guessPassingPrefix(i)).toBe(15);
    expect(asked.slice(0, 2)).toEqual([0, 40]);
    expect(asked.length).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(40)));
    expect(asked.length).toBeGreaterThanOrEqual(2 + Math.floor(Math.log2(40)));
  });

  it('gives no guess when a look cannot be taken, the anchors do not differ, or the budget is out', async () => {
    expect(await guessPassingPrefix(input(0.255, (k) => (k === 20 ? undefined : k)).input)).toBeUndefined();
    expect(await guessPassingPrefix(input(0.255, () => 0.3).input)).toBeUndefined();
    expect(await guessPassingPrefix({ ...input(0.255).input, full: { none: 0.2, all: 0.2 } })).toBeUndefined();
    expect(await guessPassingPrefix({ ...input(0.255).input, exhausted: () => true })).toBeUndefined();
  });

  it('works for metrics where higher is better (SQNR)', async () => {
    const sqnr = (k: number) => 40 - k; // dB on all the data; looks 2 dB lower
    const guess = await guessPassingPrefix({ count: 30, lookAt: async (k) => sqnr(k) - 2, full: { none: 40, all: 10 }, threshold: 31.5, lowerIsBetter: false, exhausted: () => false });
    expect(guess).toBe(8);
  });
});
