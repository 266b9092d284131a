/**
 * Every fixture model: built → serialize → load → serialize → load keeps the structure, the
 * serialization is idempotent, and onnxruntime outputs are bit-identical.
 */
import { describe, expect, it } from 'vitest';
import { loadModelFromBytes, serializeModel } from '../../src/onnx/index.js';
import { ModelSession } from '../../src/runtime/index.js';
import { expectFeedsBitExact } from '../fixtures/helpers.js';
import { FIXTURES, type Fixture } from '../fixtures/models.js';
import { halfToFloat } from '../fixtures/random.js';
import { allGraphs, describeModel, invariantViolations, sha256 } from '../fixtures/structure.js';
import type { Model } from '../../src/ir/index.js';

async function run(model: Model, fixture: Fixture, seed: number) {
  const session = await ModelSession.create(model);
  try {
    return await session.run(fixture.feeds(seed));
  } finally {
    await session.close();
  }
}

describe.each(FIXTURES.map((f) => [f.name, f] as const))('fixture %s', (_name, fixture) => {
  it('keeps its structure and serializes idempotently', () => {
    const built = fixture.build();
    expect(invariantViolations(built)).toEqual([]);
    const bytes1 = serializeModel(built)!;
    const first = loadModelFromBytes(bytes1);
    const bytes2 = serializeModel(first)!;
    const second = loadModelFromBytes(bytes2);
    expect(sha256(bytes2)).toBe(sha256(bytes1));
    expect(describeModel(first)).toEqual(describeModel(built));
    expect(describeModel(second)).toEqual(describeModel(first));
    expect(invariantViolations(first)).toEqual([]);
    expect(invariantViolations(second)).toEqual([]);
    // Subgraphs come back as subgraphs of the right parent.
    const subs = allGraphs(second.graph).slice(1);
    expect(subs.map((g) => g.name)).toEqual(allGraphs(built.graph).slice(1).map((g) => g.name));
    for (const g of subs) expect(g.parent === second.graph).toBe(true);
  });

  it('gives bit-identical onnxruntime outputs before and after the round trip', async () => {
    const built = fixture.build();
    const roundTripped = loadModelFromBytes(serializeModel(loadModelFromBytes(serializeModel(built)!))!);
    const outputs = new Set<string>();
    for (const seed of [1, 2]) {
      const before = await run(built, fixture, seed);
      const after = await run(roundTripped, fixture, seed);
      expectFeedsBitExact(after, before, `seed ${seed}`);
      expect(Object.keys(before)).toEqual(built.graph.outputs.map((v) => v.name));
      for (const t of Object.values(before)) outputs.add(sha256(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)));
    }
    // Different inputs give different outputs, so the comparison is not vacuous.
    expect(outputs.size).toBeGreaterThan(built.graph.outputs.length);
  });
});

describe('fixture specifics', () => {
  it('conv at opset 13 and 21: same weights, same outputs, different headers', async () => {
    const [a, b] = [FIXTURES.find((f) => f.name === 'conv-opset13')!, FIXTURES.find((f) => f.name === 'conv-opset21')!];
    const [ma, mb] = [loadModelFromBytes(serializeModel(a.build())!), loadModelFromBytes(serializeModel(b.build())!)];
    expect([ma.opset, ma.irVersion, mb.opset, mb.irVersion]).toEqual([13, 7, 21, 10]);
    expect(ma.graph.inputs[0]!.shape).toEqual(['N', 3, 8, 8]);
    expectFeedsBitExact(await run(mb, b, 3), await run(ma, a, 3), 'opset 21 vs 13');
  });

  it('if: the two seeds take different branches', async () => {
    const f = FIXTURES.find((x) => x.name === 'if-branches')!;
    const model = f.build();
    const thenOut = (await run(model, f, 1))['y']!.data as Float32Array;
    const elseOut = (await run(model, f, 2))['y']!.data as Float32Array;
    expect(f.feeds(1)['cond']!.data[0]).toBe(1);
    expect(f.feeds(2)['cond']!.data[0]).toBe(0);
    // Reference for the then branch: relu(x W + B) computed here.
    const g = model.graph;
    const x = f.feeds(1)['x']!.data as Float32Array;
    const w = g.lookup('W')!.initializer!.toArray() as Float32Array;
    const bias = g.lookup('B')!.initializer!.toArray() as Float32Array;
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 4; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += x[i * 3 + k]! * w[k * 4 + j]!;
        expect(thenOut[i * 4 + j]).toBeCloseTo(Math.max(0, s + bias[j]!), 5);
      }
    }
    // The else branch uses W_else: relu(x W_else + B) for seed 2's x.
    const x2 = f.feeds(2)['x']!.data as Float32Array;
    const wElse = g.lookup('W_else')!.initializer!.toArray() as Float32Array;
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 4; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += x2[i * 3 + k]! * wElse[k * 4 + j]!;
        expect(elseOut[i * 4 + j]).toBeCloseTo(Math.max(0, s + bias[j]!), 5);
      }
    }
  });

  it('float16: initializers stay float16 on disk, and the Cast gives their exact values', async () => {
    const f = FIXTURES.find((x) => x.name === 'float16-weights')!;
    const model = loadModelFromBytes(serializeModel(f.build())!);
    const w = model.graph.lookup('w_fp16')!.initializer!;
    expect([w.type, w.byteLength]).toEqual(['float16', 24]);
    const session = await ModelSession.create(model, { extraOutputs: ['w_fp32'] });
    try {
      const out = await session.run(f.feeds(1));
      expect(Array.from(out['w_fp32']!.data as Float32Array)).toEqual(Array.from(w.toArray() as Uint16Array, halfToFloat));
    } finally {
      await session.close();
    }
  });

  it('loop: the stacked scan output is state_i * i', async () => {
    const f = FIXTURES.find((x) => x.name === 'loop')!;
    const model = f.build();
    const out = await run(model, f, 1);
    const x = f.feeds(1)['x']!.data as Float32Array;
    const step = model.graph.lookup('step')!.initializer!.toArray() as Float32Array;
    const stack = out['scan_stack']!.data as Float32Array;
    expect(out['scan_stack']!.dims).toEqual([4, 2, 3]);
    for (let i = 0; i < 4; i++) {
      for (let k = 0; k < 6; k++) {
        let state = x[k]!;
        for (let n = 0; n <= i; n++) state = Math.fround(state + step[k]!);
        expect(stack[i * 6 + k]).toBe(Math.fround(state * i));
        if (i === 3) expect((out['final_state']!.data as Float32Array)[k]).toBe(state);
      }
    }
  });
});
