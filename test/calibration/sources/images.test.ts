import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Jimp } from 'jimp';
import { describe, expect, it } from 'vitest';
import { imageFolderSource, listImages, openCalibrationSource } from '../../../src/calibration/sources/index.js';
import { CalibrationDataError, InvalidArgumentError } from '../../../src/errors.js';
import { collect, rejection, tempDir } from './helpers.js';

const root = tempDir('mixq-images-');

function rgba(r: number, g: number, b: number): number {
  return ((r << 24) | (g << 16) | (b << 8) | 0xff) >>> 0;
}

/** A width x height image of one colour, with optional pixels set: [x, y, colour]. */
async function png(path: string, width: number, height: number, fill: number, pixels: [number, number, number][] = []): Promise<void> {
  const img = new Jimp({ width, height, color: fill });
  for (const [x, y, c] of pixels) img.setPixelColor(c, x, y);
  writeFileSync(path, await img.getBuffer('image/png'));
}

// 4 wide, 3 high; pixel (x=1, y=2) is (200, 100, 50), the rest (10, 20, 30).
const known = join(root, 'known');
mkdirSync(known);
await png(join(known, 'img.png'), 4, 3, rgba(10, 20, 30), [[1, 2, rgba(200, 100, 50)]]);

const mean = [0.5, 0.4, 0.3];
const std = [0.2, 0.25, 0.5];
const norm = (v: number, c: number): number => Math.fround((v / 255 - mean[c]!) / std[c]!);

describe('imageFolderSource preprocessing', () => {
  it('NCHW: scales to 0..1 then normalises each channel', async () => {
    const s = await imageFolderSource(known, { inputName: 'pixels', size: [3, 4], mean, std });
    expect(s.sampleSpecs?.['pixels']).toEqual({ type: 'float32', dims: [3, 3, 4] });
    const [batch] = await collect(s.batches(8));
    const t = batch!['pixels']!;
    expect(t.type).toBe('float32');
    expect(t.dims).toEqual([1, 3, 3, 4]);
    const at = (c: number, y: number, x: number): number => t.data[c * 12 + y * 4 + x] as number;
    expect([at(0, 2, 1), at(1, 2, 1), at(2, 2, 1)]).toEqual([norm(200, 0), norm(100, 1), norm(50, 2)]);
    expect([at(0, 0, 0), at(1, 0, 0), at(2, 0, 0)]).toEqual([norm(10, 0), norm(20, 1), norm(30, 2)]);
  });

  it('NHWC puts the channel last', async () => {
    const s = await imageFolderSource(known, { inputName: 'pixels', size: [3, 4], layout: 'NHWC', mean, std });
    const t = (await collect(s.batches(1)))[0]!['pixels']!;
    expect(t.dims).toEqual([1, 3, 4, 3]);
    const px = (2 * 4 + 1) * 3;
    expect(Array.from(t.data.subarray(px, px + 3) as Float32Array)).toEqual([norm(200, 0), norm(100, 1), norm(50, 2)]);
  });

  it('grey uses ITU-R 601 luma; one mean/std number applies to all channels', async () => {
    const s = await imageFolderSource(known, { inputName: 'x', size: [3, 4], channels: 1, mean: 0.286, std: 0.353 });
    const t = (await collect(s.batches(1)))[0]!['x']!;
    expect(t.dims).toEqual([1, 1, 3, 4]);
    const grey = Math.round(0.299 * 200 + 0.587 * 100 + 0.114 * 50); // 124
    expect(t.data[2 * 4 + 1]).toBe(Math.fround((grey / 255 - 0.286) / 0.353));
  });

  it('defaults: RGB, NCHW, plain 0..1 scaling', async () => {
    const s = await imageFolderSource(known, { inputName: 'x', size: [3, 4] });
    const t = (await collect(s.batches(1)))[0]!['x']!;
    expect(t.data[0]).toBe(Math.fround(10 / 255));
    expect(t.data[12 + 2 * 4 + 1]).toBe(Math.fround(100 / 255));
  });

  describe('resize modes', () => {
    // 4 wide, 2 high; column x has red = 10 + 60x.
    const dir = join(root, 'strip');
    const setup = (async () => {
      mkdirSync(dir);
      const pixels: [number, number, number][] = [];
      for (let x = 0; x < 4; x++) for (let y = 0; y < 2; y++) pixels.push([x, y, rgba(10 + 60 * x, 0, 0)]);
      await png(join(dir, 'strip.png'), 4, 2, 0, pixels);
    })();
    const red = async (opts: { size: [number, number]; resize?: 'stretch' | 'cover' | 'contain' }): Promise<number[]> => {
      await setup;
      const s = await imageFolderSource(dir, { inputName: 'x', interpolation: 'nearest', ...opts });
      const t = (await collect(s.batches(1)))[0]!['x']!;
      const [, , h, w] = t.dims as number[];
      return Array.from(t.data.subarray(0, h! * w!) as Float32Array, (v) => Math.round(v * 255));
    };

    it('stretch ignores the aspect ratio', async () => {
      expect(await red({ size: [1, 8] })).toEqual([10, 10, 70, 70, 130, 130, 190, 190]);
    });
    it('cover fills and crops the centre', async () => {
      expect(await red({ size: [2, 2], resize: 'cover' })).toEqual([70, 130, 70, 130]);
    });
    it('contain fits and pads with black', async () => {
      expect(await red({ size: [4, 4], resize: 'contain' })).toEqual([0, 0, 0, 0, 10, 70, 130, 190, 10, 70, 130, 190, 0, 0, 0, 0]);
    });
  });
});

describe('image folder listing', () => {
  const dir = join(root, 'order');
  const setup = (async () => {
    mkdirSync(join(dir, 'sub'), { recursive: true });
    await png(join(dir, 'b.png'), 1, 1, rgba(2, 0, 0));
    await png(join(dir, 'a.png'), 1, 1, rgba(1, 0, 0));
    await png(join(dir, 'C.png'), 1, 1, rgba(3, 0, 0));
    await png(join(dir, 'sub', 'd.png'), 1, 1, rgba(4, 0, 0));
    const img = new Jimp({ width: 1, height: 1, color: rgba(5, 0, 0) });
    writeFileSync(join(dir, 'e.jpg'), await img.getBuffer('image/jpeg', { quality: 100 }));
    writeFileSync(join(dir, 'f.bmp'), await img.getBuffer('image/bmp'));
    writeFileSync(join(dir, 'notes.txt'), 'not an image');
  })();

  it('reads images in code-point order of their relative path, subfolders only when recursive', async () => {
    await setup;
    expect((await listImages(dir, false)).map((p) => p.slice(dir.length + 1))).toEqual(['C.png', 'a.png', 'b.png', 'e.jpg', 'f.bmp']);
    expect((await listImages(dir, true)).map((p) => p.slice(dir.length + 1))).toEqual(['C.png', 'a.png', 'b.png', 'e.jpg', 'f.bmp', 'sub/d.png']);
    const s = await imageFolderSource(dir, { inputName: 'x', size: [1, 1], recursive: true });
    expect(s.sampleCount).toBe(6);
    const batches = await collect(s.batches(4));
    const reds = batches.flatMap((b) => Array.from(b['x']!.data as Float32Array).filter((_, i) => i % 3 === 0).map((v) => Math.round(v * 255)));
    expect(reds.slice(0, 3)).toEqual([3, 1, 2]);
    expect(reds[5]).toBe(4);
    expect(Math.abs(reds[3]! - 5)).toBeLessThanOrEqual(2); // JPEG is lossy
    expect(reds[4]).toBe(5);
  });

  it('limit and openCalibrationSource with image options', async () => {
    await setup;
    const s = await openCalibrationSource(dir, { images: { inputName: 'x', size: [1, 1] }, limit: 2 });
    expect(s.sampleCount).toBe(2);
    expect(s.description).toContain("images → 'x' float32 [3, 1, 1]");
  });
});

describe('image folder errors', () => {
  it('an undecodable image names the file when it is read', async () => {
    const dir = join(root, 'broken');
    mkdirSync(dir);
    await png(join(dir, 'a.png'), 1, 1, 0);
    writeFileSync(join(dir, 'b.png'), 'this is not a png');
    const s = await imageFolderSource(dir, { inputName: 'x', size: [1, 1] });
    const e = await rejection(collect(s.batches(2)));
    expect(e).toBeInstanceOf(CalibrationDataError);
    expect(e.message).toContain(`Cannot decode image '${join(dir, 'b.png')}'`);
    expect(e.message).toContain('re-encode it');
  });

  it('a folder without images', async () => {
    const dir = join(root, 'noimages');
    mkdirSync(join(dir, 'deeper'), { recursive: true });
    await png(join(dir, 'deeper', 'x.png'), 1, 1, 0);
    const e = await rejection(imageFolderSource(dir, { inputName: 'x', size: [1, 1] }));
    expect(e).toBeInstanceOf(CalibrationDataError);
    expect(e.message).toContain('holds no images (subfolders were not searched)');
    expect(e.message).toContain('set recursive');
  });

  it('bad options are InvalidArgumentErrors listing each problem', async () => {
    const e1 = await rejection(imageFolderSource(known, { size: [2, 2] } as never));
    expect(e1).toBeInstanceOf(InvalidArgumentError);
    expect(e1.message).toContain('needs options.inputName');
    const e2 = await rejection(imageFolderSource(known, { inputName: 'x', size: [2, -1], channels: 3, mean: [1, 2], layout: 'nchw' } as never));
    expect(e2).toBeInstanceOf(InvalidArgumentError);
    expect(e2.message).toContain('options.size[1]: expected a positive integer, got number -1');
    expect(e2.message).toContain('options.mean: expected a number or 3 numbers');
    expect(e2.message).toContain('options.layout: expected one of "NCHW", "NHWC"');
  });
});
