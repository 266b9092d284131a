/**
 * A decomposed LayerNorm (ReduceMean → Sub → Pow → ReduceMean → Add → Sqrt → Div → Mul → Add, as
 * exporters write it below opset 17) must not read a 16-bit value that nothing else reads.
 *
 * onnxruntime's LayerNormFusion (default optimizations) fuses the pattern into one
 * LayerNormalization and, when the first ReduceMean reads a Cast whose only readers are that
 * ReduceMean and its Sub(s), swallows the Cast too: the LayerNormalization then takes the Cast's
 * 16-bit input. The CPU kernels have no bfloat16 LayerNormalization, and from opset 17 the ONNX op
 * wants its FP32 scale in the input's type, so the session fails to load. A 16-bit value reaches
 * such a LayerNorm through exactly that Cast (the emulated form's rounding pair, the native form's
 * Cast back to float), so the node producing it stays FP32: one cheap node (usually the bias or
 * residual Add) instead of a model that does not load. Measured on onnxruntime 1.30: bfloat16 fails
 * at every opset, float16 from opset 17; a Cast with one more reader, or no Cast, fuses fine.
 */
import type { Node, Value } from '../../ir/index.js';
import { isDefaultDomain, SHAPE_ONLY_CONSUMERS } from './op-rules.js';
import type { FloatPrecision } from './types.js';

/** The first opset whose (ONNX) LayerNormalization ties the scale's type to the input's. */
const TYPED_LAYER_NORM_OPSET = 17;

/** Whether onnxruntime's fused LayerNormalization on a `precision` input fails to load at `opset`. */
export function fusedLayerNormFails(precision: FloatPrecision, opset: number): boolean {
  return precision === 'bf16' || opset >= TYPED_LAYER_NORM_OPSET;
}

/**
 * The first ReduceMean of a decomposed LayerNorm that `value` feeds and nothing else reads (shape
 * readers aside), matched as onnxruntime's LayerNormFusion matches it; undefined otherwise.
 */
export function soleLayerNormReader(value: Value): Node | undefined {
  if (value.isGraphOutput) return undefined;
  const readers = value.uses.filter((u) => !SHAPE_ONLY_CONSUMERS.has(u.node.opType)).map((u) => u.node);
  const means = readers.filter((n) => n.opType === 'ReduceMean' && isDefaultDomain(n));
  const mean = means[0];
  if (means.length !== 1 || mean?.inputs[0] !== value) return undefined;
  const subs = mean.outputs[0]?.uses.map((u) => u.node) ?? [];
  if (subs.length < 1 || subs.length > 2 || subs.some((s) => s.opType !== 'Sub' || s.inputs[0] !== value)) return undefined;
  // The Cast is swallowed only when the ReduceMean and its Sub(s) are all that read it.
  if (readers.length !== subs.length + 1) return undefined;
  // The centred value is squared (variance) and divided by the deviation: a LayerNorm, not any mean.
  const centredReaders = subs.flatMap((s) => s.outputs[0]?.uses.map((u) => u.node.opType) ?? []);
  return centredReaders.includes('Pow') && centredReaders.includes('Div') ? mean : undefined;
}
