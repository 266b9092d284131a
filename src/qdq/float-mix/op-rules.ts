/**
 * Facts about ONNX ops that the float mix pass needs beyond the lists: which inputs and outputs
 * follow the op's 16-bit type, which ops cannot change a value's precision, and element types of
 * values a model does not annotate. Independent of the user's lists, which are policy, not facts.
 */
import { dataTypeFromCode, type DataType, type Node, type Value } from '../../ir/index.js';

/**
 * Float inputs whose type is fixed (or separately constrained) by the spec and stays float32 when
 * the op goes 16-bit: Resize's roi and scales, Upsample's scales, Dropout's ratio.
 */
const FLOAT32_INPUTS: Readonly<Record<string, readonly number[]>> = {
  Resize: [1, 2],
  Upsample: [1],
  Dropout: [1],
};

/** Outputs that stay float32: LayerNormalization's Mean and InvStdDev are in its stash type. */
const FLOAT32_OUTPUTS: Readonly<Record<string, readonly number[]>> = {
  LayerNormalization: [1, 2],
  RMSNormalization: [1],
};

/**
 * Ops whose outputs hold only values of their inputs (or their negation, or max/min): on 16-bit
 * inputs their outputs are exactly 16-bit values, so the emulated form needs no rounding after them.
 */
export const PRECISION_PRESERVING_OPS: ReadonlySet<string> = new Set([
  'Reshape', 'Transpose', 'Concat', 'Slice', 'Squeeze', 'Unsqueeze', 'Flatten', 'Split', 'Gather', 'GatherElements',
  'GatherND', 'MaxPool', 'GlobalMaxPool', 'ReduceMax', 'ReduceMin', 'Identity', 'Expand', 'Tile', 'Pad', 'Where',
  'DepthToSpace', 'SpaceToDepth', 'Dropout', 'ScatterND', 'ScatterElements', 'Trilu', 'ReverseSequence',
  'Relu', 'Max', 'Min', 'Neg', 'Abs',
]);

/** Consumers that read only a tensor's shape: they take any element type, so they never need a Cast. */
export const SHAPE_ONLY_CONSUMERS: ReadonlySet<string> = new Set(['Shape', 'Size']);

export function isDefaultDomain(node: Node): boolean {
  return node.domain === '' || node.domain === 'ai.onnx';
}

export function keepsFloat32Input(node: Node, index: number): boolean {
  return isDefaultDomain(node) && (FLOAT32_INPUTS[node.opType]?.includes(index) ?? false);
}

export function keepsFloat32Output(node: Node, index: number): boolean {
  return isDefaultDomain(node) && (FLOAT32_OUTPUTS[node.opType]?.includes(index) ?? false);
}

/** Ops whose float outputs take the type of their first float input (for models without value_info). */
const SHAPE_TYPES: ReadonlySet<string> = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin']);

/**
 * Element types of values, from the model's annotations where present, else derived: Cast gives its
 * `to`, Shape-like ops int64, other default-domain ops the type of their first float input. The API
 * fills real types from onnxruntime first; the derivation serves hand-built graphs.
 */
export class ElementTypes {
  private readonly memo = new Map<Value, DataType | undefined>();

  of(value: Value): DataType | undefined {
    if (value.elemType !== undefined) return value.elemType;
    if (this.memo.has(value)) return this.memo.get(value);
    this.memo.set(value, undefined); // guards against cycles through malformed graphs
    const derived = this.derive(value);
    this.memo.set(value, derived);
    return derived;
  }

  isFloat32(value: Value | undefined): value is Value {
    return value !== undefined && this.of(value) === 'float32';
  }

  private derive(value: Value): DataType | undefined {
    const producer = value.producer;
    if (!producer || !isDefaultDomain(producer)) return undefined;
    if (producer.opType === 'Cast') return dataTypeFromCode(producer.attrInt('to', 0));
    if (producer.opType === 'Constant') return producer.attrTensor('value')?.type;
    if (SHAPE_TYPES.has(producer.opType)) return producer.outputs[0] === value ? 'int64' : undefined;
    const index = producer.outputs.indexOf(value);
    if (producer.opType === 'DequantizeLinear') return producer.inputs[1] ? this.of(producer.inputs[1]) : undefined;
    if (producer.opType === 'QuantizeLinear') return producer.inputs[2] ? this.of(producer.inputs[2]) : 'uint8';
    if (producer.opType === 'If') return producer.subgraphs()[0]?.outputs[index]?.elemType;
    // Second outputs are often of another kind (MaxPool indices, Dropout mask); Split's are all alike.
    if (index > 0 && producer.opType !== 'Split') return keepsFloat32Output(producer, index) ? 'float32' : undefined;
    for (const input of producer.inputs) {
      const t = input ? this.of(input) : undefined;
      if (t === 'float32' || t === 'float16' || t === 'bfloat16' || t === 'float64') return t;
    }
    return undefined;
  }
}
