/**
 * Profile of ONE candidate evaluation of the automatic search, phase by phase, on the real-size
 * recognizer fixture (9.8 MB, opset 9 → upgraded): what a candidate costs and which phase dominates.
 *
 *   npx tsx bench/profile-eval.ts [label] [--samples 64] [--batch 32]
 *
 * Writes bench/results/eval-profile.json under `label` (default "current"), keeping other labels
 * (so "before" and "after" sit side by side). Times are the median of `reps` repetitions (wall ms);
 * the machine is shared, so cpu ms (process.cpuUsage, both cores) is recorded too.
 */
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { cloneModel, topologicalSort, type HostTensor, type Model } from '../src/ir/index.js';
import { serializeModel } from '../src/onnx/index.js';
import { materialize } from '../src/qdq/materialize.js';
import { planQuantization, type PlanOptions } from '../src/qdq/plan.js';
import { computeQParams } from '../src/qdq/qparams.js';
import { quantizeWeight } from '../src/qdq/weights.js';
import type { QuantPlan, TensorPrecision } from '../src/qdq/types.js';
import type { OutputMetrics } from '../src/search/metrics.js';
import { ModelSession, type OptimizationLevel } from '../src/runtime/index.js';
import { MetricAccumulator, referenceStats, type ReferenceStats } from '../src/search/metrics.js';
import { allActivationTensors, buildModel, calibrate, prepareForQuantization } from '../src/search/pipeline.js';
import { findCandidateGroups } from '../src/search/candidates.js';
import { BuildCache } from '../src/qdq/build-cache.js';
import { recognizerLike } from '../test/fixtures/exports/index.js';

const args = process.argv.slice(2);
const label = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a)) ?? 'current';
const flag = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const SAMPLES = flag('samples', 64);
const BATCH = flag('batch', 32);
const REPS = flag('reps', 3);
const OUT = 'bench/results/eval-profile.json';

interface Timing { wallMs: number; cpuMs: number }
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function time<T>(fn: () => T | Promise<T>): Promise<{ value: T } & Timing> {
  const c = process.cpuUsage();
  const t = performance.now();
  const value = await fn();
  const cpu = process.cpuUsage(c);
  return { value, wallMs: performance.now() - t, cpuMs: (cpu.user + cpu.system) / 1000 };
}

async function timeReps<T>(fn: () => T | Promise<T>, reps = REPS): Promise<{ value: T } & Timing> {
  const walls: number[] = [];
  const cpus: number[] = [];
  let value!: T;
  for (let r = 0; r < reps; r++) {
    const m = await time(fn);
    walls.push(m.wallMs);
    cpus.push(m.cpuMs);
    value = m.value;
  }
  return { value, wallMs: median(walls), cpuMs: median(cpus) };
}

const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
const round = (t: Timing): Timing => ({ wallMs: Math.round(t.wallMs * 10) / 10, cpuMs: Math.round(t.cpuMs * 10) / 10 });
const phases: Record<string, Timing> = {};
const record = (name: string, t: Timing): void => {
  phases[name] = round(t);
  console.log(`${name.padEnd(44)} wall ${t.wallMs.toFixed(1).padStart(8)} ms   cpu ${t.cpuMs.toFixed(1).padStart(8)} ms`);
};

// ---- one-off setup (not part of an evaluation) ----------------------------------------------
const fixture = recognizerLike({ size: 'real' });
const source = fixture.source(SAMPLES);
const built = await time(() => fixture.build());
const prep = await time(() => prepareForQuantization(built.value, { sixteenBit: true }));
record('setup.prepareForQuantization', prep);
const prepared = prep.value.model;
const wide: PlanOptions = { activation: 'int16', weight: 'int8', perChannel: true, symmetricActivation: false, symmetricWeight: true };
const widePlanT = await timeReps(() => planQuantization(prepared, wide));
record('plan.wide', widePlanT);
const cal = await time(() => calibrate(prepared, allActivationTensors(prepared), source, { batchSize: BATCH }));
record('setup.calibrate(all activations)', cal);
const ranges = cal.value.ranges;

// A typical candidate: half the groups narrowed to A8W8 (what bisection tries first).
const groups = findCandidateGroups(prepared, widePlanT.value);
const narrowMap = (every: number, offset: number): Map<string, TensorPrecision> => {
  const m = new Map<string, TensorPrecision>();
  groups.forEach((g, i) => {
    if (i % every !== offset) return;
    for (const t of g.activations) m.set(t, 'int8');
    for (const t of g.weights) m.set(t, 'int8');
  });
  return m;
};
const candidates = [narrowMap(2, 0), narrowMap(2, 1), narrowMap(3, 0), narrowMap(4, 1)];
const planT = await timeReps(() => planQuantization(prepared, { ...wide, tensorPrecision: candidates[0]! }));
record('plan.candidate', planT);
const plan: QuantPlan = planT.value;

// ---- the float reference / plain float pass ----------------------------------------------------
const feeds: Record<string, HostTensor>[] = [];
for await (const f of source.batches(BATCH)) feeds.push(f);
const outputName = prepared.graph.outputs[0]!.name;
const floatSession = await ModelSession.create(prepared, { optimization: 'disabled' });
const reference: Float32Array[] = [];
for (const f of feeds) reference.push((await floatSession.run(f, [outputName]))[outputName]!.data as Float32Array);
record('float.run(all batches, disabled)', await timeReps(async () => { for (const f of feeds) await floatSession.run(f, [outputName]); }));
await floatSession.close();
const floatAll = await ModelSession.create(prepared, { optimization: 'all' });
record('float.run(all batches, all)', await timeReps(async () => { for (const f of feeds) await floatAll.run(f, [outputName]); }));
await floatAll.close();

// ---- one evaluation, phase by phase --------------------------------------------------------------
const cloneT = await timeReps(() => cloneModel(prepared));
record('eval.cloneModel', cloneT);
const matT = await timeReps(() => {
  const m = cloneModel(prepared);
  const t0 = performance.now();
  materialize(m, plan, { ranges });
  return { m, ms: performance.now() - t0 };
});
record('eval.materialize(incl. clone)', matT);

// Pieces of materialize, replayed on their own.
const weightPlans = plan.tensors.filter((t) => t.role === 'weight');
const qpT = await timeReps(() =>
  weightPlans.map((t) => {
    const tensor = prepared.graph.ownValue(t.name)!.initializer!;
    return { t, tensor, q: computeQParams({ kind: 'values', tensor, ...(t.axis !== undefined ? { axis: t.axis } : {}) }, t.precision as 'int8', t.symmetric) };
  }),
);
record('  materialize.weightQParams', qpT);
record('  materialize.quantizeWeights', await timeReps(() => qpT.value.map(({ tensor, q }) => quantizeWeight(tensor, q, 'w'))));
record('  materialize.topologicalSort(built)', await timeReps(() => topologicalSort(matT.value.m.graph)));

const model: Model = matT.value.m;
const serT = await timeReps(() => serializeModel(model)!);
record('eval.serializeModel', serT);
const bytes = serT.value;

const sessionTimes: Record<string, Timing> = {};
for (const level of ['disabled', 'basic', 'all'] as OptimizationLevel[]) {
  const t = await timeReps(async () => {
    const s = await ModelSession.create(model, { optimization: level });
    await s.close();
  });
  sessionTimes[level] = t;
  record(`eval.ModelSession.create(${level}, incl. serialize)`, t);
}

const session = await ModelSession.create(model, { optimization: 'disabled' });
const runT = await timeReps(async () => {
  const outs: Float32Array[] = [];
  for (const f of feeds) outs.push((await session.run(f, [outputName]))[outputName]!.data as Float32Array);
  return outs;
});
record('eval.run(all batches, disabled)', runT);
const perSampleOf = (b: number): number => reference[b]!.length / feeds[b]![fixture.inputName]!.dims[0]!;
record('eval.compare(plain, as before)', await timeReps(() => {
  const acc = new MetricAccumulator();
  runT.value.forEach((o, b) => acc.add(reference[b]!, o, perSampleOf(b)));
  return acc.result();
}));
const stats: ReferenceStats[] = reference.map((r, b) => referenceStats(r, perSampleOf(b)));
record('eval.compare(reference stats kept)', await timeReps(() => {
  const acc = new MetricAccumulator();
  runT.value.forEach((o, b) => acc.add(reference[b]!, o, perSampleOf(b), stats[b]));
  return acc.result();
}));
await session.close();
const sessionAll = await ModelSession.create(model, { optimization: 'all' });
record('eval.run(all batches, all)', await timeReps(async () => { for (const f of feeds) await sessionAll.run(f, [outputName]); }));
await sessionAll.close();

// ---- whole evaluations: the old path (fresh build, plain compare, spinning ORT threads) vs the new
// one (one BuildCache shared by the builds, reference statistics kept, no spinning), alternating.
/** Without a cache: a fresh BuildCache per build, what every build was before. */
const uncachedBuild = (p: QuantPlan) => { const m = cloneModel(prepared); materialize(m, p, { ranges }); return { model: m }; };
const evaluate = async (p: QuantPlan, fast: boolean, cache: BuildCache): Promise<OutputMetrics> => {
  const { model: m } = fast ? buildModel(prepared, p, ranges, cache) : uncachedBuild(p);
  const s = await ModelSession.create(m, { optimization: 'disabled', ...(fast ? { spinning: false } : {}) });
  const acc = new MetricAccumulator();
  try {
    let b = 0;
    for (const f of feeds) {
      const out = (await s.run(f, [outputName]))[outputName]!;
      if (fast) acc.add(reference[b]!, out.data as Float32Array, perSampleOf(b), stats[b]);
      else acc.add(reference[b]!, out.data as Float32Array, perSampleOf(b));
      b++;
    }
  } finally {
    await s.close();
  }
  return acc.result();
};
const plans = candidates.map((c) => planQuantization(prepared, { ...wide, tensorPrecision: c }));
const cache = new BuildCache();
buildModel(prepared, planQuantization(prepared, wide), ranges, cache); // the search's first build (the wide model)
const whole: Record<'before' | 'after', { wall: number[]; cpu: number[] }> = { before: { wall: [], cpu: [] }, after: { wall: [], cpu: [] } };
const builds: Record<'before' | 'after', number[]> = { before: [], after: [] };
const metricsEqual: boolean[] = [];
for (const [i, p] of plans.entries()) {
  // Alternate which path goes first, so neither always runs on a warmer machine.
  const first = await time(() => evaluate(p, i % 2 === 1, cache));
  const second = await time(() => evaluate(p, i % 2 === 0, cache));
  const [u, c] = i % 2 === 0 ? [first, second] : [second, first];
  whole.before.wall.push(u.wallMs); whole.before.cpu.push(u.cpuMs);
  whole.after.wall.push(c.wallMs); whole.after.cpu.push(c.cpuMs);
  metricsEqual.push(JSON.stringify(u.value) === JSON.stringify(c.value));
  builds.before.push((await time(() => uncachedBuild(p))).cpuMs);
  builds.after.push((await time(() => buildModel(prepared, p, ranges, cache))).cpuMs);
}
for (const k of ['before', 'after'] as const) {
  record(`evaluation.${k}-path(median of ${plans.length} candidates)`, { wallMs: median(whole[k].wall), cpuMs: median(whole[k].cpu) });
  record(`build.${k}-path(median, cpu)`, { wallMs: NaN, cpuMs: median(builds[k]) });
}

const floatPass = phases['float.run(all batches, disabled)']!;
const summary = {
  samples: SAMPLES,
  batch: BATCH,
  modelBytes: bytes.byteLength,
  nodes: prepared.graph.nodes.length,
  builtNodes: model.graph.nodes.length,
  candidateGroups: groups.length,
  evaluationBefore: round({ wallMs: median(whole.before.wall), cpuMs: median(whole.before.cpu) }),
  evaluationAfter: round({ wallMs: median(whole.after.wall), cpuMs: median(whole.after.cpu) }),
  floatPass: floatPass,
  afterOverBefore: { wall: ratio(median(whole.after.wall), median(whole.before.wall)), cpu: ratio(median(whole.after.cpu), median(whole.before.cpu)) },
  beforeOverFloatPass: { wall: ratio(median(whole.before.wall), floatPass.wallMs), cpu: ratio(median(whole.before.cpu), floatPass.cpuMs) },
  afterOverFloatPass: { wall: ratio(median(whole.after.wall), floatPass.wallMs), cpu: ratio(median(whole.after.cpu), floatPass.cpuMs) },
  metricsIdenticalBeforeAfter: metricsEqual.every(Boolean),
};
console.log(summary);

if (!existsSync('bench/results')) mkdirSync('bench/results', { recursive: true });
const previous = existsSync(OUT) ? (JSON.parse(readFileSync(OUT, 'utf8')) as Record<string, unknown>) : {};
const entry = { date: new Date().toISOString(), loadAverage: (await import('node:os')).loadavg().map((x) => Math.round(x * 10) / 10), phases, summary };
writeFileSync(OUT, `${JSON.stringify({ ...previous, model: fixture.name, [label]: entry }, null, 2)}\n`);
console.log(`wrote ${OUT} [${label}]`);
