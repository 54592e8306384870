// The Queue's fast path on the JS thread: the same ring, state mutex and commit protocol as
// native/queue.cc (layout and crash-safety protocol: native/queue.h), done with Atomics on the
// mapped words, so that a put or get that finds the mutex free is no native call (a native
// call costs about as much as the whole operation).
//
// It takes the state mutex exactly as the native side does: one CAS from 0 to this thread's
// user id (lib/lock.ts, native/lock.h). So a process killed anywhere in here leaves its id in
// the word, and the next native locker finds it dead, takes over and rolls the redo log
// forward, as after a crash in native code. Anything unusual goes native, which owns waiting
// and every repair: the mutex held by someone else (after a short wait), a redo log left to
// apply, state words that fail the checks, a header whose capacity changed.
import { endianness } from 'os';
import { layout } from './layout';
import { NativeSegment, SegHandle, native } from './native';

// Module constants, not property reads of the layout object in the hot path.
const Q = layout.queue;
const { ownerWord: MUTEX, waiters: WAITERS } = layout.lock;
const HEAD = Q.headWord;
const TAIL = Q.tailWord;
const COUNT = Q.countWord;
const USED = Q.usedWord;
const UNFINISHED = Q.unfinishedWord;
const PUT_SEQ = Q.putSeqWord;
const GET_SEQ = Q.getSeqWord;
const GET_SLEEPERS = Q.getSleepersWord;
const PUT_SLEEPERS = Q.putSleepersWord;
const LOG_VALID = Q.logValidWord;
const LOG = Q.logWord;
const PUT_ARMED = Q.putArmedWord;

/** Returned by put/get: do it natively (it locks, repairs, reports corruption, waits). */
export const RING_SLOW = -1;
/** Returned by put/get: no room / no item (checked under the mutex). */
export const RING_NONE = -2;

const WAKE_ALL = 0x7fffffff;
/** Loads of a held mutex word before going native: a holder keeps it for ~100 ns. */
const LOCK_SPINS = 200;
/** Records up to this many bytes are copied byte by byte (cheaper than two views + set). */
const SMALL_COPY = 48;

export class Ring {
  private readonly i32: Int32Array;
  private readonly u8: Uint8Array;
  /** Index in i32 of state word 0 (the mutex). */
  private readonly b: number;
  /** Byte offset of the ring in the segment, and its size (capacity + 4). */
  private readonly start: number;
  private readonly size: number;
  /** Index in i32 of the header's capacity parameter (re-checked: the header is shared memory). */
  private readonly capWord: number;
  private readonly usable: boolean;

  constructor(
    buffer: ArrayBuffer,
    stateOffset: number,
    private readonly capacity: number,
    private readonly maxsize: number,
    private readonly me: number,
  ) {
    this.i32 = new Int32Array(buffer);
    this.u8 = new Uint8Array(buffer);
    this.b = stateOffset / 4;
    this.start = stateOffset + Q.headerBytes;
    this.size = capacity + 4;
    this.capWord = Q.capacityParamByte / 4;
    // The record's length prefix is host-endian in native code; the bytes are written here
    // little-endian. Any doubt: everything goes native.
    this.usable = endianness() === 'LE' && this.start + this.size <= buffer.byteLength && me > 0;
  }

  /** Puts bytes[0, n) as one record: 0, RING_NONE (no room) or RING_SLOW. */
  put(seg: SegHandle, bytes: Uint8Array, n: number): number {
    if (!this.enter(seg)) return RING_SLOW;
    const i32 = this.i32;
    const b = this.b;
    const head = i32[b + HEAD] >>> 0;
    const tail = i32[b + TAIL] >>> 0;
    const count = i32[b + COUNT] >>> 0;
    const used = i32[b + USED] >>> 0;
    const unfinished = i32[b + UNFINISHED] >>> 0;
    if (!this.consistent(head, tail, count, used)) return this.leave(seg, RING_SLOW);
    const need = n + 4;
    if (this.size - used < need || (this.maxsize !== 0 && count >= this.maxsize)) return this.leave(seg, RING_NONE);
    // The record goes beyond the tail, where nobody reads yet; commit() publishes it.
    const u8 = this.u8;
    const size = this.size;
    const start = this.start;
    let p = tail;
    for (let k = 0; k < 4; k++) {
      u8[start + p] = (n >>> (8 * k)) & 0xff;
      if (++p === size) p = 0;
    }
    if (n <= SMALL_COPY) {
      for (let k = 0; k < n; k++) {
        u8[start + p] = bytes[k];
        if (++p === size) p = 0;
      }
    } else {
      const first = Math.min(n, size - p);
      u8.set(bytes.subarray(0, first), start + p);
      if (first < n) u8.set(bytes.subarray(first, n), start);
    }
    this.commit(head, (tail + need) % size, count + 1, used + need, unfinished === 0xffffffff ? unfinished : unfinished + 1);
    i32[b + PUT_SEQ] = i32[b + PUT_SEQ] + 1; // changed only under the mutex
    this.leave(seg, 0);
    // As native/queue.cc after_put(): a getter only while sleepers outnumber the queued items.
    if (Atomics.load(i32, b + GET_SLEEPERS) >>> 0 > count) native.wake(seg, (b + PUT_SEQ) * 4, 1);
    return 0;
  }

  /**
   * Takes the oldest record into into[4, 4 + length) (where the native queueGet puts it) and
   * returns its length; RING_NONE (empty) or RING_SLOW (also when `into` is too small: the
   * native path reports the length needed).
   */
  get(seg: SegHandle, into: Uint8Array): number {
    if (!this.enter(seg)) return RING_SLOW;
    const i32 = this.i32;
    const b = this.b;
    const head = i32[b + HEAD] >>> 0;
    const tail = i32[b + TAIL] >>> 0;
    const count = i32[b + COUNT] >>> 0;
    const used = i32[b + USED] >>> 0;
    const unfinished = i32[b + UNFINISHED] >>> 0;
    if (!this.consistent(head, tail, count, used)) return this.leave(seg, RING_SLOW);
    if (count === 0) return this.leave(seg, RING_NONE);
    const u8 = this.u8;
    const size = this.size;
    const start = this.start;
    let p = head;
    let n = 0;
    for (let k = 0; k < 32; k += 8) {
      n |= u8[start + p] << k;
      if (++p === size) p = 0;
    }
    n >>>= 0;
    const total = n + 4;
    const nHead = (head + total) % size;
    // The native side's checks, so that it reports the corruption (ERR_CORRUPT).
    if (total > used || n + 4 > into.length || !this.consistent(nHead, tail, count - 1, used - total)) {
      return this.leave(seg, RING_SLOW);
    }
    if (n <= SMALL_COPY) {
      for (let k = 4; k < total; k++) {
        into[k] = u8[start + p];
        if (++p === size) p = 0;
      }
    } else {
      const first = Math.min(n, size - p);
      into.set(u8.subarray(start + p, start + p + first), 4);
      if (first < n) into.set(u8.subarray(start, start + n - first), 4 + first);
    }
    this.commit(nHead, tail, count - 1, used - total, unfinished);
    i32[b + GET_SEQ] = i32[b + GET_SEQ] + 1;
    this.leave(seg, 0);
    // As native/queue.cc after_get(): the next getter in the chain, and all putters once per arming.
    if (count > 1 && Atomics.load(i32, b + GET_SLEEPERS) !== 0) native.wake(seg, (b + PUT_SEQ) * 4, 1);
    if (Atomics.load(i32, b + PUT_SLEEPERS) !== 0 && Atomics.exchange(i32, b + PUT_ARMED, 0) !== 0) {
      native.wake(seg, (b + GET_SEQ) * 4, WAKE_ALL);
    }
    return n;
  }

  /** Takes the state mutex when it is free or soon free, with no redo log pending. */
  private enter(seg: SegHandle): boolean {
    if (!this.usable || this.i32[this.capWord] !== this.capacity) return false;
    const i32 = this.i32;
    const w = this.b + MUTEX;
    for (let k = 0; Atomics.compareExchange(i32, w, 0, this.me) !== 0; k++) {
      // Held (or a stranger's value): wait briefly for a release on loads, then go native,
      // which waits, sleeps and takes over from a dead holder.
      while (Atomics.load(i32, w) !== 0) if (++k >= LOCK_SPINS) return false;
    }
    if (i32[this.b + LOG_VALID] !== 0) {
      // A holder died inside commit(), and yet the word was free: only a stranger writes that.
      this.leave(seg, 0);
      return false;
    }
    return true;
  }

  /** Releases the state mutex (waking one sleeper if any) and returns r. */
  private leave(seg: SegHandle, r: number): number {
    const w = this.b + MUTEX;
    const v = Atomics.exchange(this.i32, w, 0);
    if (v & WAITERS) native.wake(seg, w * 4, 1);
    return r;
  }

  // native/queue.cc consistent(): every word is checked before it is used as an offset.
  private consistent(head: number, tail: number, count: number, used: number): boolean {
    const r = this.size;
    if (head >= r || tail >= r || used > r) return false;
    if ((head + used) % r !== tail) return false;
    if ((count === 0) !== (used === 0)) return false;
    return count * 4 <= used;
  }

  // native/queue.cc commit(): the redo log, log_valid = 1, the words, log_valid = 0. What a
  // kill must find is program order: plain stores are never moved across an Atomics operation
  // (which the compiler treats as touching all memory), so the two Atomics stores fence the
  // log from the words. (An Atomics operation costs ~20 ns here, a plain store ~1 ns; other
  // processes read these words only under the mutex, whose CAS / exchange order them.)
  private commit(head: number, tail: number, count: number, used: number, unfinished: number): void {
    const i32 = this.i32;
    const b = this.b;
    i32[b + LOG] = head;
    i32[b + LOG + 1] = tail;
    i32[b + LOG + 2] = count;
    i32[b + LOG + 3] = used;
    i32[b + LOG + 4] = unfinished;
    Atomics.store(i32, b + LOG_VALID, 1);
    i32[b + HEAD] = head;
    i32[b + TAIL] = tail;
    i32[b + COUNT] = count;
    i32[b + USED] = used;
    i32[b + UNFINISHED] = unfinished;
    Atomics.store(i32, b + LOG_VALID, 0);
  }
}
