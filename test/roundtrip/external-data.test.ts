/**
 * Saving with external data, loading it back (lazily), what happens when the data file is missing,
 * and the file-safety promises of loadModel / saveModel.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileError, ModelFormatError } from '../../src/errors.js';
import type { Model } from '../../src/ir/index.js';
import { loadModel, saveModel, serializeModel } from '../../src/onnx/index.js';
import { ModelSession, type Feeds } from '../../src/runtime/index.js';
import { catchMixq, catchMixqAsync, expectFeedsBitExact, RESNET, tempDir } from '../fixtures/helpers.js';
import { CONSTANT_WEIGHTS, convFixture, FIXTURES, IF_BRANCHES, type Fixture } from '../fixtures/models.js';
import { describeModel, sha256 } from '../fixtures/structure.js';

const CONV = convFixture(13);
let dir = '';
let cleanup = () => {};
beforeEach(() => ({ dir, cleanup } = tempDir('mixq-extdata-')));
afterEach(() => cleanup());

async function runFeeds(model: Model, feeds: Feeds): Promise<Feeds> {
  const session = await ModelSession.create(model);
  try {
    return await session.run(feeds);
  } finally {
    await session.close();
  }
}

const run = (model: Model, fixture: Fixture, seed = 1): Promise<Feeds> => runFeeds(model, fixture.feeds(seed));

/** onnxruntime reading the saved files itself (so it reads our .data file, not our serialisation). */
async function ortRunFile(path: string, feeds: Feeds): Promise<Feeds> {
  const session = await ort.InferenceSession.create(path);
  try {
    const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor(t.type as 'float32', t.data as Float32Array, [...t.dims])]));
    const results = await session.run(ortFeeds);
    return Object.fromEntries(Object.entries(results).map(([k, t]) => [k, { type: t.type as 'float32', dims: [...t.dims], data: t.data as Float32Array }]));
  } finally {
    await session.release();
  }
}

function fileHash(path: string): string {
  return sha256(readFileSync(path));
}

describe('external data', () => {
  it.each(FIXTURES.map((f) => [f.name, f] as const))('%s: saves tensors ≥ 16 bytes to a .data file and loads them back', async (_n, fixture) => {
    const built = fixture.build();
    const path = join(dir, 'model.onnx');
    await saveModel(built, path, { externalData: { thresholdBytes: 16 } });
    expect(readdirSync(dir).sort()).toEqual(['model.onnx', 'model.onnx.data']);
    // The .onnx holds none of the moved tensors' bytes; the data file holds them all.
    const onnxFile = readFileSync(path);
    const dataFile = readFileSync(join(dir, 'model.onnx.data'));
    const tensors = [
      ...built.graph.initializers.map((v) => v.initializer!),
      ...[...built.graph.allNodes()].flatMap((n) => [...n.attributes.values()].flatMap((a) => (a.value.type === 'tensor' ? [a.value.value] : []))),
    ];
    const moved = tensors.filter((t) => t.byteLength >= 16);
    expect(moved.length).toBeGreaterThan(0);
    for (const t of moved) {
      expect(onnxFile.indexOf(Buffer.from(t.bytes())), `'${t.name}' is not in the .onnx`).toBe(-1);
      expect(dataFile.indexOf(Buffer.from(t.bytes())), `'${t.name}' is in the .data`).toBeGreaterThanOrEqual(0);
    }
    expect(onnxFile.byteLength).toBeLessThan(1024);
    expect(dataFile.byteLength).toBeGreaterThanOrEqual(moved.reduce((n, t) => n + t.byteLength, 0));

    const reloaded = await loadModel(path);
    const lazy = reloaded.graph.initializers.filter((v) => v.initializer!.external !== undefined);
    expect(lazy.length).toBe(built.graph.initializers.filter((v) => v.initializer!.byteLength >= 16).length);
    for (const v of lazy) {
      expect(v.initializer!.isLoaded).toBe(false);
      expect(v.initializer!.external!.location).toBe('model.onnx.data');
    }
    expect(describeModel(reloaded)).toEqual(describeModel(built));

    const expected = await run(built, fixture);
    expectFeedsBitExact(await run(reloaded, fixture), expected, 'reloaded via ModelSession');
    expectFeedsBitExact(await ortRunFile(path, fixture.feeds(1)), expected, 'ORT reading the files');
  });

  it('puts Constant-node tensors in the data file too', async () => {
    const path = join(dir, 'c.onnx');
    await saveModel(CONSTANT_WEIGHTS.build(), path, { externalData: { thresholdBytes: 16 } });
    const reloaded = await loadModel(path);
    const t = reloaded.graph.nodes.find((n) => n.name === 'fc_w_const')!.attrTensor('value')!;
    expect([t.isLoaded, t.external?.location]).toEqual([false, 'c.onnx.data']);
    expect(t.byteLength).toBe(1200);
  });

  it('shrinks the .onnx by the weights it moves', async () => {
    const path = join(dir, 'model.onnx');
    await saveModel(CONV.build(), path, { externalData: { thresholdBytes: 16 } });
    const inline = serializeModel(CONV.build())!.byteLength;
    // conv_w 432 + conv_b 16 + fc_w 2560 + fc_b 40 bytes moved; each reference costs < 64 bytes.
    expect(statSync(path).size).toBeLessThan(inline - 3048 + 4 * 64);
    expect(statSync(`${path}.data`).size).toBeGreaterThanOrEqual(3048);
  });

  it('honours a custom location', async () => {
    const path = join(dir, 'm.onnx');
    await saveModel(CONV.build(), path, { externalData: { location: 'weights.bin', thresholdBytes: 16 } });
    expect(readdirSync(dir).sort()).toEqual(['m.onnx', 'weights.bin']);
    const reloaded = await loadModel(path);
    expect(reloaded.graph.lookup('fc_w')!.initializer!.external!.location).toBe('weights.bin');
    expectFeedsBitExact(await run(reloaded, CONV), await run(CONV.build(), CONV), 'custom location');
  });

  it('can be re-saved over its own files while its tensors are still lazy', async () => {
    const path = join(dir, 'model.onnx');
    await saveModel(CONV.build(), path, { externalData: { thresholdBytes: 16 } });
    const lazyModel = await loadModel(path);
    expect(lazyModel.graph.lookup('conv_w')!.initializer!.isLoaded).toBe(false);
    await saveModel(lazyModel, path, { externalData: { thresholdBytes: 16 } });
    const again = await loadModel(path);
    expect(describeModel(again)).toEqual(describeModel(CONV.build()));
    expectFeedsBitExact(await ortRunFile(path, CONV.feeds(2)), await run(CONV.build(), CONV, 2), 'after re-save');
  });

  it('a lazy model saves to a single inline file elsewhere', async () => {
    const path = join(dir, 'model.onnx');
    await saveModel(CONV.build(), path, { externalData: { thresholdBytes: 16 } });
    mkdirSync(join(dir, 'out'));
    const inline = join(dir, 'out', 'inline.onnx');
    await saveModel(await loadModel(path), inline);
    expect(readdirSync(join(dir, 'out'))).toEqual(['inline.onnx']);
    expect(sha256(readFileSync(inline))).toBe(sha256(serializeModel(CONV.build())!));
  });

  it('moving the .onnx without its .data gives EXTERNAL_DATA_MISSING naming the data file', async () => {
    await saveModel(CONV.build(), join(dir, 'model.onnx'), { externalData: { thresholdBytes: 16 } });
    mkdirSync(join(dir, 'moved'));
    const moved = join(dir, 'moved', 'model.onnx');
    copyFileSync(join(dir, 'model.onnx'), moved);
    // The load checks that every data file exists, so a moved model fails at once, naming the file.
    const atLoad = await catchMixqAsync(() => loadModel(moved));
    expect(atLoad).toBeInstanceOf(ModelFormatError);
    expect(atLoad.code).toBe('EXTERNAL_DATA_MISSING');
    expect(atLoad.message).toContain('model.onnx.data');
    expect(atLoad.message).toContain("'conv_w'");
    expect(atLoad.hint).toMatch(/same folder as the \.onnx file/);
    // Loaded while the data was there, then the file disappears: first use fails the same way.
    copyFileSync(join(dir, 'model.onnx.data'), join(dir, 'moved', 'model.onnx.data'));
    const model = await loadModel(moved);
    rmSync(join(dir, 'moved', 'model.onnx.data'));
    for (const error of [
      catchMixq(() => model.graph.lookup('conv_w')!.initializer!.bytes()),
      catchMixq(() => serializeModel(model)),
      await catchMixqAsync(() => ModelSession.create(model)),
      await catchMixqAsync(() => saveModel(model, join(dir, 'moved', 'copy.onnx'))),
    ]) {
      expect(error).toBeInstanceOf(ModelFormatError);
      expect(error.code).toBe('EXTERNAL_DATA_MISSING');
      expect(error.message).toContain('model.onnx.data');
      expect(error.message).toContain("'conv_w'");
    }
    expect(readdirSync(join(dir, 'moved'))).toEqual(['model.onnx']);
  });

  it('loading the .onnx from bytes without a directory gives a MixqError; with baseDir it works', async () => {
    const path = join(dir, 'model.onnx');
    await saveModel(IF_BRANCHES.build(), path, { externalData: { thresholdBytes: 16 } });
    const bytes = new Uint8Array(readFileSync(path));
    const error = await catchMixqAsync(() => loadModel(bytes));
    expect(error.code).toBe('EXTERNAL_DATA_MISSING');
    expect(error.message).toContain('model.onnx.data');
    expect(error.hint).toMatch(/file path/);
    const model = await loadModel(bytes, { baseDir: dir });
    expectFeedsBitExact(await run(model, IF_BRANCHES, 2), await run(IF_BRANCHES.build(), IF_BRANCHES, 2), 'bytes + baseDir');
  });
});

describe('file safety', () => {
  it('loadModel never modifies its input files', async () => {
    const path = join(dir, 'model.onnx');
    await saveModel(CONV.build(), path, { externalData: { thresholdBytes: 16 } });
    const files = [RESNET, path, `${path}.data`];
    const before = files.map((f) => [fileHash(f), statSync(f).mtimeMs, statSync(f).size]);
    const resnet = await loadModel(RESNET);
    serializeModel(resnet);
    expect((await runFeeds(resnet, { input: { type: 'float32', dims: [1, 1, 28, 28], data: new Float32Array(784) } }))['logits']!.dims).toEqual([1, 10]);
    const external = await loadModel(path);
    serializeModel(external);
    await run(external, CONV);
    expect(files.map((f) => [fileHash(f), statSync(f).mtimeMs, statSync(f).size])).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(['model.onnx', 'model.onnx.data']);
  });

  it.each([
    ['inline', false],
    ['external data', true],
  ] as const)('saveModel (%s) into a missing directory gives FileError and leaves nothing behind', async (_label, external) => {
    const target = join(dir, 'no', 'such', 'dir', 'model.onnx');
    const error = await catchMixqAsync(() => saveModel(CONV.build(), target, { externalData: external ? { thresholdBytes: 16 } : false }));
    expect(error).toBeInstanceOf(FileError);
    expect(['FILE_UNWRITABLE', 'FILE_NOT_FOUND']).toContain(error.code);
    expect((error as FileError).path).toContain(join(dir, 'no', 'such', 'dir'));
    expect(error.hint).toContain(join(dir, 'no', 'such', 'dir'));
    expect(existsSync(join(dir, 'no'))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('saveModel replaces an existing file and leaves no temp files', async () => {
    const path = join(dir, 'model.onnx');
    await saveModel(IF_BRANCHES.build(), path);
    await saveModel(CONV.build(), path);
    expect(readdirSync(dir)).toEqual(['model.onnx']);
    expect(sha256(readFileSync(path))).toBe(sha256(serializeModel(CONV.build())!));
  });
});
