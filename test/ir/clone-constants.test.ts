import { describe, expect, it } from 'vitest';
import {
  cloneModel,
  constantsToInitializers,
  createModel,
  Graph,
  intAttr,
  stringAttr,
  Tensor,
  tensorAttr,
  tensorType,
  type Attribute,
  type Model,
} from '../../src/ir/index.js';
import { ModelSession } from '../../src/runtime/index.js';
import { expectFeedsBitExact, expectSame, expectSameList, tensorValues } from '../fixtures/helpers.js';
import { buildConstantWeights, buildIfBranches, buildLoop, CONSTANT_WEIGHTS, floatsAttr, IF_BRANCHES, LOOP, type Fixture } from '../fixtures/models.js';
import { allGraphs, describeModel, invariantViolations } from '../fixtures/structure.js';

async function outputs(model: Model, fixture: Fixture, seed: number) {
  const session = await ModelSession.create(model, { optimization: 'disabled' });
  try {
    return await session.run(fixture.feeds(seed));
  } finally {
    await session.close();
  }
}

describe('cloneModel', () => {
  it('copies structure and header fields exactly', () => {
    for (const build of [buildIfBranches, buildLoop, buildConstantWeights]) {
      const model = build();
      model.producerName = 'fixture';
      model.metadataProps = [['k', 'v']];
      const clone = cloneModel(model);
      expect(describeModel(clone)).toEqual(describeModel(model));
      expect(invariantViolations(clone)).toEqual([]);
    }
  });

  it('is deep: editing the clone leaves the original intact', () => {
    const original = buildIfBranches();
    const snapshot = describeModel(original);
    const clone = cloneModel(original);
    const g = clone.graph;
    // Edit everything an editing pass touches.
    g.nodes.find((n) => n.name === 'relu')!.setAttribute(intAttr('extra', 1));
    g.renameValue(g.lookup('B')!, 'B_renamed');
    g.setInitializer(g.lookup('W')!, Tensor.fromArray('W', 'float32', [3, 4], new Float32Array(12).fill(3)));
    const thenG = g.nodes.find((n) => n.opType === 'If')!.subgraphs()[0]!;
    thenG.nodes[1]!.setInput(1, g.lookup('W_else'));
    thenG.addNode({ opType: 'Neg', name: 'then_neg', inputs: [g.lookup('x')] });
    g.addNode({ opType: 'Identity', name: 'copy', inputs: [g.lookup('y')], outputs: ['y2'] });
    g.addOutput(g.lookup('y2')!);
    g.metadataProps.push(['edited', 'yes']);
    clone.metadataProps.push(['edited', 'yes']);
    expect(describeModel(original)).toEqual(snapshot);
    expect(invariantViolations(original)).toEqual([]);
    expect(invariantViolations(clone)).toEqual([]);
    expect(original.graph.lookup('y2')).toBeUndefined();
    expect(original.graph.lookup('W')!.initializer!.toArray()[0]).not.toBe(3);
  });

  it("resolves subgraph outer references to the clone's own values", () => {
    // Plain booleans: matchers that deep-compare IR objects walk the whole (cyclic) graph.
    for (const build of [buildIfBranches, buildLoop]) {
      const original = build();
      const clone = cloneModel(original);
      const origGraphs = new Set(allGraphs(original.graph));
      const cloneGraphs = new Set(allGraphs(clone.graph));
      const subs = allGraphs(clone.graph).slice(1);
      expect(subs.length).toBeGreaterThan(0);
      for (const sub of subs) {
        expect(sub.parent === clone.graph, `${sub.name}.parent`).toBe(true);
        expect(origGraphs.has(sub), `${sub.name} is new`).toBe(false);
        for (const node of sub.nodes) {
          for (const v of node.inputs) {
            if (!v) continue;
            const where = `${node.name} reads ${v.name}`;
            expect(v === sub.lookup(v.name), where).toBe(true);
            expect(cloneGraphs.has(v.graph), `${where}: defined in the clone`).toBe(true);
            expect(v.uses.some((u) => u.node === node), `${where}: use recorded`).toBe(true);
          }
        }
      }
      // Uses of outer values are recorded on each model's own values only.
      for (const v of original.graph.ownValues()) for (const u of v.uses) expect(origGraphs.has(u.node.graph), `original '${v.name}'`).toBe(true);
      for (const v of clone.graph.ownValues()) for (const u of v.uses) expect(cloneGraphs.has(u.node.graph), `clone '${v.name}'`).toBe(true);
      expect(clone.graph.lookup('x')!.uses.length).toBe(original.graph.lookup('x')!.uses.length);
    }
  });

  it('shares immutable tensors and computes the same outputs', async () => {
    const original = buildLoop();
    const clone = cloneModel(original);
    expectSame(clone.graph.lookup('step')!.initializer, original.graph.lookup('step')!.initializer);
    expectFeedsBitExact(await outputs(clone, LOOP, 3), await outputs(original, LOOP, 3), 'clone');
  });

  it('keeps lazy tensors unloaded and shares them (external data is read once)', () => {
    const model = createModel(17);
    let loads = 0;
    const lazy = Tensor.lazy('w', 'float32', [2], { location: 'w.data', offset: 0, length: 8 }, () => {
      loads++;
      return new Uint8Array(new Float32Array([1, 2]).buffer);
    });
    model.graph.addInitializer(lazy);
    const clone = cloneModel(model);
    const copy = clone.graph.lookup('w')!.initializer!;
    expect(copy.isLoaded).toBe(false);
    expect(Array.from(copy.toArray() as Float32Array)).toEqual([1, 2]);
    expect(Array.from(lazy.toArray() as Float32Array)).toEqual([1, 2]);
    expect(loads).toBe(1);
  });
});

describe('constantsToInitializers', () => {
  it('converts value, value_float(s) and value_int(s) Constants, leaving graph-output Constants alone', async () => {
    const model = buildConstantWeights();
    const before = await outputs(model, CONSTANT_WEIGHTS, 1);
    expect(constantsToInitializers(model.graph)).toBe(6);
    const g = model.graph;
    expect(g.nodes.filter((n) => n.opType === 'Constant').map((n) => n.name)).toEqual(['const_out_node']);
    const init = (name: string) => g.lookup(name)!.initializer!;
    expect(g.initializers.map((v) => v.name).sort()).toEqual(['conv_b', 'conv_w', 'fc_w', 'index', 'scale', 'shape']);
    expect([init('conv_w').type, init('conv_w').dims]).toEqual(['float32', [3, 2, 3, 3]]);
    expect(tensorValues(init('conv_b'))).toEqual([0.1, -0.2, 0.3].map(Math.fround));
    expect([init('scale').dims, tensorValues(init('scale'))]).toEqual([[], [0.5]]);
    expect([init('shape').type, tensorValues(init('shape'))]).toEqual(['int64', [2n, 2n]]);
    expect([init('index').type, init('index').dims, tensorValues(init('index'))]).toEqual(['int64', [], [1n]]);
    expect(g.nodes.find((n) => n.name === 'conv')!.inputs.map((v) => v?.initializer !== undefined)).toEqual([false, true, true]);
    expectSame(g.nodes.find((n) => n.name === 'pick')!.input(1), g.lookup('index'));
    expect(invariantViolations(model)).toEqual([]);
    expectFeedsBitExact(await outputs(model, CONSTANT_WEIGHTS, 1), before, 'after conversion');
    expect(constantsToInitializers(model.graph)).toBe(0);
  });

  it('keeps the bytes of a `value` tensor (shared, under the output name)', () => {
    const model = buildConstantWeights();
    const attrTensor = model.graph.nodes.find((n) => n.name === 'fc_w_const')!.attrTensor('value')!;
    constantsToInitializers(model.graph);
    const t = model.graph.lookup('fc_w')!.initializer!;
    expect(t.name).toBe('fc_w');
    expectSame(t.bytes(), attrTensor.bytes());
  });

  it('converts Constants inside subgraphs into that subgraph’s initializers', async () => {
    const model = buildIfBranches();
    const thenG = model.graph.nodes.find((n) => n.opType === 'If')!.subgraphs()[0]!;
    const c = thenG.addNode(
      { opType: 'Constant', name: 'then_bias_const', outputs: ['then_bias'], attributes: [floatsAttr('value_floats', [1, 2, 3, 4])] },
      { before: thenG.nodes[0]! },
    );
    thenG.nodes.find((n) => n.name === 'then_add')!.setInput(1, c.output());
    const before = await outputs(model, IF_BRANCHES, 1);
    expect(constantsToInitializers(model.graph)).toBe(1);
    expect(thenG.initializers.map((v) => v.name)).toEqual(['then_bias']);
    expect(model.graph.lookup('then_bias')).toBeUndefined();
    expect(thenG.nodes.map((n) => n.opType)).toEqual(['MatMul', 'Add']);
    expect(invariantViolations(model)).toEqual([]);
    expectFeedsBitExact(await outputs(model, IF_BRANCHES, 1), before, 'then branch');
  });

  it('converts string Constants and leaves sparse and foreign-domain ones', () => {
    const model = createModel(17);
    const g = model.graph;
    const use = (v: ReturnType<Graph['addInput']>) => g.addNode({ opType: 'Identity', inputs: [v] });
    const str = g.addNode({ opType: 'Constant', name: 's', outputs: ['s_out'], attributes: [stringAttr('value_string', 'héllo')] });
    const strs: Attribute = { name: 'value_strings', value: { type: 'strings', value: [new TextEncoder().encode('a'), new TextEncoder().encode('bc')] } };
    const strsNode = g.addNode({ opType: 'Constant', name: 'ss', outputs: ['ss_out'], attributes: [strs] });
    const sparse: Attribute = { name: 'sparse_value', value: { type: 'opaque', protoType: 11, value: {} } };
    const sparseNode = g.addNode({ opType: 'Constant', name: 'sp', outputs: ['sp_out'], attributes: [sparse] });
    const foreign = g.addNode({ opType: 'Constant', domain: 'com.example', name: 'f', outputs: ['f_out'], attributes: [tensorAttr('value', Tensor.fromArray('f', 'float32', [1], Float32Array.of(1)))] });
    for (const n of [str, strsNode, sparseNode, foreign]) use(n.output());
    expect(constantsToInitializers(g)).toBe(2);
    expect(g.lookup('s_out')!.initializer!.strings().map((b) => new TextDecoder().decode(b))).toEqual(['héllo']);
    expect(g.lookup('s_out')!.initializer!.dims).toEqual([]);
    expect(g.lookup('ss_out')!.initializer!.dims).toEqual([2]);
    expect(g.nodes.filter((n) => n.opType === 'Constant').map((n) => n.name)).toEqual(['sp', 'f']);
    expect(invariantViolations(model)).toEqual([]);
  });

  it('gives the initializer the docString of the Constant output and keeps a value used twice wired', () => {
    const model = createModel(17);
    const g = model.graph;
    const x = g.addInput('x', tensorType('float32', [1]));
    const c = g.addNode({ opType: 'Constant', name: 'c', outputs: ['k'], attributes: [tensorAttr('value', Tensor.fromArray('', 'float32', [1], Float32Array.of(2)))] });
    c.output().docString = 'the constant';
    const mul = g.addNode({ opType: 'Mul', inputs: [c.output(), c.output()] });
    const add = g.addNode({ opType: 'Add', inputs: [x, c.output()] });
    constantsToInitializers(g);
    const k = g.lookup('k')!;
    expect(k.initializer!.name).toBe('k');
    expect(k.docString).toBe('the constant');
    expectSameList(mul.inputs, [k, k]);
    expectSame(add.input(1), k);
    expect(k.uses).toHaveLength(3);
    expect(invariantViolations(model)).toEqual([]);
  });
});
