import { GraphError } from '../errors.js';
import type { Attribute } from './attribute.js';
import { Node } from './node.js';
import type { Tensor } from './tensor.js';
import { Value, type ValueType } from './value.js';

export interface NodeSpec {
  readonly opType: string;
  readonly inputs?: readonly (Value | undefined)[];
  /** Output names; '' leaves an optional output out. Names are made unique when taken. */
  readonly outputs?: readonly string[];
  readonly name?: string;
  readonly domain?: string;
  readonly attributes?: readonly Attribute[];
}

/**
 * A graph (the main graph or a subgraph). Values are scoped: a subgraph may use any value of an
 * enclosing graph by name, as ONNX allows. Names are unique across the whole model (SSA).
 */
export class Graph {
  name: string;
  docString = '';
  metadataProps: [string, string][] = [];
  readonly parent: Graph | undefined;
  readonly nodes: Node[] = [];
  readonly inputs: Value[] = [];
  readonly outputs: Value[] = [];
  /** Initializers in file order. */
  readonly initializers: Value[] = [];
  /** Parts of GraphProto we carry unchanged (sparse_initializer, quantization_annotation). */
  preserved: Record<string, unknown> = {};
  private readonly values = new Map<string, Value>();
  private readonly takenNames: Set<string>;
  private nameCounter = 0;

  constructor(name: string, parent?: Graph) {
    this.name = name;
    this.parent = parent;
    this.takenNames = parent ? parent.takenNames : new Set<string>();
  }

  /** The value of this name visible from this graph (own scope, then enclosing graphs). */
  lookup(name: string): Value | undefined {
    return this.values.get(name) ?? this.parent?.lookup(name);
  }

  /** The value of this name defined in this very graph. */
  ownValue(name: string): Value | undefined {
    return this.values.get(name);
  }

  ownValues(): IterableIterator<Value> {
    return this.values.values();
  }

  /** A name not used anywhere in the model, derived from `base`. */
  uniqueName(base: string): string {
    if (!this.takenNames.has(base)) return base;
    for (;;) {
      const candidate = `${base}_${++this.nameCounter}`;
      if (!this.takenNames.has(candidate)) return candidate;
    }
  }

  /** Records a node name so uniqueName avoids it (value names are recorded when created). */
  reserveName(name: string): void {
    if (name !== '') this.takenNames.add(name);
  }

  addInput(name: string, type?: ValueType): Value {
    const value = this.createValue(name, type);
    this.inputs.push(value);
    return value;
  }

  addInitializer(tensor: Tensor): Value {
    const existing = this.values.get(tensor.name);
    // A graph input may share its name with an initializer (a default value, IR < 4 style).
    if (existing && existing.isGraphInput && !existing.initializer) {
      existing.initializer = tensor;
      this.initializers.push(existing);
      return existing;
    }
    const value = this.createValue(tensor.name, { kind: 'tensor', elemType: tensor.type, shape: tensor.dims });
    value.initializer = tensor;
    this.initializers.push(value);
    return value;
  }

  /** Replaces an initializer's contents (keeps the value and its uses). */
  setInitializer(value: Value, tensor: Tensor): void {
    if (!value.initializer) throw new GraphError(`'${value.name}' is not an initializer.`);
    value.initializer = tensor.name === value.name ? tensor : tensor.withName(value.name);
    value.type = { kind: 'tensor', elemType: tensor.type, shape: tensor.dims };
  }

  removeInitializer(value: Value): void {
    if (value.uses.length > 0) throw new GraphError(`Initializer '${value.name}' is still used by ${value.uses.length} node(s).`);
    const at = this.initializers.indexOf(value);
    if (at >= 0) this.initializers.splice(at, 1);
    value.initializer = undefined;
    if (!value.isGraphInput && !value.isGraphOutput) this.values.delete(value.name);
  }

  addOutput(value: Value): void {
    this.outputs.push(value);
  }

  /** Adds a node at the end of the node list (or right after `after`); returns it. */
  addNode(spec: NodeSpec, position?: { after?: Node; before?: Node }): Node {
    const name = spec.name !== undefined && spec.name !== '' ? this.uniqueName(spec.name) : spec.name === '' ? '' : this.uniqueName(spec.opType);
    this.reserveName(name);
    const node = new Node(this, spec.opType, name, spec.domain ?? '');
    (spec.outputs ?? [this.uniqueName(`${name || spec.opType}_out`)]).forEach((outName, i) => {
      node.setOutputAt(i, outName === '' ? undefined : this.createValue(this.uniqueName(outName)));
    });
    (spec.inputs ?? []).forEach((v, i) => node.setInput(i, v));
    for (const a of spec.attributes ?? []) node.setAttribute(a);
    this.placeNode(node, position);
    return node;
  }

  /**
   * Adds a node whose outputs have exactly the names given (used when loading a file, where names
   * are already unique). Throws if a name is already defined in this graph.
   */
  addNodeWithExactOutputs(opType: string, name: string, domain: string, outputNames: readonly string[]): Node {
    this.reserveName(name);
    const node = new Node(this, opType, name, domain);
    outputNames.forEach((outName, i) => node.setOutputAt(i, outName === '' ? undefined : this.createValue(outName)));
    this.nodes.push(node);
    return node;
  }

  /** Removes a node whose outputs nobody uses. */
  removeNode(node: Node): void {
    for (const out of node.outputs) {
      if (!out) continue;
      if (out.uses.length > 0 || out.isGraphOutput) {
        throw new GraphError(`Cannot remove ${node.toString()}: its output '${out.name}' is still used.`);
      }
    }
    node.clearInputs();
    // Nodes of its subgraphs may read values of enclosing scopes: detach them too, or those values
    // would keep uses by nodes that no longer exist (and never look dead).
    for (const sub of node.subgraphs()) for (const inner of sub.allNodes()) inner.clearInputs();
    for (const out of node.outputs) if (out) this.values.delete(out.name);
    const at = this.nodes.indexOf(node);
    if (at >= 0) this.nodes.splice(at, 1);
  }

  /** Renames a value (its producer, uses and graph I/O follow since they hold the object). */
  renameValue(value: Value, newName: string): void {
    const holder = this.lookup(newName);
    if (holder !== undefined && holder !== value) {
      throw new GraphError(`Cannot rename '${value.name}' to '${newName}': the name is taken.`);
    }
    value.graph.values.delete(value.name);
    value.name = newName;
    value.graph.values.set(newName, value);
    this.takenNames.add(newName);
  }

  /** Every node of this graph and of its subgraphs, depth first. */
  *allNodes(): Generator<Node> {
    for (const node of this.nodes) {
      yield node;
      for (const sub of node.subgraphs()) yield* sub.allNodes();
    }
  }

  private createValue(name: string, type?: ValueType): Value {
    if (this.values.has(name)) throw new GraphError(`Value '${name}' is defined twice in graph '${this.name}'.`, { hint: 'ONNX graphs must be in SSA form: every tensor name is produced once.' });
    const value = new Value(this, name, type);
    this.values.set(name, value);
    this.takenNames.add(name);
    return value;
  }

  private placeNode(node: Node, position?: { after?: Node; before?: Node }): void {
    const anchor = position?.after ?? position?.before;
    const at = anchor ? this.nodes.indexOf(anchor) : -1;
    if (at < 0) this.nodes.push(node);
    else this.nodes.splice(position?.after ? at + 1 : at, 0, node);
  }
}
