/**
 * What quantization costs and saves on this machine: bytes and latency of float, A8W8 and A16W8
 * (per-channel int8 weights, MinMax) for the Fashion-MNIST models and the export-like fixtures of
 * test/fixtures/exports at their real size. Latency: onnxruntime-node, CPU EP, default options
 * (graph optimizations 'all'), 2 intra-op threads, batch 1, 3 warm-up runs, median of 20 timed runs.
 * The three models of a row are measured interleaved, twice; the better median of the two passes is
 * the figure (a burst of load on a shared machine hits one pass, rarely both), both passes are kept.
 * Run: npx tsx bench/cost.ts [name ...]  → bench/results/cost.json
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { quantize } from '../src/api/quantize.js';
import type { Range } from '../src/calibration/ranges.js';
import { npyDirectorySource } from '../src/calibration/sources/npy-directory.js';
import type { CalibrationSource } from '../src/calibration/sources/types.js';
import { describeError } from '../src/errors.js';
import type { Model } from '../src/ir/index.js';
import { loadModel } from '../src/onnx/index.js';
import { countInt16QdqPairs } from '../src/report/cost.js';
import { measureLatency, modelBytes, type Feeds } from '../src/runtime/index.js';
import { detectorLike, recognizerLike, resnet50Like, transformerEncoderLike, type ExportFixture } from '../test/fixtures/exports/index.js';

const RUNS = 20;
const WARMUP = 3;
const THREADS = 2;
const PASSES = 2;
const ROOT = join(import.meta.dirname, '..');

interface Subject {
  readonly name: string;
  readonly description: string;
  load(): Promise<{ model: Model; source: CalibrationSource; sample: Feeds }>;
}

async function firstFeed(source: CalibrationSource): Promise<Feeds> {
  for await (const feed of source.batches(1)) return feed;
  throw new Error('empty calibration source');
}

function fashion(name: string): Subject {
  return {
    name,
    description: `${name}.onnx (examples/models), 64 calibration images`,
    load: async () => {
      const model = await loadModel(join(ROOT, 'examples', 'models', `${name}.onnx`));
      const source = await npyDirectorySource(join(ROOT, 'calib-data'));
      return { model, source, sample: await firstFeed(source) };
    },
  };
}

function fixture(f: ExportFixture): Subject {
  return {
    name: f.name,
    description: `${f.description}; sample ${JSON.stringify(f.sampleDims)}, 16 seeded calibration samples`,
    load: async () => {
      const source = f.source(16);
      return { model: f.build(), source, sample: await firstFeed(source) };
    },
  };
}

const SUBJECTS: readonly Subject[] = [
  fashion('fashion-resnet'),
  fashion('fashion-vit'),
  fixture(recognizerLike({ size: 'real', opset: 9 })),
  fixture(detectorLike({ size: 'real', opset: 11 })),
  fixture(transformerEncoderLike({ size: 'real', opset: 17 })),
  fixture(resnet50Like({ size: 'real' })),
];

interface Variant {
  readonly bytes: number;
  readonly medianMs: number;
  readonly passesMs: readonly number[];
  readonly p10Ms?: number;
  readonly p90Ms?: number;
  readonly int16QdqPairs: number;
}

async function quantized(model: Model, source: CalibrationSource, activationType: 'int8' | 'int16', ranges?: ReadonlyMap<string, Range>): Promise<{ model: Model; ranges: ReadonlyMap<string, Range> }> {
  const r = await quantize(model, { calibration: ranges ? { kind: 'ranges', ranges } : { kind: 'data', source, limit: 64 }, activationType, weightType: 'int8' });
  return { model: r.model, ranges: r.ranges };
}

async function measureRow(subject: Subject): Promise<Record<string, unknown>> {
  const started = Date.now();
  const { model, source, sample } = await subject.load();
  const a8 = await quantized(model, source, 'int8');
  // A16W8 needs the same activations calibrated: reuse the A8W8 ranges (same tensors, same data).
  const a16 = await quantized(model, source, 'int16', a8.ranges).catch(() => quantized(model, source, 'int16'));
  const models: Record<'float' | 'A8W8' | 'A16W8', Model> = { float: model, A8W8: a8.model, A16W8: a16.model };
  const passes: Record<string, { medianMs: number; p10Ms?: number; p90Ms?: number }[]> = { float: [], A8W8: [], A16W8: [] };
  for (let pass = 0; pass < PASSES; pass++) {
    for (const [name, m] of Object.entries(models)) passes[name]!.push(await measureLatency(m, { runs: RUNS, warmup: WARMUP, threads: THREADS, batch: 1, sample }));
  }
  const variants: Record<string, Variant> = {};
  for (const [name, m] of Object.entries(models)) {
    const best = [...passes[name]!].sort((a, b) => a.medianMs - b.medianMs)[0]!;
    variants[name] = {
      bytes: modelBytes(m),
      medianMs: round(best.medianMs),
      passesMs: passes[name]!.map((p) => round(p.medianMs)),
      ...(best.p10Ms !== undefined ? { p10Ms: round(best.p10Ms) } : {}),
      ...(best.p90Ms !== undefined ? { p90Ms: round(best.p90Ms) } : {}),
      int16QdqPairs: countInt16QdqPairs(m),
    };
  }
  const f = variants['float']!;
  const ratio = (v: Variant): { smaller: number; slower: number } => ({ smaller: round(f.bytes / v.bytes), slower: round(v.medianMs / f.medianMs) });
  return {
    model: subject.name,
    description: subject.description,
    ...variants,
    vsFloat: { A8W8: ratio(variants['A8W8']!), A16W8: ratio(variants['A16W8']!) },
    seconds: round((Date.now() - started) / 1000),
  };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const loadBefore = loadavg();
  const rows: Record<string, unknown>[] = [];
  for (const subject of SUBJECTS.filter((s) => only.length === 0 || only.includes(s.name))) {
    try {
      const row = await measureRow(subject);
      rows.push(row);
      console.log(JSON.stringify(row));
    } catch (error) {
      rows.push({ model: subject.name, error: describeError(error) });
      console.log(`${subject.name}: ${describeError(error)}`);
    }
  }
  const result = {
    setup: { runtime: 'onnxruntime-node, CPU EP, default session options (graph optimizations all)', threads: THREADS, batch: 1, warmup: WARMUP, runs: RUNS, passes: PASSES, figure: 'best of the passes\' medians' },
    machine: { loadAverageBefore: loadBefore.map(round), loadAverageAfter: loadavg().map(round) },
    rows,
  };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'cost.json'), `${JSON.stringify(result, null, 2)}\n`);
}

await main();
