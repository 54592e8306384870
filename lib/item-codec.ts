// How a Queue item becomes bytes. v8.serialize takes everything (Map, Set, Date, BigInt, typed
// arrays, cycles, shared references) but costs ~6 µs for a small object; JSON costs a tenth of
// that. So items that JSON represents exactly — plain objects and arrays of strings, finite
// numbers (not -0), booleans and null, with no object appearing twice — go as JSON behind a
// one-byte tag; everything else as v8.serialize output (which always starts with 0xFF).
import * as v8 from 'v8';

const JSON_TAG = 0x01;
const V8_TAG = 0xff;
const MAX_DEPTH = 64;

function jsonExact(v: unknown, seen: Set<object>, depth: number): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0);
    case 'object': {
      if (v === null) return true;
      // A repeated object would arrive as two copies: v8 keeps the identity.
      if (depth > MAX_DEPTH || seen.has(v)) return false;
      seen.add(v);
      const proto = Object.getPrototypeOf(v);
      if (proto === Array.prototype) {
        const a = v as unknown[];
        for (let i = 0; i < a.length; i++) {
          if (!(i in a) || !jsonExact(a[i], seen, depth + 1)) return false; // holes stay holes in v8
        }
        return Object.keys(a).length === a.length;
      }
      if (proto !== Object.prototype && proto !== null) return false;
      for (const k of Object.keys(v)) {
        if (k === '__proto__' || !jsonExact((v as Record<string, unknown>)[k], seen, depth + 1)) return false;
      }
      return true;
    }
    default:
      return false; // undefined, bigint, symbol, function
  }
}

/** Encodes an item (its procsync primitives already replaced by markers). Throws v8's errors. */
export function encodeItem(value: unknown): Buffer {
  if (jsonExact(value, new Set(), 0)) {
    const s = JSON.stringify(value);
    const b = Buffer.allocUnsafe(1 + Buffer.byteLength(s));
    b[0] = JSON_TAG;
    b.write(s, 1);
    return b;
  }
  return v8.serialize(value);
}

/**
 * Decodes what encodeItem produced. `bytes` may be a view on a buffer that is reused: the v8
 * path copies first, since v8.deserialize may return typed arrays that alias its input.
 */
export function decodeItem(bytes: Buffer): unknown {
  if (bytes.length > 0 && bytes[0] === JSON_TAG) return JSON.parse(bytes.toString('utf8', 1));
  if (bytes.length > 0 && bytes[0] === V8_TAG) return v8.deserialize(Buffer.from(bytes));
  throw new Error('unknown item encoding');
}

/** The smallest record encodeItem makes ("0" as JSON: tag + 1 byte). */
export const MIN_ITEM_BYTES = 2;
