#include "primitives/lock.h"

#include "core/spin.h"
#include "core/wait.h"
#include "platform/liveness.h"

namespace procsync {

namespace {
// Takes over a lock whose owner (in `seen`) is dead. Keeps the waiters bit: others may sleep.
bool take_over_if_dead(uint32_t* word, uint32_t seen, const WaitCtx& ctx) {
  if (ctx.alive(seen & kOwnerMask)) return false;
  uint32_t e = seen;
  return cas(word, e, ctx.me() | kLockWaiters);
}

// Before a sleep on a held lock word: sets its waiters bit (so that the release wakes), and
// keeps `v` the value to sleep on. False when the word changed meanwhile: look again.
bool set_waiters_bit(uint32_t* word, uint32_t& v) {
  if (v & kLockWaiters) return true;
  uint32_t e = v;
  if (!cas(word, e, v | kLockWaiters)) return false;
  v |= kLockWaiters;
  return true;
}
}  // namespace

OpResult lock_acquire(uint32_t* word, const WaitCtx& ctx) { return lock_acquire(word, ctx, word_spin()); }

OpResult lock_acquire(uint32_t* word, const WaitCtx& ctx, AdaptiveSpin& spin) {
  const uint32_t me = ctx.me();
  if (me == 0) return {kErrCorrupt, 0};  // no identity: cannot name an owner
  // Once this thread has slept, it must take the lock with the waiters bit set: it cannot
  // know whether other sleepers remain, and a release must wake them.
  uint32_t mark = 0;
  bool spun = false;
  for (;;) {
    uint32_t v = load(word);
    if ((v & kOwnerMask) == 0) {
      if (cas(word, v, me | mark)) return {kOk, 0};
      continue;
    }
    if (past(ctx.deadline_ns)) {
      if (take_over_if_dead(word, v, ctx)) return {kOwnerDied, 0};
      return {kTimeout, 0};
    }
    if (ctx.cancelled()) return {kCancelled, 0};
    if (!spun) {
      spun = true;
      if (spin_while_equal(word, v, spin)) continue;
    }
    if (!set_waiters_bit(word, v)) continue;
    mark = kLockWaiters;
    ctx.sleeping_on(word);
    if (ctx.cancelled()) return {kCancelled, 0};
    if (wait_on_word(word, v, slice_end(ctx.deadline_ns)) == WaitOutcome::kTimedOut) {
      // Nobody released for a whole slice: is the owner still there?
      if (take_over_if_dead(word, v, ctx)) return {kOwnerDied, 0};
    }
  }
}

int32_t lock_release(uint32_t* word) {
  uint32_t v = exchange(word, 0);
  if (v == 0) return kErrReleasedTooMany;
  if (v & kLockWaiters) wake_word(word, 1);
  return kOk;
}

namespace {
// The heir word: 0, or an heir's user id, with kHeirClaimed while a releaser hands the lock over
// and kHeirAbandoned when the heir gave up waiting for that hand-over to finish.
constexpr uint32_t kHeirClaimed = 0x80000000u;
constexpr uint32_t kHeirAbandoned = 0x40000000u;
// How long an heir waits past its own deadline for a hand-over in progress (a releaser between
// two stores: nanoseconds, unless it is descheduled or stopped) before it abandons it.
constexpr int64_t kHandoverGraceNs = 1000LL * 1000 * 1000;

// A releaser claimed our registration and is storing us as the owner. Returns kOk when it did,
// or {kTimeout} when the wait is cancelled or the hand-over stalled past deadline + grace
// (abandoned: the releaser,
// should it go on, releases the lock again); `gone` set when the registration turned out not
// to be ours any more (reset by someone else): the caller goes on as a plain waiter.
OpResult await_handover(uint32_t* word, uint32_t* heir, const WaitCtx& ctx, bool* gone) {
  const uint32_t me = ctx.me();
  *gone = false;
  for (;;) {
    uint32_t v = load(word);
    if ((v & kOwnerMask) == me) return {kOk, 0};
    if (load(heir) != (me | kHeirClaimed)) {
      // Done (the owner store precedes the heir word's reset) or not ours: look again.
      if ((load(word) & kOwnerMask) == me) return {kOk, 0};
      *gone = true;
      return {kTimeout, 0};
    }
    int64_t until = ctx.deadline_ns < 0 ? -1 : ctx.deadline_ns + kHandoverGraceNs;
    if (ctx.cancelled() || (until >= 0 && monotonic_ns() >= until)) {
      uint32_t e = me | kHeirClaimed;
      if (cas(heir, e, me | kHeirAbandoned)) return {kTimeout, 0};
      continue;  // finished meanwhile
    }
    if (wait_on_word(word, v, slice_end(until)) == WaitOutcome::kTimedOut && take_over_if_dead(word, v, ctx))
      return {kOwnerDied, 0};
  }
}

// Gives up an heir registration (timeout, cancel, or the lock taken another way). True when it
// is withdrawn; false when a releaser claimed it first: the hand-over must be awaited.
bool withdraw_heir(uint32_t* heir, uint32_t me) {
  uint32_t e = me;
  if (cas(heir, e, 0)) return true;
  return e != (me | kHeirClaimed);
}
}  // namespace

OpResult user_lock_acquire(uint32_t* word, const WaitCtx& ctx) {
  const uint32_t me = ctx.me();
  if (me == 0) return {kErrCorrupt, 0};
  uint32_t* heir = word + (kLockHeirWord - kLockOwnerWord);
  uint32_t mark = 0;  // as in lock_acquire
  bool spun = false;
  bool registered = false;
  int losses = 0;
  // The end of a wait that was handed the lock, or gave up on a hand-over; kNotOurs when the
  // registration was not ours any more (the wait goes on as a plain waiter).
  constexpr int32_t kNotOurs = INT32_MIN;
  auto handover = [&]() -> OpResult {
    bool gone;
    OpResult r = await_handover(word, heir, ctx, &gone);
    registered = false;
    if (gone) return {kNotOurs, 0};
    if (r.code == kTimeout) return {ctx.cancelled() ? kCancelled : kTimeout, 0};
    return r;
  };
  for (;;) {
    if (registered && load(heir) != me) {
      OpResult r = handover();
      if (r.code != kNotOurs) return r;
    }
    uint32_t v = load(word);
    if ((v & kOwnerMask) == 0) {
      if (cas(word, v, me | mark)) {
        if (registered) withdraw_heir(heir, me);  // cannot be claimed: nobody held the lock
        return {kOk, 0};
      }
      continue;
    }
    bool cancelled = ctx.cancelled();
    if (cancelled || past(ctx.deadline_ns)) {
      if (!cancelled && take_over_if_dead(word, v, ctx)) {
        if (registered) withdraw_heir(heir, me);
        return {kOwnerDied, 0};
      }
      if (registered && !withdraw_heir(heir, me)) {
        // Handed the lock as we gave up: take it (an async waiter's undo gives it back).
        OpResult r = handover();
        if (r.code != kNotOurs) return r;
      }
      return {cancelled ? kCancelled : kTimeout, 0};
    }
    if (!spun) {
      spun = true;
      if (spin_while_equal(word, v)) continue;
    }
    if (!set_waiters_bit(word, v)) continue;
    mark = kLockWaiters;
    ctx.sleeping_on(word);
    if (ctx.cancelled()) continue;  // the top gives up (and withdraws an heir registration)
    if (wait_on_word(word, v, slice_end(ctx.deadline_ns)) == WaitOutcome::kTimedOut) {
      if (take_over_if_dead(word, v, ctx)) {
        if (registered && !withdraw_heir(heir, me)) {
          // Claimed as the owner died: the releaser was the owner, it cannot finish. Abandon.
          uint32_t e = me | kHeirClaimed;
          cas(heir, e, me | kHeirAbandoned);
        }
        return {kOwnerDied, 0};
      }
    } else if (!registered && ++losses >= kLossesBeforeHeir) {
      // Woken this often and the lock was always taken again first: ask for it to be handed
      // over. One heir at a time; a later one registers once this one has had its turn.
      uint32_t e = 0;
      registered = cas(heir, e, me);
    }
  }
}

int32_t user_lock_release(uint32_t* word, const WaitCtx& ctx) {
  uint32_t* heir = word + (kLockHeirWord - kLockOwnerWord);
  uint32_t h = load(heir);
  if (h != 0) {
    if (load(word) == 0) return kErrReleasedTooMany;
    uint32_t id = h & kOwnerMask;
    if ((h & (kHeirClaimed | kHeirAbandoned)) == 0 && id != 0 && ctx.alive(id)) {
      // Claim the registration first: an heir that withdraws meanwhile keeps nothing.
      uint32_t e = h;
      if (cas(heir, e, h | kHeirClaimed)) {
        exchange(word, id | kLockWaiters);
        e = h | kHeirClaimed;
        if (!cas(heir, e, 0)) {
          // The heir abandoned the hand-over (it stalled past its deadline): it does not hold
          // the lock, so release it again, as a plain release.
          store(heir, 0);
          return lock_release(word);
        }
        // Every sleeper: the heir among them must see it owns the lock; the others sleep again.
        wake_word(word, INT32_MAX);
        return kOk;
      }
    } else {
      // A dead heir, an abandoned hand-over, or garbage: forget it.
      uint32_t e = h;
      cas(heir, e, 0);
    }
  }
  return lock_release(word);
}

}  // namespace procsync
