import { replaceAllUses, type Node, type NodeSpec, type Value, type ValueType } from '../../ir/index.js';

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

/**
 * Replaces `node` by a node built from `spec` that keeps the node's name and produces the values of
 * the first `keepOutputs` outputs under their names and types (for ops whose output list shrank).
 */
export function replaceKeepingOutputs(node: Node, spec: Omit<NodeSpec, 'outputs' | 'name'>, keepOutputs: number): Node {
  const graph = node.graph;
  const olds = node.outputs.slice(0, keepOutputs);
  const fresh = graph.addNode({ ...spec, name: `${node.name || node.opType}_new`, outputs: olds.map((o) => (o ? `${o.name}_new` : '')) }, { before: node });
  olds.forEach((old, i) => {
    const now = fresh.outputs[i];
    if (old && now) replaceAllUses(old, now);
  });
  const names = olds.map((o) => [o?.name, o?.type] as const);
  const name = node.name;
  node.clearInputs();
  graph.removeNode(node);
  fresh.name = name;
  names.forEach(([old, type], i) => {
    const now = fresh.outputs[i];
    if (!now || old === undefined) return;
    graph.renameValue(now, old);
    now.type = type;
  });
  return fresh;
}
