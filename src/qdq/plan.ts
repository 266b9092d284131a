import { UnsupportedTypeError } from '../errors.js';
import { isFloatType, topologicalSort, type Model, type Node, type Value } from '../ir/index.js';
import { isSkip, type HandlerContext, type HandlerDecision, type OutputScale } from './handler.js';
import { handlerFor } from './registry.js';
import type { EdgeConversion, IntegerPrecision, NodePlan, QuantPlan, ScaleSource, TensorPlan, TensorPrecision, TensorRole } from './types.js';
import { isIntegerPrecision } from './types.js';

export interface PlanOptions {
  readonly activation: TensorPrecision;
  readonly weight: TensorPrecision;
  readonly perChannel: boolean;
  readonly symmetricActivation: boolean;
  readonly symmetricWeight: boolean;
  /** Quantize only these op types (default: every op with a handler). */
  readonly opTypes?: ReadonlySet<string>;
  readonly excludeNodes?: ReadonlySet<string>;
  /** Optional ops to quantize anyway (e.g. LayerNormalization). */
  readonly quantizeOptional?: ReadonlySet<string>;
  /** Tensor name → precision (the MixedPrecisionTensor map, validated). */
  readonly tensorPrecision?: ReadonlyMap<string, TensorPrecision>;
  /** Node name → precision (from node-name and op-type maps, validated). */
  readonly nodePrecision?: ReadonlyMap<string, TensorPrecision>;
}

interface Requester {
  readonly node: Node;
  readonly inputIndex: number;
  readonly precision: TensorPrecision | undefined;
  readonly channelAxis: number | undefined;
  readonly role: TensorRole;
}

interface Demand {
  readonly value: Value;
  readonly consumers: Requester[];
  producer?: { precision: TensorPrecision | undefined; scale: OutputScale; node: Node };
}

/** Ops that only compute shapes or indices: never quantized, not worth a warning. */
const NON_FLOAT_OPS = new Set(['Shape', 'Size', 'ConstantOfShape', 'Range', 'NonZero', 'Constant', 'Cast', 'Equal', 'Greater', 'Less', 'Not', 'And', 'Or', 'Where', 'ArgMax', 'ArgMin', 'TopK']);

/**
 * Decides what every tensor of the main graph becomes. Runs no model and edits nothing: the
 * result is data that materialize() turns into Q/DQ nodes.
 */
export function planQuantization(model: Model, options: PlanOptions): QuantPlan {
  topologicalSort(model.graph);
  const demands = new Map<string, Demand>();
  const nodes: NodePlan[] = [];
  const decisions = new Map<Node, HandlerDecision>();
  const ctx: HandlerContext = {
    isConstant: (v) => v.initializer !== undefined && !v.isGraphInput,
    opset: model.opset,
    quantizeOptional: options.quantizeOptional ?? new Set(),
  };
  const demandOf = (value: Value): Demand => {
    let d = demands.get(value.name);
    if (!d) demands.set(value.name, (d = { value, consumers: [] }));
    return d;
  };

  for (const node of model.graph.nodes) {
    const verdict = classify(node, options, ctx, demands);
    if (typeof verdict === 'object' && 'status' in verdict) {
      nodes.push(verdict);
      continue;
    }
    const decision = verdict;
    const nodePrecision = options.nodePrecision?.get(node.name);
    decisions.set(node, decision);
    for (const req of decision.inputs) {
      const v = node.inputs[req.index];
      if (!v || (v.elemType && !isFloatType(v.elemType))) continue;
      demandOf(v).consumers.push({ node, inputIndex: req.index, precision: nodePrecision, channelAxis: req.channelAxis, role: req.role });
    }
    for (const req of decision.outputs) {
      const v = node.outputs[req.index];
      if (!v || (v.elemType && !isFloatType(v.elemType))) continue;
      demandOf(v).producer = { precision: nodePrecision, scale: req.scale, node };
    }
    nodes.push({ name: node.name, opType: node.opType, status: 'quantized', precision: nodePrecision ?? options.activation });
  }
  dropFusedActivations(demands, decisions);
  addUserListedTensors(model, demands, options);
  return resolve(model, demands, decisions, nodes, options);
}

function classify(node: Node, options: PlanOptions, ctx: HandlerContext, demands: Map<string, Demand>): NodePlan | HandlerDecision {
  const base = { name: node.name, opType: node.opType, precision: 'float32' as const };
  if (node.subgraphs().length > 0) return { ...base, status: 'subgraph', reason: 'control flow: its subgraphs stay float' };
  const handler = handlerFor(node.opType, node.domain);
  if (!handler) return { ...base, status: NON_FLOAT_OPS.has(node.opType) ? 'float' : 'unsupported', reason: 'no quantization handler for this op' };
  if (options.excludeNodes?.has(node.name)) return { ...base, status: 'excluded', reason: 'excluded by config' };
  if (options.opTypes && !options.opTypes.has(node.opType)) return { ...base, status: 'float', reason: 'op type not selected' };
  if (handler.optional && !ctx.quantizeOptional.has(node.opType)) return { ...base, status: 'float', reason: 'kept float unless asked (quantizeOptional)' };
  if (options.nodePrecision?.get(node.name) === 'float32') return { ...base, status: 'float', reason: 'Float32 by config' };
  const result = handler.plan(node, ctx);
  if (isSkip(result)) return { ...base, status: 'float', reason: result.skip };
  if (result.onlyIfInputQuantized) {
    // Decided on the handlers' demands only: a MixedPrecisionTensor entry changes the tensor it
    // names, never whether the data-movement ops after it get Q/DQ of their own.
    const input = node.inputs[0];
    const d = input ? demands.get(input.name) : undefined;
    if (!d?.producer) return { ...base, status: 'float', reason: 'input is not quantized' };
  }
  return result;
}

/** Conv → Relu: the runtime fuses the pair, so the tensor between them carries no Q/DQ. */
function dropFusedActivations(demands: Map<string, Demand>, decisions: Map<Node, HandlerDecision>): void {
  for (const [name, d] of demands) {
    if (!d.producer || d.value.uses.length !== 1 || d.value.isGraphOutput) continue;
    const consumer = d.value.uses[0]!.node;
    if (decisions.get(consumer)?.fusesIntoProducer && d.producer.precision === d.consumers[0]?.precision) demands.delete(name);
  }
}

/** Tensors the user gave a precision to but no handler asked for: quantize them on their own. */
function addUserListedTensors(model: Model, demands: Map<string, Demand>, options: PlanOptions): void {
  for (const [name, precision] of options.tensorPrecision ?? []) {
    if (demands.has(name)) continue;
    const value = model.graph.lookup(name);
    if (!value) continue;
    if (value.elemType && !isFloatType(value.elemType) && precision !== 'float32') {
      throw new UnsupportedTypeError(`Tensor '${name}' is ${value.elemType}; only float tensors can be set to ${precision}.`, {
        hint: 'Remove it from the MixedPrecisionTensor map.',
      });
    }
    demands.set(name, { value, consumers: [], producer: { precision, scale: { kind: 'own' }, node: value.producer! } });
  }
}

function resolve(model: Model, demands: Map<string, Demand>, decisions: Map<Node, HandlerDecision>, nodes: NodePlan[], options: PlanOptions): QuantPlan {
  const tensors: TensorPlan[] = [];
  const conversions: EdgeConversion[] = [];
  const precisionOf = new Map<string, TensorPrecision>();
  for (const d of demands.values()) {
    const role: TensorRole = d.value.initializer && !d.value.isGraphInput ? 'weight' : 'activation';
    const precision = tensorPrecision(d, role, options);
    precisionOf.set(d.value.name, precision);
    for (const c of d.consumers) {
      // A node-level integer precision is about activations: weights keep the weight type (W8).
      if (c.role === 'weight' && isIntegerPrecision(precision) && c.precision !== undefined && isIntegerPrecision(c.precision)) continue;
      if (c.precision !== undefined && c.precision !== precision) {
        conversions.push({ tensor: d.value.name, node: c.node.name, inputIndex: c.inputIndex, precision: c.precision });
      }
    }
    if (precision === 'float32') continue;
    const symmetric = role === 'weight' ? options.symmetricWeight : options.symmetricActivation;
    const axis = role === 'weight' && options.perChannel ? channelAxis(d) : undefined;
    tensors.push({ name: d.value.name, role, precision, symmetric, ...(axis !== undefined ? { axis } : {}), scale: scaleSource(d, demands) });
  }
  tensors.push(...biasPlans(decisions, precisionOf, conversions, tensors));
  const effective = (node: Node, index: number): TensorPrecision | undefined => {
    const v = node.inputs[index];
    if (!v) return undefined;
    return conversions.find((c) => c.node === node.name && c.inputIndex === index)?.precision ?? precisionOf.get(v.name);
  };
  const finalNodes = nodes.map((n): NodePlan => {
    if (n.status !== 'quantized') return n;
    const node = model.graph.nodes.find((x) => x.name === n.name)!;
    const inputs = decisions.get(node)!.inputs.map((r) => effective(node, r.index)).filter((p): p is TensorPrecision => p !== undefined);
    const outputs = decisions.get(node)!.outputs.map((r) => precisionOf.get(node.outputs[r.index]?.name ?? ''));
    // A node computes at the precision of what it reads (a narrowed Conv is INT8 even when its
    // output feeds an INT16 residual Add); nodes whose inputs carry no Q/DQ (a fused Relu) count by
    // their output.
    const read = inputs.length > 0 ? inputs : outputs.filter((p): p is TensorPrecision => p !== undefined);
    return { ...n, precision: widest(read) };
  });
  return { tensors, conversions, nodes: finalNodes };
}

function tensorPrecision(d: Demand, role: TensorRole, options: PlanOptions): TensorPrecision {
  const explicit = options.tensorPrecision?.get(d.value.name);
  if (explicit) return explicit;
  if (d.producer?.precision) return d.producer.precision;
  const fromConsumers = new Set(d.consumers.map((c) => c.precision));
  if (fromConsumers.size === 1 && !d.producer) {
    const only = [...fromConsumers][0];
    if (only) return role === 'weight' && isIntegerPrecision(only) ? options.weight : only;
  }
  return role === 'weight' ? options.weight : options.activation;
}

function channelAxis(d: Demand): number | undefined {
  const axes = new Set(d.consumers.map((c) => c.channelAxis));
  const rank = d.value.initializer?.dims.length ?? 0;
  if (axes.size !== 1 || rank < 2) return undefined;
  return [...axes][0];
}

/**
 * Where a tensor's range comes from. Data-movement ops (Reshape, Transpose, MaxPool...) carry the
 * range of the tensor at the top of their chain, whatever precision each link has: a tensor keeps
 * the same scale when a MixedPrecisionTensor map changes the precision of another tensor.
 */
function scaleSource(d: Demand, demands: Map<string, Demand>): ScaleSource {
  const s = d.producer?.scale;
  if (!s || d.value.initializer) return { kind: 'own' };
  if (s.kind !== 'shared') return s;
  let current = d;
  for (let depth = 0; depth < 10_000; depth++) {
    const p = current.producer;
    if (!p || p.scale.kind === 'own') break;
    if (p.scale.kind === 'fixed') return p.scale;
    const input = p.node.inputs[p.scale.inputIndex];
    if (!input || input.initializer) return current === d ? { kind: 'own' } : { kind: 'shared', with: current.value.name };
    const up = demands.get(input.name);
    if (!up) return { kind: 'shared', with: input.name };
    current = up;
  }
  return { kind: 'shared', with: current.value.name };
}

function biasPlans(decisions: Map<Node, HandlerDecision>, precisionOf: Map<string, TensorPrecision>, conversions: EdgeConversion[], planned: TensorPlan[]): TensorPlan[] {
  const out: TensorPlan[] = [];
  const taken = new Set(planned.map((t) => t.name));
  for (const [node, decision] of decisions) {
    const b = decision.bias;
    const bias = b ? node.inputs[b.index] : undefined;
    if (!b || !bias || taken.has(bias.name) || bias.uses.length !== 1) continue;
    const input = node.inputs[b.inputIndex];
    const weight = node.inputs[b.weightIndex];
    if (!input || !weight) continue;
    const inputPrecision = conversions.find((c) => c.node === node.name && c.inputIndex === b.inputIndex)?.precision ?? precisionOf.get(input.name);
    const weightPrecision = precisionOf.get(weight.name);
    if (!inputPrecision || !weightPrecision || !isIntegerPrecision(inputPrecision) || !isIntegerPrecision(weightPrecision)) continue;
    // Per-channel weight scales give one bias scale per output channel: the bias must hold exactly
    // those (a broadcast bias of another length stays float).
    const weightAxis = planned.find((t) => t.name === weight.name)?.axis;
    const channels = weightAxis === undefined ? undefined : weight.initializer?.dims[weightAxis];
    if (channels !== undefined && bias.initializer?.elementCount !== channels) continue;
    taken.add(bias.name);
    out.push({ name: bias.name, role: 'bias', precision: 'int32', symmetric: true, scale: { kind: 'bias', input: input.name, weight: weight.name, node: node.name } });
  }
  return out;
}

const ORDER: TensorPrecision[] = ['float32', 'int32', 'float16', 'bfloat16', 'uint16', 'int16', 'uint8', 'int8'];
function widest(ps: readonly TensorPrecision[]): TensorPrecision {
  if (ps.length === 0) return 'float32';
  return ps.reduce((a, b) => (ORDER.indexOf(a) <= ORDER.indexOf(b) ? a : b));
}

export type { IntegerPrecision };
