// Primitives travel between processes and threads as plain markers { $procsync: kind, name }
// inside JSON-able or structured-clonable values; deserialize() reopens them by name.
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

/** Replaces every primitive inside `value` (arrays, plain objects, Maps, Sets) by its marker. */
export function serialize<T>(value: T): unknown {
  const seen = new Map<object, unknown>();
  const walk = (v: unknown): unknown => {
    if (v instanceof Primitive) return v.toJSON();
    if (typeof v !== 'object' || v === null) return v;
    if (seen.has(v)) return seen.get(v);
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      seen.set(v, out);
      for (const x of v) out.push(walk(x));
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
    for (const k of Object.keys(v)) out[k] = walk((v as Record<string, unknown>)[k]);
    return out;
  };
  return walk(value);
}

export function isMarker(v: unknown): v is Marker {
  if (typeof v !== 'object' || v === null || !isPlain(v)) return false;
  const m = v as Record<string, unknown>;
  return typeof m.$procsync === 'string' && typeof m.name === 'string' && Object.keys(m).length === 2;
}

/** Reopens every marker inside `value` (the inverse of serialize). */
export function deserialize<T = unknown>(value: unknown): T {
  const seen = new Map<object, unknown>();
  const walk = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    if (isMarker(v)) {
      if (!Object.hasOwn(Kind, v.$procsync)) throw invalidArgValue(`unknown primitive kind ${JSON.stringify(v.$procsync)}`);
      return openByName(v.name, v.$procsync);
    }
    if (seen.has(v)) return seen.get(v);
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      seen.set(v, out);
      for (const x of v) out.push(walk(x));
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
    for (const k of Object.keys(v)) out[k] = walk((v as Record<string, unknown>)[k]);
    return out;
  };
  return walk(value) as T;
}
