import { GraphError } from '../errors.js';
import {
  intAttr,
  redirectGraphOutput,
  Tensor,
  topologicalSort,
  type Graph,
  type Model,
  type Node,
  type Value,
} from '../ir/index.js';
import { countInt32Saturated } from '../quant/index.js';
import { BuildCache } from './build-cache.js';
import { biasAdjustmentWarnings, fitWeightScalesForBiases, type BiasAdjustment, type SaturatedBias } from './bias-fit.js';
import { computeQParams, type QParams, type Range } from './qparams.js';
import { moveUnloadableInt8Propagation } from './ort-propagation.js';
import { castPrecisionCode } from './weights.js';
import type { EdgeConversion, IntegerPrecision, QuantPlan, TensorPlan, TensorPrecision } from './types.js';
import { isIntegerPrecision } from './types.js';

export interface MaterializeOptions {
  /** Calibrated float ranges of activation tensors, by name. */
  readonly ranges: ReadonlyMap<string, Range>;
  /**
   * Raise weight scales where an int32 bias would overflow (default true). false reproduces the
   * clipped biases of older versions (ORT's QDQDisableWeightAdjustForInt32Bias), for comparisons.
   */
  readonly fitInt32Bias?: boolean;
  /** Weight parameters and quantized constants kept across builds from one prepared model (a search). */
  readonly cache?: BuildCache;
}

export interface MaterializeResult {
  /** Quantization parameters actually used, by tensor name (for reports and tests). */
  readonly qparams: ReadonlyMap<string, QParams>;
  readonly insertedNodes: number;
  /** Biases whose weight scales were raised so that they fit int32 (see bias-fit.ts). */
  readonly biasAdjustments: readonly BiasAdjustment[];
  /** Biases with values at the int32 limits despite that (expected empty). */
  readonly saturatedBiases: readonly SaturatedBias[];
  /** Notes for the user about the built model (how to run it). */
  readonly warnings: readonly string[];
}

/**
 * Inserts the Q/DQ (and Cast) nodes a plan asks for, in place. Weights are stored quantized with a
 * DequantizeLinear (the QDQ format), activations get a QuantizeLinear → DequantizeLinear pair.
 */
export function materialize(model: Model, plan: QuantPlan, options: MaterializeOptions): MaterializeResult {
  const graph = model.graph;
  const cache = options.cache ?? new BuildCache();
  const { qparams, biasAdjustments } = computeAllQParams(model, plan, options.ranges, options.fitInt32Bias ?? true, cache);
  const saturatedBiases: SaturatedBias[] = [];
  const before = graph.nodes.length;
  const domains = new DomainChooser(model);
  for (const t of plan.tensors) {
    const value = graph.ownValue(t.name);
    if (!value) throw new GraphError(`The plan names tensor '${t.name}', which the graph does not have.`);
    if (t.role === 'activation') insertActivation(graph, value, t, qparams.get(t.name), domains);
    else insertConstant(graph, value, t, qparams.get(t.name), domains, saturatedBiases, cache);
  }
  for (const c of plan.conversions) insertConversion(graph, c, qparams.get(conversionKey(c)), domains);
  // Some int8 DQs must be com.microsoft for onnxruntime's default optimizations to load the model.
  if (moveUnloadableInt8Propagation(model).length > 0) domains.useMicrosoft();
  domains.finish();
  topologicalSort(graph);
  return {
    qparams,
    insertedNodes: graph.nodes.length - before,
    biasAdjustments,
    saturatedBiases,
    warnings: biasAdjustmentWarnings(biasAdjustments, saturatedBiases),
  };
}

export function conversionKey(c: EdgeConversion): string {
  return `${c.tensor}@${c.node}#${c.inputIndex}`;
}

function computeAllQParams(model: Model, plan: QuantPlan, ranges: ReadonlyMap<string, Range>, fitBias: boolean, cache: BuildCache): { qparams: Map<string, QParams>; biasAdjustments: BiasAdjustment[] } {
  const out = new Map<string, QParams>();
  const byName = new Map(plan.tensors.map((t) => [t.name, t]));
  const rangeOf = (name: string): Range => {
    const r = ranges.get(name);
    if (!r) throw new GraphError(`No calibration range for tensor '${name}'.`, { hint: 'Calibrate with the same model and plan, or delete a stale ranges file.' });
    return r;
  };
  const visit = (t: TensorPlan): QParams | undefined => {
    if (!isIntegerPrecision(t.precision)) return undefined;
    const done = out.get(t.name);
    if (done) return done;
    let q: QParams;
    const s = t.scale;
    if (t.role === 'weight') q = cache.weightQParams(model.graph.ownValue(t.name)!.initializer!, t.precision, t.symmetric, t.axis);
    else if (s.kind === 'fixed') q = computeQParams({ kind: 'range', range: { min: s.min, max: s.max } }, t.precision, t.symmetric);
    // Shared: the range of the chain's top tensor at this tensor's own precision (identical
    // parameters when the precisions match; deterministic, so nothing depends on visiting order).
    else if (s.kind === 'shared') q = computeQParams({ kind: 'range', range: rangeOf(s.with) }, t.precision, t.symmetric);
    else if (s.kind === 'bias') q = biasQParams(t, byName, out, plan, visit);
    else q = computeQParams({ kind: 'range', range: rangeOf(t.name) }, t.precision, t.symmetric);
    out.set(t.name, q);
    return q;
  };
  for (const c of plan.conversions) {
    if (isIntegerPrecision(c.precision)) out.set(conversionKey(c), computeQParams({ kind: 'range', range: rangeOf(c.tensor) }, c.precision, false));
  }
  // Biases last: their weights' scales may first be raised so that they fit int32.
  for (const t of plan.tensors) if (t.role !== 'bias') visit(t);
  const biasAdjustments = fitBias ? fitWeightScalesForBiases(model, plan, out, (t) => biasInputQParams(t, plan, out)) : [];
  for (const t of plan.tensors) visit(t);
  return { qparams: out, biasAdjustments };
}

/** The parameters of the quantized input a bias's node reads (an edge conversion's when it has one). */
function biasInputQParams(t: TensorPlan, plan: QuantPlan, out: ReadonlyMap<string, QParams>): QParams | undefined {
  const s = t.scale as { kind: 'bias'; input: string; weight: string; node: string };
  const conv = plan.conversions.find((c) => c.tensor === s.input && c.node === s.node);
  return conv ? out.get(conversionKey(conv)) : out.get(s.input);
}

function biasQParams(t: TensorPlan, byName: Map<string, TensorPlan>, out: Map<string, QParams>, plan: QuantPlan, visit: (t: TensorPlan) => QParams | undefined): QParams {
  const s = t.scale as { kind: 'bias'; input: string; weight: string; node: string };
  const conv = plan.conversions.find((c) => c.tensor === s.input && c.node === s.node);
  const input = conv ? out.get(conversionKey(conv)) : visit(byName.get(s.input)!);
  const weight = visit(byName.get(s.weight)!);
  if (!input || !weight) throw new GraphError(`Bias '${t.name}' needs quantized input and weight.`);
  const inScale = input.scales[0]!;
  const scales = Float32Array.from(weight.scales, (w) => Math.fround(inScale * w));
  // The bias is 1-D (one value per output channel), so per-channel bias scales run along its axis 0
  // whichever axis the weight's channels are on (Gemm with transB=0 and ConvTranspose use axis 1).
  return { type: 'int32', scales, zeroPoints: new Array<number>(scales.length).fill(0), ...(weight.axis !== undefined ? { axis: 0 } : {}) };
}

/** Picks each Q/DQ node's domain: ai.onnx where the opset allows the type/axis, else com.microsoft. */
class DomainChooser {
  private usedMicrosoft = false;
  constructor(private readonly model: Model) {}
  domainFor(type: IntegerPrecision, perChannel: boolean): string {
    const opset = this.model.opset;
    const needs = type === 'int16' || type === 'uint16' ? 21 : perChannel ? 13 : type === 'int32' ? 10 : 10;
    if (opset >= needs) return '';
    this.usedMicrosoft = true;
    return 'com.microsoft';
  }
  useMicrosoft(): void {
    this.usedMicrosoft = true;
  }
  finish(): void {
    if (this.usedMicrosoft && !this.model.opsetImports.has('com.microsoft')) this.model.opsetImports.set('com.microsoft', 1);
  }
}

function qparamInitializers(graph: Graph, base: string, q: QParams): [Value, Value] {
  const perChannel = q.axis !== undefined;
  const dims = perChannel ? [q.scales.length] : [];
  const scale = graph.addInitializer(Tensor.fromArray(graph.uniqueName(`${base}_scale`), 'float32', dims, Float32Array.from(q.scales)));
  const zpName = graph.uniqueName(`${base}_zero_point`);
  const zp = graph.addInitializer(Tensor.fromArray(zpName, q.type, dims, zeroPointArray(q)));
  return [scale, zp];
}

function zeroPointArray(q: QParams) {
  switch (q.type) {
    case 'int8': return Int8Array.from(q.zeroPoints);
    case 'uint8': return Uint8Array.from(q.zeroPoints);
    case 'int16': return Int16Array.from(q.zeroPoints);
    case 'uint16': return Uint16Array.from(q.zeroPoints);
    case 'int32': return Int32Array.from(q.zeroPoints);
  }
}

function qdqNode(graph: Graph, op: 'QuantizeLinear' | 'DequantizeLinear', input: Value, scale: Value, zp: Value, q: QParams, outName: string, domains: DomainChooser, after?: Node): Node {
  const attrs = q.axis !== undefined ? [intAttr('axis', q.axis)] : [];
  return graph.addNode(
    { opType: op, domain: domains.domainFor(q.type, q.axis !== undefined), inputs: [input, scale, zp], outputs: [outName], name: `${outName}_node`, attributes: attrs },
    after ? { after } : {},
  );
}

function insertActivation(graph: Graph, value: Value, t: TensorPlan, q: QParams | undefined, domains: DomainChooser): void {
  const uses = [...value.uses];
  let out: Value;
  if (q) {
    const [scale, zp] = qparamInitializers(graph, value.name, q);
    const qNode = qdqNode(graph, 'QuantizeLinear', value, scale, zp, q, `${value.name}_QuantizeLinear`, domains, value.producer);
    out = qdqNode(graph, 'DequantizeLinear', qNode.output(0), scale, zp, q, `${value.name}_DequantizeLinear`, domains, qNode).output(0);
  } else {
    out = castPair(graph, value, t.precision, value.producer);
  }
  for (const use of uses) use.node.setInput(use.index, out);
  if (value.isGraphOutput) redirectGraphOutput(graph, value, out);
}

function castPair(graph: Graph, value: Value, precision: TensorPrecision, after: Node | undefined): Value {
  const down = graph.addNode({ opType: 'Cast', inputs: [value], outputs: [`${value.name}_to_${precision}`], name: `${value.name}_Cast_${precision}`, attributes: [intAttr('to', castPrecisionCode(precision))] }, after ? { after } : {});
  const up = graph.addNode({ opType: 'Cast', inputs: [down.output(0)], outputs: [`${value.name}_from_${precision}`], name: `${value.name}_Cast_float`, attributes: [intAttr('to', 1)] }, { after: down });
  return up.output(0);
}

function insertConstant(graph: Graph, value: Value, t: TensorPlan, q: QParams | undefined, domains: DomainChooser, saturatedBiases: SaturatedBias[], cache: BuildCache): void {
  const tensor = value.initializer;
  if (!tensor) throw new GraphError(`'${value.name}' is planned as a ${t.role} but is not a constant.`);
  const uses = [...value.uses];
  let out: Value;
  if (q) {
    const quantizedName = graph.uniqueName(`${value.name}_quantized`);
    const quantized = graph.addInitializer(t.role === 'bias' ? cache.quantizedBias(tensor, q, quantizedName) : cache.quantizedWeight(tensor, q, quantizedName));
    if (t.role === 'bias') {
      const values = countInt32Saturated(quantized.initializer!.toArray() as Int32Array);
      if (values > 0) saturatedBiases.push({ bias: t.name, node: t.scale.kind === 'bias' ? t.scale.node : '', values });
    }
    const [scale, zp] = qparamInitializers(graph, value.name, q);
    out = qdqNode(graph, 'DequantizeLinear', quantized, scale, zp, q, `${value.name}_DequantizeLinear`, domains).output(0);
  } else {
    // 16-bit float weights are stored converted once and cast back to float at run time.
    const stored = graph.addInitializer(cache.roundedWeight(tensor, t.precision, graph.uniqueName(`${value.name}_${t.precision}`)));
    out = graph.addNode({ opType: 'Cast', inputs: [stored], outputs: [`${value.name}_from_${t.precision}`], name: `${value.name}_Cast_float`, attributes: [intAttr('to', 1)] }).output(0);
  }
  for (const use of uses) use.node.setInput(use.index, out);
  if (value.uses.length === 0 && !value.isGraphOutput && !value.isGraphInput) graph.removeInitializer(value);
}

function insertConversion(graph: Graph, c: EdgeConversion, q: QParams | undefined, domains: DomainChooser): void {
  const node = graph.nodes.find((n) => n.name === c.node);
  const input = node?.inputs[c.inputIndex];
  if (!node || !input) throw new GraphError(`Conversion on '${c.tensor}' → '${c.node}' refers to a missing edge.`);
  let out: Value;
  if (q) {
    const [scale, zp] = qparamInitializers(graph, `${c.tensor}_to_${c.node}`, q);
    const qNode = qdqNode(graph, 'QuantizeLinear', input, scale, zp, q, `${c.tensor}_${q.type}_for_${c.node}_q`, domains);
    out = qdqNode(graph, 'DequantizeLinear', qNode.output(0), scale, zp, q, `${c.tensor}_${q.type}_for_${c.node}`, domains, qNode).output(0);
  } else if (c.precision === 'float32') {
    return; // the consumer reads the tensor's DQ output, which is already float32
  } else {
    out = castPair(graph, input, c.precision, input.producer);
  }
  node.setInput(c.inputIndex, out);
}
