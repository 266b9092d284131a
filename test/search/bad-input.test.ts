import { beforeAll, describe, expect, it } from 'vitest';
import { autoMixedPrecision, type AutoMixedPrecisionOptions } from '../../src/api/auto-mixed-precision.js';
import { ConfigError, EvaluateError, MixqError } from '../../src/errors.js';
import type { Model } from '../../src/ir/index.js';
import { loadModel } from '../../src/onnx/index.js';
import type { EvaluateFunction } from '../../src/search/targets.js';
import { calibSource, MODELS } from './helpers.js';

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

  it('a target the wide model already misses falls back to BF16/FP32 and says so plainly', async () => {
    const warnings: string[] = [];
    // The float model has L2 0; the wide model ~0.087. A target of 0.05 forces fallback.
    const r = await run({ target: { kind: 'metric', metric: 'l2', threshold: 0.05 }, onWarning: (w) => warnings.push(w) });
    expect(r.message).toMatch(/wide model already misses the target/);
    expect(warnings.some((w) => w.includes('already misses'))).toBe(true);
    if (r.met) {
      expect(r.final.l2).toBeLessThanOrEqual(0.05);
      expect(r.layers.some((l) => l.precision === 'bfloat16' || l.precision === 'float32')).toBe(true);
    } else {
      // The best model found is still returned.
      expect(r.model).toBeDefined();
      expect(r.final.l2).toBeLessThanOrEqual(r.baseline.wide.l2);
    }
  });

  it('an unreachable target reports that no model meets it and returns the best one', async () => {
    const r = await run({ target: { kind: 'metric', metric: 'l2', threshold: 1e-9 } });
    expect(r.met).toBe(false);
    expect(r.message).toMatch(/No model met it/);
    expect(r.final.l2).toBeLessThanOrEqual(r.baseline.wide.l2);
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
