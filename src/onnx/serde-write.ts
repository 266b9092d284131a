/**
 * Our IR → plain ModelProto-shaped objects that protobufjs encodes. Big tensors can be diverted to
 * external data through `placeTensor`.
 */
import Long from 'long';
import { dataTypeCode, type Attribute, type Graph, type Model, type Tensor, type Value, type ValueType } from '../ir/index.js';
import type { AttributeProto, GraphProto, ModelProto, TensorProto, TypeProto, ValueInfoProto } from './proto-types.js';

/** Decides where a tensor's bytes go: inline (undefined) or external (the entries to record). */
export type TensorPlacer = (tensor: Tensor) => { location: string; offset: number; length: number } | undefined;

export interface WriteContext {
  readonly placeTensor: TensorPlacer | undefined;
}

const long = (v: number | bigint): Long => Long.fromString(v.toString());
const entries = (props: readonly [string, string][]) => props.map(([key, value]) => ({ key, value }));

export function modelToProto(model: Model, ctx: WriteContext): ModelProto {
  const proto: Record<string, unknown> = {
    ir_version: long(model.irVersion),
    opset_import: [...model.opsetImports].map(([domain, version]) => (domain ? { domain, version: long(version) } : { version: long(version) })),
    graph: graphToProto(model.graph, ctx),
  };
  if (model.producerName) proto['producer_name'] = model.producerName;
  if (model.producerVersion) proto['producer_version'] = model.producerVersion;
  if (model.domain) proto['domain'] = model.domain;
  if (model.modelVersion) proto['model_version'] = long(model.modelVersion);
  if (model.docString) proto['doc_string'] = model.docString;
  if (model.metadataProps.length) proto['metadata_props'] = entries(model.metadataProps);
  for (const [key, value] of Object.entries(model.preserved)) proto[key] = value;
  return proto as ModelProto;
}

function graphToProto(graph: Graph, ctx: WriteContext): GraphProto {
  const proto: Record<string, unknown> = {
    node: graph.nodes.map((node) => {
      const n: Record<string, unknown> = {
        input: node.inputs.map((v) => v?.name ?? ''),
        output: node.outputs.map((v) => v?.name ?? ''),
      };
      if (node.name) n['name'] = node.name;
      n['op_type'] = node.opType;
      if (node.domain) n['domain'] = node.domain;
      if (node.overload) n['overload'] = node.overload;
      if (node.attributes.size) n['attribute'] = [...node.attributes.values()].map((a) => attributeToProto(a, ctx));
      if (node.docString) n['doc_string'] = node.docString;
      if (node.metadataProps.length) n['metadata_props'] = entries(node.metadataProps);
      return n;
    }),
    name: graph.name,
  };
  if (graph.initializers.length) proto['initializer'] = graph.initializers.map((v) => tensorToProto(v.initializer!, ctx));
  if (graph.docString) proto['doc_string'] = graph.docString;
  proto['input'] = graph.inputs.map(valueInfo);
  proto['output'] = graph.outputs.map(valueInfo);
  const infos = valueInfos(graph);
  if (infos.length) proto['value_info'] = infos;
  for (const key of ['sparse_initializer', 'quantization_annotation'] as const) {
    if (graph.preserved[key]) proto[key] = graph.preserved[key];
  }
  if (graph.metadataProps.length) proto['metadata_props'] = entries(graph.metadataProps);
  return proto as GraphProto;
}

/** value_info for typed intermediate values: the file's own order first, then new ones. */
function valueInfos(graph: Graph): ValueInfoProto[] {
  const skip = (v: Value) => v.isGraphInput || v.isGraphOutput || v.initializer !== undefined || v.type === undefined;
  const seen = new Set<string>();
  const out: ValueInfoProto[] = [];
  const order = (graph.preserved['value_info_order'] as string[] | undefined) ?? [];
  for (const name of order) {
    const v = graph.ownValue(name);
    if (v && !skip(v) && !seen.has(name)) {
      seen.add(name);
      out.push(valueInfo(v));
    }
  }
  for (const node of graph.nodes) {
    for (const v of node.outputs) {
      if (v && !skip(v) && !seen.has(v.name)) {
        seen.add(v.name);
        out.push(valueInfo(v));
      }
    }
  }
  return out;
}

function valueInfo(v: Value): ValueInfoProto {
  const info: Record<string, unknown> = { name: v.name };
  const type = typeToProto(v.type);
  if (type) info['type'] = type;
  if (v.docString) info['doc_string'] = v.docString;
  if (v.metadataProps.length) info['metadata_props'] = entries(v.metadataProps);
  return info as ValueInfoProto;
}

function typeToProto(type: ValueType | undefined): TypeProto | undefined {
  if (!type) return undefined;
  if (type.kind === 'opaque') return type.proto as TypeProto;
  const tensorType: Record<string, unknown> = { elem_type: dataTypeCode(type.elemType) };
  if (type.shape) {
    tensorType['shape'] = {
      dim: type.shape.map((d) => (typeof d === 'number' ? { dim_value: long(d) } : typeof d === 'string' ? { dim_param: d } : {})),
    };
  }
  return { tensor_type: tensorType } as TypeProto;
}

export function tensorToProto(t: Tensor, ctx: WriteContext): TensorProto {
  const proto: Record<string, unknown> = { dims: t.dims.map(long), data_type: dataTypeCode(t.type) };
  if (t.type === 'string') {
    proto['string_data'] = [...t.strings()];
  }
  if (t.name) proto['name'] = t.name;
  if (t.docString) proto['doc_string'] = t.docString;
  if (t.type !== 'string') {
    const place = ctx.placeTensor?.(t);
    if (place) {
      proto['external_data'] = [
        { key: 'location', value: place.location },
        { key: 'offset', value: String(place.offset) },
        { key: 'length', value: String(place.length) },
      ];
      proto['data_location'] = 1;
    } else {
      proto['raw_data'] = t.bytes();
    }
  }
  return proto as TensorProto;
}

function attributeToProto(a: Attribute, ctx: WriteContext): AttributeProto {
  const v = a.value;
  if (v.type === 'opaque') return v.value as AttributeProto;
  const p: Record<string, unknown> = { name: a.name };
  if (a.refAttrName) p['ref_attr_name'] = a.refAttrName;
  if (a.docString) p['doc_string'] = a.docString;
  switch (v.type) {
    case 'float': p['f'] = v.value; p['type'] = 1; break;
    case 'int': p['i'] = long(v.value); p['type'] = 2; break;
    case 'string': p['s'] = v.value; p['type'] = 3; break;
    case 'tensor': p['t'] = tensorToProto(v.value, ctx); p['type'] = 4; break;
    case 'graph': p['g'] = graphToProto(v.value, ctx); p['type'] = 5; break;
    case 'floats': p['floats'] = [...v.value]; p['type'] = 6; break;
    case 'ints': p['ints'] = v.value.map(long); p['type'] = 7; break;
    case 'strings': p['strings'] = [...v.value]; p['type'] = 8; break;
    case 'tensors': p['tensors'] = v.value.map((t) => tensorToProto(t, ctx)); p['type'] = 9; break;
    case 'graphs': p['graphs'] = v.value.map((g) => graphToProto(g, ctx)); p['type'] = 10; break;
  }
  return p as AttributeProto;
}
