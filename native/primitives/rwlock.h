// RWLock state machine (the slow paths; lib/primitives/rwlock.ts has the matching fast paths on the same
// words). Any number of readers or one writer; writer-preferring; phase-fair at a writer's
// release (the readers waiting at that moment enter together before the next writer).
//
// State words (uint32, index from the start of the state):
//   0..15  the state mutex (state_mutex.h): held by every slow path, never by a fast path
//   16  S   the whole lock in one word, so that each uncontended step is one CAS from JS:
//         0                          free
//         id | WAIT                  writer mode (bit 31 clear): the writer's user id, in the
//                                    Lock encoding (lock.h); WAIT (bit 30): someone sleeps
//                                    behind it, so its release goes native
//         READ | WAIT | n            reader mode (READ = bit 31), n readers (bits 0..28);
//                                    WAIT: a writer waits — new readers queue behind it and
//                                    the releases go native; n == 0 with WAIT: drained,
//                                    reserved for a waiting writer
//   32..  slots, two words each (own, cnt), p0 of the header (default 128):
//         own 0: free
//         own id, index < slots/2: the *home* slot of user id: cnt = its read shares taken by
//                                  the JS fast path, written by that JS thread only (plain
//                                  stores: cnt goes up before S and down after it)
//         own id | NATIVE (bit 31): a slow-path entry of user id: cnt 1 = a read share,
//                                  2 = a reader waiting, 3 = a writer waiting
//
// Every share counted in S is recorded in a slot (recorded before it is counted, unrecorded
// after), so the shares of live users never exceed what their slots say. A writer that waited
// a whole sleep slice for readers (or whose try is past its deadline) recounts: n = min(n,
// shares recorded by live users), which gives back the shares of dead readers (within a slice
// or two) and never drops a live one. It recounts only with WAIT set, under the mutex: then no
// fast path moves S during the scan (a hand-off between two readers mid-scan was an ABA).
// A dead writer is taken over by a waiting writer (kOwnerDied) or released by a waiting reader
// (which then grants the waiting readers). Every sleep is on S and sliced (kSliceNs).
#pragma once
#include <cstdint>

#include "core/common.h"

namespace procsync {
namespace rw {
constexpr uint32_t kS = 16, kSlots = 32;
constexpr uint32_t kRead = 0x80000000u, kWait = 0x40000000u, kCount = 0x1FFFFFFFu;
constexpr uint32_t kNative = 0x80000000u;
constexpr uint32_t kShare = 1, kReaderWaits = 2, kWriterWaits = 3;
// Shares one thread may take by the JS fast path (more go through native slots).
constexpr uint32_t kHomeMax = 1024;
constexpr uint32_t kMaxSlots = 65536;
constexpr uint32_t kDefaultSlots = 128;
constexpr uint64_t state_size(uint32_t slots) { return 4ull * (kSlots + 2ull * slots); }
}  // namespace rw

struct RWState {
  uint32_t* w;     // state words
  uint32_t slots;  // number of slots (pairs)
};

// A read share for ctx.me() in a native slot. kOk / kOwnerDied (a dead writer was released),
// kTimeout, kCancelled. value = the slot index of the share.
OpResult rw_read_acquire(RWState st, const WaitCtx& ctx);
// The write lock for ctx.me(). kOk, kOwnerDied (a dead writer was taken over), kTimeout,
// kCancelled.
OpResult rw_write_acquire(RWState st, const WaitCtx& ctx);
// Releases the write lock held by ctx.me(): grants the waiting readers, wakes the rest.
// kOk or kErrReleasedTooMany (not the holder).
int32_t rw_write_release(RWState st, const WaitCtx& ctx);
// Gives back one read share of ctx.me(): from_home, one counted in its home slot (the JS side
// lowers the slot's count afterwards); else one of its native slots. kOk or kErrReleasedTooMany.
int32_t rw_read_release(RWState st, bool from_home, const WaitCtx& ctx);
// The home slot of ctx.me() (claimed now if it has none), or -1 when all are taken.
int32_t rw_home_slot(RWState st, const WaitCtx& ctx);

}  // namespace procsync
