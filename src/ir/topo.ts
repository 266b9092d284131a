import { GraphError } from '../errors.js';
import type { Graph } from './graph.js';
import type { Node } from './node.js';

/** Values a node reads, including those its subgraphs read from enclosing scopes. */
function dependencies(node: Node, graph: Graph): Node[] {
  const deps: Node[] = [];
  const visit = (n: Node): void => {
    for (const v of n.inputs) {
      if (v?.producer && v.producer.graph === graph) deps.push(v.producer);
    }
    for (const sub of n.subgraphs()) for (const inner of sub.nodes) visit(inner);
  };
  visit(node);
  return deps;
}

/**
 * Orders `graph.nodes` so that producers come before consumers. Stable: a list that is already
 * sorted keeps its order (so a load/save round trip is unchanged). Throws on a cycle.
 */
export function topologicalSort(graph: Graph): void {
  const state = new Map<Node, 'visiting' | 'done'>();
  const ordered: Node[] = [];
  const visit = (root: Node): void => {
    // Iterative DFS: real graphs can be deep enough to overflow the JS stack recursively.
    const stack: { node: Node; deps: Node[]; next: number }[] = [{ node: root, deps: dependencies(root, graph), next: 0 }];
    state.set(root, 'visiting');
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.deps.length) {
        const dep = top.deps[top.next++]!;
        const s = state.get(dep);
        if (s === 'visiting') throw new GraphError(`The graph '${graph.name}' has a cycle through ${dep.toString()}.`);
        if (s === undefined) {
          state.set(dep, 'visiting');
          stack.push({ node: dep, deps: dependencies(dep, graph), next: 0 });
        }
      } else {
        state.set(top.node, 'done');
        ordered.push(top.node);
        stack.pop();
      }
    }
  };
  for (const node of graph.nodes) if (!state.has(node)) visit(node);
  graph.nodes.splice(0, graph.nodes.length, ...ordered);
  for (const node of graph.nodes) for (const sub of node.subgraphs()) topologicalSort(sub);
}
