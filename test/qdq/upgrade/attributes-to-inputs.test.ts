import { describe, expect, it } from 'vitest';
import { floatAttr, intAttr, intsAttr, stringAttr } from '../../../src/ir/index.js';
import { upgradeOpset } from '../../../src/qdq/upgrade/index.js';
import { feed, floatInput, int64Input, oldModel, run, upgradeAndCompare } from './helpers.js';

const INT64_MAX = 9223372036854775807n;

describe('opset upgrade: attributes that became inputs', () => {
  it('Clip-6 → 11: min/max attributes become inputs (both, min only, max only)', async () => {
    const m = oldModel(9);
    const x = m.input('x', [2, 8]);
    const both = m.graph.addNode({ opType: 'Clip', name: 'both', inputs: [x], outputs: ['y_both'], attributes: [floatAttr('min', -0.5), floatAttr('max', 0.75)] });
    const low = m.graph.addNode({ opType: 'Clip', name: 'low', inputs: [x], outputs: ['y_low'], attributes: [floatAttr('min', 0.25)] });
    const high = m.graph.addNode({ opType: 'Clip', name: 'high', inputs: [x], outputs: ['y_high'], attributes: [floatAttr('max', -0.25)] });
    for (const n of [both, low, high]) m.output(n.output(0), 'float32', [2, 8]);
    const report = await upgradeAndCompare(m.model, { x: feed([2, 8], 3) }, 13);
    expect(both.attributes.size).toBe(0);
    expect(floatInput(both, 1)).toEqual([-0.5]);
    expect(floatInput(both, 2)).toEqual([0.75]);
    expect(floatInput(low, 1)).toEqual([0.25]);
    expect(low.inputs.length).toBe(2);
    expect(high.inputs[1]).toBeUndefined();
    expect(floatInput(high, 2)).toEqual([-0.25]);
    expect(report.changes).toEqual([{ opType: 'Clip', count: 3, what: 'min/max → inputs' }]);
    expect(m.model.irVersion).toBeGreaterThanOrEqual(7);
  });

  it('Slice-1 → 10: starts/ends/axes become int64 inputs, INT64_MAX ends kept exactly', async () => {
    const m = oldModel(9);
    const x = m.input('x', [3, 5, 4]);
    const s = m.graph.addNode({
      opType: 'Slice', name: 'slice', inputs: [x], outputs: ['y'],
      attributes: [intsAttr('starts', [1, -3]), intsAttr('ends', [INT64_MAX, -1]), intsAttr('axes', [0, 1])],
    });
    const noAxes = m.graph.addNode({ opType: 'Slice', name: 'slice2', inputs: [x], outputs: ['z'], attributes: [intsAttr('starts', [0, 1]), intsAttr('ends', [2, 100])] });
    m.output(s.output(0));
    m.output(noAxes.output(0));
    await upgradeAndCompare(m.model, { x: feed([3, 5, 4], 5) }, 13);
    expect(s.attributes.size).toBe(0);
    expect(s.inputs[2]!.initializer!.toArray()[0]).toBe(INT64_MAX);
    expect(int64Input(s, 1)).toEqual([1, -3]);
    expect(int64Input(s, 3)).toEqual([0, 1]);
    expect(noAxes.inputs.length).toBe(3);
  });

  it('Pad-2 → 11: pads/value become inputs in constant mode; reflect and edge keep their mode', async () => {
    const m = oldModel(9);
    const x = m.input('x', [1, 2, 3, 4]);
    const pads = [0, 0, 1, 2, 0, 0, 2, 1];
    const constant = m.graph.addNode({ opType: 'Pad', name: 'pad_c', inputs: [x], outputs: ['c'], attributes: [intsAttr('pads', pads), floatAttr('value', 1.5)] });
    const zero = m.graph.addNode({ opType: 'Pad', name: 'pad_0', inputs: [x], outputs: ['z'], attributes: [intsAttr('pads', pads)] });
    const reflect = m.graph.addNode({ opType: 'Pad', name: 'pad_r', inputs: [x], outputs: ['r'], attributes: [intsAttr('pads', [0, 0, 1, 1, 0, 0, 1, 1]), stringAttr('mode', 'reflect')] });
    const edge = m.graph.addNode({ opType: 'Pad', name: 'pad_e', inputs: [x], outputs: ['e'], attributes: [intsAttr('pads', pads), stringAttr('mode', 'edge')] });
    for (const n of [constant, zero, reflect, edge]) m.output(n.output(0));
    await upgradeAndCompare(m.model, { x: feed([1, 2, 3, 4], 7) }, 13);
    expect(int64Input(constant, 1)).toEqual(pads);
    expect(floatInput(constant, 2)).toEqual([1.5]);
    expect(zero.inputs.length).toBe(2);
    expect(reflect.attrString('mode')).toBe('reflect');
    expect(reflect.inputs.length).toBe(2);
    expect(edge.attributes.has('pads')).toBe(false);
  });

  it('TopK-1 → 10: k becomes a 1-element input; values and indices unchanged', async () => {
    const m = oldModel(9);
    const x = m.input('x', [3, 6]);
    const t = m.graph.addNode({ opType: 'TopK', name: 'topk', inputs: [x], outputs: ['values', 'indices'], attributes: [intAttr('k', 2), intAttr('axis', 1)] });
    m.output(t.output(0));
    m.output(t.output(1), 'int64');
    await upgradeAndCompare(m.model, { x: feed([3, 6], 9) }, 13);
    expect(t.attributes.has('k')).toBe(false);
    expect(int64Input(t, 1)).toEqual([2]);
  });

  it('Squeeze/Unsqueeze/ReduceSum 11 → 13 and ReduceMean 13 → 18: axes become inputs', async () => {
    const m = oldModel(11);
    const x = m.input('x', [2, 1, 3]);
    const sq = m.graph.addNode({ opType: 'Squeeze', name: 'sq', inputs: [x], outputs: ['sq_out'], attributes: [intsAttr('axes', [1])] });
    const un = m.graph.addNode({ opType: 'Unsqueeze', name: 'un', inputs: [sq.output(0)], outputs: ['un_out'], attributes: [intsAttr('axes', [0, -1])] });
    const sum = m.graph.addNode({ opType: 'ReduceSum', name: 'sum', inputs: [un.output(0)], outputs: ['sum_out'], attributes: [intsAttr('axes', [1]), intAttr('keepdims', 0)] });
    const all = m.graph.addNode({ opType: 'ReduceSum', name: 'sum_all', inputs: [x], outputs: ['all_out'] });
    const mean = m.graph.addNode({ opType: 'ReduceMean', name: 'mean', inputs: [x], outputs: ['mean_out'], attributes: [intsAttr('axes', [-1])] });
    for (const n of [sum, all, mean]) m.output(n.output(0));
    const report = await upgradeAndCompare(m.model, { x: feed([2, 1, 3], 11) }, 21);
    expect(int64Input(sq, 1)).toEqual([1]);
    expect(int64Input(un, 1)).toEqual([0, -1]);
    expect(int64Input(sum, 1)).toEqual([1]);
    expect(all.inputs.length).toBe(1);
    expect(int64Input(mean, 1)).toEqual([-1]);
    expect(mean.attributes.has('axes')).toBe(false);
    expect(report.changes.map((c) => `${c.opType} ×${c.count}`)).toEqual(['ReduceMean ×1', 'ReduceSum ×1', 'Squeeze ×1', 'Unsqueeze ×1']);
  });

  it('Split 11 → 13 (split → input) and → 18 (num_outputs when there are no sizes)', async () => {
    const m = oldModel(11);
    const x = m.input('x', [2, 6]);
    const sized = m.graph.addNode({ opType: 'Split', name: 'sized', inputs: [x], outputs: ['a', 'b'], attributes: [intAttr('axis', 1), intsAttr('split', [2, 4])] });
    const equal = m.graph.addNode({ opType: 'Split', name: 'equal', inputs: [x], outputs: ['c', 'd', 'e'], attributes: [intAttr('axis', 1)] });
    for (const n of [sized, equal]) for (const o of n.outputs) m.output(o!);
    await upgradeAndCompare(m.model, { x: feed([2, 6], 13) }, 21);
    expect(int64Input(sized, 1)).toEqual([2, 4]);
    expect(sized.attributes.has('num_outputs')).toBe(false);
    expect(equal.attrInt('num_outputs')).toBe(3);
  });
});

describe('opset upgrade: constants of the data type', () => {
  it('Clip-6 on float16 data: min/max inputs are float16 scalars (bits of the rounded values)', async () => {
    const m = oldModel(9);
    const x = m.input('x', [4], 'float16');
    const clip = m.graph.addNode({ opType: 'Clip', name: 'clip16', inputs: [x], outputs: ['y'], attributes: [floatAttr('min', -1.5), floatAttr('max', 6)] });
    m.output(clip.output(0), 'float16', [4]);
    expect(upgradeOpset(m.model, { target: 13 }).upgraded).toBe(true);
    expect(clip.inputs[1]!.initializer!.type).toBe('float16');
    // float16 bit patterns: -1.5 = 0xBE00, 6 = 0x4600.
    expect(Array.from(clip.inputs[1]!.initializer!.toArray() as Uint16Array)).toEqual([0xbe00]);
    expect(Array.from(clip.inputs[2]!.initializer!.toArray() as Uint16Array)).toEqual([0x4600]);
    const out = await run(m.model, { x: { type: 'float16', dims: [4], data: Uint16Array.of(0xc000, 0x3c00, 0x4800, 0x0000) } });
    // -2 → -1.5, 1 → 1, 8 → 6, 0 → 0
    expect(Array.from(out['y']!.data as Uint16Array)).toEqual([0xbe00, 0x3c00, 0x4600, 0x0000]);
  });

  it('Pad-2 with a non-zero value on data of unknown type is reported, naming the node', () => {
    const m = oldModel(9);
    const x = m.graph.addInput('x');
    const pad = m.graph.addNode({ opType: 'Pad', name: 'pad_unknown', inputs: [x], outputs: ['y'], attributes: [intsAttr('pads', [1, 1]), floatAttr('value', 3)] });
    m.graph.addOutput(pad.output(0));
    const report = upgradeOpset(m.model, { target: 13 });
    expect(report.blocked).toEqual([{ node: 'pad_unknown', opType: 'Pad', reason: expect.stringContaining("element type of 'x' is unknown") }]);
  });
});
