import { bigIntsAttr } from '../context.js';
import type { Adapter } from '../types.js';

/** Slice-1 → Slice-10: `starts`, `ends` and `axes` attributes become int64 inputs (same clamping rules). */
export const slice10: Adapter = {
  opType: 'Slice',
  version: 10,
  apply(node, ctx) {
    const starts = bigIntsAttr(node, 'starts');
    const ends = bigIntsAttr(node, 'ends');
    if (!starts || !ends) return { blocked: 'Slice-1 without starts/ends attributes' };
    const axes = bigIntsAttr(node, 'axes');
    node.setInput(1, ctx.int64s(node, 'starts', starts));
    node.setInput(2, ctx.int64s(node, 'ends', ends));
    if (axes) node.setInput(3, ctx.int64s(node, 'axes', axes));
    for (const a of ['starts', 'ends', 'axes']) node.attributes.delete(a);
    return { what: 'starts/ends/axes → inputs' };
  },
};
