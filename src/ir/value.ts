import type { DataType } from './dtype.js';
import type { Graph } from './graph.js';
import type { Node } from './node.js';
import type { Tensor } from './tensor.js';

/** One dimension of a shape: a size, a symbolic name, or unknown. */
export type Dim = number | string | null;

/**
 * What we know of a value's type. Tensor types are structured; sequence/map/optional types are
 * carried opaquely so that a round trip keeps them.
 */
export type ValueType =
  | { readonly kind: 'tensor'; readonly elemType: DataType; readonly shape: readonly Dim[] | undefined }
  | { readonly kind: 'opaque'; readonly proto: unknown };

/** A consumer slot: `node.inputs[index] === value`. */
export interface Use {
  readonly node: Node;
  readonly index: number;
}

/**
 * A named value in SSA form: produced by exactly one of a node output, a graph input or an
 * initializer; consumed by any number of node inputs (possibly inside subgraphs) and graph outputs.
 */
export class Value {
  name: string;
  type: ValueType | undefined;
  docString = '';
  /** The graph that defines this value (subgraph nodes may still use it from an inner scope). */
  graph: Graph;
  /** Set for node outputs. */
  producer: Node | undefined;
  /** Set for initializers. */
  initializer: Tensor | undefined;
  /** Set by serde when the model stored metadata for this value_info. */
  metadataProps: [string, string][] = [];
  private readonly useList: Use[] = [];

  constructor(graph: Graph, name: string, type?: ValueType) {
    this.graph = graph;
    this.name = name;
    this.type = type;
    this.producer = undefined;
    this.initializer = undefined;
  }

  get uses(): readonly Use[] {
    return this.useList;
  }

  /** Distinct consumer nodes, in first-use order. */
  consumers(): Node[] {
    return [...new Set(this.useList.map((u) => u.node))];
  }

  get isGraphInput(): boolean {
    return this.graph.inputs.includes(this);
  }

  get isGraphOutput(): boolean {
    return this.graph.outputs.includes(this);
  }

  /** Element type when known. */
  get elemType(): DataType | undefined {
    return this.type?.kind === 'tensor' ? this.type.elemType : undefined;
  }

  get shape(): readonly Dim[] | undefined {
    return this.type?.kind === 'tensor' ? this.type.shape : undefined;
  }

  /** @internal maintained by Node when inputs change. */
  addUse(use: Use): void {
    this.useList.push(use);
  }

  /** @internal */
  removeUse(node: Node, index: number): void {
    const at = this.useList.findIndex((u) => u.node === node && u.index === index);
    if (at >= 0) this.useList.splice(at, 1);
  }
}

export function tensorType(elemType: DataType, shape?: readonly Dim[]): ValueType {
  return { kind: 'tensor', elemType, shape };
}
