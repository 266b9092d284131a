import { MixqError, type MixqErrorCode } from '../errors.js';

/** Process exit codes (documented in README). */
export const EXIT = {
  ok: 0,
  /** A bug or an unexpected failure (please report it). */
  internal: 1,
  /** Bad input: missing/corrupt file, bad option, unknown name, bad calibration data. */
  badInput: 2,
  /** The accuracy target could not be met (the best model found is still saved). */
  targetNotMet: 3,
  /** onnxruntime could not load or run a model. */
  runtime: 4,
  /** A user-supplied evaluate function failed. */
  evaluate: 5,
} as const;

export function exitCodeFor(error: unknown): number {
  if (!(error instanceof MixqError)) return EXIT.internal;
  const byCode: Partial<Record<MixqErrorCode, number>> = {
    TARGET_NOT_MET: EXIT.targetNotMet,
    RUNTIME_FAILURE: EXIT.runtime,
    // A model mixq built that onnxruntime's default session rejects: a runtime failure, not bad input.
    INVALID_OUTPUT: EXIT.runtime,
    EVALUATE_FAILED: EXIT.evaluate,
  };
  return byCode[error.code] ?? EXIT.badInput;
}
