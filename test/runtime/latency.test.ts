import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { createModel, Tensor, tensorType, type Dim, type Model } from '../../src/ir/index.js';
import { loadModel, saveModel, serializeModel } from '../../src/onnx/index.js';
import { externalLayoutBytes, measureLatency, modelBytes, ModelSession, synthesizeFeeds } from '../../src/runtime/index.js';
import { seededFloats } from '../fixtures/random.js';

const RESNET = new URL('../../examples/models/fashion-resnet.onnx', import.meta.url).pathname;

/** y = Relu(x + bias): one input of the given shape, a 2 KiB initializer (external-data sized). */
function addModel(shape: readonly Dim[]): Model {
  const model = createModel(17, 'latency_add');
  const g = model.graph;
  const x = g.addInput('x', tensorType('float32', shape));
  const bias = g.addInitializer(Tensor.fromArray('bias', 'float32', [512], seededFloats(3, 512, 0.5)));
  const sum = g.addNode({ opType: 'Add', name: 'add', inputs: [x, bias], outputs: ['sum'] }).output();
  const y = g.addNode({ opType: 'Relu', name: 'relu', inputs: [sum], outputs: ['y'] }).output();
  y.type = tensorType('float32', shape.map(() => null));
  g.addOutput(y);
  return model;
}

/** A clock that makes timed run i last durationsMs[i] (each run reads the clock twice). */
function scriptedClock(durationsMs: readonly number[]): { clock: () => bigint; calls: () => number } {
  let calls = 0;
  let now = 1_000_000_000n;
  return {
    clock: () => {
      const run = calls >> 1;
      if (calls % 2 === 1) now += BigInt(Math.round(durationsMs[run]! * 1e6));
      else now += 7_000_000n; // time between runs must not count
      calls++;
      return now;
    },
    calls: () => calls,
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('measureLatency', () => {
  it('returns a finite positive median with percentiles around it on a real model', async () => {
    const model = await loadModel(RESNET);
    const r = await measureLatency(model, { runs: 7, warmup: 1 });
    expect(r).toMatchObject({ runs: 7, warmup: 1, threads: 2, batch: 1 });
    expect(Number.isFinite(r.medianMs) && r.medianMs > 0).toBe(true);
    expect(r.p10Ms!).toBeGreaterThan(0);
    expect(r.p10Ms!).toBeLessThanOrEqual(r.medianMs);
    expect(r.p90Ms!).toBeGreaterThanOrEqual(r.medianMs);
    // A 13-conv net on 28×28 runs in milliseconds, not seconds.
    expect(r.medianMs).toBeLessThan(500);
  });

  it('runs warm-up + timed runs and reports the median of the timed ones only', async () => {
    const run = vi.spyOn(ModelSession.prototype, 'run');
    const { clock, calls } = scriptedClock([5, 1, 4, 2, 3]);
    const r = await measureLatency(addModel(['N', 4, 8, 512]), { runs: 5, warmup: 3, clock });
    expect(run).toHaveBeenCalledTimes(8);
    expect(calls()).toBe(10);
    expect(r.medianMs).toBeCloseTo(3, 9);
    expect(r.p10Ms).toBeCloseTo(1, 9);
    expect(r.p90Ms).toBeCloseTo(5, 9);
  });

  it('averages the two middle runs of an even count and leaves percentiles out under 5 runs', async () => {
    const run = vi.spyOn(ModelSession.prototype, 'run');
    const { clock } = scriptedClock([4, 1, 2, 9]);
    const r = await measureLatency(addModel(['N', 512]), { runs: 4, warmup: 0, clock });
    expect(run).toHaveBeenCalledTimes(4);
    expect(r.medianMs).toBeCloseTo(3, 9);
    expect(r.p10Ms).toBeUndefined();
    expect(r.p90Ms).toBeUndefined();
  });

  it('feeds the requested batch on a symbolic batch axis, and uses given feeds as they are', async () => {
    const run = vi.spyOn(ModelSession.prototype, 'run');
    const model = addModel(['batch', 512]);
    const r = await measureLatency(model, { runs: 1, warmup: 0, batch: 3 });
    expect(r.batch).toBe(3);
    expect(run.mock.calls[0]![0]['x']!.dims).toEqual([3, 512]);
    const feeds = { x: { type: 'float32' as const, dims: [5, 512], data: new Float32Array(5 * 512) } };
    const given = await measureLatency(model, { runs: 1, warmup: 0, feeds });
    expect(given.batch).toBe(5);
    expect(run.mock.calls[1]![0]).toBe(feeds);
  });

  it('fills other symbolic dims from a sample feed and repeats its first item over the batch', () => {
    const model = addModel(['N', 3, 'H', 512]);
    const data = Float32Array.from({ length: 2 * 3 * 2 * 512 }, (_, i) => i);
    const feeds = synthesizeFeeds(model, 2, { x: { type: 'float32', dims: [2, 3, 2, 512], data } });
    const x = feeds['x']! as { readonly dims: readonly number[]; readonly data: Float32Array };
    expect(x.dims).toEqual([2, 3, 2, 512]);
    const item = 3 * 2 * 512;
    expect(Array.from(x.data.subarray(0, 4))).toEqual([0, 1, 2, 3]);
    // Both batch items are the sample's first item (the second sample item is not used).
    expect(Array.from(x.data.subarray(item, item + 4))).toEqual([0, 1, 2, 3]);
    expect(x.data[2 * item - 1]).toBe(item - 1);
  });

  it('makes up non-zero float inputs when no sample is given', () => {
    const x = synthesizeFeeds(addModel(['N', 512]), undefined)['x']!;
    expect(x.dims).toEqual([1, 512]);
    const values = Array.from(x.data as Float32Array);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(new Set(values).size).toBeGreaterThan(400);
  });

  it('refuses a symbolic dim it cannot size, naming it and saying what to pass', async () => {
    const model = addModel(['N', 3, 'H', 512]);
    const error = await measureLatency(model, { runs: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toContain("symbolic dim 'H' at axis 2");
    expect((error as Error).message).toMatch(/Pass `feeds` \(the inputs to time\) or `sample`/);
    expect(() => synthesizeFeeds(addModel(['N', null, 512]), 1)).toThrow(/\(unnamed\) at axis 1/);
  });

  it('refuses a batch the model cannot take and bad counts', async () => {
    expect(() => synthesizeFeeds(addModel([2, 512]), 4)).toThrow(/fixed batch of 2/);
    expect(synthesizeFeeds(addModel([2, 512]), undefined)['x']!.dims).toEqual([2, 512]);
    const model = addModel(['N', 512]);
    await expect(measureLatency(model, { runs: 0 })).rejects.toThrow(/`runs` must be a whole number ≥ 1/);
    await expect(measureLatency(model, { warmup: -1 })).rejects.toThrow(/`warmup` must be a whole number ≥ 0/);
    await expect(measureLatency(model, { threads: 1.5 })).rejects.toThrow(/`threads`/);
    await expect(measureLatency(model, { batch: 0 })).rejects.toThrow(/`batch`/);
  });
});

describe('modelBytes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mixq-bytes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is the serialized length of a model under the protobuf limit', async () => {
    const model = await loadModel(RESNET);
    const bytes = serializeModel(model)!;
    expect(modelBytes(model)).toBe(bytes.byteLength);
    expect(modelBytes(model)).toBe(statSync(RESNET).size);
    // With nothing placed outside, the external layout is the same proto.
    expect(externalLayoutBytes(model, Infinity)).toBe(bytes.byteLength);
  });

  it('counts the external-data layout as the model file plus its data file', async () => {
    const model = await loadModel(RESNET);
    const path = join(dir, 'model.onnx');
    await saveModel(model, path, { externalData: { location: 'model.onnx.data', thresholdBytes: 1024 } });
    const onDisk = statSync(path).size + statSync(`${path}.data`).size;
    expect(externalLayoutBytes(model)).toBe(onDisk);
    expect(statSync(path).size).toBeLessThan(onDisk / 10); // the weights really went to the data file
  });
});
