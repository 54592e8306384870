// Word waits that an event loop can sleep on directly (the platform seam's optional part).
//
// An async wait normally runs on a waiter thread (async_host.h): per hand-off the JS thread wakes
// that thread, it sleeps on the word, is woken by the releaser, and wakes the JS thread's loop
// — three to four context switches where a C futex ping-pong pays one (docs/design.md, "Async
// waits on the event loop itself"). A WordWatcher lets the kernel do the waiting instead: arm()
// registers a futex wait on a shared word, and the event loop, which polls the watcher, is the
// one woken by the releaser's plain futex wake; `ready` then collects the completions.
//
// Linux: io_uring's IORING_OP_FUTEX_WAIT (kernel 6.7 and later). open() returns nullptr where
// that is missing or refused (older kernels, seccomp profiles that block io_uring, other
// backends), and the waiter threads serve as before.
#pragma once
#include <node_api.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace procsync {

class WordWatcher {
 public:
  // Watches on env's event loop: `ready` runs on the JS thread, from the loop, when completions
  // may be waiting (and after post()). nullptr when the platform cannot (see above).
  static std::unique_ptr<WordWatcher> open(napi_env env, std::function<void()> ready);
  // Stops the loop's polling and ends every armed wait.
  virtual ~WordWatcher() = default;

  // Sleeps in the kernel on `word` while it holds `expected`; completes (with `token`) when
  // woken, when the word did not hold `expected`, or when cancelled. The word's memory must
  // stay mapped until then. False: could not be submitted.
  virtual bool arm(uint64_t token, uint32_t* word, uint32_t expected) = 0;
  // Asks an armed wait to complete now (it still completes once, with its token). False: the
  // request could not be submitted.
  virtual bool cancel(uint64_t token) = 0;
  // Appends the tokens of completed waits.
  virtual void collect(std::vector<uint64_t>* tokens) = 0;
  // Runs `ready` on the next loop turn (a result known before any wait was armed).
  virtual void post() = 0;
  // Whether the watcher keeps the event loop (and so the process) alive: while waits pend.
  virtual void keep_alive(bool yes) = 0;
};

}  // namespace procsync
