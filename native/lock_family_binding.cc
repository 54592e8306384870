// Bindings of the lock family: Lock/RLock, Semaphore/BoundedSemaphore, Event (slow paths;
// the fast paths are JS Atomics in lib/).
#include "event.h"
#include "lock.h"
#include "napi_util.h"
#include "semaphore_core.h"

namespace procsync {
namespace {

// The owner word of a Lock/RLock state, checked to have the heir word after it in the segment.
uint32_t* lock_word_arg(Napi::Env env, SegmentHandle* s, Napi::Value v) {
  uint32_t* w = word_arg(env, s, v);
  if (w && !s->mapping()->word_at(uint64_t(v.As<Napi::Number>().DoubleValue()) + 4 * kLockHeirWord)) {
    range_error(env, "offset out of range").ThrowAsJavaScriptException();
    return nullptr;
  }
  return w;
}

// lockAcquire(seg, offset, timeoutMs, cb?): the owner is this thread's user id in the segment.
Napi::Value LockAcquire(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s = unwrap_segment(env, info[0]);
  if (!s) return env.Null();
  uint32_t* w = lock_word_arg(env, s, info[1]);
  int64_t deadline;
  if (!w || !deadline_arg(env, info[2], &deadline)) return env.Null();
  return run_or_submit(info, 3, s, deadline, [w](const WaitCtx& ctx) { return user_lock_acquire(w, ctx); },
                       [w](const WaitCtx& ctx) { user_lock_release(w, ctx); });
}

// lockRelease(seg, offset) -> code: the slow release (waiters to wake, an heir to hand over
// to, or not the caller's own word); kOk or kErrReleasedTooMany.
Napi::Value LockRelease(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s = unwrap_segment(env, info[0]);
  if (!s) return env.Null();
  uint32_t* w = lock_word_arg(env, s, info[1]);
  if (!w) return env.Null();
  return Napi::Number::New(env, run_step(s, [w](const WaitCtx& ctx) { return user_lock_release(w, ctx); }));
}

// userPid(seg, userId) -> the pid recorded for that user of the segment, or null
Napi::Value UserPid(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s = unwrap_segment(env, info[0]);
  uint32_t id;
  if (!s || !u32_arg(env, info[1], &id, "user id")) return env.Null();
  uint32_t pid = user_pid(s->mapping()->users(), kUserEntries, id & kOwnerMask);
  return pid ? Napi::Number::New(env, pid) : env.Null();
}

// userHolder(seg, userId) -> { pid, threadId } recorded for that user of the segment, or null
Napi::Value UserHolder(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s = unwrap_segment(env, info[0]);
  uint32_t id, pid, thread;
  if (!s || !u32_arg(env, info[1], &id, "user id")) return env.Null();
  if (!user_entry(s->mapping()->users(), kUserEntries, id & kOwnerMask, &pid, &thread)) return env.Null();
  Napi::Object o = Napi::Object::New(env);
  o.Set("pid", pid);
  o.Set("threadId", thread);
  return o;
}

// semAcquire(seg, valueOffset, sleepersOffset, wakerCpuOffset, timeoutMs, cb?)
Napi::Value SemAcquire(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s = unwrap_segment(env, info[0]);
  if (!s) return env.Null();
  uint32_t* v = word_arg(env, s, info[1]);
  uint32_t* sl = v ? word_arg(env, s, info[2]) : nullptr;
  const uint32_t* wc = sl ? word_arg(env, s, info[3]) : nullptr;
  int64_t deadline;
  if (!wc || !deadline_arg(env, info[4], &deadline)) return env.Null();
  // The words as offsets from the value word: a capture of one pointer and two ints fits
  // std::function's inline storage (16 bytes), three pointers would be a heap allocation per
  // wait (it showed in the one-CPU ping-pong's profile: malloc + free per sync acquire).
  OpFn op = [v, dsl = int32_t(sl - v), dwc = int32_t(wc - v)](const WaitCtx& ctx) {
    return semaphore_acquire(v, v + dsl, v + dwc, ctx);
  };
  if (!has_callback(info, 5)) return run_or_submit(info, 5, s, deadline, std::move(op));
  LoopOp loop;
  loop.attempt = [v, sl](OpResult* out, uint32_t** word, uint32_t* expected) {
    if (!semaphore_take_or_announce(v, sl, word, expected)) return false;
    *out = {kOk, 0};
    return true;
  };
  loop.withdraw = [sl] { semaphore_withdraw(sl); };
  loop.undo = [v, sl] { semaphore_give_back(v, sl); };
  loop.waker_cpu = wc;
  return run_or_submit(info, 5, s, deadline, std::move(op), [v, sl](const WaitCtx&) { semaphore_give_back(v, sl); },
                       std::move(loop));
}

// eventWait(seg, stateOffset, sleepersOffset, expected, timeoutMs, cb?)
Napi::Value EventWait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s = unwrap_segment(env, info[0]);
  if (!s) return env.Null();
  uint32_t* st = word_arg(env, s, info[1]);
  uint32_t* sl = st ? word_arg(env, s, info[2]) : nullptr;
  uint32_t expected;
  int64_t deadline;
  if (!st || !sl || !u32_arg(env, info[3], &expected, "expected") || !deadline_arg(env, info[4], &deadline))
    return env.Null();
  // Sleepers as an offset from the state word: 16 bytes of captures, no heap copy (as SemAcquire).
  return run_or_submit(info, 5, s, deadline, [st, dsl = int32_t(sl - st), expected](const WaitCtx& ctx) {
    return event_wait(st, st + dsl, expected, ctx);
  });
}

}  // namespace

void register_lock_family(Napi::Env env, Napi::Object exports) {
  exports.Set("lockAcquire", Napi::Function::New(env, LockAcquire));
  exports.Set("lockRelease", Napi::Function::New(env, LockRelease));
  exports.Set("userPid", Napi::Function::New(env, UserPid));
  exports.Set("userHolder", Napi::Function::New(env, UserHolder));
  exports.Set("semAcquire", Napi::Function::New(env, SemAcquire));
  exports.Set("eventWait", Napi::Function::New(env, EventWait));
}

}  // namespace procsync
