import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeFor } from '../../src/cli/exit-codes.js';
import { ConfigError, EvaluateError, InvalidOutputError, MixqError, RuntimeFailureError } from '../../src/errors.js';

describe('exit codes', () => {
  it('map each error family to its documented code', () => {
    expect(exitCodeFor(new ConfigError('x'))).toBe(EXIT.badInput);
    expect(exitCodeFor(new MixqError('TARGET_NOT_MET', 'x'))).toBe(EXIT.targetNotMet);
    expect(exitCodeFor(new RuntimeFailureError('x'))).toBe(EXIT.runtime);
    expect(exitCodeFor(new EvaluateError('x'))).toBe(EXIT.evaluate);
    expect(exitCodeFor(new Error('bug'))).toBe(EXIT.internal);
  });

  it('a model mixq built that onnxruntime rejects with default options is a runtime failure (4), not bad input', () => {
    expect(exitCodeFor(new InvalidOutputError('QLinearConv at opset 9'))).toBe(4);
  });
});
