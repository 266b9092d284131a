/**
 * compareModels: where a QDQ model departs from its float model, tensor by tensor, on the same
 * data (relative L2 and SQNR in topological order, the tensors where the error jumps, and clipped
 * int32 biases). See calibration/compare.ts for the streaming and the jump rule.
 */
import type { CalibrationSource } from '../calibration/sources/types.js';
import { compareActivations, type CompareOptions, type ModelComparison } from '../calibration/compare.js';
import { InvalidArgumentError } from '../errors.js';
import type { Model } from '../ir/index.js';

export type { CompareOptions, ModelComparison, TensorError, SaturatedInt32 } from '../calibration/compare.js';

export async function compareModels(float: Model, quantized: Model, source: CalibrationSource, options: CompareOptions = {}): Promise<ModelComparison> {
  checkSameInputs(float, quantized);
  return compareActivations(float, quantized, source, options);
}

/** Both models must take the same inputs (names, element types, static sizes), or the comparison means nothing. */
export function checkSameInputs(float: Model, quantized: Model): void {
  const inputsOf = (m: Model) => new Map(m.graph.inputs.filter((v) => !v.initializer).map((v) => [v.name, v]));
  const f = inputsOf(float);
  const q = inputsOf(quantized);
  const hint = 'Compare a quantized model with the float model it was made from (mixq keeps the inputs as they are).';
  const onlyF = [...f.keys()].filter((n) => !q.has(n));
  const onlyQ = [...q.keys()].filter((n) => !f.has(n));
  if (onlyF.length > 0 || onlyQ.length > 0) {
    const parts = [...(onlyF.length ? [`only the float model has ${onlyF.map((n) => `'${n}'`).join(', ')}`] : []), ...(onlyQ.length ? [`only the quantized model has ${onlyQ.map((n) => `'${n}'`).join(', ')}`] : [])];
    throw new InvalidArgumentError(`The two models take different inputs: ${parts.join('; ')}.`, { hint });
  }
  for (const [name, fv] of f) {
    const qv = q.get(name)!;
    if (fv.elemType !== undefined && qv.elemType !== undefined && fv.elemType !== qv.elemType) {
      throw new InvalidArgumentError(`Input '${name}' is ${fv.elemType} in the float model but ${qv.elemType} in the quantized one.`, { hint });
    }
    const fs = fv.shape;
    const qs = qv.shape;
    const clash = fs && qs && (fs.length !== qs.length || fs.some((d, i) => typeof d === 'number' && typeof qs[i] === 'number' && d !== qs[i]));
    if (clash) throw new InvalidArgumentError(`Input '${name}' has shape [${fs.join(', ')}] in the float model but [${qs.join(', ')}] in the quantized one.`, { hint });
  }
}
