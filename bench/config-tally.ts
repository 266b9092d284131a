import type { AutoMixedPrecisionResult } from '../src/api/auto-mixed-precision.js';

/** Layer groups by chosen config ('A8W8', 'A16W16', 'bfloat16'...), for the bench tables. */
export function configTally(layers: AutoMixedPrecisionResult['layers']): Record<string, number> {
  const configs: Record<string, number> = {};
  for (const l of layers) {
    const key = l.activation === 'bfloat16' || l.activation === 'float32' ? l.activation : `A${l.activation.replace(/\D/g, '')}W${l.weight.replace(/\D/g, '')}`;
    configs[key] = (configs[key] ?? 0) + 1;
  }
  return configs;
}

/** The cost side of a run for the weight-precision tables: bytes, latency, the Pareto front, effort. */
export function costFigures(r: AutoMixedPrecisionResult, startedMs: number) {
  return {
    bytes: { float: r.cost.float.bytes, wide: r.cost.wide?.bytes, final: r.cost.final.bytes },
    latencyMs: { float: r.cost.float.latencyMs, wide: r.cost.wide?.latencyMs, final: r.cost.final.latencyMs },
    chosenPointLatencyMs: r.pareto.find((p) => p.chosen)?.latencyMs,
    paretoPoints: r.pareto.length,
    frontTimed: r.pareto.filter((p) => p.latencyMs !== undefined).length,
    evaluations: r.evaluations,
    wallSeconds: (Date.now() - startedMs) / 1000,
  };
}
