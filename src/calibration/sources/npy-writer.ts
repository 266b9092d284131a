/**
 * Writes HostTensors as .npy files (C order, little-endian) that numpy.load and mixq both read:
 * for users who build calibration sets from TypeScript, for benchmarks and for tests.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { FileError, InvalidArgumentError } from '../../errors.js';
import { elementCount, type HostTensor } from '../../ir/dtype.js';
import { descrOf, encodeNpyHeader, npyDataTypes } from './npy-format.js';

export interface WriteNpyOptions {
  /** Header format version; by default 1.0, or 2.0 when the header does not fit version 1's 64 KiB. */
  readonly version?: 1 | 2 | 3;
}

/** The complete .npy bytes for a tensor. */
export function encodeNpy(tensor: HostTensor, options: WriteNpyOptions = {}): Buffer {
  const { header, data } = encodeParts(tensor, options);
  return Buffer.concat([header, data]);
}

function encodeParts(tensor: HostTensor, options: WriteNpyOptions): { header: Buffer; data: Uint8Array } {
  const descr = descrOf(tensor.type);
  if (descr === undefined) {
    throw new InvalidArgumentError(`Cannot write a ${tensor.type} tensor as .npy.`, { hint: `Supported types: ${npyDataTypes().join(', ')}.` });
  }
  if (tensor.data.length !== elementCount(tensor.dims)) {
    throw new InvalidArgumentError(`Tensor has ${tensor.data.length} elements but dims [${tensor.dims.join(', ')}] need ${elementCount(tensor.dims)}.`);
  }
  const header = encodeNpyHeader(descr, tensor.dims, options.version);
  return { header, data: new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength) };
}

/** Writes `tensor` to `path` as an .npy file. */
export async function writeNpy(path: string, tensor: HostTensor, options: WriteNpyOptions = {}): Promise<void> {
  const { header, data } = encodeParts(tensor, options);
  let fh: FileHandle | undefined;
  try {
    // Header and data are written separately so that a large tensor is never copied.
    fh = await open(path, 'w');
    await fh.writeFile(header);
    await fh.writeFile(data);
  } catch (error) {
    throw new FileError('FILE_UNWRITABLE', path, `Cannot write '${path}' (${(error as NodeJS.ErrnoException).code ?? String(error)}).`, {
      hint: 'Check that the directory exists and is writable.',
      cause: error,
    });
  } finally {
    await fh?.close();
  }
}
