/**
 * int64 helpers. protobufjs decodes int64 fields as `Long` objects (it loads the CommonJS build of
 * `long`, a different class from the ESM one we import, so values are recognised by duck typing via
 * `Long.isLong`, never `instanceof`). Objects we build ourselves may hold plain numbers.
 */
import Long from 'long';

/** Anything protobufjs may hand us for an int64 / uint64 field. */
export type LongLike = Long | number;

interface LongBitsLike {
  low: number;
  high: number;
  unsigned: boolean;
}

function isLongLike(v: unknown): v is LongBitsLike {
  return Long.isLong(v) || (typeof v === 'object' && v !== null && 'low' in v && 'high' in v);
}

/** Exact value as a bigint. */
export function longToBigInt(v: LongLike | bigint): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new RangeError(`not an integer: ${v}`);
    return BigInt(v);
  }
  if (isLongLike(v)) {
    const lo = BigInt(v.low >>> 0);
    const hi = BigInt(v.high >>> 0);
    const u = (hi << 32n) | lo;
    return v.unsigned ? u : BigInt.asIntN(64, u);
  }
  throw new TypeError(`not an int64 value: ${String(v)}`);
}

/**
 * Value as a number. Throws RangeError when it is not exactly representable (|v| > 2^53 - 1): sizes,
 * dims and offsets beyond that are corrupt data, and rounding them would hide it.
 */
export function longToNumber(v: LongLike | bigint): number {
  if (typeof v === 'number') return v;
  const b = longToBigInt(v);
  if (b > BigInt(Number.MAX_SAFE_INTEGER) || b < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`int64 value ${b} does not fit in a JavaScript number`);
  }
  return Number(b);
}

/** Like longToNumber, but returns undefined instead of throwing when out of the safe range. */
export function longToSafeNumber(v: LongLike | bigint): number | undefined {
  try {
    return longToNumber(v);
  } catch {
    return undefined;
  }
}

/** A signed int64 `Long` for a number or bigint (numbers must be safe integers). */
export function toLong(v: number | bigint): Long {
  if (typeof v === 'bigint') {
    const u = BigInt.asUintN(64, v);
    return Long.fromBits(Number(u & 0xffffffffn) | 0, Number(u >> 32n) | 0, false);
  }
  if (!Number.isSafeInteger(v)) throw new RangeError(`not a safe integer: ${v}`);
  return Long.fromNumber(v);
}
