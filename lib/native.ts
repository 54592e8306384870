// Loads the compiled core (prebuilt binary or local build) with a helpful message on failure.
import * as path from 'path';
import { ProcsyncError } from './errors';

export interface SegmentInfo {
  name: string;
  kind: number;
  params: number[];
  linkKind: number;
  linkName: string;
  created: boolean;
  size: number;
  stateOffset: number;
  stateSize: number;
  persistent: boolean;
}

export interface NativeSegment {
  buffer(): ArrayBuffer;
  info(): SegmentInfo;
  close(): boolean;
}

export interface OpenSpec {
  name: string;
  kind: number;
  params?: number[];
  linkKind?: number;
  linkName?: string;
  mode?: number;
  persistent?: boolean;
  /** 0 create, 1 open, 2 create-or-open */
  how: 0 | 1 | 2;
  init?: Uint8Array;
}

export type DoneCallback = (code: number, value: number) => void;

export interface Native {
  open(spec: OpenSpec): NativeSegment;
  unlink(name: string): boolean;
  sweep(): number;
  listSegments(): { name: string; held: boolean }[];
  threadId(): number;
  threadCount(): number;
  threadAlive(tid: number): boolean;
  closeAll(): void;
  cancel(request: number): void;
  wake(seg: NativeSegment, offset: number, n: number): void;
  lockAcquire(seg: NativeSegment, offset: number, tid: number, timeout: number): number;
  lockAcquire(seg: NativeSegment, offset: number, tid: number, timeout: number, cb: DoneCallback): number;
  lockRelease(seg: NativeSegment, offset: number): number;
  semAcquire(seg: NativeSegment, valueOff: number, sleepersOff: number, timeout: number): number;
  semAcquire(seg: NativeSegment, valueOff: number, sleepersOff: number, timeout: number, cb: DoneCallback): number;
  eventWait(seg: NativeSegment, stateOff: number, sleepersOff: number, expected: number, timeout: number): number;
  eventWait(seg: NativeSegment, stateOff: number, sleepersOff: number, expected: number, timeout: number, cb: DoneCallback): number;
  stateOffset: number;
  // Later primitives add their own entry points; they are typed in their own modules.
  [extra: string]: unknown;
}

function load(): Native {
  const root = path.join(__dirname, '..');
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return require('node-gyp-build')(root) as Native;
  } catch (err) {
    const e = err as Error;
    const msg = [
      `procsync: could not load its native core for ${process.platform}-${process.arch} (Node ${process.version}).`,
      `  ${e.message}`,
      'procsync needs Linux (futexes and /dev/shm). If no prebuilt binary fits this platform, it',
      'builds from source on install, which needs python3, make and a C++17 compiler:',
      '  npm rebuild procsync   (or, in a clone: npm install)',
    ].join('\n');
    throw new ProcsyncError('ERR_NATIVE_LOAD', msg, { cause: e });
  }
}

/**
 * The core throws plain Errors with a `code` (ERR_NOT_FOUND, ERR_KIND_MISMATCH, ERR_CORRUPT,
 * ...); ours are ProcsyncErrors, so they become one here, stack kept. Argument errors
 * (TypeError, RangeError) stay as they are.
 */
export function asProcsyncError(e: unknown): unknown {
  if (
    e instanceof Error && !(e instanceof ProcsyncError) && !(e instanceof TypeError) && !(e instanceof RangeError) &&
    typeof (e as { code?: unknown }).code === 'string'
  ) {
    Object.setPrototypeOf(e, ProcsyncError.prototype);
    Object.defineProperty(e, 'name', { value: 'ProcsyncError', writable: true, configurable: true, enumerable: false });
  }
  return e;
}

/** The binding with every function's errors passed through asProcsyncError. */
function withOurErrors(binding: Native): Native {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(binding)) {
    if (typeof v !== 'function') {
      out[k] = v;
      continue;
    }
    const f = v as (...args: unknown[]) => unknown;
    out[k] = (...args: unknown[]): unknown => {
      try {
        return Reflect.apply(f, binding, args);
      } catch (e) {
        throw asProcsyncError(e);
      }
    };
  }
  return out as Native;
}

export const native: Native = withOurErrors(load());
/** This JS thread's kernel thread id: the owner id written into lock words. */
export const threadId: number = native.threadId();

/** Result codes of native operations (native/common.h). */
export const Code = {
  OK: 0,
  TIMEOUT: 1,
  CANCELLED: 2,
  OWNER_DIED: 3,
  BROKEN: 4,
  RELEASED_TOO_MANY: -1,
  NOT_OWNER: -2,
  LOCK_NOT_HELD: -3,
  OUT_OF_RANGE: -4,
  CORRUPT: -5,
  CLOSED: -6,
  MESSAGE_TOO_LARGE: -7,
  SYS: -8,
} as const;
