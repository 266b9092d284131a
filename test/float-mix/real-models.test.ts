import { beforeAll, describe, expect, it } from 'vitest';
import { mixPrecision, formatMixPrecisionReport, type CandidateHandle } from '../../src/api/mix-precision.js';
import { RuntimeFailureError } from '../../src/errors.js';
import type { HostTensor, Model } from '../../src/ir/index.js';
import { loadModel, serializeModel } from '../../src/onnx/index.js';
import { RESNET, VIT } from '../fixtures/helpers.js';
import { loadEvalSet, logitsOf, top1, type EvalSet } from './fashion.js';
import { node } from './graphs.js';

const TOLERANCE = 0.01;
let data: EvalSet;

beforeAll(() => {
  data = loadEvalSet(1000);
});

function withinRelative(baseline: number, score: number): boolean {
  return (baseline - score) / baseline <= TOLERANCE;
}

describe.each([
  ['fashion-resnet', RESNET],
  ['fashion-vit', VIT],
])('%s: BF16 / FP16 mixed precision', (_name, path) => {
  let model: Model;
  let fp32: number;

  beforeAll(async () => {
    model = await loadModel(path);
    fp32 = top1(await logitsOf(model, data.images), data.labels);
  });

  it.each(['bf16', 'fp16'] as const)('%s emulated runs in onnxruntime with top-1 within the tolerable loss of FP32', async (precision) => {
    const before = serializeModel(model)!;
    const { model: mixed, report } = await mixPrecision(model, { precision });
    expect(Buffer.from(serializeModel(model)!).equals(Buffer.from(before))).toBe(true); // input untouched
    const accuracy = top1(await logitsOf(mixed, data.images), data.labels);
    expect(withinRelative(fp32, accuracy), `FP32 ${fp32}, ${precision} ${accuracy}`).toBe(true);
    expect(report.convertedNodes).toBeGreaterThan(0);
    expect(report.summary).toMatch(new RegExp(`^Converted ${report.convertedNodes}/${report.totalNodes} nodes to ${precision.toUpperCase()}, inserted \\d+ casts`));
    const column = precision === 'bf16' ? 'BF16' : 'FP16';
    expect(report.statistics['Conv']?.[column]).toBe(report.statistics['Conv'] && Object.values(report.statistics['Conv']).reduce((a, b) => a + b, 0));
    expect(report.float32Nodes.every((n) => n.reason !== undefined && n.detail !== '')).toBe(true);
    expect(report.float32Nodes.length + report.convertedNodes).toBe(report.totalNodes);
    expect(report.parameterBytes.after).toBeLessThan(report.parameterBytes.before * 0.6);
    expect(report.evaluations).toBe(0);
  });

  it('native BF16: Conv inputs and weights are bfloat16', async () => {
    const { model: native, report } = await mixPrecision(model, { precision: 'bf16', form: 'native' });
    const conv = native.graph.nodes.find((n) => n.opType === 'Conv')!;
    expect(conv.inputs[0]?.elemType).toBe('bfloat16');
    expect(conv.inputs[1]?.initializer?.type).toBe('bfloat16');
    expect(conv.outputs[0]?.elemType).toBe('bfloat16');
    expect(native.graph.outputs[0]?.elemType).toBe('float32');
    expect(native.graph.outputs[0]?.name).toBe('logits');
    expect(report.casts.weight).toBe(0);
    expect(report.warnings.some((w) => w.includes('bfloat16 kernels'))).toBe(true);
    // Native form needs few casts: only region borders.
    expect(report.castsInserted).toBeLessThanOrEqual(12);
  });

  it('native FP16 runs in onnxruntime where the CPU has the kernels', async () => {
    const { model: native } = await mixPrecision(model, { precision: 'fp16', form: 'native' });
    const conv = native.graph.nodes.find((n) => n.opType === 'Conv')!;
    expect(conv.inputs[1]?.initializer?.type).toBe('float16');
    let logits: Float32Array;
    try {
      logits = await logitsOf(native, data.images);
    } catch (error) {
      // No FP16 kernel for some op on this CPU: the structure above is what we can check.
      expect(error).toBeInstanceOf(RuntimeFailureError);
      return;
    }
    expect(withinRelative(fp32, top1(logits, data.labels))).toBe(true);
  });
});

describe('fashion-resnet: accuracy-driven fallback running candidates', () => {
  it('meets a tight logit-distance goal by putting the most harmful ops back', async () => {
    const model = await loadModel(RESNET);
    const batch: HostTensor = { type: 'float32', dims: [64, 1, 28, 28], data: (data.images.data as Float32Array).subarray(0, 64 * 784) };
    const reference = await logitsOf(model, batch);
    const distance = (logits: Float32Array): number => {
      let total = 0;
      for (let i = 0; i < 64; i++) {
        let s = 0;
        for (let j = 0; j < 10; j++) s += (logits[i * 10 + j]! - reference[i * 10 + j]!) ** 2;
        total += Math.sqrt(s);
      }
      return total / 64;
    };
    const evaluate = async (c: CandidateHandle): Promise<number> => -distance((await c.run({ input: batch }))['logits']!.data as Float32Array);
    const full = await mixPrecision(model, { precision: 'bf16' });
    const fullLoss = distance(await logitsOf(full.model, batch));
    expect(fullLoss).toBeGreaterThan(0);

    const { model: mixed, report } = await mixPrecision(model, { precision: 'bf16', evaluate, criterion: 'absolute', tolerableLoss: fullLoss / 2 });
    expect(report.targetMet).toBe(true);
    expect(Math.abs(report.baselineScore!)).toBe(0); // the FP32 candidate is the reference itself
    expect(report.fullConversionScore).toBeCloseTo(-fullLoss, 6);
    expect(report.fallbackNodes.length).toBeGreaterThan(0);
    expect(report.convertedNodes).toBeGreaterThan(0);
    expect(-distance(await logitsOf(mixed, batch))).toBeCloseTo(report.finalScore!, 6);
    expect(report.finalScore!).toBeGreaterThanOrEqual(-fullLoss / 2);
    const n = report.search!.units;
    expect(report.evaluations).toBeLessThanOrEqual(2 + n + Math.ceil(Math.log2(n)));
    for (const name of report.fallbackNodes) expect(report.float32Nodes.find((f) => f.name === name)?.reason).toBe('fell-back');
    expect(formatMixPrecisionReport(report)).toContain('fell-back');
    expect(node(mixed, report.fallbackNodes[0]!)).toBeDefined();
  });
});
