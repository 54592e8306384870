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
