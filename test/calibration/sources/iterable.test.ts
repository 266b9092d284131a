import { describe, expect, it } from 'vitest';
import { iterableSource, type Feed } from '../../../src/calibration/sources/index.js';
import { CalibrationDataError, InvalidArgumentError } from '../../../src/errors.js';
import { collect, f32, rejection } from './helpers.js';

/** A feed of `n` samples of [2] floats, values counting up from `start`, plus int32 ids. */
function feed(n: number, start: number): Feed {
  return {
    x: f32([n, 2], start * 2),
    ids: { type: 'int32', dims: [n], data: Int32Array.from({ length: n }, (_, i) => start + i) },
  };
}

const values = (feeds: Feed[], name: string): number[][] => feeds.map((f) => Array.from(f[name]!.data as ArrayLike<number>));

describe('iterableSource', () => {
  it('re-splits and joins elements to the requested batch size, with exact values', async () => {
    const s = await iterableSource([feed(3, 0), feed(1, 3), feed(5, 4)]);
    expect(s.inputNames).toEqual(['x', 'ids']);
    expect(s.sampleCount).toBe(9);
    expect(s.description).toBe('in-memory data (2 inputs, 9 samples)');
    expect(s.sampleSpecs).toEqual({ x: { type: 'float32', dims: [2] }, ids: { type: 'int32', dims: [] } });
    for (let pass = 0; pass < 2; pass++) {
      const batches = await collect(s.batches(4));
      expect(batches.map((b) => b['x']!.dims)).toEqual([[4, 2], [4, 2], [1, 2]]);
      expect(values(batches, 'ids')).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8]]);
      expect(values(batches, 'x')[1]).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
    }
    expect(values(await collect(s.batches(2)), 'ids')).toEqual([[0, 1], [2, 3], [4, 5], [6, 7], [8]]);
  });

  it('passes elements of exactly the batch size through without copying', async () => {
    const a = feed(2, 0);
    const s = await iterableSource([a, feed(2, 2)]);
    const [first] = await collect(s.batches(2));
    expect(first).toBe(a);
  });

  it('skips empty elements', async () => {
    const s = await iterableSource([feed(1, 0), feed(0, 1), feed(1, 1)]);
    expect(values(await collect(s.batches(2)), 'ids')).toEqual([[0, 1]]);
  });

  it('a function returning a generator is re-iterable; its count is unknown unless given', async () => {
    let calls = 0;
    const make = function* (): Generator<Feed> {
      calls++;
      for (let i = 0; i < 5; i++) yield feed(1, i);
    };
    const s = await iterableSource(make);
    expect(s.sampleCount).toBeUndefined();
    expect(s.description).toBe('in-memory data (2 inputs, unknown number of samples)');
    expect(values(await collect(s.batches(2)), 'ids')).toEqual([[0, 1], [2, 3], [4]]);
    expect(values(await collect(s.batches(5)), 'ids')).toEqual([[0, 1, 2, 3, 4]]);
    expect(calls).toBe(3); // one to learn the inputs, one per pass
    const counted = await iterableSource(make, { sampleCount: 5, description: 'generated' });
    expect(counted.sampleCount).toBe(5);
    expect(counted.description).toBe('generated');
  });

  it('async iterables work like sync ones', async () => {
    const make = async function* (): AsyncGenerator<Feed> {
      for (let i = 0; i < 3; i++) yield feed(2, 2 * i);
    };
    const s = await iterableSource(make);
    expect(values(await collect(s.batches(4)), 'ids')).toEqual([[0, 1, 2, 3], [4, 5]]);
  });

  it('a generator object can be read once; a second pass says why it fails', async () => {
    const gen = (function* () {
      for (let i = 0; i < 3; i++) yield feed(1, i);
    })();
    const s = await iterableSource(gen);
    expect(values(await collect(s.batches(2)), 'ids')).toEqual([[0, 1], [2]]);
    const e = await rejection(collect(s.batches(2)));
    expect(e).toBeInstanceOf(CalibrationDataError);
    expect(e.message).toContain('one-shot iterator');
    expect(e.message).toContain('iterableSource(() => generate())');
  });

  it('rejects bad batch sizes', async () => {
    const s = await iterableSource([feed(1, 0)]);
    expect(() => s.batches(-1)).toThrow(InvalidArgumentError);
  });
});

describe('iterableSource errors', () => {
  it('empty data and non-iterables', async () => {
    expect((await rejection(iterableSource([]))).message).toContain('The calibration data iterable is empty');
    expect(await rejection(iterableSource(5 as never))).toBeInstanceOf(InvalidArgumentError);
    expect((await rejection(iterableSource(() => 5 as never))).message).toContain('must return an array or an (async) iterable');
  });

  it('checks every array element up front, naming it', async () => {
    const cases: [unknown[], string][] = [
      [[feed(1, 0), { x: f32([1, 2]) }], "Element 1 of the calibration data lacks 'ids'"],
      [[feed(1, 0), { ...feed(1, 1), y: f32([1]) }], "Element 1 of the calibration data has extra 'y'"],
      [[{ x: f32([2, 2]), ids: { type: 'int32', dims: [3], data: new Int32Array(3) } }], "Element 0 of the calibration data: inputs disagree on the batch size (axis 0): 'x' 2, 'ids' 3"],
      [[feed(1, 0), { ...feed(1, 1), x: f32([1, 3]) }], "Element 1 of the calibration data, input 'x': samples are float32 [3] but earlier ones were float32 [2]"],
      [[{ x: { type: 'float32', dims: [2, 2], data: new Float32Array(3) } }], 'data has 3 elements but dims [2, 2] need 4'],
      [[{ x: { type: 'float32', dims: [], data: new Float32Array(1) } }], 'is a scalar; tensors need a batch axis'],
      [[{ x: { type: 'float32', dims: [1], data: new Float64Array(1) } }], 'data must be a Float32Array for float32'],
      [[{ x: { type: 'string', dims: [1], data: [] } }], 'unsupported element type string'],
      [[null], 'is not a feed object'],
      [[{}], 'has no inputs'],
    ];
    for (const [data, message] of cases) {
      const e = await rejection(iterableSource(data as Feed[]));
      expect(e).toBeInstanceOf(CalibrationDataError);
      expect(e.message).toContain(message);
    }
  });

  it('checks streamed elements as they come', async () => {
    const s = await iterableSource(function* () {
      yield feed(1, 0);
      yield { x: f32([1, 2]) };
    });
    const e = await rejection(collect(s.batches(1)));
    expect(e.message).toContain("Element 1 of the calibration data lacks 'ids'");
  });
});
