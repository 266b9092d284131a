/**
 * The opset a quantized (or BF16) model needs, reached with the upgrade pass before planning:
 * 21 when int16/uint16 Q/DQ may be used (ai.onnx int16 Q/DQ), else 13 (per-channel Q/DQ `axis`,
 * Cast to bfloat16, and opset ≥ 10 for the QLinear ops onnxruntime's default optimizations fuse
 * Q/DQ into). When a target is blocked the next lower one is tried; what could not be done is said
 * in warnings (the Q/DQ then use the com.microsoft domain, as materialize's DomainChooser decides).
 */
import { MixqError } from '../../errors.js';
import type { Model } from '../../ir/index.js';
import type { MixedPrecisionTensor, QuantPlan } from '../types.js';
import { formatUpgradeBlocks } from './format.js';
import { upgradeOpset } from './upgrade.js';
import type { UpgradeReport } from './types.js';

export interface QuantizationUpgrade {
  /** The upgrade done, or (when none could be done) the refusal of the highest target. */
  readonly report?: UpgradeReport;
  readonly warnings: readonly string[];
}

/** Raises the model's ai.onnx opset in place as far as quantization wants and the model allows. */
export function upgradeForQuantization(model: Model, needs: { readonly sixteenBit: boolean }): QuantizationUpgrade {
  const from = model.opset;
  const targets = (needs.sixteenBit ? [21, 13, 10] : [13, 10]).filter((t) => t > from);
  const refused: UpgradeReport[] = [];
  for (const target of targets) {
    const report = upgradeOpset(model, { target });
    if (report.upgraded) return { report, warnings: refused[0] ? [partialWarning(refused[0], target)] : [] };
    refused.push(report);
  }
  const first = refused[0];
  return first ? { report: first, warnings: [keptWarning(first, needs.sixteenBit)] } : { warnings: [] };
}

function blocks(report: UpgradeReport): string {
  const lines = formatUpgradeBlocks(report);
  return lines.slice(0, 3).join('; ') + (lines.length > 3 ? `; and ${lines.length - 3} more` : '');
}

/** What the com.microsoft domain has to carry at `opset`. */
function microsoftQdq(opset: number, sixteenBit: boolean): string {
  const kinds = [...(sixteenBit && opset < 21 ? ['int16'] : []), ...(opset < 13 ? ['per-channel'] : [])];
  return `${kinds.join(' and ')} Q/DQ use the com.microsoft domain`;
}

function partialWarning(refusal: UpgradeReport, reached: number): string {
  return `ai.onnx opset raised only to ${reached}, not ${refusal.target} (${blocks(refusal)}): ${microsoftQdq(reached, refusal.target >= 21)}.`;
}

function keptWarning(refusal: UpgradeReport, sixteenBit: boolean): string {
  const why = blocks(refusal);
  if (refusal.from < QLINEAR_MIN_OPSET) {
    return `The model stays at ai.onnx opset ${refusal.from} (${why}). onnxruntime's default graph optimizations fuse 8-bit Q/DQ around Conv/MatMul into QLinearConv/QLinearMatMul, which exist from opset ${QLINEAR_MIN_OPSET}: such a model would load only with graph optimization level 'basic' or 'disabled', so 8-bit Conv/MatMul layers are refused here (16-bit ones are not fused). Fix or replace the listed node(s) and run \`mixq upgrade\` to quantize them to 8 bits.`;
  }
  return `ai.onnx opset kept at ${refusal.from} (${why}): ${microsoftQdq(refusal.from, sixteenBit)}${refusal.from < 13 ? ', and BF16 casts are not available' : ''}.`;
}

/** The first ai.onnx opset with QLinearConv / QLinearMatMul. */
const QLINEAR_MIN_OPSET = 10;

/** ai.onnx ops onnxruntime's default optimizations turn 8-bit Q/DQ around these into. */
const FUSED_INTO: Readonly<Record<string, string>> = { Conv: 'QLinearConv', MatMul: 'QLinearMatMul' };

/**
 * Refuses, before any calibration, a plan whose model could not be raised to opset 10 and that
 * puts 8-bit Q/DQ around Conv/MatMul: onnxruntime's default optimizations would fuse them into
 * QLinear ops that opset lacks, and the output would not load (code UNSUPPORTED_OPSET, naming the
 * blocking node(s) and why, and the layers concerned).
 */
export function assertPlanFitsOpset(model: Model, plan: QuantPlan, upgrade: UpgradeReport | undefined): void {
  if (model.opset >= QLINEAR_MIN_OPSET) return;
  const fused = plan.nodes.filter((n) => n.status === 'quantized' && FUSED_INTO[n.opType] !== undefined && (n.precision === 'int8' || n.precision === 'uint8'));
  const first = fused[0];
  if (!first) return;
  const layers = `${first.opType} '${first.name}'${fused.length > 1 ? ` and ${fused.length - 1} more 8-bit Conv/MatMul layer(s)` : ''}`;
  const why = upgrade?.blocked?.length ? `, and the opset upgrade is blocked: ${blocks(upgrade)}` : '';
  throw new MixqError('UNSUPPORTED_OPSET', `This model is at ai.onnx opset ${model.opset}, where 8-bit ${layers} cannot be written: onnxruntime's default optimizations fuse their Q/DQ into ${FUSED_INTO[first.opType]}, which exists from opset ${QLINEAR_MIN_OPSET}${why}.`, {
    hint: `Export the model at opset 13 or later (or replace the blocking node(s) and run \`mixq upgrade <model> --opset 13 -o <out>\`), or keep those layers float (excludeNodes / mixedPrecisionTensor Float32 / --mixed) or at 16 bits (activationType int16).`,
  });
}

/** Whether a precision map gives any tensor a 16-bit integer type. */
export function mapUsesSixteenBit(map: MixedPrecisionTensor | undefined): boolean {
  return map !== undefined && ((map.Int16?.length ?? 0) > 0 || (map.UInt16?.length ?? 0) > 0);
}
