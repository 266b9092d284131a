import { describe, expect, it } from 'vitest';
import { Tensor, stringAttr } from '../../../src/ir/index.js';
import { upgradeOpset } from '../../../src/qdq/upgrade/index.js';
import { floatsAttr } from '../../fixtures/models.js';
import { bytesOf, feed, floatInput, nodeOf, oldModel, upgradeAndCompare } from './helpers.js';

describe('opset upgrade: Upsample and Resize', () => {
  for (const mode of ['nearest', 'linear'] as const) {
    it(`Upsample-7 (${mode}, scales attribute) → Resize-13 with asymmetric coordinates`, async () => {
      const m = oldModel(7);
      const x = m.input('x', [1, 2, 3, 5]);
      const up = m.graph.addNode({ opType: 'Upsample', name: 'up', inputs: [x], outputs: ['y'], attributes: [stringAttr('mode', mode), floatsAttr('scales', [1, 1, 2, 1.5])] });
      m.output(up.output(0));
      const report = await upgradeAndCompare(m.model, { x: feed([1, 2, 3, 5], 21) }, 13);
      const resize = nodeOf(m.model, 'Resize');
      expect(resize.name).toBe('up');
      expect(resize.attrString('coordinate_transformation_mode')).toBe('asymmetric');
      expect(resize.attrString('nearest_mode')).toBe(mode === 'nearest' ? 'floor' : undefined);
      expect(floatInput(resize, 1)).toEqual([]);
      expect(floatInput(resize, 2)).toEqual([1, 1, 2, 1.5]);
      expect(report.changes[0]!.opType).toBe('Upsample');
      expect(report.changes[0]!.what).toContain('→ Resize');
    });
  }

  it('Upsample-9 with run-time scales becomes a nearest-floor Resize', async () => {
    const m = oldModel(9);
    const x = m.input('x', [1, 1, 2, 3]);
    const scales = m.input('scales', [4]);
    const up = m.graph.addNode({ opType: 'Upsample', name: 'up', inputs: [x, scales], outputs: ['y'] });
    m.output(up.output(0));
    const s = { type: 'float32' as const, dims: [4], data: Float32Array.of(1, 1, 2.5, 1.5) };
    await upgradeAndCompare(m.model, { x: feed([1, 1, 2, 3], 22), scales: s }, 13);
    expect(up.opType).toBe('Resize');
    expect(up.attrString('nearest_mode')).toBe('floor');
    expect(up.inputs[2]).toBe(scales);
  });

  it('Resize-10 nearest downsampling rounds up (ceil), as onnxruntime ran it', async () => {
    const m = oldModel(10);
    const x = m.input('x', [1, 1, 9, 11]);
    const scales = m.graph.addInitializer(Tensor.fromArray('scales', 'float32', [4], Float32Array.of(1, 1, 0.35, 0.8)));
    const r = m.graph.addNode({ opType: 'Resize', name: 'down', inputs: [x, scales], outputs: ['y'], attributes: [stringAttr('mode', 'nearest')] });
    m.output(r.output(0));
    await upgradeAndCompare(m.model, { x: feed([1, 1, 9, 11], 23) }, 13);
    expect(r.attrString('nearest_mode')).toBe('ceil');
  });

  it('Resize-10 linear keeps its values at 13', async () => {
    const m = oldModel(10);
    const x = m.input('x', [1, 1, 4, 6]);
    const scales = m.graph.addInitializer(Tensor.fromArray('scales', 'float32', [4], Float32Array.of(1, 1, 0.7, 1.3)));
    const r = m.graph.addNode({ opType: 'Resize', name: 'lin', inputs: [x, scales], outputs: ['y'], attributes: [stringAttr('mode', 'linear')] });
    m.output(r.output(0));
    await upgradeAndCompare(m.model, { x: feed([1, 1, 4, 6], 24) }, 13);
    expect(r.attrString('coordinate_transformation_mode')).toBe('asymmetric');
  });

  it('a nearest Resize-10 that both up- and down-samples is reported by name and nothing changes', () => {
    const m = oldModel(10);
    const x = m.input('x', [1, 1, 4, 6]);
    const scales = m.graph.addInitializer(Tensor.fromArray('scales', 'float32', [4], Float32Array.of(1, 1, 0.7, 1.3)));
    m.output(m.graph.addNode({ opType: 'Resize', name: 'mixed_resize', inputs: [x, scales], outputs: ['y'] }).output(0));
    const before = bytesOf(m.model);
    const report = upgradeOpset(m.model, { target: 13 });
    expect(report.upgraded).toBe(false);
    expect(report.to).toBe(10);
    expect(report.blocked).toHaveLength(1);
    expect(report.blocked![0]!.node).toBe('mixed_resize');
    expect(report.blocked![0]!.reason).toContain('0.7');
    expect(bytesOf(m.model)).toEqual(before);
  });

  it('Resize-11 with tf_half_pixel_for_nn (gone at 13) is reported', () => {
    const m = oldModel(11);
    const x = m.input('x', [1, 1, 4, 6]);
    const roi = m.graph.addInitializer(Tensor.fromArray('roi', 'float32', [0], new Float32Array(0)));
    const scales = m.graph.addInitializer(Tensor.fromArray('scales', 'float32', [4], Float32Array.of(1, 1, 2, 2)));
    m.output(m.graph.addNode({ opType: 'Resize', name: 'tf_resize', inputs: [x, roi, scales], outputs: ['y'], attributes: [stringAttr('coordinate_transformation_mode', 'tf_half_pixel_for_nn')] }).output(0));
    const report = upgradeOpset(m.model, { target: 13 });
    expect(report.blocked?.map((b) => b.node)).toEqual(['tf_resize']);
    expect(m.model.opset).toBe(11);
  });
});
