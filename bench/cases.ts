/**
 * The models the search benches run on: a trained Fashion-MNIST model from shared/models with the
 * bundled calibration set, or a generated export fixture with its own seeded samples.
 */
import { npyDirectorySource } from '../src/calibration/sources/npy-directory.js';
import type { CalibrationSource } from '../src/calibration/sources/types.js';
import type { Model } from '../src/ir/index.js';
import { loadModel } from '../src/onnx/index.js';
import type { ExportFixture } from '../test/fixtures/exports/index.js';

export interface BenchCase {
  readonly name: string;
  readonly model: () => Promise<Model>;
  readonly source: () => Promise<CalibrationSource>;
  readonly batchSize: number;
}

/** A trained model of /work/shared/models (fashion-resnet, fashion-vit) on calib-data/ (256 samples). */
export function fashionCase(model: 'fashion-resnet' | 'fashion-vit', batchSize: number): BenchCase {
  return {
    name: model,
    model: () => loadModel(`/work/shared/models/${model}.onnx`),
    source: () => npyDirectorySource(new URL('../calib-data/', import.meta.url).pathname),
    batchSize,
  };
}

/** A generated export fixture on its first `samples` seeded samples. */
export function fixtureCase(name: string, fixture: () => ExportFixture, samples: number, batchSize: number): BenchCase {
  return { name, model: async () => fixture().build(), source: async () => fixture().source(samples), batchSize };
}
