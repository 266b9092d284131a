import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { MixqError } from '../../../src/errors.js';
import type { Feed } from '../../../src/calibration/sources/index.js';
import type { HostTensor } from '../../../src/ir/dtype.js';

/** A fresh temp directory, removed after the test file (call it at module level, not inside a test). */
export function tempDir(prefix = 'mixq-calib-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * .npy bytes built by hand, as numpy lays them out (independent of mixq's writer, so reader tests do
 * not just check the writer against itself).
 */
export function rawNpy(dict: string, data: Uint8Array, version: 1 | 2 | 3 = 1, magic = '\x93NUMPY'): Buffer {
  const pre = version === 1 ? 10 : 12;
  const total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  const header = `${dict}${' '.repeat(total - pre - dict.length - 1)}\n`;
  const out = Buffer.alloc(pre + header.length);
  out.write(magic, 0, 'latin1');
  out[6] = version;
  out[7] = 0;
  if (version === 1) out.writeUInt16LE(header.length, 8);
  else out.writeUInt32LE(header.length, 8);
  out.write(header, pre, 'latin1');
  return Buffer.concat([out, data]);
}

export function bytes(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export function f32(dims: number[], start = 0): HostTensor {
  const n = dims.reduce((a, b) => a * b, 1);
  return { type: 'float32', dims, data: Float32Array.from({ length: n }, (_, i) => start + i) };
}

/** The rejection of `p`, which must reject. */
export async function rejection(p: Promise<unknown>): Promise<MixqError> {
  try {
    await p;
  } catch (error) {
    return error as MixqError;
  }
  throw new Error('expected the promise to reject');
}

/** The exception thrown by `fn`, which must throw. */
export function thrown(fn: () => unknown): MixqError {
  try {
    fn();
  } catch (error) {
    return error as MixqError;
  }
  throw new Error('expected a throw');
}

export async function collect(iterable: AsyncIterable<Feed>): Promise<Feed[]> {
  const out: Feed[] = [];
  for await (const feed of iterable) out.push(feed);
  return out;
}
