#include "primitives/barrier.h"

#include "core/wait.h"
#include "core/state_mutex.h"

namespace procsync {

namespace {
using namespace barrier;

// How long a timed wait still waits for the last arrival's action past its own deadline.
constexpr int64_t kActionGraceNs = 5000LL * 1000 * 1000;

struct Words {
  uint32_t* state;
  uint32_t* count;
  uint32_t* seq;
  uint32_t* sleepers;
  uint32_t* slots;
  uint32_t parties;
};

Words words(BarrierState st) {
  return {st.w + kStateWord, st.w + kCountWord, st.w + kSeqWord, st.w + kSleepersWord, st.w + kSlotsWord, st.parties};
}

// Waiters sleep through counted_sleep (wait.h), so a bump with nobody asleep makes no wake call.
void bump(const Words& b) {
  fetch_add(b.seq, 1);
  if (load(b.sleepers) != 0) wake_after_unlock(b.seq, INT32_MAX);
}

// A holder of the mutex died mid-update: recount from the slots, make the state word valid and
// wake everyone to re-check.
void repair_locked(const Words& b) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < b.parties; i++) n += load(b.slots + i) != 0;
  store(b.count, n);
  if (load(b.state) > kStBroken) store(b.state, kStBroken);
  bump(b);
}

// Every entry under the mutex: the words live in shared memory that anyone of the user may
// have written, so the state must be a known one and the count must agree with the slots
// (a mismatch would let a lone party through, or make a cycle wait for parties that never
// come). Costs one pass over the slots.
void check_locked(const Words& b) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < b.parties; i++) n += load(b.slots + i) != 0;
  if (load(b.state) > kStBroken || load(b.count) != n) repair_locked(b);
  // A drain or reset ends when its last counted party leaves: with nobody counted it is over.
  uint32_t s = load(b.state);
  if ((s == kStDraining || s == kStResetting) && load(b.count) == 0) {
    store(b.state, kStFilling);
    bump(b);
  }
}

void break_locked(const Words& b) {
  store(b.state, kStBroken);
  bump(b);
}

// A party leaves the cycle (threading's _exit): the last one out of a drain or a reset
// re-opens the barrier.
void leave_locked(const Words& b, uint32_t idx) {
  store(b.slots + idx, 0);
  uint32_t c = load(b.count);
  if (c) store(b.count, --c);
  uint32_t s = load(b.state);
  if (c == 0 && (s == kStDraining || s == kStResetting)) {
    store(b.state, kStFilling);
    bump(b);
  }
}

// Slot j's party died: it leaves, and a filling cycle can never complete, so it breaks.
void reap_locked(const Words& b, uint32_t j) {
  if (load(b.state) == kStFilling) break_locked(b);
  leave_locked(b, j);
}

// Checks every counted party (used by arrivals waiting for a drain/reset/action to finish).
void reap_all_locked(const Words& b, const WaitCtx& ctx) {
  for (uint32_t j = 0; j < b.parties; j++) {
    uint32_t t = load(b.slots + j);
    if (t && !ctx.alive(t)) reap_locked(b, j);
  }
}

// Checks the next counted party after `idx` (cyclically): each waiter watches its successor, so
// every counted party is watched by someone at the cost of one check per waiter per slice.
// Returns true when it found it dead (and reaped it).
bool reap_successor_locked(const Words& b, uint32_t idx, const WaitCtx& ctx) {
  for (uint32_t k = 1; k < b.parties; k++) {
    uint32_t j = (idx + k) % b.parties;
    uint32_t t = load(b.slots + j);
    if (!t) continue;
    if (ctx.alive(t)) return false;
    reap_locked(b, j);
    return true;
  }
  return false;
}

// Lowest free index below parties-1 (there is one: at most parties-2 others are counted).
bool take_index_locked(const Words& b, uint32_t me, uint32_t* idx) {
  for (uint32_t i = 0; i + 1 < b.parties; i++) {
    if (load(b.slots + i) == 0) {
      store(b.slots + i, me);
      *idx = i;
      return true;
    }
  }
  return false;
}

}  // namespace

OpResult barrier_wait(BarrierState st, bool has_action, const WaitCtx& ctx) {
  Words b = words(st);
  const uint32_t tid = ctx.me();
  uint32_t idx = 0;
  bool check_liveness = false;
  bool spun = false;
  // Phase 1: wait while a drain, a reset or an action is in progress, then arrive.
  for (;;) {
    uint32_t seen;
    {
      StateGuard g(st.w, ctx);
      if (!g.ok()) return {g.code() == kTimeout ? int32_t(Result::kBroken) : g.code(), 0};
      if (g.owner_died()) repair_locked(b);
      check_locked(b);
      if (check_liveness) reap_all_locked(b, ctx);
      check_liveness = false;
      uint32_t s = load(b.state);
      uint32_t c = load(b.count);
      if (s == kStBroken) return {Result::kBroken, 0};
      if (s == kStFilling && c < b.parties) {
        if (c + 1 == b.parties) {
          // The cycle completes only with live parties: a dead one breaks it instead.
          reap_all_locked(b, ctx);
          if (load(b.state) != kStFilling || load(b.count) != c) continue;
          idx = b.parties - 1;
          store(b.slots + idx, tid);
          store(b.count, c + 1);
          if (has_action) return {barrier::kRunAction, double(idx)};
          store(b.state, kStDraining);
          bump(b);
          leave_locked(b, idx);
          return {kOk, double(idx)};
        }
        if (!take_index_locked(b, tid, &idx)) {
          // Slots and count disagree (a party died mid-update): recount and retry.
          repair_locked(b);
          continue;
        }
        store(b.count, c + 1);
        break;
      }
      seen = load(b.seq);
    }
    if (ctx.cancelled()) return {kCancelled, 0};
    // Not counted yet: the barrier is not ours to break, but the caller's deadline holds (a
    // drain, reset or action that outlasts it — or words that say one is running when none
    // is — must not hold the caller forever).
    if (past(ctx.deadline_ns)) return {Result::kBroken, 0};
    if (!spun) {
      // A drain ends when the parties of the cycle before have left, which they do as soon as
      // they run: in lock-step rounds the next arrival finds the last one still draining. On
      // one CPU the spin is one yield to them (spin.h), which spares their bump a wake-up.
      spun = true;
      if (spin_while_equal(b.seq, seen)) continue;
    }
    // Cancelled: no sleep; the top of the loop withdraws.
    if (counted_sleep(b.seq, seen, b.sleepers, slice_end(ctx.deadline_ns), ctx) == WaitOutcome::kTimedOut)
      check_liveness = true;
  }
  // Phase 2: counted at idx; wait until the cycle is released, broken or reset.
  spun = false;
  for (;;) {
    uint32_t seen;
    {
      // Once counted, leaving is clean-up: it must happen even when cancelled.
      StateGuard g(st.w, cleanup_ctx(ctx));
      if (!g.ok()) return {g.code() == kTimeout ? int32_t(Result::kBroken) : g.code(), 0};
      if (g.owner_died()) repair_locked(b);
      check_locked(b);
      if (load(b.slots + idx) != tid) {
        // Our slot was reaped: we were judged dead. Nothing sensible is left but broken.
        return {Result::kBroken, 0};
      }
      uint32_t s = load(b.state);
      if (s == kStDraining) {
        leave_locked(b, idx);
        return {kOk, double(idx)};
      }
      if (s != kStFilling) {  // broken or resetting
        leave_locked(b, idx);
        return {Result::kBroken, 0};
      }
      bool action_running = load(b.count) >= b.parties;
      if (ctx.cancelled()) {
        // Withdraw. During the action the cycle already counts us: breaking is all we can do.
        if (action_running) break_locked(b);
        leave_locked(b, idx);
        return {kCancelled, 0};
      }
      // During the action the deadline is suspended (threading's waiters cannot even re-take
      // the lock then), but only for kActionGraceNs: words that claim an action no live party
      // runs must not hold a timed wait forever.
      if (past(ctx.deadline_ns) && (!action_running || monotonic_ns() >= ctx.deadline_ns + kActionGraceNs)) {
        break_locked(b);
        leave_locked(b, idx);
        return {Result::kBroken, 0};
      }
      if (check_liveness && reap_successor_locked(b, idx, ctx)) {
        leave_locked(b, idx);
        return {Result::kBroken, 0};
      }
      check_liveness = false;
      seen = load(b.seq);
    }
    if (!spun && !ctx.cancelled()) {
      // The last arrival is often microseconds away (rounds in lock-step on several CPUs).
      spun = true;
      if (spin_while_equal(b.seq, seen)) continue;
    }
    // During the action our deadline is suspended: sleep in plain slices, not in a busy loop.
    // Cancelled: no sleep; the top of the loop withdraws.
    int64_t until = past(ctx.deadline_ns) ? slice_end(-1) : slice_end(ctx.deadline_ns);
    if (counted_sleep(b.seq, seen, b.sleepers, until, ctx) == WaitOutcome::kTimedOut) check_liveness = true;
  }
}

int32_t barrier_complete(BarrierState st, bool ok, const WaitCtx& ctx) {
  Words b = words(st);
  const uint32_t tid = ctx.me();
  StateGuard g(st.w, ctx);
  if (!g.ok()) return g.code() == kTimeout ? int32_t(Result::kBroken) : g.code();
  if (g.owner_died()) repair_locked(b);
  check_locked(b);
  uint32_t idx = b.parties - 1;
  if (load(b.slots + idx) != tid) return Result::kBroken;
  int32_t r = Result::kBroken;
  if (load(b.state) == kStFilling && load(b.count) >= b.parties) {
    if (ok) {
      store(b.state, kStDraining);
      bump(b);
      r = kOk;
    } else {
      break_locked(b);
    }
  }
  leave_locked(b, idx);
  return r;
}

int32_t barrier_reset(BarrierState st, const WaitCtx& ctx) {
  Words b = words(st);
  StateGuard g(st.w, ctx);
  if (!g.ok()) return g.code() == kTimeout ? int32_t(Result::kBroken) : g.code();
  if (g.owner_died()) repair_locked(b);
  check_locked(b);
  uint32_t s = load(b.state);
  if (load(b.count) > 0) {
    // Counted parties must leave first (they get BrokenBarrierError); a drain finishes.
    if (s == kStFilling || s == kStBroken) store(b.state, kStResetting);
  } else {
    store(b.state, kStFilling);
  }
  bump(b);
  return kOk;
}

int32_t barrier_abort(BarrierState st, const WaitCtx& ctx) {
  Words b = words(st);
  StateGuard g(st.w, ctx);
  if (!g.ok()) return g.code() == kTimeout ? int32_t(Result::kBroken) : g.code();
  if (g.owner_died()) repair_locked(b);
  check_locked(b);
  break_locked(b);
  return kOk;
}

}  // namespace procsync
