import { dataTypeCode, intAttr } from '../../../ir/index.js';
import { interposeAfter } from '../edit.js';
import type { Adapter } from '../types.js';

/**
 * Dropout-7 → 10: the mask output became bool (it had the data's type). A used mask gets a Cast back
 * to the data type, so its consumers see what they saw; an unused one is retyped. A leftover
 * `is_test` is dropped (is_test=0, training, is reported).
 */
export const dropout10: Adapter = {
  opType: 'Dropout',
  version: 10,
  apply(node, ctx) {
    if (node.attrInt('is_test', 1) === 0) return { blocked: 'is_test=0 (training mode)' };
    node.attributes.delete('is_test');
    const mask = node.outputs[1];
    if (!mask) return {};
    const boolType = { kind: 'tensor' as const, elemType: 'bool' as const, shape: mask.shape };
    if (mask.uses.length === 0 && !mask.isGraphOutput) {
      mask.type = boolType;
      return {};
    }
    const type = ctx.elemTypeOf(node.input(0));
    if (!type) return { blocked: `the mask is used and the element type of '${node.input(0).name}' is unknown` };
    const graph = node.graph;
    interposeAfter(mask, 'bool', boolType, (m) =>
      graph.addNode({ opType: 'Cast', name: `${node.name || 'Dropout'}_mask_cast`, inputs: [m], outputs: [`${m.name}_as_${type}`], attributes: [intAttr('to', dataTypeCode(type))] }, { after: node }).output(0),
    );
    return { what: 'bool mask cast back to the data type' };
  },
};
