#include "napi/loop_waits.h"

#include <cstdlib>
#include <cstring>

#include "platform/platform.h"

namespace procsync {

bool LoopWaits::available() { return start(); }

bool LoopWaits::start() {
  if (tried_) return watcher_ != nullptr && !stopped_;
  tried_ = true;
  const char* mode = getenv("PROCSYNC_LOOP_WAITS");
  if (mode && strcmp(mode, "0") == 0) return false;
  forced_ = mode && strcmp(mode, "1") == 0;
  if (napi_async_init(env_, nullptr, Napi::String::New(env_, "procsync.loopWait"), &async_context_) != napi_ok) {
    async_context_ = nullptr;
    return false;
  }
  watcher_ = WordWatcher::open(env_, [this] { on_ready(); });
  return watcher_ != nullptr;
}

uint32_t LoopWaits::submit(LoopOp op, Napi::Function cb, std::shared_ptr<Mapping> keep) {
  if (!start()) return 0;
  uint32_t id;
  do {
    id = kLoopIdBit | next_id_;
    next_id_ = (next_id_ + 1) & ~kLoopIdBit;
    if (next_id_ == 0) next_id_ = 1;
  } while (reqs_.count(id));
  auto r = std::make_unique<Request>();
  r->op = std::move(op);
  r->keep = std::move(keep);
  r->cb = Napi::Persistent(cb);
  Request& ref = *r;
  reqs_.emplace(id, std::move(r));
  if (!advance(id, ref)) {
    // The kernel refused the wait (e.g. its queues are full): the caller's waiter thread takes it.
    reqs_.erase(id);
    return 0;
  }
  count_++;
  // Finished at once (the word changed since the JS fast path looked): delivered on the next
  // loop turn, never from inside this call.
  if (ref.finished) watcher_->post();
  watcher_->keep_alive(true);
  return id;
}

bool LoopWaits::advance(uint32_t id, Request& r) {
  OpResult res;
  uint32_t* word = nullptr;
  uint32_t expected = 0;
  if (r.op.attempt(&res, &word, &expected)) {
    finish(r, res);
    return true;
  }
  if (!watcher_->arm(id, word, expected)) {
    r.op.withdraw();
    return false;
  }
  r.armed = true;
  r.word = word;
  return true;
}

void LoopWaits::finish(Request& r, OpResult res) {
  r.result = res;
  r.finished = true;
}

void LoopWaits::cancel(uint32_t id) {
  auto it = reqs_.find(id);
  if (it == reqs_.end()) return;
  Request& r = *it->second;
  if (r.cancelled) return;
  r.cancelled = true;
  if (r.armed) {
    // Completes the kernel wait; on_ready() reports kCancelled. Should the kernel refuse the
    // cancel, a wake-up of the word completes it too (spurious for its other sleepers, who
    // re-check), as AsyncHost::cancel does.
    if (!watcher_->cancel(id)) wake_word(r.word, INT32_MAX);
  } else if (r.finished && (r.result.code == kOk || r.result.code == kOwnerDied)) {
    // Took, not delivered yet: give it back now (see AsyncHost::cancel for why not later).
    if (r.op.undo) r.op.undo();
    r.result = {kCancelled, 0};
  }
}

void LoopWaits::on_ready() {
  if (stopped_) return;
  tokens_.clear();
  watcher_->collect(&tokens_);
  for (uint64_t t : tokens_) {
    auto it = reqs_.find(uint32_t(t));
    if (it == reqs_.end() || !it->second->armed) continue;
    Request& r = *it->second;
    r.armed = false;
    r.op.withdraw();
    if (r.cancelled) {
      finish(r, {kCancelled, 0});
    } else if (!advance(uint32_t(t), r)) {
      finish(r, {kErrSys, 0});  // re-arming refused: reported, never left hanging
    }
  }
  // Deliver every finished request. A callback may submit or cancel (the JS layer starts its
  // next wait from there), so the finished ones are taken out of the map first.
  std::vector<std::unique_ptr<Request>> done;
  for (auto it = reqs_.begin(); it != reqs_.end();) {
    if (it->second->finished) {
      done.push_back(std::move(it->second));
      it = reqs_.erase(it);
    } else {
      ++it;
    }
  }
  watcher_->keep_alive(!reqs_.empty());
  if (done.empty()) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env_, &scope) != napi_ok) return;
  napi_value recv;  // make_callback wants an object as `this`
  napi_get_global(env_, &recv);
  for (auto& r : done) {
    napi_value argv[2], result;
    napi_create_int32(env_, r->result.code, &argv[0]);
    napi_create_double(env_, r->result.value, &argv[1]);
    // make_callback, not call_function: this runs from the loop, outside any JS frame, and the
    // promise continuations (microtasks) must run after it as after any I/O callback.
    napi_make_callback(env_, async_context_, recv, r->cb.Value(), 2, argv, &result);
    bool pending = false;
    if (napi_is_exception_pending(env_, &pending) == napi_ok && pending) {
      napi_value e;
      napi_get_and_clear_last_exception(env_, &e);  // the JS layer never throws here
    }
    r->cb.Reset();
  }
  napi_close_handle_scope(env_, scope);
}

void LoopWaits::shutdown() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& kv : reqs_) {
    Request& r = *kv.second;
    if (r.armed) r.op.withdraw();  // the sleepers count of the word is shared: set it right
    else if (r.finished && r.op.undo && (r.result.code == kOk || r.result.code == kOwnerDied)) r.op.undo();
    r.cb.Reset();
  }
  watcher_.reset();  // ends the kernel waits
  reqs_.clear();     // and only then lets go of their mappings
  if (async_context_) napi_async_destroy(env_, async_context_);
  async_context_ = nullptr;
}

}  // namespace procsync
