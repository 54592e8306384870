#include "core/state_mutex.h"

#include <cstdint>

#include "primitives/lock.h"
#include "core/spin.h"
#include "core/wait.h"

namespace procsync {

namespace {
// How long a call whose own deadline is sooner still waits for the mutex. Holders keep it for
// microseconds; this only matters when one is descheduled.
constexpr int64_t kGraceNs = 100LL * 1000 * 1000;
constexpr int64_t kCleanupNs = 2000LL * 1000 * 1000;

// The state mutex has its own spin budget: its critical sections last a µs or less, and a
// failed spin here (a holder descheduled on our CPU) says nothing about the word waits that
// share word_spin (wait.cc), nor the other way round.
AdaptiveSpin state_spin(4 * 1000, 4 * 1000);

// The guard this thread holds, for wake_after_unlock (one at a time; nesting is kept anyway).
thread_local StateGuard* t_held = nullptr;
}  // namespace

StateGuard::StateGuard(uint32_t* word, const WaitCtx& ctx) : word_(word) {
  const uint32_t me = ctx.me();
  if (me == 0) { code_ = kErrCorrupt; return; }
  // Uncontended: one CAS, no clock read. Otherwise the full acquire (spin, sleep, dead owner).
  uint32_t free_word = 0;
  if (cas(word, free_word, me)) {
    locked_ = true;
  } else {
    WaitCtx c = ctx;
    if (c.deadline_ns >= 0) {
      int64_t floor = monotonic_ns() + kGraceNs;
      if (c.deadline_ns < floor) c.deadline_ns = floor;
    }
    OpResult r = lock_acquire(word, c, state_spin);
    locked_ = r.code == kOk || r.code == kOwnerDied;
    owner_died_ = r.code == kOwnerDied;
    code_ = locked_ ? kOk : r.code;
  }
  if (locked_) {
    outer_ = t_held;
    t_held = this;
  }
}

void StateGuard::unlock() {
  if (!locked_) return;
  locked_ = false;
  t_held = outer_;
  lock_release(word_);
  for (int i = 0; i < n_deferred_; i++) wake_word(deferred_[i].word, deferred_[i].n);
  n_deferred_ = 0;
}

void wake_after_unlock(uint32_t* word, int32_t n) {
  StateGuard* g = t_held;
  if (g == nullptr) return wake_word(word, n);
  for (int i = 0; i < g->n_deferred_; i++) {
    if (g->deferred_[i].word == word) {
      int64_t sum = int64_t(g->deferred_[i].n) + n;
      g->deferred_[i].n = sum > INT32_MAX ? INT32_MAX : int32_t(sum);
      return;
    }
  }
  if (g->n_deferred_ == StateGuard::kMaxDeferred) return wake_word(word, n);
  g->deferred_[g->n_deferred_++] = {word, n};
}

WaitCtx cleanup_ctx(const WaitCtx& ctx) {
  WaitCtx c;
  c.self = ctx.self;
  c.deadline_ns = monotonic_ns() + kCleanupNs;
  return c;
}

}  // namespace procsync
