/**
 * The opset a quantized (or BF16) model needs, reached with the upgrade pass before planning:
 * 21 when int16/uint16 Q/DQ may be used (ai.onnx int16 Q/DQ), else 13 (per-channel Q/DQ `axis`,
 * Cast to bfloat16, and opset ≥ 10 for the QLinear ops onnxruntime's default optimizations fuse
 * Q/DQ into). When a target is blocked the next lower one is tried; what could not be done is said
 * in warnings (the Q/DQ then use the com.microsoft domain, as materialize's DomainChooser decides).
 */
import type { Model } from '../../ir/index.js';
import type { MixedPrecisionTensor } from '../types.js';
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
  if (refusal.from < 10) {
    return `The model stays at ai.onnx opset ${refusal.from} (${why}). onnxruntime's default graph optimizations fuse Q/DQ around Conv/MatMul into QLinearConv/QLinearMatMul, which exist from opset 10, so the quantized model loads only with graph optimization level 'basic' or 'disabled'. Fix or replace the listed node(s) and run \`mixq upgrade\` to quantize for default settings.`;
  }
  return `ai.onnx opset kept at ${refusal.from} (${why}): ${microsoftQdq(refusal.from, sixteenBit)}${refusal.from < 13 ? ', and BF16 casts are not available' : ''}.`;
}

/** Whether a precision map gives any tensor a 16-bit integer type. */
export function mapUsesSixteenBit(map: MixedPrecisionTensor | undefined): boolean {
  return map !== undefined && ((map.Int16?.length ?? 0) > 0 || (map.UInt16?.length ?? 0) > 0);
}
