/**
 * The edges where 16-bit regions meet FP32, read off a region plan before any edit (so that the
 * Casts we add never confuse the analysis). Both output forms are written from these.
 */
import type { Graph, Node, Use, Value } from '../../ir/index.js';
import { SHAPE_ONLY_CONSUMERS } from './op-rules.js';
import { isWeight, type RegionPlan } from './regions.js';

/** A 16-bit value (an output of a converted node) and the consumers that want FP32. */
export interface RegionOutput {
  readonly value: Value;
  readonly producer: Node;
  /** Uses outside the region (FP32 nodes, subgraph nodes, float32-only slots), shape-only readers left out. */
  readonly floatUses: readonly Use[];
}

/** An FP32 value read by converted nodes in 16-bit slots. */
export interface RegionInput {
  readonly value: Value;
  readonly lowUses: readonly Use[];
}

export interface Boundaries {
  readonly outputs: readonly RegionOutput[];
  /** Activations (graph inputs, FP32 node outputs) entering a region. */
  readonly inputs: readonly RegionInput[];
  /** Initializers read by converted nodes: converted once, never cast at run time. */
  readonly weights: readonly RegionInput[];
}

export function isLowUse(plan: RegionPlan, use: Use): boolean {
  return plan.lowInputs.get(use.node)?.includes(use.index) ?? false;
}

export function findBoundaries(graph: Graph, plan: RegionPlan): Boundaries {
  const outputs: RegionOutput[] = [];
  const entering = new Map<Value, Use[]>();
  for (const node of graph.nodes) {
    if (!plan.low.has(node)) continue;
    for (const i of plan.lowOutputs.get(node) ?? []) {
      const value = node.outputs[i]!;
      const floatUses = value.uses.filter((u) => !isLowUse(plan, u) && !SHAPE_ONLY_CONSUMERS.has(u.node.opType));
      outputs.push({ value, producer: node, floatUses });
    }
    for (const i of plan.lowInputs.get(node) ?? []) {
      const value = node.inputs[i]!;
      if (isLowValue(plan, value)) continue;
      const uses = entering.get(value) ?? [];
      uses.push({ node, index: i });
      entering.set(value, uses);
    }
  }
  const inputs: RegionInput[] = [];
  const weights: RegionInput[] = [];
  for (const [value, lowUses] of entering) (isWeight(value) ? weights : inputs).push({ value, lowUses });
  return { outputs, inputs, weights };
}

function isLowValue(plan: RegionPlan, value: Value): boolean {
  const producer = value.producer;
  if (!producer || !plan.low.has(producer)) return false;
  return plan.lowOutputs.get(producer)?.includes(producer.outputs.indexOf(value)) ?? false;
}
