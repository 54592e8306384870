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

}  // namespace procsync
