import { stringAttr } from '../../../ir/index.js';
import type { Adapter } from '../types.js';

const RENAMED: Record<string, string> = { bilinear: 'linear', bicubic: 'cubic' };

/** GridSample-20 renamed its modes (bilinear → linear, bicubic → cubic); the default stays linear interpolation. */
export const gridSample20: Adapter = {
  opType: 'GridSample',
  version: 20,
  apply(node) {
    const mode = node.attrString('mode');
    const renamed = mode === undefined ? undefined : RENAMED[mode];
    if (!renamed) return {};
    node.setAttribute(stringAttr('mode', renamed));
    return { what: `mode ${mode} → ${renamed}` };
  },
};
