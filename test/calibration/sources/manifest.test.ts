import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Jimp } from 'jimp';
import { describe, expect, it } from 'vitest';
import { manifestSource, parseManifest, sourceFromManifest, writeNpy } from '../../../src/calibration/sources/index.js';
import { CalibrationDataError, FileError } from '../../../src/errors.js';
import { collect, f32, rejection, tempDir, thrown } from './helpers.js';

const root = tempDir();
mkdirSync(join(root, 'parts'));
await writeNpy(join(root, 'parts', 'a.npy'), f32([3, 2], 0));
await writeNpy(join(root, 'parts', 'b.npy'), f32([4, 2], 100));
await writeNpy(join(root, 'ids.npy'), { type: 'int32', dims: [7, 5], data: Int32Array.from({ length: 35 }, (_, i) => i) });
await writeNpy(join(root, 'short.npy'), f32([5, 2]));
await writeNpy(join(root, 'ints.npy'), { type: 'int32', dims: [2, 2], data: new Int32Array(4) });

function manifest(name: string, value: unknown): string {
  const path = join(root, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

async function manifestError(value: unknown): Promise<string> {
  const e = await rejection(manifestSource(manifest(`m${Math.random().toString(36).slice(2)}.json`, value)));
  expect(e).toBeInstanceOf(CalibrationDataError);
  return e.message;
}

describe('manifestSource', () => {
  it('joins several files of one input in order, reading across file boundaries', async () => {
    const path = manifest('ok.json', {
      description: 'two inputs',
      inputs: { 'input:0': { files: ['parts/a.npy', 'parts/b.npy'] }, ids: { file: 'ids.npy' } },
      batchSize: 2,
    });
    const s = await manifestSource(path);
    expect(s.inputNames).toEqual(['input:0', 'ids']);
    expect(s.sampleCount).toBe(7);
    expect(s.preferredBatchSize).toBe(2);
    expect(s.description).toBe(`${path} (2 inputs, 7 samples)`);
    const batches = await collect(s.batches(2));
    expect(batches.map((b) => b['input:0']!.dims[0])).toEqual([2, 2, 2, 1]);
    // Batch 1 holds sample 2 (last of a.npy) and sample 3 (first of b.npy).
    expect(Array.from(batches[1]!['input:0']!.data as Float32Array)).toEqual([4, 5, 100, 101]);
    expect(Array.from(batches[3]!['input:0']!.data as Float32Array)).toEqual([106, 107]);
    expect(Array.from(batches[3]!['ids']!.data as Int32Array)).toEqual([30, 31, 32, 33, 34]);
  });

  it('applies limit', async () => {
    const s = await manifestSource(manifest('limit.json', { inputs: { x: { files: ['parts/a.npy', 'parts/b.npy'] } }, limit: 4 }));
    expect(s.sampleCount).toBe(4);
    expect((await collect(s.batches(3))).map((b) => Array.from(b['x']!.data as Float32Array))).toEqual([[0, 1, 2, 3, 4, 5], [100, 101]]);
  });

  it('mixes an image folder with .npy data', async () => {
    const images = join(root, 'pics');
    mkdirSync(images);
    for (let i = 0; i < 7; i++) {
      const img = new Jimp({ width: 2, height: 2, color: 0x000000ff + (i * 10 << 24) });
      await img.write(join(images, `img${i}.png`) as `${string}.png`);
    }
    const s = await manifestSource(manifest('mixed.json', {
      inputs: { pixels: { images: 'pics', preprocess: { size: [2, 2], channels: 1 } }, ids: { file: 'ids.npy' } },
    }));
    expect(s.sampleSpecs?.['pixels']).toEqual({ type: 'float32', dims: [1, 2, 2] });
    const batches = await collect(s.batches(4));
    expect(batches.map((b) => b['pixels']!.dims[0])).toEqual([4, 3]);
    // Image 5: red = 50 → grey = round(0.299 * 50) = 15.
    expect(batches[1]!['pixels']!.data[4]).toBeCloseTo(15 / 255, 6);
  });

  it('a manifest given as a value resolves paths against baseDir', async () => {
    const s = await sourceFromManifest({ inputs: { x: { file: 'short.npy' } } }, root);
    expect(s.sampleCount).toBe(5);
    expect(s.description).toBe('Calibration manifest (1 input, 5 samples)');
  });
});

describe('manifest errors', () => {
  it('a missing manifest is a FileError', async () => {
    const e = await rejection(manifestSource(join(root, 'none.json')));
    expect(e).toBeInstanceOf(FileError);
    expect(e.code).toBe('FILE_NOT_FOUND');
  });

  it('invalid JSON', async () => {
    expect(await manifestError('{ "inputs": { }, }')).toMatch(/is not valid JSON: .*\n  hint: .*trailing commas/);
  });

  it('the wrong top-level structure', async () => {
    expect(await manifestError([])).toContain('(top level): expected an object with "inputs", got an array');
    expect(await manifestError({})).toContain('inputs: missing; expected an object mapping model input names');
    expect(await manifestError({ inputs: {} })).toContain('inputs: empty');
  });

  it('lists every problem with its JSON path, suggesting near keys', async () => {
    const message = await manifestError({
      inputs: {
        a: { file: 'ids.npy', fiels: 1 },
        b: { files: ['parts/a.npy', 3] },
        'c d': { file: 'x.npy', files: ['y.npy'] },
        e: {},
        f: 'ids.npy',
      },
      limt: 5,
      batchSize: 0,
    });
    expect(message).toContain('is invalid:');
    expect(message).toContain('inputs.a.fiels: unknown key (allowed: file)');
    expect(message).toContain('inputs.b.files[1]: expected a non-empty string, got number 3');
    expect(message).toContain('inputs["c d"]: has "file" and "files"; use only one of');
    expect(message).toContain('inputs.e: needs one of "file" (one .npy), "files" (several .npy) or "images" (a folder)');
    expect(message).toContain('inputs.f: expected an object like {"file": "x.npy"}, got the string "ids.npy"');
    expect(message).toContain('limt: unknown key (did you mean "limit"?)');
    expect(message).toContain('batchSize: expected a positive integer, got number 0');
    expect(message).toContain('hint: See calib-data/README.md');
  });

  it('checks image preprocessing', async () => {
    const message = await manifestError({
      inputs: {
        a: { images: 'pics' },
        b: { images: 'pics', recursive: 'yes', preprocess: { sizes: [2, 2] } },
        c: { images: 'pics', preprocess: { size: [2, 0], channels: 2 } },
        d: { images: 'pics', preprocess: { size: [2, 2], channels: 1, mean: [0.1, 0.2, 0.3], std: 0, layout: 'CHW', resize: 'crop', interpolation: 'lanczos' } },
      },
    });
    expect(message).toContain('inputs.a.preprocess: required for images, at least {"size": [height, width]}');
    expect(message).toContain('inputs.b.recursive: expected true or false, got the string "yes"');
    expect(message).toContain('inputs.b.preprocess.sizes: unknown key (did you mean "size"?)');
    expect(message).toContain('inputs.b.preprocess.size: expected [height, width], got undefined');
    expect(message).toContain('inputs.c.preprocess.size[1]: expected a positive integer, got number 0');
    expect(message).toContain('inputs.c.preprocess.channels: expected one of 1, 3, got number 2');
    expect(message).toContain('inputs.d.preprocess.mean: expected a number or 1 numbers (one per channel)');
    expect(message).toContain('inputs.d.preprocess.std: must not be 0');
    expect(message).toContain('inputs.d.preprocess.layout: expected one of "NCHW", "NHWC", got the string "CHW"');
    expect(message).toContain('inputs.d.preprocess.resize: expected one of "stretch", "cover", "contain"');
    expect(message).toContain('inputs.d.preprocess.interpolation: expected one of "nearest", "bilinear", "bicubic"');
  });

  it('reports every missing file or folder by JSON path', async () => {
    const message = await manifestError({
      inputs: { input: { files: ['parts/a.npy', 'parts/b.npy', 'parts/c.npy'] }, img: { images: 'nope/', preprocess: { size: [2, 2] } }, z: { file: 'parts' } },
    });
    expect(message).toContain('names missing data:');
    expect(message).toContain(`inputs.input.files[2]: 'parts/c.npy' not found (looked for ${join(root, 'parts', 'c.npy')})`);
    expect(message).toContain("inputs.img.images: 'nope/' not found");
    expect(message).toContain("inputs.z.file: 'parts' is not a file");
    expect(message).toContain("hint: Relative paths are resolved against the manifest's directory");
  });

  it('inputs that disagree on the sample count', async () => {
    const message = await manifestError({ inputs: { a: { file: 'short.npy' }, b: { file: 'ids.npy' } } });
    expect(message).toContain("the inputs disagree on the number of samples (first axis): inputs.a ('short.npy') has 5, inputs.b ('ids.npy') has 7");
  });

  it('files of one input that disagree on dtype or sample shape', async () => {
    const message = await manifestError({ inputs: { a: { files: ['short.npy', 'ints.npy'] } } });
    expect(message).toContain("The .npy files of input 'a' disagree on element type or sample shape");
    expect(message).toMatch(/short\.npy' float32 \[2\], '.*ints\.npy' int32 \[2\]/);
  });

  it('parseManifest throws synchronously on structure problems', () => {
    expect(thrown(() => parseManifest({ inputs: 3 })).message).toContain('inputs: expected an object mapping model input names to their data, got number 3');
  });
});
