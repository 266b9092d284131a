import { describe, expect, it } from 'vitest';
import { quantize } from '../../src/api/quantize.js';
import { loadModel } from '../../src/onnx/index.js';
import { ModelSession } from '../../src/runtime/index.js';
import { calibSource, top1Evaluator } from '../search/helpers.js';

describe('quantize with useBf16: INT8 + BF16 + FP32 in one model', () => {
  it('turns the ops left float (LayerNormalization, Erf, Div) into BF16 and keeps denied ones FP32', async () => {
    const model = await loadModel('/work/shared/models/fashion-vit.onnx');
    const calibration = { kind: 'data' as const, source: await calibSource() };
    const plain = await quantize(model, { calibration });
    const mixed = await quantize(model, { calibration, useBf16: true });
    expect(mixed.statistics['LayerNormalization']!.BF16).toBe(9);
    expect(mixed.statistics['Erf']!.BF16).toBe(4);
    expect(mixed.statistics['Pow']!.FP32).toBe(1); // denied: stays FP32
    expect(mixed.statistics['MatMul']!.INT8).toBe(plain.statistics['MatMul']!.INT8);
    const casts = mixed.model.graph.nodes.filter((n) => n.opType === 'Cast' && n.attrInt('to') === 16).length;
    expect(casts).toBeGreaterThan(0);
    const evaluate = await top1Evaluator(1000);
    const score = async (m: typeof model) => {
      const s = await ModelSession.create(m, { optimization: 'disabled' });
      return evaluate({ inputNames: s.inputNames, outputNames: s.outputNames, run: (f) => s.run(f) });
    };
    const [floatTop1, mixedTop1] = [await score(model), await score(mixed.model)];
    expect(Math.abs(floatTop1 - mixedTop1)).toBeLessThanOrEqual(0.005);
  });
});
