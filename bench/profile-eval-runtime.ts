/**
 * The onnxruntime side of one candidate evaluation on the real-size recognizer: where a QDQ run's
 * time goes by op type (ORT's own profiler, one thread), and what the session options cost
 * (threads, spinning, optimization level, memory pattern), with the outputs checked bit for bit
 * against the 'disabled' session every evaluation uses today.
 *
 *   npx tsx bench/profile-eval-runtime.ts
 *
 * Adds a "runtime" entry to bench/results/eval-profile.json. CPU ms are process totals (all ORT
 * threads); on a shared machine wall times swing, so both are kept and compared with care.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import type { HostTensor } from '../src/ir/index.js';
import { serializeModel } from '../src/onnx/index.js';
import { planQuantization, type PlanOptions } from '../src/qdq/plan.js';
import type { TensorPrecision } from '../src/qdq/types.js';
import { findCandidateGroups } from '../src/search/candidates.js';
import { MetricAccumulator, referenceStats } from '../src/search/metrics.js';
import { allActivationTensors, buildModel, calibrate, prepareForQuantization } from '../src/search/pipeline.js';
import { recognizerLike } from '../test/fixtures/exports/index.js';

const OUT = 'bench/results/eval-profile.json';
const BATCH = 32;
const fx = recognizerLike({ size: 'real' });
const prepared = (await prepareForQuantization(fx.build(), { sixteenBit: true })).model;
const wide: PlanOptions = { activation: 'int16', weight: 'int8', perChannel: true, symmetricActivation: false, symmetricWeight: true };
const groups = findCandidateGroups(prepared, planQuantization(prepared, wide));
const narrowed = new Map<string, TensorPrecision>();
groups.forEach((g, i) => {
  if (i % 2 === 0) for (const t of [...g.activations, ...g.weights]) narrowed.set(t, 'int8');
});
const source = fx.source(64);
const { ranges } = await calibrate(prepared, allActivationTensors(prepared), source, { batchSize: BATCH });
const qdq = serializeModel(buildModel(prepared, planQuantization(prepared, { ...wide, tensorPrecision: narrowed }), ranges).model)!;
const float = serializeModel(prepared)!;
const out = prepared.graph.outputs[0]!.name;
const feeds: Record<string, ort.Tensor>[] = [];
for await (const f of source.batches(BATCH)) feeds.push(Object.fromEntries(Object.entries(f).map(([k, t]: [string, HostTensor]) => [k, new ort.Tensor('float32', t.data as Float32Array, [...t.dims])])));

const floatSession = await ort.InferenceSession.create(float, { graphOptimizationLevel: 'disabled' });
const refs: Float32Array[] = [];
for (const f of feeds) refs.push((await floatSession.run(f, [out]))[out]!.data as Float32Array);
await floatSession.release();
const stats = refs.map((r) => referenceStats(r, r.length / BATCH));

/** One op-type breakdown from ORT's profiler (kernel time per run, ms). */
async function opBreakdown(bytes: Uint8Array): Promise<Record<string, number>> {
  const prefix = join(tmpdir(), `mixq-eval-prof-${process.pid}-${bytes.byteLength}`);
  const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, enableProfiling: true, profileFilePrefix: prefix });
  const runs = 2;
  for (let r = 0; r < runs; r++) await s.run(feeds[0]!, [out]);
  s.endProfiling();
  await s.release();
  const dir = tmpdir();
  const file = readdirSync(dir).map((n) => join(dir, n)).find((p) => p.startsWith(prefix))!;
  const events = JSON.parse(readFileSync(file, 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
  rmSync(file);
  const byOp: Record<string, number> = {};
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const op = e.args?.op_name ?? '?';
    byOp[op] = (byOp[op] ?? 0) + e.dur / 1000 / runs;
  }
  return Object.fromEntries(Object.entries(byOp).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round(v)]));
}

const ops = { float: await opBreakdown(float), qdq: await opBreakdown(qdq) };
console.log('kernel ms per batch of 32 (1 thread):', ops);

const configs: [string, Uint8Array, ort.InferenceSession.SessionOptions][] = [];
for (const [name, bytes] of [['float', float], ['qdq', qdq]] as const) {
  configs.push([`${name} disabled 1 thread`, bytes, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 }]);
  configs.push([`${name} disabled 2 threads (default)`, bytes, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 2 }]);
  configs.push([`${name} disabled 2 threads no spinning`, bytes, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 2, extra: { session: { intra_op: { allow_spinning: '0' } } } }]);
}
configs.push(['qdq basic 2 threads', qdq, { graphOptimizationLevel: 'basic', intraOpNumThreads: 2 }]);
configs.push(['qdq disabled 2 threads no mem pattern', qdq, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 2, enableMemPattern: false }]);

const sessions: Record<string, unknown> = {};
let baseline: Float32Array[] | undefined;
for (const [label, bytes, options] of configs) {
  const t0 = performance.now();
  const s = await ort.InferenceSession.create(bytes, { ...options, logSeverityLevel: 3 });
  const createMs = performance.now() - t0;
  await s.run(feeds[0]!, [out]);
  const walls: number[] = [];
  const cpus: number[] = [];
  let outs: Float32Array[] = [];
  for (let r = 0; r < 3; r++) {
    outs = [];
    const c = process.cpuUsage();
    const t = performance.now();
    const acc = new MetricAccumulator();
    for (let b = 0; b < feeds.length; b++) {
      const o = (await s.run(feeds[b]!, [out]))[out]!.data as Float32Array;
      outs.push(o);
      acc.add(refs[b]!, o, o.length / BATCH, stats[b]);
    }
    const u = process.cpuUsage(c);
    walls.push(performance.now() - t);
    cpus.push((u.user + u.system) / 1000);
  }
  await s.release();
  let bitIdentical: boolean | undefined;
  if (label.startsWith('qdq')) {
    if (!baseline) baseline = outs;
    else bitIdentical = outs.every((o, b) => o.every((v, i) => Object.is(v, baseline![b]![i])));
  }
  const row = { createMs: Math.round(createMs), runAndCompareWallMs: Math.round(Math.min(...walls)), runAndCompareCpuMs: Math.round(Math.min(...cpus)), ...(bitIdentical !== undefined ? { bitIdenticalToDisabled1Thread: bitIdentical } : {}) };
  sessions[label] = row;
  console.log(label.padEnd(40), JSON.stringify(row));
}

const previous = existsSync(OUT) ? (JSON.parse(readFileSync(OUT, 'utf8')) as Record<string, unknown>) : {};
const runtime = { date: new Date().toISOString(), samples: 64, batch: BATCH, kernelMsPerBatchOneThread: ops, sessions };
writeFileSync(OUT, `${JSON.stringify({ ...previous, runtime }, null, 2)}\n`);
console.log(`wrote ${OUT} [runtime]`);
