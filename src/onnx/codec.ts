/**
 * ModelProto bytes <-> decoded message objects, with every failure turned into a ModelFormatError
 * that names the file and says what to do.
 *
 * Decoding keeps bytes fields (raw_data, ...) as views into `bytes` (no copy; they may be unaligned,
 * so copy before viewing them as Float32Array etc.) and keeps fields the schema does not know as raw
 * bytes (`$unknowns`) so that encoding writes them back: nothing a newer exporter wrote is dropped.
 */
import protobuf from 'protobufjs';
import { InvalidArgumentError, ModelFormatError, describeError } from '../errors.js';
import { longToBigInt } from './long.js';
import type { ModelProto } from './proto-types.js';
import { ModelProtoType, SCHEMA_IR_VERSION } from './schema.js';
import { sniffForeignFormat, startsLikeModelProto } from './sniff.js';

/** IR 3 introduced opset_import; older models cannot say which operator versions they mean. */
export const MIN_SUPPORTED_IR_VERSION = 3;
/** The newest IR version our schema describes in full. */
export const MAX_SUPPORTED_IR_VERSION = SCHEMA_IR_VERSION;
/** protobuf messages are limited to 2 GiB - 1 bytes (ONNX Runtime and onnx refuse larger ones). */
export const MAX_PROTO_BYTES = 2 ** 31 - 1;

const REEXPORT_HINT =
  'Re-export or re-download the model; if it was copied or uploaded, compare its size and checksum with the original.';

function corrupt(source: string, what: string, hint = REEXPORT_HINT, cause?: unknown): ModelFormatError {
  return new ModelFormatError('CORRUPT_MODEL', source, `'${source}' is a damaged ONNX model: ${what}.`, {
    hint,
    ...(cause === undefined ? {} : { cause }),
  });
}

function notOnnx(source: string, what: string, hint: string, cause?: unknown): ModelFormatError {
  return new ModelFormatError('NOT_ONNX', source, `'${source}' is not an ONNX model: ${what}.`, {
    hint,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Turns a protobufjs (or engine) error into a short, user-facing reason. */
function describeDecodeFailure(error: unknown): string {
  const msg = describeError(error);
  if (/index out of range/i.test(msg)) return `a field runs past the end of the data (file truncated or damaged) [${msg}]`;
  if (/invalid wire type|illegal tag|end group/i.test(msg)) return `the protobuf structure is invalid [${msg}]`;
  if (/utf-?8/i.test(msg)) return 'a name or text field holds bytes that are not valid UTF-8';
  if (/max depth exceeded|call stack/i.test(msg)) return 'messages are nested deeper than protobuf allows (100 levels)';
  if (/invalid array length|allocation failed|out of memory/i.test(msg)) return `a field claims an impossible size [${msg}]`;
  return `protobuf decoding failed [${msg}]`;
}

function has(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/**
 * Decodes a binary ONNX ModelProto. `source` names the file (or other origin) in error messages.
 * Throws ModelFormatError: NOT_ONNX (empty, another format, or no trace of a model),
 * CORRUPT_MODEL (damaged: truncated, invalid structure, invalid UTF-8, no graph or opset),
 * UNSUPPORTED_IR_VERSION (below 3 or above the newest we know).
 */
export function decodeModelProto(bytes: Uint8Array, source: string): ModelProto {
  if (bytes.length === 0) {
    throw notOnnx(source, 'the file is empty', 'Check that the export or download finished; the file has 0 bytes.');
  }
  const foreign = sniffForeignFormat(bytes);
  if (foreign) throw notOnnx(source, `it looks like ${foreign.what}`, foreign.hint);

  let model: ModelProto;
  try {
    const reader = protobuf.Reader.create(bytes);
    // Keep unknown fields (raw bytes, re-emitted by the encoder) instead of silently dropping them.
    reader.discardUnknown = false;
    model = ModelProtoType.decode(reader) as unknown as ModelProto;
  } catch (error) {
    if (!startsLikeModelProto(bytes)) {
      throw notOnnx(source, 'its bytes are not a protobuf ModelProto', 'Pass a binary .onnx model file.', error);
    }
    throw corrupt(source, describeDecodeFailure(error), REEXPORT_HINT, error);
  }
  checkModelHeader(model, source);
  return model;
}

function checkModelHeader(model: ModelProto, source: string): void {
  const hasIr = has(model, 'ir_version');
  const hasGraph = has(model, 'graph') && model.graph != null;
  if (!hasIr && !hasGraph) {
    throw notOnnx(
      source,
      'it has neither an ir_version nor a graph',
      'The bytes happen to parse as protobuf but hold no ONNX model; pass a binary .onnx model file.',
    );
  }
  if (!hasIr || model.ir_version === undefined) {
    throw corrupt(source, 'it has a graph but no ir_version (required by the ONNX format)');
  }
  const ir = longToBigInt(model.ir_version);
  if (ir < BigInt(MIN_SUPPORTED_IR_VERSION) || ir > BigInt(MAX_SUPPORTED_IR_VERSION)) {
    const newer = ir > BigInt(MAX_SUPPORTED_IR_VERSION);
    throw new ModelFormatError(
      'UNSUPPORTED_IR_VERSION',
      source,
      `'${source}' uses ONNX IR version ${ir}; mixq reads IR versions ${MIN_SUPPORTED_IR_VERSION} to ${MAX_SUPPORTED_IR_VERSION}.`,
      {
        hint: newer
          ? `Re-export with an exporter that targets IR version ${MAX_SUPPORTED_IR_VERSION} or lower (e.g. an onnx release matching your onnxruntime); if the model uses no newer features, setting model.ir_version = ${MAX_SUPPORTED_IR_VERSION} with the onnx Python package also works.`
          : 'Re-export the model with a current exporter (onnx 1.1 or later writes IR version 3+).',
      },
    );
  }
  if (!hasGraph) {
    throw corrupt(source, 'it has no graph', 'The file holds only model metadata; re-export the model with its graph.');
  }
  if ((model.opset_import ?? []).length === 0) {
    throw corrupt(
      source,
      `it declares no opset_import (required since IR version 3)`,
      'Re-export the model, or add the opset it was built for (e.g. ai.onnx version 17) with the onnx Python package.',
    );
  }
}

/** Counts fields kept as raw bytes because the schema does not know them (a sign of a newer or damaged file). */
export function countUnknownFields(message: unknown): number {
  let count = 0;
  const stack: unknown[] = [message];
  while (stack.length > 0) {
    const m = stack.pop();
    if (m === null || typeof m !== 'object' || ArrayBuffer.isView(m)) continue;
    if (Array.isArray(m)) {
      // Arrays of numbers/Longs are leaves; only arrays of messages need walking.
      if (m.length > 0 && typeof m[0] === 'object' && !ArrayBuffer.isView(m[0]) && !isLong(m[0])) {
        for (const e of m) stack.push(e);
      }
      continue;
    }
    if (isLong(m)) continue;
    const unknowns = (m as { $unknowns?: unknown[] }).$unknowns;
    if (Array.isArray(unknowns)) count += unknowns.length;
    for (const key of Object.keys(m)) stack.push((m as Record<string, unknown>)[key]);
  }
  return count;
}

function isLong(v: unknown): boolean {
  return typeof v === 'object' && v !== null && 'low' in v && 'high' in v && 'unsigned' in v;
}

/**
 * Checks that `model` can be encoded: every field has a value of its declared type. Throws
 * InvalidArgumentError naming the offending field (a bug in whoever built the message).
 */
export function checkEncodable(model: ModelProto): void {
  let problem: string | null;
  try {
    problem = ModelProtoType.verify(model as unknown as Record<string, unknown>);
  } catch (error) {
    problem = describeError(error);
  }
  if (problem !== null) {
    throw new InvalidArgumentError(`Cannot encode ModelProto: ${problem}`, {
      hint: 'This is a bug in the code that built the model message; please report it.',
    });
  }
}

/**
 * A cheap upper-bound-ish estimate of the encoded size, so the writer can allocate once: protobufjs
 * otherwise grows its buffer by doubling (copying everything each time), which for a model near the
 * 2 GiB limit means several GiB of peak memory.
 */
export function estimateEncodedSize(message: unknown): number {
  let size = 0;
  const stack: unknown[] = [message];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || v === undefined) continue;
    if (typeof v === 'string') size += v.length * 3 + 6;
    else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') size += 11;
    else if (ArrayBuffer.isView(v)) size += v.byteLength + 6;
    else if (Array.isArray(v)) {
      const first: unknown = v[0];
      // Arrays of scalars are costed in bulk instead of one stack entry per element.
      if (typeof first === 'number' || isLong(first)) size += v.length * 11 + 6;
      else for (const e of v) stack.push(e);
    } else if (isLong(v)) size += 11;
    else if (typeof v === 'object') {
      size += 6;
      for (const key of Object.keys(v)) stack.push((v as Record<string, unknown>)[key]);
    }
  }
  return size;
}

/**
 * Encodes a ModelProto to bytes (fields in field-number order, unknown fields re-emitted, as protoc
 * does). Throws InvalidArgumentError if a field holds a value of the wrong type or the result would
 * exceed protobuf's 2 GiB limit (then large tensors must go to external data).
 */
export function encodeModelProto(model: ModelProto): Uint8Array {
  const estimate = estimateEncodedSize(model);
  if (estimate > 2 * MAX_PROTO_BYTES) throw tooLarge(estimate);
  let writer: protobuf.Writer;
  try {
    writer = protobuf.Writer.create();
    writer.buf = (writer.constructor as typeof protobuf.Writer).alloc(Math.min(Math.max(estimate, 1024), MAX_PROTO_BYTES + 1024));
    writer = ModelProtoType.encode(model as unknown as Record<string, unknown>, writer);
  } catch (error) {
    checkEncodable(model); // names the bad field if verify can see it
    throw new InvalidArgumentError(`Cannot encode ModelProto: ${describeError(error)}`, {
      hint: 'This is a bug in the code that built the model message; please report it.',
      cause: error,
    });
  }
  if (writer.pos > MAX_PROTO_BYTES) throw tooLarge(writer.pos);
  // A view when the estimate was close (no second copy of a large model), a tight copy otherwise.
  return writer.buf.length - writer.pos > (writer.buf.length >> 3) ? writer.finish() : writer.finish(true);
}

function tooLarge(bytes: number): InvalidArgumentError {
  return new InvalidArgumentError(
    `The model would take about ${bytes} bytes as one protobuf message; the ONNX/protobuf limit is 2 GiB.`,
    { hint: 'Save it with external data (large initializers in a separate .data file next to the .onnx).' },
  );
}
