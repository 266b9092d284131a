/**
 * Plain A8W8 on recognizer-like exports against ONNX Runtime's quantize_static (issue 10 item 5).
 * ORT's figures and Q/DQ placement were measured by bench/a8w8-parity.ts (its optional Python half
 * ran ORT; every model was scored on onnxruntime-node with default options) and are read from
 * bench/results/a8w8-parity.json: same fixture, same 64 calibration samples (seed 0), same 64
 * evaluation samples (seed 7). mixq must be no worse than ORT (raw and after quant_pre_process) and
 * put Q/DQ on exactly the activations ORT does once BatchNormalization is folded.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { quantize, type QuantizeResult } from '../../src/api/quantize.js';
import type { HostTensor, Model } from '../../src/ir/index.js';
import { ModelSession } from '../../src/runtime/index.js';
import { recognizerLike } from '../fixtures/exports/index.js';
import { relativeL2 } from '../fixtures/error-metrics.js';

interface Row {
  readonly model: string;
  readonly level: string;
  readonly relativeL2?: number;
}
interface FixtureResult {
  readonly opset: number;
  readonly rows: readonly Row[];
  readonly ortPreQuantizedActivations?: readonly string[];
}
const RESULTS = fileURLToPath(new URL('../../bench/results/a8w8-parity.json', import.meta.url));
const recorded = JSON.parse(readFileSync(RESULTS, 'utf8')) as { fixtures: FixtureResult[] };

/** What the bench measured for `model` ('ort', 'ort-pre', 'mixq-before') with default session options. */
function recordedL2(opset: number, model: string): number | undefined {
  return recorded.fixtures.find((f) => f.opset === opset)?.rows.find((r) => r.model === model && r.level === 'all')?.relativeL2;
}

/** The output under onnxruntime's default options (QDQ fused into QLinear kernels), as users run it. */
async function outputOf(model: Model, x: HostTensor, name: string): Promise<Float32Array> {
  const session = await ModelSession.create(model, { optimization: 'all' });
  try {
    return (await session.run({ x }))[name]!.data as Float32Array;
  } finally {
    await session.close();
  }
}


describe.each([9, 13] as const)('recognizerLike opset %i, A8W8 per-channel MinMax', (opset) => {
  const fx = recognizerLike({ opset });
  let r: QuantizeResult;
  let l2: number;
  beforeAll(async () => {
    const float = fx.build();
    r = await quantize(float, { calibration: { kind: 'data', source: fx.source(64, 0), method: 'minmax' }, activationType: 'int8', weightType: 'int8', perChannel: true });
    const x = fx.feeds(64, 7)[fx.inputName]!;
    const output = fx.outputNames[0]!;
    l2 = relativeL2(await outputOf(r.model, x, output), await outputOf(float, x, output));
  });

  it('relative L2 of the output is no worse than ONNX Runtime (raw, and after its pre-processing)', () => {
    const ort = recordedL2(opset, 'ort');
    const ortPre = recordedL2(opset, 'ort-pre');
    // Missing only if the results file was written without Python and without earlier ORT rows.
    expect(ort, 'ORT figure in bench/results/a8w8-parity.json (run bench/a8w8-parity.ts with /tmp/pyenv)').toBeDefined();
    expect(ortPre).toBeDefined();
    console.log(`recognizerLike opset ${opset} A8W8: mixq ${l2.toFixed(4)}, ORT ${ort}, ORT pre-processed ${ortPre}, mixq before ${recordedL2(opset, 'mixq-before') ?? '-'}`);
    expect(l2).toBeGreaterThan(0);
    expect(l2).toBeLessThanOrEqual(Math.min(ort!, ortPre!));
  });

  it('folds every BatchNormalization (the fixture has un-folded ones) and leaves none float', () => {
    expect(fx.build().graph.nodes.some((n) => n.opType === 'BatchNormalization')).toBe(true);
    expect(r.model.graph.nodes.filter((n) => n.opType === 'BatchNormalization')).toEqual([]);
  });

  it.runIf(opset === 13)('puts Q/DQ on the same activations as ONNX Runtime (after its BN folding)', () => {
    const ortPlan = recorded.fixtures.find((f) => f.opset === 13)?.ortPreQuantizedActivations;
    expect(ortPlan?.length).toBeGreaterThan(50);
    const ours = r.plan.tensors.filter((t) => t.role === 'activation').map((t) => t.name).sort();
    expect(ours).toEqual([...ortPlan!].sort());
  });
});
