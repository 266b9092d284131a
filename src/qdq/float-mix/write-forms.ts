/**
 * The two output forms of a region plan.
 * native: converted nodes take and return 16-bit tensors; a Cast to 16-bit where FP32 enters a
 * region, a Cast to float where a region feeds FP32 consumers or a graph output.
 * emulated: every kernel stays FP32 and each value the native model would hold in 16 bits is
 * rounded by a Cast pair: the pair sits on FP32 values entering a region and on the outputs of
 * converted nodes that compute (outputs of precision-preserving ops such as Reshape or Relu are
 * already on the 16-bit grid, since all their inputs are). Region exits need nothing.
 */
import { tensorType, type Graph } from '../../ir/index.js';
import { findBoundaries } from './boundaries.js';
import { moveUses, takeOverGraphOutput, type CastWriter } from './cast-writer.js';
import { lowDataType } from './low-type.js';
import { isDefaultDomain, PRECISION_PRESERVING_OPS, SHAPE_ONLY_CONSUMERS } from './op-rules.js';
import type { RegionPlan } from './regions.js';
import { convertWeightsEmulated, convertWeightsNative } from './weights.js';

/** Writes the native form; returns the names of the 16-bit initializers. */
export function writeNative(graph: Graph, plan: RegionPlan, writer: CastWriter): string[] {
  const { outputs, inputs, weights } = findBoundaries(graph, plan);
  const low = lowDataType(writer.precision);
  for (const { value, floatUses } of outputs) {
    const wasOutput = value.isGraphOutput;
    value.type = tensorType(low, value.shape);
    if (floatUses.length === 0 && !wasOutput) continue;
    const back = writer.cast(value, 'float32', 'toFloat');
    moveUses(floatUses, back);
    takeOverGraphOutput(graph, value, back);
  }
  for (const { value, lowUses } of inputs) moveUses(lowUses, writer.cast(value, 'low', 'toLow'));
  return convertWeightsNative(graph, weights, writer.precision);
}

/** Writes the emulated form; returns the names of the 16-bit initializers. */
export function writeEmulated(graph: Graph, plan: RegionPlan, writer: CastWriter): string[] {
  const { outputs, inputs, weights } = findBoundaries(graph, plan);
  for (const { value, producer } of outputs) {
    if (isDefaultDomain(producer) && PRECISION_PRESERVING_OPS.has(producer.opType)) continue;
    // Shape readers keep the unrounded value: same shape, and they stay off the cast's path.
    const readers = value.uses.filter((u) => !SHAPE_ONLY_CONSUMERS.has(u.node.opType));
    const rounded = writer.roundPair(value);
    moveUses(readers, rounded);
    takeOverGraphOutput(graph, value, rounded);
  }
  for (const { value, lowUses } of inputs) moveUses(lowUses, writer.roundPair(value));
  return convertWeightsEmulated(graph, weights, writer);
}
