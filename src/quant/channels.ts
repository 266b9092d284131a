/** Layout of a row-major tensor seen as [outer, channels, inner] around one axis. */
import { InvalidArgumentError } from '../errors.js';

export interface ChannelSpec {
  readonly dims: readonly number[];
  /** Channel axis; negative counts from the end, as in ONNX. */
  readonly axis: number;
}

export interface ChannelLayout {
  readonly axis: number;
  readonly outer: number;
  readonly channels: number;
  readonly inner: number;
}

/** Validates `axis` against `dims` (and the element count when given) and splits the shape. */
export function channelLayout(spec: ChannelSpec, length?: number): ChannelLayout {
  const rank = spec.dims.length;
  const axis = spec.axis < 0 ? spec.axis + rank : spec.axis;
  if (!Number.isInteger(axis) || axis < 0 || axis >= rank) {
    throw new InvalidArgumentError(`Channel axis ${spec.axis} is out of range for a tensor of rank ${rank}.`, {
      hint: `Use an axis in [${-rank}, ${rank - 1}].`,
    });
  }
  const product = (ds: readonly number[]) => ds.reduce((a, b) => a * b, 1);
  const layout = { axis, outer: product(spec.dims.slice(0, axis)), channels: spec.dims[axis]!, inner: product(spec.dims.slice(axis + 1)) };
  const count = layout.outer * layout.channels * layout.inner;
  if (length !== undefined && count !== length) {
    throw new InvalidArgumentError(`Shape [${spec.dims.join(', ')}] has ${count} elements but the data has ${length}.`);
  }
  return layout;
}

/**
 * Calls `visit(channel, start, end)` for every contiguous run of elements that belong to one
 * channel; hot loops then run over plain index ranges instead of dividing per element.
 */
export function forEachChannelRun(layout: ChannelLayout, visit: (channel: number, start: number, end: number) => void): void {
  for (let o = 0; o < layout.outer; o++) {
    for (let c = 0; c < layout.channels; c++) {
      const start = (o * layout.channels + c) * layout.inner;
      visit(c, start, start + layout.inner);
    }
  }
}
