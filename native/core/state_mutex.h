// The internal mutex of primitives whose state spans several words (Condition, Barrier, Queue):
// word 0 of the state, in the Lock's encoding (lock.h: owner user id | waiters bit), held only
// inside one native call, never across JS.
//
// Why not a robust pthread mutex (the first design): its owner is a tid, which means nothing
// in another pid namespace, and a hostile or stale tid in the word blocked every later caller
// forever, timeout or not. Here the owner is a user id whose liveness the kernel decides
// (liveness.h): a dead owner is taken over — the guard reports owner_died() and the caller
// repairs its state under the mutex — and a live owner is waited for only until the caller's
// deadline (plus a short grace, so that a zero-timeout call still gets through a mutex held for
// a few µs).
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/common.h"

namespace procsync {

// Bytes reserved for the mutex at the start of each such state (one word used; the rest keeps
// the other state words on their own cache line).
constexpr size_t kStateMutexSize = 64;

class StateGuard {
 public:
  StateGuard(uint32_t* word, const WaitCtx& ctx);
  ~StateGuard() { unlock(); }
  StateGuard(const StateGuard&) = delete;
  StateGuard& operator=(const StateGuard&) = delete;

  // Held. When false, code() says why: kTimeout, kCancelled or kErrCorrupt (no identity).
  bool ok() const { return locked_; }
  int32_t code() const { return code_; }
  // The previous holder died inside its critical section: repair the state now.
  bool owner_died() const { return owner_died_; }
  void unlock();

 private:
  friend void wake_after_unlock(uint32_t* word, int32_t n);
  struct Wake {
    uint32_t* word;
    int32_t n;
  };
  static constexpr int kMaxDeferred = 4;

  uint32_t* word_;
  bool locked_ = false;
  bool owner_died_ = false;
  int32_t code_ = kOk;
  // Wake-ups asked for while held, made once the mutex is free (see wake_after_unlock).
  Wake deferred_[kMaxDeferred];
  int n_deferred_ = 0;
  StateGuard* outer_ = nullptr;  // the guard this thread held before this one, if any
};

// wake_word(), but made only after this thread's state mutex is released when it holds one.
// A sleeper woken while the waker still holds the mutex wants that mutex at once (to withdraw a
// Condition slot, to leave a Barrier): on one CPU it preempts the waker inside its critical
// section, finds the mutex held and sleeps again — two more switches and a wake per hand-off.
// Correct either way: every sleeper re-checks its word, and a waker that dies before its
// deferred wake leaves the sleeper to notice at the end of its sleep slice (kSliceNs).
void wake_after_unlock(uint32_t* word, int32_t n);

// A context for clean-up under the mutex after a wait (withdrawing a Condition slot, leaving
// a Barrier): not cancellable — the clean-up must happen — but bounded, so that a hostile
// live owner cannot hold it forever.
WaitCtx cleanup_ctx(const WaitCtx& ctx);

}  // namespace procsync
