import { stringAttr, type Node } from '../../../ir/index.js';
import { constantTensor } from '../context.js';
import type { Adapter, UpgradeContext } from '../types.js';

/**
 * Resize-10 → Resize-11. Resize-10 (and Upsample) map output coordinates as x / scale
 * ("asymmetric"); for nearest, onnxruntime rounds down when a scale is ≥ 1 and up when it is < 1
 * (measured against Resize-13 on both sides). Resize-11's defaults (half_pixel,
 * round_prefer_floor) differ, so the attributes are set explicitly; a nearest Resize whose scales
 * mix up- and down-sampling (or are unknown and may be < 1) cannot be expressed and is reported.
 * Resize-11 also needs an `roi` input before `scales` (unused outside tf_crop_and_resize: empty).
 */
export const resize11: Adapter = {
  opType: 'Resize',
  version: 11,
  apply(node, ctx) {
    const mode = node.attrString('mode') ?? 'nearest';
    if (mode !== 'nearest' && mode !== 'linear') return { blocked: `Resize-10 mode '${mode}'` };
    const scales = node.inputs[1];
    if (!scales) return { blocked: 'Resize-10 without a scales input' };
    const rounding = mode === 'nearest' ? nearestRounding(node, ctx) : undefined;
    if (rounding && 'blocked' in rounding) return { blocked: rounding.blocked };
    node.setAttribute(stringAttr('mode', mode));
    node.setAttribute(stringAttr('coordinate_transformation_mode', 'asymmetric'));
    if (rounding) node.setAttribute(stringAttr('nearest_mode', rounding.nearest));
    node.setInput(2, scales);
    node.setInput(1, ctx.floats(node, 'roi', [0], []));
    return { what: `asymmetric${rounding ? `, nearest ${rounding.nearest}` : ''}` };
  },
};

function nearestRounding(node: Node, ctx: UpgradeContext): { nearest: 'floor' | 'ceil' } | { blocked: string } {
  const tensor = constantTensor(node.inputs[1]);
  if (!tensor || tensor.type !== 'float32') {
    // Upsample rejects scales < 1, so a Resize made from one always rounds down.
    return ctx.fromUpsample.has(node) ? { nearest: 'floor' } : { blocked: 'nearest Resize-10 with run-time scales: its rounding (floor when upsampling, ceil when downsampling) cannot be fixed' };
  }
  const values = Array.from(tensor.toArray() as Float32Array);
  if (values.every((s) => s >= 1)) return { nearest: 'floor' };
  if (values.every((s) => s <= 1)) return { nearest: 'ceil' };
  return { blocked: `nearest Resize-10 with scales [${values.map((s) => Number(s.toPrecision(6))).join(', ')}] that both up- and down-sample` };
}
