/**
 * Loading and saving ONNX models. The only bridge between files/bytes and our IR.
 */
import { dirname, basename, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { InvalidArgumentError, ModelFormatError } from '../errors.js';
import type { Model, Tensor } from '../ir/index.js';
import { decodeModelProto, encodeModelProto, MAX_PROTO_BYTES } from './codec.js';
import { ExternalDataWriter, readExternalData, readFileBytes, resolveExternalLocation, writeFileAtomic } from './file-io.js';
import { modelFromProto } from './serde-read.js';
import { modelToProto, type TensorPlacer } from './serde-write.js';

/** Protobuf messages cannot exceed 2 GB; we keep a margin for the graph itself. */
export const PROTOBUF_LIMIT = MAX_PROTO_BYTES;
const GRAPH_MARGIN = 64 * 1024 * 1024;

export interface LoadOptions {
  /** Name used in error messages when loading from bytes. */
  readonly source?: string;
  /** Directory where external data files live (defaults to the model file's directory). */
  readonly baseDir?: string;
}

/** Loads a model from a file path or from bytes. External data is read lazily from `baseDir`. */
export async function loadModel(input: string | Uint8Array, options: LoadOptions = {}): Promise<Model> {
  if (typeof input === 'string') {
    const bytes = await readFileBytes(input);
    return loadModelFromBytes(bytes, { source: options.source ?? input, baseDir: options.baseDir ?? dirname(resolve(input)) });
  }
  if (!(input instanceof Uint8Array)) throw new InvalidArgumentError('loadModel expects a file path or a Uint8Array of ONNX bytes.');
  return loadModelFromBytes(input, options);
}

export function loadModelFromBytes(bytes: Uint8Array, options: LoadOptions = {}): Model {
  const source = options.source ?? '<bytes>';
  const proto = decodeModelProto(bytes, source);
  const baseDir = options.baseDir;
  const model = modelFromProto(proto, {
    source,
    readExternal: baseDir === undefined ? undefined : (entries, byteLength, tensorName) => readExternalData(baseDir, entries, byteLength, source, tensorName),
  });
  if (baseDir !== undefined) checkExternalFilesExist(model, baseDir, source);
  return model;
}

/** Tensors are read lazily; a missing data file should still fail at load time, naming the file. */
function checkExternalFilesExist(model: Model, baseDir: string, source: string): void {
  const seen = new Set<string>();
  const visit = (t: Tensor) => {
    const location = t.external?.location;
    if (location === undefined || seen.has(location)) return;
    seen.add(location);
    const file = resolveExternalLocation(baseDir, location, source, t.name);
    if (!existsSync(file)) {
      throw new ModelFormatError('EXTERNAL_DATA_MISSING', source, `${source}: tensor '${t.name}' keeps its data in '${location}', which is not next to the model (looked for ${file}).`, {
        hint: 'Keep the .data file in the same folder as the .onnx file (copy or move them together).',
      });
    }
  };
  forEachTensor(model, visit);
}

export interface ExternalDataOptions {
  /** Data file name, relative to the model file (default: `<model file>.data`). */
  readonly location?: string;
  /** Tensors at least this big go to the data file (default 1 KiB, as onnx does). */
  readonly thresholdBytes?: number;
}

export interface SaveOptions {
  /**
   * true: always write big tensors to a data file; an object: the same with settings;
   * false: never (fails over 2 GB); undefined (default): only when the model would exceed 2 GB.
   */
  readonly externalData?: boolean | ExternalDataOptions;
}

/** Every tensor the model stores: initializers and tensor attributes, subgraphs included. */
function forEachTensor(model: Model, visit: (t: Tensor) => void): void {
  for (const v of model.graph.initializers) visit(v.initializer!);
  for (const node of model.graph.allNodes()) {
    for (const a of node.attributes.values()) if (a.value.type === 'tensor') visit(a.value.value);
    for (const sub of node.subgraphs()) for (const v of sub.initializers) visit(v.initializer!);
  }
}

function totalTensorBytes(model: Model): number {
  let total = 0;
  forEachTensor(model, (t) => (total += t.byteLength));
  return total;
}

/** True when the model's tensors alone would not fit in one protobuf message. */
export function needsExternalData(model: Model): boolean {
  return totalTensorBytes(model) + GRAPH_MARGIN > PROTOBUF_LIMIT;
}

/**
 * The model as ONNX bytes, or undefined when it is too big for one protobuf message
 * (then save it to a file with external data).
 */
export function serializeModel(model: Model): Uint8Array | undefined {
  if (needsExternalData(model)) return undefined;
  return encodeModelProto(modelToProto(model, { placeTensor: undefined }));
}

/** Saves atomically: nothing is left at `path` (or its data file) if anything fails. */
export async function saveModel(model: Model, path: string, options: SaveOptions = {}): Promise<void> {
  const external = options.externalData ?? (needsExternalData(model) ? true : false);
  if (external === false) {
    const bytes = serializeModel(model);
    if (!bytes) {
      throw new InvalidArgumentError(`The model is over 2 GB and cannot be saved as one file.`, { hint: 'Save with { externalData: true } (the CLI does this automatically).' });
    }
    await writeFileAtomic(path, bytes);
    return;
  }
  const settings: ExternalDataOptions = external === true ? {} : external;
  const location = settings.location ?? `${basename(path)}.data`;
  const threshold = settings.thresholdBytes ?? 1024;
  const writer = await ExternalDataWriter.open(resolve(dirname(path), location), location);
  try {
    const placeTensor: TensorPlacer = (t) => (t.byteLength >= threshold ? writer.append(t.bytes()) : undefined);
    const bytes = encodeModelProto(modelToProto(model, { placeTensor }));
    // Model first: if it cannot be written, the previous data file is still in place.
    await writeFileAtomic(path, bytes);
    writer.commit();
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
