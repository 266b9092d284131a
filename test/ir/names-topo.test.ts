import { describe, expect, it } from 'vitest';
import { GraphError } from '../../src/errors.js';
import { cloneModel, createModel, Graph, tensorType, topologicalSort, type Node } from '../../src/ir/index.js';
import { loadModel, loadModelFromBytes, serializeModel } from '../../src/onnx/index.js';
import { ModelSession } from '../../src/runtime/index.js';
import { expectFeedsBitExact, expectSame, expectSameList, RESNET, VIT } from '../fixtures/helpers.js';
import { buildIfBranches, buildLoop, floatFeed, graphAttr } from '../fixtures/models.js';
import { prng } from '../fixtures/random.js';
import { allGraphs, invariantViolations } from '../fixtures/structure.js';

/** Every name defined or reserved anywhere in the model (values and node names, all graphs). */
function allNames(root: Graph): Set<string> {
  const names = new Set<string>();
  for (const g of allGraphs(root)) {
    for (const v of g.ownValues()) names.add(v.name);
    for (const n of g.nodes) if (n.name) names.add(n.name);
  }
  return names;
}

function shuffle<T>(items: T[], seed: number): void {
  const next = prng(seed);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

function assertSorted(nodes: readonly Node[]): void {
  const position = new Map(nodes.map((n, i) => [n, i]));
  const reads = (n: Node): Node[] => [
    ...n.inputs.flatMap((v) => (v?.producer ? [v.producer] : [])),
    ...n.subgraphs().flatMap((s) => s.nodes.flatMap(reads)),
  ];
  nodes.forEach((n, i) => {
    for (const p of reads(n)) if (position.has(p)) expect(position.get(p)!, `${p.toString()} must precede ${n.toString()}`).toBeLessThan(i);
  });
}

describe('uniqueName', () => {
  it('returns the base when free and a fresh derived name when taken', () => {
    const g = createModel(17).graph;
    const x = g.addInput('x');
    expect(g.uniqueName('y')).toBe('y');
    const n = g.uniqueName('x');
    expect(n).not.toBe('x');
    expect(n.startsWith('x_')).toBe(true);
    g.addNode({ opType: 'Relu', name: 'relu', inputs: [x], outputs: ['x_1'] });
    const m = g.uniqueName('x');
    expect(['x', 'x_1']).not.toContain(m);
  });

  it('addNode never reuses a node or value name, across hundreds of requests', () => {
    const model = createModel(17);
    const g = model.graph;
    let v = g.addInput('conv');
    for (let i = 0; i < 300; i++) v = g.addNode({ opType: 'Relu', name: 'conv', inputs: [v], outputs: ['conv'] }).output();
    const nodeNames = g.nodes.map((n) => n.name);
    const valueNames = [...g.ownValues()].map((x) => x.name);
    expect(new Set(nodeNames).size).toBe(300);
    expect(new Set(valueNames).size).toBe(301);
    expect(invariantViolations(model)).toEqual([]);
  });

  it('avoids names defined in subgraphs, from the main graph and from inside subgraphs', () => {
    const model = buildLoop();
    const body = model.graph.nodes.find((n) => n.opType === 'Loop')!.subgraphs()[0]!;
    const taken = allNames(model.graph);
    for (const name of ['iter', 'cond_in', 'state_next', 'body_add', 'scan_val', 'x', 'step', 'loop', 'final_state']) {
      expect(taken.has(name)).toBe(true);
      expect(model.graph.uniqueName(name)).not.toBe(name);
      expect(body.uniqueName(name)).not.toBe(name);
      expect(taken.has(model.graph.uniqueName(name))).toBe(false);
    }
    // A node added in the main graph cannot take a name that lives in the body.
    const n = model.graph.addNode({ opType: 'Identity', name: 'body_add', inputs: [model.graph.lookup('x')], outputs: ['state_next'] });
    expect(n.name).not.toBe('body_add');
    expect(n.output().name).not.toBe('state_next');
  });

  it('holds for models read from a file and for clones', async () => {
    const loaded = loadModelFromBytes(serializeModel(buildIfBranches())!);
    const thenG = loaded.graph.nodes.find((n) => n.opType === 'If')!.subgraphs()[0]!;
    expectSame(thenG.parent, loaded.graph);
    for (const name of ['then_mm', 'then_mm_out', 'else_add', 'else_out']) expect(loaded.graph.uniqueName(name)).not.toBe(name);
    const clone = cloneModel(loaded);
    for (const name of ['then_mm', 'else_out', 'W', 'branch']) expect(clone.graph.uniqueName(name)).not.toBe(name);

    const resnet = await loadModel(RESNET);
    const names = allNames(resnet.graph);
    for (const name of [...names].slice(0, 50)) expect(names.has(resnet.graph.uniqueName(name))).toBe(false);
  });

  it('names taken in a clone do not leak into the original', () => {
    const original = buildIfBranches();
    const clone = cloneModel(original);
    clone.graph.addNode({ opType: 'Identity', name: 'fresh_node', inputs: [clone.graph.lookup('x')], outputs: ['fresh_value'] });
    expect(original.graph.uniqueName('fresh_node')).toBe('fresh_node');
    expect(original.graph.uniqueName('fresh_value')).toBe('fresh_value');
  });
});

describe('topologicalSort', () => {
  it('keeps the order of an already sorted graph (real models)', async () => {
    for (const file of [RESNET, VIT]) {
      const model = await loadModel(file);
      const before = [...model.graph.nodes];
      topologicalSort(model.graph);
      expectSameList(model.graph.nodes, before, file);
    }
  });

  it('keeps a sorted order even when other orders are valid', () => {
    const g = createModel(17).graph;
    const x = g.addInput('x');
    const b = g.addNode({ opType: 'Neg', name: 'b', inputs: [x] });
    const a = g.addNode({ opType: 'Relu', name: 'a', inputs: [x] });
    g.addNode({ opType: 'Add', name: 'c', inputs: [a.output(), b.output()] });
    topologicalSort(g);
    expect(g.nodes.map((n) => n.name)).toEqual(['b', 'a', 'c']);
  });

  it('fixes a shuffled real model, which then computes the same outputs', async () => {
    const model = await loadModel(VIT);
    const reference = loadModelFromBytes(serializeModel(model)!);
    for (const seed of [1, 2, 3]) {
      shuffle(model.graph.nodes, seed);
      topologicalSort(model.graph);
      assertSorted(model.graph.nodes);
    }
    expect(new Set(model.graph.nodes.map((n) => n.name))).toEqual(new Set(reference.graph.nodes.map((n) => n.name)));
    const feeds = { input: floatFeed([2, 1, 28, 28], 5) };
    const [a, b] = [await ModelSession.create(model, { optimization: 'disabled' }), await ModelSession.create(reference, { optimization: 'disabled' })];
    try {
      expectFeedsBitExact(await a.run(feeds), await b.run(feeds), 'sorted vs original');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('restores the only valid order of a chain', () => {
    const g = createModel(17).graph;
    let v = g.addInput('x');
    for (let i = 0; i < 40; i++) v = g.addNode({ opType: 'Relu', name: `n${i}`, inputs: [v] }).output();
    const expected = g.nodes.map((n) => n.name);
    g.nodes.reverse();
    topologicalSort(g);
    expect(g.nodes.map((n) => n.name)).toEqual(expected);
  });

  it('orders a node after producers its subgraphs read from the outer scope', () => {
    const model = createModel(17);
    const g = model.graph;
    const cond = g.addInput('cond', tensorType('bool', []));
    const x = g.addInput('x', tensorType('float32', [2]));
    const branch = (name: string, op: string) => {
      const sub = new Graph(name, g);
      sub.addOutput(sub.addNode({ opType: op, name: `${name}_op`, inputs: [g.lookup('hidden')], outputs: [`${name}_out`] }).output());
      return sub;
    };
    const relu = g.addNode({ opType: 'Relu', name: 'relu', inputs: [x], outputs: ['hidden'] });
    const ifNode = g.addNode({ opType: 'If', name: 'if', inputs: [cond], outputs: ['y'], attributes: [graphAttr('then_branch', branch('t', 'Neg')), graphAttr('else_branch', branch('e', 'Abs'))] });
    g.nodes.splice(0, g.nodes.length, ifNode, relu);
    topologicalSort(g);
    expect(g.nodes.map((n) => n.name)).toEqual(['relu', 'if']);
  });

  it('sorts subgraphs too', () => {
    const model = buildLoop();
    const body = model.graph.nodes.find((n) => n.opType === 'Loop')!.subgraphs()[0]!;
    const expected = [...body.nodes];
    body.nodes.reverse();
    topologicalSort(model.graph);
    assertSorted(body.nodes);
    expect(new Set(body.nodes)).toEqual(new Set(expected));
  });

  it('throws GraphError on a cycle and on a self-loop', () => {
    const g = createModel(17).graph;
    const x = g.addInput('x');
    const p = g.addNode({ opType: 'Relu', name: 'p', inputs: [x] });
    const q = g.addNode({ opType: 'Neg', name: 'q', inputs: [p.output()] });
    p.setInput(0, q.output());
    expect(() => topologicalSort(g)).toThrow(GraphError);
    expect(() => topologicalSort(g)).toThrow(/cycle/);

    const h = createModel(17).graph;
    const s = h.addNode({ opType: 'Relu', name: 'self', inputs: [h.addInput('x')] });
    s.setInput(0, s.output());
    let caught: unknown;
    try {
      topologicalSort(h);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GraphError);
    expect((caught as GraphError).code).toBe('INVALID_GRAPH');
  });
});
