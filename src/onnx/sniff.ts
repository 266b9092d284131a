/**
 * Recognises files that are certainly not binary ONNX models, so that users get "this is a PNG image"
 * instead of "protobuf: invalid wire type". A binary ModelProto written by any protobuf library starts
 * with its field 1 (ir_version, tag byte 0x08), which no signature below starts with and which is not
 * printable text, so none of these checks can reject a well-formed model.
 */

export interface ForeignFormat {
  /** What the file looks like, e.g. "a PNG image". */
  what: string;
  /** What to do about it. */
  hint: string;
}

const EXPORT_HINT = 'Pass a binary .onnx model file (export one with torch.onnx.export, tf2onnx, or your framework).';

function startsWith(bytes: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (bytes.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (bytes[at + i] !== sig[i]) return false;
  return true;
}

function ascii(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0));
}

const SIGNATURES: readonly { sig: number[]; at?: number; what: string; hint: string }[] = [
  { sig: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], what: 'a PNG image', hint: EXPORT_HINT },
  { sig: [0xff, 0xd8, 0xff], what: 'a JPEG image', hint: EXPORT_HINT },
  { sig: ascii('GIF8'), what: 'a GIF image', hint: EXPORT_HINT },
  { sig: ascii('%PDF'), what: 'a PDF document', hint: EXPORT_HINT },
  { sig: [0x7f, 0x45, 0x4c, 0x46], what: 'an ELF executable or library', hint: EXPORT_HINT },
  {
    sig: [0x50, 0x4b, 0x03, 0x04],
    what: 'a ZIP archive (e.g. a PyTorch checkpoint, a NumPy .npz, or a zipped model)',
    hint: 'If it holds an .onnx file, extract it first; a PyTorch checkpoint must be exported with torch.onnx.export.',
  },
  { sig: [0x1f, 0x8b], what: 'a gzip-compressed file', hint: 'Decompress it first (gunzip) and pass the .onnx inside.' },
  { sig: [0x28, 0xb5, 0x2f, 0xfd], what: 'a zstd-compressed file', hint: 'Decompress it first (unzstd) and pass the .onnx inside.' },
  { sig: [0x89, 0x48, 0x44, 0x46], what: 'an HDF5 file (e.g. a Keras .h5 model)', hint: 'Convert it to ONNX first (e.g. with tf2onnx).' },
  { sig: [0x93, ...ascii('NUMPY')], what: 'a NumPy .npy array', hint: EXPORT_HINT },
  { sig: ascii('GGUF'), what: 'a GGUF model', hint: 'mixq reads ONNX models only; export the model to ONNX.' },
  { sig: ascii('ORTM'), at: 4, what: 'an ONNX Runtime .ort (flatbuffer) model', hint: 'Pass the original .onnx model the .ort file was converted from.' },
  { sig: ascii('TFL3'), at: 4, what: 'a TensorFlow Lite model', hint: 'Convert it to ONNX first (e.g. with tf2onnx --tflite).' },
  // Python pickle (protocol 2-5), e.g. a legacy torch.save file.
  { sig: [0x80, 0x02], what: 'a Python pickle (e.g. a legacy PyTorch checkpoint)', hint: EXPORT_HINT },
  { sig: [0x80, 0x03], what: 'a Python pickle (e.g. a legacy PyTorch checkpoint)', hint: EXPORT_HINT },
  { sig: [0x80, 0x04], what: 'a Python pickle (e.g. a legacy PyTorch checkpoint)', hint: EXPORT_HINT },
  { sig: [0x80, 0x05], what: 'a Python pickle (e.g. a legacy PyTorch checkpoint)', hint: EXPORT_HINT },
];

/** True if the first bytes are printable text: ASCII without control codes (but tabs, newlines) or valid UTF-8. */
function looksLikeText(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 512);
  let nonAscii = false;
  for (const b of head) {
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return false;
    if (b === 0x7f) return false;
    if (b >= 0x80) nonAscii = true;
  }
  if (!nonAscii) return head.length > 0;
  try {
    // stream: a multi-byte character cut off at the 512-byte boundary is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

function headText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 512)).trimStart();
}

function describeText(bytes: Uint8Array): ForeignFormat {
  const head = headText(bytes);
  if (head.startsWith('version https://git-lfs')) {
    return {
      what: 'a Git LFS pointer file, not the model itself',
      hint: 'Fetch the real file with `git lfs pull` (or download the model directly) and pass that.',
    };
  }
  if (/^(ir_version|producer_name|graph|opset_import)\s*[:{]/.test(head)) {
    return {
      what: 'an ONNX model in protobuf text format',
      hint: 'Convert it to the binary format first, e.g. in Python: google.protobuf.text_format.Parse(text, onnx.ModelProto()), then onnx.save(model, "model.onnx").',
    };
  }
  if (/^<(!doctype html|html|\?xml)/i.test(head)) {
    return {
      what: 'an HTML/XML page (often a failed download or a login page)',
      hint: 'Download the model file itself (for Hugging Face, use a "resolve/" URL, not "blob/").',
    };
  }
  if (head.startsWith('{') || head.startsWith('[')) {
    return { what: 'a JSON file', hint: EXPORT_HINT };
  }
  return { what: 'a text file', hint: EXPORT_HINT };
}

/** Says what the bytes are if they are recognisably not a binary ONNX model; undefined otherwise. */
export function sniffForeignFormat(bytes: Uint8Array): ForeignFormat | undefined {
  for (const s of SIGNATURES) {
    if (startsWith(bytes, s.sig, s.at ?? 0)) return { what: s.what, hint: s.hint };
  }
  // safetensors: 8-byte little-endian header length, then a JSON header.
  if (bytes.length >= 10 && bytes[6] === 0 && bytes[7] === 0 && bytes[8] === 0x7b && bytes[9] === 0x22) {
    return { what: 'a safetensors weights file', hint: 'mixq needs the whole model as ONNX; export it with your framework.' };
  }
  if (looksLikeText(bytes)) return describeText(bytes);
  return undefined;
}

/** ModelProto field numbers and their wire types, for judging whether bytes start like a ModelProto. */
const MODEL_FIELDS: ReadonlyMap<number, number> = new Map([
  [1, 0], [2, 2], [3, 2], [4, 2], [5, 0], [6, 2], [7, 2], [8, 2], [14, 2], [20, 2], [25, 2], [26, 2],
]);

/**
 * True if the first tag of `bytes` is a ModelProto field with its proper wire type: then a decoding
 * failure is damage to a model (CORRUPT_MODEL) rather than a file of another kind (NOT_ONNX).
 */
export function startsLikeModelProto(bytes: Uint8Array): boolean {
  let tag = 0;
  for (let i = 0, shift = 0; i < 5 && i < bytes.length; i++, shift += 7) {
    const b = bytes[i] as number;
    tag += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return MODEL_FIELDS.get(Math.floor(tag / 8)) === tag % 8;
  }
  return false;
}
