// Shared vocabulary of the native core: result codes and the wait context that every blocking
// operation takes, whether it runs on the JS thread (sync form) or on a waiter thread (async).
#pragma once
#include <atomic>
#include <cstdint>

namespace procsync {

class Identity;  // liveness.h

// Outcome of one blocking operation. Non-negative codes are normal outcomes; negative codes
// map one-to-one to the error codes of API.md (see lib/core/errors.ts).
enum Result : int32_t {
  kOk = 0,
  kTimeout = 1,
  kCancelled = 2,
  kOwnerDied = 3,   // acquired, but the previous owner died holding it
  kBroken = 4,      // Barrier: broken
  kErrReleasedTooMany = -1,
  kErrNotOwner = -2,
  kErrLockNotHeld = -3,
  kErrOutOfRange = -4,
  kErrCorrupt = -5,
  kErrClosed = -6,
  kErrMessageTooLarge = -7,
  kErrSys = -8,
};

// Per-call wait parameters. `deadline_ns` is absolute CLOCK_MONOTONIC, or -1 for no deadline.
// `cancel` is set by another thread (abort, timeout in JS, env teardown); `waiting_on` tells the
// canceller which shared word to wake so the sleeper notices promptly.
struct WaitCtx {
  int64_t deadline_ns = -1;
  std::atomic<bool>* cancel = nullptr;
  std::atomic<uint32_t*>* waiting_on = nullptr;

  // Sync waits on a JS thread: asked on every wake-up (it rate-limits itself) whether the
  // thread is being torn down (worker.terminate()); true ends the wait as cancelled. See
  // env_stopping() in napi/run.cc.
  bool (*stop_probe)(void*) = nullptr;
  void* stop_arg = nullptr;

  // The caller's identity in the segment (liveness.h): its user id, written into owner words,
  // and the means to ask whether another user id is alive.
  const Identity* self = nullptr;
  uint32_t me() const;
  bool alive(uint32_t id) const;

  bool cancelled() const {
    if (cancel && cancel->load(std::memory_order_acquire)) return true;
    return stop_probe && stop_probe(stop_arg);
  }
  void sleeping_on(uint32_t* w) const {
    if (waiting_on) waiting_on->store(w, std::memory_order_seq_cst);
  }
};

// Value of an operation plus its code (e.g. a Barrier arrival index).
struct OpResult {
  int32_t code = kOk;
  double value = 0;
};

// Small wrappers over the GCC/Clang __atomic builtins: the words live in shared memory mapped
// by several processes, so they are plain uint32_t in the segment, accessed only through these.
// seq_cst throughout: the "set a word, then check the sleepers count" hand-offs between
// releasers and sleepers are Dekker-style and need a total order.
inline uint32_t load(const uint32_t* p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
inline void store(uint32_t* p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }
// For state written under a mutex: keeps the stores in program order (a plain mov on x86)
// without the full fence of a seq_cst store.
inline void store_release(uint32_t* p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
inline bool cas(uint32_t* p, uint32_t& expected, uint32_t desired) {
  return __atomic_compare_exchange_n(p, &expected, desired, false, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST);
}
inline uint32_t fetch_add(uint32_t* p, uint32_t v) { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }
inline uint32_t fetch_sub(uint32_t* p, uint32_t v) { return __atomic_fetch_sub(p, v, __ATOMIC_SEQ_CST); }
inline uint32_t exchange(uint32_t* p, uint32_t v) { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); }

}  // namespace procsync
