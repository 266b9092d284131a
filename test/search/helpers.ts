import { readNpy } from '../../src/calibration/sources/npy-file.js';
import { npyDirectorySource } from '../../src/calibration/sources/npy-directory.js';
import type { CalibrationSource } from '../../src/calibration/sources/types.js';
import type { HostTensor } from '../../src/ir/index.js';
import type { ModelHandle } from '../../src/search/targets.js';
import { MetricAccumulator } from '../../src/search/metrics.js';

export const MODELS = '/work/shared/models';
const CALIB_DIR = new URL('../../calib-data/', import.meta.url).pathname;
const EVAL_DIR = '/work/shared/data/fashion-mnist/eval';

export function calibSource(): Promise<CalibrationSource> {
  return npyDirectorySource(CALIB_DIR);
}

/** Top-1 on the first `count` images of the shared 1,000-image test subset. */
export async function top1Evaluator(count = 1000): Promise<(model: ModelHandle) => Promise<number>> {
  const x = await readNpy(`${EVAL_DIR}/input.npy`);
  const labels = (await readNpy(`${EVAL_DIR}/labels.npy`)).data as Int32Array;
  const images = x.data as Float32Array;
  return async (model: ModelHandle) => {
    let correct = 0;
    for (let start = 0; start < count; start += 250) {
      const n = Math.min(250, count - start);
      const input: HostTensor = { type: 'float32', dims: [n, 1, 28, 28], data: images.subarray(start * 784, (start + n) * 784) };
      const logits = (await model.run({ input }))['logits']!.data as Float32Array;
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let c = 1; c < 10; c++) if (logits[i * 10 + c]! > logits[i * 10 + best]!) best = c;
        if (best === labels[start + i]) correct++;
      }
    }
    return correct / count;
  };
}

/** Average L2 of a model's logits against reference logits, over the calibration data. */
export async function averageL2(run: (feed: Record<string, HostTensor>) => Promise<Float32Array>, reference: (feed: Record<string, HostTensor>) => Promise<Float32Array>): Promise<number> {
  const source = await calibSource();
  const acc = new MetricAccumulator();
  for await (const feed of source.batches(64)) acc.add(await reference(feed), await run(feed), 10);
  return acc.result().l2;
}
