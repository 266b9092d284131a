/**
 * An experiment, not used by the product (see bench/results/proxy.json and README "How the search
 * works"): a one-pass proxy for layer sensitivity. Exact sensitivity costs one full evaluation per layer
 * group (narrow it alone, run the calibration data, compare the output). The proxy instead runs the
 * float model once over the calibration data with the groups' inputs and outputs exposed, and
 * estimates each group's local error: the quantization noise its activation inputs get when
 * narrowed (measured on the real values, with the calibrated ranges the model will use), carried
 * through the layer's weights (noise energy × mean squared weight per output), relative to the
 * energy of the layer's output. It only orders the groups: the bisection's end-to-end checks still
 * make every decision, so a poor ordering costs INT8 layers, never the target.
 */
import type { Range } from '../src/calibration/ranges.js';
import type { CalibrationSource } from '../src/calibration/sources/types.js';
import type { Model } from '../src/ir/index.js';
import { computeQParams, floatValues } from '../src/qdq/qparams.js';
import type { IntegerPrecision, TensorPrecision } from '../src/qdq/types.js';
import { isIntegerPrecision } from '../src/qdq/types.js';
import { dequantizeValue, quantizeValue, typeRange } from '../src/quant/index.js';
import { ModelSession } from '../src/runtime/index.js';
import type { CandidateGroup } from '../src/search/candidates.js';

export interface ProxyOptions {
  readonly batchSize: number;
  /** Precision of the group inputs in the wide model and when narrowed. */
  readonly wide: TensorPrecision;
  readonly narrow: TensorPrecision;
  readonly symmetricActivation: boolean;
  /**
   * 'layer' (default): the noise carried to the layer's output, relative to it; 'input': the
   * noise relative to the input values alone (no weights, no output).
   */
  readonly form?: 'layer' | 'input';
}

interface Energy {
  noise: number;
  signal: number;
  /** Values seen (per-element noise = noise / count). */
  count: number;
}

/** Proxy sensitivity per group id (higher = more sensitive), from one pass of the float model. */
export async function proxySensitivities(prepared: Model, groups: readonly CandidateGroup[], ranges: ReadonlyMap<string, Range>, source: CalibrationSource, options: ProxyOptions): Promise<Map<string, number>> {
  const inputs = [...new Set(groups.flatMap((g) => g.activations))].filter((t) => ranges.has(t));
  const outputs = [...new Set(groups.flatMap((g) => outputsOf(prepared, g)))];
  const fresh = (): Energy => ({ noise: 0, signal: 0, count: 0 });
  const noise = new Map(inputs.map((t) => [t, fresh()]));
  const outputEnergy = new Map(outputs.map((t) => [t, fresh()]));
  const narrowing = new Map(inputs.map((t) => [t, quantizers(ranges.get(t)!, options)]));
  const exposed = [...new Set([...inputs, ...outputs])];
  const session = await ModelSession.create(prepared, { optimization: 'disabled', extraOutputs: exposed });
  try {
    for await (const feed of source.batches(options.batchSize)) {
      const values = await session.run(feed, exposed);
      for (const t of inputs) {
        const data = values[t]?.data;
        if (data instanceof Float32Array) accumulateNoise(data, narrowing.get(t)!, noise.get(t)!);
      }
      for (const t of outputs) {
        const data = values[t]?.data;
        if (!(data instanceof Float32Array)) continue;
        const e = outputEnergy.get(t)!;
        for (const v of data) e.signal += v * v;
        e.count += data.length;
      }
    }
  } finally {
    await session.close();
  }
  const result = new Map<string, number>();
  for (const g of groups) {
    // Per output value: input noise per value × Σ w² over the values feeding it; against the output's mean square.
    const perValueNoise = g.activations.reduce((s, t) => s + perValue(noise.get(t), 'noise'), 0);
    const outs = outputsOf(prepared, g).map((t) => outputEnergy.get(t));
    const outputPower = outs.reduce((s, e) => s + perValue(e, 'signal'), 0) / Math.max(1, outs.length);
    if (options.form === 'input') {
      const inputPower = g.activations.reduce((s, t) => s + perValue(noise.get(t), 'signal'), 0);
      result.set(g.id, inputPower > 0 ? perValueNoise / inputPower : 0);
      continue;
    }
    const injected = perValueNoise * weightGain(prepared, g);
    result.set(g.id, outputPower > 0 ? injected / outputPower : injected);
  }
  return result;
}

/** Extra noise energy of narrowing over staying wide, and the signal energy, of one tensor's values. */
function accumulateNoise(values: Float32Array, q: { narrow: Quantizer; wide: Quantizer }, into: Energy): void {
  for (const x of values) {
    const dn = q.narrow(x) - x;
    const dw = q.wide(x) - x;
    into.noise += dn * dn - dw * dw;
    into.signal += x * x;
  }
  into.count += values.length;
}

const perValue = (e: Energy | undefined, what: 'noise' | 'signal'): number => (e && e.count > 0 ? Math.max(0, e[what]) / e.count : 0);

type Quantizer = (x: number) => number;

function quantizers(range: Range, options: ProxyOptions): { narrow: Quantizer; wide: Quantizer } {
  const make = (p: TensorPrecision): Quantizer => {
    if (!isIntegerPrecision(p)) return (x) => x;
    const qp = computeQParams({ kind: 'range', range }, p as IntegerPrecision, options.symmetricActivation);
    const [scale, zp, r] = [qp.scales[0]!, qp.zeroPoints[0]!, typeRange(p)];
    return (x) => dequantizeValue(quantizeValue(x, scale, zp, r), scale, zp);
  };
  return { narrow: make(options.narrow), wide: make(options.wide) };
}

/** The group's node outputs (the first output of each node). */
function outputsOf(model: Model, group: CandidateGroup): string[] {
  const names = new Set(group.nodes);
  return model.graph.nodes.filter((n) => names.has(n.name)).flatMap((n) => (n.outputs[0] ? [n.outputs[0].name] : []));
}

/**
 * How much input noise energy reaches one output value: the sum of squared weights feeding it,
 * averaged over outputs (‖W‖² / outputs). 1 when the layer has no constant weight (activation ×
 * activation MatMul): the noise then passes at the scale of the other operand, left out.
 */
function weightGain(model: Model, group: CandidateGroup): number {
  let total = 0;
  let count = 0;
  for (const node of model.graph.nodes.filter((n) => group.nodes.includes(n.name))) {
    const v = node.inputs.find((i) => i !== undefined && group.weights.includes(i.name));
    if (!v?.initializer) continue;
    const w = floatValues(v.initializer);
    let sq = 0;
    for (const x of w) sq += x * x;
    total += sq / Math.max(1, outputChannels(node.opType, v.initializer.dims, node.attributes.get('transB')?.value));
    count++;
  }
  return count > 0 ? total / count : 1;
}

/** How many outputs a weight's values are spread over (Conv [Cout,…], MatMul [K,N], Gemm by transB). */
function outputChannels(op: string, dims: readonly number[], transB: { type: string; value?: unknown } | undefined): number {
  if (op === 'MatMul') return dims[dims.length - 1] ?? 1;
  if (op === 'Gemm') return (transB?.value === 1n ? dims[0] : dims[1]) ?? 1;
  if (op === 'ConvTranspose') return dims[1] ?? 1;
  return dims[0] ?? 1;
}
