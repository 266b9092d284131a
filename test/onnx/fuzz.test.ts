import { describe, expect, it } from 'vitest';
import { MixqError } from '../../src/errors.js';
import { decodeModelProto, encodeModelProto } from '../../src/onnx/codec.js';
import { prng, readModelBytes, RESNET, VIT } from './helpers.js';

type Outcome = 'ok' | string;

/** Byte ranges of raw_data payloads: mutations there only change weights, so we aim mostly elsewhere. */
function rawRanges(bytes: Uint8Array): [number, number][] {
  const m = decodeModelProto(bytes, 'fuzz-base');
  return (m.graph?.initializer ?? [])
    .map((t) => t.raw_data)
    .filter((r): r is Uint8Array => r !== undefined && r.length > 0)
    .map((r): [number, number] => [r.byteOffset - bytes.byteOffset, r.byteOffset - bytes.byteOffset + r.length])
    .sort((a, b) => a[0] - b[0]);
}

function mutator(base: Uint8Array, seed: number) {
  const rand = prng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const raws = rawRanges(base);
  // Positions outside raw_data (the protobuf structure), found by rejection sampling.
  const structural = (): number => {
    for (let tries = 0; tries < 1000; tries++) {
      const p = int(base.length);
      if (!raws.some(([a, b]) => p >= a && p < b)) return p;
    }
    return int(Math.min(base.length, 256));
  };
  const pos = (): number => {
    const r = rand();
    if (r < 0.15) return int(Math.min(base.length, 64)); // the header
    if (r < 0.8) return structural();
    return int(base.length);
  };
  const garbage = (n: number) => Uint8Array.from({ length: n }, () => int(256));

  return (): { kind: string; bytes: Uint8Array } => {
    const kind = ['bitflip', 'overwrite', 'truncate', 'splice', 'insert', 'delete', 'varint'][int(7)]!;
    const b = base.slice();
    switch (kind) {
      case 'bitflip': {
        const flips = 1 + int(8);
        for (let i = 0; i < flips; i++) {
          const p = pos();
          b[p] = (b[p] as number) ^ (1 << int(8));
        }
        return { kind, bytes: b };
      }
      case 'overwrite': {
        const p = pos();
        b.set(garbage(Math.min(1 + int(16), b.length - p)), p);
        return { kind, bytes: b };
      }
      case 'truncate':
        return { kind, bytes: b.subarray(0, rand() < 0.5 ? pos() : int(base.length)) };
      case 'splice': {
        // Copy a chunk from one place over another (shifts structure against itself).
        const src = pos();
        const len = Math.min(1 + int(64), base.length - src);
        const dst = pos();
        b.copyWithin(dst, src, src + len);
        return { kind, bytes: b };
      }
      case 'insert': {
        const p = pos();
        const g = garbage(1 + int(32));
        const out = new Uint8Array(b.length + g.length);
        out.set(b.subarray(0, p));
        out.set(g, p);
        out.set(b.subarray(p), p + g.length);
        return { kind, bytes: out };
      }
      case 'delete': {
        const p = pos();
        const n = 1 + int(16);
        const out = new Uint8Array(b.length - Math.min(n, b.length - p));
        out.set(b.subarray(0, p));
        out.set(b.subarray(p + n), p);
        return { kind, bytes: out };
      }
      default: {
        // Make a length or tag varint huge or unterminated.
        const p = structural();
        const run = 1 + int(6);
        for (let i = 0; i < run && p + i < b.length; i++) b[p + i] = 0xff;
        return { kind, bytes: b };
      }
    }
  };
}

function attempt(bytes: Uint8Array): Outcome {
  try {
    const m = decodeModelProto(bytes, 'fuzz.onnx');
    // Whatever decodes must also encode and decode again.
    decodeModelProto(encodeModelProto(m), 'fuzz-reencoded.onnx');
    return 'ok';
  } catch (error) {
    if (error instanceof MixqError) return error.code;
    throw new Error(`non-MixqError escaped: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  }
}

describe('decoder fuzzing', () => {
  for (const [file, count, seed] of [[RESNET, 2000, 0xc0ffee], [VIT, 500, 0xbeef]] as const) {
    it(`${count} seeded mutations of ${file.split('/').pop()} end in success or a MixqError`, () => {
      const base = readModelBytes(file);
      const next = mutator(base, seed);
      const tally: Record<string, number> = {};
      const started = Date.now();
      for (let i = 0; i < count; i++) {
        const { kind, bytes } = next();
        let outcome: Outcome;
        try {
          outcome = attempt(bytes);
        } catch (error) {
          throw new Error(`mutation #${i} (${kind}): ${(error as Error).message}`);
        }
        tally[outcome] = (tally[outcome] ?? 0) + 1;
      }
      const elapsed = Date.now() - started;
      console.log(`fuzz ${file.split('/').pop()}: ${JSON.stringify(tally)} in ${elapsed} ms`);
      // The mutations must actually exercise the error paths, not only hit weights.
      expect(tally['CORRUPT_MODEL'] ?? 0).toBeGreaterThan(count / 10);
      expect(elapsed).toBeLessThan(20_000);
    });
  }
});
