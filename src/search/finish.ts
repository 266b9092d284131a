/**
 * The last step of a search: pick the model to return from what was measured, and make sure it is
 * one users can run. The search's choice comes first; a candidate whose model does not load with
 * onnxruntime's default options (the validity gate) becomes a failed trial and the next best one
 * by the search's order is taken, so a run always ends with a valid model and an exact report.
 */
import { describeError, MixqError, RuntimeFailureError } from '../errors.js';
import { bf16AfterQuantization } from '../qdq/float-mix/index.js';
import { assertLoadsWithDefaults } from '../runtime/index.js';
import type { Evaluator, Measured } from './evaluator.js';
import { meets, type Target } from './targets.js';
import { describeLevels, type Direction, type Levels, type Trial, type TrialLog } from './trials.js';

export interface FinishContext {
  readonly log: TrialLog;
  readonly state: { readonly direction: Direction; readonly preferred: Levels | undefined };
  readonly target: Target;
  readonly reference: number | undefined;
  readonly evaluator: Evaluator;
  readonly withScore: boolean;
  readonly warn: (message: string) => void;
  /** Make the ops the plan left float BF16 (re-measured). */
  readonly useBf16: boolean;
}

export interface Finished {
  readonly trial: Trial;
  /** The returned model's measurement (after the BF16 pass when asked). */
  readonly measure: Measured;
  readonly met: boolean;
  readonly bf16Nodes: readonly string[];
}

export async function finishSearch(ctx: FinishContext): Promise<Finished> {
  let lastError: unknown;
  for (const trial of ctx.log.ranked(ctx.state.direction, ctx.state.preferred, ctx.target, ctx.reference)) {
    let measure = trial.measure;
    let bf16Nodes: string[] = [];
    if (ctx.useBf16) {
      // Ops the plan left float become BF16 (emulated Cast pairs); the final figures are re-measured.
      const converted = bf16AfterQuantization(measure.model, trial.plan.nodes);
      const m = await ctx.evaluator.tryMeasure({ model: converted.model, label: `BF16 form of ${describeLevels(trial.levels)}` }, ctx.withScore);
      if ('rejected' in m) {
        skip(ctx, trial, `its BF16 form failed to load: ${m.rejected}`);
        lastError = m.error;
        continue;
      }
      measure = m;
      bf16Nodes = converted.nodes.filter((n) => n.precision === 'bfloat16').map((n) => n.name);
    }
    try {
      await assertLoadsWithDefaults(measure.model, 'The mixed-precision model');
    } catch (error) {
      if (!(error instanceof MixqError && error.code === 'INVALID_OUTPUT')) throw error;
      skip(ctx, trial, describeError(error));
      lastError = error;
      continue;
    }
    return { trial, measure, met: meets(ctx.target, measure, ctx.reference), bf16Nodes };
  }
  if (lastError instanceof MixqError) throw lastError;
  throw new RuntimeFailureError(`No candidate model could be used: ${describeError(lastError)}`, { cause: lastError });
}

function skip(ctx: FinishContext, trial: Trial, reason: string): void {
  const failed = ctx.log.reject(trial.levels, reason);
  ctx.warn(`Skipped a candidate that cannot be returned (${failed.candidate}): ${failed.reason}`);
}
