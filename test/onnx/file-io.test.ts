import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CalibrationDataError, FileError } from '../../src/errors.js';
import { readFileBytes, readFileBytesSync, writeFileAtomic, writeFileAtomicSync } from '../../src/onnx/file-io.js';
import { catchMixq, catchMixqAsync } from './helpers.js';

const isRoot = process.getuid?.() === 0;
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mixq-io-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Files in `dir` other than the expected ones (temp leftovers). */
function leftovers(expected: string[]): string[] {
  return fs.readdirSync(dir).filter((f) => !expected.includes(f));
}

describe('readFileBytes', () => {
  it('reads a file', async () => {
    const f = path.join(dir, 'a.bin');
    fs.writeFileSync(f, Buffer.from([1, 2, 3]));
    expect(Array.from(await readFileBytes(f))).toEqual([1, 2, 3]);
    expect(Array.from(readFileBytesSync(f))).toEqual([1, 2, 3]);
  });

  it('nonexistent path -> FILE_NOT_FOUND naming the path', async () => {
    const f = path.join(dir, 'missing.onnx');
    const e = await catchMixqAsync(() => readFileBytes(f));
    expect(e).toBeInstanceOf(FileError);
    expect(e.code).toBe('FILE_NOT_FOUND');
    expect((e as FileError).path).toBe(f);
    expect(e.message).toContain(f);
    expect(e.hint).toBeTruthy();
    expect(catchMixq(() => readFileBytesSync(path.join(dir, 'nope', 'x.onnx'))).code).toBe('FILE_NOT_FOUND');
  });

  it('a directory -> FILE_UNREADABLE', async () => {
    const e = await catchMixqAsync(() => readFileBytes(dir));
    expect(e.code).toBe('FILE_UNREADABLE');
    expect(e.message).toMatch(/directory/);
  });

  it.skipIf(isRoot)('an unreadable file -> FILE_UNREADABLE', async () => {
    const f = path.join(dir, 'secret.onnx');
    fs.writeFileSync(f, 'x');
    fs.chmodSync(f, 0o000);
    expect((await catchMixqAsync(() => readFileBytes(f))).code).toBe('FILE_UNREADABLE');
  });
});

describe('writeFileAtomic', () => {
  it('writes bytes and chunk lists, replacing an existing file and keeping its mode', async () => {
    const f = path.join(dir, 'out.onnx');
    await writeFileAtomic(f, new Uint8Array([1, 2]));
    expect(Array.from(fs.readFileSync(f))).toEqual([1, 2]);
    fs.chmodSync(f, 0o640);
    await writeFileAtomic(f, [new Uint8Array([3]), new Uint8Array(0), new Uint8Array([4, 5])]);
    expect(Array.from(fs.readFileSync(f))).toEqual([3, 4, 5]);
    expect(fs.statSync(f).mode & 0o777).toBe(0o640);
    writeFileAtomicSync(f, [new Uint8Array([6])]);
    expect(Array.from(fs.readFileSync(f))).toEqual([6]);
    async function* gen() {
      yield new Uint8Array([7]);
      yield new Uint8Array([8]);
    }
    await writeFileAtomic(f, gen());
    expect(Array.from(fs.readFileSync(f))).toEqual([7, 8]);
    expect(leftovers(['out.onnx'])).toEqual([]);
  });

  it('missing directory -> FILE_UNWRITABLE naming the path, nothing created', async () => {
    const f = path.join(dir, 'no', 'such', 'dir', 'out.onnx');
    const e = await catchMixqAsync(() => writeFileAtomic(f, new Uint8Array([1])));
    expect(e.code).toBe('FILE_UNWRITABLE');
    expect(e.message).toContain(f);
    expect(e.hint).toMatch(/Create the directory/);
    expect(catchMixq(() => writeFileAtomicSync(f, new Uint8Array([1]))).code).toBe('FILE_UNWRITABLE');
    expect(leftovers([])).toEqual([]);
  });

  it('a failing chunk source leaves the target unchanged and no temp file', async () => {
    const f = path.join(dir, 'out.onnx');
    fs.writeFileSync(f, 'original');
    function* failing(): Generator<Uint8Array> {
      yield new Uint8Array(1000).fill(1);
      throw new Error('disk exploded');
    }
    const e = await catchMixqAsync(() => writeFileAtomic(f, failing()));
    expect(e.code).toBe('FILE_UNWRITABLE');
    expect(fs.readFileSync(f, 'utf8')).toBe('original');
    expect(leftovers(['out.onnx'])).toEqual([]);

    expect(catchMixq(() => writeFileAtomicSync(f, failing())).code).toBe('FILE_UNWRITABLE');
    expect(fs.readFileSync(f, 'utf8')).toBe('original');
    expect(leftovers(['out.onnx'])).toEqual([]);
  });

  it('a MixqError from the chunk source is passed through unchanged (after cleanup)', async () => {
    const f = path.join(dir, 'out.onnx');
    function* failing(): Generator<Uint8Array> {
      yield new Uint8Array([1]);
      throw new CalibrationDataError('bad data');
    }
    const e = await catchMixqAsync(() => writeFileAtomic(f, failing()));
    expect(e.code).toBe('CALIBRATION_DATA');
    expect(fs.existsSync(f)).toBe(false);
    expect(leftovers([])).toEqual([]);
  });

  it('target is a directory -> FILE_UNWRITABLE, directory untouched, no temp file', async () => {
    const target = path.join(dir, 'model.onnx');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep'), 'k');
    const e = await catchMixqAsync(() => writeFileAtomic(target, new Uint8Array([1, 2, 3])));
    expect(e.code).toBe('FILE_UNWRITABLE');
    expect(fs.readFileSync(path.join(target, 'keep'), 'utf8')).toBe('k');
    expect(leftovers(['model.onnx'])).toEqual([]);
  });

  it.skipIf(isRoot)('read-only directory -> FILE_UNWRITABLE (permission)', async () => {
    const ro = path.join(dir, 'ro');
    fs.mkdirSync(ro, 0o555);
    const e = await catchMixqAsync(() => writeFileAtomic(path.join(ro, 'x.onnx'), new Uint8Array([1])));
    expect(e.code).toBe('FILE_UNWRITABLE');
    expect(e.message).toMatch(/permission/);
  });
});
