// The Queue's fast path on the JS thread: the same ring, side mutexes and commit protocol as
// native/primitives/queue.cc (layout, publication order and crash-safety protocol: native/primitives/queue.h), done
// with Atomics on the mapped words, so that a put or get that finds its side's mutex free is no
// native call (a native call costs about as much as the whole operation).
//
// A put takes the put mutex and writes only the put side's words; a get takes the get mutex and
// writes only the get side's: one putter and one getter never wait for each other, and each
// keeps its side's cache line. A mutex is taken exactly as the native side does: one CAS from 0
// to this thread's user id (lib/primitives/lock.ts, native/primitives/lock.h). So a process killed anywhere in here
// leaves its id in the word, and the next native locker of that side finds it dead, takes over
// and rolls the side's redo log forward, as after a crash in native code. Anything unusual goes
// native, which owns waiting and every repair: a mutex held by someone else (after a short
// wait), a redo log left to apply, words that fail the checks, a header whose capacity changed.
import { endianness } from 'os';
import { layout } from '../core/layout';
import { SegHandle, native } from '../core/native';

// Module constants, not property reads of the layout object in the hot path.
const Q = layout.queue;
const { waiters: WAITERS } = layout.lock;
const PUT_MUTEX = Q.putMutexWord;
const TAIL = Q.tailWord;
const PUT_COUNT = Q.putCountWord;
const UNFINISHED = Q.unfinishedWord;
const PUT_LOG_VALID = Q.putLogValidWord;
const PUT_LOG = Q.putLogWord;
const GET_MUTEX = Q.getMutexWord;
const HEAD = Q.headWord;
const GET_COUNT = Q.getCountWord;
const GET_LOG_VALID = Q.getLogValidWord;
const GET_LOG = Q.getLogWord;
const GET_SLEEPERS = Q.getSleepersWord;
const PUT_SLEEPERS = Q.putSleepersWord;
const PUT_ARMED = Q.putArmedWord;

/** Returned by put/get: do it natively (it locks, repairs, reports corruption, waits). */
export const RING_SLOW = -1;
/** Returned by put/get: no room / no item (checked under the side's mutex). */
export const RING_NONE = -2;

const WAKE_ALL = 0x7fffffff;
/** Loads of a held mutex word before going native: a holder keeps it for ~100 ns. */
const LOCK_SPINS = 200;
/** Records up to this many bytes are copied byte by byte (cheaper than two views + set). */
const SMALL_COPY = 48;

export class Ring {
  private readonly i32: Int32Array;
  private readonly u8: Uint8Array;
  /** Index in i32 of state word 0. */
  private readonly b: number;
  /** Byte offset of the ring in the segment, and its size (capacity + ringExtra). */
  private readonly start: number;
  private readonly size: number;
  /** Records with a 4-byte prefix at least, and one get whose count is not stored yet. */
  private readonly maxCount: number;
  /** Index in i32 of the header's capacity parameter (re-checked: the header is shared memory). */
  private readonly capWord: number;
  private readonly usable: boolean;
  /**
   * What each side knows of the other between its operations. The other side's count and index
   * only move forward, so old values understate the room (putter) or the items (getter) and are
   * safe to act on — while this Ring was the only one of its side to commit since it read them:
   * its own count and index are then still the ones it stored (afterMyPut and tailAfterMyPut,
   * afterMyGet and headAfterMyGet; -1: none yet). Another putter (or getter, or a native put or
   * get) changes them, and the words are read again. The index is compared too because the count
   * wraps: after exactly 2^32 puts by others, a count alone would look untouched. One putter and
   * one getter then touch the other's cache line only when the ring looks full or empty, not on
   * every operation.
   */
  private afterMyPut = -1;
  private tailAfterMyPut = -1;
  private getCountKnown = 0;
  private headKnown = 0;
  private afterMyGet = -1;
  private headAfterMyGet = -1;
  private putCountKnown = 0;
  private tailKnown = 0;

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
    this.size = capacity + Q.ringExtra;
    this.maxCount = Math.floor(this.size / 4) + 1;
    this.capWord = Q.capacityParamByte / 4;
    // The record's length prefix is host-endian in native code; the bytes are written here
    // little-endian. Any doubt: everything goes native.
    this.usable = endianness() === 'LE' && this.start + this.size <= buffer.byteLength && me > 0;
  }

  /** Puts bytes[0, n) as one record: 0, RING_NONE (no room) or RING_SLOW. */
  put(seg: SegHandle, bytes: Uint8Array, n: number): number {
    const i32 = this.i32;
    const b = this.b;
    if (!this.enter(seg, b + PUT_MUTEX, b + PUT_LOG_VALID)) return RING_SLOW;
    const size = this.size;
    const tail = i32[b + TAIL] >>> 0;
    const putCount = i32[b + PUT_COUNT] >>> 0;
    const unfinished = i32[b + UNFINISHED] >>> 0;
    const need = n + 4;
    // The get side's words, as this putter last read them while no other put came since (see
    // `afterMyPut`), or read now: its count first, then head (native/primitives/queue.h, "Publication").
    let fresh = putCount !== this.afterMyPut || tail !== this.tailAfterMyPut;
    let getCount = this.getCountKnown;
    let head = this.headKnown;
    let count: number;
    let used: number;
    for (;;) {
      if (fresh) {
        getCount = Atomics.load(i32, b + GET_COUNT) >>> 0;
        head = Atomics.load(i32, b + HEAD) >>> 0;
      }
      count = (putCount - getCount) >>> 0;
      used = (tail + size - head) % size;
      const bad = tail >= size || head >= size || count > this.maxCount || (count === 0 && used !== 0);
      const none = !bad && (size - 1 - used < need || (this.maxsize !== 0 && count >= this.maxsize));
      if (!bad && !none) break;
      // Known words only ever understate the room: look again before refusing.
      if (!fresh) {
        fresh = true;
        continue;
      }
      if (bad) return this.leave(seg, b + PUT_MUTEX, RING_SLOW);
      return this.leave(seg, b + PUT_MUTEX, RING_NONE);
    }
    this.getCountKnown = getCount;
    this.headKnown = head;
    // The record goes beyond the tail, where nobody reads yet; the commit publishes it.
    const u8 = this.u8;
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
    const newTail = (tail + need) % size;
    this.commitPut(newTail, unfinished === 0xffffffff ? unfinished : unfinished + 1, (putCount + 1) | 0);
    this.afterMyPut = (putCount + 1) >>> 0;
    this.tailAfterMyPut = newTail;
    this.leave(seg, b + PUT_MUTEX, 0);
    // As native/primitives/queue.cc after_put(): a getter only while sleepers outnumber the queued items,
    // counted from a fresh get count (a known one overstates them, which could skip a wake).
    const sleepers = Atomics.load(i32, b + GET_SLEEPERS) >>> 0;
    if (sleepers !== 0 && sleepers > ((putCount - (Atomics.load(i32, b + GET_COUNT) >>> 0)) >>> 0)) {
      native.wake(seg, (b + PUT_COUNT) * 4, 1);
    }
    return 0;
  }

  /**
   * Takes the oldest record into into[4, 4 + length) (where the native queueGet puts it) and
   * returns its length; RING_NONE (empty) or RING_SLOW (also when `into` is too small: the
   * native path reports the length needed).
   */
  get(seg: SegHandle, into: Uint8Array): number {
    const i32 = this.i32;
    const b = this.b;
    if (!this.enter(seg, b + GET_MUTEX, b + GET_LOG_VALID)) return RING_SLOW;
    const size = this.size;
    const head = i32[b + HEAD] >>> 0;
    const getCount = i32[b + GET_COUNT] >>> 0;
    // The put side's words, as this getter last read them while no other get came since (see
    // `afterMyGet`), or read now: its count first, then tail.
    let fresh = getCount !== this.afterMyGet || head !== this.headAfterMyGet;
    let putCount = this.putCountKnown;
    let tail = this.tailKnown;
    let count: number;
    let used: number;
    for (;;) {
      if (fresh) {
        putCount = Atomics.load(i32, b + PUT_COUNT) >>> 0;
        tail = Atomics.load(i32, b + TAIL) >>> 0;
      }
      count = (putCount - getCount) >>> 0;
      used = (tail + size - head) % size;
      const bad = head >= size || tail >= size || count > this.maxCount || count * 4 > used;
      if (!bad && count !== 0) break;
      // Known words only ever understate the items: look again before refusing.
      if (!fresh) {
        fresh = true;
        continue;
      }
      if (bad) return this.leave(seg, b + GET_MUTEX, RING_SLOW);
      // A putter killed inside its commit leaves a record nobody counts yet: native repairs it.
      return this.leave(seg, b + GET_MUTEX, Atomics.load(i32, b + PUT_LOG_VALID) !== 0 ? RING_SLOW : RING_NONE);
    }
    this.putCountKnown = putCount;
    this.tailKnown = tail;
    const u8 = this.u8;
    const start = this.start;
    let p = head;
    let n = 0;
    for (let k = 0; k < 32; k += 8) {
      n |= u8[start + p] << k;
      if (++p === size) p = 0;
    }
    n >>>= 0;
    const total = n + 4;
    // The native side's checks, so that it reports the corruption (ERR_CORRUPT).
    if (total > used || total > into.length) return this.leave(seg, b + GET_MUTEX, RING_SLOW);
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
    const newHead = (head + total) % size;
    this.commitGet(newHead, (getCount + 1) | 0);
    this.afterMyGet = (getCount + 1) >>> 0;
    this.headAfterMyGet = newHead;
    this.leave(seg, b + GET_MUTEX, 0);
    // As native/primitives/queue.cc after_get(): the next getter in the chain while items are left (counted
    // from a fresh put count: a known one understates them), and all putters once per arming.
    if (Atomics.load(i32, b + GET_SLEEPERS) !== 0 && ((Atomics.load(i32, b + PUT_COUNT) - getCount) >>> 0) > 1) {
      native.wake(seg, (b + PUT_COUNT) * 4, 1);
    }
    if (Atomics.load(i32, b + PUT_SLEEPERS) !== 0 && Atomics.exchange(i32, b + PUT_ARMED, 0) !== 0) {
      native.wake(seg, (b + GET_COUNT) * 4, WAKE_ALL);
    }
    return n;
  }

  // native/primitives/queue.cc commit(), per side: the log, log_valid = 1, the words (the count last: it
  // publishes the put / completes the get), log_valid = 0. What a kill must find is program
  // order: plain stores are never moved across an Atomics operation (which the compiler treats
  // as touching all memory), so the Atomics stores fence the log from the words. (An Atomics
  // operation costs ~20 ns here, a plain store ~1 ns.) The other side reads the words it needs
  // with Atomics loads, in the order native/primitives/queue.h gives.
  private commitPut(tail: number, unfinished: number, putCount: number): void {
    const i32 = this.i32;
    const b = this.b;
    i32[b + PUT_LOG] = tail;
    i32[b + PUT_LOG + 1] = unfinished;
    i32[b + PUT_LOG + 2] = putCount;
    Atomics.store(i32, b + PUT_LOG_VALID, 1);
    i32[b + TAIL] = tail;
    i32[b + UNFINISHED] = unfinished;
    Atomics.store(i32, b + PUT_COUNT, putCount);
    Atomics.store(i32, b + PUT_LOG_VALID, 0);
  }

  private commitGet(head: number, getCount: number): void {
    const i32 = this.i32;
    const b = this.b;
    i32[b + GET_LOG] = head;
    i32[b + GET_LOG + 1] = getCount;
    Atomics.store(i32, b + GET_LOG_VALID, 1);
    Atomics.store(i32, b + HEAD, head);
    Atomics.store(i32, b + GET_COUNT, getCount);
    Atomics.store(i32, b + GET_LOG_VALID, 0);
  }

  /** Takes a side's mutex (word index mutexAt) when it is free or soon free, with no redo log pending. */
  private enter(seg: SegHandle, mutexAt: number, logValid: number): boolean {
    if (!this.usable || this.i32[this.capWord] !== this.capacity) return false;
    const i32 = this.i32;
    for (let k = 0; Atomics.compareExchange(i32, mutexAt, 0, this.me) !== 0; k++) {
      // Held (or a stranger's value): wait briefly for a release on loads, then go native,
      // which waits, sleeps and takes over from a dead holder.
      while (Atomics.load(i32, mutexAt) !== 0) if (++k >= LOCK_SPINS) return false;
    }
    if (i32[logValid] !== 0) {
      // A holder died inside its commit, and yet the word was free: only a stranger writes that.
      this.leave(seg, mutexAt, 0);
      return false;
    }
    return true;
  }

  /** Releases a side's mutex (word index mutexAt; waking one sleeper if any) and returns r. */
  private leave(seg: SegHandle, mutexAt: number, r: number): number {
    const v = Atomics.exchange(this.i32, mutexAt, 0);
    if (v & WAITERS) native.wake(seg, mutexAt * 4, 1);
    return r;
  }
}
