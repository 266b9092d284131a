/**
 * What `compare` compares: the float activations of the float model, in topological order, and
 * for each the value the QDQ model actually computes in its place (the output of the tensor's
 * DequantizeLinear or 16-bit Cast pair, else the tensor itself), plus the int32 biases of the QDQ
 * model that sit at the int32 limits. Reads graphs only; runs nothing.
 */
import type { Graph, Model, Node, Value } from '../ir/index.js';
import { countInt32Saturated } from '../quant/index.js';

/** What the QDQ model holds for a tensor: its integer type, a 16-bit float, or nothing ('float'). */
export type ComparedPrecision = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'bfloat16' | 'float16' | 'float';

export interface ComparedTensor {
  /** Name in the float model. */
  readonly tensor: string;
  /** Op type of the float producer ('input' for a graph input). */
  readonly producerOp: string;
  /** The float activations the producer reads (for the jump rule), in input order. */
  readonly inputs: readonly string[];
  /** Name of the value read from the QDQ model. */
  readonly compared: string;
  readonly quantized: ComparedPrecision;
}

export interface ComparisonMap {
  readonly tensors: readonly ComparedTensor[];
  /** Float activations the QDQ model does not have under the same name (not compared). */
  readonly missing: readonly string[];
}

/**
 * Float32 activations of `float` (graph inputs, then node outputs in node order: callers pass a
 * topologically sorted graph) mapped onto the QDQ model.
 */
export function mapComparedTensors(float: Model, quantized: Model): ComparisonMap {
  const fg = float.graph;
  const qg = quantized.graph;
  const tensors: ComparedTensor[] = [];
  const missing: string[] = [];
  const rows = new Set<string>();
  const add = (value: Value, producerOp: string, inputs: readonly string[]): void => {
    if (value.elemType !== 'float32' || value.initializer) return;
    const q = qg.ownValue(value.name);
    if (!q) {
      missing.push(value.name);
      return;
    }
    const { compared, precision } = dequantizedOf(q);
    rows.add(value.name);
    tensors.push({ tensor: value.name, producerOp, inputs: inputs.filter((n) => rows.has(n)), compared: compared.name, quantized: precision });
  };
  for (const input of fg.inputs) add(input, 'input', []);
  for (const node of fg.nodes) {
    if (node.opType === 'Constant') continue;
    const inputs = node.inputs.flatMap((v) => (v ? [v.name] : []));
    for (const out of node.outputs) if (out) add(out, node.opType, inputs);
  }
  return { tensors, missing };
}

const QDQ_DOMAINS = new Set(['', 'ai.onnx', 'com.microsoft']);
const isOp = (node: Node | undefined, op: string): node is Node => node !== undefined && node.opType === op && QDQ_DOMAINS.has(node.domain);

/** The value the QDQ model computes in place of `value`, and its precision. */
export function dequantizedOf(value: Value): { compared: Value; precision: ComparedPrecision } {
  // A quantized graph output keeps its public name on the DequantizeLinear output.
  if (isOp(value.producer, 'DequantizeLinear')) return { compared: value, precision: dqPrecision(value.producer) };
  for (const use of value.uses) {
    if (use.index !== 0) continue;
    if (isOp(use.node, 'QuantizeLinear')) {
      const dq = use.node.outputs[0]?.uses.find((u) => u.index === 0 && isOp(u.node, 'DequantizeLinear'))?.node;
      const out = dq?.outputs[0];
      if (dq && out) return { compared: out, precision: dqPrecision(dq) };
    }
    if (use.node.opType === 'Cast') {
      const to = use.node.attrInt('to');
      const back = use.node.outputs[0]?.uses.find((u) => u.node.opType === 'Cast' && u.node.attrInt('to') === 1)?.node.outputs[0];
      if (back && (to === 16 || to === 10)) return { compared: back, precision: to === 16 ? 'bfloat16' : 'float16' };
    }
  }
  return { compared: value, precision: 'float' };
}

function dqPrecision(dq: Node): ComparedPrecision {
  // The zero point carries the type; without one, QuantizeLinear produces uint8.
  const zp = dq.inputs[2]?.initializer?.type ?? dq.inputs[0]?.initializer?.type ?? dq.inputs[0]?.producer?.inputs[2]?.initializer?.type ?? 'uint8';
  return (['int8', 'uint8', 'int16', 'uint16', 'int32'] as const).find((t) => t === zp) ?? 'float';
}

/** An int32 constant read by a DequantizeLinear with values at the int32 limits (a clipped bias). */
export interface SaturatedInt32 {
  /** The int32 initializer. */
  readonly tensor: string;
  /** Nodes reading the dequantized value (the Conv/Gemm). */
  readonly consumers: readonly string[];
  readonly values: number;
  readonly of: number;
}

export function saturatedInt32Constants(graph: Graph): SaturatedInt32[] {
  const out: SaturatedInt32[] = [];
  for (const node of graph.nodes) {
    const init = isOp(node, 'DequantizeLinear') ? node.inputs[0]?.initializer : undefined;
    if (init?.type !== 'int32') continue;
    const codes = init.toArray() as Int32Array;
    const values = countInt32Saturated(codes);
    if (values === 0) continue;
    out.push({ tensor: init.name, consumers: (node.outputs[0]?.uses ?? []).map((u) => u.node.name), values, of: codes.length });
  }
  return out;
}
