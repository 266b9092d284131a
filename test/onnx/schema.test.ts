import Long from 'long';
import { describe, expect, it } from 'vitest';
import { longToBigInt, longToNumber, longToSafeNumber, toLong } from '../../src/onnx/long.js';
import { ATTRIBUTE_TYPE, DATA_LOCATION, DATA_TYPE } from '../../src/onnx/proto-types.js';
import { onnxRoot } from '../../src/onnx/schema.js';
import { DATA_TYPE_CODES } from '../../src/ir/dtype.js';

function fieldId(type: string, field: string): number | undefined {
  return onnxRoot.lookupType(`onnx.${type}`).fields[field]?.id;
}

describe('ONNX schema', () => {
  it('has the current (IR 10+) fields at the right numbers', () => {
    const expected: [string, string, number][] = [
      ['ModelProto', 'ir_version', 1],
      ['ModelProto', 'opset_import', 8],
      ['ModelProto', 'graph', 7],
      ['ModelProto', 'metadata_props', 14],
      ['ModelProto', 'training_info', 20],
      ['ModelProto', 'functions', 25],
      ['ModelProto', 'configuration', 26],
      ['GraphProto', 'initializer', 5],
      ['GraphProto', 'sparse_initializer', 15],
      ['GraphProto', 'quantization_annotation', 14],
      ['GraphProto', 'metadata_props', 16],
      ['NodeProto', 'domain', 7],
      ['NodeProto', 'overload', 8],
      ['NodeProto', 'metadata_props', 9],
      ['NodeProto', 'device_configurations', 10],
      ['AttributeProto', 'ref_attr_name', 21],
      ['AttributeProto', 'type', 20],
      ['AttributeProto', 'tp', 14],
      ['AttributeProto', 'type_protos', 15],
      ['AttributeProto', 'sparse_tensor', 22],
      ['AttributeProto', 'sparse_tensors', 23],
      ['TensorProto', 'raw_data', 9],
      ['TensorProto', 'external_data', 13],
      ['TensorProto', 'data_location', 14],
      ['TensorProto', 'uint64_data', 11],
      ['TensorProto', 'metadata_props', 16],
      ['ValueInfoProto', 'metadata_props', 4],
      ['TypeProto', 'optional_type', 9],
      ['TypeProto', 'sparse_tensor_type', 8],
      ['TypeProto', 'opaque_type', 7],
      ['FunctionProto', 'attribute_proto', 11],
      ['FunctionProto', 'value_info', 12],
      ['FunctionProto', 'overload', 13],
      ['FunctionProto', 'metadata_props', 14],
    ];
    for (const [type, field, id] of expected) expect(fieldId(type, field), `${type}.${field}`).toBe(id);
  });

  it('declares packed encoding only where the format does (proto2: dims is not packed)', () => {
    const tensor = onnxRoot.lookupType('onnx.TensorProto');
    expect(tensor.fields['dims']?.packed).toBe(false);
    for (const f of ['float_data', 'int32_data', 'int64_data', 'double_data', 'uint64_data']) {
      expect(tensor.fields[f]?.packed, f).toBe(true);
    }
  });

  it('enums agree with the exported constants and with src/ir/dtype.ts', () => {
    const dataType = onnxRoot.lookupEnum('onnx.TensorProto.DataType').values;
    expect(dataType).toEqual(DATA_TYPE);
    expect(Object.values(DATA_TYPE_CODES).sort((a, b) => a - b)).toEqual(Object.values(DATA_TYPE).filter((v) => v > 0));
    expect(onnxRoot.lookupEnum('onnx.AttributeProto.AttributeType').values).toEqual(ATTRIBUTE_TYPE);
    expect(onnxRoot.lookupEnum('onnx.TensorProto.DataLocation').values).toEqual(DATA_LOCATION);
  });
});

describe('long helpers', () => {
  it('convert Long and number values exactly', () => {
    expect(longToNumber(Long.fromNumber(123456789012))).toBe(123456789012);
    expect(longToNumber(-5)).toBe(-5);
    expect(longToBigInt(Long.fromString('-9223372036854775808'))).toBe(-9223372036854775808n);
    expect(longToBigInt(Long.fromString('18446744073709551615', true))).toBe(18446744073709551615n);
    expect(longToBigInt({ low: -1, high: -1, unsigned: false } as unknown as Long)).toBe(-1n);
    expect(() => longToNumber(Long.fromString('9007199254740993'))).toThrow(RangeError);
    expect(longToSafeNumber(Long.fromString('9007199254740993'))).toBeUndefined();
    expect(longToBigInt(toLong(-(2n ** 40n)))).toBe(-(2n ** 40n));
    expect(longToNumber(toLong(42))).toBe(42);
  });
});
