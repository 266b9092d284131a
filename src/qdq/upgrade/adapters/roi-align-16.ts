import { stringAttr } from '../../../ir/index.js';
import type { Adapter } from '../types.js';

/** RoiAlign-16 added coordinate_transformation_mode, default half_pixel; RoiAlign-10 behaved as output_half_pixel. */
export const roiAlign16: Adapter = {
  opType: 'RoiAlign',
  version: 16,
  apply(node) {
    if (node.attributes.has('coordinate_transformation_mode')) return {};
    node.setAttribute(stringAttr('coordinate_transformation_mode', 'output_half_pixel'));
    return { what: 'coordinate_transformation_mode=output_half_pixel' };
  },
};
