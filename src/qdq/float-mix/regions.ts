/**
 * Which nodes of the main graph compute in 16 bits. One forward pass in topological order, so every
 * node is decided after all of its producers (equivalent to the seeds' depth-first walk from the
 * allow ops, and deterministic):
 * 1. Nodes that cannot be converted (subgraph holders, Q/DQ regions, no float tensor) stay FP32.
 * 2. Nodes forced by name, fallen back, or denied stay FP32 and "paint" their outputs: an infer or
 *    clear op reading a painted value stays FP32 too, so a deny decision is not undone downstream.
 * 3. allow ops (and nodes forced to 16 bits) are converted.
 * 4. infer ops join when at least one float activation input is 16-bit; clear ops when all are.
 * 5. A node that would join but reads a weight the 16-bit type cannot hold stays FP32 (overflow).
 * 6. So does one whose output only a decomposed LayerNorm reads, where onnxruntime would fuse that
 *    LayerNorm into a kernel it lacks (runtime-fusion, see layer-norm-pattern.ts).
 * Weights (initializers) never decide anything: they are converted with the node that reads them.
 */
import type { Graph, Node, Value } from '../../ir/index.js';
import { fusedLayerNormFails, soleLayerNormReader } from './layer-norm-pattern.js';
import type { ResolvedLists } from './lists.js';
import { lowDataType, roundWeight } from './low-type.js';
import { isDefaultDomain, keepsFloat32Input, keepsFloat32Output, SHAPE_ONLY_CONSUMERS, type ElementTypes } from './op-rules.js';
import { qdqMembership } from './qdq-region.js';
import type { Float32Reason, FloatPrecision, ListName, NodeDecision, OverflowRecord } from './types.js';

export interface RegionInputs {
  readonly graph: Graph;
  readonly lists: ResolvedLists;
  readonly precision: FloatPrecision;
  /** The model's ai.onnx opset (which LayerNormalization onnxruntime would fuse to). */
  readonly opset: number;
  readonly forceLow: ReadonlySet<string>;
  readonly forceFloat: ReadonlySet<string>;
  readonly fallback: ReadonlySet<string>;
  readonly types: ElementTypes;
}

export interface RegionPlan {
  readonly low: ReadonlySet<Node>;
  /** For converted nodes: the input slots that take the 16-bit type. */
  readonly lowInputs: ReadonlyMap<Node, readonly number[]>;
  /** For converted nodes: the output slots that produce the 16-bit type. */
  readonly lowOutputs: ReadonlyMap<Node, readonly number[]>;
  /** Every node of the main graph. */
  readonly decisions: ReadonlyMap<Node, NodeDecision>;
  readonly overflow: readonly OverflowRecord[];
}

interface Verdict {
  readonly low: boolean;
  /** FP32 by a decision that should spread to infer/clear consumers. */
  readonly painted: boolean;
  readonly reason?: Float32Reason;
  readonly detail?: string;
  readonly precision?: NodeDecision['precision'];
}

const fp32 = (reason: Float32Reason, detail: string, painted = false): Verdict => ({ low: false, painted, reason, detail });

export function planRegions(inputs: RegionInputs): RegionPlan {
  return new RegionPlanner(inputs).run();
}

class RegionPlanner {
  private readonly verdicts = new Map<Node, Verdict>();
  private readonly lowInputs = new Map<Node, number[]>();
  private readonly lowOutputs = new Map<Node, number[]>();
  private readonly overflow: OverflowRecord[] = [];

  constructor(private readonly inputs: RegionInputs) {}

  run(): RegionPlan {
    const decisions = new Map<Node, NodeDecision>();
    const low = new Set<Node>();
    for (const node of this.inputs.graph.nodes) {
      const verdict = this.decide(node);
      this.verdicts.set(node, verdict);
      if (verdict.low) low.add(node);
      decisions.set(node, this.record(node, verdict));
    }
    return { low, lowInputs: this.lowInputs, lowOutputs: this.lowOutputs, decisions, overflow: this.overflow };
  }

  private record(node: Node, v: Verdict): NodeDecision {
    const precision = v.precision ?? (v.low ? lowDataType(this.inputs.precision) : 'float32');
    return {
      name: node.name,
      opType: node.opType,
      list: this.listOf(node),
      precision,
      ...(v.reason !== undefined ? { reason: v.reason } : {}),
      ...(v.detail !== undefined ? { detail: v.detail } : {}),
    };
  }

  private listOf(node: Node): ListName | undefined {
    return isDefaultDomain(node) ? this.inputs.lists.get(node.opType) : undefined;
  }

  private decide(node: Node): Verdict {
    const { types, forceLow, forceFloat, fallback } = this.inputs;
    if (node.subgraphs().length > 0) return fp32('unsupported', 'holds a subgraph (subgraphs stay float32)');
    const floatIn = node.inputs.flatMap((v, i) => (types.isFloat32(v) && !keepsFloat32Input(node, i) ? [i] : []));
    const floatOut = node.outputs.flatMap((v, i) => (types.isFloat32(v) && !keepsFloat32Output(node, i) ? [i] : []));
    const qdq = qdqMembership(node, types);
    if (qdq) return { ...fp32('quantized', qdq.detail), precision: qdq.precision };
    if (floatIn.length === 0 && floatOut.length === 0) return fp32('not-float', 'computes on no float32 tensor');
    if (isDefaultDomain(node) && SHAPE_ONLY_CONSUMERS.has(node.opType)) return fp32('not-float', 'reads only the shape of its input');
    if (forceFloat.has(node.name)) return fp32('denied', 'forced to float32 by name', true);
    if (fallback.has(node.name)) return fp32('fell-back', 'put back to float32 by the accuracy-driven search', true);
    const list = forceLow.has(node.name) ? 'allow' : this.listOf(node);
    if (list === undefined) return fp32('unsupported', isDefaultDomain(node) ? `${node.opType} is in no list` : `custom domain '${node.domain}'`);
    if (list === 'deny') return fp32('denied', `${node.opType} is in the deny list`, true);
    const joins = list === 'allow' ? undefined : this.joinVerdict(node, list, floatIn);
    if (joins) return joins;
    const fused = this.layerNormFusionVerdict(node, floatOut);
    if (fused) return fused;
    const overflow = this.overflowingWeights(node, floatIn);
    if (overflow.length > 0) {
      const names = overflow.map((o) => `'${o.tensor}' (max |x| ${o.maxAbs.toPrecision(6)})`).join(', ');
      return fp32('overflow', `weight ${names} does not fit ${lowDataType(this.inputs.precision)}`, true);
    }
    this.lowInputs.set(node, floatIn);
    this.lowOutputs.set(node, floatOut);
    return { low: true, painted: false };
  }

  /** For infer/clear ops: an FP32 verdict, or undefined when the node joins the region. */
  private joinVerdict(node: Node, list: 'infer' | 'clear', floatIn: readonly number[]): Verdict | undefined {
    const activations = floatIn.map((i) => node.inputs[i]!).filter((v) => !isWeight(v));
    const painter = activations.map((v) => v.producer).find((p) => p !== undefined && this.verdicts.get(p)?.painted === true);
    if (painter) return fp32('denied', `reads float32 from '${painter.name}' (${this.verdicts.get(painter)?.reason ?? 'denied'})`, true);
    const lowCount = activations.filter((v) => this.isLowValue(v)).length;
    if (list === 'infer' && lowCount === 0) return fp32('no-16-bit-input', 'none of its inputs is 16-bit');
    if (list === 'clear' && (activations.length === 0 || lowCount < activations.length)) return fp32('no-16-bit-input', 'not all of its inputs are 16-bit');
    return undefined;
  }

  /** FP32 when a decomposed LayerNorm alone reads an output and onnxruntime would fuse it badly. */
  private layerNormFusionVerdict(node: Node, floatOut: readonly number[]): Verdict | undefined {
    const { precision, opset } = this.inputs;
    if (!fusedLayerNormFails(precision, opset)) return undefined;
    const mean = floatOut.map((i) => soleLayerNormReader(node.outputs[i]!)).find((m) => m !== undefined);
    if (!mean) return undefined;
    const why = precision === 'bf16' ? 'has no bfloat16 LayerNormalization kernel on CPU' : `rejects a float16 LayerNormalization with a float32 scale at opset ${opset}`;
    return fp32('runtime-fusion', `only the decomposed LayerNorm at '${mean.name}' reads its output: onnxruntime would fuse that LayerNorm with the Cast a 16-bit output needs, and ${why}`);
  }

  private isLowValue(value: Value): boolean {
    const producer = value.producer;
    if (!producer || !this.verdicts.get(producer)?.low) return false;
    return this.lowOutputs.get(producer)?.includes(producer.outputs.indexOf(value)) ?? false;
  }

  private overflowingWeights(node: Node, floatIn: readonly number[]): OverflowRecord[] {
    const found: OverflowRecord[] = [];
    for (const i of floatIn) {
      const v = node.inputs[i]!;
      if (!isWeight(v)) continue;
      const rounded = roundWeight(v.initializer!, this.inputs.precision);
      if (rounded.overflows) found.push({ tensor: v.name, node: node.name, maxAbs: rounded.maxAbs });
    }
    this.overflow.push(...found);
    return found;
  }
}

/** A constant the pass may rewrite: an initializer that no caller can override as a graph input. */
export function isWeight(value: Value): boolean {
  return value.initializer !== undefined && !value.isGraphInput;
}
