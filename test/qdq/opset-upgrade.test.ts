import { describe, expect, it } from 'vitest';
import { cloneModel, createModel, intAttr, intsAttr, tensorType } from '../../src/ir/index.js';
import { loadModel } from '../../src/onnx/index.js';
import { canUpgradeOpset, upgradeOpset } from '../../src/qdq/opset-upgrade.js';
import { ModelSession } from '../../src/runtime/index.js';

function randomInput(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 4 - 2);
}

describe('opset upgrade to 21', () => {
  for (const name of ['fashion-resnet', 'fashion-vit']) {
    it(`${name}: upgraded float model gives bit-identical outputs`, async () => {
      const model = await loadModel(`/work/shared/models/${name}.onnx`);
      const upgraded = cloneModel(model);
      expect(upgradeOpset(upgraded)).toBe(true);
      expect(upgraded.opset).toBe(21);
      expect(upgraded.irVersion).toBeGreaterThanOrEqual(10);
      expect(model.opset).toBe(17);
      const reduce = [...upgraded.graph.allNodes()].filter((n) => n.opType === 'ReduceMean');
      for (const n of reduce) {
        expect(n.attributes.has('axes')).toBe(false);
        expect(n.inputs[1]?.initializer?.type).toBe('int64');
      }
      const input = { input: { type: 'float32' as const, dims: [4, 1, 28, 28], data: randomInput(4 * 784, 7) } };
      const [a, b] = [await ModelSession.create(model), await ModelSession.create(upgraded)];
      const [ya, yb] = [(await a.run(input))['logits']!.data, (await b.run(input))['logits']!.data];
      expect(Array.from(yb as Float32Array)).toEqual(Array.from(ya as Float32Array));
    });
  }

  it('Split without split sizes gets num_outputs', async () => {
    const m = createModel(17);
    const g = m.graph;
    const x = g.addInput('x', tensorType('float32', [2, 6]));
    const split = g.addNode({ opType: 'Split', inputs: [x], outputs: ['a', 'b', 'c'], attributes: [intAttr('axis', 1)] });
    for (const o of split.outputs) g.addOutput(o!);
    for (const o of split.outputs) o!.type = tensorType('float32', [2, 2]);
    expect(upgradeOpset(m)).toBe(true);
    expect(split.attrInt('num_outputs')).toBe(3);
    const s = await ModelSession.create(m);
    const out = await s.run({ x: { type: 'float32', dims: [2, 6], data: Float32Array.from({ length: 12 }, (_, i) => i) } });
    expect(Array.from(out["c"]!.data as Float32Array)).toEqual([4, 5, 10, 11]);
  });

  it('refuses below opset 13 and with ops whose meaning changed', () => {
    const old = createModel(11);
    expect(canUpgradeOpset(old).possible).toBe(false);
    const m = createModel(15);
    const x = m.graph.addInput('x', tensorType('float32', [1, 1, 4, 4]));
    const rois = m.graph.addInput('rois', tensorType('float32', [1, 4]));
    const idx = m.graph.addInput('idx', tensorType('int64', [1]));
    const n = m.graph.addNode({ opType: 'RoiAlign', inputs: [x, rois, idx], outputs: ['y'], attributes: [intsAttr('unused', [])] });
    m.graph.addOutput(n.output(0));
    const check = canUpgradeOpset(m);
    expect(check.possible).toBe(false);
    expect(check.reason).toContain('RoiAlign');
    expect(upgradeOpset(m)).toBe(false);
    expect(m.opset).toBe(15);
  });
});
