import ort from 'onnxruntime-node';
import { describeError, RuntimeFailureError } from '../errors.js';
import type { DataType, Model } from '../ir/index.js';
import { serializeModel } from '../onnx/index.js';
import { withExtraOutputs } from './session.js';

/**
 * Element types of the main graph's node outputs as onnxruntime infers them, for models that
 * carry no value_info (most exporters write none). Costs one session creation, no inference.
 * Fills `value.type` where it is missing (element type only; shapes stay unknown).
 */
export async function inferMissingTypes(model: Model): Promise<number> {
  const missing = model.graph.nodes.flatMap((n) => n.outputs.filter((v) => v !== undefined && v.type === undefined && !v.isGraphOutput)).map((v) => v!.name);
  if (missing.length === 0) return 0;
  const probe = withExtraOutputs(model, missing);
  const bytes = serializeModel(probe);
  if (!bytes) return 0; // over 2 GB: leave types unknown rather than write a temp copy just for this
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled', logSeverityLevel: 3 });
  } catch (error) {
    throw new RuntimeFailureError(`onnxruntime could not load the model: ${describeError(error)}`, { hint: 'Check the model with `mixq inspect`; it must run in onnxruntime before it can be quantized.', cause: error });
  }
  let filled = 0;
  try {
    for (const meta of session.outputMetadata) {
      if (!meta.isTensor) continue;
      const value = model.graph.ownValue(meta.name);
      if (!value || value.type !== undefined) continue;
      value.type = { kind: 'tensor', elemType: meta.type as DataType, shape: undefined };
      filled++;
    }
  } finally {
    await session.release();
  }
  return filled;
}
