import { dataTypeFromCode, Tensor, type DataType, type Node, type TypedArray, type Value } from '../../ir/index.js';
import { float32ToFloat16Bit } from '../../quant/index.js';
import type { UpgradeContext } from './types.js';

/** Ops whose output 0 has the element type of their input 0 (enough to type Clip/Pad constants). */
const SAME_TYPE_AS_INPUT0 = new Set([
  'Abs', 'Add', 'AveragePool', 'BatchNormalization', 'Ceil', 'Clip', 'Concat', 'Conv', 'ConvTranspose', 'Div', 'Dropout', 'Elu',
  'Erf', 'Exp', 'Expand', 'Flatten', 'Floor', 'Gather', 'Gemm', 'GlobalAveragePool', 'GlobalMaxPool', 'HardSigmoid', 'HardSwish',
  'Identity', 'InstanceNormalization', 'LeakyRelu', 'Log', 'LogSoftmax', 'LRN', 'MatMul', 'Max', 'MaxPool', 'Mean', 'Min', 'Mul',
  'Neg', 'Pad', 'Pow', 'PRelu', 'Reciprocal', 'ReduceMax', 'ReduceMean', 'ReduceMin', 'ReduceSum', 'Relu', 'Reshape', 'Resize',
  'Round', 'Selu', 'Sigmoid', 'Slice', 'Softmax', 'Softplus', 'Split', 'Sqrt', 'Squeeze', 'Sub', 'Sum', 'Tanh', 'Tile',
  'Transpose', 'Unsqueeze', 'Upsample',
]);

export function createContext(): UpgradeContext {
  const add = (node: Node, suffix: string, tensor: (name: string) => Tensor): Value => {
    const graph = node.graph;
    return graph.addInitializer(tensor(graph.uniqueName(`${node.name || node.opType}_${suffix}`)));
  };
  return {
    fromUpsample: new Set<Node>(),
    int64s: (node, suffix, values) => add(node, suffix, (name) => Tensor.fromArray(name, 'int64', [values.length], BigInt64Array.from(values))),
    floats: (node, suffix, dims, values) => add(node, suffix, (name) => Tensor.fromArray(name, 'float32', dims, Float32Array.from(values))),
    scalar: (node, suffix, type, value) => {
      const array = scalarArray(type, value);
      return array ? add(node, suffix, (name) => Tensor.fromArray(name, type, [], array)) : undefined;
    },
    elemTypeOf,
  };
}

function scalarArray(type: DataType, value: number): TypedArray | undefined {
  switch (type) {
    case 'float32': return Float32Array.of(value);
    case 'float64': return Float64Array.of(value);
    case 'int32': return Number.isInteger(value) ? Int32Array.of(value) : undefined;
    case 'int64': return Number.isInteger(value) ? BigInt64Array.of(BigInt(value)) : undefined;
    case 'int8': return Number.isInteger(value) ? Int8Array.of(value) : undefined;
    case 'uint8': return Number.isInteger(value) ? Uint8Array.of(value) : undefined;
    case 'float16': return Uint16Array.of(float32ToFloat16Bit(value));
    default: return undefined; // bfloat16 and others: the caller reports the node instead of guessing bits
  }
}

/** Declared type, else followed back through producers that keep their input's type (bounded walk). */
export function elemTypeOf(value: Value): DataType | undefined {
  let v: Value | undefined = value;
  for (let hops = 0; v && hops < 64; hops++) {
    if (v.elemType) return v.elemType;
    if (v.initializer) return v.initializer.type;
    const producer: Node | undefined = v.producer;
    if (!producer || (producer.domain !== '' && producer.domain !== 'ai.onnx')) return undefined;
    if (producer.opType === 'Cast') return dataTypeFromCode(producer.attrInt('to', 0));
    if (producer.opType === 'Constant') return producer.attrTensor('value')?.type;
    if (!SAME_TYPE_AS_INPUT0.has(producer.opType)) return undefined;
    v = producer.inputs[0];
  }
  return undefined;
}

/** An int64 list attribute as written (bigint, so INT64_MAX in Slice ends survives). */
export function bigIntsAttr(node: Node, name: string): readonly bigint[] | undefined {
  const a = node.attributes.get(name)?.value;
  return a?.type === 'ints' ? a.value : undefined;
}

/** A float list attribute. */
export function floatsAttr(node: Node, name: string): readonly number[] | undefined {
  const a = node.attributes.get(name)?.value;
  return a?.type === 'floats' ? a.value : undefined;
}

/** The constant tensor behind a value: an initializer or a Constant node's `value`. */
export function constantTensor(value: Value | undefined): Tensor | undefined {
  if (!value) return undefined;
  if (value.initializer) return value.initializer;
  const p = value.producer;
  return p && p.opType === 'Constant' && (p.domain === '' || p.domain === 'ai.onnx') ? p.attrTensor('value') : undefined;
}
