// Bindings of Condition and Barrier (native/primitives/condition.h, native/primitives/barrier.h). Each entry point
// re-validates the header fields it relies on (kind, params against the mapped size): the
// header is shared memory that another process could have scribbled on since it was opened.
#include "primitives/barrier.h"
#include "primitives/condition.h"
#include "core/layout.h"
#include "napi/families.h"
#include "napi/run.h"

namespace procsync {
namespace {

bool cond_arg(Napi::Env env, Napi::Value v, SegmentHandle** s, CondState* st) {
  uint32_t p[4];
  st->w = state_arg(env, v, kCondition, kCondition, s, p);
  st->cap = p[0];
  return st->w != nullptr;
}

bool barrier_arg(Napi::Env env, Napi::Value v, SegmentHandle** s, BarrierState* st) {
  uint32_t p[4];
  st->w = state_arg(env, v, kBarrier, kBarrier, s, p);
  st->parties = p[0];
  return st->w != nullptr;
}

bool slot_arg(Napi::Env env, Napi::Value v, const CondState& st, uint32_t* slot) {
  if (!u32_arg(env, v, slot, "slot")) return false;
  if (*slot >= st.cap) {
    range_error(env, "slot out of range").ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

// condEnqueue(seg) -> slot index (>= 0) or a negative result code
Napi::Value CondEnqueue(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s;
  CondState st;
  if (!cond_arg(env, info[0], &s, &st)) return env.Null();
  double slot = 0;
  int32_t code = run_step(s, [&](const WaitCtx& ctx) {
    OpResult r = cond_enqueue(st, ctx);
    slot = r.value;
    return r.code;
  });
  return Napi::Number::New(env, code == kOk ? slot : double(code));
}

// condWait(seg, slot, ticket, timeoutMs, wakeFirst?) -> code (sync form only; async waits use condWaitAny)
Napi::Value CondWait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s;
  CondState st;
  uint32_t slot, ticket;
  int64_t deadline;
  if (!cond_arg(env, info[0], &s, &st) || !slot_arg(env, info[1], st, &slot) ||
      !u32_arg(env, info[2], &ticket, "ticket") || !deadline_arg(env, info[3], &deadline))
    return env.Null();
  // wakeFirst: the wake-up a notify() deferred to the lock's release, which the caller has just
  // made; done here instead of by its own condWakeNotified call (one call per hand-off less).
  bool wake_first = false;
  if (info.Length() > 4 && napi_get_value_bool(env, info[4], &wake_first) != napi_ok) wake_first = false;
  if (wake_first) cond_wake_notified(st);
  return Napi::Number::New(env, run_sync(env, s, deadline, [st, slot, ticket](const WaitCtx& ctx) {
    return cond_wait(st, slot, ticket, ctx);
  }).code);
}

// condWaitAny(seg, pairs: number[] of slot, ticket, ..., cb) -> request id
Napi::Value CondWaitAny(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s;
  CondState st;
  if (!cond_arg(env, info[0], &s, &st)) return env.Null();
  if (!info[1].IsArray() || !info[2].IsFunction()) {
    type_error(env, "condWaitAny(seg, pairs, cb)").ThrowAsJavaScriptException();
    return env.Null();
  }
  Napi::Array a = info[1].As<Napi::Array>();
  if (a.Length() % 2 != 0 || a.Length() > 2 * st.cap) {
    range_error(env, "pairs out of range").ThrowAsJavaScriptException();
    return env.Null();
  }
  std::vector<uint32_t> pairs(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) {
    if (i % 2 == 0 ? !slot_arg(env, a.Get(i), st, &pairs[i]) : !u32_arg(env, a.Get(i), &pairs[i], "ticket"))
      return env.Null();
  }
  return run_or_submit(info, 2, s, -1, [st, pairs = std::move(pairs)](const WaitCtx& ctx) {
    return cond_wait_any(st, pairs, ctx);
  });
}

// condWithdraw(seg, slot, ticket, forward) -> 1 notified, 0 not, or a negative result code
Napi::Value CondWithdraw(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s;
  CondState st;
  uint32_t slot, ticket;
  if (!cond_arg(env, info[0], &s, &st) || !slot_arg(env, info[1], st, &slot) ||
      !u32_arg(env, info[2], &ticket, "ticket"))
    return env.Null();
  bool forward = info[3].ToBoolean();
  double notified = 0;
  int32_t code = run_step(s, [&](const WaitCtx& ctx) {
    OpResult r = cond_withdraw(st, slot, ticket, forward, ctx);
    notified = r.value;
    return r.code;
  });
  return Napi::Number::New(env, code == kOk ? notified : double(code));
}

// condNotify(seg, n, wake) -> how many were notified, or a negative result code
Napi::Value CondNotify(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s;
  CondState st;
  uint32_t n;
  if (!cond_arg(env, info[0], &s, &st) || !u32_arg(env, info[1], &n, "n")) return env.Null();
  bool wake = info[2].ToBoolean();
  double woken = 0;
  int32_t code = run_step(s, [&](const WaitCtx& ctx) {
    OpResult r = cond_notify(st, n, wake, ctx);
    woken = r.value;
    return r.code;
  });
  return Napi::Number::New(env, code == kOk ? woken : double(code));
}

// condWakeNotified(seg) -> undefined
Napi::Value CondWakeNotified(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s;
  CondState st;
  if (!cond_arg(env, info[0], &s, &st)) return env.Null();
  cond_wake_notified(st);
  return env.Undefined();
}

// barrierWait(seg, hasAction, timeoutMs, cb?) -> [code, index] (sync) or request id
Napi::Value BarrierWait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s;
  BarrierState st;
  int64_t deadline;
  if (!barrier_arg(env, info[0], &s, &st) || !deadline_arg(env, info[2], &deadline)) return env.Null();
  bool has_action = info[1].ToBoolean();
  OpFn op = [st, has_action](const WaitCtx& ctx) { return barrier_wait(st, has_action, ctx); };
  if (has_callback(info, 3)) return run_or_submit(info, 3, s, deadline, std::move(op));
  OpResult r = run_sync(env, s, deadline, op);
  // Cancelled in a sync wait = this thread is being terminated: setting array elements would
  // fail (and abort the process), and nobody will read the result.
  if (r.code == kCancelled) return env.Undefined();
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, r.code));
  out.Set(1u, Napi::Number::New(env, r.value));
  return out;
}

// barrierComplete(seg, ok) -> code
Napi::Value BarrierComplete(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s;
  BarrierState st;
  if (!barrier_arg(env, info[0], &s, &st)) return env.Null();
  bool ok = info[1].ToBoolean();
  return Napi::Number::New(env, run_step(s, [&](const WaitCtx& ctx) { return barrier_complete(st, ok, ctx); }));
}

Napi::Value BarrierReset(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s;
  BarrierState st;
  if (!barrier_arg(env, info[0], &s, &st)) return env.Null();
  return Napi::Number::New(env, run_step(s, [&](const WaitCtx& ctx) { return barrier_reset(st, ctx); }));
}

Napi::Value BarrierAbort(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s;
  BarrierState st;
  if (!barrier_arg(env, info[0], &s, &st)) return env.Null();
  return Napi::Number::New(env, run_step(s, [&](const WaitCtx& ctx) { return barrier_abort(st, ctx); }));
}

}  // namespace

void register_cond_family(Napi::Env env, Napi::Object exports) {
  exports.Set("condEnqueue", Napi::Function::New(env, CondEnqueue));
  exports.Set("condWait", Napi::Function::New(env, CondWait));
  exports.Set("condWaitAny", Napi::Function::New(env, CondWaitAny));
  exports.Set("condWithdraw", Napi::Function::New(env, CondWithdraw));
  exports.Set("condNotify", Napi::Function::New(env, CondNotify));
  exports.Set("condWakeNotified", Napi::Function::New(env, CondWakeNotified));
  exports.Set("barrierWait", Napi::Function::New(env, BarrierWait));
  exports.Set("barrierComplete", Napi::Function::New(env, BarrierComplete));
  exports.Set("barrierReset", Napi::Function::New(env, BarrierReset));
  exports.Set("barrierAbort", Napi::Function::New(env, BarrierAbort));
}

}  // namespace procsync
