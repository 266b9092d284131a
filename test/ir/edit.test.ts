import { describe, expect, it } from 'vitest';
import { GraphError } from '../../src/errors.js';
import {
  createModel,
  insertOnEdge,
  redirectGraphOutput,
  removeDeadNodes,
  replaceAllUses,
  Tensor,
  tensorType,
  type Node,
  type Value,
} from '../../src/ir/index.js';
import { loadModelFromBytes, serializeModel } from '../../src/onnx/index.js';
import { ModelSession } from '../../src/runtime/index.js';
import { expectSame, expectSameList } from '../fixtures/helpers.js';
import { buildIfBranches, buildLoop } from '../fixtures/models.js';
import { invariantViolations } from '../fixtures/structure.js';

/** y = Mul(r, r), r = Relu(a), a = Add(x, w). */
function chain() {
  const model = createModel(17, 'chain');
  const g = model.graph;
  const x = g.addInput('x', tensorType('float32', [3]));
  const w = g.addInitializer(Tensor.fromArray('w', 'float32', [3], Float32Array.of(1, -2, 0.5)));
  const add = g.addNode({ opType: 'Add', name: 'add', inputs: [x, w], outputs: ['a'] });
  const relu = g.addNode({ opType: 'Relu', name: 'relu', inputs: [add.output()], outputs: ['r'] });
  const mul = g.addNode({ opType: 'Mul', name: 'mul', inputs: [relu.output(), relu.output()], outputs: ['y'] });
  mul.output().type = tensorType('float32', [3]);
  g.addOutput(mul.output());
  return { model, g, x, w, add, relu, mul };
}

const usesOf = (v: Value) => v.uses.map((u) => [u.node.name, u.index]);
const inputNames = (n: Node) => n.inputs.map((v) => v?.name ?? '');
const isSorted = (nodes: readonly Node[]) =>
  nodes.every((n, i) => n.inputs.every((v) => !v?.producer || v.producer.graph !== n.graph || nodes.indexOf(v.producer) < i));

describe('producer and use bookkeeping', () => {
  it('addNode records producers and uses, including a value used twice by one node', () => {
    const { model, x, w, add, relu, mul } = chain();
    expectSame(add.output().producer, add);
    expect(usesOf(x)).toEqual([['add', 0]]);
    expect(usesOf(w)).toEqual([['add', 1]]);
    expect(usesOf(relu.output())).toEqual([['mul', 0], ['mul', 1]]);
    expectSameList(relu.output().consumers(), [mul]);
    expect(mul.output().isGraphOutput).toBe(true);
    expect(invariantViolations(model)).toEqual([]);
  });

  it('setInput moves one use and leaves the other slot alone', () => {
    const { model, x, relu, mul } = chain();
    mul.setInput(1, x);
    expect(usesOf(relu.output())).toEqual([['mul', 0]]);
    expect(usesOf(x)).toEqual([['add', 0], ['mul', 1]]);
    expect(inputNames(mul)).toEqual(['r', 'x']);
    expect(invariantViolations(model)).toEqual([]);
  });

  it('setInput past the end pads with omitted inputs, and clearing the last one trims them', () => {
    const { model, w, mul } = chain();
    mul.setInput(3, w);
    expect(inputNames(mul)).toEqual(['r', 'r', '', 'w']);
    expect(usesOf(w)).toEqual([['add', 1], ['mul', 3]]);
    mul.setInput(3, undefined);
    expect(inputNames(mul)).toEqual(['r', 'r']);
    expect(usesOf(w)).toEqual([['add', 1]]);
    mul.appendInput(w);
    expect(usesOf(w)).toEqual([['add', 1], ['mul', 2]]);
    expect(invariantViolations(model)).toEqual([]);
  });

  it('replaceAllUses rewires every consumer and the graph output', () => {
    const { model, g, add, relu, mul } = chain();
    replaceAllUses(relu.output(), add.output());
    expect(inputNames(mul)).toEqual(['a', 'a']);
    expect(relu.output().uses.length).toBe(0);
    expect(usesOf(add.output())).toEqual([['relu', 0], ['mul', 0], ['mul', 1]]);
    replaceAllUses(mul.output(), add.output());
    expectSame(g.outputs[0], add.output());
    expect(invariantViolations(model)).toEqual([]);
  });

  it('replaceAllUses honours `where` and `keepGraphOutputs`', () => {
    const { model, g, x, relu, mul } = chain();
    replaceAllUses(relu.output(), x, { where: (u) => u.index === 1 });
    expect(inputNames(mul)).toEqual(['r', 'x']);
    replaceAllUses(mul.output(), x, { keepGraphOutputs: true });
    expectSame(g.outputs[0], mul.output());
    expect(invariantViolations(model)).toEqual([]);
  });

  it('replaceAllUses reaches uses inside subgraphs', () => {
    const model = buildIfBranches();
    const g = model.graph;
    const w = g.lookup('W')!;
    const wElse = g.lookup('W_else')!;
    const thenMm = g.nodes.find((n) => n.opType === 'If')!.subgraphs()[0]!.nodes[0]!;
    expectSame(thenMm.input(1), w);
    replaceAllUses(w, wElse);
    expectSame(thenMm.input(1), wElse);
    expect(w.uses.length).toBe(0);
    expect(usesOf(wElse).sort()).toEqual([['else_mm', 1], ['then_mm', 1]]);
    expect(invariantViolations(model)).toEqual([]);
  });
});

describe('insertOnEdge', () => {
  it('puts the node right after the producer and moves all uses to it', () => {
    const { model, g, add, relu } = chain();
    const id = insertOnEdge(add.output(), { opType: 'Identity', name: 'id' });
    expect(g.nodes.map((n) => n.name)).toEqual(['add', 'id', 'relu', 'mul']);
    expectSame(id.input(0), add.output());
    expect(usesOf(add.output())).toEqual([['id', 0]]);
    expect(relu.input(0)).toBe(id.output());
    expect(invariantViolations(model)).toEqual([]);
  });

  it('moves only the chosen uses', () => {
    const { model, relu, mul } = chain();
    const neg = insertOnEdge(relu.output(), { opType: 'Neg', name: 'neg' }, [relu.output().uses[1]!]);
    expect(inputNames(mul)).toEqual(['r', neg.output().name]);
    expect(usesOf(relu.output())).toEqual([['mul', 0], ['neg', 0]]);
    expect(invariantViolations(model)).toEqual([]);
  });

  it('on a graph input or initializer, puts the node first so the list stays sorted', () => {
    const { model, g, x, w } = chain();
    insertOnEdge(x, { opType: 'Identity', name: 'id_x' });
    insertOnEdge(w, { opType: 'Identity', name: 'id_w' });
    expect(isSorted(g.nodes)).toBe(true);
    expect(g.nodes.map((n) => n.name)).toEqual(['id_w', 'id_x', 'add', 'relu', 'mul']);
    expect(invariantViolations(model)).toEqual([]);
  });

  it('on a subgraph input, puts the node first in that subgraph', () => {
    const model = buildLoop();
    const body = model.graph.nodes.find((n) => n.opType === 'Loop')!.subgraphs()[0]!;
    const stateIn = body.ownValue('state_in')!;
    const node = insertOnEdge(stateIn, { opType: 'Identity', name: 'id_state' });
    expectSame(node.graph, body);
    expectSame(body.nodes[0], node);
    expect(isSorted(body.nodes)).toBe(true);
    expect(invariantViolations(model)).toEqual([]);
  });
});

describe('removeNode and removeDeadNodes', () => {
  it('refuses to remove a node whose output is used or is a graph output', () => {
    const { add, mul, g } = chain();
    expect(() => g.removeNode(add)).toThrow(GraphError);
    expect(() => g.removeNode(mul)).toThrow(/still used/);
    expect(g.nodes).toHaveLength(3);
  });

  it('removes a bypassed node, its uses and its output value', () => {
    const { model, g, add, relu, mul } = chain();
    replaceAllUses(relu.output(), add.output());
    g.removeNode(relu);
    expect(g.nodes.map((n) => n.name)).toEqual(['add', 'mul']);
    expect(g.lookup('r')).toBeUndefined();
    expect(usesOf(add.output())).toEqual([['mul', 0], ['mul', 1]]);
    expect(inputNames(mul)).toEqual(['a', 'a']);
    expect(invariantViolations(model)).toEqual([]);
  });

  it('removeDeadNodes drops unreachable chains and unused initializers, keeps inputs', () => {
    const { model, g, add } = chain();
    const s = g.addNode({ opType: 'Sigmoid', name: 'sig', inputs: [add.output()], outputs: ['s'] });
    const unused = g.addInitializer(Tensor.fromArray('unused', 'float32', [1], Float32Array.of(7)));
    g.addNode({ opType: 'Add', name: 'dead_add', inputs: [s.output(), unused], outputs: ['d'] });
    expect(removeDeadNodes(g)).toBe(2);
    expect(g.nodes.map((n) => n.name)).toEqual(['add', 'relu', 'mul']);
    expect(g.initializers.map((v) => v.name)).toEqual(['w']);
    expect(g.lookup('unused')).toBeUndefined();
    expect(g.inputs.map((v) => v.name)).toEqual(['x']);
    expect(usesOf(add.output())).toEqual([['relu', 0]]);
    expect(invariantViolations(model)).toEqual([]);
  });

  it('removing a node with subgraphs detaches the uses its subgraphs made of outer values', () => {
    const model = buildIfBranches();
    const g = model.graph;
    g.outputs.splice(0, 1, g.lookup('x')!);
    expect(removeDeadNodes(g)).toBe(2);
    expect(g.nodes.length).toBe(0);
    expect(g.lookup('x')!.uses.length).toBe(0);
    // W, B, W_else were read only inside the branches: they are dead now.
    expect(g.initializers.length).toBe(0);
    expect(invariantViolations(model)).toEqual([]);
  });

  it('removeDeadNodes also cleans subgraphs', () => {
    const model = buildIfBranches();
    const thenG = model.graph.nodes.find((n) => n.opType === 'If')!.subgraphs()[0]!;
    thenG.addNode({ opType: 'Neg', name: 'then_dead', inputs: [thenG.lookup('x')], outputs: ['then_dead_out'] });
    expect(removeDeadNodes(model.graph)).toBe(1);
    expect(thenG.nodes.map((n) => n.name)).toEqual(['then_mm', 'then_add']);
    expect(usesOf(model.graph.lookup('x')!).map(([n]) => n).sort()).toEqual(['else_mm', 'then_mm']);
    expect(invariantViolations(model)).toEqual([]);
  });
});

describe('redirectGraphOutput', () => {
  it('keeps the public output name, renames the old value, and ORT sees the new source', async () => {
    const { model, g, mul } = chain();
    const oldY = mul.output();
    const neg = g.addNode({ opType: 'Neg', name: 'neg', inputs: [oldY], outputs: ['neg_out'] });
    redirectGraphOutput(g, oldY, neg.output());
    expect(g.outputs.map((v) => v.name)).toEqual(['y']);
    expectSame(g.outputs[0], neg.output());
    expect(oldY.name).not.toBe('y');
    expect(g.lookup(oldY.name)).toBe(oldY);
    expectSame(g.lookup('y'), neg.output());
    expect(neg.output().type).toEqual(tensorType('float32', [3]));
    expect(invariantViolations(model)).toEqual([]);

    const reloaded = loadModelFromBytes(serializeModel(model)!);
    expect(reloaded.graph.outputs.map((v) => v.name)).toEqual(['y']);
    expect(reloaded.graph.lookup('y')!.producer!.opType).toBe('Neg');
    const session = await ModelSession.create(model);
    try {
      const result = await session.run({ x: { type: 'float32', dims: [3], data: Float32Array.of(1, 1, 1) } });
      // relu(x + w)^2 negated: x + w = [2, -1, 1.5].
      expect(Array.from(result['y']!.data as Float32Array)).toEqual([-4, -0, -2.25]);
    } finally {
      await session.close();
    }
  });

  it('rejects a value that is not an output', () => {
    const { g, add, relu } = chain();
    expect(() => redirectGraphOutput(g, add.output(), relu.output())).toThrow(GraphError);
  });
});
