import { describe, expect, it } from 'vitest';
import { ConfigError, EvaluateError } from '../../src/errors.js';
import type { CandidateHandle } from '../../src/search/float-fallback-eval.js';
import { searchFloatFallback, type FloatFallbackOptions } from '../../src/search/float-fallback.js';
import { catchMixqAsync } from '../fixtures/helpers.js';
import { matmulChain } from './graphs.js';

/**
 * A deterministic stand-in for an accuracy metric: each punished node converted to 16 bits costs
 * 0.05, every other converted node 0.001. Baseline (nothing converted) scores 1.
 */
function punishing(punished: readonly string[]): (c: CandidateHandle) => number {
  return (c) => {
    const bad = c.convertedNodes.filter((n) => punished.includes(n)).length;
    return 1 - 0.05 * bad - 0.001 * (c.convertedNodes.length - bad);
  };
}

const bf16 = { precision: 'bf16' as const };

function options(evaluate: FloatFallbackOptions['evaluate'], extra: Partial<FloatFallbackOptions> = {}): FloatFallbackOptions {
  return { conversion: bf16, evaluate, tolerableLoss: 0.01, ...extra };
}

describe('accuracy-driven fallback', () => {
  it('finds the smallest fallback set within 2 + N + ⌈log2 N⌉ evaluations', async () => {
    const labels: string[] = [];
    const r = await searchFloatFallback(matmulChain(6), options(punishing(['mm2', 'mm4']), { onEvaluation: (e) => labels.push(e.label) }));
    expect(r.baseline).toBe(1);
    expect(r.fullScore).toBeCloseTo(1 - 0.1 - 0.01, 10);
    expect([...r.fallbackNodes].sort()).toEqual(['mm2', 'mm4']);
    expect(r.targetMet).toBe(true);
    expect((r.baseline - r.finalScore) / r.baseline).toBeLessThanOrEqual(0.01);
    expect(r.units).toBe(12); // 6 MatMul + 6 Add
    expect(r.evaluations).toBeLessThanOrEqual(2 + r.units + Math.ceil(Math.log2(r.units)));
    expect(r.evaluations).toBe(labels.length + 1); // every evaluation but the baseline is reported
    expect(r.history).toHaveLength(r.evaluations - 1);
    expect(r.impacts.slice(0, 2).map((i) => i.nodes[0]).sort()).toEqual(['mm2', 'mm4']);
    expect(r.stoppedBy).toBeUndefined();
  });

  it('stops after two evaluations when the full conversion already meets the goal', async () => {
    const r = await searchFloatFallback(matmulChain(3), options(punishing([])));
    expect(r.evaluations).toBe(2);
    expect(r.fallbackNodes).toEqual([]);
    expect(r.finalScore).toBe(r.fullScore);
  });

  it('stops measuring as soon as one fallback alone meets the goal', async () => {
    const r = await searchFloatFallback(matmulChain(6), options(punishing(['mm3'])));
    expect(r.fallbackNodes).toEqual(['mm3']);
    // Units in graph order: mm0 add0 mm1 add1 mm2 add2 mm3 → 7 leave-one-out evaluations.
    expect(r.evaluations).toBe(2 + 7);
  });

  it('falls back whole regions with granularity "region"', async () => {
    const r = await searchFloatFallback(matmulChain(4), options(punishing(['mm1']), { granularity: 'region' }));
    expect(r.units).toBe(1);
    expect(r.fallbackNodes).toHaveLength(8);
    expect(r.evaluations).toBe(3);
  });

  it('an absolute criterion compares raw score differences', async () => {
    const r = await searchFloatFallback(matmulChain(6), options(punishing(['mm2', 'mm4']), { criterion: 'absolute', tolerableLoss: 0.06 }));
    expect(r.fallbackNodes.length).toBe(1);
    expect(r.baseline - r.finalScore).toBeLessThanOrEqual(0.06);
  });

  it('honours the evaluation budget and returns the best model known to meet the goal', async () => {
    const r = await searchFloatFallback(matmulChain(6), options(punishing(['mm2', 'mm4']), { maxEvaluations: 5 }));
    expect(r.evaluations).toBe(5);
    expect(r.stoppedBy).toBe('budget');
    expect(r.targetMet).toBe(true);
    // Nothing measured meets the goal within 5 evaluations: every unit goes back (the FP32 model).
    expect(r.fallbackNodes).toHaveLength(12);
    expect(r.finalScore).toBe(r.baseline);
  });

  it('honours the timeout between evaluations', async () => {
    const slow = async (c: CandidateHandle): Promise<number> => {
      await new Promise((resolve) => setTimeout(resolve, 25));
      return punishing(['mm2'])(c);
    };
    const r = await searchFloatFallback(matmulChain(6), options(slow, { timeoutMs: 30 }));
    expect(r.stoppedBy).toBe('timeout');
    expect(r.evaluations).toBeLessThan(5);
  });
});

describe('accuracy-driven fallback: never lose a run', () => {
  const failingOn = (n: number, score: (c: CandidateHandle) => number) => {
    let calls = 0;
    return (c: CandidateHandle): number => {
      if (++calls === n) throw new Error('the scoring service went away');
      return score(c);
    };
  };

  it('an error during leave-one-out returns everything back to FP32 (known to meet) with the reason', async () => {
    // 1 baseline, 2 full conversion, 3-4 leave-one-out, 5 fails.
    const r = await searchFloatFallback(matmulChain(6), options(failingOn(5, punishing(['mm2', 'mm4']))));
    expect(r.stoppedBy).toBe('error');
    expect(r.error?.code).toBe('EVALUATE_FAILED');
    expect(r.error?.reason).toContain('the scoring service went away');
    expect(r.targetMet).toBe(true);
    expect(r.fallbackNodes).toHaveLength(12);
    expect(r.finalScore).toBe(r.baseline);
    // The failed call counts: the candidate was run.
    expect(r.evaluations).toBe(5);
  });

  it('an error during the bisection returns the smallest fallback measured to meet the goal', async () => {
    const evaluate = punishing(['mm2', 'mm4']);
    const full = await searchFloatFallback(matmulChain(6), options(evaluate));
    // Fail on the last evaluation of the complete run: everything before it is known.
    const r = await searchFloatFallback(matmulChain(6), options(failingOn(full.evaluations, evaluate)));
    expect(r.stoppedBy).toBe('error');
    const passing = r.history.filter((h) => h.meetsGoal).sort((a, b) => a.fallback.length - b.fallback.length);
    expect(r.targetMet).toBe(true);
    expect(r.fallbackNodes).toEqual(passing[0]?.fallback ?? r.fallbackNodes);
    expect(r.fallbackNodes.length).toBeGreaterThanOrEqual(full.fallbackNodes.length);
    expect((r.baseline - r.finalScore) / r.baseline).toBeLessThanOrEqual(0.01);
  });

  it('an error on the baseline or the full conversion still throws (nothing measured to return)', async () => {
    for (const n of [1, 2]) {
      const error = await catchMixqAsync(() => searchFloatFallback(matmulChain(2), options(failingOn(n, punishing([])))));
      expect(error).toBeInstanceOf(EvaluateError);
    }
  });
});

describe('accuracy-driven fallback: bad evaluate functions and options', () => {
  it('wraps a throwing evaluate in an EvaluateError naming the candidate', async () => {
    const error = await catchMixqAsync(() => searchFloatFallback(matmulChain(2), options(() => { throw new Error('metric exploded'); })));
    expect(error).toBeInstanceOf(EvaluateError);
    expect(error.message).toContain("'fp32 baseline'");
    expect(error.message).toContain('metric exploded');
    const rejected = await catchMixqAsync(() => searchFloatFallback(matmulChain(2), options(async () => Promise.reject(new Error('async boom')))));
    expect(rejected).toBeInstanceOf(EvaluateError);
  });

  it('rejects NaN, non-numbers and scores outside the declared range', async () => {
    const nan = await catchMixqAsync(() => searchFloatFallback(matmulChain(2), options(() => NaN)));
    expect(nan).toBeInstanceOf(EvaluateError);
    expect(nan.message).toContain('NaN');
    const text = await catchMixqAsync(() => searchFloatFallback(matmulChain(2), options((() => '0.9') as never)));
    expect(text.message).toMatch(/must return a number/);
    let calls = 0;
    const range = await catchMixqAsync(() => searchFloatFallback(matmulChain(2), options(() => (++calls === 1 ? 0.9 : 1.5), { scoreRange: [0, 1] })));
    expect(range).toBeInstanceOf(EvaluateError);
    expect(range.message).toContain("'full conversion'");
    expect(range.message).toContain('[0, 1]');
  });

  it('rejects bad search options', async () => {
    const ok = punishing([]);
    expect(await catchMixqAsync(() => searchFloatFallback(matmulChain(2), options(ok, { tolerableLoss: -1 })))).toBeInstanceOf(ConfigError);
    expect(await catchMixqAsync(() => searchFloatFallback(matmulChain(2), options(ok, { maxEvaluations: 1 })))).toBeInstanceOf(ConfigError);
    expect(await catchMixqAsync(() => searchFloatFallback(matmulChain(2), options(ok, { criterion: 'percent' as never })))).toBeInstanceOf(ConfigError);
    expect(await catchMixqAsync(() => searchFloatFallback(matmulChain(2), options(ok, { scoreRange: [1, 0] })))).toBeInstanceOf(ConfigError);
  });
});
