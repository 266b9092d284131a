/**
 * Accuracy-driven fallback of float mixed precision (Neural Compressor's idea, with a bisection
 * instead of a linear sweep):
 * 1. Score the FP32 model (baseline) and the full conversion. Done if the full conversion meets the goal.
 * 2. Measure each unit's harm by leave-one-out: convert everything except that unit (one evaluation
 *    each). Leave-one-out rather than convert-only-it, because harm shows in context: a unit that
 *    is harmless alone may be what tips an already degraded model over. If some single fallback
 *    already meets the goal, it is the smallest possible answer: stop.
 * 3. Order units by the score their fallback reached (most harmful first) and bisect for the
 *    smallest k such that falling back the k most harmful meets the goal. Falling back all units is
 *    the FP32 model, known to meet it, so bisection needs at most ⌈log2 N⌉ evaluations.
 * Total: at most 2 + N + ⌈log2 N⌉ evaluations for N units. A unit is a converted node (granularity
 * 'node') or a connected 16-bit region ('region': fewer units, coarser answers). Clear ops are never
 * units on their own: they do no arithmetic, so they cannot be what hurts.
 * The evaluation budget and the timeout stop the search early; the result is then the smallest
 * fallback known to meet the goal (at worst: everything back to FP32).
 * It runs on the search engine shared with the INT8/INT16 search: the same Evaluator (a candidate
 * that cannot be built or loaded is a failed trial), evaluate contract, Budget and bisection.
 */
import { ConfigError, describeError, GraphError, MixqError } from '../errors.js';
import type { Graph, Model } from '../ir/index.js';
import { convertFloatMix, type FloatMixOptions, type FloatMixResult } from '../qdq/float-mix/index.js';
import { Budget } from './budget.js';
import { Evaluator } from './evaluator.js';
import { checkGoal, meetsGoal, type AccuracyGoal, type Criterion, type EvaluateFunction } from './float-fallback-eval.js';
import { smallestPassingPrefix } from './strategy.js';
import type { FailedTrial } from './trials.js';
import { UnionFind } from './union-find.js';

export type FallbackGranularity = 'node' | 'region';

export interface FloatFallbackOptions {
  /** How to convert (precision, lists, forced nodes); candidates are always built in emulated form. */
  readonly conversion: Omit<FloatMixOptions, 'form' | 'fallbackNodes'>;
  readonly evaluate: EvaluateFunction;
  /** Default 0.01. */
  readonly tolerableLoss?: number;
  /** Default 'relative'. */
  readonly criterion?: Criterion;
  readonly scoreRange?: readonly [number, number];
  /** At least 2 (baseline and full conversion). Default: no limit. */
  readonly maxEvaluations?: number;
  /** Checked before each evaluation after the first two. Default: no limit. */
  readonly timeoutMs?: number;
  readonly granularity?: FallbackGranularity;
  readonly onEvaluation?: (event: FallbackEvaluation & { readonly evaluations: number }) => void;
}

export interface FallbackEvaluation {
  readonly label: string;
  /** Node names put back to FP32 in this candidate. */
  readonly fallback: readonly string[];
  readonly score: number;
  readonly meetsGoal: boolean;
}

export interface FloatFallbackResult {
  /** Node names to put back to FP32 (pass them as `fallbackNodes` to convertFloatMix). */
  readonly fallbackNodes: readonly string[];
  readonly baseline: number;
  readonly fullScore: number;
  /** Score of the chosen candidate (the baseline when everything fell back). */
  readonly finalScore: number;
  readonly targetMet: boolean;
  readonly evaluations: number;
  /** Fallback units considered. */
  readonly units: number;
  /** Leave-one-out scores, most harmful unit first. */
  readonly impacts: readonly { readonly nodes: readonly string[]; readonly score: number }[];
  readonly history: readonly FallbackEvaluation[];
  /** Candidates onnxruntime could not load (skipped: they count as missing the goal). */
  readonly failedTrials: readonly FailedTrial[];
  /** Why the search ended before finishing, if it did ('error': see `error`). */
  readonly stoppedBy?: 'budget' | 'timeout' | 'error';
  /** The error that ended the search after the full conversion was scored (the result is the best model known). */
  readonly error?: { readonly reason: string; readonly code?: string };
}

interface Unit {
  readonly nodes: readonly string[];
  score?: number;
}

interface Choice {
  readonly fallback: readonly string[];
  readonly score: number;
  readonly met: boolean;
}

export async function searchFloatFallback(prepared: Model, options: FloatFallbackOptions): Promise<FloatFallbackResult> {
  const goal = checkGoal(options.tolerableLoss, options.criterion);
  const maxEvaluations = checkBudget(options.maxEvaluations);
  checkTimeout(options.timeoutMs);
  const evaluator = await Evaluator.create(prepared, { evaluate: options.evaluate, ...(options.scoreRange ? { scoreRange: options.scoreRange } : {}) });
  const budget = new Budget(() => evaluator.evaluations, maxEvaluations, options.timeoutMs);
  return new FallbackSearch(prepared, options, goal, evaluator, budget).run();
}

class FallbackSearch {
  private readonly history: FallbackEvaluation[] = [];
  private readonly failed: FailedTrial[] = [];
  private baseline = 0;
  private error: { reason: string; code?: string } | undefined;

  constructor(
    private readonly prepared: Model,
    private readonly options: FloatFallbackOptions,
    private readonly goal: AccuracyGoal,
    private readonly evaluator: Evaluator,
    private readonly budget: Budget,
  ) {}

  async run(): Promise<FloatFallbackResult> {
    // Converting first surfaces configuration errors (lists, names) before the user's evaluate runs.
    const full = this.convert([]);
    this.baseline = await this.evaluator.scoreFloat('fp32 baseline');
    const fullScore = await this.evaluate(full, 'full conversion', []);
    if (fullScore !== undefined && this.meets(fullScore)) return this.result({ fallback: [], score: fullScore, met: true }, fullScore, []);
    const units = fallbackUnits(this.prepared.graph, full, this.options);
    try {
      const single = await this.measure(units);
      if (single) return this.result({ fallback: single.nodes, score: single.score!, met: true }, fullScore, units);
      const ordered = orderByHarm(units);
      return this.result(await this.bisect(ordered), fullScore, ordered);
    } catch (error) {
      // Errors up to the full conversion are the caller's to fix (they throw); after it, nothing is lost.
      this.error = { reason: describeError(error), ...(error instanceof MixqError ? { code: error.code } : {}) };
      return this.result(this.bestKnown(units), fullScore, orderByHarm(units));
    }
  }

  /** After an error: the smallest fallback measured to meet the goal, else every unit back (FP32), else the best seen. */
  private bestKnown(units: readonly Unit[]): Choice {
    const passing = this.history.filter((h) => h.meetsGoal).sort((a, b) => a.fallback.length - b.fallback.length)[0];
    if (passing) return { fallback: passing.fallback, score: passing.score, met: true };
    if (this.allFallBackIsFloat32()) return { fallback: units.flatMap((u) => u.nodes), score: this.baseline, met: true };
    return this.bestSeen();
  }

  private meets(score: number | undefined): boolean {
    return score !== undefined && meetsGoal(this.baseline, score, this.goal);
  }

  /** Leave-one-out per unit; returns the first unit whose fallback alone meets the goal. */
  private async measure(units: Unit[]): Promise<Unit | undefined> {
    for (const unit of units) {
      if (this.budget.exhausted()) return undefined;
      const score = await this.evaluate(this.convert(unit.nodes), `fallback of ${describeUnit(unit)}`, unit.nodes);
      if (score === undefined) continue;
      unit.score = score;
      if (this.meets(score)) return unit;
    }
    return undefined;
  }

  /** Smallest k such that the k most harmful units, put back, meet the goal (the engine's bisection). */
  private async bisect(ordered: readonly Unit[]): Promise<Choice> {
    const prefix = (k: number): string[] => ordered.slice(0, k).flatMap((u) => u.nodes);
    const n = ordered.length;
    const scores = new Map<number, number>();
    // Falling back every unit is the FP32 model unless some node is forced to 16 bits.
    const fullPasses = this.allFallBackIsFloat32();
    if (fullPasses) scores.set(n, this.baseline);
    const trial = async (idx: readonly number[]): Promise<boolean> => {
      const k = idx.length;
      const score = await this.evaluate(this.convert(prefix(k)), k === n ? 'fallback of every unit' : `fallback of the ${k} most harmful units`, prefix(k));
      if (score !== undefined) scores.set(k, score);
      return this.meets(score);
    };
    // k = 0 is the full conversion (failed); k = 1 failed too when the top unit was measured.
    const { k } = await smallestPassingPrefix(n, trial, this.budget, { failing: ordered[0]?.score !== undefined ? 1 : 0, fullPasses });
    return k === undefined ? this.bestSeen() : { fallback: prefix(k), score: scores.get(k)!, met: true };
  }

  /** With no node forced to 16 bits, falling back every unit leaves nothing converted: the FP32 model. */
  private allFallBackIsFloat32(): boolean {
    return (this.options.conversion.forceLowPrecision ?? []).length === 0;
  }

  /** Nothing met the goal: the best-scoring candidate seen, reported as such. */
  private bestSeen(): Choice {
    let best: FallbackEvaluation | undefined;
    for (const h of this.history) if (!best || h.score > best.score) best = h;
    return { fallback: best?.fallback ?? [], score: best?.score ?? this.baseline, met: false };
  }

  private convert(fallbackNodes: readonly string[]): FloatMixResult {
    return convertFloatMix(this.prepared, { ...this.options.conversion, form: 'emulated', fallbackNodes });
  }

  /** One evaluation; undefined when onnxruntime could not load the candidate (a failed trial). */
  private async evaluate(candidate: FloatMixResult, label: string, fallback: readonly string[]): Promise<number | undefined> {
    const convertedNodes = candidate.nodes.filter((d) => d.precision === 'bfloat16' || d.precision === 'float16').map((d) => d.name);
    const scored = await this.evaluator.tryScore({ model: candidate.model, label, convertedNodes });
    if ('rejected' in scored) {
      this.failed.push({ candidate: label, reason: scored.rejected });
      return undefined;
    }
    const entry = { label, fallback, score: scored.score, meetsGoal: this.meets(scored.score) };
    this.history.push(entry);
    this.options.onEvaluation?.({ ...entry, evaluations: this.evaluator.evaluations });
    return scored.score;
  }

  private result(choice: Choice, fullScore: number | undefined, units: readonly Unit[]): FloatFallbackResult {
    const impacts = units.filter((u) => u.score !== undefined).map((u) => ({ nodes: u.nodes, score: u.score! }));
    return {
      fallbackNodes: choice.fallback,
      baseline: this.baseline,
      fullScore: fullScore ?? NaN,
      finalScore: choice.score,
      targetMet: choice.met,
      evaluations: this.evaluator.evaluations,
      units: units.length,
      impacts: impacts.sort((a, b) => b.score - a.score),
      history: this.history,
      failedTrials: this.failed,
      ...(this.error ? { stoppedBy: 'error' as const, error: this.error } : {}),
      ...(!this.error && this.budget.stoppedBy ? { stoppedBy: this.budget.stoppedBy.kind === 'timeout' ? ('timeout' as const) : ('budget' as const) } : {}),
    };
  }
}

/** Units of fallback: converted non-clear nodes, or connected converted regions. */
function fallbackUnits(graph: Graph, full: FloatMixResult, options: FloatFallbackOptions): Unit[] {
  const forced = new Set(options.conversion.forceLowPrecision ?? []);
  const converted = full.nodes.filter((d) => d.precision === 'bfloat16' || d.precision === 'float16');
  const candidates = converted.filter((d) => !forced.has(d.name));
  if (candidates.some((d) => d.name === '')) {
    throw new GraphError('The accuracy-driven fallback needs every node named.', { hint: 'Call nameUnnamedNodes(model.graph) on the prepared copy first (mixPrecision does).' });
  }
  if ((options.granularity ?? 'node') === 'node') return candidates.filter((d) => d.list !== 'clear').map((d) => ({ nodes: [d.name] }));
  return connectedRegions(graph, new Set(candidates.map((d) => d.name)));
}

/** Groups converted nodes that exchange 16-bit values, in graph order. */
function connectedRegions(graph: Graph, low: ReadonlySet<string>): Unit[] {
  const regions = new UnionFind<string>();
  const members = graph.nodes.filter((n) => low.has(n.name));
  for (const n of members) regions.add(n.name);
  for (const n of members) {
    for (const v of n.inputs) {
      const p = v?.producer;
      if (p && low.has(p.name)) regions.union(p.name, n.name);
    }
  }
  return regions.groups().map((nodes) => ({ nodes }));
}

/** Most harmful first: the higher the score without it, the more it hurt. Unmeasured units last. */
function orderByHarm(units: readonly Unit[]): Unit[] {
  const indexed = units.map((u, i) => ({ u, i }));
  indexed.sort((a, b) => (b.u.score ?? -Infinity) - (a.u.score ?? -Infinity) || a.i - b.i);
  return indexed.map(({ u }) => u);
}

function describeUnit(unit: Unit): string {
  const first = unit.nodes[0] ?? '';
  return unit.nodes.length === 1 ? `'${first}'` : `region '${first}' (+${unit.nodes.length - 1})`;
}

/** Gives every unnamed node of the main graph a unique name (fallback works by node name). */
export function nameUnnamedNodes(graph: Graph): number {
  let named = 0;
  for (const node of graph.nodes) {
    if (node.name !== '') continue;
    node.name = graph.uniqueName(`${node.opType}_${named}`);
    graph.reserveName(node.name);
    named++;
  }
  return named;
}

function checkBudget(max: number | undefined): number | undefined {
  if (max === undefined) return undefined;
  if (!Number.isInteger(max) || max < 2) throw new ConfigError(`maxEvaluations must be an integer ≥ 2 (the baseline and the full conversion), not ${String(max)}.`);
  return max;
}

function checkTimeout(ms: number | undefined): void {
  if (ms !== undefined && (typeof ms !== 'number' || !(ms > 0))) throw new ConfigError(`timeoutMs must be a positive number of milliseconds, not ${String(ms)}.`);
}
