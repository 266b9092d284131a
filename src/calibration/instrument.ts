/**
 * Graph edits for calibration sessions: per-tensor reductions (so that a session returns a few
 * scalars per tensor instead of the tensor) and element counts (to size tensors before choosing a
 * batch). Every added op reduces over all axes with no `axes` given, which means the same thing in
 * every opset (ReduceMin/ReduceMax/ReduceSum took `axes` as an attribute before 18/18/13 and as an
 * optional input after; with neither, they reduce every axis), so no opset change is needed.
 */
import { UnknownNameError } from '../errors.js';
import { cloneModel, intAttr, type Graph, type Model, type Value } from '../ir/index.js';
import { nearMatches } from '../util/near-match.js';

/** Output names of the reductions of one tensor. */
export interface ReductionOutputs {
  readonly min: string;
  readonly max: string;
  /** Sum of the values: finite exactly when every value is (or an overflow, also treated as not finite). */
  readonly sum: string;
  /** Element count of the tensor in this run. */
  readonly size: string;
}

export interface InstrumentedModel {
  readonly model: Model;
  /** Tensor name → output names of its reductions. */
  readonly reductions: ReadonlyMap<string, ReductionOutputs>;
  /** Value name → output name of its element count (every tensor value of the main graph). */
  readonly sizes: ReadonlyMap<string, string>;
}

/** Ops whose outputs are sequences or optionals: Size cannot take them. */
const NON_TENSOR_PRODUCERS = /^(Sequence|SplitToSequence|Optional)/;

/**
 * A copy of the model that also outputs, for each named tensor, its min, max, sum and element count
 * (scalars), and the element count of every tensor value (for sizing).
 *
 * Where the added nodes go decides memory: onnxruntime orders nodes by a depth-first walk up from
 * the leaf nodes (nodes nobody reads), taking the leaf with the highest index first and emitting a
 * node once its inputs are. The added nodes are all leaves; appended in reverse topological order of
 * their tensors, the walk reaches the first tensor's reductions first, so each reduction runs right
 * after its tensor is computed and the tensor's buffer is freed as in plain inference. (Placed next
 * to their producers, the last tensor's reductions came first and pulled in the whole graph, so
 * every tensor stayed alive to the end: as much memory as exposing them all.)
 */
export function withReductions(model: Model, tensors: readonly string[], options: { sizesOfAll: boolean }): InstrumentedModel {
  const copy = cloneModel(model);
  const graph = copy.graph;
  checkNames(graph, tensors);
  const wanted = new Set(tensors);
  const sized = new Set(options.sizesOfAll ? tensorValues(graph).map((v) => v.name) : []);
  const position = topologicalPositions(graph);
  const order = [...new Set([...wanted, ...sized])].sort((a, b) => position(b) - position(a));
  const reductions = new Map<string, ReductionOutputs>();
  const sizes = new Map<string, string>();
  for (const name of order) {
    const value = graph.ownValue(name)!;
    sizes.set(name, sizeOf(graph, value));
    if (!wanted.has(name)) continue;
    const [min, max, sum] = (['ReduceMin', 'ReduceMax', 'ReduceSum'] as const).map((op) => reduce(graph, value, op));
    reductions.set(name, { min: min!, max: max!, sum: sum!, size: sizes.get(name)! });
  }
  return { model: copy, reductions, sizes };
}

/** Position of a value's producer in the node list (graph inputs and initializers: -1). */
function topologicalPositions(graph: Graph): (name: string) => number {
  const at = new Map<string, number>();
  graph.nodes.forEach((node, i) => {
    for (const out of node.outputs) if (out) at.set(out.name, i);
  });
  return (name) => at.get(name) ?? -1;
}

/** Values of the main graph that are tensors produced at run time (inputs and node outputs). */
export function tensorValues(graph: Graph): Value[] {
  const values: Value[] = graph.inputs.filter((v) => !v.initializer && v.type?.kind !== 'opaque');
  for (const node of graph.nodes) {
    if (NON_TENSOR_PRODUCERS.test(node.opType) && node.domain === '') continue;
    for (const out of node.outputs) if (out && out.type?.kind !== 'opaque') values.push(out);
  }
  return values;
}

function checkNames(graph: Graph, names: readonly string[]): void {
  const missing = names.filter((n) => !graph.ownValue(n));
  if (missing.length === 0) return;
  const all = [...graph.ownValues()].map((v) => v.name);
  throw new UnknownNameError('tensor', missing, Object.fromEntries(missing.map((n) => [n, nearMatches(n, all)])));
}

function reduce(graph: Graph, value: Value, op: 'ReduceMin' | 'ReduceMax' | 'ReduceSum'): string {
  const tag = op.slice('Reduce'.length).toLowerCase();
  const node = graph.addNode(
    { opType: op, name: `mixq_calib_${tag}_${value.name}`, inputs: [value], outputs: [`${value.name}__mixq_${tag}`], attributes: [intAttr('keepdims', 0)] },
  );
  const out = node.outputs[0]!;
  graph.addOutput(out);
  return out.name;
}

function sizeOf(graph: Graph, value: Value): string {
  const node = graph.addNode({ opType: 'Size', name: `mixq_calib_size_${value.name}`, inputs: [value], outputs: [`${value.name}__mixq_size`] });
  const out = node.outputs[0]!;
  graph.addOutput(out);
  return out.name;
}
