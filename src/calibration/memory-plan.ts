/**
 * How much memory a calibration pass takes, and how to split tensors over passes and pick a batch
 * size so that it stays under a budget. Sizes are bytes per sample, measured on a real sample (see
 * probe.ts), so dynamic shapes are no problem. The estimate follows what onnxruntime keeps alive:
 * values live from their producer to their last consumer (graph inputs and outputs: the whole run),
 * and each tensor exposed as an output is also copied into JS once.
 */
import type { Graph, Node } from '../ir/index.js';

/** Default memory budget of a calibration pass: 1 GiB. */
export const DEFAULT_MEMORY_BUDGET_BYTES = 1024 ** 3;

/**
 * onnxruntime takes more than the values alive at once: kernel scratch buffers and the arena's
 * rounding. Measured on the recognizer-like bench model (calibration sessions, batch 1 to 64): 1.6x
 * the liveness estimate per sample. Estimates use 2x.
 */
export const RUNTIME_SLACK = 2;

/** Per-sample bytes of every tensor value, and the graph they belong to. */
export interface SizedGraph {
  readonly graph: Graph;
  readonly bytesPerSample: ReadonlyMap<string, number>;
}

/**
 * Peak bytes per sample of the values alive at once when the graph runs in node order, with the
 * `kept` values alive until the end (graph outputs). Graph inputs count for the whole run.
 */
export function peakLiveBytes(sized: SizedGraph, kept: ReadonlySet<string> = new Set()): number {
  const { graph, bytesPerSample } = sized;
  const size = (name: string): number => bytesPerSample.get(name) ?? 0;
  const lastUse = lastUses(graph);
  const outputs = new Set(graph.outputs.map((v) => v.name));
  let live = 0;
  for (const v of graph.inputs) if (!v.initializer) live += size(v.name);
  let peak = live;
  const freeable = (name: string): boolean => {
    const value = graph.ownValue(name);
    return value !== undefined && !value.initializer && !value.isGraphInput && !outputs.has(name) && !kept.has(name);
  };
  graph.nodes.forEach((node, i) => {
    for (const out of node.outputs) if (out) live += size(out.name);
    peak = Math.max(peak, live);
    // Inputs after their last reader; outputs nobody reads right away.
    const done = new Set<string>();
    for (const name of readsOf(node)) if (lastUse.get(name) === i) done.add(name);
    for (const v of node.outputs) if (v && !lastUse.has(v.name)) done.add(v.name);
    for (const name of done) if (freeable(name)) live -= size(name);
  });
  return peak;
}

/** Index of the last top-level node reading each value (reads inside subgraphs count for their node). */
function lastUses(graph: Graph): Map<string, number> {
  const last = new Map<string, number>();
  graph.nodes.forEach((node, i) => {
    for (const name of readsOf(node)) last.set(name, i);
  });
  return last;
}

/** Names a node reads, its subgraphs' reads included. */
function readsOf(node: Node): Set<string> {
  const names = new Set<string>();
  for (const v of node.inputs) if (v) names.add(v.name);
  for (const sub of node.subgraphs()) for (const inner of sub.allNodes()) for (const v of inner.inputs) if (v) names.add(v.name);
  return names;
}

export interface PassPlan {
  /** Samples per run. */
  readonly batchSize: number;
  /** Tensors of each pass over the data. */
  readonly passes: readonly (readonly string[])[];
  /** Estimated peak bytes of the largest pass at that batch size. */
  readonly estimatedBytes: number;
  /** Why the batch size is below the one asked for (undefined when it is not). */
  readonly lowered?: string;
}

const MB = 1024 * 1024;
const mb = (bytes: number): string => `${(bytes / MB).toFixed(bytes < 10 * MB ? 1 : 0)} MB`;

/**
 * In-graph reductions: every tensor in one pass (the session returns scalars, so the pass costs
 * what plain inference costs); only the batch size may have to come down.
 */
export function planReductionPass(sized: SizedGraph, tensors: readonly string[], batchSize: number, budget: number): PassPlan {
  const perSample = RUNTIME_SLACK * peakLiveBytes(sized);
  const batch = fittingBatch(perSample, batchSize, budget);
  const lowered = batch < batchSize ? loweredMessage(batchSize, batch, perSample, budget, 'one inference pass') : undefined;
  return { batchSize: batch, passes: [tensors], estimatedBytes: batch * perSample, ...(lowered ? { lowered } : {}) };
}

/**
 * Tensors exposed as outputs (histogram methods): onnxruntime keeps each exposed tensor to the end
 * of the run and JS holds a copy, so tensors are packed, in order, into passes that fit the budget.
 * When even one tensor per pass does not fit, the batch size comes down first.
 */
export function planOutputPasses(sized: SizedGraph, tensors: readonly string[], batchSize: number, budget: number, maxPerPass = Infinity): PassPlan {
  const cost = (pass: readonly string[]): number => RUNTIME_SLACK * peakLiveBytes(sized, new Set(pass)) + pass.reduce((s, t) => s + (sized.bytesPerSample.get(t) ?? 0), 0);
  let worst = cost([]);
  let worstTensor: string | undefined;
  for (const t of tensors) {
    const c = cost([t]);
    if (c > worst) [worst, worstTensor] = [c, t];
  }
  const batch = fittingBatch(worst, batchSize, budget);
  const passes: string[][] = [];
  let current: string[] = [];
  let estimated = 0;
  for (const t of tensors) {
    const next = [...current, t];
    if (current.length > 0 && (current.length >= maxPerPass || batch * cost(next) > budget)) {
      estimated = Math.max(estimated, batch * cost(current));
      passes.push(current);
      current = [t];
    } else {
      current = next;
    }
  }
  if (current.length > 0 || passes.length === 0) {
    estimated = Math.max(estimated, batch * cost(current));
    passes.push(current);
  }
  const what = worstTensor === undefined ? 'one inference pass' : `one pass exposing '${worstTensor}'`;
  const lowered = batch < batchSize ? loweredMessage(batchSize, batch, worst, budget, what) : undefined;
  return { batchSize: batch, passes, estimatedBytes: estimated, ...(lowered ? { lowered } : {}) };
}

function fittingBatch(bytesPerSample: number, batchSize: number, budget: number): number {
  if (bytesPerSample <= 0) return batchSize;
  return Math.max(1, Math.min(batchSize, Math.floor(budget / bytesPerSample)));
}

function loweredMessage(asked: number, batch: number, perSample: number, budget: number, what: string): string {
  const over = batch * perSample > budget ? ` Even one sample needs more than the budget: raise it (--memory-budget) if memory allows.` : '';
  return `Calibration batch size lowered from ${asked} to ${batch}: ${what} takes about ${mb(perSample)} per sample and the memory budget is ${mb(budget)}.${over}`;
}
