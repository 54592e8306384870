// Async waits: blocking operations run on the addon's own waiter threads (never the libuv
// threadpool, which a few parked waits would starve), and their results come back to the JS
// thread through one thread-safe function per environment.
//
// The JS layer keeps at most one native wait in flight per primitive per thread (the others
// queue in JS), so the number of threads follows the number of primitives being waited on, not
// the number of pending waits. Idle threads linger briefly for reuse, then exit.
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

#include "common.h"
#include "platform/segment.h"

namespace procsync {

using OpFn = std::function<OpResult(const WaitCtx&)>;

class AsyncHost {
 public:
  explicit AsyncHost(Napi::Env env);
  ~AsyncHost();

  // Runs `op` on a waiter thread; `cb(code, value)` is called on the JS thread afterwards
  // (also after a cancel, with whatever the op returned). `keep` holds the memory mapped.
  uint32_t submit(Napi::Env env, OpFn op, Napi::Function cb, std::shared_ptr<Mapping> keep);
  // Asks a pending request to stop; its callback still runs (normally with kCancelled).
  void cancel(uint32_t id);
  // Env teardown: cancels everything and joins the threads. Idempotent.
  void shutdown();
  size_t thread_count();

 private:
  struct Request {
    uint32_t id;
    OpFn op;
    std::shared_ptr<Mapping> keep;
    Napi::FunctionReference cb;  // touched on the JS thread only
    std::atomic<bool> cancel{false};
    std::atomic<uint32_t*> waiting_on{nullptr};
    OpResult result;
  };
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
