import { beforeAll, describe, expect, it } from 'vitest';
import { autoMixedPrecision, type AutoMixedPrecisionOptions } from '../../src/api/auto-mixed-precision.js';
import { ConfigError, EvaluateError, MixqError } from '../../src/errors.js';
import type { Model } from '../../src/ir/index.js';
import { loadModel } from '../../src/onnx/index.js';
import type { EvaluateFunction } from '../../src/search/targets.js';
import { calibSource, MODELS } from './helpers.js';
import { expectRebuildsSameModel, l2Between, rejectBf16 } from './rebuild.js';

let model: Model;
beforeAll(async () => {
  model = await loadModel(`${MODELS}/fashion-resnet.onnx`);
});

async function run(options: Partial<AutoMixedPrecisionOptions>) {
  return autoMixedPrecision(model, {
    calibration: await calibSource(),
    batchSize: 128,
    target: { kind: 'metric', metric: 'l2', threshold: 0.14 },
    ...options,
  } as AutoMixedPrecisionOptions);
}

const l2ToFloat = (m: Model) => l2Between(m, model);
const expectRebuilds = (r: Awaited<ReturnType<typeof run>>) => expectRebuildsSameModel(model, r, { activationType: 'int16', weightType: 'int8' });

const top1 = (evaluate: EvaluateFunction) => ({ kind: 'top1' as const, maxDrop: 0.01, evaluate, relativeTo: 'float' as const, mode: 'absolute' as const });

describe('autoMixedPrecision bad input', () => {
  it('an evaluate function that throws gives an EvaluateError naming the cause', async () => {
    const err = await run({ target: top1(() => { throw new Error('dataset not found'); }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EvaluateError);
    expect((err as Error).message).toContain('dataset not found');
  });

  it('NaN, a non-number or a score outside the declared range gives an EvaluateError', async () => {
    for (const bad of [NaN, 'high', 1.5, -0.1]) {
      const err = await run({ target: top1(() => bad as number) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EvaluateError);
      expect((err as MixqError).code).toBe('EVALUATE_FAILED');
    }
  });

  it('an empty candidate list is a ConfigError that says which selection was empty', async () => {
    const err = await run({ candidates: { opTypes: ['LSTM'] } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('LSTM');
  });

  it('two targets at once (Quark style) is a ConfigError, not a silent choice', async () => {
    const err = await run({ l2Target: 0.1, top1AccTarget: 0.01 } as unknown as AutoMixedPrecisionOptions).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
  });

  it('bad target values are ConfigErrors', async () => {
    for (const target of [
      { kind: 'metric', metric: 'l3', threshold: 1 },
      { kind: 'metric', metric: 'l2', threshold: -1 },
      { kind: 'top1', maxDrop: 0.01, evaluate: () => 1, relativeTo: 'best', mode: 'absolute' },
      { kind: 'nope' },
    ]) {
      const err = await run({ target: target as never }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
    }
  });

  const FLOAT_FALLBACK_ONLY = ['A8W8', 'A16W8', 'BF16', 'FP32'] as const;

  it('a target the wide model misses falls back exactly the groups it reports, and the map rebuilds that model', async () => {
    const warnings: string[] = [];
    // The float model has L2 0, the wide model ~0.087, everything BF16 > 0.07: 0.07 needs a few groups
    // at FP32 (one on this model), where returning "every group widened" would also pass the target.
    const threshold = 0.07;
    // The float fallback path: 16-bit weights (A16W16, tried first by default) left out of the configs.
    const r = await run({ target: { kind: 'metric', metric: 'l2', threshold }, configs: FLOAT_FALLBACK_ONLY, onWarning: (w) => warnings.push(w) });
    expect(r.baseline.wide.l2).toBeGreaterThan(threshold);
    expect(r.message).toMatch(/wide model already misses the target/);
    expect(warnings.some((w) => w.includes('already misses'))).toBe(true);
    expect(r.met).toBe(true);
    const said = /Fell back (\d+) layer group\(s\) to (BF16|FP32)/.exec(r.message);
    expect(said).not.toBeNull();
    const [k, level] = [Number(said![1]), said![2] === 'BF16' ? 'bfloat16' : 'float32'];
    const widened = r.layers.filter((l) => l.precision === 'bfloat16' || l.precision === 'float32');
    // Exactly what the message says: k groups, all at the reported level, and not every group.
    expect(widened).toHaveLength(k);
    expect(widened.every((l) => l.precision === level)).toBe(true);
    expect(k).toBeGreaterThan(0);
    expect(k).toBeLessThan(r.layers.length);
    // The returned model measures what the result says (independently of the search).
    expect(r.final.l2).toBeLessThanOrEqual(threshold);
    expect(await l2ToFloat(r.model)).toBeCloseTo(r.final.l2, 6);
    await expectRebuilds(r);
  });

  it('with BF16 candidates rejected by the runtime, the search records failed trials and falls back to FP32', async () => {
    // At 0.08 one group in BF16 would do (it is what the search returns without the refusal).
    const r = await run({ target: { kind: 'metric', metric: 'l2', threshold: 0.08 }, configs: FLOAT_FALLBACK_ONLY, inspectCandidate: rejectBf16 });
    expect(r.failedTrials.length).toBeGreaterThan(0);
    for (const f of r.failedTrials) {
      expect(f.candidate).toMatch(/to bfloat16/);
      expect(f.reason).toContain('no bfloat16 here');
    }
    expect(r.met).toBe(true);
    const k = Number(/Fell back (\d+) layer group\(s\) to FP32/.exec(r.message)?.[1]);
    expect(r.layers.filter((l) => l.precision === 'float32')).toHaveLength(k);
    expect(r.layers.some((l) => l.precision === 'bfloat16')).toBe(false);
    expect(r.message).toContain(`${r.failedTrials.length} candidate(s) failed to build or load`);
    expect(r.mixedPrecisionTensor.Float32?.length).toBeGreaterThan(0);
    expect(await l2ToFloat(r.model)).toBeCloseTo(r.final.l2, 6);
    await expectRebuilds(r);
  });

  it('an unreachable target reports that no model meets it and returns the least bad model it measured', async () => {
    const r = await run({ target: { kind: 'metric', metric: 'l2', threshold: 1e-9 } });
    expect(r.met).toBe(false);
    expect(r.message).toMatch(/No model met it/);
    expect(r.final.l2).toBeLessThan(r.baseline.wide.l2);
    expect(await l2ToFloat(r.model)).toBeCloseTo(r.final.l2, 6);
    await expectRebuilds(r);
  });

  it('an evaluation budget stops the search early and still returns a model', async () => {
    const r = await run({ maxEvaluations: 8 });
    expect(r.evaluations).toBeLessThanOrEqual(9);
    expect(r.model.graph.nodes.length).toBeGreaterThan(0);
  });

  it('does not modify the input model', async () => {
    const { serializeModel } = await import('../../src/onnx/index.js');
    const before = serializeModel(model)!;
    await run({ maxEvaluations: 3 });
    expect(Buffer.compare(Buffer.from(serializeModel(model)!), Buffer.from(before))).toBe(0);
  });
});
