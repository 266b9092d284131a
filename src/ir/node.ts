import { GraphError } from '../errors.js';
import { decodeUtf8, type Attribute } from './attribute.js';
import type { Graph } from './graph.js';
import type { Tensor } from './tensor.js';
import type { Value } from './value.js';

/**
 * A node of a graph. Inputs are Values (undefined = optional input left out, '' in ONNX);
 * setting an input keeps the Value's use list right, so "who consumes X" is always one lookup.
 */
export class Node {
  name: string;
  opType: string;
  domain: string;
  overload = '';
  docString = '';
  metadataProps: [string, string][] = [];
  readonly graph: Graph;
  readonly attributes = new Map<string, Attribute>();
  private readonly inputList: (Value | undefined)[] = [];
  private readonly outputList: (Value | undefined)[] = [];

  /** @internal use Graph.addNode */
  constructor(graph: Graph, opType: string, name: string, domain = '') {
    this.graph = graph;
    this.opType = opType;
    this.name = name;
    this.domain = domain;
  }

  get inputs(): readonly (Value | undefined)[] {
    return this.inputList;
  }

  get outputs(): readonly (Value | undefined)[] {
    return this.outputList;
  }

  /** Input `index` or a GraphError naming the node (for inputs an op requires). */
  input(index: number): Value {
    const v = this.inputList[index];
    if (!v) throw new GraphError(`Node '${this.name}' (${this.opType}) has no input ${index}.`);
    return v;
  }

  output(index = 0): Value {
    const v = this.outputList[index];
    if (!v) throw new GraphError(`Node '${this.name}' (${this.opType}) has no output ${index}.`);
    return v;
  }

  setInput(index: number, value: Value | undefined): void {
    const old = this.inputList[index];
    if (old) old.removeUse(this, index);
    while (this.inputList.length <= index) this.inputList.push(undefined);
    this.inputList[index] = value;
    if (value) value.addUse({ node: this, index });
    // ONNX drops trailing omitted inputs; keep the list canonical.
    while (this.inputList.length > 0 && this.inputList[this.inputList.length - 1] === undefined) this.inputList.pop();
  }

  appendInput(value: Value | undefined): void {
    this.setInputAt(this.inputList.length, value);
  }

  /** Detaches every input (used before removing the node). */
  clearInputs(): void {
    this.inputList.forEach((v, i) => v?.removeUse(this, i));
    this.inputList.length = 0;
  }

  /** @internal Graph wires outputs. */
  setOutputAt(index: number, value: Value | undefined): void {
    while (this.outputList.length <= index) this.outputList.push(undefined);
    this.outputList[index] = value;
    if (value) value.producer = this;
  }

  private setInputAt(index: number, value: Value | undefined): void {
    while (this.inputList.length < index) this.inputList.push(undefined);
    this.inputList.push(value);
    if (value) value.addUse({ node: this, index });
  }

  setAttribute(attr: Attribute): void {
    this.attributes.set(attr.name, attr);
  }

  attrInt(name: string, fallback: number): number;
  attrInt(name: string): number | undefined;
  attrInt(name: string, fallback?: number): number | undefined {
    const a = this.attributes.get(name)?.value;
    return a?.type === 'int' ? Number(a.value) : fallback;
  }

  attrInts(name: string): number[] | undefined {
    const a = this.attributes.get(name)?.value;
    return a?.type === 'ints' ? a.value.map(Number) : undefined;
  }

  attrFloat(name: string, fallback: number): number;
  attrFloat(name: string): number | undefined;
  attrFloat(name: string, fallback?: number): number | undefined {
    const a = this.attributes.get(name)?.value;
    return a?.type === 'float' ? a.value : fallback;
  }

  attrString(name: string): string | undefined {
    const a = this.attributes.get(name)?.value;
    return a?.type === 'string' ? decodeUtf8(a.value) : undefined;
  }

  attrTensor(name: string): Tensor | undefined {
    const a = this.attributes.get(name)?.value;
    return a?.type === 'tensor' ? a.value : undefined;
  }

  /** Subgraphs held in attributes (If branches, Loop/Scan bodies). */
  subgraphs(): Graph[] {
    const out: Graph[] = [];
    for (const { value } of this.attributes.values()) {
      if (value.type === 'graph') out.push(value.value);
      else if (value.type === 'graphs') out.push(...value.value);
    }
    return out;
  }

  toString(): string {
    return `${this.opType}('${this.name}')`;
  }
}
