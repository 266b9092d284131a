import { describe, expect, it } from 'vitest';
import { floatAttr, intAttr, Tensor } from '../../../src/ir/index.js';
import { mapUsesSixteenBit, upgradeForQuantization } from '../../../src/qdq/upgrade/index.js';
import { oldModel } from './helpers.js';

describe('upgradeForQuantization: the opset quantization asks for, and what is said when it cannot be reached', () => {
  it('8-bit: 13; 16-bit: 21; never lowers', () => {
    const at = (opset: number) => {
      const m = oldModel(opset);
      m.output(m.graph.addNode({ opType: 'Relu', inputs: [m.input('x', [2])], outputs: ['y'] }).output(0));
      return m.model;
    };
    expect(upgradeForQuantization(at(9), { sixteenBit: false }).report).toMatchObject({ from: 9, to: 13, upgraded: true });
    expect(upgradeForQuantization(at(11), { sixteenBit: true }).report).toMatchObject({ from: 11, to: 21, upgraded: true });
    const high = at(17);
    expect(upgradeForQuantization(high, { sixteenBit: false })).toEqual({ warnings: [] });
    expect(high.opset).toBe(17);
  });

  it('16-bit: a node blocked at 11 lets an opset-9 model reach only 10; one warning says both costs', () => {
    const m = oldModel(9);
    m.graph.addOutput(m.graph.addNode({ opType: 'Clip', name: 'clip', inputs: [m.graph.addInput('x')], outputs: ['y'], attributes: [floatAttr('max', 1)] }).output(0));
    const up = upgradeForQuantization(m.model, { sixteenBit: true });
    expect(up.report).toMatchObject({ to: 10, upgraded: true });
    expect(up.warnings).toHaveLength(1);
    expect(up.warnings[0]).toMatch(/not 21 .*: int16 and per-channel Q\/DQ use the com\.microsoft domain\.$/);
  });

  it('a node blocked at 11 (Clip on data of unknown type) still lets an opset-9 model reach 10, and says what that costs', () => {
    const m = oldModel(9);
    const x = m.graph.addInput('x');
    m.graph.addOutput(m.graph.addNode({ opType: 'Clip', name: 'clip', inputs: [x], outputs: ['y'], attributes: [floatAttr('min', 0)] }).output(0));
    const up = upgradeForQuantization(m.model, { sixteenBit: false });
    expect(up.report).toMatchObject({ from: 9, to: 10, upgraded: true });
    expect(up.warnings).toEqual([expect.stringMatching(/^ai\.onnx opset raised only to 10, not 13 \(Clip 'clip': .*unknown.*\): per-channel Q\/DQ use the com\.microsoft domain\.$/)]);
  });

  it('16-bit on an opset-18 model whose GroupNormalization blocks 21: kept, int16 Q/DQ go to com.microsoft', () => {
    const m = oldModel(18);
    const s = m.graph.addInitializer(Tensor.fromArray('s', 'float32', [2], Float32Array.of(1, 2)));
    m.output(m.graph.addNode({ opType: 'GroupNormalization', name: 'gn', inputs: [m.input('x', [1, 4, 2, 2]), s, s], outputs: ['y'], attributes: [intAttr('num_groups', 2)] }).output(0));
    const up = upgradeForQuantization(m.model, { sixteenBit: true });
    expect(up.report).toMatchObject({ from: 18, to: 18, target: 21, upgraded: false });
    expect(up.warnings).toEqual([expect.stringContaining("ai.onnx opset kept at 18 (GroupNormalization 'gn'")]);
    expect(up.warnings[0]).toMatch(/: int16 Q\/DQ use the com\.microsoft domain\.$/);
  });

  it('an opset-9 model that cannot move at all: the warning says how to run the 8-bit model and how to fix it', () => {
    const m = oldModel(9);
    const d = m.graph.addNode({ opType: 'Dropout', name: 'drop', inputs: [m.input('x', [2])], outputs: ['y', 'mask'] });
    m.output(d.output(0));
    m.output(d.output(1));
    const up = upgradeForQuantization(m.model, { sixteenBit: false });
    expect(up.report?.upgraded).toBe(false);
    expect(up.warnings[0]).toMatch(/^The model stays at ai\.onnx opset 9 \(Dropout 'drop': .*\)\. .*QLinearConv.*'basic' or 'disabled'.*mixq upgrade/s);
  });

  it('mapUsesSixteenBit looks for Int16/UInt16 entries only', () => {
    expect(mapUsesSixteenBit(undefined)).toBe(false);
    expect(mapUsesSixteenBit({ Int8: ['a'], BFloat16: ['b'] })).toBe(false);
    expect(mapUsesSixteenBit({ Int16: [] })).toBe(false);
    expect(mapUsesSixteenBit({ UInt16: ['a'] })).toBe(true);
  });
});
