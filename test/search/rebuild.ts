import { expect } from 'vitest';
import type { AutoMixedPrecisionResult } from '../../src/api/auto-mixed-precision.js';
import { quantize } from '../../src/api/quantize.js';
import type { Model } from '../../src/ir/index.js';
import { serializeModel } from '../../src/onnx/index.js';
import { ModelSession } from '../../src/runtime/index.js';
import { averageL2 } from './helpers.js';

async function logitsOf(model: Model) {
  const session = await ModelSession.create(model, { optimization: 'disabled' });
  return async (feed: Parameters<ModelSession['run']>[0]) => (await session.run(feed))['logits']!.data as Float32Array;
}

/** Mean L2 between two models' logits over the calibration data, measured outside the search. */
export async function l2Between(a: Model, b: Model): Promise<number> {
  return averageL2(await logitsOf(a), await logitsOf(b));
}

/** quantize() with the result's map and ranges at the wide types rebuilds the returned model byte for byte. */
export async function expectRebuildsSameModel(
  model: Model,
  result: Pick<AutoMixedPrecisionResult, 'model' | 'ranges' | 'mixedPrecisionTensor'>,
  wide: { activationType: 'int16' | 'int8'; weightType: 'int8' | 'int16' },
): Promise<void> {
  const again = await quantize(model, { ...wide, calibration: { kind: 'ranges', ranges: result.ranges }, mixedPrecisionTensor: result.mixedPrecisionTensor });
  const [ours, theirs] = [result.model.graph, again.model.graph];
  const shape = (g: Model['graph']) => g.nodes.map((n) => [n.opType, n.inputs.map((v) => v?.name ?? ''), n.outputs.map((v) => v?.name ?? '')]);
  expect(shape(theirs)).toEqual(shape(ours));
  expect(Buffer.from(serializeModel(again.model)!).equals(Buffer.from(serializeModel(result.model)!))).toBe(true);
}

/** Stands in for a runtime that refuses BF16 (as onnxruntime does below opset 13): any Cast to bfloat16. */
export function rejectBf16(candidate: Model): void {
  const castsToBf16 = candidate.graph.nodes.some((n) => n.opType === 'Cast' && n.attributes.get('to')?.value.type === 'int' && n.attributes.get('to')?.value.value === 16n);
  if (castsToBf16) throw new Error('no bfloat16 here (simulated runtime refusal)');
}
