/**
 * Float mixed precision as one pure graph pass (no model runs): decide the 16-bit regions, write
 * them in native or emulated form with Casts only at region borders, convert the weights once,
 * then drop Casts that cancel. The input model is never modified.
 */
import { ConfigError, UnknownNameError } from '../../errors.js';
import { cloneModel, constantsToInitializers, topologicalSort, type Graph, type Model, type Node } from '../../ir/index.js';
import { nearMatches } from '../../util/near-match.js';
import { CastWriter } from './cast-writer.js';
import { resolveLists } from './lists.js';
import { precisionLabel } from './low-type.js';
import { ONNX_OP_TYPES } from './onnx-ops.js';
import { ElementTypes, isDefaultDomain } from './op-rules.js';
import { planRegions, type RegionPlan } from './regions.js';
import { deadCasts, simplifyCasts } from './simplify-casts.js';
import type { CastCounts, FloatMixOptions, FloatMixResult, NodeDecision } from './types.js';
import { writeEmulated, writeNative } from './write-forms.js';

/** Cast to/from bfloat16 exists from opset 13. */
const BF16_MIN_OPSET = 13;

export function convertFloatMix(source: Model, options: FloatMixOptions): FloatMixResult {
  checkOptions(source, options);
  const model = cloneModel(source);
  const graph = model.graph;
  // Weights stored as Constant nodes must be initializers to be converted once.
  constantsToInitializers(graph);
  topologicalSort(graph);
  const types = new ElementTypes();
  const lists = resolveLists(options.lists, knownOpTypes(graph));
  const plan = planRegions({ graph, lists, precision: options.precision, opset: model.opset, types, ...nodeSets(graph, options) });
  const nodes = decisionsInOrder(graph, plan);
  const alreadyDead = deadCasts(graph);
  const writer = new CastWriter(graph, options.precision);
  const convertedWeights = options.form === 'native' ? writeNative(graph, plan, writer) : writeEmulated(graph, plan, writer);
  const removed = simplifyCasts(graph, writer, types, alreadyDead);
  const casts = writer.counts(removed);
  const converted = plan.low.size;
  return {
    model,
    precision: options.precision,
    form: options.form,
    converted,
    total: nodes.length,
    casts,
    nodes,
    overflow: plan.overflow,
    convertedWeights,
    summary: summaryLine(converted, nodes.length, options.precision, casts),
  };
}

/** "Converted K/N nodes to BF16, inserted C casts" (+ weight casts of the emulated form). */
export function summaryLine(converted: number, total: number, precision: FloatMixOptions['precision'], casts: CastCounts): string {
  const activation = casts.toLow + casts.toFloat;
  const weight = casts.weight > 0 ? ` and ${casts.weight} weight cast${casts.weight === 1 ? '' : 's'}` : '';
  const removed = casts.removed > 0 ? `; removed ${casts.removed} redundant cast${casts.removed === 1 ? '' : 's'}` : '';
  return `Converted ${converted}/${total} nodes to ${precisionLabel(precision)}, inserted ${activation} cast${activation === 1 ? '' : 's'}${weight}${removed}`;
}

function checkOptions(model: Model, options: FloatMixOptions): void {
  if (options.precision !== 'bf16' && options.precision !== 'fp16') {
    throw new ConfigError(`precision must be 'bf16' or 'fp16', not ${JSON.stringify(options.precision)}.`);
  }
  if (options.form !== 'emulated' && options.form !== 'native') {
    throw new ConfigError(`form must be 'emulated' or 'native', not ${JSON.stringify(options.form)}.`);
  }
  if (options.precision === 'bf16' && model.opset < BF16_MIN_OPSET) {
    // mix, quantize (useBf16) and auto's fallback raise older models to 13 first, so this is
    // reached only when the upgrade pass refused the model: say where the refusal is spelled out.
    throw new ConfigError(`BF16 needs ai.onnx opset ${BF16_MIN_OPSET} or later (Cast to bfloat16); this model is at opset ${model.opset}.`, {
      hint: `mixq raises older models to ${BF16_MIN_OPSET} itself; this one could not be, and \`mixq upgrade <model> --opset ${BF16_MIN_OPSET} -o <out>\` names the node(s) in the way: replace them or re-export the model at opset ${BF16_MIN_OPSET} or later, or use precision 'fp16' (float16 Casts exist at every opset).`,
    });
  }
}

/** Real op types: the ONNX standard ones and whatever the model itself uses. */
function knownOpTypes(graph: Graph): Set<string> {
  const known = new Set(ONNX_OP_TYPES);
  for (const node of graph.allNodes()) if (isDefaultDomain(node)) known.add(node.opType);
  return known;
}

function nodeSets(graph: Graph, options: FloatMixOptions): { forceLow: Set<string>; forceFloat: Set<string>; fallback: Set<string> } {
  const forceLow = checkedNames(graph, options.forceLowPrecision, 'forceLowPrecision');
  const forceFloat = checkedNames(graph, options.forceFloat32, 'forceFloat32');
  const fallback = checkedNames(graph, options.fallbackNodes, 'fallbackNodes');
  const both = [...forceLow].filter((n) => forceFloat.has(n));
  if (both.length > 0) {
    throw new ConfigError(`Node${both.length > 1 ? 's' : ''} ${both.map((n) => `'${n}'`).join(', ')} cannot be forced to both 16 bits and float32.`);
  }
  return { forceLow, forceFloat, fallback };
}

/** Node names of the main graph; a name only found in a subgraph is an error (subgraphs stay float). */
function checkedNames(graph: Graph, names: readonly string[] | undefined, option: string): Set<string> {
  if (names === undefined) return new Set();
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) throw new ConfigError(`${option} must be an array of node names.`);
  const main = new Set(graph.nodes.map((n) => n.name));
  const missing = names.filter((n) => !main.has(n));
  if (missing.length === 0) return new Set(names);
  const inner = new Set([...graph.allNodes()].map((n) => n.name));
  const nested = missing.filter((n) => inner.has(n));
  if (nested.length > 0) {
    throw new ConfigError(`${option}: node${nested.length > 1 ? 's' : ''} ${nested.map((n) => `'${n}'`).join(', ')} lie inside a subgraph; subgraphs stay float32.`);
  }
  const suggestions = Object.fromEntries(missing.map((n) => [n, nearMatches(n, main)]));
  throw new UnknownNameError('node', missing, suggestions);
}

/** Decisions of the main graph's nodes in order, each followed by its subgraphs' nodes (left float32). */
function decisionsInOrder(graph: Graph, plan: RegionPlan): NodeDecision[] {
  const out: NodeDecision[] = [];
  for (const node of graph.nodes) {
    out.push(plan.decisions.get(node)!);
    for (const sub of node.subgraphs()) for (const inner of sub.allNodes()) out.push(subgraphDecision(inner, node));
  }
  return out;
}

function subgraphDecision(node: Node, holder: Node): NodeDecision {
  return { name: node.name, opType: node.opType, list: undefined, precision: 'float32', reason: 'subgraph', detail: `inside a subgraph of '${holder.name}'` };
}
