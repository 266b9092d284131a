import type { Adapter } from '../types.js';

/** Resize-13 dropped the tf_half_pixel_for_nn coordinate mode, which no remaining mode reproduces. */
export const resize13: Adapter = {
  opType: 'Resize',
  version: 13,
  apply(node) {
    const mode = node.attrString('coordinate_transformation_mode');
    if (mode === 'tf_half_pixel_for_nn') return { blocked: "coordinate_transformation_mode 'tf_half_pixel_for_nn' no longer exists at 13" };
    return {};
  },
};
