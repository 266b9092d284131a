// Temporary: minmax only until the histogram collectors land.
export interface CollectorOptions {
  readonly percentile?: number;
  readonly bins?: number;
}
export interface RangeCollector {
  readonly method: 'minmax' | 'percentile' | 'entropy' | 'mse';
  update(data: Float32Array): void;
  range(): { min: number; max: number };
}
export function createCollector(method: RangeCollector['method'], _options: CollectorOptions = {}): RangeCollector {
  if (method !== 'minmax') throw new Error(`collector ${method} not yet available`);
  let min = Infinity;
  let max = -Infinity;
  return {
    method,
    update(data) {
      for (let i = 0; i < data.length; i++) {
        const v = data[i]!;
        if (v < min) min = v;
        if (v > max) max = v;
      }
    },
    range: () => (min === Infinity ? { min: 0, max: 0 } : { min, max }),
  };
}
