import type { Value, ValueType } from '../../ir/index.js';

/**
 * Puts new nodes after `value` while keeping its public name: `build(value)` adds nodes that read
 * `value` and returns their last output; every former consumer (and graph output slot) then reads
 * that output, which takes `value`'s name and declared type, and `value` is renamed
 * `<name>_<suffix>` with `newType` (the type it has once the op changed). Users' names for tensors
 * (precision maps, ranges files) keep pointing at the same data.
 */
export function interposeAfter(value: Value, suffix: string, newType: ValueType | undefined, build: (v: Value) => Value): Value {
  const graph = value.graph;
  const uses = [...value.uses];
  const final = build(value);
  for (const use of uses) use.node.setInput(use.index, final);
  const outs = graph.outputs;
  for (let i = 0; i < outs.length; i++) if (outs[i] === value) outs[i] = final;
  const name = value.name;
  graph.renameValue(value, graph.uniqueName(`${name}_${suffix}`));
  graph.renameValue(final, name);
  final.type = value.type;
  value.type = newType;
  return final;
}

/** The element type of `value` with its shape dropped (for values whose shape an adapter changed). */
export function elemOnly(value: Value): ValueType | undefined {
  const t = value.elemType;
  return t ? { kind: 'tensor', elemType: t, shape: undefined } : undefined;
}

