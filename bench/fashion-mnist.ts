/**
 * Fashion-MNIST for the benches: the full 10,000-image test set from the Debian package
 * `dataset-fashion-mnist` (idx files, possibly gzipped) when it is installed, else the 1,000-image
 * eval subset shipped in /work/shared/data. Images are normalised for the shared models:
 * x = (pixel / 255 - 0.2860) / 0.3530, float32 [N, 1, 28, 28].
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { gunzipSync, createGunzip } from 'node:zlib';
import { readNpySync } from '../src/calibration/sources/npy-file.js';
import type { CalibrationSource, Feed } from '../src/calibration/sources/types.js';
import type { HostTensor } from '../src/ir/index.js';

export const DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';
export const SUBSET_DIR = '/work/shared/data/fashion-mnist/eval';
const PIXELS = 28 * 28;
const IMAGE_MAGIC = 0x803;
const LABEL_MAGIC = 0x801;

export const normalise = (pixel: number): number => (pixel / 255 - 0.286) / 0.353;

/** The path of an idx file, plain or gzipped, or undefined. */
export function idxPath(base: string): string | undefined {
  for (const p of [`${DEBIAN_DIR}/${base}`, `${DEBIAN_DIR}/${base}.gz`]) if (existsSync(p)) return p;
  return undefined;
}

function readMaybeGzipped(path: string): Buffer {
  const raw = readFileSync(path);
  return raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
}

function checkHeader(bytes: Buffer, magic: number, path: string): number {
  const found = bytes.readUInt32BE(0);
  if (found !== magic) throw new Error(`${path}: idx magic 0x${found.toString(16)}, expected 0x${magic.toString(16)}`);
  return bytes.readUInt32BE(4);
}

export interface TestSet {
  readonly images: HostTensor;
  readonly labels: Int32Array;
  /** Where the data came from, for reports. */
  readonly origin: string;
  readonly full: boolean;
}

/** The full test set when the Debian package is there, else the shared 1,000-image subset. */
export function loadTestSet(): TestSet {
  const imagesPath = idxPath('t10k-images-idx3-ubyte');
  const labelsPath = idxPath('t10k-labels-idx1-ubyte');
  if (imagesPath && labelsPath) {
    const img = readMaybeGzipped(imagesPath);
    const lab = readMaybeGzipped(labelsPath);
    const n = checkHeader(img, IMAGE_MAGIC, imagesPath);
    if (checkHeader(lab, LABEL_MAGIC, labelsPath) !== n) throw new Error('image and label counts differ');
    const data = new Float32Array(n * PIXELS);
    for (let i = 0; i < data.length; i++) data[i] = normalise(img[16 + i]!);
    const labels = Int32Array.from(lab.subarray(8, 8 + n));
    return { images: { type: 'float32', dims: [n, 1, 28, 28], data }, labels, origin: `${imagesPath} (Debian dataset-fashion-mnist, ${n} images)`, full: true };
  }
  const x = readNpySync(`${SUBSET_DIR}/input.npy`);
  const y = readNpySync(`${SUBSET_DIR}/labels.npy`);
  return {
    images: x,
    labels: y.data as Int32Array,
    origin: `${SUBSET_DIR} (1,000-image subset: dataset-fashion-mnist is not installed)`,
    full: false,
  };
}

/** The 256-image calibration set (float32 [256, 1, 28, 28]). */
export function loadCalibration(): HostTensor {
  const local = new URL('../calib-data/input.npy', import.meta.url).pathname;
  return readNpySync(existsSync(local) ? local : '/work/shared/data/fashion-mnist/calib/input.npy');
}

/** Calibration data held in memory, yielded in batches. */
export function memorySource(input: HostTensor, description: string): CalibrationSource {
  const n = input.dims[0]!;
  return {
    description,
    inputNames: ['input'],
    sampleCount: n,
    sampleSpecs: { input: { type: 'float32', dims: input.dims.slice(1) } },
    batches: (batchSize) => ({
      async *[Symbol.asyncIterator]() {
        for (let s = 0; s < n; s += batchSize) {
          const k = Math.min(batchSize, n - s);
          yield { input: { type: 'float32', dims: [k, 1, 28, 28], data: (input.data as Float32Array).subarray(s * PIXELS, (s + k) * PIXELS) } } satisfies Feed;
        }
      },
    }),
  };
}

/**
 * `count` test images streamed from the idx file (gunzipped on the fly) in batches: at most one
 * batch of float32 samples and one read chunk are alive at a time, whatever `count` is. Without the
 * Debian package, deterministic synthetic images are generated batch by batch instead.
 */
export function streamingTestSource(count: number): CalibrationSource {
  const imagesPath = idxPath('t10k-images-idx3-ubyte');
  return {
    description: imagesPath ? `${count} images streamed from ${imagesPath}` : `${count} synthetic images generated on the fly`,
    inputNames: ['input'],
    sampleCount: count,
    sampleSpecs: { input: { type: 'float32', dims: [1, 28, 28] } },
    batches: (batchSize) => ({ [Symbol.asyncIterator]: () => (imagesPath ? idxBatches(imagesPath, count, batchSize) : syntheticBatches(count, batchSize)) }),
  };
}

async function* idxBatches(path: string, count: number, batchSize: number): AsyncGenerator<Feed> {
  const file = createReadStream(path, { highWaterMark: 64 * 1024 });
  const stream = path.endsWith('.gz') ? file.pipe(createGunzip()) : file;
  let pending: Buffer = Buffer.alloc(0);
  let headerLeft = 16;
  let done = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let bytes = chunk;
      if (headerLeft > 0) {
        const skip = Math.min(headerLeft, bytes.length);
        headerLeft -= skip;
        bytes = bytes.subarray(skip);
      }
      pending = pending.length === 0 ? bytes : Buffer.concat([pending, bytes]);
      for (;;) {
        const k = Math.min(batchSize, count - done);
        if (k === 0 || pending.length < k * PIXELS) break;
        yield toFeed(pending.subarray(0, k * PIXELS), k);
        pending = pending.subarray(k * PIXELS);
        done += k;
      }
      if (done >= count) return;
    }
    if (done < count) throw new Error(`${path} holds only ${done} images, ${count} asked for`);
  } finally {
    file.destroy();
  }
}

async function* syntheticBatches(count: number, batchSize: number): AsyncGenerator<Feed> {
  let state = 12345;
  for (let done = 0; done < count; ) {
    const k = Math.min(batchSize, count - done);
    const pixels = new Uint8Array(k * PIXELS);
    for (let i = 0; i < pixels.length; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      pixels[i] = state >>> 24;
    }
    yield toFeed(pixels, k);
    done += k;
  }
}

function toFeed(pixels: Uint8Array, k: number): Feed {
  const data = new Float32Array(k * PIXELS);
  for (let i = 0; i < data.length; i++) data[i] = normalise(pixels[i]!);
  return { input: { type: 'float32', dims: [k, 1, 28, 28], data } };
}
