// How a Queue item becomes bytes. v8.serialize takes everything (Map, Set, Date, BigInt, typed
// arrays, cycles, shared references) but costs ~6 µs for a small object; JSON costs a tenth of
// that. So items that JSON represents exactly — plain objects and arrays of strings, finite
// numbers (not -0), booleans and null, with no object appearing twice, no hole or extra property
// in an array and no own "__proto__" key — go as JSON behind a one-byte tag; a lone number as its
// int32 or float64 bytes behind a tag (no text at all), a small flat object of primitives in a
// binary form (lib/queue/item-flat.ts); everything else as v8.serialize output (which always starts
// with 0xFF). Either way the item that arrives equals
// what structuredClone would give.
//
// Procsync primitives inside an item travel as markers (lib/core/serialize.ts). Only an item that
// held primitives is written with a "marked" tag, and only those are walked by the reader to
// reopen them: a plain object of the user's that looks like a marker arrives as it was.
import * as v8 from 'v8';
import { ProcsyncError } from '../core/errors';
import { deserialize, serializeMarked } from '../core/serialize';
import { FLAT_TAG, FlatReader, writeFlat } from './item-flat';

/** JSON text follows. */
const JSON_TAG = 0x01;
/** JSON text with markers of primitives follows. */
const JSON_MARKED_TAG = 0x02;
/** v8.serialize output with markers of primitives follows. */
const V8_MARKED_TAG = 0x03;
/** A number that is an int32 (not -0): its 4 bytes, little-endian, follow. */
const INT32_TAG = 0x04;
/** Any other number (-0, NaN, ±Infinity included): its float64, little-endian, follows. */
const FLOAT64_TAG = 0x05;
/** JSON text that is ASCII and this short is copied byte by byte (cheaper than a native call). */
const SHORT_ASCII = 64;
/** The first byte of v8.serialize output itself (its version tag). */
const V8_TAG = 0xff;
const MAX_DEPTH = 64;
/** The writer's reused buffer grows up to this; larger JSON items get a buffer of their own. */
const MAX_SCRATCH = 1024 * 1024;

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

/**
 * A plain object whose values are all strings, numbers, booleans or null (the usual small
 * message): 1 if JSON represents it exactly, 0 if not, -1 when a value is an object (then
 * the full walk decides: only nesting can repeat an object).
 */
function flatExact(v: object): number {
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return proto === Array.prototype ? -1 : 0;
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k];
    if (typeof x === 'object' && x !== null) return -1;
    if (k === '__proto__' || !jsonExact(x, seenScratch, 0)) return 0;
  }
  return 1;
}

/** One Set reused by every check: saves an allocation per item. */
const seenScratch = new Set<object>();
function isJsonExact(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return jsonExact(v, seenScratch, 0);
  const flat = flatExact(v);
  if (flat >= 0) return flat === 1;
  // A getter that threw during an earlier check left entries behind (no try/finally here: it
  // costs more than the whole check of a small item).
  if (seenScratch.size !== 0) seenScratch.clear();
  const ok = jsonExact(v, seenScratch, 0);
  seenScratch.clear(); // drop the references to the item's objects
  return ok;
}

/**
 * Encodes items into a buffer it reuses: `write(item)` returns the byte length, and the bytes
 * are `out[0, length)` until the next write. Copy them to keep them.
 */
export class ItemWriter {
  out: Buffer;
  private scratch: Buffer;

  constructor() {
    this.scratch = this.out = Buffer.allocUnsafe(4096);
  }

  /** Throws v8's errors for items it cannot serialize (functions, symbols, ...). */
  write(item: unknown): number {
    if (typeof item === 'number') return this.writeNumber(item);
    if (typeof item === 'object' && item !== null && Object.getPrototypeOf(item) === Object.prototype) {
      const n = writeFlat(this.scratch, item as Record<string, unknown>);
      if (n >= 0) {
        this.out = this.scratch;
        return n;
      }
    }
    let v = item;
    let tag = JSON_TAG;
    if (!isJsonExact(v)) {
      const m = serializeMarked(item); // primitives -> markers
      v = m.value;
      if (!m.marked) {
        this.out = v8.serialize(v);
        return this.out.length;
      }
      if (!isJsonExact(v)) {
        const body = v8.serialize(v);
        this.out = Buffer.allocUnsafe(1 + body.length);
        this.out[0] = V8_MARKED_TAG;
        body.copy(this.out, 1);
        return this.out.length;
      }
      tag = JSON_MARKED_TAG;
    }
    const s = JSON.stringify(v);
    const most = 3 * s.length + 1; // UTF-8 takes at most 3 bytes per UTF-16 unit
    let buf = this.scratch;
    if (most > buf.length) {
      buf = Buffer.allocUnsafe(most <= MAX_SCRATCH ? Math.max(most, 2 * buf.length) : 1 + Buffer.byteLength(s));
      if (most <= MAX_SCRATCH) this.scratch = buf;
    }
    buf[0] = tag;
    this.out = buf;
    if (s.length <= SHORT_ASCII) {
      let k = 0;
      for (; k < s.length; k++) {
        const c = s.charCodeAt(k);
        if (c >= 0x80) break;
        buf[1 + k] = c;
      }
      if (k === s.length) return 1 + k;
    }
    return 1 + buf.write(s, 1, 'utf8');
  }

  private writeNumber(x: number): number {
    const buf = this.scratch;
    this.out = buf;
    if ((x | 0) === x && (x !== 0 || 1 / x > 0)) {
      // Byte by byte: Buffer.writeInt32LE validates its arguments at a cost of the whole write.
      buf[0] = INT32_TAG;
      buf[1] = x;
      buf[2] = x >> 8;
      buf[3] = x >> 16;
      buf[4] = x >> 24;
      return 5;
    }
    buf[0] = FLOAT64_TAG;
    buf.writeDoubleLE(x, 1);
    return 9;
  }
}

/** ASCII bytes as a string without a native call (short records only). */
function shortAscii(bytes: Buffer, start: number, end: number): string | null {
  for (let k = start; k < end; k++) if (bytes[k] >= 0x80) return null;
  return bytes.toString('latin1', start, end);
}

function jsonText(bytes: Buffer, start: number, end: number): string {
  return (end - start <= SHORT_ASCII && shortAscii(bytes, start, end)) || bytes.toString('utf8', start, end);
}

/**
 * Decodes `bytes[start, end)` as written by ItemWriter and reopens the primitives in it. The
 * bytes may be in a buffer that is reused: the v8 path copies first, since v8.deserialize may
 * return typed arrays that alias its input.
 */
const flat = new FlatReader();

export function decodeItem(bytes: Buffer, start: number, end: number): unknown {
  switch (end > start ? bytes[start] : -1) {
    case FLAT_TAG:
      return flat.read(bytes, start, end);
    case JSON_TAG:
      return JSON.parse(jsonText(bytes, start + 1, end));
    case JSON_MARKED_TAG:
      return deserialize(JSON.parse(jsonText(bytes, start + 1, end)));
    case INT32_TAG:
      if (end - start !== 5) break;
      return bytes[start + 1] | (bytes[start + 2] << 8) | (bytes[start + 3] << 16) | (bytes[start + 4] << 24);
    case FLOAT64_TAG:
      if (end - start !== 9) break;
      return bytes.readDoubleLE(start + 1);
    case V8_TAG:
      return v8.deserialize(Buffer.from(bytes.subarray(start, end)));
    case V8_MARKED_TAG:
      return deserialize(v8.deserialize(Buffer.from(bytes.subarray(start + 1, end))));
  }
  throw new ProcsyncError('ERR_CORRUPT', 'a queue item has an unknown encoding');
}

/** The smallest record ItemWriter makes ("0" as JSON: tag + 1 byte). */
export const MIN_ITEM_BYTES = 2;
