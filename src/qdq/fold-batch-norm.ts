/**
 * Folds an inference BatchNormalization into the Conv before it (W' = W·s, b' = (b - mean)·s + B
 * with s = scale / sqrt(var + eps), per output channel), as exporters in eval mode, onnxruntime's
 * ConvBNFusion and its quantization pre-processing (quant_pre_process) do.
 *
 * Why before quantizing: left apart, the Conv output is quantized per tensor BEFORE the BN rescales
 * its channels, so channels that BN later amplifies lose their resolution, and a Relu/Clip after the
 * BN costs a second 8-bit rounding. Folded, the per-channel weight scales absorb BN exactly and one
 * activation quantization remains. Measured on a trained recognizer-like net (bench/a8w8-parity.ts).
 */
import { replaceAllUses, Tensor, type Graph, type Node, type Value } from '../ir/index.js';

export interface FoldedBatchNorm {
  readonly batchNorm: string;
  readonly conv: string;
}

/** Folds every foldable Conv → BatchNormalization pair of the main graph in place; returns them. */
export function foldBatchNormIntoConv(graph: Graph): FoldedBatchNorm[] {
  const folded: FoldedBatchNorm[] = [];
  for (const bn of [...graph.nodes]) {
    const conv = foldableConv(bn);
    if (!conv) continue;
    fold(graph, conv, bn);
    folded.push({ batchNorm: bn.name, conv: conv.name });
  }
  return folded;
}

const isOnnxDomain = (n: Node) => n.domain === '' || n.domain === 'ai.onnx';

function constantFloat(v: Value | undefined): Float32Array | undefined {
  if (!v || !v.initializer || v.isGraphInput || v.initializer.type !== 'float32') return undefined;
  const a = v.initializer.toArray();
  return a instanceof Float32Array ? a : undefined;
}

/** The Conv whose output only this BN reads, when the pair folds exactly; else undefined. */
function foldableConv(bn: Node): Node | undefined {
  if (bn.opType !== 'BatchNormalization' || !isOnnxDomain(bn)) return undefined;
  // Training-mode BN (opset 14+ attribute, is_test=0 before opset 7) uses batch statistics;
  // spatial=0 (opsets 7-8) normalises per element, not per channel.
  if (bn.attrInt('training_mode', 0) !== 0 || bn.attrInt('is_test', 1) === 0 || bn.attrInt('spatial', 1) === 0) return undefined;
  if (bn.outputs.slice(1).some((o) => o && (o.uses.length > 0 || o.isGraphOutput))) return undefined;
  const x = bn.inputs[0];
  const conv = x?.producer;
  if (!x || !conv || conv.opType !== 'Conv' || !isOnnxDomain(conv) || conv.graph !== bn.graph) return undefined;
  if (x.uses.length !== 1 || x.isGraphOutput || conv.outputs.length !== 1) return undefined;
  const weight = conv.inputs[1];
  const w = constantFloat(weight);
  const channels = weight?.initializer?.dims[0];
  if (!w || channels === undefined || (weight?.initializer?.dims.length ?? 0) < 3) return undefined;
  if (conv.inputs[2] !== undefined && constantFloat(conv.inputs[2])?.length !== channels) return undefined;
  for (let i = 1; i <= 4; i++) if (constantFloat(bn.inputs[i])?.length !== channels) return undefined;
  return conv;
}

function fold(graph: Graph, conv: Node, bn: Node): void {
  const [scale, shift, mean, variance] = [1, 2, 3, 4].map((i) => constantFloat(bn.inputs[i])!);
  const eps = Math.fround(bn.attrFloat('epsilon', 1e-5)); // a float32 attribute in the file
  const weightValue = conv.inputs[1]!;
  const weightTensor = weightValue.initializer!;
  const w = constantFloat(weightValue)!;
  const oldBias = constantFloat(conv.inputs[2]);
  const channels = weightTensor.dims[0]!;
  const perChannel = w.length / channels;
  const newW = new Float32Array(w.length);
  const newB = new Float32Array(channels);
  // float32 arithmetic step by step, in onnxruntime's ConvBNFusion order, so that a model folded
  // here and one folded by onnxruntime carry the same weights.
  const f = Math.fround;
  for (let c = 0; c < channels; c++) {
    const s = f(scale![c]! / f(Math.sqrt(f(variance![c]! + eps))));
    for (let i = c * perChannel; i < (c + 1) * perChannel; i++) newW[i] = f(w[i]! * s);
    newB[c] = f(f(f((oldBias?.[c] ?? 0) - mean![c]!) * s) + shift![c]!);
  }
  // Read before rewiring: the old constants are dropped below when nothing else reads them.
  const replaced = [weightValue, conv.inputs[2], ...bn.inputs.slice(1)];
  const base = conv.name || bn.name || 'conv';
  conv.setInput(1, graph.addInitializer(Tensor.fromArray(graph.uniqueName(`${base}.weight_bn_folded`), 'float32', weightTensor.dims, newW)));
  conv.setInput(2, graph.addInitializer(Tensor.fromArray(graph.uniqueName(`${base}.bias_bn_folded`), 'float32', [channels], newB)));

  // The Conv takes over the BN's output (its name, type and consumers); the BN goes away.
  const convOut = conv.output(0);
  const bnOut = bn.output(0);
  const outName = bnOut.name;
  const outType = bnOut.type ?? convOut.type;
  replaceAllUses(bnOut, convOut);
  graph.removeNode(bn);
  graph.renameValue(convOut, outName);
  if (outType) convOut.type = outType;
  for (const v of replaced) if (v?.initializer && v.uses.length === 0 && !v.isGraphInput && !v.isGraphOutput) graph.removeInitializer(v);
}
