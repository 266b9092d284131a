/**
 * ModelProto (as protobufjs decodes it) → our IR. The only place, with serde-write.ts, that knows
 * both worlds. Tensor bytes are kept as views on the decoded buffer; external data is read lazily.
 */
import { ModelFormatError } from '../errors.js';
import {
  byteLengthOf,
  dataTypeFromCode,
  elementCount,
  Graph,
  Model,
  Tensor,
  type Attribute,
  type AttributeValue,
  type DataType,
  type Dim,
  type ValueType,
} from '../ir/index.js';
import { longToBigInt, longToNumber } from './long.js';
import type { AttributeProto, GraphProto, ModelProto, TensorProto, TypeProto, ValueInfoProto } from './proto-types.js';

export interface ReadContext {
  /** File or description used in error messages. */
  readonly source: string;
  /** Reads external tensor bytes; undefined when the model came from bytes with no directory. */
  readonly readExternal: ((entries: Record<string, string>, byteLength: number, tensorName: string) => Uint8Array) | undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

export function modelFromProto(proto: ModelProto, ctx: ReadContext): Model {
  if (!proto.graph) throw new ModelFormatError('NOT_ONNX', ctx.source, `${ctx.source} has no graph.`, { hint: 'Is this an ONNX model file? Re-export it from its framework.' });
  const opsets: [string, number][] = (proto.opset_import ?? []).map((o) => [o.domain ?? '', longToNumber(o.version ?? 0)]);
  const model = new Model(graphFromProto(proto.graph, undefined, ctx), longToNumber(proto.ir_version ?? 0), opsets);
  model.producerName = proto.producer_name ?? '';
  model.producerVersion = proto.producer_version ?? '';
  model.domain = proto.domain ?? '';
  model.modelVersion = longToNumber(proto.model_version ?? 0);
  model.docString = proto.doc_string ?? '';
  model.metadataProps = (proto.metadata_props ?? []).map((e) => [e.key ?? '', e.value ?? '']);
  for (const key of ['functions', 'training_info', 'configuration'] as const) {
    const part = (proto as unknown as Record<string, unknown[] | undefined>)[key];
    if (part && part.length > 0) model.preserved[key] = part;
  }
  return model;
}

function graphFromProto(proto: GraphProto, parent: Graph | undefined, ctx: ReadContext): Graph {
  const graph = new Graph(proto.name ?? '', parent);
  graph.docString = proto.doc_string ?? '';
  graph.metadataProps = (proto.metadata_props ?? []).map((e) => [e.key ?? '', e.value ?? '']);
  for (const key of ['sparse_initializer', 'quantization_annotation'] as const) {
    const part = proto[key];
    if (part && part.length > 0) graph.preserved[key] = part;
  }
  for (const info of proto.input ?? []) applyInfo(graph.addInput(info.name ?? '', valueTypeFromProto(info.type)), info);
  for (const t of proto.initializer ?? []) graph.addInitializer(tensorFromProto(t, ctx));
  const nodes = proto.node ?? [];
  // Two passes: outputs first so that inputs can be resolved whatever the file's node order.
  const created = nodes.map((n) => graph.addNodeWithExactOutputs(n.op_type ?? '', n.name ?? '', n.domain ?? '', n.output ?? []));
  nodes.forEach((n, i) => {
    const node = created[i]!;
    node.overload = n.overload ?? '';
    node.docString = n.doc_string ?? '';
    node.metadataProps = (n.metadata_props ?? []).map((e) => [e.key ?? '', e.value ?? '']);
    (n.input ?? []).forEach((name, k) => node.setInput(k, name === '' ? undefined : resolve(graph, name, node.name, ctx)));
    for (const a of n.attribute ?? []) node.setAttribute(attributeFromProto(a, graph, ctx));
  });
  const infoOrder: string[] = [];
  for (const info of proto.value_info ?? []) {
    const v = graph.lookup(info.name ?? '');
    if (v) applyInfo(v, info);
    infoOrder.push(info.name ?? '');
  }
  if (infoOrder.length > 0) graph.preserved['value_info_order'] = infoOrder;
  for (const info of proto.output ?? []) {
    const v = resolve(graph, info.name ?? '', '(graph output)', ctx);
    if (v.type === undefined || info.type) v.type = valueTypeFromProto(info.type) ?? v.type;
    graph.addOutput(v);
  }
  return graph;
}

function resolve(graph: Graph, name: string, user: string, ctx: ReadContext) {
  const v = graph.lookup(name);
  if (!v) {
    throw new ModelFormatError('CORRUPT_MODEL', ctx.source, `${ctx.source}: '${user}' reads '${name}', which no node, input or initializer produces.`, {
      hint: 'The graph is invalid; check it with onnx.checker or re-export the model.',
    });
  }
  return v;
}

function applyInfo(v: { type: ValueType | undefined; docString: string; metadataProps: [string, string][] }, info: ValueInfoProto): void {
  v.type = valueTypeFromProto(info.type) ?? v.type;
  v.docString = info.doc_string ?? '';
  v.metadataProps = (info.metadata_props ?? []).map((e) => [e.key ?? '', e.value ?? '']);
}

export function valueTypeFromProto(type: TypeProto | null | undefined): ValueType | undefined {
  if (!type) return undefined;
  const tt = type.tensor_type;
  if (tt && !type.denotation) {
    const elemType = dataTypeFromCode(tt.elem_type ?? 0);
    if (elemType) {
      const shape: Dim[] | undefined = tt.shape
        ? (tt.shape.dim ?? []).map((d): Dim => (d.dim_param ? d.dim_param : d.dim_value !== undefined && d.dim_value !== null && hasField(d, 'dim_value') ? longToNumber(d.dim_value) : null))
        : undefined;
      if (!tt.shape || (tt.shape.dim ?? []).every((d) => !d.denotation)) return { kind: 'tensor', elemType, shape };
    }
  }
  return { kind: 'opaque', proto: type };
}

function hasField(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

export function tensorFromProto(t: TensorProto, ctx: ReadContext): Tensor {
  const name = t.name ?? '';
  const type = dataTypeFromCode(t.data_type ?? 0);
  if (!type) {
    throw new ModelFormatError('CORRUPT_MODEL', ctx.source, `${ctx.source}: tensor '${name}' has unknown data type ${t.data_type}.`, {
      hint: 'The model may need a newer mixq, or the file is damaged.',
    });
  }
  if (t.segment) throw new ModelFormatError('CORRUPT_MODEL', ctx.source, `${ctx.source}: tensor '${name}' is segmented, which mixq does not read.`, { hint: 'Re-save the model with onnx.save (segments are not used by current exporters).' });
  const dims = (t.dims ?? []).map(longToNumber);
  if (dims.some((d) => d < 0 || !Number.isSafeInteger(d))) throw new ModelFormatError('CORRUPT_MODEL', ctx.source, `${ctx.source}: tensor '${name}' has invalid dims ${JSON.stringify(dims)}.`);
  const docString = t.doc_string ?? '';
  if ((t.data_location ?? 0) === 1) return externalTensor(t, name, type, dims, docString, ctx);
  if (type === 'string') return Tensor.fromStrings(name, dims, t.string_data ?? [], docString);
  const count = elementCount(dims);
  const bytes = t.raw_data && t.raw_data.byteLength > 0 ? t.raw_data : typedFieldBytes(t, type, count);
  if (bytes.byteLength !== byteLengthOf(type, count)) {
    throw new ModelFormatError('CORRUPT_MODEL', ctx.source, `${ctx.source}: tensor '${name}' (${type} ${JSON.stringify(dims)}) holds ${bytes.byteLength} bytes, expected ${byteLengthOf(type, count)}.`, {
      hint: 'The file is damaged or truncated; re-export the model.',
    });
  }
  return Tensor.fromBytes(name, type, dims, bytes, docString);
}

function externalTensor(t: TensorProto, name: string, type: DataType, dims: number[], docString: string, ctx: ReadContext): Tensor {
  const entries: Record<string, string> = {};
  for (const e of t.external_data ?? []) entries[e.key ?? ''] = e.value ?? '';
  const reader = ctx.readExternal;
  if (!entries['location']) throw new ModelFormatError('EXTERNAL_DATA_INVALID', ctx.source, `${ctx.source}: tensor '${name}' is marked external but names no location.`);
  if (!reader) {
    throw new ModelFormatError('EXTERNAL_DATA_MISSING', ctx.source, `${ctx.source}: tensor '${name}' lives in external file '${entries['location']}', but the model was given as bytes.`, {
      hint: 'Load the model from its file path (loadModel(path)) so that its .data file can be found next to it.',
    });
  }
  const byteLength = byteLengthOf(type, elementCount(dims));
  const location = { location: entries['location'], offset: Number(entries['offset'] ?? 0), length: Number(entries['length'] ?? byteLength) };
  return Tensor.lazy(name, type, dims, location, () => reader(entries, byteLength, name), docString);
}

/** Tensors written with typed fields instead of raw_data (older exporters, small constants). */
function typedFieldBytes(t: TensorProto, type: DataType, count: number): Uint8Array {
  const asBytes = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  switch (type) {
    case 'float32':
    case 'complex64':
      return asBytes(Float32Array.from(t.float_data ?? []));
    case 'float64':
    case 'complex128':
      return asBytes(Float64Array.from(t.double_data ?? []));
    case 'int64':
      return asBytes(BigInt64Array.from((t.int64_data ?? []).map(longToBigInt)));
    case 'uint32':
      return asBytes(Uint32Array.from((t.uint64_data ?? []).map(longToNumber)));
    case 'uint64':
      return asBytes(BigUint64Array.from((t.uint64_data ?? []).map((v) => BigInt.asUintN(64, longToBigInt(v)))));
    case 'int32':
      return asBytes(Int32Array.from(t.int32_data ?? []));
    case 'int16':
      return asBytes(Int16Array.from(t.int32_data ?? []));
    case 'uint16':
    case 'float16':
    case 'bfloat16':
      return asBytes(Uint16Array.from(t.int32_data ?? []));
    case 'int8':
      return asBytes(Int8Array.from(t.int32_data ?? []));
    default: {
      // 8-bit and packed sub-byte types: one byte per int32_data entry.
      const bytes = Uint8Array.from(t.int32_data ?? []);
      return count === 0 ? new Uint8Array(0) : bytes;
    }
  }
}

function attributeFromProto(a: AttributeProto, owner: Graph, ctx: ReadContext): Attribute {
  const value = attributeValue(a, owner, ctx);
  const attr: { name: string; value: AttributeValue; docString?: string; refAttrName?: string } = { name: a.name ?? '', value };
  if (a.doc_string) attr.docString = a.doc_string;
  if (a.ref_attr_name) attr.refAttrName = a.ref_attr_name;
  return attr;
}

function attributeValue(a: AttributeProto, owner: Graph, ctx: ReadContext): AttributeValue {
  switch (a.type ?? 0) {
    case 1: return { type: 'float', value: a.f ?? 0 };
    case 2: return { type: 'int', value: longToBigInt(a.i ?? 0) };
    case 3: return { type: 'string', value: a.s ?? new Uint8Array(0) };
    case 4: return { type: 'tensor', value: tensorFromProto(a.t ?? {}, ctx) };
    case 5: return { type: 'graph', value: graphFromProto(a.g ?? {}, owner, ctx) };
    case 6: return { type: 'floats', value: [...(a.floats ?? [])] };
    case 7: return { type: 'ints', value: (a.ints ?? []).map(longToBigInt) };
    case 8: return { type: 'strings', value: [...(a.strings ?? [])] };
    case 9: return { type: 'tensors', value: (a.tensors ?? []).map((t) => tensorFromProto(t, ctx)) };
    case 10: return { type: 'graphs', value: (a.graphs ?? []).map((g) => graphFromProto(g, owner, ctx)) };
    default: return { type: 'opaque', protoType: a.type ?? 0, value: a };
  }
}

export function decodeString(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}
