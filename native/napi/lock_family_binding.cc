// Bindings of the lock family: Lock/RLock, Semaphore/BoundedSemaphore, Event (slow paths;
// the fast paths are JS Atomics in lib/).
#include "primitives/event.h"
#include "core/kinds.h"
#include "primitives/lock.h"
#include "napi/families.h"
#include "napi/run.h"
#include "primitives/semaphore_core.h"
#include "core/spin.h"

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

bool sem_arg(Napi::Env env, Napi::Value v, SegmentHandle** s, uint32_t** words) {
  uint32_t p[4];
  *words = state_arg(env, v, kSemaphore, kBoundedSemaphore, s, p);
  return *words != nullptr;
}

// semAcquire(seg, timeoutMs, cb?)
Napi::Value SemAcquire(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s;
  uint32_t* words;
  int64_t deadline;
  if (!sem_arg(env, info[0], &s, &words) || !deadline_arg(env, info[1], &deadline)) return env.Null();
  uint32_t* value = words + kSemValueWord;
  uint32_t* sleepers = words + kSemSleepersWord;
  // One pointer of captures: no heap copy for the async form (std::function keeps 16 bytes
  // inline); the sync form calls it as it is.
  auto op = [words](const WaitCtx& ctx) {
    return semaphore_acquire(words + kSemValueWord, words + kSemSleepersWord, words + kSemWakerCpuWord, ctx);
  };
  if (!has_callback(info, 2)) return run_or_submit(info, 2, s, deadline, std::move(op));
  // What an acquire whose waiter gave up gives back, for both wait paths (their signatures differ).
  auto give_back = [value, sleepers] { semaphore_give_back(value, sleepers); };
  LoopOp loop;
  loop.attempt = [value, sleepers](OpResult* out, uint32_t** word, uint32_t* expected) {
    if (!semaphore_take_or_announce(value, sleepers, word, expected)) return false;
    *out = {kOk, 0};
    return true;
  };
  loop.withdraw = [sleepers] { semaphore_withdraw(sleepers); };
  loop.undo = give_back;
  loop.waker_cpu = words + kSemWakerCpuWord;
  return run_or_submit(info, 2, s, deadline, std::move(op), [give_back](const WaitCtx&) { give_back(); },
                       std::move(loop));
}

// semWake(seg, n): a release's wake-up of up to n sleepers; it also records this CPU as the
// waker's (spin.h note_waker_cpu), which the woken side's spin decision reads.
Napi::Value SemWake(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s;
  uint32_t* words;
  uint32_t n;
  if (!sem_arg(env, info[0], &s, &words) || !u32_arg(env, info[1], &n, "count")) return env.Null();
  note_waker_cpu(words + kSemWakerCpuWord);
  wake_word(words + kSemValueWord, n > 0x7fffffff ? 0x7fffffff : int32_t(n));
  return env.Undefined();
}

// eventWait(seg, expected, timeoutMs, cb?)
Napi::Value EventWait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s;
  uint32_t* words;
  uint32_t expected;
  int64_t deadline;
  uint32_t p[4];
  if (!(words = state_arg(env, info[0], kEvent, kEvent, &s, p)) ||
      !u32_arg(env, info[1], &expected, "expected") || !deadline_arg(env, info[2], &deadline))
    return env.Null();
  // One pointer and one int of captures: no heap copy per wait.
  return run_or_submit(info, 3, s, deadline, [words, expected](const WaitCtx& ctx) {
    return event_wait(words + kEventStateWord, words + kEventSleepersWord, expected, ctx);
  });
}

}  // namespace

void register_lock_family(Napi::Env env, Napi::Object exports) {
  exports.Set("lockAcquire", Napi::Function::New(env, LockAcquire));
  exports.Set("lockRelease", Napi::Function::New(env, LockRelease));
  exports.Set("userPid", Napi::Function::New(env, UserPid));
  exports.Set("userHolder", Napi::Function::New(env, UserHolder));
  exports.Set("semAcquire", Napi::Function::New(env, SemAcquire));
  exports.Set("semWake", Napi::Function::New(env, SemWake));
  exports.Set("eventWait", Napi::Function::New(env, EventWait));
}

}  // namespace procsync
