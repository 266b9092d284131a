import { describe, expect, it } from 'vitest';
import { ModelFormatError, InvalidArgumentError } from '../../src/errors.js';
import {
  checkEncodable,
  countUnknownFields,
  decodeModelProto,
  encodeModelProto,
  MAX_SUPPORTED_IR_VERSION,
} from '../../src/onnx/codec.js';
import { longToNumber } from '../../src/onnx/long.js';
import type { ModelProto, NodeProto } from '../../src/onnx/proto-types.js';
import { ATTRIBUTE_TYPE } from '../../src/onnx/proto-types.js';
import { catchMixq, ldField, readModelBytes, RESNET, tinyModel, varint, VIT } from './helpers.js';

function opCounts(m: ModelProto): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of m.graph?.node ?? []) counts[n.op_type ?? ''] = (counts[n.op_type ?? ''] ?? 0) + 1;
  return counts;
}

function nodeSummary(n: NodeProto): string {
  return JSON.stringify([n.op_type, n.name, n.domain, n.input, n.output, (n.attribute ?? []).map((a) => [a.name, a.type])]);
}

describe('decodeModelProto on real models', () => {
  it('decodes fashion-resnet with the expected ops', () => {
    const m = decodeModelProto(readModelBytes(RESNET), RESNET);
    const c = opCounts(m);
    expect(c['Conv']).toBe(13);
    expect(c['Relu']).toBe(11);
    expect(c['Add']).toBe(5);
    expect(c['Gemm']).toBe(1);
    expect(longToNumber(m.ir_version ?? 0)).toBe(8);
    expect(m.opset_import?.map((o) => [o.domain, longToNumber(o.version ?? 0)])).toEqual([['', 17]]);
    expect(m.graph?.input?.[0]?.name).toBe('input');
    expect(m.graph?.output?.[0]?.name).toBe('logits');
    expect(countUnknownFields(m)).toBe(0);
  });

  it('decodes fashion-vit with the expected ops', () => {
    const m = decodeModelProto(readModelBytes(VIT), VIT);
    const c = opCounts(m);
    expect(c['MatMul']).toBe(24);
    expect(c['LayerNormalization']).toBe(9);
    expect(c['Softmax']).toBe(4);
    const constant = m.graph?.node?.find((n) => n.op_type === 'Constant');
    expect(constant?.attribute?.[0]?.type).toBe(ATTRIBUTE_TYPE.TENSOR);
    expect(constant?.attribute?.[0]?.t).toBeTruthy();
  });

  it('keeps raw_data as views into the input bytes (no copy)', () => {
    const bytes = readModelBytes(RESNET);
    const m = decodeModelProto(bytes, RESNET);
    const inits = m.graph?.initializer ?? [];
    expect(inits.length).toBeGreaterThan(0);
    for (const t of inits) {
      expect(t.raw_data?.buffer).toBe(bytes.buffer);
    }
    // Also with a Node Buffer as input.
    const buf = Buffer.from(bytes);
    const m2 = decodeModelProto(buf, RESNET);
    expect(m2.graph?.initializer?.[0]?.raw_data?.buffer).toBe(buf.buffer);
  });

  for (const file of [RESNET, VIT]) {
    it(`re-encodes ${file.split('/').pop()} byte-identically and losslessly`, () => {
      const bytes = readModelBytes(file);
      const m = decodeModelProto(bytes, file);
      const out = encodeModelProto(m);
      expect(out.length).toBe(bytes.length);
      expect(Buffer.compare(Buffer.from(out), Buffer.from(bytes))).toBe(0);
      const again = decodeModelProto(out, 'reencoded');
      expect(again.graph?.node?.map(nodeSummary)).toEqual(m.graph?.node?.map(nodeSummary));
      const a = m.graph?.initializer ?? [];
      const b = again.graph?.initializer ?? [];
      expect(b.map((t) => t.name)).toEqual(a.map((t) => t.name));
      a.forEach((t, i) => expect(Buffer.from(b[i]?.raw_data ?? []).equals(Buffer.from(t.raw_data ?? []))).toBe(true));
    });
  }
});

describe('encodeModelProto on built messages', () => {
  it('round-trips a plain object with numbers for int64 fields', () => {
    const m = decodeModelProto(encodeModelProto(tinyModel()), 'tiny');
    expect(m.graph?.node?.[0]?.op_type).toBe('Relu');
    expect(longToNumber(m.graph?.input?.[0]?.type?.tensor_type?.shape?.dim?.[1]?.dim_value ?? -1)).toBe(4);
    expect(m.graph?.input?.[0]?.type?.tensor_type?.shape?.dim?.[0]?.dim_param).toBe('N');
    expect(Array.from(new Float32Array(new Uint8Array(m.graph?.initializer?.[0]?.raw_data ?? []).buffer))).toEqual([1.5, -2]);
  });

  it('keeps an explicit zero float attribute (proto2 presence)', () => {
    const model = tinyModel();
    model.graph!.node![0]!.attribute = [{ name: 'alpha', type: ATTRIBUTE_TYPE.FLOAT, f: 0 }];
    const m = decodeModelProto(encodeModelProto(model), 'tiny');
    const attr = m.graph?.node?.[0]?.attribute?.[0];
    expect(attr && Object.hasOwn(attr, 'f')).toBe(true);
  });

  it('round-trips newer fields: functions, metadata, overload, sparse, type protos, device config', () => {
    const model = tinyModel({
      metadata_props: [{ key: 'k', value: 'v' }],
      functions: [{ name: 'F', domain: 'custom', overload: 'o1', input: ['a'], output: ['b'], node: [{ op_type: 'Neg', input: ['a'], output: ['b'] }] }],
      configuration: [{ name: 'cfg', num_devices: 2, device: ['d0', 'd1'] }],
      training_info: [{ initialization_binding: [{ key: 'a', value: 'b' }] }],
    });
    const g = model.graph!;
    g.node![0]!.overload = 'ov';
    g.node![0]!.metadata_props = [{ key: 'nk', value: 'nv' }];
    g.node![0]!.device_configurations = [{ configuration_id: 'cfg', pipeline_stage: 1, sharding_spec: [{ tensor_name: 'x', device: [0, 1] }] }];
    g.node![0]!.attribute = [{ name: 'tp', type: ATTRIBUTE_TYPE.TYPE_PROTO, tp: { optional_type: { elem_type: { sequence_type: {} } } } }];
    g.sparse_initializer = [{ dims: [4], values: { name: 's', dims: [1], data_type: 1, float_data: [3] }, indices: { dims: [1], data_type: 7, int64_data: [2] } }];
    g.quantization_annotation = [{ tensor_name: 'y', quant_parameter_tensor_names: [{ key: 'SCALE_TENSOR', value: 's' }] }];
    g.metadata_props = [{ key: 'gk', value: 'gv' }];
    g.initializer![0]!.data_type = 26; // INT2, the newest data type
    const m = decodeModelProto(encodeModelProto(model), 'rich');
    expect(m.metadata_props?.[0]).toMatchObject({ key: 'k', value: 'v' });
    expect(m.functions?.[0]).toMatchObject({ name: 'F', domain: 'custom', overload: 'o1' });
    expect(m.configuration?.[0]?.device).toEqual(['d0', 'd1']);
    expect(m.training_info?.[0]?.initialization_binding?.[0]?.value).toBe('b');
    const n = m.graph?.node?.[0];
    expect(n?.overload).toBe('ov');
    expect(n?.metadata_props?.[0]?.value).toBe('nv');
    expect(n?.device_configurations?.[0]?.sharding_spec?.[0]?.device?.map(longToNumber)).toEqual([0, 1]);
    expect(n?.attribute?.[0]?.tp?.optional_type?.elem_type?.sequence_type).toBeTruthy();
    expect(m.graph?.sparse_initializer?.[0]?.values?.float_data).toEqual([3]);
    expect(m.graph?.quantization_annotation?.[0]?.tensor_name).toBe('y');
    expect(m.graph?.metadata_props?.[0]?.key).toBe('gk');
    expect(m.graph?.initializer?.[0]?.data_type).toBe(26);
    expect(countUnknownFields(m)).toBe(0);
  });

  it('preserves unknown fields and unknown enum values through decode/encode', () => {
    const base = Array.from(encodeModelProto(tinyModel()));
    // ModelProto field 99 (varint 7) and field 100 (bytes "hi") appended at the top level.
    const withUnknown = new Uint8Array([...base, ...varint(99 * 8), 7, ...ldField(100, [0x68, 0x69])]);
    const m = decodeModelProto(withUnknown, 'unknown');
    expect(countUnknownFields(m)).toBe(2);
    const out = encodeModelProto(m);
    expect(Buffer.from(out).equals(Buffer.from(withUnknown))).toBe(true);

    // An AttributeProto.type value the enum does not know (closed enum in proto2) survives too.
    const model = tinyModel();
    model.graph!.node![0]!.attribute = [{ name: 'future', i: 5 }];
    const attrBytes = Array.from(encodeModelProto(model));
    const m2 = decodeModelProto(new Uint8Array(attrBytes), 'enum');
    const attr = m2.graph!.node![0]!.attribute![0]!;
    (attr as { $unknowns?: Uint8Array[] }).$unknowns = [new Uint8Array([...varint(20 * 8), 42])];
    const m3 = decodeModelProto(encodeModelProto(m2), 'enum2');
    expect(countUnknownFields(m3)).toBe(1);
    expect(Array.from(m3.graph!.node![0]!.attribute![0]!.$unknowns![0]!)).toEqual([...varint(20 * 8), 42]);
  });

  it('checkEncodable / encodeModelProto reject wrongly typed fields with InvalidArgumentError', () => {
    const bad = tinyModel() as unknown as { graph: { node: { op_type: unknown }[] } };
    bad.graph.node[0]!.op_type = 42;
    expect(() => checkEncodable(bad as unknown as ModelProto)).toThrow(InvalidArgumentError);
    expect(() => checkEncodable(tinyModel())).not.toThrow();
  });
});

describe('decodeModelProto errors', () => {
  const resnet = readModelBytes(RESNET);

  function expectFormatError(bytes: Uint8Array, code: string): ModelFormatError {
    const e = catchMixq(() => decodeModelProto(bytes, 'some/model.onnx'));
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(e.code).toBe(code);
    expect(e.message).toContain('some/model.onnx');
    expect(e.hint).toBeTruthy();
    return e as ModelFormatError;
  }

  it('empty file -> NOT_ONNX', () => {
    expect(expectFormatError(new Uint8Array(0), 'NOT_ONNX').message).toMatch(/empty/);
  });

  it('text, JSON, HTML, LFS pointer, PNG, ZIP -> NOT_ONNX naming the format', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(expectFormatError(enc('hello world\nthis is text\n'), 'NOT_ONNX').message).toMatch(/text file/);
    expect(expectFormatError(enc('{"a": 1}'), 'NOT_ONNX').message).toMatch(/JSON/);
    expect(expectFormatError(enc('<!DOCTYPE html><html>'), 'NOT_ONNX').message).toMatch(/HTML/);
    const lfs = expectFormatError(enc('version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n'), 'NOT_ONNX');
    expect(lfs.hint).toMatch(/git lfs pull/);
    expect(expectFormatError(enc('ir_version: 8\ngraph {\n}\n'), 'NOT_ONNX').message).toMatch(/text format/);
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    expect(expectFormatError(png, 'NOT_ONNX').message).toMatch(/PNG/);
    expect(expectFormatError(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0]), 'NOT_ONNX').message).toMatch(/ZIP/);
  });

  it('protobuf that holds no model -> NOT_ONNX', () => {
    // Field 15 (unknown to ModelProto), varint 1.
    expectFormatError(new Uint8Array([0x78, 0x01]), 'NOT_ONNX');
  });

  it('random bytes -> NOT_ONNX or CORRUPT_MODEL, never anything else', () => {
    let seed = 12345;
    for (let i = 0; i < 50; i++) {
      const n = 1 + (i * 97) % 4000;
      const bytes = new Uint8Array(n);
      for (let j = 0; j < n; j++) bytes[j] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      const e = catchMixq(() => decodeModelProto(bytes, 'random.bin'));
      expect(['NOT_ONNX', 'CORRUPT_MODEL', 'UNSUPPORTED_IR_VERSION']).toContain(e.code);
    }
  });

  it('truncated files -> CORRUPT_MODEL at every kind of cut', () => {
    const cuts = [1, 2, 3, 5, 10, 20, 50, 100, 1000, 4096, resnet.length >> 1, resnet.length - 1000, resnet.length - 10, resnet.length - 1];
    for (const cut of cuts) {
      expectFormatError(resnet.subarray(0, cut), 'CORRUPT_MODEL');
    }
  });

  it('IR version 99 and 2 -> UNSUPPORTED_IR_VERSION with a re-export hint', () => {
    const m = decodeModelProto(resnet, RESNET);
    for (const ir of [99, MAX_SUPPORTED_IR_VERSION + 1, 2]) {
      const e = expectFormatError(encodeModelProto({ ...m, ir_version: ir }), 'UNSUPPORTED_IR_VERSION');
      expect(e.message).toContain(String(ir));
      expect(e.hint).toMatch(/export/i);
    }
    expect(() => decodeModelProto(encodeModelProto({ ...m, ir_version: MAX_SUPPORTED_IR_VERSION }), 'x')).not.toThrow();
  });

  it('missing graph, missing ir_version, missing opset -> CORRUPT_MODEL', () => {
    expectFormatError(encodeModelProto({ ir_version: 8, opset_import: [{ version: 17 }] }), 'CORRUPT_MODEL');
    const { ir_version: _drop, ...noIr } = tinyModel();
    void _drop;
    expectFormatError(encodeModelProto(noIr), 'CORRUPT_MODEL');
    expectFormatError(encodeModelProto(tinyModel({ opset_import: [] })), 'CORRUPT_MODEL');
  });

  it('invalid UTF-8 in a name -> CORRUPT_MODEL mentioning UTF-8', () => {
    const model = tinyModel();
    model.graph!.node![0]!.name = 'RELU';
    const bytes = encodeModelProto(model);
    const at = Buffer.from(bytes).indexOf('RELU');
    bytes[at] = 0xff;
    expect(expectFormatError(bytes, 'CORRUPT_MODEL').message).toMatch(/UTF-8/);
  });

  it('deep nesting -> CORRUPT_MODEL, no stack overflow', () => {
    // TypeProto{sequence_type: Sequence{elem_type: TypeProto{...}}} nested far past protobuf's limit.
    let type: number[] = [];
    for (let i = 0; i < 400; i++) type = ldField(4, ldField(1, type));
    const valueInfo = [...ldField(1, [0x78]), ...ldField(2, type)];
    const graph = ldField(11, valueInfo);
    const bytes = new Uint8Array([...varint(8), 8, ...ldField(7, graph)]);
    expect(expectFormatError(bytes, 'CORRUPT_MODEL').message).toMatch(/nested/);
  });
});
