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
  /** This thread's user id in the segment: what it writes into owner words (native/liveness.h). */
  userId: number;
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
  /** A uid other than the effective one whose segment may be used. */
  allowOwner?: number;
}

export type DoneCallback = (code: number, value: number) => void;

export interface Native {
  open(spec: OpenSpec): NativeSegment;
  unlink(name: string): boolean;
  sweep(): number;
  listSegments(): { name: string; held: boolean }[];
  threadId(): number;
  /** The file that holds a segment's bytes (tests and diagnostics). */
  segmentPath(name: string): string;
  threadCount(): number;
  closeAll(): void;
  setErrorClass(ctor: new (code: string, message: string) => Error): void;
  cancel(request: number): void;
  wake(seg: NativeSegment, offset: number, n: number): void;
  lockAcquire(seg: NativeSegment, offset: number, timeout: number): number;
  lockAcquire(seg: NativeSegment, offset: number, timeout: number, cb: DoneCallback): number;
  /** The pid recorded for a user id of the segment, or null when unknown. */
  userPid(seg: NativeSegment, userId: number): number | null;
  semAcquire(seg: NativeSegment, valueOff: number, sleepersOff: number, timeout: number): number;
  semAcquire(seg: NativeSegment, valueOff: number, sleepersOff: number, timeout: number, cb: DoneCallback): number;
  eventWait(seg: NativeSegment, stateOff: number, sleepersOff: number, expected: number, timeout: number): number;
  eventWait(seg: NativeSegment, stateOff: number, sleepersOff: number, expected: number, timeout: number, cb: DoneCallback): number;
  layout: unknown;
  /** The native backend: 'linux', 'posix' or 'windows' (native/platform/). */
  backend: string;
  // Later primitives add their own entry points; they are typed in their own modules.
  [extra: string]: unknown;
}

function load(): Native {
  const root = path.join(__dirname, '..');
  try {
    // PROCSYNC_BACKEND=posix: the posix backend (the macOS / BSD code) built on this machine by
    // scripts/build-posix.sh, so that the whole suite runs against it on Linux too.
    if (process.env.PROCSYNC_BACKEND === 'posix') {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      return require(path.join(root, 'build-posix', 'build', 'Release', 'procsync.node')) as Native;
    }
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

export const native: Native = load();
// The core's own errors (ERR_NOT_FOUND, ERR_KIND_MISMATCH, ERR_CORRUPT, ...) are made with this
// class, so every error of ours is a ProcsyncError at no cost per call. Argument errors stay
// TypeError / RangeError.
native.setErrorClass(ProcsyncError);
/** This JS thread's kernel thread id (for anonymous names). */
export const threadId: number = native.threadId();

/** Result codes of native operations (native/common.h, handed over by the addon). */
export const Code = (native.layout as { codes: import('./layout').Layout['codes'] }).codes;
