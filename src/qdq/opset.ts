/**
 * onnxruntime's graph optimiser (levels 'extended' and 'all') fuses DequantizeLinear → Conv/MatMul →
 * QuantizeLinear into QLinearConv / QLinearMatMul written at the model's ai.onnx version. Those ops
 * exist from opset 10, so an opset-9 model with 8-bit Q/DQ would fail to load in a default session.
 * An opset-9 model whose ops read the same at opset 10 is moved to opset 10; otherwise it stays and
 * the caller is told how to run it.
 */
import type { Model } from '../ir/index.js';
import type { QuantPlan } from './types.js';

/** ai.onnx ops whose opset-10 schema differs from opset 9 (attributes became inputs, deprecation). */
const CHANGED_AT_10 = new Set(['Slice', 'TopK', 'Upsample']);

export interface OpsetOutcome {
  /** Set when the ai.onnx opset was raised. */
  readonly upgraded?: { readonly from: number; readonly to: number };
  /** Set when the model needs a note on how to run it. */
  readonly warning?: string;
}

const EIGHT_BIT = new Set(['int8', 'uint8']);

export function upgradeOpsetForQdq(model: Model, plan: QuantPlan): OpsetOutcome {
  const opset = model.opset;
  if (opset >= 10) return {};
  const eightBit = plan.tensors.some((t) => EIGHT_BIT.has(t.precision)) || plan.conversions.some((c) => EIGHT_BIT.has(c.precision));
  if (!eightBit) return {};
  const blocking = opset === 9 ? blockingOps(model) : [`opset ${opset}`];
  if (blocking.length > 0) {
    return {
      warning: `The model is at ai.onnx opset ${opset} and holds ${blocking.join(', ')}, so it was kept at that opset: onnxruntime's QDQ fusion (optimization levels 'extended'/'all') would write QLinearConv there, which needs opset 10. Run the quantized model with graph optimization level 'basic' (or 'disabled'), or convert the model to opset >= 10 first.`,
    };
  }
  model.opsetImports.set(model.opsetImports.has('ai.onnx') && !model.opsetImports.has('') ? 'ai.onnx' : '', 10);
  model.irVersion = Math.max(model.irVersion, 5);
  return { upgraded: { from: opset, to: 10 } };
}

function blockingOps(model: Model): string[] {
  const found = new Set<string>();
  for (const node of model.graph.allNodes()) {
    if (node.domain !== '' && node.domain !== 'ai.onnx') continue;
    if (CHANGED_AT_10.has(node.opType)) found.add(node.opType);
    // Dropout-10 types its mask output bool (Dropout-7 used the input type).
    if (node.opType === 'Dropout' && node.outputs[1] && node.outputs[1].uses.length + (node.outputs[1].isGraphOutput ? 1 : 0) > 0) found.add('Dropout (mask used)');
  }
  return [...found].sort();
}
