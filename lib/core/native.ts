// Loads the compiled core (prebuilt binary or local build) with a helpful message on failure.
import * as path from 'path';
import { ProcsyncError } from './errors';

/** Who holds a lock, as procsync.inspect reports it. */
export interface Holder {
  pid: number;
  /** worker_threads threadId of the holder (0: its main thread). */
  threadId: number;
}

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
  /** This thread's user id in the segment: what it writes into owner words (native/platform/liveness.h). */
  userId: number;
  /** How native calls name this open segment (native/napi/segment_slots.h); stale once closed. */
  handle: SegHandle;
}

/**
 * An open segment as native calls take it: a number the core resolves by one table index
 * (resolving the Segment object cost two property lookups per call). Branded so that a plain
 * number or a NativeSegment cannot be passed by mistake.
 */
export type SegHandle = number & { readonly __segHandle: true };

export interface NativeSegment {
  buffer(): ArrayBuffer;
  info(): SegmentInfo;
  close(): boolean;
}

/** What the core gives for info(): the numbers written into `out`, the name returned. */
interface RawSegment {
  fields(out: Float64Array): string;
  linkName(): string;
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
  /**
   * open({ name, kind, how: 1, allowOwner }) with positional arguments (kind 0: any kind): a
   * named open in another process is timed (bench lock_open), and each property of a spec
   * object costs a lookup.
   */
  openExisting(name: string, kind: number, allowOwner?: number): NativeSegment;
  /** The class of the segments open() returns (info() is added to its prototype below). */
  Segment: { prototype: NativeSegment & RawSegment };
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
  /** Wakes up to n sleepers of the word. */
  wake(seg: SegHandle, offset: number, n: number): void;
  /** A Semaphore release's wake-up: also notes the releasing CPU in its waker-CPU word (native/core/spin.h). */
  semWake(seg: SegHandle, n: number): void;
  lockAcquire(seg: SegHandle, offset: number, timeout: number): number;
  lockAcquire(seg: SegHandle, offset: number, timeout: number, cb: DoneCallback): number;
  /** The slow release of a Lock/RLock word (waiters, an heir, another's word): a Code. */
  lockRelease(seg: SegHandle, offset: number): number;
  /** The pid recorded for a user id of the segment, or null when unknown. */
  userPid(seg: SegHandle, userId: number): number | null;
  /** The pid and worker_threads threadId (0: main thread) recorded for a user id, or null. */
  userHolder(seg: SegHandle, userId: number): Holder | null;
  setJsThreadId(threadId: number): void;
  semAcquire(seg: SegHandle, timeout: number): number;
  semAcquire(seg: SegHandle, timeout: number, cb: DoneCallback): number;
  eventWait(seg: SegHandle, expected: number, timeout: number): number;
  eventWait(seg: SegHandle, expected: number, timeout: number, cb: DoneCallback): number;
  layout: unknown;
  /** The native backend: 'linux', 'posix' or 'windows' (native/platform/). */
  backend: string;
  // Later primitives add their own entry points; they are typed in their own modules.
  [extra: string]: unknown;
}

// The prebuilt binaries the package ships (scripts/prebuilds.sh); README "Install".
const SHIPPED = 'linux-x64 (glibc), linux-arm64 (glibc), win32-x64';

function load(): Native {
  const root = path.join(__dirname, '..', '..'); // dist/core/ -> the package root
  try {
    // PROCSYNC_BACKEND=posix: the posix backend (the macOS / BSD code) built on this machine by
    // scripts/build-posix.sh, so that the whole suite runs against it on Linux too.
    if (process.env.PROCSYNC_BACKEND === 'posix') {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      return require(path.join(root, 'build-posix', 'build', 'Release', 'procsync.node')) as Native;
    }
    // node-gyp-build: build/Release/*.node if there is one (a local build), else the best
    // prebuilds/<platform>-<arch>/*.node for this runtime and libc.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return require('node-gyp-build')(root) as Native;
  } catch (err) {
    throw new ProcsyncError('ERR_NATIVE_LOAD', loadErrorMessage(root, err as Error), { cause: err });
  }
}

/** What was looked for, what was found and what to do (the one error when the core cannot load). */
function loadErrorMessage(root: string, e: Error & { code?: string }): string {
  const fs = require('fs') as typeof import('fs');
  const list = (dir: string): string[] => {
    try {
      return fs.readdirSync(path.join(root, dir)).map((f) => `${dir}/${f}`);
    } catch {
      return [];
    }
  };
  const here = `${process.platform}-${process.arch}`;
  const report = process.report?.getReport?.() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const glibc = process.platform === 'linux' ? report?.header?.glibcVersionRuntime : undefined;
  // The libc as node-gyp-build sees it (LIBC, else musl on Alpine), with glibc's version if any.
  const libcName = process.env.LIBC || (fs.existsSync('/etc/alpine-release') || !glibc ? 'musl' : 'glibc');
  const libc = process.platform !== 'linux' ? '' : ` (${libcName}${libcName === 'glibc' && glibc ? ` ${glibc}` : ''})`;
  const found = [...list('build/Release').filter((f) => f.endsWith('.node')), ...list('prebuilds').flatMap(list)];
  const fromSource = [
    'To build it from source: install python3, make and a C++17 compiler (Debian/Ubuntu:',
    '  apt-get install python3 make g++; Alpine: apk add python3 make g++), then run',
    '  npm rebuild procsync',
    'The install script does this by itself unless scripts are off: npm --ignore-scripts, pnpm and',
    'Bun (they run a dependency script only if allowed: pnpm onlyBuiltDependencies, Bun',
    'trustedDependencies), Yarn Berry with enableScripts: false.',
  ];
  const lines = [`procsync: could not load its native core on ${here}${libc}, Node ${process.version}.`];

  if (e.code === 'ERR_DLOPEN_DISABLED') {
    lines.push(
      'Node runs with --no-addons (on its command line or in NODE_OPTIONS), which forbids native',
      'addons; procsync is one (futexes in shared memory). Run Node without --no-addons.',
    );
  } else if (process.platform !== 'linux' && process.platform !== 'win32') {
    lines.push(
      `procsync supports Linux and Windows for now; ${process.platform} is not supported.`,
      `Prebuilt binaries: ${SHIPPED}.`,
    );
  } else if (process.platform === 'win32') {
    // The Windows binary is cross-built with mingw-w64 (scripts/build-win.sh): there is no
    // build from source on Windows itself.
    lines.push(
      `Looked in ${root} for prebuilds/${here}/*.node. Found: ${found.length ? found.join(', ') : 'nothing'}.`,
      here === 'win32-x64'
        ? `It does not load: ${e.message.trim()}`
        : `On Windows only win32-x64 is prebuilt; ${here} is not supported.`,
    );
  } else if (/No native build was found/.test(e.message)) {
    const sameArch = found.filter((f) => f.startsWith(`prebuilds/${here}/`));
    lines.push(
      `Looked in ${root} for build/Release/*.node (a local build) and prebuilds/${here}/*.node for ${libcName}.`,
      `Found: ${found.length ? found.join(', ') : 'nothing'}.`,
      sameArch.length
        ? `The prebuilt binary for ${here} is for glibc; this system's C library is ${libcName}.`
        : `No prebuilt binary fits this platform (prebuilt: ${SHIPPED}).`,
      ...fromSource,
    );
  } else {
    // A binary was found but dlopen() refused it: another CPU, a too old glibc or libstdc++.
    const file = /(\/\S+\.node)\b/.exec(e.message)?.[1];
    const need = /GLIBC_(\d+\.\d+)' not found/.exec(e.message)?.[1];
    lines.push(
      `Found ${file ?? found.join(', ')}, but it does not load: ${e.message.trim()}`,
      need ? `It needs glibc ${need} or newer.` : 'It was built for another system.',
      ...fromSource,
    );
  }
  return lines.join('\n');
}

// A copy of the addon's exports with fast properties: the object the addon fills has ~50
// entries added one by one and V8 keeps it in dictionary mode, so every `native.x` in a hot path
// was a LoadIC call with a hash lookup (~4 % of a one-CPU Semaphore ping-pong's user time); a
// spread copy is a plain object whose loads optimized code reads as fields.
export const native: Native = { ...load() };
// The core's own errors (ERR_NOT_FOUND, ERR_KIND_MISMATCH, ERR_CORRUPT, ...) are made with this
// class, so every error of ours is a ProcsyncError at no cost per call. Argument errors stay
// TypeError / RangeError.
native.setErrorClass(ProcsyncError);
// The users table records each user's worker_threads threadId too (procsync.inspect's holder).
native.setJsThreadId((require('worker_threads') as typeof import('worker_threads')).threadId);
// seg.info() is put together here from the numbers the core writes into one array
// (native/napi/segment_handle.h, SegmentHandle::Fields): a native object of a dozen named properties cost
// ~4 µs, a quarter of a named open in another process.
const infoFields = new Float64Array((native.layout as import('./layout').Layout).infoFields);
native.Segment.prototype.info = function info(this: NativeSegment & RawSegment): SegmentInfo {
  const f = infoFields;
  const name = this.fields(f);
  // `>>> 0` on the 32-bit fields: a value read from a Float64Array is a double, and a double
  // user id or state offset made every index and value the primitives derive from them a double
  // too — V8's Atomics calls then take their slow conversion path (the Lock pair went from 46
  // to 83 ns). These are small integers again.
  return {
    name,
    kind: f[0] >>> 0,
    params: [f[1] >>> 0, f[2] >>> 0, f[3] >>> 0, f[4] >>> 0],
    linkKind: f[5] >>> 0,
    linkName: f[5] !== 0 ? this.linkName() : '',
    created: f[6] !== 0,
    size: f[7],
    stateOffset: f[8] >>> 0,
    stateSize: f[9] >>> 0,
    persistent: f[10] !== 0,
    userId: f[11] >>> 0,
    handle: f[12] as SegHandle,
  };
};
/** This JS thread's kernel thread id (for anonymous names). */
export const threadId: number = native.threadId();

/** Result codes of native operations (native/core/common.h, handed over by the addon). */
export const Code = (native.layout as { codes: import('./layout').Layout['codes'] }).codes;
