import { bigIntsAttr } from '../context.js';
import type { Adapter } from '../types.js';

/**
 * The `axes` attribute becomes an int64 input (Squeeze/Unsqueeze/ReduceSum at 13, the other Reduce
 * ops at 18). No axes stays no input: "all axes" (Reduce) or "every size-1 axis" (Squeeze) as before.
 */
export function axesToInput(opType: string, version: number): Adapter {
  return {
    opType,
    version,
    apply(node, ctx) {
      const axes = bigIntsAttr(node, 'axes');
      if (!axes) return {};
      node.attributes.delete('axes');
      node.setInput(1, ctx.int64s(node, 'axes', axes));
      return { what: 'axes → input' };
    },
  };
}

const REDUCE_AT_18 = ['ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceMax', 'ReduceMean', 'ReduceMin', 'ReduceProd', 'ReduceSumSquare'];

export const axesToInputAdapters: readonly Adapter[] = [
  axesToInput('Squeeze', 13),
  axesToInput('Unsqueeze', 13),
  axesToInput('ReduceSum', 13),
  ...REDUCE_AT_18.map((op) => axesToInput(op, 18)),
];
