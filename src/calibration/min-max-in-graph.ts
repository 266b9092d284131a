/**
 * Min/max calibration at the cost of one inference pass: ReduceMin/ReduceMax (and ReduceSum, Size)
 * are appended to every calibrated tensor, so a run returns four scalars per tensor; onnxruntime
 * frees or reuses each tensor's buffer as in plain inference and nothing big is copied into JS.
 *
 * Same ranges as folding the tensors in JS (MinMaxCollector.update), bit for bit: min and max of
 * finite float32 values are exact whatever the order. The JS fold skips NaN and ±Inf, which the
 * reductions do not (and onnxruntime's min/max with a NaN is order-dependent), so a tensor whose
 * sum is not finite in some batch (a NaN or an infinity, or an overflow) is recollected the JS way.
 */
import { CalibrationDataError } from '../errors.js';
import type { Model } from '../ir/index.js';
import { ModelSession } from '../runtime/index.js';
import type { MinMaxCollector } from './collectors/minmax.js';
import { withReductions, type ReductionOutputs } from './instrument.js';
import { planReductionPass, type PassPlan } from './memory-plan.js';
import { batchLength, measureBytesPerSample } from './probe.js';
import type { CalibrationSource } from './sources/types.js';
import { limitedBatches } from './batches.js';

export interface InGraphOptions {
  readonly batchSize: number;
  readonly budget: number;
  readonly limit?: number;
  readonly onProgress?: (done: number) => void;
}

export interface InGraphResult {
  readonly samples: number;
  readonly batches: number;
  /** Tensors reduced in the graph (the rest share a reduced tensor's values). */
  readonly reduced: number;
  readonly plan: PassPlan;
  /** Tensors with a NaN or infinity (or an overflowing sum) in some batch: collect them the JS way. */
  readonly notFinite: readonly string[];
}

export async function collectMinMaxInGraph(model: Model, collectors: ReadonlyMap<string, MinMaxCollector>, source: CalibrationSource, options: InGraphOptions): Promise<InGraphResult> {
  const tensors = [...collectors.keys()];
  rejectNonFloat(model, tensors);
  const sources = sameValueSources(model, tensors);
  const instrumented = withReductions(model, tensors.filter((t) => !sources.has(t)), { sizesOfAll: true });
  const session = await ModelSession.create(instrumented.model, { optimization: 'disabled', memoryPattern: false });
  try {
    checkOutputTypes(session, instrumented.reductions);
    const bytes = await measureBytesPerSample(session, instrumented.sizes, instrumented.model, source);
    const plan = planReductionPass({ graph: model.graph, bytesPerSample: bytes }, tensors, options.batchSize, options.budget);
    const fetch = [...instrumented.reductions.values()].flatMap((r) => [r.min, r.max, r.sum, r.size]);
    const aliasesOf = new Map<string, string[]>();
    for (const [alias, source] of sources) aliasesOf.set(source, [...(aliasesOf.get(source) ?? []), alias]);
    const notFinite = new Set<string>();
    let samples = 0;
    let batches = 0;
    for await (const feed of limitedBatches(source, plan.batchSize, options.limit)) {
      const out = await session.run(feed, fetch);
      for (const [name, r] of instrumented.reductions) {
        if (notFinite.has(name)) continue;
        const scalar = (key: keyof ReductionOutputs): number => Number(out[r[key]]!.data[0]!);
        const count = scalar('size');
        if (count === 0) continue;
        if (!Number.isFinite(scalar('sum'))) notFinite.add(name);
        else collectors.get(name)!.updateRange(scalar('min'), scalar('max'), count);
        for (const alias of aliasesOf.get(name) ?? []) {
          if (notFinite.has(name)) notFinite.add(alias);
          else collectors.get(alias)!.updateRange(scalar('min'), scalar('max'), count);
        }
      }
      samples += batchLength(feed);
      batches++;
      options.onProgress?.(samples);
    }
    return { samples, batches, plan, notFinite: [...notFinite], reduced: instrumented.reductions.size };
  } finally {
    await session.close();
  }
}

/** Ops whose output holds exactly the values of their first input, rearranged: same min, max and count. */
const SAME_VALUES = new Set(['Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Flatten', 'Identity']);

/**
 * Calibrated tensors whose range is another calibrated tensor's, exactly: the output of a reshape,
 * transpose, (un)squeeze, flatten or identity of it (through chains of them). Those are not reduced
 * again (each reduction reads the whole tensor: on the transformer fixture, 48 of 306 tensors).
 */
function sameValueSources(model: Model, tensors: readonly string[]): Map<string, string> {
  const wanted = new Set(tensors);
  const sources = new Map<string, string>();
  const sourceOf = (name: string): string => {
    const known = sources.get(name);
    if (known !== undefined) return known;
    const producer = model.graph.ownValue(name)?.producer;
    const input = producer?.inputs[0];
    if (!producer || producer.domain !== '' || !SAME_VALUES.has(producer.opType) || !input || !wanted.has(input.name)) return name;
    const root = sourceOf(input.name);
    sources.set(name, root);
    return root;
  };
  for (const t of tensors) sourceOf(t);
  return sources;
}

/** The JS fold takes float32 only; say so before building anything (same error as that path). */
function rejectNonFloat(model: Model, tensors: readonly string[]): void {
  for (const name of tensors) {
    const type = model.graph.ownValue(name)?.elemType;
    if (type !== undefined && type !== 'float32') throw notFloat(name, type);
  }
}

function checkOutputTypes(session: ModelSession, reductions: ReadonlyMap<string, ReductionOutputs>): void {
  const types = session.outputElementTypes();
  for (const [name, r] of reductions) {
    const type = types.get(r.min);
    if (type !== undefined && type !== 'float32') throw notFloat(name, type);
  }
}

export function notFloat(name: string, type: string): CalibrationDataError {
  return new CalibrationDataError(`Tensor '${name}' is ${type}, not float32; it cannot be calibrated.`, { hint: 'Leave it out of the quantized tensors.' });
}
