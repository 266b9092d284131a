/**
 * Streaming access to .npy files: `NpyFile.open` reads only the header; `NpyReader.readInto` reads a
 * range of samples (slices along the first axis) with positioned reads, so files far larger than
 * memory can feed calibration one batch at a time.
 */
import { readFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { CalibrationDataError, FileError } from '../../errors.js';
import { elementCount, TYPED_ARRAY_OF, type DataType, type HostTensor, type TypedArray } from '../../ir/dtype.js';
import { NPY_PREAMBLE_BYTES, parseHeaderText, parsePreamble, type NpyHeader } from './npy-format.js';

/** Positioned reads are split into chunks below the 2 GiB limit of one read call. */
const MAX_READ_CHUNK = 1 << 30;

export class NpyFile {
  /** Dims of one sample (the shape without its first axis). */
  readonly sampleDims: readonly number[];
  readonly sampleCount: number;
  readonly sampleBytes: number;

  private constructor(
    readonly path: string,
    readonly header: NpyHeader,
  ) {
    this.sampleCount = header.shape[0]!;
    this.sampleDims = header.shape.slice(1);
    this.sampleBytes = elementCount(this.sampleDims) * header.itemSize;
  }

  get type(): DataType {
    return this.header.type;
  }

  /** Reads and checks the header and the file length; keeps no file descriptor open. */
  static async open(path: string): Promise<NpyFile> {
    const fh = await openForRead(path);
    try {
      return new NpyFile(path, await readHeader(path, fh));
    } finally {
      await fh.close();
    }
  }

  /** Opens the file for reading samples; checks that it still has the header it had when opened. */
  async reader(): Promise<NpyReader> {
    const fh = await openForRead(this.path);
    try {
      const now = await readHeader(this.path, fh);
      if (now.dataOffset !== this.header.dataOffset || now.descr !== this.header.descr || now.shape.join() !== this.header.shape.join()) {
        throw new CalibrationDataError(`'${this.path}' changed while mixq was using it (its header is different now).`, {
          hint: 'Do not rewrite calibration files while mixq runs; start again.',
        });
      }
    } catch (error) {
      await fh.close();
      throw error;
    }
    return new NpyReader(this, fh);
  }

  /** Reads samples [start, start+count) into a new tensor with the batch on axis 0. */
  async read(start: number, count: number): Promise<HostTensor> {
    const reader = await this.reader();
    try {
      const tensor = allocSamples(this.type, this.sampleDims, count);
      await reader.readInto(start, count, bytesOf(tensor.data), 0);
      return tensor;
    } finally {
      await reader.close();
    }
  }
}

export class NpyReader {
  constructor(
    private readonly file: NpyFile,
    private readonly fh: FileHandle,
  ) {}

  /** Copies samples [start, start+count) into `target` at byte `offset`. */
  async readInto(start: number, count: number, target: Uint8Array, offset: number): Promise<void> {
    const { file } = this;
    if (start < 0 || count < 0 || start + count > file.sampleCount) {
      throw new RangeError(`samples ${start}..${start + count} are outside 0..${file.sampleCount} of '${file.path}'`);
    }
    let position = file.header.dataOffset + start * file.sampleBytes;
    let done = 0;
    const total = count * file.sampleBytes;
    while (done < total) {
      const length = Math.min(MAX_READ_CHUNK, total - done);
      const { bytesRead } = await this.fh.read(target, offset + done, length, position);
      if (bytesRead === 0) throw truncated(file.path, position - file.header.dataOffset + (total - done), position - file.header.dataOffset);
      done += bytesRead;
      position += bytesRead;
    }
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** Reads a whole .npy file (for small files; use NpyFile to stream large ones). */
export async function readNpy(path: string): Promise<HostTensor> {
  const file = await NpyFile.open(path);
  return file.read(0, file.sampleCount);
}

/** A zero-filled tensor for `count` samples, on its own aligned ArrayBuffer. */
export function allocSamples(type: DataType, sampleDims: readonly number[], count: number): HostTensor {
  const Ctor = TYPED_ARRAY_OF[type];
  if (Ctor === undefined) throw new RangeError(`no typed array for ${type}`);
  const dims = [count, ...sampleDims];
  return { type, dims, data: new Ctor(elementCount(dims)) };
}

export function bytesOf(data: TypedArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

async function openForRead(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new FileError('FILE_NOT_FOUND', path, `Calibration file '${path}' does not exist.`, { hint: 'Check the path.', cause: error });
    }
    throw new FileError('FILE_UNREADABLE', path, `Cannot open calibration file '${path}' (${code ?? String(error)}).`, {
      hint: 'Check that it is a readable file.',
      cause: error,
    });
  }
}

async function readHeader(path: string, fh: FileHandle): Promise<NpyHeader> {
  const { size } = await fh.stat();
  const pre = Buffer.alloc(NPY_PREAMBLE_BYTES);
  const { bytesRead } = await fh.read(pre, 0, pre.length, 0);
  const preamble = parsePreamble(path, pre.subarray(0, bytesRead));
  const text = Buffer.alloc(preamble.headerLength);
  await fh.read(text, 0, preamble.headerLength, preamble.headerStart);
  return decodeHeader(path, size, preamble, text);
}

/** The header from its bytes, checked against the file size (shared by the streaming and whole-file readers). */
function decodeHeader(path: string, size: number, pre: ReturnType<typeof parsePreamble>, text: Buffer): NpyHeader {
  const dataOffset = pre.headerStart + pre.headerLength;
  if (size < dataOffset) {
    throw new CalibrationDataError(`'${path}' is truncated: its .npy header says ${pre.headerLength} header bytes but the file has only ${size} bytes.`, {
      hint: 'The file was cut short (interrupted copy or download?); write it again.',
    });
  }
  const header = parseHeaderText(path, text.toString(pre.version === 3 ? 'utf8' : 'latin1'), pre.version, dataOffset);
  const expected = elementCount(header.shape) * header.itemSize;
  if (size - dataOffset < expected) throw truncated(path, expected, size - dataOffset);
  return header;
}

/**
 * Reads a whole small .npy file synchronously (tests, benchmarks, scripts), with the same checks as
 * the streaming reader. Use NpyFile for calibration data, which may be larger than memory.
 */
export function readNpySync(path: string): HostTensor {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new FileError('FILE_NOT_FOUND', path, `Cannot read '${path}'.`, { hint: 'Check the path.', cause: error });
  }
  const preamble = parsePreamble(path, bytes.subarray(0, NPY_PREAMBLE_BYTES));
  const text = bytes.subarray(preamble.headerStart, preamble.headerStart + preamble.headerLength);
  const header = decodeHeader(path, bytes.length, preamble, text);
  const tensor = allocSamples(header.type, header.shape.slice(1), header.shape[0]!);
  const target = bytesOf(tensor.data);
  target.set(bytes.subarray(header.dataOffset, header.dataOffset + target.byteLength));
  return tensor;
}

function truncated(path: string, expected: number, actual: number): CalibrationDataError {
  return new CalibrationDataError(
    `'${path}' is truncated: its header promises ${expected} data bytes but the file holds ${actual}.`,
    { hint: 'The file was cut short (interrupted copy or download?); write it again with numpy.save.' },
  );
}
