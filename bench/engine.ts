/**
 * Engine bench (issue 11): figures of the evaluation engine on models of realistic size with random
 * weights (the export-like fixtures at size 'real': a PP-OCR-like recognizer, a ResNet-50-like net
 * at 224², a transformer encoder). Sections are independent: each writes one key under every model
 * in bench/results/engine.json; add one by writing a Section and listing it in SECTIONS.
 *
 * calibration: calibration wall and CPU time / one plain float pass over the same data (same
 * process, same session options, interleaved, best of three), and peak RSS of a fresh process
 * calibrating at batch 8 and 32 (over two batches of samples): the in-graph min/max path (default)
 * and the old path (every activation an extra output copied into JS), plus the in-graph path at
 * batch 32 under a small budget. Wall times on a loaded machine are noisy: CPU times (all threads)
 * are given too.
 *
 * Run: npx tsx bench/engine.ts [--sections calibration] [--models recognizer,resnet50,transformer]
 *      → bench/results/engine.json (models and sections not run keep their previous figures).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { collectRanges } from '../src/calibration/collect.js';
import { withReductions } from '../src/calibration/instrument.js';
import { measureBytesPerSample } from '../src/calibration/probe.js';
import type { CalibrationSource } from '../src/calibration/sources/types.js';
import type { Model } from '../src/ir/index.js';
import { ModelSession } from '../src/runtime/index.js';
import { allActivationTensors, prepareModel } from '../src/search/pipeline.js';
import { recognizerLike, resnet50Like, transformerEncoderLike, type ExportFixture } from '../test/fixtures/exports/index.js';

const RESULTS = fileURLToPath(new URL('./results/engine.json', import.meta.url));
const MB = 1024 * 1024;

interface BenchModel {
  readonly name: string;
  readonly fixture: () => ExportFixture;
  /** Calibration samples (16 to 64: enough for the figures, and the bench stays under 5 minutes). */
  readonly samples: number;
}

const MODELS: readonly BenchModel[] = [
  { name: 'recognizer', fixture: () => recognizerLike({ size: 'real' }), samples: 64 },
  { name: 'resnet50', fixture: () => resnet50Like({ size: 'real' }), samples: 32 },
  { name: 'transformer', fixture: () => transformerEncoderLike({ size: 'real' }), samples: 64 },
];

interface Section {
  readonly name: string;
  /** Figures for one model. */
  run(model: BenchModel): Promise<Record<string, unknown>>;
  /** Work done in a fresh child process (`--child <section> <model> <args...>`); returns one JSON object. */
  child?(model: BenchModel, args: readonly string[]): Promise<unknown>;
}

/** Runs a fresh process of this script and parses the last JSON line it prints. */
function inChild(section: string, model: string, args: readonly string[]): Record<string, unknown> {
  const result = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', section, model, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (result.status !== 0) return { error: `exit ${result.status} ${result.signal ?? ''}: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}` };
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; wall: number; cpu: number }> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const value = await fn();
  const used = process.cpuUsage(cpu);
  return { value, wall: (performance.now() - t) / 1000, cpu: (used.user + used.system) / 1e6 };
}

// ---------------------------------------------------------------- calibration section

/** Session creation + every batch, outputs read back: what "one plain float pass" costs a user. */
async function floatPass(model: Model, source: CalibrationSource, batchSize: number): Promise<void> {
  const session = await ModelSession.create(model, { optimization: 'disabled' });
  for await (const feed of source.batches(batchSize)) await session.run(feed);
  await session.close();
}

async function calibrateAll(model: Model, source: CalibrationSource, batchSize: number, engine: 'auto' | 'outputs', memoryBudgetBytes?: number) {
  const r = await collectRanges(model, allActivationTensors(model), source, { method: 'minmax', batchSize, engine, ...(memoryBudgetBytes ? { memoryBudgetBytes } : {}) });
  return { passes: r.passes, batchSize: r.batchSize, tensors: r.ranges.size, ...(r.estimatedBytes !== undefined ? { estimatedMB: r.estimatedBytes / MB } : {}) };
}

/** Bytes per sample of all calibrated activations: what the old path holds twice (onnxruntime + JS). */
async function activationMbPerSample(model: Model, source: CalibrationSource): Promise<number> {
  const sizing = withReductions(model, [], { sizesOfAll: true });
  const session = await ModelSession.create(sizing.model, { optimization: 'disabled' });
  try {
    const bytes = await measureBytesPerSample(session, sizing.sizes, sizing.model, source);
    return allActivationTensors(model).reduce((s, t) => s + (bytes.get(t) ?? 0), 0) / MB;
  } finally {
    await session.close();
  }
}

/** The old path is run only where it fits comfortably in this shared machine's memory. */
const OLD_PATH_CAP_MB = 6 * 1024;
const SMALL_BUDGET_MB = 128;

const calibration: Section = {
  name: 'calibration',
  async run(bench) {
    const timing = inChild('calibration', bench.name, ['time']);
    console.log(`  timing: ${JSON.stringify(timing)}`);
    const activationMB = Number(inChild('calibration', bench.name, ['size'])['activationMbPerSample']);
    const memory: Record<string, unknown> = {};
    const runs: [string, string[]][] = [
      ['inGraph@8', ['memory', 'auto', '8']],
      ['inGraph@32', ['memory', 'auto', '32']],
      [`inGraph@32,budget${SMALL_BUDGET_MB}MB`, ['memory', 'auto', '32', String(SMALL_BUDGET_MB)]],
      ['oldOutputs@8', ['memory', 'outputs', '8']],
      ['oldOutputs@32', ['memory', 'outputs', '32']],
    ];
    for (const [key, args] of runs) {
      const batch = Number(args[2]);
      // Old path: every activation held by onnxruntime and copied into JS, about 3x their size with slack.
      const oldNeedMB = 3 * activationMB * Math.min(batch, bench.samples);
      if (args[1] === 'outputs' && oldNeedMB > OLD_PATH_CAP_MB) {
        memory[key] = { skipped: `needs about ${(oldNeedMB / 1024).toFixed(1)} GB (3 x ${activationMB.toFixed(0)} MB of activations per sample x ${batch}); not run on this shared machine` };
      } else {
        memory[key] = inChild('calibration', bench.name, args);
      }
      console.log(`  ${key}: ${JSON.stringify(memory[key])}`);
    }
    return { samples: bench.samples, activationMbPerSample: activationMB, timing, peakRss: memory };
  },
  async child(bench, [what, engine, batch, budgetMB]) {
    const fixture = bench.fixture();
    const model = await prepareModel(fixture.build());
    // Peak memory needs only a couple of batches; timing uses every sample.
    const source = fixture.source(what === 'memory' ? Math.min(bench.samples, 2 * Number(batch)) : bench.samples);
    if (what === 'size') return { activationMbPerSample: await activationMbPerSample(model, source) };
    if (what === 'time') {
      await floatPass(model, fixture.source(4), 4); // warm-up: kernels, caches, lazy init
      // Interleaved, best of three each: the machine may be shared, and noise only adds time.
      const floats: { wall: number; cpu: number }[] = [];
      const cals: Awaited<ReturnType<typeof timed<Awaited<ReturnType<typeof calibrateAll>>>>>[] = [];
      for (let rep = 0; rep < 3; rep++) {
        floats.push(await timed(() => floatPass(model, source, 32)));
        cals.push(await timed(() => calibrateAll(model, source, 32, 'auto')));
      }
      const best = (xs: { wall: number; cpu: number }[], k: 'wall' | 'cpu') => Math.min(...xs.map((x) => x[k]));
      const float = { wallSeconds: best(floats, 'wall'), cpuSeconds: best(floats, 'cpu') };
      const cal = { wallSeconds: best(cals, 'wall'), cpuSeconds: best(cals, 'cpu'), ...cals[0]!.value };
      return { batchSize: 32, floatPass: float, calibration: cal, wallRatio: cal.wallSeconds / float.wallSeconds, cpuRatio: cal.cpuSeconds / float.cpuSeconds };
    }
    const rssBefore = process.memoryUsage.rss();
    const r = await timed(() => calibrateAll(model, source, Number(batch), engine as 'auto' | 'outputs', budgetMB ? Number(budgetMB) * MB : undefined));
    return { ...r.value, seconds: r.wall, maxRssMB: (process.resourceUsage().maxRSS * 1024) / MB, rssBeforeMB: rssBefore / MB };
  },
};

const SECTIONS: readonly Section[] = [calibration];

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const arg = (flag: string): string[] | undefined => {
    const at = process.argv.indexOf(flag);
    return at >= 0 ? process.argv[at + 1]!.split(',') : undefined;
  };
  const sections = SECTIONS.filter((s) => arg('--sections')?.includes(s.name) ?? true);
  const models = MODELS.filter((m) => arg('--models')?.includes(m.name) ?? true);
  const previous = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as { models?: Record<string, Record<string, unknown>> }) : {};
  const results: Record<string, Record<string, unknown>> = previous.models ?? {};
  const started = performance.now();
  for (const bench of models) {
    const fixture = bench.fixture();
    results[bench.name] = { ...results[bench.name], fixture: fixture.name, description: fixture.description };
    for (const section of sections) {
      console.log(`${bench.name}: ${section.name}`);
      results[bench.name]![section.name] = await section.run(bench);
    }
  }
  const out = { date: new Date().toISOString(), seconds: (performance.now() - started) / 1000, machine: `${process.platform} ${process.arch}, node ${process.version}`, models: results };
  mkdirSync(fileURLToPath(new URL('./results', import.meta.url)), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`wrote ${RESULTS} (${out.seconds.toFixed(0)} s)`);
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) {
  const section = SECTIONS.find((s) => s.name === process.argv[childAt + 1])!;
  const bench = MODELS.find((m) => m.name === process.argv[childAt + 2])!;
  const report = await section.child!(bench, process.argv.slice(childAt + 3));
  process.stdout.write(`${JSON.stringify(report)}\n`);
} else {
  await main();
}
