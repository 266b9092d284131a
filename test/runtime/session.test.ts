import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, MixqError, RuntimeFailureError, UnknownNameError } from '../../src/errors.js';
import { cloneModel, removeDeadNodes, type HostTensor, type Model } from '../../src/ir/index.js';
import { loadModel } from '../../src/onnx/index.js';
import { ModelSession, withExtraOutputs, type Feeds, type OptimizationLevel, type SessionOptions } from '../../src/runtime/index.js';
import { calibrationNpyPath, catchMixqAsync, expectBitExact, maxAbsDiff, readNpyFloat32, RESNET, sliceBatch, VIT } from '../fixtures/helpers.js';
import { buildConv, convFixture, floatFeed, IF_BRANCHES, MULTI_OUTPUT } from '../fixtures/models.js';

const CONV = convFixture(17);

async function runOnce(model: Model, feeds: Feeds, options: SessionOptions = {}): Promise<Feeds> {
  const session = await ModelSession.create(model, options);
  try {
    return await session.run(feeds);
  } finally {
    await session.close();
  }
}

/** The model cut down to compute only `name` (as its single output). */
function truncatedTo(model: Model, name: string): Model {
  const copy = cloneModel(model);
  copy.graph.outputs.splice(0, copy.graph.outputs.length, copy.graph.lookup(name)!);
  removeDeadNodes(copy.graph);
  return copy;
}

/** Plain-TS Conv2d: NCHW, 3x3 kernel, pad 1, stride 1, with bias; float64 accumulation. */
function referenceConv(x: HostTensor, w: Float32Array, b: Float32Array, cout: number): Float64Array {
  const [n, cin, h, wd] = x.dims as [number, number, number, number];
  const xd = x.data as Float32Array;
  const out = new Float64Array(n * cout * h * wd);
  for (let bi = 0; bi < n; bi++)
    for (let co = 0; co < cout; co++)
      for (let i = 0; i < h; i++)
        for (let j = 0; j < wd; j++) {
          let s = b[co]!;
          for (let ci = 0; ci < cin; ci++)
            for (let ki = 0; ki < 3; ki++)
              for (let kj = 0; kj < 3; kj++) {
                const yi = i + ki - 1;
                const xj = j + kj - 1;
                if (yi < 0 || yi >= h || xj < 0 || xj >= wd) continue;
                s += xd[((bi * cin + ci) * h + yi) * wd + xj]! * w[((co * cin + ci) * 3 + ki) * 3 + kj]!;
              }
          out[((bi * cout + co) * h + i) * wd + j] = s;
        }
  return out;
}

describe('extraOutputs', () => {
  it('exposes intermediate tensors that match a pure-TS reference', async () => {
    const model = buildConv(17);
    const feeds = CONV.feeds(1);
    const session = await ModelSession.create(model, { extraOutputs: ['conv_out', 'relu_out', 'pool_out'] });
    try {
      expect(session.outputNames).toEqual(['logits', 'conv_out', 'relu_out', 'pool_out']);
      const out = await session.run(feeds);
      const conv = out['conv_out']!;
      expect(conv.dims).toEqual([2, 4, 8, 8]);
      const w = model.graph.lookup('conv_w')!.initializer!.toArray() as Float32Array;
      const b = model.graph.lookup('conv_b')!.initializer!.toArray() as Float32Array;
      const ref = referenceConv(feeds['input']!, w, b, 4);
      expect(maxAbsDiff(conv.data as Float32Array, ref)).toBeLessThan(1e-5);
      // Relu and MaxPool are exact functions of their inputs.
      const relu = out['relu_out']!.data as Float32Array;
      expect(Array.from(relu)).toEqual(Array.from(conv.data as Float32Array, (v) => (v > 0 ? v : 0)));
      const pool = out['pool_out']!;
      expect(pool.dims).toEqual([2, 4, 4, 4]);
      const pd = pool.data as Float32Array;
      for (let c = 0; c < 8; c++)
        for (let i = 0; i < 4; i++)
          for (let j = 0; j < 4; j++) {
            const at = (r: number, s: number) => relu[c * 64 + (2 * i + r) * 8 + 2 * j + s]!;
            expect(pd[c * 16 + i * 4 + j]).toBe(Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1)));
          }
      // The model's own output is unaffected by exposing intermediates.
      expectBitExact(out['logits']!, (await runOnce(model, feeds))['logits']!, 'logits');
    } finally {
      await session.close();
    }
  });

  it('equals what a model truncated at that tensor computes (fixture and ViT)', async () => {
    const vit = await loadModel(VIT);
    const batch = { input: sliceBatch(readNpyFloat32(calibrationNpyPath()), 8, 4) };
    const cases: [Model, Feeds, string[]][] = [
      [buildConv(17), CONV.feeds(2), ['conv_out', 'flat']],
      [vit, batch, ['/n1/LayerNormalization_output_0', '/Softmax_output_0', '/f1_1/MatMul_output_0']],
    ];
    for (const [model, feeds, names] of cases) {
      for (const optimization of ['disabled', 'all'] as const) {
        const all = await runOnce(model, feeds, { optimization, extraOutputs: names });
        for (const name of names) {
          const alone = await runOnce(truncatedTo(model, name), feeds, { optimization });
          expectBitExact(all[name]!, alone[name]!, `${name} (${optimization})`);
        }
      }
    }
  });

  it('does not modify the model it was given', async () => {
    const model = buildConv(17);
    const session = await ModelSession.create(model, { extraOutputs: ['relu_out'] });
    await session.close();
    expect(model.graph.outputs.map((v) => v.name)).toEqual(['logits']);
    expect(withExtraOutputs(model, ['relu_out', 'logits']).graph.outputs.map((v) => v.name)).toEqual(['logits', 'relu_out']);
  });

  it('rejects an unknown name with UnknownNameError and near-match suggestions', async () => {
    const error = await catchMixqAsync(() => ModelSession.create(buildConv(17), { extraOutputs: ['relu_out', 'conv_outt', 'zzzzzz'] }));
    expect(error).toBeInstanceOf(UnknownNameError);
    const unknown = error as UnknownNameError;
    expect(unknown.code).toBe('UNKNOWN_NAME');
    expect(unknown.names).toEqual(['conv_outt', 'zzzzzz']);
    expect(unknown.suggestions['conv_outt']).toContain('conv_out');
    expect(unknown.suggestions['zzzzzz']).toEqual([]);
    expect(unknown.message).toContain("did you mean 'conv_out'");
  });

  it('does not reach into subgraphs (their values are not graph-level tensors)', async () => {
    const error = await catchMixqAsync(() => ModelSession.create(IF_BRANCHES.build(), { extraOutputs: ['then_mm_out'] }));
    expect(error.code).toBe('UNKNOWN_NAME');
  });
});

describe('optimization levels', () => {
  it.each(['disabled', 'basic', 'extended', 'all'] as OptimizationLevel[])('%s runs the ResNet and agrees with the unoptimised result', async (optimization) => {
    const model = await loadModel(RESNET);
    const feeds = { input: sliceBatch(readNpyFloat32(calibrationNpyPath()), 0, 16) };
    const reference = (await runOnce(model, feeds, { optimization: 'disabled' }))['logits']!;
    const out = (await runOnce(model, feeds, { optimization }))['logits']!;
    expect(out.dims).toEqual([16, 10]);
    expect(maxAbsDiff(out.data as Float32Array, reference.data as Float32Array)).toBeLessThan(1e-3);
    if (optimization === 'disabled') expectBitExact(out, reference, 'disabled is deterministic');
  });

  it("'disabled' and 'all' give the same fixture outputs (int64 ArgMax exactly)", async () => {
    const model = MULTI_OUTPUT.build();
    const [a, b] = [await runOnce(model, MULTI_OUTPUT.feeds(4), { optimization: 'disabled' }), await runOnce(model, MULTI_OUTPUT.feeds(4), { optimization: 'all' })];
    expect(Object.keys(a)).toEqual(['relu_out', 'sigmoid_out', 'mean_out', 'argmax_out', 'hidden']);
    expect(a['argmax_out']!.type).toBe('int64');
    expect(Array.from(a['argmax_out']!.data as BigInt64Array)).toEqual(Array.from(b['argmax_out']!.data as BigInt64Array));
    for (const name of ['relu_out', 'sigmoid_out', 'mean_out', 'hidden']) {
      expect(maxAbsDiff(a[name]!.data as Float32Array, b[name]!.data as Float32Array)).toBeLessThan(1e-6);
    }
  });
});

describe('run', () => {
  it('returns only the requested outputs', async () => {
    const session = await ModelSession.create(MULTI_OUTPUT.build());
    try {
      expect(session.inputNames).toEqual(['x']);
      const out = await session.run(MULTI_OUTPUT.feeds(1), ['mean_out']);
      expect(Object.keys(out)).toEqual(['mean_out']);
      expect(out['mean_out']!.dims).toEqual([2]);
    } finally {
      await session.close();
      await session.close(); // closing twice is harmless
    }
  });

  it('wraps input mistakes in MixqErrors, never raw onnxruntime errors', async () => {
    const session = await ModelSession.create(buildConv(17));
    try {
      const good = CONV.feeds(1)['input']!;
      const cases: [string, Feeds, RegExp][] = [
        ['misspelled input', { inptu: good }, /input/],
        ['missing input', {}, /input/],
        ['wrong shape', { input: floatFeed([2, 3, 4, 16], 1) }, /dimensions|shape/i],
        ['wrong rank', { input: floatFeed([2, 192], 1) }, /rank|dimensions/i],
        ['wrong type', { input: { type: 'float64', dims: [2, 3, 8, 8], data: new Float64Array(384) } }, /type/i],
      ];
      for (const [label, feeds, pattern] of cases) {
        const error = await catchMixqAsync(() => session.run(feeds));
        expect(error, label).toBeInstanceOf(RuntimeFailureError);
        expect(error.code, label).toBe('RUNTIME_FAILURE');
        expect(error.message, label).toMatch(pattern);
        expect(error.hint, label).toMatch(/inputs match the model/);
        expect(error.cause, label).toBeDefined();
      }
      // Data that does not fill its own dims is our caller's mistake, caught before onnxruntime.
      const bad = await catchMixqAsync(() => session.run({ input: { ...good, dims: [2, 3, 8, 9] } }));
      expect(bad).toBeInstanceOf(InvalidArgumentError);
      expect(bad.message).toContain("'input'");
      // The session still works after all that.
      expect((await session.run({ input: good }))['logits']!.dims).toEqual([2, 10]);
    } finally {
      await session.close();
    }
  });

  it('rejects a model onnxruntime cannot load with RuntimeFailureError', async () => {
    const model = buildConv(17);
    model.graph.nodes.find((n) => n.name === 'relu')!.opType = 'NoSuchOp';
    const error = await catchMixqAsync(() => ModelSession.create(model));
    expect(error).toBeInstanceOf(RuntimeFailureError);
    expect(error).toBeInstanceOf(MixqError);
    expect(error.message).toMatch(/could not load/);
    expect(error.message).toContain('NoSuchOp');
  });
});
