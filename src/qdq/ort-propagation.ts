/**
 * An onnxruntime quirk that makes some valid opset-21 QDQ models fail to load with default options.
 *
 * With graph optimizations on, QDQPropagationTransformer moves a DequantizeLinear with a scalar
 * scale and zero point forward through a data-movement op (Transpose, Reshape, Squeeze, Unsqueeze,
 * Slice, MaxPool) whose output has no QuantizeLinear after it, by inserting a Q → DQ pair after that
 * op. The new pair takes the DQ's domain, and at ai.onnx opset ≥ 21 its QuantizeLinear gets
 * `output_dtype` = the DQ's input type. QDQS8ToU8Transformer (x86 CPU) then moves every int8 Q → DQ
 * pair to uint8 by rewriting the zero point only, so the inserted Q says INT8 while its zero point is
 * UINT8, and session creation fails ("output_dtype INT8 does not match y_zero_point type UINT8").
 * Our own Q nodes carry no `output_dtype`, so they convert cleanly; only propagated ones break.
 *
 * The com.microsoft QuantizeLinear has no `output_dtype`, and the same int8 dequantization: writing
 * only the DQ that would be propagated in that domain keeps every value and the user's map as they
 * are, and the pair onnxruntime inserts is then a com.microsoft one that converts to uint8 cleanly.
 */
import type { Model, Node, Value } from '../ir/index.js';

/** ai.onnx ops QDQPropagationTransformer propagates a DQ through (onnxruntime 1.30). */
const PROPAGATING_OPS = new Set(['Transpose', 'Reshape', 'Squeeze', 'Unsqueeze', 'Slice', 'MaxPool']);

/** The first ai.onnx opset whose QuantizeLinear has `output_dtype`. */
const OUTPUT_DTYPE_OPSET = 21;

/**
 * Moves to com.microsoft every ai.onnx int8 DequantizeLinear of the main graph that onnxruntime
 * would propagate into a Q/DQ pair it cannot load (see above). Returns the moved nodes' names; the
 * caller adds the com.microsoft opset import when any moved.
 */
export function moveUnloadableInt8Propagation(model: Model): string[] {
  if (model.opset < OUTPUT_DTYPE_OPSET) return [];
  const moved: string[] = [];
  for (const node of model.graph.nodes) {
    if (!isPropagatedInt8Dq(node)) continue;
    node.domain = 'com.microsoft';
    moved.push(node.name);
  }
  return moved;
}

/** Whether onnxruntime would insert an int8 Q/DQ pair after the data-movement op `node` feeds. */
function isPropagatedInt8Dq(node: Node): boolean {
  if (node.opType !== 'DequantizeLinear' || node.domain !== '') return false;
  const [, scale, zeroPoint] = node.inputs;
  if (!isScalarConstant(scale) || !isScalarConstant(zeroPoint) || zeroPoint?.initializer?.type !== 'int8') return false;
  const out = node.outputs[0];
  // One consumer and not a graph output, as onnxruntime requires of a DQ it propagates.
  if (!out || out.isGraphOutput || out.uses.length !== 1) return false;
  const next = out.uses[0]!.node;
  if (next.domain !== '' || !PROPAGATING_OPS.has(next.opType)) return false;
  const moved = next.outputs[0];
  if (!moved) return false;
  // onnxruntime skips the edge group when any consumer is already a QuantizeLinear, and has
  // nothing to do when the output goes nowhere.
  if (moved.uses.length === 0 && !moved.isGraphOutput) return false;
  return !moved.uses.some((u) => u.node.opType === 'QuantizeLinear');
}

function isScalarConstant(value: Value | undefined): boolean {
  const t = value?.initializer;
  return t !== undefined && t.dims.reduce((a, b) => a * b, 1) === 1 && t.dims.length <= 1;
}
