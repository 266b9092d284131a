/**
 * Inserts the Cast nodes of a conversion and remembers which ones it made (and why), so that the
 * clean-up touches only chains we are responsible for and the report counts what survived.
 */
import { intAttr, redirectGraphOutput, tensorType, type Graph, type Node, type Use, type Value } from '../../ir/index.js';
import { lowDataType, lowTypeCode } from './low-type.js';
import type { CastCounts, FloatPrecision } from './types.js';

export type CastKind = 'toLow' | 'toFloat' | 'weight';

const FLOAT32_CODE = 1;

export class CastWriter {
  /** Every Cast this writer added, with its purpose. */
  readonly inserted = new Map<Node, CastKind>();

  constructor(
    readonly graph: Graph,
    readonly precision: FloatPrecision,
  ) {}

  /**
   * A Cast reading `value`, placed right after `after` (default: the value's producer, or first in
   * the graph for graph inputs and initializers) so that a sorted node list stays sorted.
   */
  cast(value: Value, to: 'low' | 'float32', kind: CastKind, after?: Node): Value {
    const suffix = to === 'low' ? this.precision : 'fp32';
    const anchor = after ?? (value.producer?.graph === this.graph ? value.producer : undefined);
    const first = this.graph.nodes[0];
    const position = anchor ? { after: anchor } : first ? { before: first } : {};
    const node = this.graph.addNode(
      {
        opType: 'Cast',
        name: `${value.name}/cast_${suffix}`,
        inputs: [value],
        outputs: [`${value.name}_${suffix}`],
        attributes: [intAttr('to', to === 'low' ? lowTypeCode(this.precision) : FLOAT32_CODE)],
      },
      position,
    );
    const out = node.output(0);
    out.type = tensorType(to === 'low' ? lowDataType(this.precision) : 'float32', value.shape);
    this.inserted.set(node, kind);
    return out;
  }

  /** Cast(to=16-bit) → Cast(to=float): `value` rounded to the 16-bit grid, still float32. */
  roundPair(value: Value): Value {
    const low = this.cast(value, 'low', 'toLow');
    return this.cast(low, 'float32', 'toFloat', low.producer);
  }

  /** Casts still in the graph, by purpose (the clean-up may have removed some). */
  counts(removedFromInput: number): CastCounts {
    const counts = { toLow: 0, toFloat: 0, weight: 0, removed: removedFromInput };
    const alive = new Set(this.graph.nodes);
    for (const [node, kind] of this.inserted) if (alive.has(node)) counts[kind]++;
    return counts;
  }
}

/** Points the given uses at `to`. */
export function moveUses(uses: readonly Use[], to: Value): void {
  for (const use of [...uses]) use.node.setInput(use.index, to);
}

/** Makes `replacement` the graph output that `value` was, under the output's public name. */
export function takeOverGraphOutput(graph: Graph, value: Value, replacement: Value): void {
  if (value.isGraphOutput) redirectGraphOutput(graph, value, replacement);
}
