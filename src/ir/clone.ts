import type { Attribute } from './attribute.js';
import { Graph } from './graph.js';
import { Model } from './model.js';
import type { Value } from './value.js';

/**
 * Deep copy of a model's structure. Tensors are immutable and shared, so a clone of a 1 GB model
 * costs only its graph objects. Passes that must not modify the user's model work on a clone.
 */
export function cloneModel(model: Model): Model {
  const copy = new Model(cloneGraph(model.graph, undefined), model.irVersion, model.opsetImports);
  copy.producerName = model.producerName;
  copy.producerVersion = model.producerVersion;
  copy.domain = model.domain;
  copy.modelVersion = model.modelVersion;
  copy.docString = model.docString;
  copy.metadataProps = model.metadataProps.map(([k, v]) => [k, v]);
  copy.preserved = { ...model.preserved };
  return copy;
}

function cloneGraph(source: Graph, parent: Graph | undefined): Graph {
  const g = new Graph(source.name, parent);
  g.docString = source.docString;
  g.metadataProps = source.metadataProps.map(([k, v]) => [k, v]);
  g.preserved = { ...source.preserved };
  const copyMeta = (from: Value, to: Value): void => {
    to.type = from.type;
    to.docString = from.docString;
    to.metadataProps = from.metadataProps.map(([k, v]) => [k, v]);
  };
  for (const input of source.inputs) copyMeta(input, g.addInput(input.name, input.type));
  for (const init of source.initializers) {
    // Share the very Tensor when the name matches: a lazy (external-data) tensor then loads once for both models.
    const t = init.initializer!;
    copyMeta(init, g.addInitializer(t.name === init.name ? t : t.withName(init.name)));
  }
  // Outputs first for all nodes, then inputs: file order may reference later nodes in subgraphs.
  const pairs = source.nodes.map((n) => {
    const node = g.addNodeWithExactOutputs(n.opType, n.name, n.domain, n.outputs.map((o) => o?.name ?? ''));
    node.overload = n.overload;
    node.docString = n.docString;
    node.metadataProps = n.metadataProps.map(([k, v]) => [k, v]);
    n.outputs.forEach((o, i) => {
      const out = node.outputs[i];
      if (o && out) copyMeta(o, out);
    });
    return [n, node] as const;
  });
  for (const [from, to] of pairs) {
    from.inputs.forEach((v, i) => to.setInput(i, v ? g.lookup(v.name) : undefined));
    for (const attr of from.attributes.values()) to.setAttribute(cloneAttribute(attr, g));
  }
  for (const out of source.outputs) {
    const v = g.lookup(out.name);
    if (v) g.addOutput(v);
  }
  return g;
}

function cloneAttribute(attr: Attribute, owner: Graph): Attribute {
  const v = attr.value;
  if (v.type === 'graph') return { ...attr, value: { type: 'graph', value: cloneGraph(v.value, owner) } };
  if (v.type === 'graphs') return { ...attr, value: { type: 'graphs', value: v.value.map((sub) => cloneGraph(sub, owner)) } };
  return attr;
}
