import { GraphError } from '../errors.js';
import type { Graph, NodeSpec } from './graph.js';
import type { Node } from './node.js';
import type { Use, Value } from './value.js';

/**
 * Points every consumer of `from` at `to` (node inputs in any nested scope and, unless
 * `keepGraphOutputs`, graph outputs). `where` limits the change to some uses.
 */
export function replaceAllUses(from: Value, to: Value, options: { where?: (use: Use) => boolean; keepGraphOutputs?: boolean } = {}): void {
  if (from === to) return;
  for (const use of [...from.uses]) {
    if (options.where && !options.where(use)) continue;
    use.node.setInput(use.index, to);
  }
  if (!options.keepGraphOutputs) {
    const outs = from.graph.outputs;
    for (let i = 0; i < outs.length; i++) if (outs[i] === from) outs[i] = to;
  }
}

/**
 * Inserts a node on the edge leaving `value`: the node reads `value` (as input 0 unless the
 * spec gives inputs) and the chosen uses are moved to read the node's output 0 instead.
 * Returns the new node. The node is placed right after the value's producer (first in the graph
 * when the value is a graph input or initializer), so a sorted node list stays sorted.
 */
export function insertOnEdge(value: Value, spec: NodeSpec, uses: readonly Use[] = value.uses): Node {
  const graph = value.graph;
  const moving = [...uses];
  // After the producer; a graph input or initializer has none, so the node goes first.
  const first = graph.nodes[0];
  const position = value.producer && value.producer.graph === graph ? { after: value.producer } : first ? { before: first } : {};
  const node = graph.addNode({ ...spec, inputs: spec.inputs ?? [value] }, position);
  const out = node.output(0);
  for (const use of moving) use.node.setInput(use.index, out);
  return node;
}

/**
 * Makes a graph output come from `newSource` while keeping the output's public name: the old
 * value is renamed and the new source takes the output's name.
 */
export function redirectGraphOutput(graph: Graph, output: Value, newSource: Value): void {
  const at = graph.outputs.indexOf(output);
  if (at < 0) throw new GraphError(`'${output.name}' is not an output of graph '${graph.name}'.`);
  const publicName = output.name;
  graph.renameValue(output, graph.uniqueName(`${publicName}_pre`));
  graph.renameValue(newSource, publicName);
  newSource.type ??= output.type;
  graph.outputs[at] = newSource;
}

/** Removes nodes (recursively) whose outputs reach no graph output. Returns how many. */
export function removeDeadNodes(graph: Graph): number {
  let removed = 0;
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i]!;
    const live = node.outputs.some((o) => o && (o.uses.length > 0 || o.isGraphOutput));
    if (!live) {
      graph.removeNode(node);
      removed++;
    }
  }
  for (const node of graph.nodes) for (const sub of node.subgraphs()) removed += removeDeadNodes(sub);
  // Initializers nobody reads are dead weight in the file.
  for (const init of [...graph.initializers]) {
    if (init.uses.length === 0 && !init.isGraphInput && !init.isGraphOutput) graph.removeInitializer(init);
  }
  return removed;
}
