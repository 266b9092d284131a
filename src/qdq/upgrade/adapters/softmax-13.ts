import { intAttr } from '../../../ir/index.js';
import { elemOnly, interposeAfter } from '../edit.js';
import type { Adapter } from '../types.js';

/**
 * Softmax/LogSoftmax/Hardmax before 13 coerce the input to 2-D at `axis` (default 1) and normalise
 * over everything from `axis` on; from 13 they normalise along `axis` only (default -1). When `axis`
 * is the last dimension both agree; otherwise the old meaning is rebuilt as
 * Flatten(axis) → op(axis 1) → Reshape(Shape(x)), which needs no knowledge of the rank.
 */
export function softmax13(opType: 'Softmax' | 'LogSoftmax' | 'Hardmax'): Adapter {
  return {
    opType,
    version: 13,
    apply(node) {
      const axis = node.attrInt('axis', 1);
      const x = node.input(0);
      const rank = x.shape?.length;
      const normalized = axis < 0 && rank !== undefined ? axis + rank : axis;
      if (axis === -1 || (rank !== undefined && normalized === rank - 1)) {
        node.setAttribute(intAttr('axis', -1));
        return {};
      }
      const graph = node.graph;
      const base = node.name || opType;
      const shape = graph.addNode({ opType: 'Shape', name: `${base}_shape`, inputs: [x], outputs: [`${base}_input_shape`] }, { before: node });
      shape.output(0).type = { kind: 'tensor', elemType: 'int64', shape: [rank ?? null] };
      const flat = graph.addNode({ opType: 'Flatten', name: `${base}_flatten`, inputs: [x], outputs: [`${base}_2d_input`], attributes: [intAttr('axis', axis)] }, { before: node });
      flat.output(0).type = elemOnly(x);
      node.setInput(0, flat.output(0));
      node.setAttribute(intAttr('axis', 1));
      interposeAfter(node.output(0), '2d', elemOnly(node.output(0)), (y) => {
        const reshape = graph.addNode({ opType: 'Reshape', name: `${base}_reshape`, inputs: [y, shape.output(0)], outputs: [`${y.name}_nd`] }, { after: node });
        return reshape.output(0);
      });
      return { what: 'axis not last: Flatten → op → Reshape' };
    },
  };
}

export const softmaxAdapters: readonly Adapter[] = [softmax13('Softmax'), softmax13('LogSoftmax'), softmax13('Hardmax')];
