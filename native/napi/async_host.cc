#include "napi/async_host.h"

#include <chrono>

#include "napi/loop_waits.h"
#include "core/spin.h"
#include "core/wait.h"

namespace procsync {

namespace {
// How long an idle waiter thread waits for more work before it exits.
constexpr auto kIdleLinger = std::chrono::seconds(5);
}

AsyncHost::AsyncHost(Napi::Env env) {
  tsfn_ = Napi::ThreadSafeFunction::New(env, Napi::Function(), "procsync.waiter", 0, 1);
  // Only pending waits keep the process alive (update_ref); an idle addon must not.
  tsfn_.Unref(env);
}

AsyncHost::~AsyncHost() { shutdown(); }

uint32_t AsyncHost::submit(Napi::Env env, OpFn op, Napi::Function cb, std::shared_ptr<Mapping> keep,
                           UndoFn undo) {
  auto r = std::make_shared<Request>();
  r->op = std::move(op);
  r->undo = std::move(undo);
  r->keep = std::move(keep);
  r->cb = Napi::Persistent(cb);
  std::vector<std::thread> finished;
  {
    std::lock_guard<std::mutex> g(mu_);
    r->id = next_id_++;
    if (next_id_ == 0 || (next_id_ & kLoopIdBit)) next_id_ = 1;  // never a LoopWaits id
    pending_[r->id] = r;
    queue_.push_back(r);
    finished = take_exited_locked();
    // Spawn unless an idle thread is left for every queued request: an idle thread that was
    // notified but has not woken yet still counts in idle_, so back-to-back submits would
    // otherwise share one thread, and a wait that needs the other (two parties of one
    // Barrier in one process) would never let it run.
    if (idle_ < queue_.size()) {
      threads_.emplace_back(&AsyncHost::thread_main, this);
    } else {
      cv_.notify_one();
    }
  }
  // Threads that lingered idle and exited: they have left thread_main, join is immediate.
  for (auto& t : finished) t.join();
  update_ref(env);
  return r->id;
}

void AsyncHost::cancel(uint32_t id) {
  uint32_t* w;
  {
    std::lock_guard<std::mutex> g(mu_);
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    Request& r = *it->second;
    if (r.finished) {
      // Finished, not delivered yet: give back a take now, report it as cancelled.
      undo_take_locked(r);
      return;
    }
    // Under mu_: the waiter thread checks the flag under mu_ when the op returns.
    r.cancel.store(true, std::memory_order_seq_cst);
    w = r.waiting_on.load(std::memory_order_seq_cst);
  }
  // Wake the word the op sleeps on so it notices now. The wake is spurious for any other
  // sleeper of that word, which re-checks its condition. If it races with the op just about to
  // sleep, the op still notices within one slice (kSliceNs).
  if (w) wake_word(w, INT32_MAX);
}

void AsyncHost::undo_take_locked(Request& r) {
  if (!r.undo || (r.result.code != kOk && r.result.code != kOwnerDied)) return;
  r.undo();
  r.result = {kCancelled, 0};
}

void AsyncHost::thread_main() {
  no_yields_on_this_thread();  // spin.h yield_once
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    while (queue_.empty() && !stopping_) {
      idle_++;
      bool timed_out = cv_.wait_for(lk, kIdleLinger) == std::cv_status::timeout;
      idle_--;
      if (timed_out && queue_.empty() && !stopping_) {
        exited_.push_back(std::this_thread::get_id());
        return;
      }
    }
    if (queue_.empty() && stopping_) return;
    auto r = queue_.front();
    queue_.pop_front();
    lk.unlock();
    WaitCtx ctx;
    ctx.cancel = &r->cancel;
    ctx.waiting_on = &r->waiting_on;
    r->result = r->op(ctx);
    r->waiting_on.store(nullptr);
    lk.lock();
    if (r->cancel.load(std::memory_order_seq_cst)) undo_take_locked(*r);
    r->finished = true;
    done_.push_back(r);
    if (!deliver_posted_) {
      deliver_posted_ = true;
      // Non-blocking: the queue is unbounded. Fails only when the env is going away.
      tsfn_.NonBlockingCall([this](Napi::Env env, Napi::Function) { deliver(env); });
    }
  }
}

void AsyncHost::deliver(Napi::Env env) {
  std::vector<std::shared_ptr<Request>> done;
  {
    std::lock_guard<std::mutex> g(mu_);
    done.swap(done_);
    deliver_posted_ = false;
    for (auto& r : done) pending_.erase(r->id);
  }
  update_ref(env);
  for (auto& r : done) {
    Napi::HandleScope scope(env);
    Napi::Function cb = r->cb.Value();
    r->cb.Reset();
    r->keep.reset();
    // The C call, not cb.Call(): while a worker is being terminated the call fails, and the
    // wrapper's reaction (throwing an error about it) aborts the process.
    napi_value argv[2] = {Napi::Number::New(env, r->result.code), Napi::Number::New(env, r->result.value)};
    napi_value result;
    if (napi_call_function(env, env.Undefined(), cb, 2, argv, &result) != napi_ok && env.IsExceptionPending()) {
      // A throwing callback must not stop the others from being delivered; the JS layer never
      // throws here, so this is a last resort.
      Napi::Error e = env.GetAndClearPendingException();
      (void)e;
    }
  }
}

void AsyncHost::update_ref(Napi::Env env) {
  bool want;
  {
    std::lock_guard<std::mutex> g(mu_);
    want = !pending_.empty() && !stopping_;
  }
  if (want == refed_) return;
  refed_ = want;
  if (want) tsfn_.Ref(env); else tsfn_.Unref(env);
}

std::vector<std::thread> AsyncHost::take_exited_locked() {
  std::vector<std::thread> out;
  for (auto id : exited_) {
    for (size_t i = 0; i < threads_.size(); i++) {
      if (threads_[i].get_id() == id) {
        out.push_back(std::move(threads_[i]));
        threads_.erase(threads_.begin() + long(i));
        break;
      }
    }
  }
  exited_.clear();
  return out;
}

size_t AsyncHost::thread_count() {
  std::lock_guard<std::mutex> g(mu_);
  return threads_.size() - exited_.size();
}

void AsyncHost::shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> g(mu_);
    if (stopping_) return;
    stopping_ = true;
    for (auto& kv : pending_) {
      kv.second->cancel.store(true);
      if (uint32_t* w = kv.second->waiting_on.load()) wake_word(w, INT32_MAX);
    }
    queue_.clear();
    threads.swap(threads_);
    exited_.clear();
  }
  cv_.notify_all();
  for (auto& t : threads) t.join();
  tsfn_.Release();
}

}  // namespace procsync
