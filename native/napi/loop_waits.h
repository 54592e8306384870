// Async waits that the JS thread's event loop sleeps on itself, without a waiter thread, where
// the platform offers kernel word waits an event loop can poll (platform/word_watcher.h).
//
// Per hand-off the waiter-thread path (async_host.h) costs the JS thread's wake-up of its waiter
// thread, that thread's sleep and wake-up on the word, and its wake-up of the loop; here the
// releaser's futex wake completes the kernel wait and the loop wakes directly: one wake-up per
// hand-off, as in a C futex ping-pong. Used for async waits whose op can be put in the two steps
// of LoopOp (Semaphore acquire); everything else keeps the waiter threads. The loop keeps no
// deadline: a timed wait ends by cancel() from the caller's timer (lib/primitives/waitqueue.ts), which
// settles only on the answer — kCancelled, or kOk for a take that came first.
//
// PROCSYNC_LOOP_WAITS=0 turns them off (waiter threads only), =1 uses them for every eligible
// wait; unset, run.cc chooses (wait_on_loop: every eligible wait, except in a process pinned
// to one CPU whose releaser runs on another CPU).
//
// Per environment, JS thread only. Request ids have kLoopIdBit set (AsyncHost's never do), so
// native.cancel(id) knows which of the two to ask.
#pragma once
#include <napi.h>

#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/common.h"
#include "platform/segment.h"
#include "platform/word_watcher.h"

namespace procsync {

constexpr uint32_t kLoopIdBit = 0x80000000u;

// An async wait as two non-blocking steps.
struct LoopOp {
  // Tries to finish: true with the result in *out; else announces the caller as a sleeper of
  // *word (so that releasers wake it) and returns false — the wait then sleeps while *word holds
  // *expected, and calls withdraw() once woken, before trying again.
  std::function<bool(OpResult* out, uint32_t** word, uint32_t* expected)> attempt;
  std::function<void()> withdraw;
  // Gives back what a successful attempt took, when the wait was cancelled before delivery.
  std::function<void()> undo;
  // A word naming the CPU of the releaser that last woke a sleeper (spin.h), or null: a process
  // pinned to one CPU waits on the loop unless that releaser runs on another CPU (run.cc).
  const uint32_t* waker_cpu = nullptr;
};

class LoopWaits {
 public:
  explicit LoopWaits(napi_env env) : env_(env) {}
  ~LoopWaits() { shutdown(); }
  LoopWaits(const LoopWaits&) = delete;
  LoopWaits& operator=(const LoopWaits&) = delete;

  // Starts `op`; cb(code, value) runs on the JS thread when it finished (also after a cancel).
  // Returns the request id, or 0 when loop waits are not available here (the caller then uses
  // the waiter threads). `keep` holds the words mapped.
  uint32_t submit(LoopOp op, Napi::Function cb, std::shared_ptr<Mapping> keep);
  // As AsyncHost::cancel: the callback still runs, with kCancelled unless it had finished; a
  // take not delivered yet is given back now.
  void cancel(uint32_t id);
  // Env teardown: withdraws every armed wait, closes the ring and the loop handles. Idempotent.
  void shutdown();
  // Whether this environment can wait on its loop.
  bool available();
  // PROCSYNC_LOOP_WAITS=1: every eligible wait uses the loop, wherever the releaser runs (tests).
  bool forced() const { return forced_; }
  // Waits that went through the loop so far (tests and diagnostics).
  uint64_t count() const { return count_; }

 private:
  struct Request {
    LoopOp op;
    std::shared_ptr<Mapping> keep;
    Napi::FunctionReference cb;
    OpResult result;
    bool armed = false;     // a kernel wait is registered
    uint32_t* word = nullptr;  // the word it sleeps on
    bool finished = false;  // result set, delivery pending
    bool cancelled = false;
  };
  bool start();  // opens the watcher and the loop handles, once
  // Tries r's op again (or first): finishes it, or arms its kernel wait; false (announcement
  // withdrawn) when the kernel refused the wait.
  bool advance(uint32_t id, Request& r);
  void finish(Request& r, OpResult res);
  void on_ready();  // a completion or an immediate result: deliver what finished

  napi_env env_;
  bool tried_ = false;
  bool stopped_ = false;
  bool forced_ = false;
  uint64_t count_ = 0;
  std::unique_ptr<WordWatcher> watcher_;
  napi_async_context async_context_ = nullptr;
  std::unordered_map<uint32_t, std::unique_ptr<Request>> reqs_;
  uint32_t next_id_ = 1;
  std::vector<uint64_t> tokens_;  // scratch for collect()
};

}  // namespace procsync
