/**
 * int32 biases that would overflow. A Conv/Gemm bias is stored as int32 at scale input scale ×
 * weight scale; with 16-bit activations (and more with 16-bit weights) that product is so small
 * that |bias / scale| passes 2^31 on channels with small weights and a real bias, and the bias
 * would saturate (12 % output error on a real detector). Like recent ONNX Runtime versions, we
 * raise the weight scale of those channels until the bias fits: their weights are tiny next to
 * their bias, so the coarser weight step costs little, while a clipped bias is wrong outright.
 * This runs after the weights' parameters are computed and before any bias or weight is written,
 * so the weight is quantized with the raised scale and weight and bias stay consistent.
 */
import { GraphError } from '../errors.js';
import type { Model } from '../ir/index.js';
import { clamp, fitWeightScalesToBias, perChannelMinMax, qRange, roundHalfEven } from '../quant/index.js';
import type { QParams } from './qparams.js';
import { floatValues } from './qparams.js';
import type { QuantPlan, TensorPlan } from './types.js';
import { isIntegerPrecision } from './types.js';

/** One bias whose weight scales were raised so it fits int32. */
export interface BiasAdjustment {
  readonly bias: string;
  /** The Conv/Gemm node reading the bias. */
  readonly node: string;
  readonly weight: string;
  /** Raised scales: output channels when per channel, 1 when the weight has one scale. */
  readonly channels: number;
  /** Scales the weight has (its channel count, or 1). */
  readonly ofChannels: number;
  /** The largest factor a scale was raised by. */
  readonly maxFactor: number;
}

/** A bias with values at the int32 limits in the built model (should not happen; reported if it does). */
export interface SaturatedBias {
  readonly bias: string;
  readonly node: string;
  readonly values: number;
}

type BiasSource = { kind: 'bias'; input: string; weight: string; node: string };

/**
 * Raises, in `qparams`, the weight scales that would make a planned int32 bias overflow. `inputOf`
 * gives the parameters of the bias node's quantized input (its own or an edge conversion's).
 */
export function fitWeightScalesForBiases(model: Model, plan: QuantPlan, qparams: Map<string, QParams>, inputOf: (bias: TensorPlan) => QParams | undefined): BiasAdjustment[] {
  const adjustments: BiasAdjustment[] = [];
  const weightPlans = new Map(plan.tensors.filter((t) => t.role === 'weight').map((t) => [t.name, t]));
  for (const t of plan.tensors) {
    if (t.role !== 'bias' || t.scale.kind !== 'bias' || !isIntegerPrecision(t.precision)) continue;
    const source = t.scale as BiasSource;
    const input = inputOf(t);
    const weight = qparams.get(source.weight);
    const weightPlan = weightPlans.get(source.weight);
    if (!input || !weight || !weightPlan) continue; // materialize reports a bias without both
    const bias = model.graph.ownValue(t.name)?.initializer;
    if (!bias) throw new GraphError(`Bias '${t.name}' of '${source.node}' is not a constant.`);
    const fitted = fitWeightScalesToBias(floatValues(bias), input.scales[0]!, weight.scales);
    if (fitted.raised.length === 0) continue;
    qparams.set(source.weight, withScales(model, weightPlan, weight, fitted.scales, fitted.raised));
    const maxFactor = Math.max(...fitted.raised.map((c) => fitted.scales[c]! / weight.scales[c]!));
    adjustments.push({ bias: t.name, node: source.node, weight: source.weight, channels: fitted.raised.length, ofChannels: weight.scales.length, maxFactor });
  }
  return adjustments;
}

/**
 * The weight's parameters with the raised scales. A symmetric weight keeps its zero points (the
 * range stays centred); an asymmetric one gets each raised channel's zero point recomputed so that
 * its float range still maps inside the integer range.
 */
function withScales(model: Model, plan: TensorPlan, q: QParams, scales: Float32Array, raised: readonly number[]): QParams {
  if (plan.symmetric) return { ...q, scales };
  const tensor = model.graph.ownValue(plan.name)!.initializer!;
  const values = floatValues(tensor);
  const dims = tensor.dims;
  const ranges = q.axis === undefined ? [minOf(values)] : perChannelMinMax(values, { dims, axis: q.axis });
  const { qmin, qmax } = qRange(q.type);
  const zeroPoints = [...q.zeroPoints];
  for (const c of raised) zeroPoints[c] = clamp(roundHalfEven(qmin - Math.min(ranges[c]!.min, 0) / scales[c]!), qmin, qmax);
  return { ...q, scales, zeroPoints };
}

function minOf(values: Float32Array): { min: number } {
  let min = 0;
  for (const v of values) if (v < min) min = v;
  return { min };
}

/** One warning per adjusted bias, e.g. "raised the weight scale of 3 channel(s) of 'conv7' …". */
export function biasAdjustmentWarnings(adjustments: readonly BiasAdjustment[], saturated: readonly SaturatedBias[]): string[] {
  const out = adjustments.map((a) =>
    a.ofChannels > 1
      ? `raised the weight scale of ${a.channels} channel(s) of '${a.node}' so its int32 bias fits (up to ×${formatFactor(a.maxFactor)}).`
      : `raised the weight scale of '${a.node}' so its int32 bias fits (×${formatFactor(a.maxFactor)}).`,
  );
  for (const s of saturated) out.push(`${s.values} value(s) of the int32 bias '${s.bias}' of '${s.node}' still saturate: that bias is clipped.`);
  return out;
}

function formatFactor(f: number): string {
  return f >= 100 ? f.toExponential(1) : f.toPrecision(3);
}
