/**
 * Small graphs for the float mixed precision tests, built with the IR API, and helpers that read
 * the Casts a conversion wrote.
 */
import {
  createModel,
  elementCount,
  Graph,
  intAttr,
  intsAttr,
  Tensor,
  tensorType,
  type Model,
  type Node,
  type Value,
} from '../../src/ir/index.js';
import type { FloatMixResult } from '../../src/qdq/float-mix/index.js';
import { seededFloats } from '../fixtures/random.js';

export function weight(g: Graph, name: string, dims: readonly number[], seed: number, scale = 0.5): Value {
  return g.addInitializer(Tensor.fromArray(name, 'float32', dims, seededFloats(seed, elementCount(dims), scale)));
}

function output(g: Graph, v: Value): void {
  g.addOutput(v);
}

/** input → Conv → Relu → Conv → Softmax → y (3x3 convs, 2 channels, 5x5 images). */
export function convReluConvSoftmax(): Model {
  const model = createModel(17, 'conv_relu_conv_softmax');
  const g = model.graph;
  const x = g.addInput('x', tensorType('float32', [1, 2, 5, 5]));
  const conv = (name: string, input: Value, seed: number): Value =>
    g.addNode({
      opType: 'Conv', name, inputs: [input, weight(g, `${name}_w`, [2, 2, 3, 3], seed), weight(g, `${name}_b`, [2], seed + 1, 0.1)],
      outputs: [`${name}_out`], attributes: [intsAttr('kernel_shape', [3, 3]), intsAttr('pads', [1, 1, 1, 1])],
    }).output();
  const c1 = conv('conv1', x, 1);
  const r = g.addNode({ opType: 'Relu', name: 'relu', inputs: [c1], outputs: ['relu_out'] }).output();
  const c2 = conv('conv2', r, 3);
  output(g, g.addNode({ opType: 'Softmax', name: 'softmax', inputs: [c2], outputs: ['y'], attributes: [intAttr('axis', 1)] }).output());
  return model;
}

/** x[2,4] → MatMul → `middle` op (with `extra` as its second input when given) → MatMul → y. */
export function matmulSandwich(middle: string, extra?: 'bias' | 'input'): Model {
  const model = createModel(17, 'sandwich');
  const g = model.graph;
  const x = g.addInput('x', tensorType('float32', [2, 4]));
  const other = extra === 'input' ? g.addInput('z', tensorType('float32', [2, 4])) : extra === 'bias' ? weight(g, 'bias', [4], 5, 0.1) : undefined;
  const m1 = g.addNode({ opType: 'MatMul', name: 'mm1', inputs: [x, weight(g, 'w1', [4, 4], 1)], outputs: ['mm1_out'] }).output();
  const mid = g.addNode({ opType: middle, name: 'mid', inputs: other ? [m1, other] : [m1], outputs: ['mid_out'] }).output();
  output(g, g.addNode({ opType: 'MatMul', name: 'mm2', inputs: [mid, weight(g, 'w2', [4, 4], 2)], outputs: ['y'] }).output());
  return model;
}

/** A chain of `n` blocks MatMul(w_i) → Add(b_i), named mm0, add0, mm1, add1, ... */
export function matmulChain(n: number): Model {
  const model = createModel(17, 'chain');
  const g = model.graph;
  let h = g.addInput('x', tensorType('float32', [2, 8]));
  for (let i = 0; i < n; i++) {
    const mm = g.addNode({ opType: 'MatMul', name: `mm${i}`, inputs: [h, weight(g, `w${i}`, [8, 8], 10 + i, 0.3)], outputs: [`mm${i}_out`] }).output();
    h = g.addNode({ opType: 'Add', name: `add${i}`, inputs: [mm, weight(g, `b${i}`, [8], 40 + i, 0.1)], outputs: [`add${i}_out`] }).output();
  }
  output(g, h);
  return model;
}

/** x → Transpose → MatMul → y: a clear op fed by a graph input. */
export function clearFirst(): Model {
  const model = createModel(17, 'clear_first');
  const g = model.graph;
  const x = g.addInput('x', tensorType('float32', [4, 2]));
  const t = g.addNode({ opType: 'Transpose', name: 'transpose', inputs: [x], outputs: ['t_out'], attributes: [intsAttr('perm', [1, 0])] }).output();
  output(g, g.addNode({ opType: 'MatMul', name: 'mm', inputs: [t, weight(g, 'w', [4, 3], 3)], outputs: ['y'] }).output());
  return model;
}

/** x → MatMul → (Softmax → y1, Exp → y2): two denied readers of one 16-bit value. */
export function twoDeniedReaders(): Model {
  const model = createModel(17, 'two_denied');
  const g = model.graph;
  const x = g.addInput('x', tensorType('float32', [2, 4]));
  const mm = g.addNode({ opType: 'MatMul', name: 'mm', inputs: [x, weight(g, 'w', [4, 4], 4)], outputs: ['mm_out'] }).output();
  output(g, g.addNode({ opType: 'Softmax', name: 'softmax', inputs: [mm], outputs: ['y1'] }).output());
  output(g, g.addNode({ opType: 'Exp', name: 'exp', inputs: [mm], outputs: ['y2'] }).output());
  return model;
}

/** Cast nodes of a graph (not of its subgraphs). */
export function casts(model: Model): Node[] {
  return model.graph.nodes.filter((n) => n.opType === 'Cast');
}

/** The Casts that read `valueName` directly, by their `to` code. */
export function castsOf(model: Model, valueName: string): number[] {
  return casts(model).filter((c) => c.inputs[0]?.name === valueName).map((c) => c.attrInt('to', 0));
}

export function decision(result: FloatMixResult, name: string): FloatMixResult['nodes'][number] {
  const d = result.nodes.find((n) => n.name === name);
  if (!d) throw new Error(`no decision for '${name}'`);
  return d;
}

export function node(model: Model, name: string): Node {
  const n = model.graph.nodes.find((x) => x.name === name);
  if (!n) throw new Error(`no node '${name}'`);
  return n;
}

/** Element type the converted model gives a node's input `index` (value annotation or initializer). */
export function inputType(model: Model, nodeName: string, index: number): string | undefined {
  const v = node(model, nodeName).inputs[index];
  return v?.initializer?.type ?? v?.elemType;
}

export const BF16 = 16;
export const FP16 = 10;
export const FLOAT = 1;
