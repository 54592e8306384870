// Condition state machine: the ticket scheme of DESIGN.md with one slot per waiter, which is what
// makes notify(n) exact and crash-safe. The Condition's user-visible lock is a separate Lock/RLock
// segment (named in the link area); the state here is guarded by the state mutex (state_mutex.h) held
// only inside one native call.
//
// State words (uint32, index from the start of the state):
//   0..15  the state mutex (state_mutex.h)
//   16     waiting: number of slots in state WAITING (read by JS to skip an empty notify)
//   17     seq: the next ticket (waiters are served in ticket order)
//   18     gen: bumped by notify when async waiters sleep (they sleep on this word)
//   19     gen sleepers: async waiters sleeping on `gen`
//   20     hwm: slots [0, hwm) may be in use (bounds the scans)
//   32..   slots, 4 words each: state (FREE/WAITING/NOTIFIED; a sync waiter sleeps on it),
//          user id of the waiter's JS thread (liveness.h), ticket, asleep (1 while the sync
//          waiter sleeps in the kernel: a notify wakes only such a slot).
//
// A waiter takes a slot and a ticket while it holds the Condition's lock, releases the lock,
// sleeps until its slot is NOTIFIED, then frees its slot (withdraw) and re-acquires the lock.
// notify(n) marks the n oldest WAITING slots NOTIFIED, skipping (and freeing) slots whose
// thread is dead, so a SIGKILLed waiter never absorbs a notification. A waiter that times out
// withdraws under the mutex: either notify saw it first (it returns true) or it is gone before
// notify looks (notify picks someone else).
#pragma once
#include <cstdint>
#include <vector>

#include "core/common.h"

namespace procsync {
namespace cond {
constexpr uint32_t kWaitingWord = 16;
constexpr uint32_t kSeqWord = 17;
constexpr uint32_t kGenWord = 18;
constexpr uint32_t kGenSleepersWord = 19;
constexpr uint32_t kHwmWord = 20;
constexpr uint32_t kSlotsWord = 32;
constexpr uint32_t kSlotWords = 4;
constexpr uint32_t kSlotFree = 0;
constexpr uint32_t kSlotWaiting = 1;
constexpr uint32_t kSlotNotified = 2;
constexpr uint32_t kMaxWaiters = 65536;
// Bytes of state for a table of `cap` slots.
constexpr uint64_t state_size(uint32_t cap) { return 4ull * (kSlotsWord + uint64_t(kSlotWords) * cap); }
}  // namespace cond

struct CondState {
  uint32_t* w;   // state words
  uint32_t cap;  // slots
};

// Takes a free slot for ctx.me() with the next ticket. value = slot index.
// kErrOutOfRange when every slot holds a live waiter; the state mutex's code if not taken.
OpResult cond_enqueue(CondState st, const WaitCtx& ctx);
// Sync wait on one slot until notified or the deadline; always withdraws before returning.
// kOk (notified) or kTimeout.
OpResult cond_wait(CondState st, uint32_t slot, uint32_t ticket, const WaitCtx& ctx);
// Async form: sleeps until any (slot, ticket) pair of `pairs` is no longer WAITING under that
// ticket (its owner then calls cond_withdraw), or until cancelled. kOk or kCancelled.
OpResult cond_wait_any(CondState st, const std::vector<uint32_t>& pairs, const WaitCtx& ctx);
// Frees the slot if it still holds `ticket`. value = 1 when it had been notified. With
// `forward`, a notification it had received is passed on to the next waiter instead (an
// aborted wait takes nothing) and value is 0.
OpResult cond_withdraw(CondState st, uint32_t slot, uint32_t ticket, bool forward, const WaitCtx& ctx);
// Notifies the min(n, waiting) oldest live waiters. value = how many. With wake = false the
// waiters are only marked: the notifier wakes them with cond_wake_notified() once it has
// released the lock. Woken at once, a waiter on the notifier's CPU would run, find the lock
// still held and sleep again (2.5 context switches per hand-off instead of 1, measured).
// A marked waiter that is never woken still sees its mark at the end of its sleep slice.
OpResult cond_notify(CondState st, uint32_t n, bool wake, const WaitCtx& ctx);
// Wakes every waiter marked notified (and the async waiters' gen word).
void cond_wake_notified(CondState st);

}  // namespace procsync
