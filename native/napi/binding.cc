// The Node-API entry point: segments, lifetime, diagnostics, cancellation; each primitive
// family registers its own functions (see *_binding.cc). Argument checks, conversions and
// errors only; the rules live in the primitives' own files.
#include <napi.h>

#include <algorithm>

#include "core/wait.h"
#include "platform/platform.h"
#include "platform/liveness.h"
#include "napi/families.h"
#include "napi/run.h"
#include "platform/segment.h"

namespace procsync {
namespace {

bool allow_owner_arg(Napi::Env env, Napi::Value v, OpenSpec* spec) {
  uint32_t uid;
  if (!u32_arg(env, v, &uid, "allowOwner")) return false;
  if (uid == 0xffffffffu) { range_error(env, "allowOwner out of range").ThrowAsJavaScriptException(); return false; }
  spec->allow_owner = uid;
  return true;
}

// The segment `spec` names, opened (or created) with this thread's identity in it, as a new
// Segment handle; null with a JS exception pending on failure.
Napi::Value open_handle(Napi::Env env, const OpenSpec& spec) {
  OpenError err;
  EnvData* d = env_data(env);
  std::shared_ptr<Mapping> m = open_segment(spec, &d->identities, &err);
  if (!m) {
    if (err.code == "ERR_OUT_OF_RANGE") {
      range_error(env, err.message).ThrowAsJavaScriptException();
    } else if (err.code == "ERR_INVALID_ARG_VALUE") {
      Napi::Error e = Napi::TypeError::New(env, err.message);
      e.Set("code", Napi::String::New(env, err.code));
      e.ThrowAsJavaScriptException();
    } else {
      coded(env, err.code, err.message).ThrowAsJavaScriptException();
    }
    return env.Null();
  }
  if (const auto& ident = m->identity())
    record_user_thread(m->users(), kUserEntries, ident->id(), d->js_thread_id);
  Napi::Object handle = d->segment_ctor.New({});
  if (!SegmentHandle::Unwrap(handle)->attach(m, d->slots)) {
    m->detach();
    coded(env, "ERR_NO_SPACE", "too many open segments in this thread").ThrowAsJavaScriptException();
    return env.Null();
  }
  // Remember this one for env teardown; forget mappings that are gone whenever the vector is
  // about to grow (amortised O(1): a rescan at every open made 10,000 opens quadratic).
  auto& v = d->mappings;
  if (v.size() == v.capacity())
    v.erase(std::remove_if(v.begin(), v.end(), [](auto& w) { return w.expired(); }), v.end());
  v.push_back(m);
  return handle;
}

// open({ name, kind, params, linkKind, linkName, mode, persistent, how, init, allowOwner })
//   -> Segment
Napi::Value Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) { type_error(env, "open: expected an options object").ThrowAsJavaScriptException(); return env.Null(); }
  Napi::Object o = info[0].As<Napi::Object>();
  OpenSpec spec;
  Napi::Value name = o.Get("name");
  if (!name.IsString()) { type_error(env, "name must be a string").ThrowAsJavaScriptException(); return env.Null(); }
  spec.name = name.As<Napi::String>().Utf8Value();
  if (!u32_arg(env, o.Get("kind"), &spec.kind, "kind")) return env.Null();
  if (spec.kind > kKindMax) { range_error(env, "unknown kind").ThrowAsJavaScriptException(); return env.Null(); }
  spec.persistent = o.Get("persistent").ToBoolean();
  uint32_t how = 2;
  if (!u32_arg(env, o.Get("how"), &how, "how")) return env.Null();
  if (how > 2) { range_error(env, "how out of range").ThrowAsJavaScriptException(); return env.Null(); }
  spec.how = how == 0 ? OpenHow::kCreate : how == 1 ? OpenHow::kOpen : OpenHow::kCreateOrOpen;
  if (spec.how != OpenHow::kOpen && spec.kind == 0) { range_error(env, "kind required").ThrowAsJavaScriptException(); return env.Null(); }
  // What only a creation uses (a named open in another process is timed by the bench: each
  // property read costs ~0.2 µs).
  if (spec.how != OpenHow::kOpen) {
    Napi::Value params = o.Get("params");
    if (params.IsArray()) {
      Napi::Array a = params.As<Napi::Array>();
      if (a.Length() > 4) { range_error(env, "too many params").ThrowAsJavaScriptException(); return env.Null(); }
      for (uint32_t i = 0; i < a.Length(); i++)
        if (!u32_arg(env, a.Get(i), &spec.params[i], "param")) return env.Null();
    }
    if (o.Has("linkKind") && !o.Get("linkKind").IsUndefined()) {
      if (!u32_arg(env, o.Get("linkKind"), &spec.link_kind, "linkKind")) return env.Null();
      Napi::Value ln = o.Get("linkName");
      if (!ln.IsString()) { type_error(env, "linkName must be a string").ThrowAsJavaScriptException(); return env.Null(); }
      spec.link_name = ln.As<Napi::String>().Utf8Value();
      if ((spec.link_kind != 0 && spec.link_kind != kLock && spec.link_kind != kRLock) ||
          (spec.link_kind != 0) != !spec.link_name.empty() ||
          (!spec.link_name.empty() && !valid_name(spec.link_name))) {
        coded(env, "ERR_INVALID_ARG_VALUE", "invalid link").ThrowAsJavaScriptException();
        return env.Null();
      }
    }
    if (o.Has("mode") && !o.Get("mode").IsUndefined()) {
      if (!u32_arg(env, o.Get("mode"), &spec.mode, "mode")) return env.Null();
      if (spec.mode > 0777) { range_error(env, "mode out of range").ThrowAsJavaScriptException(); return env.Null(); }
    }
    Napi::Value init = o.Get("init");
    if (init.IsTypedArray()) {
      Napi::TypedArray ta = init.As<Napi::TypedArray>();
      spec.init_state = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
      spec.init_state_len = ta.ByteLength();
    }
  }
  Napi::Value allow = o.Get("allowOwner");
  if (!allow.IsUndefined() && !allow_owner_arg(env, allow, &spec)) return env.Null();
  return open_handle(env, spec);
}

// openExisting(name, kind[, allowOwner]) -> Segment: open(), for an existing segment only, with
// positional arguments. A named open in another process is timed by the bench (lock_open): the
// options object cost a named-property read each (~0.2 µs, the key string internalized every
// time), and Utf8Value two calls into V8.
Napi::Value OpenExisting(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  OpenSpec spec;
  spec.how = OpenHow::kOpen;
  // One read into a buffer one longer than any valid name: a longer one comes back cut to it
  // and fails valid_name() with the others.
  char name[kMaxNameLen + 2];
  size_t len = 0;
  if (info.Length() < 1 || napi_get_value_string_utf8(env, info[0], name, sizeof name, &len) != napi_ok) {
    type_error(env, "name must be a string").ThrowAsJavaScriptException();
    return env.Null();
  }
  spec.name.assign(name, len);
  if (!u32_arg(env, info[1], &spec.kind, "kind")) return env.Null();
  if (spec.kind > kKindMax) { range_error(env, "unknown kind").ThrowAsJavaScriptException(); return env.Null(); }
  if (info.Length() > 2 && !allow_owner_arg(env, info[2], &spec)) return env.Null();
  return open_handle(env, spec);
}

Napi::Value Unlink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) { type_error(env, "name must be a string").ThrowAsJavaScriptException(); return env.Null(); }
  return Napi::Boolean::New(env, unlink_segment(info[0].As<Napi::String>().Utf8Value()));
}

Napi::Value ListSegments(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto list = list_segments();
  Napi::Array a = Napi::Array::New(env, list.size());
  for (size_t i = 0; i < list.size(); i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", list[i].first);
    o.Set("held", list[i].second);
    a.Set(uint32_t(i), o);
  }
  return a;
}

// segmentPath(name): the file that holds a segment's bytes (tests and diagnostics).
Napi::Value SegmentPath(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) { type_error(env, "name must be a string").ThrowAsJavaScriptException(); return env.Null(); }
  std::string name = info[0].As<Napi::String>().Utf8Value();
  if (!valid_name(name)) { coded(env, "ERR_INVALID_NAME", "invalid name").ThrowAsJavaScriptException(); return env.Null(); }
  return Napi::String::New(env, segment_path(name));
}

Napi::Value Sweep(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), sweep_segments()); }
Napi::Value ThreadId(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), current_tid()); }
// setJsThreadId(n): this env's worker_threads.threadId, recorded with its identities (liveness.h)
Napi::Value SetJsThreadId(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t t;
  if (!u32_arg(env, info[0], &t, "threadId")) return env.Null();
  env_data(env)->js_thread_id = t;
  return env.Undefined();
}
Napi::Value ThreadCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(env_data(info.Env())->host.thread_count()));
}

// loopWaits() -> { available, waits }: whether async waits of this thread can sleep on its
// event loop (loop_waits.h), and how many did so far
Napi::Value LoopWaitsInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LoopWaits& l = env_data(env)->loop;
  Napi::Object o = Napi::Object::New(env);
  o.Set("available", l.available());
  o.Set("waits", double(l.count()));
  return o;
}

// childStatus(pid) -> 'running' | null (reaped / not our child) | Python-style exit code
Napi::Value ChildStatus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t pid;
  if (!u32_arg(env, info[0], &pid, "pid")) return env.Null();
  if (pid == 0 || pid > 0x7fffffff) { range_error(env, "pid out of range").ThrowAsJavaScriptException(); return env.Null(); }
  int s = child_status(int(pid));
  if (s == kChildRunning) return Napi::String::New(env, "running");
  if (s == kChildGone) return env.Null();
  return Napi::Number::New(env, s);
}

// process.exit() skips env cleanup hooks, so lib/ calls this from the 'exit' event: this
// process gives up every segment (and removes those it was the last user of).
Napi::Value CloseAll(const Napi::CallbackInfo& info) {
  env_data(info.Env())->detach_all();
  return info.Env().Undefined();
}

// setErrorClass(ctor): the class of the coded errors this core throws (lib/core/errors.ts ProcsyncError).
Napi::Value SetErrorClass(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) { type_error(env, "expected a class").ThrowAsJavaScriptException(); return env.Null(); }
  env_data(env)->error_ctor = Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

Napi::Value Cancel(const Napi::CallbackInfo& info) {
  uint32_t id;
  if (!u32_arg(info.Env(), info[0], &id, "request")) return info.Env().Null();
  EnvData* d = env_data(info.Env());
  if (id & kLoopIdBit) d->loop.cancel(id); else d->host.cancel(id);
  return info.Env().Undefined();
}

// wake(seg, offset, n): wakes up to n sleepers of the word.
Napi::Value Wake(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s = unwrap_segment(env, info[0]);
  if (!s) return env.Null();
  uint32_t* w = word_arg(env, s, info[1]);
  if (!w) return env.Null();
  uint32_t n;
  if (!u32_arg(env, info[2], &n, "count")) return env.Null();
  wake_word(w, n > 0x7fffffff ? 0x7fffffff : int32_t(n));
  return env.Undefined();
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* d = new EnvData(env);
  d->segment_ctor = Napi::Persistent(SegmentHandle::Define(env));
  env.SetInstanceData<EnvData>(d);
  exports.Set("Segment", d->segment_ctor.Value());  // lib/core/native.ts adds info() to its prototype
  // Worker exit or process teardown: stop waiter threads, give up flocks (the instance-data
  // finalizer deletes `d` later).
  napi_add_env_cleanup_hook(env, [](void* p) { static_cast<EnvData*>(p)->teardown(); }, d);

  exports.Set("open", Napi::Function::New(env, Open));
  exports.Set("openExisting", Napi::Function::New(env, OpenExisting));
  exports.Set("unlink", Napi::Function::New(env, Unlink));
  exports.Set("listSegments", Napi::Function::New(env, ListSegments));
  exports.Set("sweep", Napi::Function::New(env, Sweep));
  exports.Set("segmentPath", Napi::Function::New(env, SegmentPath));
  exports.Set("threadId", Napi::Function::New(env, ThreadId));
  exports.Set("setJsThreadId", Napi::Function::New(env, SetJsThreadId));
  exports.Set("threadCount", Napi::Function::New(env, ThreadCount));
  exports.Set("loopWaits", Napi::Function::New(env, LoopWaitsInfo));
  exports.Set("closeAll", Napi::Function::New(env, CloseAll));
  exports.Set("cancel", Napi::Function::New(env, Cancel));
  exports.Set("childStatus", Napi::Function::New(env, ChildStatus));
  exports.Set("setErrorClass", Napi::Function::New(env, SetErrorClass));
  exports.Set("wake", Napi::Function::New(env, Wake));
  register_lock_family(env, exports);
  register_cond_family(env, exports);
  register_queue(env, exports);
  register_constants(env, exports);
  exports.Set("backend", Napi::String::New(env, backend_name()));
  register_rwlock(env, exports);
  register_weblocks(env, exports);
  register_inspect(env, exports);
  return exports;
}

}  // namespace procsync

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  return procsync::Init(env, exports);
}
NODE_API_MODULE(procsync, InitAddon)
