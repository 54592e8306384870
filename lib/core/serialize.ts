// Primitives travel between processes and threads as plain markers { $procsync: kind, name }
// inside JSON-able or structured-clonable values; deserialize() reopens them by name.
//
// Both directions copy the value exactly as structuredClone would see it, except for the
// primitives/markers they replace: holes of sparse arrays stay holes, extra properties of arrays
// stay, and an own "__proto__" key stays an own property (not a prototype). A plain object of
// the user's that has the shape of a marker travels escaped (its `$procsync` prefixed with
// ESCAPE), so that it arrives as it was instead of being reopened.
import { invalidArgValue } from './errors';
import { Kind, KindName } from './kinds';
import { Primitive } from './primitive';
import { openByName } from './registry';

export interface Marker {
  $procsync: KindName;
  name: string;
}

function isPlain(v: object): boolean {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** `out[k] = v` as a data property, also for the key "__proto__" (which would set the prototype). */
function setOwn(out: object, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(out, k, { value: v, writable: true, enumerable: true, configurable: true });
  else (out as Record<string, unknown>)[k] = v;
}

/**
 * A copy of `value` in which every object for which `replace` returns something other than
 * undefined is replaced by that. Walks arrays (every own enumerable key: holes stay holes),
 * plain objects, Maps and Sets, keeping shared references and cycles; anything else is kept
 * as it is. `replaced` counts the replacements.
 */
function transform(value: unknown, replace: (v: object) => unknown): { value: unknown; replaced: number } {
  const seen = new Map<object, unknown>();
  let replaced = 0;
  const walk = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    const r = replace(v);
    if (r !== undefined) {
      replaced++;
      return r;
    }
    if (seen.has(v)) return seen.get(v);
    if (Array.isArray(v)) {
      const out: unknown[] = new Array(v.length);
      seen.set(v, out);
      for (const k of Object.keys(v)) setOwn(out, k, walk((v as unknown as Record<string, unknown>)[k]));
      return out;
    }
    if (v instanceof Map) {
      const out = new Map();
      seen.set(v, out);
      for (const [k, x] of v) out.set(walk(k), walk(x));
      return out;
    }
    if (v instanceof Set) {
      const out = new Set();
      seen.set(v, out);
      for (const x of v) out.add(walk(x));
      return out;
    }
    if (!isPlain(v)) return v;
    const out: Record<string, unknown> = {};
    seen.set(v, out);
    for (const k of Object.keys(v)) setOwn(out, k, walk((v as Record<string, unknown>)[k]));
    return out;
  };
  const out = walk(value);
  return { value: out, replaced };
}

/** Prefixed to the `$procsync` of a user's object that looks like a marker. */
const ESCAPE = '=';

/** A copy of marker-shaped `m` (same key order) whose `$procsync` is `kind`. */
function relabel(m: Marker, kind: string): object {
  const out = {};
  for (const k of Object.keys(m)) setOwn(out, k, k === '$procsync' ? kind : (m as unknown as Record<string, unknown>)[k]);
  return out;
}

const toMarker = (v: object): unknown => {
  if (v instanceof Primitive) return v.toJSON();
  if (isMarker(v)) return relabel(v, ESCAPE + v.$procsync);
  return undefined;
};

/** Replaces every primitive inside `value` (arrays, plain objects, Maps, Sets) by its marker. */
export function serialize<T>(value: T): unknown {
  return transform(value, toMarker).value;
}

/** serialize(), and whether it found any primitive (when not, `value` is the input itself). */
export function serializeMarked(value: unknown): { value: unknown; marked: boolean } {
  if (value instanceof Primitive) return { value: value.toJSON(), marked: true };
  if (typeof value !== 'object' || value === null) return { value, marked: false };
  const r = transform(value, toMarker);
  return r.replaced === 0 ? { value, marked: false } : { value: r.value, marked: true };
}

export function isMarker(v: unknown): v is Marker {
  if (typeof v !== 'object' || v === null || !isPlain(v)) return false;
  const m = v as Record<string, unknown>;
  return typeof m.$procsync === 'string' && typeof m.name === 'string' && Object.keys(m).length === 2;
}

const fromMarker = (v: object): unknown => {
  if (!isMarker(v)) return undefined;
  if (v.$procsync.startsWith(ESCAPE)) return relabel(v, v.$procsync.slice(ESCAPE.length));
  if (!Object.hasOwn(Kind, v.$procsync)) throw invalidArgValue(`unknown primitive kind ${JSON.stringify(v.$procsync)}`);
  return openByName(v.name, v.$procsync);
};

/** Reopens every marker inside `value` (the inverse of serialize). */
export function deserialize<T = unknown>(value: unknown): T {
  return transform(value, fromMarker).value as T;
}
