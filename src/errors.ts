/**
 * Every error mixq throws on purpose is a MixqError: it has a stable `code` (part of the public API,
 * listed in README) and a message that says what went wrong and what to do about it.
 * This module imports nothing, so every layer may use it.
 */
export type MixqErrorCode =
  | 'INVALID_ARGUMENT'
  | 'FILE_NOT_FOUND'
  | 'FILE_UNREADABLE'
  | 'FILE_UNWRITABLE'
  | 'NOT_ONNX'
  | 'CORRUPT_MODEL'
  | 'UNSUPPORTED_IR_VERSION'
  | 'UNSUPPORTED_OPSET'
  | 'EXTERNAL_DATA_MISSING'
  | 'EXTERNAL_DATA_INVALID'
  | 'INVALID_GRAPH'
  | 'UNKNOWN_NAME'
  | 'INVALID_CONFIG'
  | 'CALIBRATION_DATA'
  | 'RUNTIME_FAILURE'
  | 'EVALUATE_FAILED'
  | 'TARGET_NOT_MET'
  | 'UNSUPPORTED_TYPE'
  | 'INVALID_OUTPUT';

export class MixqError extends Error {
  readonly code: MixqErrorCode;
  /** What the user can do about it; also included at the end of `message`. */
  readonly hint: string | undefined;

  constructor(code: MixqErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(options.hint ? `${message}\n  hint: ${options.hint}` : message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}

/** Bad argument or option passed to an API function. */
export class InvalidArgumentError extends MixqError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('INVALID_ARGUMENT', message, options);
  }
}

/** A file (model, data, map) could not be read or written. */
export class FileError extends MixqError {
  readonly path: string;
  constructor(
    code: 'FILE_NOT_FOUND' | 'FILE_UNREADABLE' | 'FILE_UNWRITABLE',
    path: string,
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(code, message, options);
    this.path = path;
  }
}

/** The bytes are not a valid ONNX model, or use a feature we cannot read. */
export class ModelFormatError extends MixqError {
  readonly source: string;
  constructor(
    code: 'NOT_ONNX' | 'CORRUPT_MODEL' | 'UNSUPPORTED_IR_VERSION' | 'UNSUPPORTED_OPSET' | 'EXTERNAL_DATA_MISSING' | 'EXTERNAL_DATA_INVALID',
    source: string,
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(code, message, options);
    this.source = source;
  }
}

/** A graph is structurally wrong (dangling value, cycle, duplicate name...). */
export class GraphError extends MixqError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('INVALID_GRAPH', message, options);
  }
}

/** One or more names (tensors, nodes, op types) do not exist; `suggestions` maps each to near matches. */
export class UnknownNameError extends MixqError {
  readonly names: readonly string[];
  readonly suggestions: Readonly<Record<string, readonly string[]>>;
  constructor(kind: string, names: readonly string[], suggestions: Readonly<Record<string, readonly string[]>>, hint?: string) {
    const parts = names.map((n) => {
      const near = suggestions[n] ?? [];
      return near.length > 0 ? `'${n}' (did you mean ${near.map((s) => `'${s}'`).join(', ')}?)` : `'${n}'`;
    });
    super('UNKNOWN_NAME', `Unknown ${kind}${names.length > 1 ? 's' : ''}: ${parts.join(', ')}`, {
      hint: hint ?? `Check the spelling; \`mixq inspect <model>\` lists the ${kind}s of a model.`,
    });
    this.names = names;
    this.suggestions = suggestions;
  }
}

/** A configuration object is inconsistent (conflicting options, name listed twice, ...). */
export class ConfigError extends MixqError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('INVALID_CONFIG', message, options);
  }
}

/** Calibration data is missing, malformed, or does not match the model's inputs. */
export class CalibrationDataError extends MixqError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('CALIBRATION_DATA', message, options);
  }
}

/** onnxruntime refused to load or run a model. */
export class RuntimeFailureError extends MixqError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('RUNTIME_FAILURE', message, options);
  }
}

/** A user-supplied evaluate function threw or returned an invalid score. */
export class EvaluateError extends MixqError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('EVALUATE_FAILED', message, options);
  }
}

/** A data type the operation cannot handle. */
export class UnsupportedTypeError extends MixqError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('UNSUPPORTED_TYPE', message, options);
  }
}

/** A model mixq built does not load in onnxruntime with default session options (a mixq bug). */
export class InvalidOutputError extends MixqError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('INVALID_OUTPUT', message, options);
  }
}

/** Formats an unknown thrown value as one line (for wrapping causes into MixqError messages). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}
