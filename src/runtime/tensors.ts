import ort from 'onnxruntime-node';
import { InvalidArgumentError, UnsupportedTypeError } from '../errors.js';
import { elementCount, type DataType, type HostTensor, type TypedArray } from '../ir/index.js';

/** Element types that can cross the onnxruntime-node boundary (bfloat16 cannot: keep it inside graphs). */
const ORT_TYPES: ReadonlySet<DataType> = new Set<DataType>([
  'float32', 'float64', 'float16', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool',
]);

export function toOrtTensor(name: string, t: HostTensor): ort.Tensor {
  if (!ORT_TYPES.has(t.type)) {
    throw new UnsupportedTypeError(`Input '${name}' is ${t.type}, which onnxruntime-node cannot take at the model boundary.`, {
      hint: 'Feed float32 and let the graph cast; bfloat16 works only inside a graph.',
    });
  }
  if (t.data.length !== elementCount(t.dims)) {
    throw new InvalidArgumentError(`Input '${name}': dims ${JSON.stringify(t.dims)} need ${elementCount(t.dims)} elements, but its data has ${t.data.length}.`, {
      hint: 'Make the tensor\'s dims match its data (row-major, one array item per element).',
    });
  }
  return new ort.Tensor(t.type as ort.Tensor.Type, t.data as ort.Tensor.DataType, [...t.dims]);
}

export function fromOrtTensor(name: string, t: ort.Tensor): HostTensor {
  const type = t.type as DataType;
  if (!ORT_TYPES.has(type)) {
    throw new UnsupportedTypeError(`Output '${name}' is ${t.type}, which mixq cannot read back from onnxruntime-node.`, {
      hint: 'Cast the output to float32 in the model.',
    });
  }
  return { type, dims: [...t.dims], data: t.data as TypedArray };
}
