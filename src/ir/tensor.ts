import { GraphError, UnsupportedTypeError } from '../errors.js';
import { byteLengthOf, elementCount, TYPED_ARRAY_OF, type DataType, type TypedArray } from './dtype.js';

/** Where a tensor's bytes came from when it was stored outside the model file. */
export interface ExternalLocation {
  readonly location: string;
  readonly offset: number;
  readonly length: number;
}

/**
 * Tensor contents. `raw` is ONNX raw_data layout (little-endian, sub-byte types packed);
 * `lazy` reads external data on first use, so a 2 GB model is not loaded before it is needed.
 */
type TensorData =
  | { readonly kind: 'raw'; readonly bytes: Uint8Array }
  | { readonly kind: 'strings'; readonly values: readonly Uint8Array[] }
  | { readonly kind: 'lazy'; readonly byteLength: number; readonly load: () => Uint8Array };

/**
 * An immutable constant tensor (initializer or attribute value). Editing passes replace tensors,
 * they never write into one, so model clones can share them safely.
 */
export class Tensor {
  readonly name: string;
  readonly type: DataType;
  readonly dims: readonly number[];
  readonly docString: string;
  /** Set when the tensor was loaded from (or should prefer) external data. */
  readonly external: ExternalLocation | undefined;
  private data: TensorData;

  private constructor(name: string, type: DataType, dims: readonly number[], data: TensorData, docString = '', external?: ExternalLocation) {
    this.name = name;
    this.type = type;
    this.dims = Object.freeze([...dims]);
    this.data = data;
    this.docString = docString;
    this.external = external;
  }

  static fromBytes(name: string, type: DataType, dims: readonly number[], bytes: Uint8Array, docString = ''): Tensor {
    const expected = byteLengthOf(type, elementCount(dims));
    if (type !== 'string' && bytes.byteLength !== expected) {
      throw new GraphError(`Tensor '${name}' (${type} ${JSON.stringify(dims)}) needs ${expected} bytes but has ${bytes.byteLength}.`, {
        hint: 'The model file is inconsistent; re-export it from its framework.',
      });
    }
    return new Tensor(name, type, dims, { kind: 'raw', bytes }, docString);
  }

  static fromArray(name: string, type: DataType, dims: readonly number[], array: TypedArray): Tensor {
    const ctor = TYPED_ARRAY_OF[type];
    // instanceof, not constructor identity: a Node Buffer is a Uint8Array.
    if (!ctor || !(array instanceof ctor)) {
      throw new UnsupportedTypeError(`Tensor '${name}': a ${array.constructor.name} cannot hold ${type} elements.`);
    }
    if (array.length !== elementCount(dims)) {
      throw new GraphError(`Tensor '${name}': ${array.length} elements given for dims ${JSON.stringify(dims)}.`);
    }
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    return new Tensor(name, type, dims, { kind: 'raw', bytes });
  }

  static fromStrings(name: string, dims: readonly number[], values: readonly Uint8Array[], docString = ''): Tensor {
    return new Tensor(name, 'string', dims, { kind: 'strings', values }, docString);
  }

  static lazy(name: string, type: DataType, dims: readonly number[], external: ExternalLocation, load: () => Uint8Array, docString = ''): Tensor {
    return new Tensor(name, type, dims, { kind: 'lazy', byteLength: byteLengthOf(type, elementCount(dims)), load }, docString, external);
  }

  /** Same contents under another name (tensors are immutable, so bytes are shared). */
  withName(name: string): Tensor {
    return new Tensor(name, this.type, this.dims, this.data, this.docString, this.external);
  }

  get elementCount(): number {
    return elementCount(this.dims);
  }

  get byteLength(): number {
    switch (this.data.kind) {
      case 'raw':
        return this.data.bytes.byteLength;
      case 'lazy':
        return this.data.byteLength;
      case 'strings':
        return this.data.values.reduce((n, v) => n + v.byteLength, 0);
    }
  }

  /** True while external bytes have not been read yet. */
  get isLoaded(): boolean {
    return this.data.kind !== 'lazy';
  }

  /** Raw little-endian bytes (reads external data on first call). */
  bytes(): Uint8Array {
    if (this.data.kind === 'strings') throw new UnsupportedTypeError(`Tensor '${this.name}' holds strings, not bytes.`);
    if (this.data.kind === 'lazy') {
      const bytes = this.data.load();
      if (bytes.byteLength !== this.data.byteLength) {
        throw new GraphError(`Tensor '${this.name}': external data has ${bytes.byteLength} bytes, expected ${this.data.byteLength}.`);
      }
      this.data = { kind: 'raw', bytes };
    }
    return this.data.bytes;
  }

  strings(): readonly Uint8Array[] {
    if (this.data.kind !== 'strings') throw new UnsupportedTypeError(`Tensor '${this.name}' is ${this.type}, not string.`);
    return this.data.values;
  }

  /**
   * Elements as a typed array (float16/bfloat16 as raw Uint16 patterns). A view on the bytes when
   * they are aligned, else a copy. Callers must not write into the result.
   */
  toArray(): TypedArray {
    const ctor = TYPED_ARRAY_OF[this.type];
    if (!ctor) throw new UnsupportedTypeError(`Tensor '${this.name}': no array type for ${this.type}.`);
    const bytes = this.bytes();
    if (bytes.byteOffset % ctor.BYTES_PER_ELEMENT === 0) {
      return new ctor(bytes.buffer, bytes.byteOffset, bytes.byteLength / ctor.BYTES_PER_ELEMENT);
    }
    const copy = new Uint8Array(bytes);
    return new ctor(copy.buffer, 0, copy.byteLength / ctor.BYTES_PER_ELEMENT);
  }
}
