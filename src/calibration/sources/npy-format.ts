/**
 * The NPY file format (numpy's `np.save`): a 6-byte magic string "\x93NUMPY", a major and minor version
 * byte, a little-endian header length (2 bytes in version 1, 4 bytes in versions 2 and 3), then the
 * header: a Python dict literal with the keys 'descr', 'fortran_order' and 'shape', padded with spaces
 * and ending in '\n'. The raw array bytes follow. Pure functions on buffers; file access is in npy-file.ts.
 */
import { CalibrationDataError } from '../../errors.js';
import type { DataType } from '../../ir/dtype.js';
import { parsePythonLiteral, type PyValue } from './py-literal.js';

export const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
/** Magic + version: enough bytes to learn how long the header is (12 covers every version). */
export const NPY_PREAMBLE_BYTES = 12;

/** Real headers are under 200 bytes plus the shape; anything past this is a damaged length field. */
const MAX_HEADER_BYTES = 1 << 20;

export interface NpyHeader {
  readonly type: DataType;
  readonly descr: string;
  readonly shape: readonly number[];
  readonly itemSize: number;
  /** Byte offset of the first array byte. */
  readonly dataOffset: number;
  readonly version: 1 | 2 | 3;
}

/** descr kind+size (without the byte-order character) → element type. */
const DESCR_TYPES: Readonly<Record<string, DataType>> = {
  f2: 'float16', f4: 'float32', f8: 'float64',
  i1: 'int8', u1: 'uint8', i2: 'int16', u2: 'uint16', i4: 'int32', u4: 'uint32', i8: 'int64', u8: 'uint64',
  b1: 'bool',
};

const TYPE_DESCR = new Map<DataType, string>(Object.entries(DESCR_TYPES).map(([d, t]) => [t, d]));

/** The descr numpy writes for a type ('|' for one-byte types, whose byte order is moot). */
export function descrOf(type: DataType): string | undefined {
  const d = TYPE_DESCR.get(type);
  if (d === undefined) return undefined;
  return d.endsWith('1') ? `|${d}` : `<${d}`;
}

export function npyDataTypes(): DataType[] {
  return Object.values(DESCR_TYPES);
}

const RESAVE_HINT = 'Re-save it with numpy: np.save(path, np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")))';

/** Reads the version and header length from the first bytes; returns where the header text lies. */
export function parsePreamble(file: string, bytes: Buffer): { version: 1 | 2 | 3; headerStart: number; headerLength: number } {
  if (bytes.length < 10 || !bytes.subarray(0, 6).equals(NPY_MAGIC)) {
    const zip = bytes.length >= 2 && bytes[0] === 0x50 && bytes[1] === 0x4b;
    throw new CalibrationDataError(`'${file}' is not an .npy file (it does not start with the \\x93NUMPY magic).`, {
      hint: zip
        ? 'This looks like an .npz archive: unzip it (or load it and np.save each array) to get one .npy per input.'
        : 'Write calibration arrays with numpy.save (or mixq writeNpy).',
    });
  }
  const major = bytes[6];
  if (major === 1) return { version: 1, headerStart: 10, headerLength: bytes.readUInt16LE(8) };
  if ((major === 2 || major === 3) && bytes.length >= 12) {
    const headerLength = bytes.readUInt32LE(8);
    // A damaged length field must not make us allocate gigabytes for a header of a few dozen bytes.
    if (headerLength > MAX_HEADER_BYTES) {
      throw new CalibrationDataError(`'${file}' has a damaged .npy header: it claims ${headerLength} header bytes.`, {
        hint: 'The file may be damaged; write it again with numpy.save.',
      });
    }
    return { version: major, headerStart: 12, headerLength };
  }
  throw new CalibrationDataError(`'${file}' uses .npy format version ${major}.${bytes[7]}, which mixq cannot read (it reads 1.0, 2.0 and 3.0).`, {
    hint: 'Re-save the array with a current numpy (np.save).',
  });
}

/** Parses the header dict text and checks that mixq can read the array it describes. */
export function parseHeaderText(file: string, text: string, version: 1 | 2 | 3, dataOffset: number): NpyHeader {
  let dict: PyValue;
  try {
    dict = parsePythonLiteral(text);
  } catch (error) {
    throw new CalibrationDataError(`'${file}' has a malformed .npy header: ${(error as Error).message}.`, {
      hint: 'The file may be damaged; write it again with numpy.save.',
      cause: error,
    });
  }
  if (!(dict instanceof Map)) throw malformed(file, 'the header is not a dict');
  const descr = dict.get('descr');
  const fortran = dict.get('fortran_order');
  const shape = dict.get('shape');
  if (typeof descr !== 'string') {
    if (Array.isArray(descr)) throw unsupported(file, 'a structured (record) dtype', 'Save each field as its own .npy file.');
    throw malformed(file, "'descr' is missing or not a string");
  }
  if (typeof fortran !== 'boolean') throw malformed(file, "'fortran_order' is missing or not True/False");
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw malformed(file, "'shape' is missing or not a tuple of non-negative integers");
  }
  const dims = shape as number[];
  // With at most one axis longer than 1, C and Fortran order lay out the same bytes.
  if (fortran && dims.filter((d) => d > 1).length > 1) {
    throw new CalibrationDataError(`'${file}' is stored in Fortran (column-major) order, which mixq does not read.`, {
      hint: 'Re-save it in C order: np.save(path, np.ascontiguousarray(arr)).',
    });
  }
  if (dims.length === 0) {
    throw new CalibrationDataError(`'${file}' holds a 0-d array; calibration arrays need a first (sample) axis.`, {
      hint: 'Stack the samples along a new first axis: np.save(path, np.stack(samples)).',
    });
  }
  const { type, itemSize } = parseDescr(file, descr);
  return { type, descr, shape: dims, itemSize, dataOffset, version };
}

function parseDescr(file: string, descr: string): { type: DataType; itemSize: number } {
  const m = /^([<>|=])([a-zA-Z]\d+)$/.exec(descr);
  const type = m ? DESCR_TYPES[m[2]!] : undefined;
  if (!m || type === undefined) {
    throw unsupported(file, `dtype '${descr}'`, `Convert it to a numeric type first, e.g. arr.astype(np.float32); mixq reads ${Object.keys(DESCR_TYPES).join(', ')}.`);
  }
  const itemSize = Number(m[2]!.slice(1));
  // '=' (native) is accepted as little-endian: every platform Node runs on is little-endian.
  if (m[1] === '>' && itemSize > 1) {
    throw new CalibrationDataError(`'${file}' is big-endian (dtype '${descr}'); mixq reads little-endian data.`, { hint: RESAVE_HINT });
  }
  return { type, itemSize };
}

function malformed(file: string, what: string): CalibrationDataError {
  return new CalibrationDataError(`'${file}' has a malformed .npy header: ${what}.`, {
    hint: 'The file may be damaged; write it again with numpy.save.',
  });
}

function unsupported(file: string, what: string, hint: string): CalibrationDataError {
  return new CalibrationDataError(`'${file}' holds ${what}, which mixq cannot use as calibration data.`, { hint });
}

/** The bytes before the data for an array of `type` and `shape`, padded so the data starts 64-byte aligned. */
export function encodeNpyHeader(descr: string, shape: readonly number[], version?: 1 | 2 | 3): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const chosen = version ?? (dict.length + 11 <= 0xffff ? 1 : 2);
  const preamble = chosen === 1 ? 10 : 12;
  const total = Math.ceil((preamble + dict.length + 1) / 64) * 64;
  const headerLength = total - preamble;
  if (chosen === 1 && headerLength > 0xffff) throw new RangeError('shape too long for an .npy version 1 header');
  const out = Buffer.alloc(total, 0x20);
  NPY_MAGIC.copy(out, 0);
  out[6] = chosen;
  out[7] = 0;
  if (chosen === 1) out.writeUInt16LE(headerLength, 8);
  else out.writeUInt32LE(headerLength, 8);
  out.write(dict, preamble, 'latin1');
  out[total - 1] = 0x0a;
  return out;
}
