/**
 * Candidates run through one session. Narrowing layer groups A16 → A8 changes constants only (Q/DQ
 * scales and zero points, the biases quantized with a narrowed input scale), so the wide model with
 * those constants as inputs (qdq/parametric.ts) runs every such candidate: no model to serialize,
 * load and warm up per candidate, and the samples are read from the data once. The metrics are
 * those of the candidates' own models, to the bit (test/qdq/parametric.test.ts,
 * test/search/shared-candidates.test.ts).
 *
 * The search uses it for what only ranks or guides, on the sensitivity samples: each group's
 * sensitivity, and a look at prefix candidates before the bisection (subset-guide.ts). Decisions
 * to accept a candidate are still made on its own model over all the data.
 *
 * A group whose narrowed model is not a constants-only variant of the wide model (another
 * structure, or a big change such as re-quantized weights), or that inspectCandidate vetoes, is
 * left to the caller, which builds and loads it on its own.
 */
import type { Model } from '../ir/index.js';
import { diffConstants, parametricModel, type ConstantsDiff, type ParametricModel } from '../qdq/parametric.js';
import type { CandidateGroup } from './candidates.js';
import type { Evaluator, SharedRuns } from './evaluator.js';
import type { OutputMetrics } from './metrics.js';

/** A group whose differing constants exceed this is measured on its own (its feeds would be copied per run). */
const MAX_VARIANT_BYTES = 1024 * 1024;

type ConstantsOnly = Extract<ConstantsDiff, { kind: 'constants' }>;

export interface SharedCandidatesInput {
  readonly groups: readonly CandidateGroup[];
  /** The wide model, built. */
  readonly wide: Model;
  /** The model with only this group narrowed, built (may throw: the group is then left to the caller). */
  readonly narrowedAlone: (group: CandidateGroup) => Model;
  readonly evaluator: Evaluator;
  /** Samples to run on (absent: all). */
  readonly samples: number | undefined;
  readonly inspectCandidate?: (model: Model) => void;
}

export class SharedCandidates {
  /** Candidates measured through measure() (the search's looks), each one evaluation. */
  looks = 0;

  private constructor(
    private readonly wide: Model,
    private readonly shared: ParametricModel,
    private readonly runs: SharedRuns,
    private readonly variants: ReadonlyMap<string, ConstantsOnly>,
    /** Groups this session cannot run (measure them one by one). */
    readonly left: readonly CandidateGroup[],
  ) {}

  /** Opens the session; undefined when no group is a constants-only variant or the shared model would not load. */
  static async open(input: SharedCandidatesInput): Promise<SharedCandidates | undefined> {
    const left: CandidateGroup[] = [];
    const variants = new Map<string, ConstantsOnly>();
    for (const group of input.groups) {
      const diff = constantsDiffOf(input, group);
      if (diff?.kind === 'constants' && diff.bytes <= MAX_VARIANT_BYTES) variants.set(group.id, diff);
      else left.push(group);
    }
    if (variants.size === 0) return undefined;
    const shared = parametricModel(input.wide, [...variants.values()]);
    const runs = await input.evaluator.openShared(shared.model, input.samples);
    if ('rejected' in runs) return undefined;
    return new SharedCandidates(input.wide, shared, runs, variants, left);
  }

  /** Whether this session can measure the group narrowed alone. */
  has(group: CandidateGroup): boolean {
    return this.variants.has(group.id);
  }

  /** Metrics of the group narrowed alone (one evaluation on the session's samples). */
  measureAlone(group: CandidateGroup): Promise<OutputMetrics> {
    const diff = this.variants.get(group.id);
    if (!diff) throw new Error(`Group '${group.id}' is not in the shared session.`);
    return this.runs.metrics(this.shared.feedsFor(diff));
  }

  /** Metrics of any candidate the session can represent (one evaluation), else undefined (nothing ran). */
  async measure(candidate: Model): Promise<OutputMetrics | undefined> {
    const diff = diffConstants(this.wide, candidate);
    if (diff.kind !== 'constants' || !this.shared.covers(diff)) return undefined;
    this.looks++;
    return this.runs.metrics(this.shared.feedsFor(diff));
  }

  close(): Promise<void> {
    return this.runs.close();
  }
}

function constantsDiffOf(input: SharedCandidatesInput, group: CandidateGroup): ConstantsDiff | undefined {
  try {
    const model = input.narrowedAlone(group);
    input.inspectCandidate?.(model);
    return diffConstants(input.wide, model);
  } catch {
    // Planning, building or the veto failed: measuring it alone reports why.
    return undefined;
  }
}
