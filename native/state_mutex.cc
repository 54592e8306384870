#include "state_mutex.h"

#include "wait.h"
#include "lock.h"

namespace procsync {

namespace {
// How long a call whose own deadline is sooner still waits for the mutex. Holders keep it for
// microseconds; this only matters when one is descheduled.
constexpr int64_t kGraceNs = 100LL * 1000 * 1000;
constexpr int64_t kCleanupNs = 2000LL * 1000 * 1000;
}  // namespace

StateGuard::StateGuard(uint32_t* word, const WaitCtx& ctx) : word_(word) {
  if (ctx.me() == 0) { code_ = kErrCorrupt; return; }
  WaitCtx c = ctx;
  if (c.deadline_ns >= 0) {
    int64_t floor = monotonic_ns() + kGraceNs;
    if (c.deadline_ns < floor) c.deadline_ns = floor;
  }
  OpResult r = lock_acquire(word, c);
  locked_ = r.code == kOk || r.code == kOwnerDied;
  owner_died_ = r.code == kOwnerDied;
  code_ = locked_ ? kOk : r.code;
}

void StateGuard::unlock() {
  if (!locked_) return;
  locked_ = false;
  lock_release(word_);
}

WaitCtx cleanup_ctx(const WaitCtx& ctx) {
  WaitCtx c;
  c.self = ctx.self;
  c.deadline_ns = monotonic_ns() + kCleanupNs;
  return c;
}

}  // namespace procsync
