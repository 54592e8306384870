// Bindings of RWLock (native/primitives/rwlock.h). Each entry point re-validates the header fields it
// relies on (kind, slots against the mapped size): another process may have scribbled on them.
#include "core/layout.h"
#include "napi/families.h"
#include "napi/run.h"
#include "primitives/rwlock.h"

namespace procsync {
namespace {

bool rw_arg(Napi::Env env, Napi::Value v, SegmentHandle** s, RWState* st) {
  uint32_t p[4];
  st->w = state_arg(env, v, kRWLock, kRWLock, s, p);
  st->slots = p[0];
  return st->w != nullptr;
}

// rwReadAcquire(seg, timeoutMs, cb?) -> code (sync) / request id (async)
Napi::Value RwReadAcquire(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s;
  RWState st;
  int64_t deadline;
  if (!rw_arg(env, info[0], &s, &st) || !deadline_arg(env, info[1], &deadline)) return env.Null();
  return run_or_submit(info, 2, s, deadline, [st](const WaitCtx& ctx) { return rw_read_acquire(st, ctx); },
                       [st](const WaitCtx& ctx) { rw_read_release(st, false, ctx); });
}

// rwWriteAcquire(seg, timeoutMs, cb?)
Napi::Value RwWriteAcquire(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s;
  RWState st;
  int64_t deadline;
  if (!rw_arg(env, info[0], &s, &st) || !deadline_arg(env, info[1], &deadline)) return env.Null();
  return run_or_submit(info, 2, s, deadline, [st](const WaitCtx& ctx) { return rw_write_acquire(st, ctx); },
                       [st](const WaitCtx& ctx) { rw_write_release(st, ctx); });
}

// rwWriteRelease(seg) -> code
Napi::Value RwWriteRelease(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s;
  RWState st;
  if (!rw_arg(env, info[0], &s, &st)) return env.Null();
  return Napi::Number::New(env, run_step(s, [st](const WaitCtx& ctx) { return rw_write_release(st, ctx); }));
}

// rwReadRelease(seg, fromHome) -> code
Napi::Value RwReadRelease(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s;
  RWState st;
  if (!rw_arg(env, info[0], &s, &st)) return env.Null();
  bool home = info[1].ToBoolean();
  return Napi::Number::New(env, run_step(s, [st, home](const WaitCtx& ctx) { return rw_read_release(st, home, ctx); }));
}

// rwHomeSlot(seg) -> the calling thread's home slot index, or -1 (native/primitives/rwlock.h)
Napi::Value RwHomeSlot(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s;
  RWState st;
  if (!rw_arg(env, info[0], &s, &st)) return env.Null();
  // run_step's result is a code (it maps kTimeout, 1, to kErrCorrupt): the index comes back aside.
  int32_t slot = -1;
  run_step(s, [st, &slot](const WaitCtx& ctx) {
    slot = rw_home_slot(st, ctx);
    return int32_t(kOk);
  });
  return Napi::Number::New(env, slot);
}

}  // namespace

void register_rwlock(Napi::Env env, Napi::Object exports) {
  exports.Set("rwReadAcquire", Napi::Function::New(env, RwReadAcquire));
  exports.Set("rwWriteAcquire", Napi::Function::New(env, RwWriteAcquire));
  exports.Set("rwWriteRelease", Napi::Function::New(env, RwWriteRelease));
  exports.Set("rwReadRelease", Napi::Function::New(env, RwReadRelease));
  exports.Set("rwHomeSlot", Napi::Function::New(env, RwHomeSlot));
}

}  // namespace procsync
