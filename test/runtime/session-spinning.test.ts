/** The `spinning` session option: what reaches onnxruntime, and that it changes no output. */
import { describe, expect, it } from 'vitest';
import { ModelSession, ortSessionOptions, type SessionOptions } from '../../src/runtime/index.js';
import { recognizerLike } from '../fixtures/exports/index.js';

describe('SessionOptions.spinning', () => {
  it("turns ORT's pool-thread spinning off only when asked", () => {
    const off = ortSessionOptions({ optimization: 'disabled', intraOpThreads: 2, spinning: false });
    expect(off.extra).toEqual({ session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } });
    expect(off.intraOpNumThreads).toBe(2);
    expect(off.graphOptimizationLevel).toBe('disabled');
    for (const options of [{}, { spinning: true }] as SessionOptions[]) expect(ortSessionOptions(options).extra).toBeUndefined();
    expect(ortSessionOptions({}).graphOptimizationLevel).toBe('all');
  });

  it('gives the same outputs, to the bit, as a spinning session (opset-9 recognizer export, 2 threads)', async () => {
    const fx = recognizerLike();
    const model = fx.build();
    const feeds = fx.feeds(4, 3);
    const outputs = [];
    for (const spinning of [true, false]) {
      const session = await ModelSession.create(model, { optimization: 'disabled', intraOpThreads: 2, spinning });
      try {
        outputs.push((await session.run(feeds))[fx.outputNames[0]!]!.data as Float32Array);
      } finally {
        await session.close();
      }
    }
    const [a, b] = outputs as [Float32Array, Float32Array];
    expect(a.length).toBeGreaterThan(0);
    expect(Buffer.from(b.buffer, b.byteOffset, b.byteLength).equals(Buffer.from(a.buffer, a.byteOffset, a.byteLength))).toBe(true);
  });
});
