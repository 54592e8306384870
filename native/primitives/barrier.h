// Barrier state machine: threading.Barrier's algorithm (filling / draining / resetting /
// broken) in shared words, guarded by the state mutex (state_mutex.h), plus a table of the counted
// parties' user ids (liveness.h) so that a party that dies breaks the
// barrier instead of hanging the others.
//
// State words (uint32, index from the start of the state):
//   0..15  the state mutex (state_mutex.h)
//   16     state: FILLING, DRAINING, RESETTING, BROKEN
//   17     count: parties counted in the current cycle (arrived and not yet left)
//   18     seq: bumped on every change sleepers care about; everyone sleeps on it
//   19     sleepers: threads asleep on seq now (layout version 5). A bump wakes only when it is
//          not 0, so a round whose waiter found the change before sleeping (one CPU: it
//          yields first) makes no wake-up call. A party killed asleep leaves it counted: later
//          bumps then always wake, as before this word. A scribbled value costs at most a
//          sleep slice per wait (every wait re-checks the state at the end of its slice).
//   32..   slots[parties]: slot i holds the user id of the party with arrival index i (0 = free)
//
// Arrival indices are slots: a party takes the lowest free index below parties-1, the last
// arrival takes parties-1. So indices stay unique in a cycle even when an aborted async wait
// withdraws, and the last arrival always gets parties-1.
//
// The last arrival either releases the cycle at once (no action in its process) or returns
// kRunAction to JS, which runs the action and calls barrier_complete. While the action runs
// the state is FILLING with count == parties: others keep waiting (their timeouts do not
// break it, as in threading, where they cannot re-take the lock) and new arrivals wait.
#pragma once
#include <cstdint>

#include "core/common.h"

namespace procsync {
namespace barrier {
constexpr uint32_t kStateWord = 16;
constexpr uint32_t kCountWord = 17;
constexpr uint32_t kSeqWord = 18;
constexpr uint32_t kSleepersWord = 19;
constexpr uint32_t kSlotsWord = 32;
constexpr uint32_t kStFilling = 0;
constexpr uint32_t kStDraining = 1;
constexpr uint32_t kStResetting = 2;
constexpr uint32_t kStBroken = 3;
constexpr uint32_t kMaxParties = 1u << 20;
// Result of barrier_wait for the last arrival when its process has an action to run.
constexpr int32_t kRunAction = 100;
constexpr uint64_t state_size(uint32_t parties) {
  return (4ull * (kSlotsWord + parties) + 7) & ~uint64_t(7);
}
}  // namespace barrier

struct BarrierState {
  uint32_t* w;
  uint32_t parties;
};

// Arrives for ctx.me() and waits for the cycle. kOk (value = arrival index), kRunAction (value =
// parties-1; call barrier_complete), Result::kBroken, kCancelled (withdrawn: nothing taken),
// kErrCorrupt. A deadline that passes while waiting breaks the barrier (Python semantics).
OpResult barrier_wait(BarrierState st, bool has_action, const WaitCtx& ctx);
// After the action of the last arrival (ctx.me()): ok releases the cycle, !ok breaks it. Either way
// the caller leaves the cycle. kOk when released, Result::kBroken otherwise.
int32_t barrier_complete(BarrierState st, bool ok, const WaitCtx& ctx);
int32_t barrier_reset(BarrierState st, const WaitCtx& ctx);
int32_t barrier_abort(BarrierState st, const WaitCtx& ctx);

}  // namespace procsync
