// Async waits: blocking operations run on the addon's own waiter threads (never the libuv
// threadpool, which a few parked waits would starve), and their results come back to the JS
// thread through one thread-safe function per environment.
//
// The JS layer keeps few native waits in flight and queues the rest in JS: per thread, one per
// Lock, RLock or Semaphore object (lib/core/wait-list.ts), one per Event object for all its
// local waiters, up to three per Queue object (gets, puts, joins), and one per waiting Barrier
// call (a Barrier's parties are few). So the number of threads follows the objects being waited
// on, not the pending waits. Idle threads linger briefly for reuse, then exit.
#pragma once
#include <napi.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/common.h"
#include "platform/segment.h"

namespace procsync {

using OpFn = std::function<OpResult(const WaitCtx&)>;
// Gives back what an op took (a lock, a count), for an op whose waiter gave up meanwhile.
using UndoFn = std::function<void()>;

class AsyncHost {
 public:
  explicit AsyncHost(Napi::Env env);
  ~AsyncHost();

  // Runs `op` on a waiter thread; `cb(code, value)` is called on the JS thread afterwards
  // (also after a cancel). `keep` holds the memory mapped. `undo` (optional) gives back what
  // the op took: a cancelled request never reports a take (kOk / kOwnerDied) — see cancel().
  uint32_t submit(Napi::Env env, OpFn op, Napi::Function cb, std::shared_ptr<Mapping> keep,
                  UndoFn undo = nullptr);
  // Asks a pending request to stop; its callback still runs, with kCancelled unless the op
  // ended otherwise before (a timeout, an error). If the op took something (it succeeded just
  // before it saw the cancel, or had finished and was waiting for delivery), the take is given
  // back right away — by the waiter thread, or here — instead of by the JS layer at delivery:
  // until delivery, this thread's own sync calls could otherwise find the lock held by
  // themselves and wait forever (found by the soak run).
  void cancel(uint32_t id);
  // Env teardown: cancels everything and joins the threads. Idempotent.
  void shutdown();
  size_t thread_count();

 private:
  struct Request {
    uint32_t id;
    OpFn op;
    UndoFn undo;
    std::shared_ptr<Mapping> keep;
    Napi::FunctionReference cb;  // touched on the JS thread only
    std::atomic<bool> cancel{false};
    std::atomic<uint32_t*> waiting_on{nullptr};
    OpResult result;
    bool finished = false;  // result set, in done_ (guarded by mu_)
  };
  // With mu_ held, for a cancelled request whose op has returned: gives back a take.
  static void undo_take_locked(Request& r);
  void thread_main();
  void deliver(Napi::Env env);  // on the JS thread: runs the callbacks of finished requests
  void update_ref(Napi::Env env);
  std::vector<std::thread> take_exited_locked();

  Napi::ThreadSafeFunction tsfn_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Request>> queue_;
  std::unordered_map<uint32_t, std::shared_ptr<Request>> pending_;
  std::vector<std::shared_ptr<Request>> done_;
  std::vector<std::thread> threads_;
  std::vector<std::thread::id> exited_;  // returned from thread_main, not joined yet
  size_t idle_ = 0;
  uint32_t next_id_ = 1;
  bool stopping_ = false;
  bool refed_ = false;
  bool deliver_posted_ = false;
};

}  // namespace procsync
