/**
 * The pieces of the one search engine shared by the INT8/INT16 search and the float-mix fallback:
 * union-find, the bisection, the budget and the score/drop rules.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, EvaluateError } from '../../src/errors.js';
import { Budget } from '../../src/search/budget.js';
import { meetsGoal } from '../../src/search/float-fallback-eval.js';
import { scoreDrop, scoreWith, type CandidateHandle } from '../../src/search/score.js';
import { bisectPrefix, smallestPassingPrefix } from '../../src/search/strategy.js';
import { meets, type Target } from '../../src/search/targets.js';
import { UnionFind } from '../../src/search/union-find.js';

const unlimited = { exhausted: () => false };

describe('UnionFind', () => {
  it('groups by first member, members in the order added', () => {
    const u = new UnionFind<string>();
    for (const k of ['a', 'b', 'c', 'd', 'e']) u.add(k);
    u.union('d', 'b');
    u.union('e', 'a');
    u.union('b', 'e');
    expect(u.groups()).toEqual([['a', 'b', 'd', 'e'], ['c']]);
    expect(u.find('d')).toBe(u.find('a'));
    expect(u.find('c')).not.toBe(u.find('a'));
  });
});

describe('bisectPrefix', () => {
  it('finds the boundary of a monotone predicate from either side in ⌈log2(hi − lo)⌉ trials', async () => {
    for (const boundary of [1, 5, 17, 32]) {
      const asked: number[] = [];
      // Widening: fails below the boundary, passes from it on.
      const up = await bisectPrefix(0, 32, false, async (k) => (asked.push(k), k >= boundary), unlimited);
      expect(up.hi).toBe(boundary);
      expect(up.lo).toBe(boundary - 1);
      expect(asked.length).toBeLessThanOrEqual(5);
      // Narrowing: passes up to the boundary, fails after.
      const down = await bisectPrefix(0, 33, true, async (k) => k <= boundary, unlimited);
      expect(down.lo).toBe(boundary);
    }
  });

  it('stops where it is when the budget runs out', async () => {
    let left = 2;
    const r = await bisectPrefix(0, 64, false, async (k) => k >= 40, { exhausted: () => left-- <= 0 });
    expect(r.stoppedEarly).toBe(true);
    expect(r.evaluations).toBe(2);
    expect(r.hi - r.lo).toBe(16);
  });

  it('smallestPassingPrefix uses what is known: a failing prefix and a full prefix known to pass', async () => {
    const asked: number[] = [];
    const r = await smallestPassingPrefix(8, async (idx) => (asked.push(idx.length), idx.length >= 3), unlimited, { failing: 1, fullPasses: true });
    expect(r.k).toBe(3);
    expect(asked).not.toContain(8);
    expect(asked).not.toContain(1);
  });
});

describe('Budget', () => {
  it('says which limit ran out, and keeps saying so', async () => {
    let n = 0;
    const b = new Budget(() => n, 3, undefined);
    n = 2;
    expect(b.exhausted()).toBe(false);
    n = 3;
    expect(b.exhausted()).toBe(true);
    expect(b.stoppedBy?.kind).toBe('evaluations');
    n = 0;
    expect(b.exhausted()).toBe(true);
    const t = new Budget(() => 0, undefined, 1, Date.now() - 5);
    expect(t.exhausted()).toBe(true);
    expect(t.stoppedBy?.kind).toBe('timeout');
    expect(() => new Budget(() => 0, 0, undefined)).toThrow(ConfigError);
    expect(() => new Budget(() => 0, undefined, -1)).toThrow(ConfigError);
  });
});

describe('one score contract and one drop rule', () => {
  const handle = (label: string): CandidateHandle => ({ label, model: undefined as never, convertedNodes: [], inputNames: ['x'], outputNames: ['y'], run: async () => ({}) });

  it('the top-1 target and the float-mix goal agree on every drop, including a zero reference', () => {
    const cases: [number, number, 'absolute' | 'relative', number][] = [
      [0.9, 0.89, 'absolute', 0.01],
      [0.9, 0.88, 'absolute', 0.01],
      [0.9, 0.891, 'relative', 0.01],
      [0.9, 0.89, 'relative', 0.01],
      [0, -0.005, 'relative', 0.01],
      [0, -0.02, 'relative', 0.01],
      [-2, -2.01, 'relative', 0.01],
      [-2, -2.03, 'relative', 0.01],
    ];
    for (const [reference, score, mode, maxDrop] of cases) {
      const target: Target = { kind: 'top1', maxDrop, evaluate: () => 0, relativeTo: 'float', mode };
      const viaTarget = meets(target, { metrics: { l2: 0, relativeL2: 0, sqnr: 0, psnr: 0, cosine: 1, kl: 0, samples: 1 }, score }, reference);
      const viaGoal = meetsGoal(reference, score, { criterion: mode, tolerableLoss: maxDrop });
      expect(viaTarget).toBe(viaGoal);
    }
    // A zero reference has no relative scale: the drop is in score units.
    expect(scoreDrop(0, -0.02, 'relative')).toBeCloseTo(0.02, 12);
    // Relative drops are fractions of |reference| (a loss, negative, still drops when it grows).
    expect(scoreDrop(-2, -2.1, 'relative')).toBeCloseTo(0.05, 12);
  });

  it('scoreWith names the candidate in every complaint and passes a good score through', async () => {
    await expect(scoreWith(() => 0.7, handle('wide model'), [0, 1])).resolves.toBe(0.7);
    const thrown = await scoreWith(() => { throw new Error('no data'); }, handle('2 group(s) to int8: a, b'), undefined).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(EvaluateError);
    expect((thrown as Error).message).toContain("'2 group(s) to int8: a, b'");
    expect((thrown as Error).message).toContain('no data');
    const outside = await scoreWith(() => 1.5, handle('float model'), [0, 1]).catch((e: unknown) => e);
    expect((outside as Error).message).toMatch(/float model.*\[0, 1\]/);
    const nan = await scoreWith(() => NaN, handle('x'), undefined).catch((e: unknown) => e);
    expect((nan as Error).message).toContain('NaN');
  });
});
