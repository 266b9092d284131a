/**
 * Top-1 accuracy of a Fashion-MNIST model on the 1,000 test images in this folder, for
 * `mixq auto --top1-target ... --evaluate examples/fashion-eval/evaluate.mjs`.
 *
 * mixq calls the default export once per candidate model with a handle whose `run(feeds)` runs that
 * candidate; it must return a score where higher is better (here: accuracy in 0..1).
 *
 * Check it on the float model first:  node examples/fashion-eval/evaluate.mjs examples/models/fashion-resnet.onnx
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

const HERE = new URL('.', import.meta.url);
const PIXELS = 28 * 28;

/** Reads a little-endian, C-ordered .npy file of float32 or int32 (what numpy's np.save writes). */
export function parseNpy(bytes) {
  const magic = String.fromCharCode(...bytes.subarray(1, 6));
  if (bytes[0] !== 0x93 || magic !== 'NUMPY') throw new Error('not a .npy file');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '').split(',').filter((s) => s.trim() !== '').map(Number);
  if (/'fortran_order':\s*True/.test(header)) throw new Error('Fortran-ordered .npy is not supported');
  // Copy (Buffer#slice would not): the payload offset is not always aligned for a typed-array view.
  const payload = new Uint8Array(bytes.subarray(start + headerLength)).buffer;
  if (descr === '<f4') return { shape, data: new Float32Array(payload) };
  if (descr === '<i4') return { shape, data: new Int32Array(payload) };
  throw new Error(`unsupported dtype ${descr}`);
}

let dataset;
async function loadDataset() {
  const [images, labels] = await Promise.all([
    readFile(new URL('input.npy', HERE)).then(parseNpy),
    readFile(new URL('labels.npy', HERE)).then(parseNpy),
  ]);
  return { images: images.data, labels: labels.data };
}

/** The default export mixq calls: top-1 accuracy of `model` on the evaluation set. */
export default async function evaluate(model, batchSize = 250) {
  dataset ??= loadDataset();
  const { images, labels } = await dataset;
  let correct = 0;
  for (let start = 0; start < labels.length; start += batchSize) {
    const n = Math.min(batchSize, labels.length - start);
    const data = images.subarray(start * PIXELS, (start + n) * PIXELS);
    const { logits } = await model.run({ input: { type: 'float32', dims: [n, 1, 28, 28], data } });
    for (let i = 0; i < n; i++) {
      if (argmax(logits.data, i * 10, 10) === labels[start + i]) correct++;
    }
  }
  return correct / labels.length;
}

function argmax(values, offset, length) {
  let best = 0;
  for (let j = 1; j < length; j++) if (values[offset + j] > values[offset + best]) best = j;
  return best;
}

// Run as a script: score a model file with onnxruntime through mixq (needs `npm run build`).
// (No top-level await: the module stays loadable by require() in CommonJS hosts such as tslab.)
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  scoreFile(process.argv[2] ?? new URL('../models/fashion-resnet.onnx', HERE).pathname).catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}

async function scoreFile(path) {
  const { loadModel, ModelSession } = await import('../../dist/index.js');
  const session = await ModelSession.create(await loadModel(path), { optimization: 'disabled' });
  try {
    console.log(`${path}: top-1 ${(100 * (await evaluate(session))).toFixed(2)}% on 1,000 Fashion-MNIST test images`);
  } finally {
    await session.close();
  }
}
