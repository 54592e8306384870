// Values that do not fit a Value's or SharedArray's type are ERR_OUT_OF_RANGE, float32 included
// (issue 16 point 14).
import { describe, it, expect } from 'vitest';
import { Value, RawValue, SharedArray, RawArray } from 'procsync';
import { useTracked } from './helpers/track';

const code = (c: string) => expect.objectContaining({ code: c });
const track = useTracked();

const FLOAT32_MAX = 3.4028234663852886e38;
const TOO_BIG = [1e40, -1e40, 3.5e38, Number.MAX_VALUE, -Number.MAX_VALUE];

describe('float32 range', () => {
  it('new Value / RawValue with a finite value beyond float32 is ERR_OUT_OF_RANGE (a RangeError)', () => {
    for (const x of TOO_BIG) {
      expect(() => new Value('f', x), String(x)).toThrow(code('ERR_OUT_OF_RANGE'));
      expect(() => new RawValue('float32', x), String(x)).toThrow(RangeError);
    }
  });

  it('setting .value beyond float32 throws and leaves the value unchanged', () => {
    const v = track(new Value('f', 1.5));
    for (const x of TOO_BIG) expect(() => (v.value = x), String(x)).toThrow(code('ERR_OUT_OF_RANGE'));
    expect(v.value).toBe(1.5);
  });

  it('SharedArray / RawArray: set() and initial values beyond float32 throw', () => {
    const a = track(new SharedArray('f', 2));
    expect(() => a.set(0, 1e40)).toThrow(code('ERR_OUT_OF_RANGE'));
    expect(a.get(0)).toBe(0);
    expect(() => new RawArray('f', [1, 1e40])).toThrow(code('ERR_OUT_OF_RANGE'));
  });

  it('what fits is stored (rounded to float32); NaN and ±Infinity given as such pass', () => {
    const v = track(new Value('f', FLOAT32_MAX));
    expect(v.value).toBe(FLOAT32_MAX);
    v.value = -FLOAT32_MAX;
    expect(v.value).toBe(-FLOAT32_MAX);
    v.value = 0.1;
    expect(v.value).toBe(Math.fround(0.1));
    v.value = 1e-50; // underflows to 0, as any float32 store: not an error
    expect(v.value).toBe(0);
    for (const x of [Infinity, -Infinity]) {
      v.value = x;
      expect(v.value).toBe(x);
    }
    v.value = NaN;
    expect(v.value).toBeNaN();
    // float64 holds every number.
    expect(track(new Value('d', 1e300)).value).toBe(1e300);
  });
});

// Every element type has its own specialized conversion (lib/memory/types.ts): each one's bounds, its
// wrong-type error and its non-integer error, on a Value and on a SharedArray.
describe('every type: bounds and errors', () => {
  const INTS: [string, number, number][] = [
    ['int8', -128, 127], ['uint8', 0, 255], ['int16', -32768, 32767], ['uint16', 0, 65535],
    ['int32', -(2 ** 31), 2 ** 31 - 1], ['uint32', 0, 2 ** 32 - 1],
  ];
  it('integer types store their bounds and refuse one beyond, fractions, NaN, ±Infinity and non-numbers', () => {
    for (const [t, lo, hi] of INTS) {
      const v = track(new RawValue(t as 'int8', lo));
      expect(v.value, t).toBe(lo);
      v.value = hi;
      expect(v.value, t).toBe(hi);
      for (const x of [lo - 1, hi + 1, 0.5, NaN, Infinity, -Infinity]) {
        expect(() => (v.value = x), `${t} ${x}`).toThrow(code('ERR_OUT_OF_RANGE'));
      }
      for (const x of ['1', 1n, null, undefined, true, {}]) {
        expect(() => (v.value = x as never), `${t} ${String(x)}`).toThrow(code('ERR_INVALID_ARG_TYPE'));
      }
      expect(v.value, t).toBe(hi);
      const a = track(new SharedArray(t as 'int8', 1, { lock: false }));
      expect(() => a.set(0, hi + 1), t).toThrow(code('ERR_OUT_OF_RANGE'));
      a.set(0, lo);
      expect(a.get(0), t).toBe(lo);
    }
  });

  it('64-bit integers take bigints and safe integers; bool takes booleans and 0 / 1', () => {
    const q = track(new RawValue('int64', 2n ** 63n - 1n));
    expect(q.value).toBe(2n ** 63n - 1n);
    q.value = -5;
    expect(q.value).toBe(-5n);
    expect(() => (q.value = 2n ** 63n)).toThrow(code('ERR_OUT_OF_RANGE'));
    expect(() => (q.value = 2 ** 60)).toThrow(code('ERR_OUT_OF_RANGE'));
    expect(() => (q.value = '1' as never)).toThrow(code('ERR_INVALID_ARG_TYPE'));
    const u = track(new RawValue('uint64', 0n));
    expect(() => (u.value = -1n)).toThrow(code('ERR_OUT_OF_RANGE'));
    u.value = 2n ** 64n - 1n;
    expect(u.value).toBe(2n ** 64n - 1n);
    const b = track(new RawValue('bool', true));
    expect(b.value).toBe(true);
    b.value = 0 as never;
    expect(b.value).toBe(false);
    expect(() => (b.value = 2 as never)).toThrow(code('ERR_INVALID_ARG_TYPE'));
    expect(() => (b.value = 'yes' as never)).toThrow(code('ERR_INVALID_ARG_TYPE'));
  });

  it('float64 takes any number and nothing else', () => {
    const d = track(new RawValue('float64', -0.5));
    d.value = Number.MAX_VALUE;
    expect(d.value).toBe(Number.MAX_VALUE);
    expect(() => (d.value = 1n as never)).toThrow(code('ERR_INVALID_ARG_TYPE'));
  });
});
