import { describe, expect, it } from 'vitest';
import { RuntimeFailureError } from '../../src/errors.js';
import type { HostTensor } from '../../src/ir/index.js';
import { loadModel, serializeModel } from '../../src/onnx/index.js';
import { ModelSession, WorkerPool } from '../../src/runtime/index.js';

const MODEL = '/work/shared/models/fashion-resnet.onnx';
const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
const image = (n: number): HostTensor => ({ type: 'float32', dims: [n, 1, 28, 28], data: Float32Array.from({ length: n * 784 }, (_, i) => Math.sin(i) * 0.5) });

/** Resolves to the settled outcome, or to 'hung' when the promise is still pending after `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<{ value?: T; error?: unknown } | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ms)));
  const settled = promise.then((value) => ({ value }), (error: unknown) => ({ error }));
  try {
    return await Promise.race([settled, hung]);
  } finally {
    clearTimeout(timer);
  }
}

describe('WorkerPool', () => {
  it('runs a model in a worker loaded from the worker module, with the same outputs as this thread', async () => {
    const model = await loadModel(MODEL);
    const feeds = [{ input: image(3) }, { input: image(2) }];
    const session = await ModelSession.create(model, { optimization: 'disabled' });
    const expected = [];
    for (const f of feeds) expected.push(Array.from((await session.run(f, ['logits']))['logits']!.data as Float32Array));
    await session.close();
    const pool = WorkerPool.create(2, feeds);
    try {
      const [a, b] = await Promise.all([pool.run(serializeModel(model)!, 'logits'), pool.run(serializeModel(model)!, 'logits')]);
      for (const outputs of [a!, b!]) expect(outputs.map((o) => Array.from(o))).toEqual(expected);
    } finally {
      await pool.close();
    }
  });

  it('a model onnxruntime rejects fails that task with a RuntimeFailureError; the pool keeps serving', async () => {
    const model = await loadModel(MODEL);
    const pool = WorkerPool.create(1, [{ input: image(1) }]);
    try {
      const bad = await within(pool.run(new Uint8Array([1, 2, 3, 4]), 'logits'), 20_000);
      expect(bad).not.toBe('hung');
      expect((bad as { error: unknown }).error).toBeInstanceOf(RuntimeFailureError);
      const good = await pool.run(serializeModel(model)!, 'logits');
      expect(good[0]!.length).toBe(10);
    } finally {
      await pool.close();
    }
  });

  for (const [name, said] of [
    ['worker-that-throws.mjs', /crashed: worker blew up outside the try/],
    ['worker-that-exits.mjs', /exited unexpectedly \(exit code 7\)/],
  ] as const) {
    it(`a worker that dies (${name}) rejects its task and every later one, and close() returns`, async () => {
      const pool = WorkerPool.create(2, [{ input: image(1) }], { workerUrl: fixture(name) });
      const first = await within(pool.run(new Uint8Array(8), 'logits'), 10_000);
      expect(first).not.toBe('hung');
      const error = (first as { error: unknown }).error;
      expect(error).toBeInstanceOf(RuntimeFailureError);
      expect((error as Error).message).toMatch(said);
      // Later tasks fail at once instead of waiting for a worker that will never come back.
      const later = await within(Promise.all([pool.run(new Uint8Array(8), 'x'), pool.run(new Uint8Array(8), 'x')]), 10_000);
      expect(later).not.toBe('hung');
      expect((later as { error: unknown }).error).toBeInstanceOf(RuntimeFailureError);
      expect(await within(pool.close(), 10_000)).not.toBe('hung');
    });
  }
});
