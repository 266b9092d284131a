/**
 * Q/DQ regions of an already-quantized model. QuantizeLinear/DequantizeLinear are region borders:
 * a node that reads a DequantizeLinear output or feeds a QuantizeLinear is meant to run as an integer
 * kernel (the runtime fuses DQ → op → Q), so a Cast next to it would break the pattern. Such nodes
 * and the Q/DQ nodes themselves are never converted.
 */
import type { DataType, Node, Value } from '../../ir/index.js';
import { handlerFor, optionalOpTypes } from '../registry.js';
import type { TensorPrecision } from '../types.js';
import type { ElementTypes } from './op-rules.js';

const QDQ_OPS: ReadonlySet<string> = new Set(['QuantizeLinear', 'DequantizeLinear']);

export function isQdqOp(node: Node): boolean {
  return QDQ_OPS.has(node.opType) && (node.domain === '' || node.domain === 'ai.onnx' || node.domain === 'com.microsoft');
}

export interface QdqMembership {
  readonly precision: TensorPrecision;
  readonly detail: string;
}

/** The integer precision and why, when `node` is a Q/DQ node or part of a Q/DQ region. */
export function qdqMembership(node: Node, types: ElementTypes): QdqMembership | undefined {
  if (isQdqOp(node)) return { precision: qdqNodePrecision(node, types), detail: `${node.opType} node` };
  // Ops with no integer kernel (LayerNormalization, Div, Erf...) compute in float between Q/DQ
  // pairs: they are float ops and may become 16-bit.
  if (!hasIntegerKernel(node)) return undefined;
  for (const input of node.inputs) {
    const dq = input?.producer;
    if (dq && dq.opType === 'DequantizeLinear' && isQdqOp(dq)) {
      return { precision: qdqNodePrecision(dq, types), detail: `reads the DequantizeLinear output '${input.name}'` };
    }
  }
  for (const output of node.outputs) {
    const q = output?.uses.find((u) => u.node.opType === 'QuantizeLinear' && isQdqOp(u.node))?.node;
    if (q) return { precision: qdqNodePrecision(q, types), detail: `feeds the QuantizeLinear '${q.name}'` };
  }
  return undefined;
}

function hasIntegerKernel(node: Node): boolean {
  return handlerFor(node.opType, node.domain) !== undefined && !OPTIONAL.has(node.opType);
}

const OPTIONAL: ReadonlySet<string> = new Set(optionalOpTypes());

/** The integer type a Q or DQ node works with: its zero point's type (uint8 when absent, as ONNX says). */
function qdqNodePrecision(node: Node, types: ElementTypes): TensorPrecision {
  const zeroPoint = node.inputs[2];
  const quantized: Value | undefined = node.opType === 'DequantizeLinear' ? node.inputs[0] : node.outputs[0];
  const type = (zeroPoint ? types.of(zeroPoint) : undefined) ?? (quantized ? types.of(quantized) : undefined) ?? 'uint8';
  return integerPrecision(type);
}

function integerPrecision(type: DataType): TensorPrecision {
  switch (type) {
    case 'int8':
    case 'uint8':
    case 'int16':
    case 'uint16':
    case 'int32':
      return type;
    default:
      return 'int8';
  }
}
