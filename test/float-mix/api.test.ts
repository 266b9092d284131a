import { describe, expect, it } from 'vitest';
import { formatMixPrecisionReport, mixPrecision, type CandidateHandle } from '../../src/api/mix-precision.js';
import { ConfigError, EvaluateError, UnknownNameError } from '../../src/errors.js';
import { serializeModel } from '../../src/onnx/index.js';
import { catchMixqAsync } from '../fixtures/helpers.js';
import { floatFeed } from '../fixtures/models.js';
import { convReluConvSoftmax, matmulChain } from './graphs.js';

describe('mixPrecision API', () => {
  it('converts without evaluate and reports per-op statistics and FP32 reasons', async () => {
    const model = convReluConvSoftmax();
    const before = serializeModel(model)!;
    const { model: mixed, report } = await mixPrecision(model, { precision: 'bf16' });
    expect(Buffer.from(serializeModel(model)!).equals(Buffer.from(before))).toBe(true);
    expect(mixed).not.toBe(model);
    expect(report).toMatchObject({ precision: 'bf16', form: 'emulated', convertedNodes: 3, totalNodes: 4, castsInserted: 10, evaluations: 0, fallbackNodes: [] });
    expect(report.statistics['Conv']).toEqual({ INT8: 0, INT16: 0, BF16: 2, FP16: 0, FP32: 0 });
    expect(report.statistics['Softmax']).toEqual({ INT8: 0, INT16: 0, BF16: 0, FP16: 0, FP32: 1 });
    expect(report.float32Nodes).toEqual([{ name: 'softmax', opType: 'Softmax', reason: 'denied', detail: 'Softmax is in the deny list' }]);
    expect(report.baselineScore).toBeUndefined();
    const text = formatMixPrecisionReport(report);
    expect(text).toContain('Converted 3/4 nodes to BF16');
    expect(text).toContain('Left FP32: 1 denied');
  });

  it('warns about search options given without evaluate', async () => {
    const seen: string[] = [];
    const { report } = await mixPrecision(convReluConvSoftmax(), { tolerableLoss: 0.02, onWarning: (w) => seen.push(w) });
    expect(seen).toEqual(['tolerableLoss has no effect without evaluate.']);
    expect(report.warnings).toEqual(seen);
  });

  it('reports configuration errors before calling evaluate', async () => {
    let calls = 0;
    const evaluate = (): number => ++calls;
    const error = await catchMixqAsync(() => mixPrecision(convReluConvSoftmax(), { evaluate, forceFloat32: ['conv9'] }));
    expect(error).toBeInstanceOf(UnknownNameError);
    expect(calls).toBe(0);
    expect(await catchMixqAsync(() => mixPrecision(convReluConvSoftmax(), { form: 'fast' as never }))).toBeInstanceOf(ConfigError);
    expect(await catchMixqAsync(() => mixPrecision(convReluConvSoftmax(), { evaluate: 3 as never }))).toBeInstanceOf(ConfigError);
  });

  it('runs the accuracy-driven fallback and returns the model it chose', async () => {
    const progress: number[] = [];
    const feeds = { x: floatFeed([2, 8], 4) };
    // Synthetic metric: each of mm1 and mm3 computed in 16 bits costs 5%.
    const evaluate = async (c: CandidateHandle): Promise<number> => {
      await c.run(feeds); // candidates really run
      return 1 - 0.05 * c.convertedNodes.filter((n) => n === 'mm1' || n === 'mm3').length;
    };
    const { model, report } = await mixPrecision(matmulChain(5), { precision: 'fp16', evaluate, onProgress: (e) => progress.push(e.done) });
    expect(report.targetMet).toBe(true);
    expect([...report.fallbackNodes].sort()).toEqual(['mm1', 'mm3']);
    expect(report.float32Nodes.filter((n) => n.reason === 'fell-back').map((n) => n.name).sort()).toEqual(['mm1', 'mm3']);
    expect(report.finalScore).toBe(1);
    expect(report.evaluations).toBe(progress.length + 1);
    expect(model.graph.nodes.find((n) => n.name === 'mm1')?.inputs[1]?.initializer?.type).toBe('float32');
    expect(formatMixPrecisionReport(report)).toMatch(/goal met; 2 node\(s\) fell back/);
  });

  it('turns a bad score into an EvaluateError', async () => {
    const error = await catchMixqAsync(() => mixPrecision(matmulChain(2), { evaluate: () => Number.NaN }));
    expect(error).toBeInstanceOf(EvaluateError);
  });
});
