// Bindings of the procsync.locks registry (native/primitives/weblocks.h). Each entry point re-validates
// the header fields it relies on: another process may have scribbled on them.
#include "core/layout.h"
#include "napi/families.h"
#include "napi/run.h"
#include "primitives/weblocks.h"

namespace procsync {
namespace {

bool reg_arg(Napi::Env env, Napi::Value v, SegmentHandle** s, LockRegistry* r) {
  uint32_t p[4];
  r->w = state_arg(env, v, kLockRegistry, kLockRegistry, s, p);
  r->entries = p[0];
  r->slots = p[1];
  return r->w != nullptr;
}

// wlRequest(seg, name, shared, ifAvailable, steal, pid, threadId)
//   -> [slot, ticket, held] | null (ifAvailable, not available) | negative code
Napi::Value WlRequestFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s;
  LockRegistry r;
  if (!reg_arg(env, info[0], &s, &r)) return env.Null();
  if (!info[1].IsString()) { type_error(env, "name must be a string").ThrowAsJavaScriptException(); return env.Null(); }
  WlRequest req;
  req.name = info[1].As<Napi::String>().Utf16Value();
  req.shared = info[2].ToBoolean();
  req.if_available = info[3].ToBoolean();
  req.steal = info[4].ToBoolean();
  if (!u32_arg(env, info[5], &req.pid, "pid") || !u32_arg(env, info[6], &req.thread_id, "threadId")) return env.Null();
  uint32_t slot = 0, ticket = 0;
  bool held = false, unavailable = false;
  int32_t code = run_step(s, [&](const WaitCtx& ctx) { return wl_request(r, req, ctx, &slot, &ticket, &held, &unavailable); });
  if (code != kOk) return Napi::Number::New(env, code);
  if (unavailable) return env.Null();
  Napi::Array a = Napi::Array::New(env, 3);
  a.Set(uint32_t(0), slot);
  a.Set(uint32_t(1), ticket);
  a.Set(uint32_t(2), held);
  return a;
}

// wlRelease(seg, slot, ticket) -> the slot's state before (0 when no longer ours) | negative code
Napi::Value WlReleaseFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s;
  LockRegistry r;
  uint32_t slot, ticket;
  if (!reg_arg(env, info[0], &s, &r) || !u32_arg(env, info[1], &slot, "slot") || !u32_arg(env, info[2], &ticket, "ticket"))
    return env.Null();
  uint32_t was = 0;
  int32_t code = run_step(s, [&](const WaitCtx& ctx) { return wl_release(r, slot, ticket, ctx, &was); });
  return Napi::Number::New(env, code == kOk ? int32_t(was) : code);
}

// wlWatch(seg, gen, cb): async; cb(code, newGen) once GEN differs from gen.
Napi::Value WlWatchFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s;
  LockRegistry r;
  uint32_t gen;
  if (!reg_arg(env, info[0], &s, &r) || !u32_arg(env, info[1], &gen, "gen")) return env.Null();
  return run_or_submit(info, 2, s, -1, [r, gen](const WaitCtx& ctx) { return wl_watch(r, gen, ctx); });
}

// wlQuery(seg) -> [{ name, shared, held, pid, threadId }] in request order | negative code
Napi::Value WlQueryFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s;
  LockRegistry r;
  if (!reg_arg(env, info[0], &s, &r)) return env.Null();
  std::vector<WlInfo> list;
  int32_t code = run_step(s, [&](const WaitCtx& ctx) { return wl_query(r, ctx, &list); });
  if (code != kOk) return Napi::Number::New(env, code);
  Napi::Array a = Napi::Array::New(env, list.size());
  for (size_t i = 0; i < list.size(); i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", Napi::String::New(env, list[i].name));
    o.Set("shared", list[i].shared);
    o.Set("held", list[i].held);
    o.Set("pid", list[i].pid);
    o.Set("threadId", list[i].thread_id);
    a.Set(uint32_t(i), o);
  }
  return a;
}

// wlPurge(seg) -> code
Napi::Value WlPurgeFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s;
  LockRegistry r;
  if (!reg_arg(env, info[0], &s, &r)) return env.Null();
  return Napi::Number::New(env, run_step(s, [&](const WaitCtx& ctx) { return wl_purge(r, ctx); }));
}

}  // namespace

void register_weblocks(Napi::Env env, Napi::Object exports) {
  exports.Set("wlRequest", Napi::Function::New(env, WlRequestFn));
  exports.Set("wlRelease", Napi::Function::New(env, WlReleaseFn));
  exports.Set("wlWatch", Napi::Function::New(env, WlWatchFn));
  exports.Set("wlQuery", Napi::Function::New(env, WlQueryFn));
  exports.Set("wlPurge", Napi::Function::New(env, WlPurgeFn));
}

}  // namespace procsync
