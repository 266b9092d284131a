import type { Model } from '../ir/index.js';
import { needsExternalData } from '../onnx/index.js';
import { ModelSession, withExtraOutputs } from './session.js';

/**
 * Element types of the main graph's node outputs as onnxruntime infers them, for models that
 * carry no value_info (most exporters write none). Costs one session creation, no inference.
 * Fills `value.type` where it is missing (element type only; shapes stay unknown).
 */
export async function inferMissingTypes(model: Model): Promise<number> {
  const missing = model.graph.nodes.flatMap((n) => n.outputs.filter((v) => v !== undefined && v.type === undefined && !v.isGraphOutput)).map((v) => v!.name);
  if (missing.length === 0) return 0;
  const probe = withExtraOutputs(model, missing);
  if (needsExternalData(probe)) return 0; // over 2 GB: leave types unknown rather than write a temp copy just for this
  const session = await ModelSession.create(probe, { optimization: 'disabled' });
  let filled = 0;
  try {
    for (const [name, elemType] of session.outputElementTypes()) {
      const value = model.graph.ownValue(name);
      if (!value || value.type !== undefined) continue;
      value.type = { kind: 'tensor', elemType, shape: undefined };
      filled++;
    }
  } finally {
    await session.close();
  }
  return filled;
}
