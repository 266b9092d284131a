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
 */
import { ConfigError, GraphError } from '../errors.js';
import type { Graph, Model, Node } from '../ir/index.js';
import { convertFloatMix, type FloatMixOptions, type FloatMixResult } from '../qdq/float-mix/index.js';
import { CandidateEvaluator, checkGoal, meetsGoal, type AccuracyGoal, type Criterion, type EvaluateFunction } from './float-fallback-eval.js';

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
  /** Why the search ended before finishing, if it did. */
  readonly stoppedBy?: 'budget' | 'timeout';
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
  return new FallbackSearch(prepared, options).run();
}

class FallbackSearch {
  private readonly goal: AccuracyGoal;
  private readonly evaluator: CandidateEvaluator;
  private readonly history: FallbackEvaluation[] = [];
  private readonly deadline: number;
  private readonly budget: number;
  private stoppedBy: 'budget' | 'timeout' | undefined;
  private baseline = 0;

  constructor(
    private readonly prepared: Model,
    private readonly options: FloatFallbackOptions,
  ) {
    this.goal = checkGoal(options.tolerableLoss, options.criterion);
    this.evaluator = new CandidateEvaluator(options.evaluate, options.scoreRange ? { scoreRange: options.scoreRange } : {});
    this.budget = checkBudget(options.maxEvaluations);
    this.deadline = Date.now() + checkTimeout(options.timeoutMs);
  }

  async run(): Promise<FloatFallbackResult> {
    // Converting first surfaces configuration errors (lists, names) before the user's evaluate runs.
    const full = this.convert([]);
    this.baseline = await this.evaluator.score(this.prepared, 'fp32 baseline', []);
    const fullScore = await this.evaluate(full, 'full conversion', []);
    if (this.meets(fullScore)) return this.result({ fallback: [], score: fullScore, met: true }, fullScore, []);
    const units = fallbackUnits(this.prepared.graph, full, this.options);
    const single = await this.measure(units);
    if (single) return this.result({ fallback: single.nodes, score: single.score!, met: true }, fullScore, units);
    const ordered = orderByHarm(units);
    return this.result(await this.bisect(ordered), fullScore, ordered);
  }

  private meets(score: number): boolean {
    return meetsGoal(this.baseline, score, this.goal);
  }

  /** Leave-one-out per unit; returns the first unit whose fallback alone meets the goal. */
  private async measure(units: Unit[]): Promise<Unit | undefined> {
    for (const unit of units) {
      if (!this.mayEvaluate()) return undefined;
      unit.score = await this.evaluate(this.convert(unit.nodes), `fallback of ${describeUnit(unit)}`, unit.nodes);
      if (this.meets(unit.score)) return unit;
    }
    return undefined;
  }

  /** Smallest k such that the k most harmful units, put back, meet the goal. */
  private async bisect(ordered: readonly Unit[]): Promise<Choice> {
    const prefix = (k: number): string[] => ordered.slice(0, k).flatMap((u) => u.nodes);
    const n = ordered.length;
    // k = 0 is the full conversion (failed); k = 1 failed too when the top unit was measured.
    let lo = ordered[0]?.score !== undefined ? 1 : 0;
    let hi: Choice | undefined = this.allFallBackIsFloat32() ? { fallback: prefix(n), score: this.baseline, met: true } : undefined;
    let hiK = n;
    if (hi === undefined) {
      // Nodes forced to 16 bits stay converted: even "everything back" must be checked.
      if (!this.mayEvaluate()) return this.bestSeen();
      const score = await this.evaluate(this.convert(prefix(n)), 'fallback of every unit', prefix(n));
      if (!this.meets(score)) return this.bestSeen();
      hi = { fallback: prefix(n), score, met: true };
    }
    while (hiK - lo > 1 && this.mayEvaluate()) {
      const mid = Math.floor((lo + hiK) / 2);
      const score = await this.evaluate(this.convert(prefix(mid)), `fallback of the ${mid} most harmful units`, prefix(mid));
      if (this.meets(score)) [hi, hiK] = [{ fallback: prefix(mid), score, met: true }, mid];
      else lo = mid;
    }
    return hi;
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

  private mayEvaluate(): boolean {
    if (this.evaluator.count >= this.budget) this.stoppedBy = 'budget';
    else if (Date.now() >= this.deadline) this.stoppedBy = 'timeout';
    return this.stoppedBy === undefined;
  }

  private convert(fallbackNodes: readonly string[]): FloatMixResult {
    return convertFloatMix(this.prepared, { ...this.options.conversion, form: 'emulated', fallbackNodes });
  }

  private async evaluate(candidate: FloatMixResult, label: string, fallback: readonly string[]): Promise<number> {
    const converted = candidate.nodes.filter((d) => d.precision === 'bfloat16' || d.precision === 'float16').map((d) => d.name);
    const score = await this.evaluator.score(candidate.model, label, converted);
    const entry = { label, fallback, score, meetsGoal: this.meets(score) };
    this.history.push(entry);
    this.options.onEvaluation?.({ ...entry, evaluations: this.evaluator.count });
    return score;
  }

  private result(choice: Choice, fullScore: number, units: readonly Unit[]): FloatFallbackResult {
    const impacts = units.filter((u) => u.score !== undefined).map((u) => ({ nodes: u.nodes, score: u.score! }));
    return {
      fallbackNodes: choice.fallback,
      baseline: this.baseline,
      fullScore,
      finalScore: choice.score,
      targetMet: choice.met,
      evaluations: this.evaluator.count,
      units: units.length,
      impacts: impacts.sort((a, b) => b.score - a.score),
      history: this.history,
      ...(this.stoppedBy ? { stoppedBy: this.stoppedBy } : {}),
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
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(x, root);
    return root;
  };
  const members = graph.nodes.filter((n) => low.has(n.name));
  for (const n of members) parent.set(n.name, n.name);
  for (const n of members) {
    for (const v of n.inputs) {
      const p: Node | undefined = v?.producer;
      if (p && low.has(p.name)) parent.set(find(n.name), find(p.name));
    }
  }
  const groups = new Map<string, string[]>();
  for (const n of members) {
    const root = find(n.name);
    groups.set(root, [...(groups.get(root) ?? []), n.name]);
  }
  return [...groups.values()].map((nodes) => ({ nodes }));
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

function checkBudget(max: number | undefined): number {
  if (max === undefined) return Infinity;
  if (!Number.isInteger(max) || max < 2) throw new ConfigError(`maxEvaluations must be an integer ≥ 2 (the baseline and the full conversion), not ${String(max)}.`);
  return max;
}

function checkTimeout(ms: number | undefined): number {
  if (ms === undefined) return Infinity;
  if (typeof ms !== 'number' || !(ms > 0)) throw new ConfigError(`timeoutMs must be a positive number of milliseconds, not ${String(ms)}.`);
  return ms;
}
