/**
 * Weights read by 16-bit nodes are converted once, at conversion time, and stored as 16-bit
 * initializers: the runtime never casts a constant. FP32 readers of the same initializer keep the
 * original, so a weight shared across a region border is stored twice rather than cast.
 */
import { Tensor, type Graph, type Value } from '../../ir/index.js';
import type { RegionInput } from './boundaries.js';
import { moveUses, type CastWriter } from './cast-writer.js';
import { lowDataType, roundWeight } from './low-type.js';
import type { FloatPrecision } from './types.js';

function lowTensor(value: Value, name: string, precision: FloatPrecision): Tensor {
  const source = value.initializer!;
  return Tensor.fromArray(name, lowDataType(precision), source.dims, roundWeight(source, precision).bits);
}

/** Native form: 16-bit nodes read a 16-bit initializer. Returns the names of the stored tensors. */
export function convertWeightsNative(graph: Graph, weights: readonly RegionInput[], precision: FloatPrecision): string[] {
  const stored: string[] = [];
  for (const { value, lowUses } of weights) {
    const onlyLowReaders = value.uses.length === lowUses.length && !value.isGraphOutput;
    if (onlyLowReaders) {
      // Same name, new contents: the file keeps one copy of the weight.
      graph.setInitializer(value, lowTensor(value, value.name, precision));
      stored.push(value.name);
      continue;
    }
    const copy = graph.addInitializer(lowTensor(value, graph.uniqueName(`${value.name}_${precision}`), precision));
    moveUses(lowUses, copy);
    stored.push(copy.name);
  }
  return stored;
}

/**
 * Emulated form: the weight is stored rounded, as 16-bit, and one Cast turns it back into float32
 * for the FP32 kernels (the file shrinks as it would natively; the values are the 16-bit ones).
 */
export function convertWeightsEmulated(graph: Graph, weights: readonly RegionInput[], writer: CastWriter): string[] {
  const stored: string[] = [];
  for (const { value, lowUses } of weights) {
    const copy = graph.addInitializer(lowTensor(value, graph.uniqueName(`${value.name}_${writer.precision}`), writer.precision));
    moveUses(lowUses, writer.cast(copy, 'float32', 'weight'));
    if (value.uses.length === 0 && !value.isGraphOutput) graph.removeInitializer(value);
    stored.push(copy.name);
  }
  return stored;
}
