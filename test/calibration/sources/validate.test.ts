import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  iterableSource,
  npyDirectorySource,
  validateAgainstModelInputs,
  writeNpy,
  type CalibrationSource,
  type Feed,
  type ModelInputSpec,
} from '../../../src/calibration/sources/index.js';
import { CalibrationDataError } from '../../../src/errors.js';
import { collect, f32, rejection, tempDir } from './helpers.js';

const calibData = join(import.meta.dirname, '..', '..', '..', 'calib-data');
const tmp = tempDir();
const fashion: ModelInputSpec[] = [{ name: 'input', type: 'float32', dims: ['N', 1, 28, 28] }];

async function validationError(source: CalibrationSource | Promise<CalibrationSource>, inputs: ModelInputSpec[]): Promise<string> {
  const e = await rejection(validateAgainstModelInputs(await source, inputs));
  expect(e).toBeInstanceOf(CalibrationDataError);
  return e.message;
}

describe('validateAgainstModelInputs', () => {
  it('accepts calib-data/ for the Fashion-MNIST models and yields the same batches', async () => {
    const source = await npyDirectorySource(calibData);
    const checked = await validateAgainstModelInputs(source, fashion);
    expect(checked.sampleCount).toBe(256);
    expect(checked.inputNames).toEqual(['input']);
    const [a] = await collect(source.batches(8));
    let first: Feed | undefined;
    for await (const b of checked.batches(8)) {
      first = b;
      break;
    }
    expect(first!['input']!.data).toEqual(a!['input']!.data);
  });

  it('dynamic dims (strings, null, negative) and unknown shapes accept any size', async () => {
    const s = await iterableSource([{ input: f32([2, 1, 5, 7]) }]);
    for (const dims of [[null, 1, 'h', 'w'], [-1, -1, -1, -1], []] as ModelInputSpec['dims'][]) {
      await expect(validateAgainstModelInputs(s, [{ name: 'input', type: 'float32', dims }])).resolves.toBeDefined();
    }
  });

  it('converts float64 and float16 data to float32, and widens integer ids', async () => {
    const s = await iterableSource([
      {
        x: { type: 'float64', dims: [2, 2], data: new Float64Array([0.1, 0.2, 0.3, 0.4]) },
        h: { type: 'float16', dims: [2], data: new Uint16Array([0x3c00, 0xbc00]) },
        ids: { type: 'int32', dims: [2, 1], data: new Int32Array([5, 6]) },
      },
    ]);
    const checked = await validateAgainstModelInputs(s, [
      { name: 'x', type: 'float32', dims: ['N', 2] },
      { name: 'h', type: 'float32', dims: ['N'] },
      { name: 'ids', type: 'int64', dims: ['N', 1] },
    ]);
    expect(checked.sampleSpecs?.['x']).toEqual({ type: 'float32', dims: [2] });
    const [b] = await collect(checked.batches(4));
    expect(b!['x']!.data).toEqual(new Float32Array([0.1, 0.2, 0.3, 0.4]));
    expect(b!['h']!.data).toEqual(new Float32Array([1, -1]));
    expect(b!['ids']!.data).toEqual(new BigInt64Array([5n, 6n]));
  });

  it('a missing input, with a near-match suggestion and the lists of names', async () => {
    const message = await validationError(iterableSource([{ inputs: f32([1, 1, 28, 28]) }], { description: 'calib/' }), fashion);
    expect(message).toContain("Calibration data calib/ does not match the model's inputs");
    expect(message).toContain("no data for model input 'input' (did you mean 'inputs'?)");
    expect(message).toContain("data for 'inputs', which is not a model input (should it be 'input'?)");
    expect(message).toContain("model inputs: 'input'");
    expect(message).toContain("data inputs:  'inputs'");
    expect(message).toContain('hint: Name each data file after the model input it feeds');
  });

  it('an extra input', async () => {
    const message = await validationError(iterableSource([{ input: f32([1, 1, 28, 28]), labels: f32([1]) }]), fashion);
    expect(message).toContain("data for 'labels', which is not a model input");
    expect(message).not.toContain('should it be');
  });

  it('a wrong sample shape, a wrong rank, and a model without a batch axis', async () => {
    const dir = join(tmp, 'wrong-shape');
    mkdirSync(dir);
    await writeNpy(join(dir, 'input.npy'), f32([3, 3, 32, 32]));
    const m1 = await validationError(npyDirectorySource(dir), fashion);
    expect(m1).toContain(`Calibration data ${dir}/ (1 input, 3 samples) does not fit the model`);
    expect(m1).toContain("input 'input': sample shape [3, 32, 32] does not match the model's [1, 28, 28] (model input dims [N, 1, 28, 28], batch axis first)");
    expect(m1).toContain('hint: Each data file holds samples along its first axis');
    const flat = await validationError(iterableSource([{ input: f32([2, 784]) }]), fashion);
    expect(flat).toContain("sample shape [784] does not match the model's [1, 28, 28]");
    const unbatched = await validationError(iterableSource([{ input: f32([2, 1, 28, 28]) }]), [{ name: 'input', type: 'float32', dims: [1, 28, 28] }]);
    expect(unbatched).toContain('the model input has no batch axis or the data has one axis too many');
  });

  it('a type the model cannot take, with every problem listed', async () => {
    const s = iterableSource([{ image: { type: 'uint8', dims: [1, 4], data: new Uint8Array(4) }, mask: { type: 'float32', dims: [1, 3], data: new Float32Array(3) } }]);
    const message = await validationError(s, [
      { name: 'image', type: 'float32', dims: ['N', 4] },
      { name: 'mask', type: 'bool', dims: ['N', 4] },
    ]);
    expect(message).toContain("input 'image': the data is uint8 but the model takes float32");
    expect(message).toContain("input 'mask': sample shape [3] does not match the model's [4]");
    expect(message).toContain("input 'mask': the data is float32 but the model takes bool");
    expect(message).toContain('normalisation');
  });

  it('a static batch size is enforced: batches of exactly N, the short tail left out', async () => {
    const s = await iterableSource([{ x: f32([10, 2]) }]);
    const checked = await validateAgainstModelInputs(s, [{ name: 'x', type: 'float32', dims: [4, 2] }]);
    expect(checked.sampleCount).toBe(8);
    expect(checked.preferredBatchSize).toBe(4);
    expect((await collect(checked.batches(3))).map((b) => b['x']!.dims[0])).toEqual([4, 4]);
    const few = await validationError(iterableSource([{ x: f32([3, 2]) }]), [{ name: 'x', type: 'float32', dims: [4, 2] }]);
    expect(few).toContain('takes batches of exactly 4 samples but in-memory data (1 input, 3 samples) has only 3');
    const clash = await validationError(iterableSource([{ x: f32([8, 2]), y: f32([8, 2]) }]), [
      { name: 'x', type: 'float32', dims: [4, 2] },
      { name: 'y', type: 'float32', dims: [2, 2] },
    ]);
    expect(clash).toContain('fix different batch sizes');
  });

  it('empty sources', async () => {
    const empty: CalibrationSource = { description: 'nothing', inputNames: ['x'], sampleCount: 0, batches: () => ({ async *[Symbol.asyncIterator]() {} }) };
    expect(await validationError(empty, [{ name: 'x', type: 'float32', dims: [] }])).toContain('Calibration data nothing holds no samples');
    const unknown = { ...empty, sampleCount: undefined };
    expect(await validationError(unknown, [{ name: 'x', type: 'float32', dims: [] }])).toContain('holds no samples');
  });

  it('sources without sampleSpecs are probed with one batch, and checked batch by batch', async () => {
    let n = 0;
    const custom: CalibrationSource = {
      description: 'custom',
      inputNames: ['x'],
      sampleCount: undefined,
      batches: (size: number) => ({
        async *[Symbol.asyncIterator]() {
          n++;
          yield { x: f32([size, 3]) };
          yield { x: f32([size, 4]) }; // breaks its own shape
        },
      }),
    };
    const m = await validationError(custom, [{ name: 'x', type: 'float32', dims: ['N', 4] }]);
    expect(m).toContain("sample shape [3] does not match the model's [4]");
    expect(n).toBe(1);
    const checked = await validateAgainstModelInputs(custom, [{ name: 'x', type: 'float32', dims: ['N', 'k'] }]);
    const e = await rejection(collect(checked.batches(2)));
    expect(e.message).toContain("Batch 1 of custom, input 'x': samples are float32 [4] but earlier ones were float32 [3]");
  });
});
