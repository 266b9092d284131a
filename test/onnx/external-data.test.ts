import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../src/errors.js';
import {
  ExternalDataWriter,
  externalDataEntries,
  externalDataProtoEntries,
  readExternalData,
  resolveExternalLocation,
} from '../../src/onnx/file-io.js';
import { catchMixq } from './helpers.js';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mixq-ext-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

function expectCode(fn: () => unknown, code: string): ModelFormatError {
  const e = catchMixq(fn);
  expect(e.code).toBe(code);
  expect(e).toBeInstanceOf(ModelFormatError);
  expect(e.message).toContain('m.onnx');
  expect(e.hint).toBeTruthy();
  return e as ModelFormatError;
}

describe('ExternalDataWriter', () => {
  it('appends aligned tensors, commits atomically, and readExternalData reads them back', () => {
    const dataPath = path.join(dir, 'model.onnx.data');
    const w = ExternalDataWriter.open(dataPath, 'model.onnx.data');
    const small = bytes(10);
    const big = bytes((1 << 20) + 3, 7);
    const empty = new Uint8Array(0);
    const r1 = w.append(small);
    const r2 = w.append(bytes(100, 3));
    const r3 = w.append(big);
    const r4 = w.append(empty);
    expect(r1).toEqual({ location: 'model.onnx.data', offset: 0, length: 10 });
    expect(r2.offset % 64).toBe(0);
    expect(r3.offset % 4096).toBe(0);
    expect(r4.offset % 64).toBe(0);
    expect(fs.existsSync(dataPath)).toBe(false); // nothing in place before commit
    expect(w.commit()).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['model.onnx.data']);
    expect(fs.statSync(dataPath).size).toBe(r4.offset);

    for (const [ref, want] of [[r1, small], [r2, bytes(100, 3)], [r3, big], [r4, empty]] as const) {
      const entries = externalDataEntries(externalDataProtoEntries(ref));
      const got = readExternalData(dir, entries, want.length, 'm.onnx', 't');
      expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
    }
    // Absent length: the tensor's own size is read.
    expect(readExternalData(dir, { location: 'model.onnx.data', offset: String(r2.offset) }, 100, 'm.onnx').length).toBe(100);
    expect(() => w.append(small)).toThrow(/already committed/);
  });

  it('abort removes the temp file and leaves an existing data file alone', () => {
    const dataPath = path.join(dir, 'w.data');
    fs.writeFileSync(dataPath, 'old');
    const w = new ExternalDataWriter(dataPath);
    w.append(bytes(5000));
    expect(fs.readdirSync(dir).length).toBe(2);
    w.abort();
    w.abort();
    expect(fs.readdirSync(dir)).toEqual(['w.data']);
    expect(fs.readFileSync(dataPath, 'utf8')).toBe('old');
  });

  it('commit with nothing appended writes nothing', () => {
    const w = new ExternalDataWriter(path.join(dir, 'w.data'));
    expect(w.commit()).toBe(false);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('a data path in a missing directory -> FILE_UNWRITABLE, nothing left', () => {
    const w = new ExternalDataWriter(path.join(dir, 'nope', 'w.data'));
    expect(catchMixq(() => w.append(bytes(3))).code).toBe('FILE_UNWRITABLE');
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('readExternalData validation', () => {
  beforeEach(() => {
    fs.writeFileSync(path.join(dir, 'w.data'), bytes(256));
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'x.data'), bytes(16));
  });

  it('rejects locations that leave the model directory', () => {
    const outside = path.join(path.dirname(dir), 'outside.data');
    for (const location of [
      '../outside.data',
      'sub/../../outside.data',
      '..',
      '.',
      '',
      '/etc/passwd',
      outside,
      'C:\\Windows\\system.ini',
      '\\\\server\\share\\x.data',
      '..\\outside.data',
      'w.data\0.txt',
    ]) {
      const e = expectCode(() => readExternalData(dir, { location, length: '4' }, 4, 'm.onnx', 'w'), 'EXTERNAL_DATA_INVALID');
      expect(e.message).toContain("tensor 'w'");
    }
    expect(() => resolveExternalLocation(dir, '../x', 'm.onnx')).toThrow(ModelFormatError);
  });

  it('accepts subdirectories and harmless dot segments', () => {
    expect(readExternalData(dir, { location: 'sub/x.data' }, 16, 'm.onnx').length).toBe(16);
    expect(readExternalData(dir, { location: 'sub/../w.data', offset: '250' }, 6, 'm.onnx').length).toBe(6);
    expect(readExternalData(dir, { location: './w.data', offset: 0n, length: 8 }, undefined, 'm.onnx').length).toBe(8);
    // No expected size and no length: to the end of the file.
    expect(readExternalData(dir, { location: 'w.data', offset: '200' }, undefined, 'm.onnx').length).toBe(56);
  });

  it('follows symlinks placed by the user', () => {
    const real = fs.mkdtempSync(path.join(os.tmpdir(), 'mixq-blob-'));
    try {
      fs.writeFileSync(path.join(real, 'blob'), bytes(8));
      fs.symlinkSync(path.join(real, 'blob'), path.join(dir, 'linked.data'));
      expect(readExternalData(dir, { location: 'linked.data' }, 8, 'm.onnx').length).toBe(8);
    } finally {
      fs.rmSync(real, { recursive: true, force: true });
    }
  });

  it('missing file -> EXTERNAL_DATA_MISSING naming the file and what to do', () => {
    const e = expectCode(() => readExternalData(dir, { location: 'gone.data' }, 4, 'm.onnx', 'weight'), 'EXTERNAL_DATA_MISSING');
    expect(e.message).toContain('gone.data');
    expect(e.message).toContain("tensor 'weight'");
    expect(e.hint).toMatch(/next to the \.onnx/);
  });

  it('range and size errors -> EXTERNAL_DATA_INVALID', () => {
    const cases: [Record<string, string>, number | undefined][] = [
      [{ location: 'w.data', offset: '250', length: '10' }, 10], // past the end
      [{ location: 'w.data', offset: '300' }, 1],
      [{ location: 'w.data', offset: '0', length: '8' }, 16], // length disagrees with type/shape
      [{ location: 'w.data', offset: '-1' }, 4],
      [{ location: 'w.data', offset: 'abc' }, 4],
      [{ location: 'w.data', offset: '1.5' }, 4],
      [{ location: 'w.data', length: '99999999999999999999' }, undefined],
      [{ location: 'sub' }, 4], // a directory
      [{ offset: '0' }, 4], // no location
    ];
    for (const [entries, expected] of cases) {
      expectCode(() => readExternalData(dir, entries, expected, 'm.onnx', 't'), 'EXTERNAL_DATA_INVALID');
    }
  });

  it('reads a range beyond 2 GiB of a large (sparse) file without reading the rest', () => {
    const f = path.join(dir, 'huge.data');
    const offset = 2 ** 31 + 12345;
    const fd = fs.openSync(f, 'w');
    try {
      fs.ftruncateSync(fd, 3 * 2 ** 30);
      fs.writeSync(fd, bytes(64, 9), 0, 64, offset);
    } finally {
      fs.closeSync(fd);
    }
    const got = readExternalData(dir, { location: 'huge.data', offset: String(offset), length: '64' }, 64, 'm.onnx');
    expect(Buffer.from(got).equals(Buffer.from(bytes(64, 9)))).toBe(true);
  });
});
