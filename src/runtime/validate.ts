/**
 * The validity gate: every model mixq returns or writes must load in onnxruntime with its DEFAULT
 * session options (graph optimisation 'all', QDQ fusion), which is what users run. Evaluations use
 * 'disabled', so a model can run there and still fail here (e.g. QLinearConv fused at opset 9).
 */
import { describeError, InvalidOutputError, MixqError } from '../errors.js';
import type { Model } from '../ir/index.js';
import { ModelSession } from './session.js';

/**
 * Creates and closes a default-options session over `model`; throws InvalidOutputError (code
 * INVALID_OUTPUT) naming `what` and onnxruntime's message when it cannot be created.
 */
export async function assertLoadsWithDefaults(model: Model, what: string): Promise<void> {
  let session: ModelSession;
  try {
    session = await ModelSession.create(model);
  } catch (error) {
    // A MixqError other than onnxruntime's refusal (e.g. external data missing) is not ours to rename.
    if (error instanceof MixqError && error.code !== 'RUNTIME_FAILURE') throw error;
    const said = describeError(error instanceof MixqError && error.cause !== undefined ? error.cause : error);
    throw new InvalidOutputError(`${what} does not load in onnxruntime with default session options: ${said}`, {
      hint: 'This is a mixq bug: please report it with the model. Meanwhile, keep the failing layers float (mixedPrecisionTensor Float32 / --mixed), or convert the model to a newer opset (13 or later) before quantizing.',
      cause: error,
    });
  }
  await session.close();
}
