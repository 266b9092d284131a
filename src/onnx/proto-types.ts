/**
 * TypeScript shapes of ONNX messages as protobufjs decodes them from `schema.ts` (keepCase, so the
 * field names are the format's snake_case names).
 *
 * The same types describe messages we build for encoding, so every field is optional:
 * - decoding always sets repeated fields to arrays (possibly empty); built messages may omit them;
 * - an absent optional field of a decoded message is not an own property; reading it yields the
 *   prototype default ("" for strings, 0 / Long 0 for numbers, null for messages), hence `| null` on
 *   message fields; test presence with Object.hasOwn when the difference matters (e.g. f = 0);
 * - int64 / uint64 values are `Long` (from the `long` package; compare with `Long.isLong`, not
 *   `instanceof`, since protobufjs loads the CommonJS build) or plain numbers in objects we build;
 * - bytes are `Uint8Array` views into the decoded file (no copy);
 * - fields of a closed enum holding a value the schema does not know, and fields the schema does not
 *   know, are kept as raw bytes in the non-enumerable `$unknowns` and written back on encode.
 */
import type Long from 'long';

export type Int64 = Long | number;

/** Raw wire bytes of fields the schema did not recognise (see codec.ts). */
export interface UnknownFields {
  $unknowns?: Uint8Array[];
}

export interface StringStringEntryProto extends UnknownFields {
  key?: string;
  value?: string;
}

export interface OperatorSetIdProto extends UnknownFields {
  domain?: string;
  version?: Int64;
}

export interface TensorSegment extends UnknownFields {
  begin?: Int64;
  end?: Int64;
}

export interface TensorProto extends UnknownFields {
  dims?: Int64[];
  /** A TensorProto.DataType code (see DATA_TYPE). int32 in the format, not an enum, so any value survives. */
  data_type?: number;
  segment?: TensorSegment | null;
  float_data?: number[];
  int32_data?: number[];
  string_data?: Uint8Array[];
  int64_data?: Int64[];
  name?: string;
  doc_string?: string;
  raw_data?: Uint8Array;
  external_data?: StringStringEntryProto[];
  /** DATA_LOCATION.DEFAULT or DATA_LOCATION.EXTERNAL. */
  data_location?: number;
  double_data?: number[];
  uint64_data?: Int64[];
  metadata_props?: StringStringEntryProto[];
}

export interface SparseTensorProto extends UnknownFields {
  values?: TensorProto | null;
  indices?: TensorProto | null;
  dims?: Int64[];
}

export interface TensorShapeDimension extends UnknownFields {
  /** Oneof `value`: at most one of dim_value / dim_param is set. */
  dim_value?: Int64 | null;
  dim_param?: string | null;
  denotation?: string;
  /** protobufjs oneof accessor on decoded messages: the name of the member that is set. */
  readonly value?: 'dim_value' | 'dim_param' | undefined;
}

export interface TensorShapeProto extends UnknownFields {
  dim?: TensorShapeDimension[];
}

export interface TypeProtoTensor extends UnknownFields {
  elem_type?: number;
  shape?: TensorShapeProto | null;
}

export interface TypeProtoSequence extends UnknownFields {
  elem_type?: TypeProto | null;
}

export interface TypeProtoMap extends UnknownFields {
  key_type?: number;
  value_type?: TypeProto | null;
}

export interface TypeProtoOptional extends UnknownFields {
  elem_type?: TypeProto | null;
}

export interface TypeProtoSparseTensor extends UnknownFields {
  elem_type?: number;
  shape?: TensorShapeProto | null;
}

export interface TypeProtoOpaque extends UnknownFields {
  domain?: string;
  name?: string;
}

export interface TypeProto extends UnknownFields {
  /** Oneof `value`: at most one of the *_type members is set. */
  tensor_type?: TypeProtoTensor | null;
  sequence_type?: TypeProtoSequence | null;
  map_type?: TypeProtoMap | null;
  optional_type?: TypeProtoOptional | null;
  sparse_tensor_type?: TypeProtoSparseTensor | null;
  opaque_type?: TypeProtoOpaque | null;
  denotation?: string;
  /** protobufjs oneof accessor on decoded messages: the name of the member that is set. */
  readonly value?:
    | 'tensor_type'
    | 'sequence_type'
    | 'map_type'
    | 'optional_type'
    | 'sparse_tensor_type'
    | 'opaque_type'
    | undefined;
}

export interface ValueInfoProto extends UnknownFields {
  name?: string;
  type?: TypeProto | null;
  doc_string?: string;
  metadata_props?: StringStringEntryProto[];
}

export interface AttributeProto extends UnknownFields {
  name?: string;
  ref_attr_name?: string;
  doc_string?: string;
  /** An ATTRIBUTE_TYPE code. */
  type?: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: TensorProto | null;
  g?: GraphProto | null;
  sparse_tensor?: SparseTensorProto | null;
  tp?: TypeProto | null;
  floats?: number[];
  ints?: Int64[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
  sparse_tensors?: SparseTensorProto[];
  type_protos?: TypeProto[];
}

export interface IntIntListEntryProto extends UnknownFields {
  key?: Int64;
  value?: Int64[];
}

export interface SimpleShardedDimProto extends UnknownFields {
  /** Oneof `dim`. */
  dim_value?: Int64 | null;
  dim_param?: string | null;
  num_shards?: Int64;
  readonly dim?: 'dim_value' | 'dim_param' | undefined;
}

export interface ShardedDimProto extends UnknownFields {
  axis?: Int64;
  simple_sharding?: SimpleShardedDimProto[];
}

export interface ShardingSpecProto extends UnknownFields {
  tensor_name?: string;
  device?: Int64[];
  index_to_device_group_map?: IntIntListEntryProto[];
  sharded_dim?: ShardedDimProto[];
}

export interface NodeDeviceConfigurationProto extends UnknownFields {
  configuration_id?: string;
  sharding_spec?: ShardingSpecProto[];
  pipeline_stage?: number;
}

export interface NodeProto extends UnknownFields {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  overload?: string;
  attribute?: AttributeProto[];
  doc_string?: string;
  metadata_props?: StringStringEntryProto[];
  device_configurations?: NodeDeviceConfigurationProto[];
}

export interface TensorAnnotation extends UnknownFields {
  tensor_name?: string;
  quant_parameter_tensor_names?: StringStringEntryProto[];
}

export interface GraphProto extends UnknownFields {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  sparse_initializer?: SparseTensorProto[];
  doc_string?: string;
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  value_info?: ValueInfoProto[];
  quantization_annotation?: TensorAnnotation[];
  metadata_props?: StringStringEntryProto[];
}

export interface FunctionProto extends UnknownFields {
  name?: string;
  input?: string[];
  output?: string[];
  attribute?: string[];
  attribute_proto?: AttributeProto[];
  node?: NodeProto[];
  doc_string?: string;
  opset_import?: OperatorSetIdProto[];
  domain?: string;
  overload?: string;
  value_info?: ValueInfoProto[];
  metadata_props?: StringStringEntryProto[];
}

export interface TrainingInfoProto extends UnknownFields {
  initialization?: GraphProto | null;
  algorithm?: GraphProto | null;
  initialization_binding?: StringStringEntryProto[];
  update_binding?: StringStringEntryProto[];
}

export interface DeviceConfigurationProto extends UnknownFields {
  name?: string;
  num_devices?: number;
  device?: string[];
}

export interface ModelProto extends UnknownFields {
  ir_version?: Int64;
  opset_import?: OperatorSetIdProto[];
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: Int64;
  doc_string?: string;
  graph?: GraphProto | null;
  metadata_props?: StringStringEntryProto[];
  training_info?: TrainingInfoProto[];
  functions?: FunctionProto[];
  configuration?: DeviceConfigurationProto[];
}

/** AttributeProto.AttributeType codes. */
export const ATTRIBUTE_TYPE = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;
export type AttributeTypeCode = (typeof ATTRIBUTE_TYPE)[keyof typeof ATTRIBUTE_TYPE];

/** TensorProto.DataLocation codes. */
export const DATA_LOCATION = {
  DEFAULT: 0,
  EXTERNAL: 1,
} as const;

/** TensorProto.DataType codes, named as in the format (src/ir/dtype.ts has mixq's own names). */
export const DATA_TYPE = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
  FLOAT8E4M3FN: 17,
  FLOAT8E4M3FNUZ: 18,
  FLOAT8E5M2: 19,
  FLOAT8E5M2FNUZ: 20,
  UINT4: 21,
  INT4: 22,
  FLOAT4E2M1: 23,
  FLOAT8E8M0: 24,
  UINT2: 25,
  INT2: 26,
} as const;
