import type { Graph } from './graph.js';
import type { Node } from './node.js';
import { Tensor } from './tensor.js';

/** The tensor a Constant node produces, or undefined when it is a form we leave alone (sparse). */
export function constantNodeTensor(node: Node, name: string): Tensor | undefined {
  for (const attr of node.attributes.values()) {
    const v = attr.value;
    switch (attr.name) {
      case 'value':
        return v.type === 'tensor' ? v.value.withName(name) : undefined;
      case 'value_float':
        return v.type === 'float' ? Tensor.fromArray(name, 'float32', [], Float32Array.of(v.value)) : undefined;
      case 'value_floats':
        return v.type === 'floats' ? Tensor.fromArray(name, 'float32', [v.value.length], Float32Array.from(v.value)) : undefined;
      case 'value_int':
        return v.type === 'int' ? Tensor.fromArray(name, 'int64', [], BigInt64Array.of(v.value)) : undefined;
      case 'value_ints':
        return v.type === 'ints' ? Tensor.fromArray(name, 'int64', [v.value.length], BigInt64Array.from(v.value)) : undefined;
      case 'value_string':
        return v.type === 'string' ? Tensor.fromStrings(name, [], [v.value]) : undefined;
      case 'value_strings':
        return v.type === 'strings' ? Tensor.fromStrings(name, [v.value.length], v.value) : undefined;
      default:
        break;
    }
  }
  return undefined;
}

/**
 * Turns `Constant` nodes into initializers (of the graph that holds them), so that later passes
 * see weights the same way whichever way the exporter stored them. Constants that are graph
 * outputs stay nodes (an initializer cannot be produced under an output's name in every IR).
 * Returns how many nodes were converted.
 */
export function constantsToInitializers(graph: Graph): number {
  let converted = 0;
  for (const node of [...graph.nodes]) {
    for (const sub of node.subgraphs()) converted += constantsToInitializers(sub);
    if (node.opType !== 'Constant' || (node.domain !== '' && node.domain !== 'ai.onnx')) continue;
    const out = node.outputs[0];
    if (!out || out.isGraphOutput) continue;
    const tensor = constantNodeTensor(node, out.name);
    if (!tensor) continue;
    const uses = [...out.uses];
    for (const use of uses) use.node.setInput(use.index, undefined);
    graph.removeNode(node);
    const init = graph.addInitializer(tensor);
    init.docString = out.docString;
    for (const use of uses) use.node.setInput(use.index, init);
    converted++;
  }
  return converted;
}
