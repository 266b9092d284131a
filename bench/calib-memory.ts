/**
 * Peak memory of calibrating fashion-resnet (quantize A8W8, MinMax, batch size 32) over 500 vs
 * 10,000 samples, each in a fresh child process so that peaks do not mix. Samples are streamed from
 * the 10k test set (or generated on the fly without the Debian package): never all in memory.
 * Calibration memory must not grow with the sample count: peak(10,000) <= 1.1 x peak(500).
 * Run: npx tsx bench/calib-memory.ts  → bench/results/calib-memory.json
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { quantize } from '../src/api/quantize.js';
import { loadModel } from '../src/onnx/index.js';
import { streamingTestSource } from './fashion-mnist.js';

const MODEL = '/work/shared/models/fashion-resnet.onnx';
const BATCH = 32;
const COUNTS = [500, 10_000] as const;

interface ChildReport {
  samples: number;
  source: string;
  calibratedSamples: number;
  tensors: number;
  seconds: number;
  /** process.resourceUsage().maxRSS, bytes. */
  maxRss: number;
  /** Highest process.memoryUsage().rss seen by a 10 ms sampler, bytes. */
  sampledPeakRss: number;
  /** RSS after loading the model, before quantize(), bytes. */
  rssBefore: number;
  heapUsedAfter: number;
}

async function child(samples: number): Promise<void> {
  let peak = 0;
  const sample = () => (peak = Math.max(peak, process.memoryUsage.rss()));
  const timer = setInterval(sample, 10);
  const model = await loadModel(MODEL);
  sample();
  const rssBefore = process.memoryUsage.rss();
  const source = streamingTestSource(samples);
  const t = performance.now();
  const r = await quantize(model, { calibration: { kind: 'data', source, batchSize: BATCH, method: 'minmax' } });
  const seconds = (performance.now() - t) / 1000;
  sample();
  clearInterval(timer);
  const report: ChildReport = {
    samples,
    source: source.description,
    calibratedSamples: r.calibrationSamples,
    tensors: r.ranges.size,
    seconds,
    maxRss: process.resourceUsage().maxRSS * 1024,
    sampledPeakRss: peak,
    rssBefore,
    heapUsedAfter: process.memoryUsage().heapUsed,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function runChild(samples: number): ChildReport {
  // Same node and loader flags (tsx) as this process, a fresh heap and RSS.
  const result = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', String(samples)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (result.status !== 0) throw new Error(`child for ${samples} samples failed (${result.status}): ${result.stderr}`);
  const line = result.stdout.trim().split('\n').pop()!;
  return JSON.parse(line) as ChildReport;
}

const MB = 1024 * 1024;
const at = process.argv.indexOf('--child');
if (at >= 0) {
  await child(Number(process.argv[at + 1]));
} else {
  const reports = COUNTS.map((n) => {
    const r = runChild(n);
    console.log(`${String(n).padStart(6)} samples: maxRSS ${(r.maxRss / MB).toFixed(1)} MB, sampled peak ${(r.sampledPeakRss / MB).toFixed(1)} MB, before quantize ${(r.rssBefore / MB).toFixed(1)} MB, ${r.seconds.toFixed(1)} s (${r.source})`);
    return r;
  });
  const [small, large] = reports as [ChildReport, ChildReport];
  const ratio = large.maxRss / small.maxRss;
  const ok = ratio <= 1.1 && large.calibratedSamples === 10_000 && small.calibratedSamples === 500;
  console.log(`peak(10,000) / peak(500) = ${ratio.toFixed(3)} (limit 1.1): ${ok ? 'ok' : 'FAIL'}`);
  mkdirSync(new URL('results/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL('results/calib-memory.json', import.meta.url),
    JSON.stringify({ date: new Date().toISOString(), model: 'fashion-resnet', batchSize: BATCH, method: 'minmax', runs: reports, ratio, limit: 1.1, ok }, null, 2),
  );
  process.exitCode = ok ? 0 : 1;
}
