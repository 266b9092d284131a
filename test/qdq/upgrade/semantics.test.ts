import { describe, expect, it } from 'vitest';
import { floatAttr, Graph, intAttr, stringAttr, Tensor, tensorType } from '../../../src/ir/index.js';
import { upgradeOpset } from '../../../src/qdq/upgrade/index.js';
import { bytesOf, feed, floatInput, nodeOf, oldModel, upgradeAndCompare } from './helpers.js';

function batchNorm(opset: number, attrs: ReturnType<typeof intAttr>[], extraOutputs = 0) {
  const m = oldModel(opset);
  const x = m.input('x', [2, 3, 4, 4]);
  const param = (name: string, values: number[]) => m.graph.addInitializer(Tensor.fromArray(name, 'float32', [3], Float32Array.from(values)));
  const inputs = [x, param('scale', [1.5, 0.5, -1]), param('bias', [0.1, 0, -0.2]), param('mean', [0.2, -0.1, 0]), param('var', [1.2, 0.4, 2])];
  const outputs = ['y', ...Array.from({ length: extraOutputs }, (_, i) => `bn_extra_${i}`)];
  const bn = m.graph.addNode({ opType: 'BatchNormalization', name: 'bn', inputs, outputs, attributes: [floatAttr('epsilon', 1e-3), ...attrs] });
  m.output(bn.output(0), 'float32', [2, 3, 4, 4]);
  return { m, bn };
}

describe('opset upgrade: ops whose meaning or outputs changed', () => {
  it('BatchNormalization-7 with spatial=1 → 13: the attribute is removed, same values', async () => {
    const { m } = batchNorm(7, [intAttr('spatial', 1)]);
    const report = await upgradeAndCompare(m.model, { x: feed([2, 3, 4, 4], 31) }, 13, 1e-6);
    const bn = nodeOf(m.model, 'BatchNormalization');
    expect([...bn.attributes.keys()]).toEqual(['epsilon']);
    expect(report.changes).toEqual([{ opType: 'BatchNormalization', count: 1, what: 'spatial removed' }]);
  });

  it('BatchNormalization with spatial=0 blocks the upgrade, naming the node', () => {
    const { m } = batchNorm(7, [intAttr('spatial', 0)]);
    const before = bytesOf(m.model);
    const report = upgradeOpset(m.model, { target: 13 });
    expect(report.blocked).toEqual([{ node: 'bn', opType: 'BatchNormalization', reason: expect.stringContaining('spatial=0') }]);
    expect(bytesOf(m.model)).toEqual(before);
  });

  it('BatchNormalization-9 → 21 (inference form) moves; momentum is kept', async () => {
    const { m, bn } = batchNorm(9, [floatAttr('momentum', 0.8) as never]);
    await upgradeAndCompare(m.model, { x: feed([2, 3, 4, 4], 32) }, 21, 1e-6);
    expect(bn.attrFloat('momentum')).toBeCloseTo(0.8);
  });

  it('BatchNormalization-9 with training outputs (batch statistics, even unused) blocks at 14', () => {
    const { m } = batchNorm(9, [], 4);
    const report = upgradeOpset(m.model, { target: 14 });
    expect(report.blocked?.[0]).toEqual({ node: 'bn', opType: 'BatchNormalization', reason: expect.stringContaining('5 outputs') });
    expect(m.model.opset).toBe(9);
    expect(upgradeOpset(m.model, { target: 13 }).upgraded).toBe(true);
  });

  it('Dropout-7 → 13: ratio becomes an input, an unused mask is retyped bool', async () => {
    const m = oldModel(7);
    const x = m.input('x', [2, 5]);
    const d = m.graph.addNode({ opType: 'Dropout', name: 'drop', inputs: [x], outputs: ['drop_y', 'mask'], attributes: [floatAttr('ratio', 0.25)] });
    d.output(1).type = tensorType('float32', [2, 5]);
    const relu = m.graph.addNode({ opType: 'Relu', inputs: [d.output(0)], outputs: ['y'] });
    m.output(relu.output(0));
    const report = await upgradeAndCompare(m.model, { x: feed([2, 5], 33) }, 13);
    expect(floatInput(d, 1)).toEqual([0.25]);
    expect(d.attributes.size).toBe(0);
    expect(d.output(1).elemType).toBe('bool');
    expect(report.changes).toEqual([{ opType: 'Dropout', count: 1, what: 'ratio → input' }]);
  });

  it('Dropout-7 whose mask is read blocks (its values change between versions)', () => {
    const m = oldModel(7);
    const d = m.graph.addNode({ opType: 'Dropout', name: 'drop', inputs: [m.input('x', [2])], outputs: ['y', 'mask'] });
    m.output(d.output(0));
    m.output(d.output(1));
    expect(upgradeOpset(m.model, { target: 13 }).blocked).toEqual([{ node: 'drop', opType: 'Dropout', reason: expect.stringContaining("'mask' is used") }]);
  });

  for (const [op, axis, dims] of [['Softmax', 1, [2, 3, 4]], ['LogSoftmax', undefined, [2, 3, 2, 2]], ['Hardmax', 0, [3, 4]], ['Softmax', -2, [2, 3, 4]]] as const) {
    it(`${op}-11 (axis ${String(axis ?? 'default 1')}, rank ${dims.length}) → 13: Flatten → ${op} → Reshape keeps the 2-D meaning`, async () => {
      const m = oldModel(11);
      const x = m.input('x', dims);
      const node = m.graph.addNode({ opType: op, name: 'sm', inputs: [x], outputs: ['probs'], attributes: axis === undefined ? [] : [intAttr('axis', axis)] });
      m.output(node.output(0), 'float32', dims);
      const report = await upgradeAndCompare(m.model, { x: feed(dims, 34) }, 13, 1e-6);
      expect(m.model.graph.nodes.map((n) => n.opType)).toEqual(['Shape', 'Flatten', op, 'Reshape']);
      expect(node.attrInt('axis')).toBe(1);
      expect(m.model.graph.outputs[0]!.name).toBe('probs');
      expect(m.model.graph.outputs[0]!.producer?.opType).toBe('Reshape');
      expect(report.changes[0]!.what).toContain('Flatten');
    });
  }

  it('Softmax-11 over the last axis stays one node with axis -1', async () => {
    const m = oldModel(11);
    const x = m.input('x', [2, 3, 4]);
    const node = m.graph.addNode({ opType: 'Softmax', name: 'sm', inputs: [x], outputs: ['probs'], attributes: [intAttr('axis', 2)] });
    m.output(node.output(0), 'float32', [2, 3, 4]);
    const report = await upgradeAndCompare(m.model, { x: feed([2, 3, 4], 35) }, 13, 1e-6);
    expect(m.model.graph.nodes).toHaveLength(1);
    expect(node.attrInt('axis')).toBe(-1);
    expect(report.changes).toEqual([]);
    expect(report.versionBumps).toBe(1);
  });

  it('Scatter-9 → ScatterElements-11', async () => {
    const m = oldModel(9);
    const data = m.input('data', [3, 3]);
    const idx = m.graph.addInitializer(Tensor.fromArray('idx', 'int64', [2, 3], BigInt64Array.of(1n, 0n, 2n, 0n, 2n, 1n)));
    const upd = m.graph.addInitializer(Tensor.fromArray('upd', 'float32', [2, 3], Float32Array.of(1, 2, 3, 4, 5, 6)));
    const s = m.graph.addNode({ opType: 'Scatter', name: 'scatter', inputs: [data, idx, upd], outputs: ['y'], attributes: [intAttr('axis', 0)] });
    m.output(s.output(0));
    await upgradeAndCompare(m.model, { data: feed([3, 3], 36) }, 13);
    expect(s.opType).toBe('ScatterElements');
    expect(s.attrInt('axis')).toBe(0);
  });

  it('ops whose signature did not change get a version bump only (opset 7 → 13)', async () => {
    const m = oldModel(7);
    const g = m.graph;
    const x = m.input('x', [1, 2, 6, 6]);
    const w = g.addInitializer(Tensor.fromArray('w', 'float32', [100, 4], Float32Array.from({ length: 400 }, (_, i) => Math.sin(i))));
    const avg = g.addNode({ opType: 'AveragePool', inputs: [x], outputs: ['avg'], attributes: [{ name: 'kernel_shape', value: { type: 'ints', value: [2n, 2n] } }, intAttr('count_include_pad', 0)] });
    const max = g.addNode({ opType: 'MaxPool', inputs: [x], outputs: ['max'], attributes: [{ name: 'kernel_shape', value: { type: 'ints', value: [2n, 2n] } }] });
    const mx = g.addNode({ opType: 'Max', inputs: [avg.output(0), max.output(0)], outputs: ['mx'] });
    const mn = g.addNode({ opType: 'Min', inputs: [avg.output(0), max.output(0)], outputs: ['mn'] });
    const sum = g.addNode({ opType: 'Sum', inputs: [mx.output(0), mn.output(0)], outputs: ['sum'] });
    const mean = g.addNode({ opType: 'Mean', inputs: [sum.output(0), mx.output(0)], outputs: ['mean'] });
    const cat = g.addNode({ opType: 'Concat', inputs: [mean.output(0), sum.output(0)], outputs: ['cat'], attributes: [intAttr('axis', 1)] });
    const flat = g.addNode({ opType: 'Flatten', inputs: [cat.output(0)], outputs: ['flat'], attributes: [intAttr('axis', 1)] });
    const c = g.addInitializer(Tensor.fromArray('c', 'float32', [4], Float32Array.of(0.5, -1, 2, 0)));
    const gemm = g.addNode({ opType: 'Gemm', inputs: [flat.output(0), w, c], outputs: ['gemm'], attributes: [floatAttr('alpha', 0.5)] });
    const cast = g.addNode({ opType: 'Cast', inputs: [gemm.output(0)], outputs: ['y'], attributes: [intAttr('to', 11)] });
    m.output(cast.output(0), 'float64');
    const report = await upgradeAndCompare(m.model, { x: feed([1, 2, 6, 6], 37) }, 13);
    expect(report.changes).toEqual([]);
    expect(report.versionBumps).toBe(10);
    expect(m.model.irVersion).toBe(7);
  });

  it('upgrades the bodies of If branches', async () => {
    const m = oldModel(9);
    const x = m.input('x', [4]);
    const cond = m.input('cond', [], 'bool');
    const branch = (name: string, lo: number, hi: number) => {
      const sub = new Graph(name, m.graph);
      const clip = sub.addNode({ opType: 'Clip', name: `${name}_clip`, inputs: [x], outputs: [`${name}_out`], attributes: [floatAttr('min', lo), floatAttr('max', hi)] });
      clip.output(0).type = tensorType('float32', [4]);
      sub.addOutput(clip.output(0));
      return { sub, clip };
    };
    const then = branch('then', 0, 0.5);
    const other = branch('else', -0.5, 0);
    const iff = m.graph.addNode({
      opType: 'If', name: 'if', inputs: [cond], outputs: ['y'],
      attributes: [{ name: 'then_branch', value: { type: 'graph', value: then.sub } }, { name: 'else_branch', value: { type: 'graph', value: other.sub } }],
    });
    m.output(iff.output(0), 'float32', [4]);
    const xs = feed([4], 38);
    const report = await upgradeAndCompare(m.model, { x: xs, cond: { type: 'bool', dims: [], data: Uint8Array.of(1) } }, 13);
    expect(floatInput(then.clip, 2)).toEqual([0.5]);
    expect(floatInput(other.clip, 1)).toEqual([-0.5]);
    expect(then.clip.attributes.size).toBe(0);
    expect(report.changes).toEqual([{ opType: 'Clip', count: 2, what: 'min/max → inputs' }]);
  });
});

describe('opset upgrade: later-opset adapters', () => {
  it('RoiAlign-10 → 16 keeps its output_half_pixel coordinates', async () => {
    const m = oldModel(11);
    const x = m.input('x', [1, 2, 6, 6]);
    const rois = m.graph.addInitializer(Tensor.fromArray('rois', 'float32', [2, 4], Float32Array.of(0.5, 0.5, 3.7, 4.2, 1, 0, 5.5, 5.5)));
    const idx = m.graph.addInitializer(Tensor.fromArray('idx', 'int64', [2], BigInt64Array.of(0n, 0n)));
    const roi = m.graph.addNode({ opType: 'RoiAlign', name: 'roi', inputs: [x, rois, idx], outputs: ['y'], attributes: [intAttr('output_height', 2), intAttr('output_width', 3), intAttr('sampling_ratio', 2)] });
    m.output(roi.output(0));
    const report = await upgradeAndCompare(m.model, { x: feed([1, 2, 6, 6], 41) }, 21, 1e-6);
    expect(roi.attrString('coordinate_transformation_mode')).toBe('output_half_pixel');
    expect(report.changes[0]!.opType).toBe('RoiAlign');
  });

  it('GridSample-16 → 20 renames bilinear to linear, same values', async () => {
    const m = oldModel(16);
    const x = m.input('x', [1, 1, 4, 4]);
    const grid = m.graph.addInitializer(Tensor.fromArray('grid', 'float32', [1, 2, 2, 2], Float32Array.of(-0.9, -0.5, 0.3, 0.1, 0.7, -0.2, 0, 0.95)));
    const gs = m.graph.addNode({ opType: 'GridSample', name: 'gs', inputs: [x, grid], outputs: ['y'], attributes: [stringAttr('mode', 'bilinear'), intAttr('align_corners', 0)] });
    m.output(gs.output(0));
    await upgradeAndCompare(m.model, { x: feed([1, 1, 4, 4], 42) }, 21, 1e-6);
    expect(gs.attrString('mode')).toBe('linear');
  });

  it('GroupNormalization-18 (per-group scale) is reported at 21, and 18 → 20 is fine', () => {
    const build = () => {
      const m = oldModel(18);
      const x = m.input('x', [1, 4, 2, 2]);
      const s = m.graph.addInitializer(Tensor.fromArray('s', 'float32', [2], Float32Array.of(1, 2)));
      const b = m.graph.addInitializer(Tensor.fromArray('b', 'float32', [2], Float32Array.of(0, 1)));
      m.output(m.graph.addNode({ opType: 'GroupNormalization', name: 'gn', inputs: [x, s, b], outputs: ['y'], attributes: [intAttr('num_groups', 2)] }).output(0));
      return m.model;
    };
    expect(upgradeOpset(build(), { target: 21 }).blocked).toEqual([{ node: 'gn', opType: 'GroupNormalization', reason: expect.stringContaining('per-channel') }]);
    expect(upgradeOpset(build(), { target: 20 }).upgraded).toBe(true);
  });
});

describe('opset upgrade: Loop bodies', () => {
  it('Unsqueeze/ReduceSum axes inside a Loop body become inputs; the loop computes the same', async () => {
    const m = oldModel(11);
    const v0 = m.input('v', [3]);
    const trip = m.graph.addInitializer(Tensor.fromArray('trip', 'int64', [], BigInt64Array.of(3n)));
    const cond = m.graph.addInitializer(Tensor.fromArray('cond', 'bool', [], Uint8Array.of(1)));
    const body = new Graph('body', m.graph);
    body.addInput('i', tensorType('int64', []));
    const condIn = body.addInput('cond_in', tensorType('bool', []));
    const vIn = body.addInput('v_in', tensorType('float32', [3]));
    const un = body.addNode({ opType: 'Unsqueeze', name: 'body_unsqueeze', inputs: [vIn], outputs: ['u'], attributes: [{ name: 'axes', value: { type: 'ints', value: [0n] } }] });
    const sum = body.addNode({ opType: 'ReduceSum', name: 'body_sum', inputs: [un.output(0)], outputs: ['s'], attributes: [{ name: 'axes', value: { type: 'ints', value: [0n] } }, intAttr('keepdims', 0)] });
    const add = body.addNode({ opType: 'Add', inputs: [sum.output(0), vIn], outputs: ['v_out'] });
    const condOut = body.addNode({ opType: 'Identity', inputs: [condIn], outputs: ['cond_out'] });
    condOut.output(0).type = tensorType('bool', []);
    add.output(0).type = tensorType('float32', [3]);
    body.addOutput(condOut.output(0));
    body.addOutput(add.output(0));
    const loop = m.graph.addNode({ opType: 'Loop', name: 'loop', inputs: [trip, cond, v0], outputs: ['v_final'], attributes: [{ name: 'body', value: { type: 'graph', value: body } }] });
    m.output(loop.output(0), 'float32', [3]);
    const report = await upgradeAndCompare(m.model, { v: feed([3], 43) }, 13);
    expect(un.attributes.has('axes')).toBe(false);
    expect(un.inputs[1]!.initializer!.toArray()).toEqual(BigInt64Array.of(0n));
    expect(un.inputs[1]!.graph).toBe(body);
    expect(sum.inputs[1]!.initializer!.toArray()).toEqual(BigInt64Array.of(0n));
    expect(report.changes.map((c) => c.opType)).toEqual(['ReduceSum', 'Unsqueeze']);
  });
});
