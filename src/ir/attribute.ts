import type { Graph } from './graph.js';
import type { Tensor } from './tensor.js';

/**
 * A node attribute. Integers are bigint because ONNX stores int64 and real models use values
 * such as INT64_MAX (Slice ends) that a double cannot hold. Sparse tensors and type protos are rare
 * in the graphs we edit: they are carried opaquely.
 */
export type AttributeValue =
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'int'; readonly value: bigint }
  | { readonly type: 'string'; readonly value: Uint8Array }
  | { readonly type: 'tensor'; readonly value: Tensor }
  | { readonly type: 'graph'; readonly value: Graph }
  | { readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly type: 'ints'; readonly value: readonly bigint[] }
  | { readonly type: 'strings'; readonly value: readonly Uint8Array[] }
  | { readonly type: 'tensors'; readonly value: readonly Tensor[] }
  | { readonly type: 'graphs'; readonly value: readonly Graph[] }
  | { readonly type: 'opaque'; readonly protoType: number; readonly value: unknown };

export interface Attribute {
  readonly name: string;
  readonly value: AttributeValue;
  readonly docString?: string;
  /** Set inside function bodies: the attribute refers to the caller's attribute of this name. */
  readonly refAttrName?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function stringAttr(name: string, value: string): Attribute {
  return { name, value: { type: 'string', value: encoder.encode(value) } };
}
export function intAttr(name: string, value: number | bigint): Attribute {
  return { name, value: { type: 'int', value: BigInt(value) } };
}
export function intsAttr(name: string, value: readonly (number | bigint)[]): Attribute {
  return { name, value: { type: 'ints', value: value.map((v) => BigInt(v)) } };
}
export function floatAttr(name: string, value: number): Attribute {
  return { name, value: { type: 'float', value } };
}
export function tensorAttr(name: string, value: Tensor): Attribute {
  return { name, value: { type: 'tensor', value } };
}
export function decodeUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
