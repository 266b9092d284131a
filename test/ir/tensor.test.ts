import { describe, expect, it } from 'vitest';
import { GraphError, UnsupportedTypeError } from '../../src/errors.js';
import { byteLengthOf, DATA_TYPE_CODES, dataTypeCode, dataTypeFromCode, Tensor, type DataType } from '../../src/ir/index.js';
import { catchMixq, expectSame, tensorValues } from '../fixtures/helpers.js';
import { halfToFloat, seededHalfBits } from '../fixtures/random.js';

describe('Tensor.fromArray / toArray / bytes', () => {
  it('float32: bytes are a view on the array, toArray gives the values back', () => {
    const data = Float32Array.of(1.5, -2, 3.25, 0, Number.NaN, -0);
    const t = Tensor.fromArray('w', 'float32', [2, 3], data);
    expect([t.name, t.type, t.dims, t.elementCount, t.byteLength]).toEqual(['w', 'float32', [2, 3], 6, 24]);
    expect(t.bytes().buffer).toBe(data.buffer);
    expect(Array.from(t.bytes().subarray(0, 4))).toEqual([0, 0, 0xc0, 0x3f]); // 1.5 little-endian
    const back = t.toArray() as Float32Array;
    expect(back).toBeInstanceOf(Float32Array);
    expect(Object.is(back[4], Number.NaN) || Number.isNaN(back[4])).toBe(true);
    expect(Object.is(back[5], -0)).toBe(true);
    expect(Array.from(back.subarray(0, 4))).toEqual([1.5, -2, 3.25, 0]);
    expect(t.isLoaded).toBe(true);
  });

  it.each<[DataType, ArrayLike<number | bigint> & { length: number }, number[]]>([
    ['int64', BigInt64Array.of(-1n, 9007199254740993n), [2]],
    ['uint64', BigUint64Array.of(18446744073709551615n), [1]],
    ['int8', Int8Array.of(-128, 127, 0), [3]],
    ['uint8', Uint8Array.of(0, 255), [2]],
    ['int16', Int16Array.of(-32768, 32767), [2]],
    ['uint16', Uint16Array.of(65535), [1]],
    ['int32', Int32Array.of(-5, 6, 7, 8), [2, 2]],
    ['uint32', Uint32Array.of(4294967295), [1]],
    ['float64', Float64Array.of(Math.PI), []],
    ['bool', Uint8Array.of(1, 0, 1), [3]],
  ])('%s round-trips through bytes and toArray', (type, array, dims) => {
    const t = Tensor.fromArray('t', type, dims, array as never);
    expect(t.byteLength).toBe(byteLengthOf(type, array.length));
    const again = Tensor.fromBytes('t2', type, dims, new Uint8Array(t.bytes()));
    expect(Array.from(again.toArray() as ArrayLike<number | bigint>)).toEqual(Array.from(array));
  });

  it('float16 and bfloat16 are held as raw 16-bit patterns', () => {
    const bits = seededHalfBits(3, 8);
    const t = Tensor.fromArray('h', 'float16', [8], bits);
    expect(t.byteLength).toBe(16);
    const back = t.toArray() as Uint16Array;
    expect(back).toBeInstanceOf(Uint16Array);
    expect(Array.from(back)).toEqual(Array.from(bits));
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    const bf = Tensor.fromArray('b', 'bfloat16', [1], Uint16Array.of(0x3f80)); // 1.0
    expect(tensorValues(bf)).toEqual([0x3f80]);
  });

  it('respects the byte offset of a view, and copies when bytes are unaligned', () => {
    const backing = new Float32Array([9, 1, 2, 9]);
    const t = Tensor.fromArray('v', 'float32', [2], backing.subarray(1, 3));
    expect(t.bytes().byteOffset).toBe(4);
    expect(tensorValues(t)).toEqual([1, 2]);

    const raw = new Uint8Array(9);
    raw.set(new Uint8Array(Float32Array.of(7, -1).buffer), 1);
    const unaligned = Tensor.fromBytes('u', 'float32', [2], raw.subarray(1));
    const arr = unaligned.toArray();
    expect(arr.byteOffset % 4).toBe(0);
    expect(Array.from(arr as Float32Array)).toEqual([7, -1]);
  });

  it('accepts a Node Buffer for uint8 data', () => {
    const t = Tensor.fromArray('buf', 'uint8', [3], Buffer.from([1, 2, 3]));
    expect(tensorValues(t)).toEqual([1, 2, 3]);
  });

  it('rejects an array of the wrong kind or size', () => {
    expect(() => Tensor.fromArray('w', 'float32', [2], Float64Array.of(1, 2))).toThrow(UnsupportedTypeError);
    expect(() => Tensor.fromArray('w', 'int64', [1], Int32Array.of(1))).toThrow(UnsupportedTypeError);
    expect(() => Tensor.fromArray('w', 'float32', [2, 2], Float32Array.of(1, 2, 3))).toThrow(GraphError);
    expect(() => Tensor.fromArray('w', 'int4', [2], Uint8Array.of(1))).toThrow(UnsupportedTypeError);
    const e = catchMixq(() => Tensor.fromBytes('w', 'float32', [3], new Uint8Array(8)));
    expect(e.code).toBe('INVALID_GRAPH');
    expect(e.message).toContain("'w'");
    expect(e.message).toContain('12 bytes');
  });

  it('packs sub-byte types: int4 [3] takes 2 bytes', () => {
    const t = Tensor.fromBytes('q', 'int4', [3], Uint8Array.of(0x21, 0x03));
    expect(t.byteLength).toBe(2);
    expect(() => t.toArray()).toThrow(UnsupportedTypeError);
    expect(() => Tensor.fromBytes('q', 'int4', [3], Uint8Array.of(1))).toThrow(GraphError);
  });

  it('dims are frozen copies', () => {
    const dims = [2, 2];
    const t = Tensor.fromArray('w', 'float32', dims, new Float32Array(4));
    dims[0] = 9;
    expect(t.dims).toEqual([2, 2]);
    expect(Object.isFrozen(t.dims)).toBe(true);
  });
});

describe('Tensor.withName and strings', () => {
  it('withName shares the bytes and leaves the original alone', () => {
    const t = Tensor.fromArray('a', 'float32', [2], Float32Array.of(1, 2));
    const u = t.withName('b');
    expect([t.name, u.name]).toEqual(['a', 'b']);
    expectSame(u.bytes(), t.bytes(), 'shared bytes');
    expect([u.type, u.dims, u.docString]).toEqual([t.type, t.dims, t.docString]);
  });

  it('string tensors hold values, not bytes', () => {
    const enc = new TextEncoder();
    const t = Tensor.fromStrings('s', [2], [enc.encode('ab'), enc.encode('cde')]);
    expect(t.byteLength).toBe(5);
    expect(t.strings().map((b) => new TextDecoder().decode(b))).toEqual(['ab', 'cde']);
    expect(() => t.bytes()).toThrow(UnsupportedTypeError);
    expect(() => t.toArray()).toThrow(UnsupportedTypeError);
    expect(() => Tensor.fromArray('f', 'float32', [1], Float32Array.of(1)).strings()).toThrow(UnsupportedTypeError);
  });
});

describe('lazy tensors', () => {
  const location = { location: 'model.onnx.data', offset: 4096, length: 12 };
  const payload = () => new Uint8Array(Float32Array.of(1, 2, 3).buffer);

  it('know their size before loading and read once, on first use', () => {
    let loads = 0;
    const t = Tensor.lazy('w', 'float32', [3], location, () => {
      loads++;
      return payload();
    });
    expect([t.isLoaded, t.byteLength, t.elementCount, loads]).toEqual([false, 12, 3, 0]);
    expect(t.external).toEqual(location);
    expect(tensorValues(t)).toEqual([1, 2, 3]);
    expect(t.isLoaded).toBe(true);
    t.bytes();
    t.toArray();
    expect(loads).toBe(1);
    expect(t.external).toEqual(location);
  });

  it('report a wrong external length as GraphError naming the tensor', () => {
    const t = Tensor.lazy('short', 'float32', [4], location, payload);
    const e = catchMixq(() => t.bytes());
    expect(e).toBeInstanceOf(GraphError);
    expect(e.message).toContain("'short'");
    expect(e.message).toMatch(/12 bytes, expected 16/);
  });

  it('propagate a loader error and stay unloaded', () => {
    let fail = true;
    const t = Tensor.lazy('w', 'float32', [3], location, () => {
      if (fail) throw new Error('disk gone');
      return payload();
    });
    expect(() => t.bytes()).toThrow('disk gone');
    expect(t.isLoaded).toBe(false);
    fail = false;
    expect(tensorValues(t)).toEqual([1, 2, 3]);
  });
});

describe('data type codes', () => {
  it('are the ONNX TensorProto codes and map both ways', () => {
    expect([dataTypeCode('float32'), dataTypeCode('float16'), dataTypeCode('bfloat16'), dataTypeCode('int4')]).toEqual([1, 10, 16, 22]);
    for (const [name, code] of Object.entries(DATA_TYPE_CODES)) expect(dataTypeFromCode(code)).toBe(name);
    expect(dataTypeFromCode(0)).toBeUndefined();
    expect(dataTypeFromCode(999)).toBeUndefined();
  });
});
