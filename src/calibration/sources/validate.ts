/**
 * Checks calibration data against a model's inputs before any model runs (names, per-sample shapes,
 * element types) and wraps the source so that every batch reaches the model in the type it takes.
 */
import { CalibrationDataError } from '../../errors.js';
import { nearMatches } from '../../util/near-match.js';
import { checkBatchSize, checkFeed, formatDims } from './batching.js';
import { canConvert, conversionHint, toModelType } from './convert.js';
import type { CalibrationSource, Feed, ModelInputSpec, SampleSpec } from './types.js';

/**
 * A source that yields feeds matching `inputs`: float16/float64 data converted to float32 (and integers
 * widened) where the model asks for it. A model input with a static batch size N (dims[0] = N) gets
 * batches of exactly N whatever size the caller asks for; a last, smaller batch is left out, since the
 * model cannot take it. An input given with empty dims is taken as having an unknown shape.
 */
export async function validateAgainstModelInputs(source: CalibrationSource, inputs: readonly ModelInputSpec[]): Promise<CalibrationSource> {
  checkNames(source, inputs);
  if (source.sampleCount === 0) throw new CalibrationDataError(`Calibration data ${source.description} holds no samples.`);
  const specs = source.sampleSpecs ?? (await firstBatchSpecs(source));
  checkSpecs(source, inputs, specs);
  const fixedBatch = staticBatchSize(source, inputs);
  const converted: Record<string, SampleSpec> = {};
  const targets = new Map(inputs.map((i) => [i.name, i.type]));
  for (const [name, spec] of Object.entries(specs)) converted[name] = { type: targets.get(name) ?? spec.type, dims: spec.dims };
  const sampleCount = fixedBatch === undefined || source.sampleCount === undefined ? source.sampleCount : source.sampleCount - (source.sampleCount % fixedBatch);
  const preferred = fixedBatch ?? source.preferredBatchSize;
  const wrapped: CalibrationSource = {
    description: source.description,
    inputNames: source.inputNames,
    sampleCount,
    sampleSpecs: converted,
    batches(batchSize: number): AsyncIterable<Feed> {
      checkBatchSize(batchSize);
      return { [Symbol.asyncIterator]: () => convertedBatches(source, fixedBatch ?? batchSize, fixedBatch, specs, targets) };
    },
  };
  return preferred === undefined ? wrapped : { ...wrapped, preferredBatchSize: preferred };
}

function checkNames(source: CalibrationSource, inputs: readonly ModelInputSpec[]): void {
  const model = inputs.map((i) => i.name);
  const missing = model.filter((n) => !source.inputNames.includes(n));
  const extra = source.inputNames.filter((n) => !model.includes(n));
  if (missing.length === 0 && extra.length === 0) return;
  const parts: string[] = [];
  for (const name of missing) {
    const near = nearMatches(name, extra, 2);
    parts.push(`no data for model input '${name}'${near.length > 0 ? ` (did you mean ${near.map((n) => `'${n}'`).join(' or ')}?)` : ''}`);
  }
  for (const name of extra) {
    const near = nearMatches(name, missing, 1);
    parts.push(`data for '${name}', which is not a model input${near.length > 0 ? ` (should it be '${near[0]}'?)` : ''}`);
  }
  throw new CalibrationDataError(
    `Calibration data ${source.description} does not match the model's inputs: ${parts.join('; ')}.\n  model inputs: ${list(model)}\n  data inputs:  ${list(source.inputNames)}`,
    { hint: 'Name each data file after the model input it feeds (<inputName>.npy), or map names in a manifest (see calib-data/README.md).' },
  );
}

function list(names: readonly string[]): string {
  return names.length === 0 ? '(none)' : names.map((n) => `'${n}'`).join(', ');
}

/** For sources that do not declare their sample specs: read one sample to learn them. */
async function firstBatchSpecs(source: CalibrationSource): Promise<Record<string, SampleSpec>> {
  const iterator = source.batches(1)[Symbol.asyncIterator]();
  try {
    const first = await iterator.next();
    if (first.done === true) throw new CalibrationDataError(`Calibration data ${source.description} holds no samples.`);
    checkFeed(first.value, `The first batch of ${source.description}`);
    const specs: Record<string, SampleSpec> = {};
    for (const [name, t] of Object.entries(first.value)) specs[name] = { type: t.type, dims: t.dims.slice(1) };
    return specs;
  } finally {
    await iterator.return?.();
  }
}

function isStatic(d: number | string | null | undefined): d is number {
  return typeof d === 'number' && d >= 0;
}

function checkSpecs(source: CalibrationSource, inputs: readonly ModelInputSpec[], specs: Readonly<Record<string, SampleSpec>>): void {
  const problems: string[] = [];
  const hints = new Set<string>();
  for (const input of inputs) {
    const spec = specs[input.name];
    if (spec === undefined) continue;
    const shapeProblem = checkShape(input, spec);
    if (shapeProblem !== undefined) problems.push(shapeProblem);
    if (!canConvert(spec.type, input.type)) {
      problems.push(`input '${input.name}': the data is ${spec.type} but the model takes ${input.type} (mixq converts only float16/float64 → float32 and lossless integer widening)`);
      hints.add(conversionHint(spec.type, input.type));
    }
  }
  if (problems.length === 0) return;
  if (problems.some((p) => p.includes('sample shape'))) hints.add('Each data file holds samples along its first axis; the rest of its shape must match the model input without the batch axis.');
  throw new CalibrationDataError(`Calibration data ${source.description} does not fit the model:${problems.map((p) => `\n  - ${p}`).join('')}`, {
    hint: [...hints].join(' '),
  });
}

function checkShape(input: ModelInputSpec, spec: SampleSpec): string | undefined {
  if (input.dims.length === 0) return undefined; // shape unknown to the model: ONNX Runtime will judge
  const want = input.dims.slice(1);
  const rankOk = spec.dims.length === want.length;
  if (rankOk && want.every((d, i) => !isStatic(d) || d === spec.dims[i])) return undefined;
  const prefix = `input '${input.name}': sample shape ${formatDims(spec.dims)} does not match the model's ${formatDims(want.map((d) => (isStatic(d) ? d : '?')))}`;
  const model = `(model input dims ${formatDims(input.dims)}, batch axis first)`;
  if (spec.dims.length === input.dims.length) {
    return `${prefix} ${model}; the model input has no batch axis or the data has one axis too many`;
  }
  return `${prefix} ${model}`;
}

/** The batch size every run must have, when a model input fixes it (dims[0] is a number). */
function staticBatchSize(source: CalibrationSource, inputs: readonly ModelInputSpec[]): number | undefined {
  const fixed = new Set(inputs.map((i) => i.dims[0]).filter(isStatic));
  if (fixed.size > 1) {
    throw new CalibrationDataError(`The model's inputs fix different batch sizes (${inputs.map((i) => `'${i.name}' ${formatDims(i.dims)}`).join(', ')}); mixq cannot feed them together.`, {
      hint: 'Export the model with a dynamic (or one common) batch axis.',
    });
  }
  const n = [...fixed][0];
  if (n !== undefined && source.sampleCount !== undefined && source.sampleCount < n) {
    throw new CalibrationDataError(`The model takes batches of exactly ${n} samples but ${source.description} has only ${source.sampleCount}.`, {
      hint: `Provide at least ${n} samples, or export the model with a dynamic batch axis.`,
    });
  }
  return n;
}

async function* convertedBatches(
  source: CalibrationSource,
  batchSize: number,
  fixedBatch: number | undefined,
  specs: Readonly<Record<string, SampleSpec>>,
  targets: ReadonlyMap<string, ModelInputSpec['type']>,
): AsyncGenerator<Feed> {
  let index = 0;
  for await (const feed of source.batches(batchSize)) {
    // Re-checked per batch: sources written by users may not keep to what they declared.
    const n = checkFeed(feed, `Batch ${index} of ${source.description}`, specs);
    index++;
    if (fixedBatch !== undefined && n !== fixedBatch) {
      if (n < fixedBatch) break; // the short last batch: the model cannot take it
      throw new CalibrationDataError(`Batch ${index - 1} of ${source.description} has ${n} samples but the model takes exactly ${fixedBatch}.`);
    }
    const out: Feed = {};
    for (const [name, t] of Object.entries(feed)) out[name] = toModelType(t, targets.get(name) ?? t.type, name);
    yield out;
  }
}
