import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy, float16ToNumber, npyDirectorySource, NpyFile, readNpy, readNpySync, toModelType, writeNpy } from '../../../src/calibration/sources/index.js';
import { encodeNpyHeader as encodeNpyHeaderFor } from '../../../src/calibration/sources/npy-format.js';
import { CalibrationDataError, FileError, InvalidArgumentError } from '../../../src/errors.js';
import type { HostTensor } from '../../../src/ir/dtype.js';
import { bytes, rawNpy, rejection, tempDir, thrown } from './helpers.js';

const dir = tempDir();
let fileNo = 0;
function file(content: Buffer): string {
  const path = join(dir, `f${fileNo++}.npy`);
  writeFileSync(path, content);
  return path;
}

const SAMPLES: HostTensor[] = [
  { type: 'float32', dims: [2, 3], data: new Float32Array([0, -1.5, 3.25, 1e-8, -0, 65504.5]) },
  { type: 'float64', dims: [3], data: new Float64Array([Math.PI, -1e300, 5e-324]) },
  { type: 'float16', dims: [2, 2], data: new Uint16Array([0x3c00, 0xc000, 0x0001, 0x7c00]) },
  { type: 'int8', dims: [4], data: new Int8Array([-128, -1, 0, 127]) },
  { type: 'uint8', dims: [2, 2], data: new Uint8Array([0, 1, 128, 255]) },
  { type: 'int16', dims: [3], data: new Int16Array([-32768, 7, 32767]) },
  { type: 'uint16', dims: [2], data: new Uint16Array([0, 65535]) },
  { type: 'int32', dims: [3, 1], data: new Int32Array([-2147483648, 42, 2147483647]) },
  { type: 'uint32', dims: [2], data: new Uint32Array([0, 4294967295]) },
  { type: 'int64', dims: [3], data: new BigInt64Array([-(2n ** 63n), 1n, 2n ** 63n - 1n]) },
  { type: 'uint64', dims: [1], data: new BigUint64Array([2n ** 64n - 1n]) },
  { type: 'bool', dims: [2, 2], data: new Uint8Array([1, 0, 0, 1]) },
];

describe('npy round trip', () => {
  for (const t of SAMPLES) {
    it(`writes and reads ${t.type} exactly`, async () => {
      const path = join(dir, `rt-${t.type}.npy`);
      await writeNpy(path, t);
      const back = await readNpy(path);
      expect(back.type).toBe(t.type);
      expect(back.dims).toEqual(t.dims);
      expect(back.data.constructor).toBe(t.data.constructor);
      expect(Array.from(back.data as ArrayLike<unknown>)).toEqual(Array.from(t.data as ArrayLike<unknown>));
    });
  }

  it('aligns the data to 64 bytes and ends the header with a newline, like numpy', () => {
    const buf = encodeNpy({ type: 'float32', dims: [256, 1, 28, 28], data: new Float32Array(256 * 784) });
    const headerEnd = 10 + buf.readUInt16LE(8);
    expect(headerEnd % 64).toBe(0);
    expect(buf[headerEnd - 1]).toBe(0x0a);
    expect(buf.subarray(10, headerEnd).toString('latin1')).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(256, 1, 28, 28\), \}/);
  });

  it('writes version 2 and 3 headers on request and reads them back', async () => {
    for (const version of [2, 3] as const) {
      const path = join(dir, `v${version}.npy`);
      await writeNpy(path, { type: 'int32', dims: [2, 2], data: new Int32Array([1, 2, 3, 4]) }, { version });
      expect(readFileSync(path)[6]).toBe(version);
      const f = await NpyFile.open(path);
      expect(f.header.version).toBe(version);
      expect(f.header.dataOffset % 64).toBe(0);
      expect(Array.from((await f.read(1, 1)).data as Int32Array)).toEqual([3, 4]);
    }
  });

  it('refuses to write types .npy cannot hold, and data that does not match dims', () => {
    expect(thrown(() => encodeNpy({ type: 'bfloat16', dims: [1], data: new Uint16Array(1) }))).toBeInstanceOf(InvalidArgumentError);
    const e = thrown(() => encodeNpy({ type: 'float32', dims: [2, 2], data: new Float32Array(3) }));
    expect(e.message).toContain('3 elements but dims [2, 2] need 4');
  });
});

describe('npy reader on hand-made files', () => {
  it('reads a numpy-style v1 header, 1-d shape with trailing comma', async () => {
    const path = file(rawNpy("{'descr': '<i2', 'fortran_order': False, 'shape': (3,), }", bytes(new Int16Array([5, -6, 7]))));
    const t = await readNpy(path);
    expect(t.dims).toEqual([3]);
    expect(Array.from(t.data as Int16Array)).toEqual([5, -6, 7]);
  });

  it('reads a v2 header, double-quoted keys, Python 2 long integers and no trailing comma', async () => {
    const path = file(rawNpy('{"descr": "<f4", "shape": (2L, 2L), "fortran_order": False}', bytes(new Float32Array([1, 2, 3, 4])), 2));
    const f = await NpyFile.open(path);
    expect(f.header.version).toBe(2);
    expect(f.sampleCount).toBe(2);
    expect(f.sampleDims).toEqual([2]);
    expect(Array.from((await f.read(0, 2)).data as Float32Array)).toEqual([1, 2, 3, 4]);
  });

  it('accepts fortran_order=True when the order makes no difference (one axis longer than 1)', async () => {
    const path = file(rawNpy("{'descr': '<f4', 'fortran_order': True, 'shape': (3, 1), }", bytes(new Float32Array([1, 2, 3]))));
    expect((await readNpy(path)).dims).toEqual([3, 1]);
  });

  it('treats single-byte types as order-free (">i1" and "|u1")', async () => {
    const path = file(rawNpy("{'descr': '>i1', 'fortran_order': False, 'shape': (2,), }", new Uint8Array([0xff, 1])));
    expect(Array.from((await readNpy(path)).data as Int8Array)).toEqual([-1, 1]);
  });

  it('reads any range of samples without reading the rest of the file', async () => {
    const data = Float32Array.from({ length: 10 * 3 }, (_, i) => i);
    const path = file(rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (10, 3), }", bytes(data)));
    const f = await NpyFile.open(path);
    const reader = await f.reader();
    try {
      const target = new Float32Array(6);
      await reader.readInto(7, 2, bytes(target), 0);
      expect(Array.from(target.subarray(0, 6))).toEqual([21, 22, 23, 24, 25, 26]);
      await expect(reader.readInto(9, 2, bytes(target), 0)).rejects.toThrow(RangeError);
    } finally {
      await reader.close();
    }
  });
});

describe('streaming', () => {
  it('reads samples of a 4 GiB file (sparse on disk) without loading it', async () => {
    const sub = join(dir, 'big');
    mkdirSync(sub);
    const path = join(sub, 'input.npy');
    const samples = 1 << 20;
    const header = encodeNpyHeaderFor('<f4', [samples, 1024]);
    const last = new Float32Array(1024).fill(7.5);
    const fd = openSync(path, 'w');
    try {
      writeSync(fd, header, 0, header.length, 0);
      writeSync(fd, bytes(last), 0, 4096, header.length + (samples - 1) * 4096);
    } finally {
      closeSync(fd);
    }
    expect(statSync(path).size).toBe(header.length + samples * 4096);
    const source = await npyDirectorySource(sub);
    expect(source.sampleCount).toBe(samples);
    for await (const batch of source.batches(2)) {
      expect(batch['input']!.dims).toEqual([2, 1024]);
      expect(batch['input']!.data.every((v) => v === 0)).toBe(true);
      break; // leaving early closes the file
    }
    const f = await NpyFile.open(path);
    const tail = await f.read(samples - 2, 2);
    expect(Array.from((tail.data as Float32Array).subarray(1024, 1028))).toEqual([7.5, 7.5, 7.5, 7.5]);
    expect((tail.data as Float32Array)[1023]).toBe(0);
  });
});

describe('npy reader errors', () => {
  const f4 = bytes(new Float32Array([1, 2, 3, 4]));

  async function openError(content: Buffer): Promise<{ path: string; error: Error }> {
    const path = file(content);
    const error = await rejection(NpyFile.open(path));
    expect(error).toBeInstanceOf(CalibrationDataError);
    expect(error.message).toContain(path);
    return { path, error };
  }

  it('bad magic', async () => {
    const { error } = await openError(Buffer.from('hello, this is not numpy at all'));
    expect(error.message).toMatch(/not an \.npy file/);
  });

  it('an .npz archive gets a hint to unzip it', async () => {
    const { error } = await openError(Buffer.from('PK\x03\x04 zip archive contents here'));
    expect(error.message).toMatch(/\.npz archive: unzip it/);
  });

  it('unknown format version', async () => {
    const content = rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", f4);
    content[6] = 9;
    expect((await openError(content)).error.message).toContain('version 9.0');
  });

  it('a damaged version 2 header length', async () => {
    const content = rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", f4, 2);
    content.writeUInt32LE(0xfffffff0, 8);
    expect((await openError(content)).error.message).toContain('claims 4294967280 header bytes');
  });

  it('big-endian data, with a hint to re-save little-endian', async () => {
    const { error } = await openError(rawNpy("{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }", f4));
    expect(error.message).toContain("big-endian (dtype '>f4')");
    expect(error.message).toMatch(/hint: .*newbyteorder\("<"\)/);
  });

  it('Fortran order, with a hint to use np.ascontiguousarray', async () => {
    const { error } = await openError(rawNpy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", f4));
    expect(error.message).toContain('Fortran (column-major) order');
    expect(error.message).toContain('np.ascontiguousarray');
  });

  it('truncated data names the expected and actual byte counts', async () => {
    const { error } = await openError(rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 2), }", f4));
    expect(error.message).toMatch(/truncated: its header promises 32 data bytes but the file holds 16/);
  });

  it('readNpySync reads whole files and fails like the streaming reader', () => {
    const ok = readNpySync(file(rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", f4)));
    expect(ok.dims).toEqual([2, 2]);
    expect(Array.from(ok.data as Float32Array)).toEqual([1, 2, 3, 4]);
    const error = thrown(() => readNpySync(file(rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 2), }", f4))));
    expect(error).toBeInstanceOf(CalibrationDataError);
    expect(error.message).toMatch(/truncated: its header promises 32 data bytes but the file holds 16/);
    expect(thrown(() => readNpySync(join(dir, 'missing.npy')))).toBeInstanceOf(FileError);
  });

  it('truncated header', async () => {
    const full = rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", f4);
    expect((await openError(full.subarray(0, 40))).error.message).toMatch(/truncated: its \.npy header says 118 header bytes but the file has only 40 bytes/);
  });

  it('unsupported dtypes (complex, unicode, object, structured)', async () => {
    for (const descr of ["'<c8'", "'<U5'", "'|O'", "'<M8[ns]'"]) {
      const { error } = await openError(rawNpy(`{'descr': ${descr}, 'fortran_order': False, 'shape': (1,), }`, new Uint8Array(40)));
      expect(error.message).toContain(`dtype ${descr}`);
      expect(error.message).toContain('astype(np.float32)');
    }
    const { error } = await openError(rawNpy("{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8)));
    expect(error.message).toContain('structured');
  });

  it('0-d arrays have no sample axis', async () => {
    const { error } = await openError(rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", bytes(new Float32Array([1]))));
    expect(error.message).toContain('0-d array');
  });

  it('malformed headers', async () => {
    const cases: [string, RegExp][] = [
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (4,)", /malformed .npy header: expected ',' or '}'/],
      ["{'descr': '<f4', 'fortran_order': False}", /'shape' is missing/],
      ["{'descr': '<f4', 'fortran_order': 0, 'shape': (4,)}", /'fortran_order' is missing or not True\/False/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (-4,)}", /'shape' is missing or not a tuple of non-negative integers/],
      ["['descr']", /the header is not a dict/],
    ];
    for (const [dict, message] of cases) expect((await openError(rawNpy(dict, f4))).error.message).toMatch(message);
  });

  it('a missing file is a FileError', async () => {
    const error = await rejection(NpyFile.open(join(dir, 'nope.npy')));
    expect(error).toBeInstanceOf(FileError);
    expect(error.code).toBe('FILE_NOT_FOUND');
    expect(error.message).toContain('nope.npy');
  });
});

describe('toModelType', () => {
  it('decodes float16 to float32, including subnormals and infinities', () => {
    const t = toModelType(SAMPLES[2]!, 'float32');
    expect(t.type).toBe('float32');
    expect(Array.from(t.data as Float32Array)).toEqual([1, -2, 2 ** -24, Infinity]);
    expect(float16ToNumber(0x7e00)).toBeNaN();
    expect(float16ToNumber(0x3555)).toBeCloseTo(0.333, 3);
    expect(Object.is(float16ToNumber(0x8000), -0)).toBe(true);
  });

  it('rounds float64 to float32 and widens integers', () => {
    const t = toModelType({ type: 'float64', dims: [2], data: new Float64Array([0.1, 1e40]) }, 'float32');
    expect(t.data).toEqual(new Float32Array([0.1, Infinity]));
    const ids = toModelType({ type: 'int32', dims: [3], data: new Int32Array([-1, 0, 7]) }, 'int64');
    expect(ids.data).toEqual(new BigInt64Array([-1n, 0n, 7n]));
    const px = toModelType({ type: 'uint8', dims: [2], data: new Uint8Array([0, 255]) }, 'int32');
    expect(px.data).toEqual(new Int32Array([0, 255]));
  });

  it('returns the tensor itself when the type already matches', () => {
    expect(toModelType(SAMPLES[0]!, 'float32')).toBe(SAMPLES[0]);
  });

  it('refuses lossy or meaningless conversions with a hint', () => {
    const e = thrown(() => toModelType({ type: 'uint8', dims: [1], data: new Uint8Array(1) }, 'float32', 'image'));
    expect(e).toBeInstanceOf(CalibrationDataError);
    expect(e.message).toContain("Input 'image': the data is uint8 but the model takes float32");
    expect(e.message).toContain('normalisation');
    expect(thrown(() => toModelType({ type: 'int64', dims: [1], data: new BigInt64Array(1) }, 'int32')).message).toContain('astype(np.int32)');
  });
});

describe('calib-data/input.npy', () => {
  const path = join(import.meta.dirname, '..', '..', '..', 'calib-data', 'input.npy');

  it('holds 256 float32 samples of [1, 28, 28] whose values match a direct read', async () => {
    const f = await NpyFile.open(path);
    expect(f.type).toBe('float32');
    expect(f.sampleCount).toBe(256);
    expect(f.sampleDims).toEqual([1, 28, 28]);
    expect(f.header.dataOffset + 256 * 784 * 4).toBe(statSync(path).size);
    const raw = readFileSync(path);
    const direct = new Float32Array(raw.buffer.slice(raw.byteOffset + f.header.dataOffset, raw.byteOffset + raw.length));
    const first = await f.read(0, 2);
    expect(Array.from((first.data as Float32Array).subarray(0, 784 * 2))).toEqual(Array.from(direct.subarray(0, 784 * 2)));
    const last = await f.read(255, 1);
    expect(Array.from(last.data as Float32Array)).toEqual(Array.from(direct.subarray(255 * 784)));
    // Normalised pixels: a black pixel is (0 - 0.2860) / 0.3530.
    expect(Math.min(...direct.subarray(0, 784))).toBeCloseTo(-0.286 / 0.353, 5);
  });
});
