/**
 * The two trained models: load → serialize is byte-identical to the file, load → serialize → load
 * keeps the structure, and onnxruntime gives bit-identical outputs for the file and for our bytes.
 */
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { cloneModel } from '../../src/ir/index.js';
import { loadModel, loadModelFromBytes, serializeModel } from '../../src/onnx/index.js';
import { ModelSession, type Feeds } from '../../src/runtime/index.js';
import { calibrationNpyPath, expectFeedsBitExact, readNpyFloat32, REAL_MODELS, sliceBatch } from '../fixtures/helpers.js';
import { describeModel, invariantViolations, sha256 } from '../fixtures/structure.js';

const batch = sliceBatch(readNpyFloat32(calibrationNpyPath()), 0, 32);

/** Runs onnxruntime directly (not through mixq) on a file path or bytes. */
async function ortRun(model: string | Uint8Array, feeds: Feeds): Promise<Feeds> {
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model) : await ort.InferenceSession.create(model);
  try {
    const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor(t.type as 'float32', t.data as Float32Array, [...t.dims])]));
    const results = await session.run(ortFeeds);
    return Object.fromEntries(Object.entries(results).map(([k, t]) => [k, { type: 'float32' as const, dims: [...t.dims], data: t.data as Float32Array }]));
  } finally {
    await session.release();
  }
}

describe('calibration batch', () => {
  it('is the float32 [256,1,28,28] Fashion-MNIST calibration set', () => {
    const all = readNpyFloat32(calibrationNpyPath());
    expect(all.dims).toEqual([256, 1, 28, 28]);
    expect(batch.dims).toEqual([32, 1, 28, 28]);
    // Normalised pixels: (p/255 - 0.286) / 0.353 lies in [-0.811, 2.023].
    const data = all.data as Float32Array;
    expect(Math.min(...data.subarray(0, 784 * 8))).toBeGreaterThanOrEqual(-0.82);
    expect(Math.max(...data.subarray(0, 784 * 8))).toBeLessThanOrEqual(2.03);
  });
});

describe.each(REAL_MODELS)('%s', (file) => {
  const fileBytes = new Uint8Array(readFileSync(file));

  it('re-serializes byte-identical to the file', async () => {
    const model = await loadModel(file);
    const bytes = serializeModel(model)!;
    expect(bytes.byteLength).toBe(fileBytes.byteLength);
    expect(sha256(bytes)).toBe(sha256(fileBytes));
    expect(invariantViolations(model)).toEqual([]);
  });

  it('keeps its structure through load → serialize → load', async () => {
    const first = await loadModel(file);
    const second = loadModelFromBytes(serializeModel(first)!);
    const a = describeModel(first);
    expect(describeModel(second)).toEqual(a);
    // Sanity: the description really covers the graph.
    const graph = a['graph'] as { nodes: unknown[]; initializers: unknown[]; inputs: { name: string }[]; outputs: { name: string }[] };
    expect(graph.nodes.length).toBe(first.graph.nodes.length);
    expect(graph.nodes.length).toBeGreaterThan(30);
    expect(graph.initializers.length).toBeGreaterThan(10);
    expect(graph.inputs.map((i) => i.name)).toEqual(['input']);
    expect(graph.outputs.map((o) => o.name)).toEqual(['logits']);
    expect(first.opset).toBe(17);
  });

  it('gives bit-identical onnxruntime outputs for the file and for our round-tripped model', async () => {
    const feeds = { input: batch };
    const fromFile = await ortRun(file, feeds);
    expect(fromFile['logits']!.dims).toEqual([32, 10]);
    const roundTripped = loadModelFromBytes(serializeModel(await loadModel(file))!);
    const session = await ModelSession.create(roundTripped);
    try {
      expectFeedsBitExact(await session.run(feeds), fromFile, 'ModelSession vs ORT on the file');
    } finally {
      await session.close();
    }
    // A clone serialises to the same bytes as well.
    const cloneBytes = serializeModel(cloneModel(roundTripped))!;
    expect(sha256(cloneBytes)).toBe(sha256(fileBytes));
    expectFeedsBitExact(await ortRun(cloneBytes, feeds), fromFile, 'ORT on clone bytes');
  });

  it('classifies the batch sensibly (the data and model fit together)', async () => {
    const logits = (await ortRun(file, { input: batch }))['logits']!.data as Float32Array;
    const predicted = new Set<number>();
    for (let i = 0; i < 32; i++) {
      const row = logits.subarray(i * 10, i * 10 + 10);
      predicted.add(row.indexOf(Math.max(...row)));
      expect(row.every(Number.isFinite)).toBe(true);
    }
    // 32 images of 10 balanced classes: a working classifier predicts many different classes.
    expect(predicted.size).toBeGreaterThanOrEqual(6);
  });
});
