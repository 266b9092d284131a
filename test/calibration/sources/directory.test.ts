import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { npyDirectorySource, npyFileSource, openCalibrationSource, writeNpy } from '../../../src/calibration/sources/index.js';
import { CalibrationDataError, FileError, InvalidArgumentError } from '../../../src/errors.js';
import { collect, f32, rawNpy, rejection, tempDir, thrown } from './helpers.js';

const root = tempDir();

async function makeDir(name: string, files: Record<string, Parameters<typeof writeNpy>[1]>): Promise<string> {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, t] of Object.entries(files)) await writeNpy(join(dir, file), t);
  return dir;
}

describe('npyDirectorySource', () => {
  it('streams 10 samples in batches of 4, 4, 2 with exact values, and can be read again', async () => {
    const dir = await makeDir('ten', {
      'x.npy': f32([10, 2, 3]),
      'ids.npy': { type: 'int64', dims: [10, 2], data: BigInt64Array.from({ length: 20 }, (_, i) => BigInt(i)) },
    });
    const source = await npyDirectorySource(dir);
    expect(source.inputNames).toEqual(['ids', 'x']);
    expect(source.sampleCount).toBe(10);
    expect(source.description).toBe(`${dir}/ (2 inputs, 10 samples)`);
    expect(source.sampleSpecs).toEqual({ x: { type: 'float32', dims: [2, 3] }, ids: { type: 'int64', dims: [2] } });
    for (let pass = 0; pass < 2; pass++) {
      const batches = await collect(source.batches(4));
      expect(batches.map((b) => b['x']!.dims)).toEqual([[4, 2, 3], [4, 2, 3], [2, 2, 3]]);
      expect(batches.map((b) => b['ids']!.dims[0])).toEqual([4, 4, 2]);
      expect(Array.from(batches[1]!['x']!.data as Float32Array)).toEqual(Array.from({ length: 24 }, (_, i) => 24 + i));
      expect(Array.from(batches[2]!['ids']!.data as BigInt64Array)).toEqual([16n, 17n, 18n, 19n]);
    }
  });

  it('honours limit, batch sizes larger than the data, and exact multiples', async () => {
    const dir = await makeDir('eight', { 'input.npy': f32([8, 1]) });
    const limited = await npyDirectorySource(dir, { limit: 5 });
    expect(limited.sampleCount).toBe(5);
    expect((await collect(limited.batches(2))).map((b) => Array.from(b['input']!.data as Float32Array))).toEqual([[0, 1], [2, 3], [4]]);
    const source = await npyDirectorySource(dir);
    expect((await collect(source.batches(100))).map((b) => b['input']!.dims[0])).toEqual([8]);
    expect((await collect(source.batches(4))).map((b) => b['input']!.dims[0])).toEqual([4, 4]);
  });

  it('gives each batch its own memory (a consumer may keep earlier batches)', async () => {
    const dir = await makeDir('own', { 'input.npy': f32([4, 2]) });
    const batches = await collect((await npyDirectorySource(dir)).batches(1));
    expect(new Set(batches.map((b) => b['input']!.data.buffer)).size).toBe(4);
    expect(Array.from(batches[0]!['input']!.data as Float32Array)).toEqual([0, 1]);
  });

  it('rejects bad batch sizes and limits', async () => {
    const dir = await makeDir('bs', { 'input.npy': f32([2, 1]) });
    const source = await npyDirectorySource(dir);
    expect(thrown(() => source.batches(0))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => source.batches(1.5)).message).toContain('positive integer');
    expect(await rejection(npyDirectorySource(dir, { limit: 0 }))).toBeInstanceOf(InvalidArgumentError);
  });

  it('a missing directory is a FileError naming it', async () => {
    const e = await rejection(npyDirectorySource(join(root, 'missing')));
    expect(e).toBeInstanceOf(FileError);
    expect(e.code).toBe('FILE_NOT_FOUND');
    expect(e.message).toContain("Calibration data directory '");
    expect(e.message).toContain('missing');
  });

  it('an empty directory, or one without .npy files, says how to lay out the data', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const e1 = await rejection(npyDirectorySource(empty));
    expect(e1).toBeInstanceOf(CalibrationDataError);
    expect(e1.message).toMatch(/is empty\.\n  hint: Put one <inputName>\.npy per model input/);
    const other = join(root, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'x');
    writeFileSync(join(other, 'data.npz'), 'PK');
    const e2 = await rejection(npyDirectorySource(other));
    expect(e2.message).toContain('holds no .npy files (found 2 other files)');
    expect(e2.message).toContain('unzip data.npz');
  });

  it('a path to a file is not a directory', async () => {
    const dir = await makeDir('filepath', { 'input.npy': f32([1]) });
    const e = await rejection(npyDirectorySource(join(dir, 'input.npy')));
    expect(e.message).toContain('is not a directory');
  });

  it('files that disagree on the sample count are listed with their counts', async () => {
    const dir = await makeDir('mismatch', { 'a.npy': f32([256, 3]), 'b.npy': f32([128, 3]) });
    const e = await rejection(npyDirectorySource(dir));
    expect(e).toBeInstanceOf(CalibrationDataError);
    expect(e.message).toContain('disagree on the number of samples (first axis): a.npy has 256, b.npy has 128');
  });

  it('a broken file fails when the source is opened, naming the file', async () => {
    const dir = join(root, 'broken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'input.npy'), rawNpy("{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8)));
    const e = await rejection(npyDirectorySource(dir));
    expect(e.message).toContain(join(dir, 'input.npy'));
    expect(e.message).toContain('big-endian');
  });
});

describe('npyFileSource and openCalibrationSource', () => {
  it('a single .npy file is one input named after the file', async () => {
    const dir = await makeDir('single', { 'pixel_values.npy': f32([3, 2]) });
    const s = await npyFileSource(join(dir, 'pixel_values.npy'), { limit: 2 });
    expect(s.inputNames).toEqual(['pixel_values']);
    expect(s.sampleCount).toBe(2);
    const opened = await openCalibrationSource(join(dir, 'pixel_values.npy'));
    expect(opened.inputNames).toEqual(['pixel_values']);
    expect(opened.sampleCount).toBe(3);
  });

  it('opens the real calib-data/ directory', async () => {
    const s = await openCalibrationSource(join(import.meta.dirname, '..', '..', '..', 'calib-data'));
    expect(s.inputNames).toEqual(['input']);
    expect(s.sampleCount).toBe(256);
    expect(s.sampleSpecs?.['input']).toEqual({ type: 'float32', dims: [1, 28, 28] });
    expect(s.description).toMatch(/calib-data\/ \(1 input, 256 samples\)$/);
    const sizes: number[] = [];
    for await (const b of s.batches(100)) sizes.push(b['input']!.dims[0]!);
    expect(sizes).toEqual([100, 100, 56]);
  });

  it('picks a manifest.json in a directory over the .npy files', async () => {
    const dir = await makeDir('withmanifest', { 'data.npy': f32([3, 1]) });
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ inputs: { 'input:0': { file: 'data.npy' } } }));
    const s = await openCalibrationSource(dir);
    expect(s.inputNames).toEqual(['input:0']);
    expect(s.sampleCount).toBe(3);
    expect((await openCalibrationSource(dir, { limit: 2 })).sampleCount).toBe(2);
    expect((await openCalibrationSource(join(dir, 'manifest.json'), { limit: 1 })).sampleCount).toBe(1);
  });

  it('explains unknown paths and image folders without options', async () => {
    const e1 = await rejection(openCalibrationSource(join(root, 'nowhere')));
    expect(e1).toBeInstanceOf(FileError);
    const txt = join(root, 'data.csv');
    writeFileSync(txt, '1,2');
    const e2 = await rejection(openCalibrationSource(txt));
    expect(e2.message).toContain("Cannot tell how to read calibration data from '");
    const imgs = join(root, 'imgs');
    mkdirSync(imgs);
    writeFileSync(join(imgs, 'a.png'), 'x');
    const e3 = await rejection(openCalibrationSource(imgs));
    expect(e3).toBeInstanceOf(CalibrationDataError);
    expect(e3.message).toContain('needs preprocessing options');
    expect(e3.message).toContain('manifest.json');
    const e4 = await rejection(openCalibrationSource(join(imgs, 'a.png')));
    expect(e4.message).toContain('Give the folder that holds the images');
  });

  it('passes sources through and wraps feeds and arrays', async () => {
    const dir = await makeDir('pass', { 'input.npy': f32([2, 1]) });
    const s = await npyDirectorySource(dir);
    expect(await openCalibrationSource(s)).toBe(s);
    const one = await openCalibrationSource({ input: f32([3, 2]) });
    expect(one.sampleCount).toBe(3);
    const many = await openCalibrationSource([{ input: f32([3, 2]) }, { input: f32([1, 2]) }]);
    expect(many.sampleCount).toBe(4);
    expect(await rejection(openCalibrationSource(42 as never))).toBeInstanceOf(InvalidArgumentError);
  });
});
