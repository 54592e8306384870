// RWLock state machine (the slow paths; lib/rwlock.ts has the matching Atomics fast paths on
// the same words). Any number of readers or one writer; writer-preferring; phase-fair at a
// writer's release (the readers waiting at that moment enter together before the next writer).
//
// State words (uint32, index from the start of the state):
//   0..15  the state mutex (state_mutex.h): held only by slow paths, never by fast paths
//   16  W     the writer word, in the Lock encoding (lock.h): owner user id | WAITERS (bit 30).
//             A writer "holds W" while it waits for readers to drain and while it writes, so
//             readers that arrive meanwhile queue behind it. WAITERS: someone (a reader or a
//             writer) sleeps behind the holder, so its release goes native.
//   17  R     reader shares counted (a hint for the writer fast path: 0 = no reader holds).
//             Incremented before a share's slot is written, decremented after it is cleared;
//             a reader killed in between leaves it one too high, which only sends writers to
//             the slow path (which scans the slots), never lets one in early.
//   18  DRAIN sleepers on R (writers waiting for readers to leave, readers waiting for a slot)
//   19  RSEQ  bumped under the mutex when waiting readers are granted; they sleep on it
//   20  WSLP  writers sleeping on W (a killed sleeper leaves it high: a spare wake-up)
//   32..  reader slots, one per share (p0 of the header, default 128):
//           0 free, `id` a share held by user id, `id | RWAIT` (bit 31) a reader waiting.
//         Readers beyond the slots wait (on R) until one frees; they never fail.
//
// Reader fast path (JS): W == 0; R += 1; CAS a slot 0 -> me; re-check W == 0 (else back out).
// Writer fast path (JS): CAS W 0 -> me; R == 0. Both are Dekker hand-offs over seq_cst
// operations: a reader either sees the writer's W or the writer sees the reader's R/slot.
// Owner death: a dead writer (W's owner) is taken over by a waiting writer, or released by a
// waiting reader (which then grants the waiting readers); a dead reader's slot is cleared by a
// draining writer after a sleep slice. Every sleep is sliced (kSliceNs).
#pragma once
#include <cstdint>

#include "common.h"

namespace procsync {
namespace rw {
constexpr uint32_t kW = 16, kR = 17, kDrain = 18, kRseq = 19, kWsleep = 20, kSlots = 32;
constexpr uint32_t kRWait = 0x80000000u;
constexpr uint32_t kMaxSlots = 65536;
constexpr uint32_t kDefaultSlots = 128;
constexpr uint64_t state_size(uint32_t slots) { return 4ull * (kSlots + uint64_t(slots)); }
}  // namespace rw

struct RWState {
  uint32_t* w;     // state words
  uint32_t slots;  // number of reader slots
};

// A read share for ctx.me(). kOk / kOwnerDied (a dead writer was released), kTimeout,
// kCancelled. value = the slot index of the share.
OpResult rw_read_acquire(RWState st, const WaitCtx& ctx);
// The write lock for ctx.me(); have_w: the caller already took W (JS fast path) and only waits
// for readers. On timeout/cancel W is given back (waiting readers are granted). kOk,
// kOwnerDied (a dead writer was taken over), kTimeout, kCancelled.
OpResult rw_write_acquire(RWState st, bool have_w, const WaitCtx& ctx);
// Releases the write lock held by ctx.me(): grants the waiting readers, wakes a writer.
// kOk or kErrReleasedTooMany (not the holder).
int32_t rw_write_release(RWState st, const WaitCtx& ctx);
// Clears one read share of ctx.me() (any slot holding it). kOk or kErrReleasedTooMany.
int32_t rw_read_release(RWState st, const WaitCtx& ctx);

}  // namespace procsync
