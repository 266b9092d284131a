/**
 * What the models of a run cost to store and to run on this machine, as plain data, with the line
 * the CLI prints and the warning when quantization made the model slower here. Only measured
 * figures are stated: nothing here predicts the speed on another runtime or device.
 */
import type { Model } from '../ir/index.js';
import { formatMegabytes } from './format-statistics.js';

export interface ModelCost {
  /** Serialized size (model file plus external data, if any). */
  readonly bytes: number;
  /** Median latency of one run, when it was measured. */
  readonly latencyMs?: number;
}

/** How latency was measured (onnxruntime-node, CPU, default graph optimizations). */
export interface LatencySetup {
  readonly runs: number;
  readonly warmup: number;
  readonly threads: number;
  readonly batch: number;
}

export interface CostFigures {
  readonly float: ModelCost;
  /** The wide starting point of an auto run (absent for quantize). */
  readonly wide?: ModelCost;
  readonly final: ModelCost;
  /** Absent when latency was not measured (latencyRuns 0, or the measurement failed). */
  readonly latency?: LatencySetup;
  /** QuantizeLinear nodes with a 16-bit output in the final model (each starts one Q/DQ pair). */
  readonly int16QdqPairs: number;
  /** Set when the final model measured slower than the float one (also sent to onWarning). */
  readonly warning?: string;
}

const SIXTEEN_BIT = new Set(['int16', 'uint16']);

/** Q/DQ pairs at 16 bits: QuantizeLinear whose zero point (which fixes the output type) is 16-bit. */
export function countInt16QdqPairs(model: Model): number {
  let count = 0;
  for (const node of model.graph.allNodes()) {
    if (node.opType !== 'QuantizeLinear') continue;
    const zeroPoint = node.inputs[2];
    const type = zeroPoint?.initializer?.type ?? (zeroPoint?.type?.kind === 'tensor' ? zeroPoint.type.elemType : undefined);
    if (type !== undefined && SIXTEEN_BIT.has(type)) count++;
  }
  return count;
}

/** "2.8× slower" / "1.4× faster" / "same speed" from two measured latencies. */
export function speedChange(floatMs: number, finalMs: number): string {
  const ratio = finalMs / floatMs;
  if (!Number.isFinite(ratio) || ratio <= 0) return 'not comparable';
  if (Math.abs(ratio - 1) < 0.05) return 'about the same';
  return ratio > 1 ? `${ratio.toFixed(1)}× slower` : `${(1 / ratio).toFixed(1)}× faster`;
}

function sizeChange(before: number, after: number): string {
  const ratio = after > 0 ? before / after : Infinity;
  return ratio >= 1 ? `${ratio.toFixed(1)}× smaller` : `${(1 / ratio).toFixed(1)}× larger`;
}

const ms = (x: number): string => `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`;

/**
 * "Size 10.8 MB → 3.2 MB (3.4× smaller); latency on this CPU (2 threads, batch 1): float 12.0 ms,
 * final 33.4 ms (2.8× slower)". The latency half is left out when it was not measured.
 */
export function formatCostLine(cost: Pick<CostFigures, 'float' | 'final' | 'latency'>): string {
  const size = `Size ${formatMegabytes(cost.float.bytes)} → ${formatMegabytes(cost.final.bytes)} (${sizeChange(cost.float.bytes, cost.final.bytes)})`;
  const f = cost.float.latencyMs;
  const q = cost.final.latencyMs;
  if (cost.latency === undefined || f === undefined || q === undefined) return `${size}; latency not measured`;
  const setup = `${cost.latency.threads} thread${cost.latency.threads === 1 ? '' : 's'}, batch ${cost.latency.batch}`;
  return `${size}; latency on this CPU (${setup}): float ${ms(f)}, final ${ms(q)} (${speedChange(f, q)})`;
}

/** A slower final model is not ruled out by quantization, but users must hear it before deploying. */
const SLOWER_THRESHOLD = 1.05;

/** The warning for a final model measured slower than the float one, saying why when we know. */
export function slowerThanFloatWarning(cost: Pick<CostFigures, 'float' | 'final' | 'latency' | 'int16QdqPairs'>): string | undefined {
  const f = cost.float.latencyMs;
  const q = cost.final.latencyMs;
  if (cost.latency === undefined || f === undefined || q === undefined || !(q > f * SLOWER_THRESHOLD)) return undefined;
  const measured = `The quantized model ran ${speedChange(f, q)} than the float model on this CPU (onnxruntime, ${cost.latency.threads} threads, batch ${cost.latency.batch}: ${ms(q)} vs ${ms(f)}).`;
  if (cost.int16QdqPairs > 0) {
    return `${measured} It has ${cost.int16QdqPairs} INT16 Q/DQ pair(s): onnxruntime's CPU kernels do not fuse INT16 Q/DQ, so each runs as separate quantize/dequantize ops around a float kernel; NPUs such as AMD Ryzen AI and Qualcomm Hexagon (QNN HTP) run A16W8 natively. Measure on the target runtime before deploying.`;
  }
  return `${measured} It has no INT16 Q/DQ pairs; onnxruntime's integer CPU kernels are not faster than its float ones for every op and shape, and Q/DQ pairs it cannot fuse run as separate ops. Measure on the target runtime before deploying.`;
}
