#include "lock.h"

#include "spin.h"
#include "wait.h"
#include "platform/liveness.h"

namespace procsync {

namespace {
// Takes over a lock whose owner (in `seen`) is dead. Keeps the waiters bit: others may sleep.
bool take_over_if_dead(uint32_t* word, uint32_t seen, const WaitCtx& ctx) {
  if (ctx.alive(seen & kOwnerMask)) return false;
  uint32_t e = seen;
  return cas(word, e, ctx.me() | kLockWaiters);
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
    if (!(v & kLockWaiters)) {
      uint32_t e = v;
      if (!cas(word, e, v | kLockWaiters)) continue;
      v |= kLockWaiters;
    }
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
// After a releaser consumed our heir registration: it stores us as the owner right after.
// Should it die in between, the word still names it, and it is taken over once found dead.
OpResult await_handover(uint32_t* word, const WaitCtx& ctx) {
  const uint32_t me = ctx.me();
  for (;;) {
    uint32_t v = load(word);
    if ((v & kOwnerMask) == me) return {kOk, 0};
    if ((v & kOwnerMask) == 0) {
      // Freed by someone else meanwhile (a Lock may be released by anyone).
      if (cas(word, v, me | kLockWaiters)) return {kOk, 0};
      continue;
    }
    if (wait_on_word(word, v, slice_end(-1)) == WaitOutcome::kTimedOut && take_over_if_dead(word, v, ctx))
      return {kOwnerDied, 0};
  }
}

// Gives up an heir registration. False when a releaser consumed it first: the lock is ours.
bool withdraw_heir(uint32_t* heir, uint32_t me) {
  uint32_t e = me;
  return cas(heir, e, 0) || load(heir) != 0;
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
  for (;;) {
    if (registered && load(heir) != me) return await_handover(word, ctx);
    uint32_t v = load(word);
    if ((v & kOwnerMask) == 0) {
      if (cas(word, v, me | mark)) {
        if (registered) withdraw_heir(heir, me);
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
      // Handed the lock as we gave up: take it (an async waiter's undo gives it back).
      if (registered && !withdraw_heir(heir, me)) return await_handover(word, ctx);
      return {cancelled ? kCancelled : kTimeout, 0};
    }
    if (!spun) {
      spun = true;
      if (spin_while_equal(word, v)) continue;
    }
    if (!(v & kLockWaiters)) {
      uint32_t e = v;
      if (!cas(word, e, v | kLockWaiters)) continue;
      v |= kLockWaiters;
    }
    mark = kLockWaiters;
    ctx.sleeping_on(word);
    if (ctx.cancelled()) continue;
    if (wait_on_word(word, v, slice_end(ctx.deadline_ns)) == WaitOutcome::kTimedOut) {
      if (take_over_if_dead(word, v, ctx)) {
        if (registered) withdraw_heir(heir, me);
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
    uint32_t e = h;
    if (id != 0 && ctx.alive(id)) {
      // Consume the registration first: an heir that gave up meanwhile keeps nothing.
      if (cas(heir, e, 0)) {
        exchange(word, id | kLockWaiters);
        // Every sleeper: the heir among them must see it owns the lock; the others sleep again.
        wake_word(word, INT32_MAX);
        return kOk;
      }
    } else {
      cas(heir, e, 0);  // a dead heir (or garbage): forget it
    }
  }
  return lock_release(word);
}

}  // namespace procsync
