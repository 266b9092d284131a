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
 * auto: autoMixedPrecision with the default strategy vs the greedy-sweep oracle (strategy 'greedy',
 * Quark's legacy sweep; interleaved, best of two runs each) in one process, same model, data (AUTO_SAMPLES samples, calibration and
 * evaluation alike) and target: a relative-L2 target halfway between the wide (A16W8) model and the
 * model with every candidate group narrowed (see halfwayTarget). Wall time (ratio default/greedy,
 * cost measurement without timed latency runs), evaluations, INT8 group counts, met flags; then the
 * peak RSS of a fresh process running just the default auto call. Targets from issue 11: wall
 * ≤ 0.25× greedy's with ≥ its INT8 count, peak RSS ≤ 2 GB.
 *
 * Run: npx tsx bench/engine.ts [--sections calibration,auto] [--models recognizer,resnet50,transformer]
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
import { autoMixedPrecision } from '../src/api/auto-mixed-precision.js';
import { quantize } from '../src/api/quantize.js';
import { MetricAccumulator, type OutputMetrics } from '../src/search/metrics.js';
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

// ---------------------------------------------------------------- auto section

/**
 * Samples the auto section searches on (calibration and evaluation data alike). Lower than the
 * calibration section's: the greedy sweep evaluates about twice per layer group on this 2-core
 * machine, and each model's sweep is kept to a few minutes by lowering its samples, never skipped.
 */
const AUTO_SAMPLES: Readonly<Record<string, number>> = { recognizer: 32, resnet50: 16, transformer: 32 };
const AUTO_METRIC = 'relative-l2' as const;

/** Metrics of `quantized`'s first output against `float`'s, over `source` (what the search's L2 targets measure). */
async function outputMetrics(float: Model, quantized: Model, source: CalibrationSource): Promise<OutputMetrics> {
  const name = float.graph.outputs[0]!.name;
  const [f, q] = [await ModelSession.create(float, { optimization: 'disabled' }), await ModelSession.create(quantized, { optimization: 'disabled' })];
  const acc = new MetricAccumulator();
  try {
    for await (const feed of source.batches(8)) {
      const ref = (await f.run(feed, [name]))[name]!;
      const got = (await q.run(feed, [name]))[name]!;
      acc.add(ref.data as Float32Array, got.data as Float32Array, ref.data.length / ref.dims[0]!);
    }
  } finally {
    await Promise.all([f.close(), q.close()]);
  }
  return acc.result();
}

/** Activation precision of a layer group (`activation` once weight levels exist, else `precision`). */
const activationOf = (layer: object): unknown => ('activation' in layer ? layer.activation : 'precision' in layer ? layer.precision : undefined);

/**
 * The target, halfway between the wide (A16W8) model's error and the error with every candidate
 * layer group narrowed. Both come from one auto run with a target any model meets: it narrows every
 * group (whatever the strategy), so its `final` is the all-narrowed model and `baseline.wide` the
 * wide one, measured by the search's own evaluator on the same data. Plain quantize() A8W8 (every
 * activation INT8, incl. the ones no group covers) is measured too, for reference only: it is
 * worse than anything the search can reach, so a target halfway to it would be met by narrowing
 * everything and would not exercise the search.
 */
async function halfwayTarget(fixture: ExportFixture, samples: number) {
  const model = fixture.build();
  const loose = await autoMixedPrecision(model, { calibration: fixture.source(samples), target: { kind: 'metric', metric: AUTO_METRIC, threshold: 1e9 }, latencyRuns: 0 });
  const allNarrowed = loose.final.relativeL2;
  const wide = loose.baseline.wide.relativeL2;
  const plain = await quantize(model, { calibration: { kind: 'ranges', ranges: loose.ranges }, activationType: 'int8', weightType: 'int8' });
  const plainA8W8 = (await outputMetrics(model, plain.model, fixture.source(samples))).relativeL2;
  const narrowedGroups = loose.layers.filter((l) => activationOf(l) === 'int8').length;
  return { allNarrowed, wide, threshold: (allNarrowed + wide) / 2, narrowedGroups, layerGroups: loose.layers.length, plainQuantizeA8W8: plainA8W8 };
}

const tally = (keys: readonly string[]): Record<string, number> => keys.reduce<Record<string, number>>((t, k) => ({ ...t, [k]: (t[k] ?? 0) + 1 }), {});

async function autoRun(fixture: ExportFixture, samples: number, threshold: number, strategy: 'bisect' | 'greedy') {
  const t = performance.now();
  const r = await autoMixedPrecision(fixture.build(), {
    calibration: fixture.source(samples),
    target: { kind: 'metric', metric: AUTO_METRIC, threshold },
    ...(strategy === 'greedy' ? { strategy } : {}), // the default strategy is whatever autoMixedPrecision does unasked
    latencyRuns: 0,
  });
  const seconds = (performance.now() - t) / 1000;
  return {
    strategy: strategy === 'greedy' ? 'greedy' : 'default',
    seconds,
    met: r.met,
    finalRelativeL2: r.final.relativeL2,
    wideRelativeL2: r.baseline.wide.relativeL2,
    layerGroups: r.layers.length,
    int8Layers: r.layers.filter((l) => activationOf(l) === 'int8').length,
    configs: tally(r.layers.map((l) => `A:${String(activationOf(l))} W:${'weight' in l ? String(l.weight) : '?'}`)),
    evaluations: r.evaluations,
    sensitivityEvaluations: r.sensitivityEvaluations,
    searchEvaluations: r.searchEvaluations,
    optimistic: r.optimistic ?? null,
    stoppedBy: r.stoppedBy ?? null,
    failedTrials: r.failedTrials.length,
  };
}

const auto: Section = {
  name: 'auto',
  async run(bench) {
    const samples = AUTO_SAMPLES[bench.name] ?? 16;
    const compare = inChild('auto', bench.name, ['compare', String(samples)]);
    console.log(`  compare: ${JSON.stringify(compare)}`);
    const threshold = (compare['target'] as { threshold?: number } | undefined)?.threshold;
    const rss = threshold === undefined ? { error: 'no target (the compare run failed)' } : inChild('auto', bench.name, ['rss', String(samples), String(threshold)]);
    console.log(`  fresh-process auto: ${JSON.stringify(rss)}`);
    const runs = compare['runs'] as { default?: { seconds: number; int8Layers: number }; greedy?: { seconds: number; int8Layers: number } } | undefined;
    const [a, g] = [runs?.default, runs?.greedy];
    const maxRssMB = rss['maxRssMB'] as number | undefined;
    return {
      samples,
      ...compare,
      ...(a && g ? { wallRatio: a.seconds / g.seconds, int8AtLeastGreedy: a.int8Layers >= g.int8Layers, meetsWallTarget: a.seconds <= 0.25 * g.seconds } : {}),
      freshProcess: rss,
      ...(maxRssMB !== undefined ? { meetsRssTarget: maxRssMB <= 2048 } : {}),
    };
  },
  async child(bench, [what, samplesArg, thresholdArg]) {
    const fixture = bench.fixture();
    const samples = Number(samplesArg);
    if (what === 'rss') {
      const run = await autoRun(fixture, samples, Number(thresholdArg), 'bisect');
      return { ...run, maxRssMB: (process.resourceUsage().maxRSS * 1024) / MB };
    }
    // The two errors are measured first (this also warms kernels and caches up for both timed runs).
    const target = { metric: AUTO_METRIC, ...(await halfwayTarget(fixture, samples)) };
    // Interleaved, best of two each (as calibration's best of three): noise on a shared machine only adds time.
    const tries = { default: [] as Awaited<ReturnType<typeof autoRun>>[], greedy: [] as Awaited<ReturnType<typeof autoRun>>[] };
    for (let rep = 0; rep < 2; rep++) {
      tries.default.push(await autoRun(fixture, samples, target.threshold, 'bisect'));
      tries.greedy.push(await autoRun(fixture, samples, target.threshold, 'greedy'));
    }
    const best = (xs: Awaited<ReturnType<typeof autoRun>>[]) => ({ ...xs.reduce((a, b) => (b.seconds < a.seconds ? b : a)), allSeconds: xs.map((x) => Number(x.seconds.toFixed(2))) });
    const runs = { default: best(tries.default), greedy: best(tries.greedy) };
    return { target, runs };
  },
};

const SECTIONS: readonly Section[] = [calibration, auto];

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
  // Merged into the file as it is now (another run may have written other sections meanwhile).
  const latest = existsSync(RESULTS) ? ((JSON.parse(readFileSync(RESULTS, 'utf8')) as { models?: Record<string, Record<string, unknown>> }).models ?? {}) : {};
  for (const bench of models) {
    const ran = Object.fromEntries(['fixture', 'description', ...sections.map((s) => s.name)].map((k) => [k, results[bench.name]![k]]));
    latest[bench.name] = { ...latest[bench.name], ...ran };
  }
  const git = (...args: string[]) => spawnSync('git', args, { encoding: 'utf8' }).stdout?.trim() ?? '';
  const commit = `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src') ? ' (src modified)' : ''}`;
  const out = { date: new Date().toISOString(), commit, seconds: (performance.now() - started) / 1000, machine: `${process.platform} ${process.arch}, node ${process.version}`, models: { ...results, ...latest } };
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
