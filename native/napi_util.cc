#include "napi_util.h"

#include "wait.h"
#include "kinds.h"
#include "layout.h"
#include "spin.h"

namespace procsync {

EnvData* env_data(Napi::Env env) { return env.GetInstanceData<EnvData>(); }

Napi::Error coded(Napi::Env env, const std::string& code, const std::string& msg) {
  EnvData* d = env_data(env);
  Napi::Error e = d && !d->error_ctor.IsEmpty()
                      ? Napi::Error(env, d->error_ctor.New({Napi::String::New(env, code), Napi::String::New(env, msg)}))
                      : Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, code));
  return e;
}
Napi::Error type_error(Napi::Env env, const std::string& msg) {
  Napi::Error e = Napi::TypeError::New(env, msg);
  e.Set("code", Napi::String::New(env, "ERR_INVALID_ARG_TYPE"));
  return e;
}
Napi::Error range_error(Napi::Env env, const std::string& msg) {
  Napi::Error e = Napi::RangeError::New(env, msg);
  e.Set("code", Napi::String::New(env, "ERR_OUT_OF_RANGE"));
  return e;
}

SegmentHandle* unwrap_segment(Napi::Env env, Napi::Value v) {
  double h;
  if (napi_get_value_double(env, v, &h) != napi_ok) {
    type_error(env, "expected a segment handle").ThrowAsJavaScriptException();
    return nullptr;
  }
  SegmentHandle* s = env_data(env)->slots->get(h);
  if (!s || s->closed()) {
    coded(env, "ERR_CLOSED", "the primitive is closed").ThrowAsJavaScriptException();
    return nullptr;
  }
  return s;
}

bool number_arg(Napi::Env env, Napi::Value v, double* out, const char* what) {
  if (napi_get_value_double(env, v, out) == napi_ok) return true;
  type_error(env, std::string(what) + " must be a number").ThrowAsJavaScriptException();
  return false;
}

uint32_t* state_arg(Napi::Env env, Napi::Value v, uint32_t k1, uint32_t k2, SegmentHandle** s, uint32_t p[4]) {
  *s = unwrap_segment(env, v);
  if (!*s) return nullptr;
  const Header& h = (*s)->mapping()->header();
  uint32_t k = __atomic_load_n(&h.kind, __ATOMIC_RELAXED);
  for (int i = 0; i < 4; i++) p[i] = __atomic_load_n(&h.params[i], __ATOMIC_RELAXED);
  uint64_t need = 0;
  if ((k != k1 && k != k2) || !kind_state_size(k, p, &need) || kStateOffset + need > (*s)->mapping()->size()) {
    coded(env, "ERR_CORRUPT", std::string("segment is not a valid ") + kKindNames[k1]).ThrowAsJavaScriptException();
    return nullptr;
  }
  return reinterpret_cast<uint32_t*>((*s)->mapping()->state());
}

bool has_callback(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && info[i].IsFunction();
}

// A state word at a byte offset of the segment, validated.
uint32_t* word_arg(Napi::Env env, SegmentHandle* s, Napi::Value v) {
  double off;
  if (!number_arg(env, v, &off, "offset")) return nullptr;
  if (!(off >= double(kStateOffset)) || off != double(uint64_t(off))) {
    range_error(env, "offset out of range").ThrowAsJavaScriptException();
    return nullptr;
  }
  uint32_t* w = s->mapping()->word_at(uint64_t(off));
  if (!w) range_error(env, "offset out of range").ThrowAsJavaScriptException();
  return w;
}

bool u32_arg(Napi::Env env, Napi::Value v, uint32_t* out, const char* what) {
  double d;
  if (!number_arg(env, v, &d, what)) return false;
  if (!(d >= 0 && d <= 4294967295.0) || d != double(uint64_t(d))) {
    range_error(env, std::string(what) + " out of range").ThrowAsJavaScriptException();
    return false;
  }
  *out = uint32_t(d);
  return true;
}

bool u8_arg(Napi::Env env, Napi::Value v, uint8_t** data, size_t* len, const char* what) {
  napi_typedarray_type type;
  void* p = nullptr;
  if (!v.IsTypedArray() ||
      napi_get_typedarray_info(env, v, &type, len, &p, nullptr, nullptr) != napi_ok ||
      type != napi_uint8_array) {
    type_error(env, std::string(what) + " must be a Uint8Array").ThrowAsJavaScriptException();
    return false;
  }
  *data = static_cast<uint8_t*>(p);
  return true;
}

// Timeout in ms from JS: a number >= 0, or -1 (or null/undefined) for none.
bool deadline_arg(Napi::Env env, Napi::Value v, int64_t* deadline) {
  double ms;
  if (napi_get_value_double(env, v, &ms) != napi_ok) {
    if (v.IsUndefined() || v.IsNull()) { *deadline = -1; return true; }
    type_error(env, "timeout must be a number").ThrowAsJavaScriptException();
    return false;
  }
  if (ms != ms) { range_error(env, "timeout is NaN").ThrowAsJavaScriptException(); return false; }
  // A zero (or negative) timeout is one attempt: deadline 0 is always past, with no clock read.
  *deadline = ms == -1 ? -1 : ms <= 0 ? 0 : deadline_after_ms(ms);
  return true;
}

namespace {
// worker.terminate() marks the worker's environment as stopping (from the terminating thread)
// and asks V8 to stop running JS; neither interrupts native code, so a sync wait on the
// worker's JS thread would block terminate() until the wait ended by itself. Instead the wait
// asks Node now and then whether this thread may still call into JS: Node-API refuses
// (napi_pending_exception) once the environment is stopping, and the wait gives up.
constexpr int64_t kStopProbeNs = 20LL * 1000 * 1000;
struct StopProbe {
  napi_env env;
  uint32_t asks;    // how often the wait asked
  int64_t next_ns;  // 0: not armed yet
  napi_value fn;  // a no-op, made at the first probe (lives in the calling callback's scope)
};
// The asks that cost nothing: a wait asks once or twice before its first sleep, and a hand-off's
// wait returns once woken without asking again; a wait that goes on (its slice ran out, or it was
// woken and found nothing to take) reads the clock from its next ask on.
constexpr uint32_t kFreeAsks = 2;
napi_value noop(napi_env, napi_callback_info) { return nullptr; }
bool env_stopping(void* arg) {
  auto* p = static_cast<StopProbe*>(arg);
  if (++p->asks <= kFreeAsks) return false;
  int64_t now = monotonic_ns();
  // Armed at the first ask that reads the clock, not when the wait starts.
  if (p->next_ns == 0) p->next_ns = now + kStopProbeNs;
  if (now < p->next_ns) return false;
  p->next_ns = now + kStopProbeNs;
  // Creating a function fails only once V8 is terminating this thread's JS.
  if (p->fn == nullptr && napi_create_function(p->env, "", 0, noop, nullptr, &p->fn) != napi_ok) return true;
  napi_value recv, result;
  if (napi_get_undefined(p->env, &recv) != napi_ok) return true;
  return napi_call_function(p->env, recv, p->fn, 0, nullptr, &result) != napi_ok;
}
}  // namespace

OpResult run_sync(Napi::Env env, SegmentHandle* s, int64_t deadline, FnRef<OpResult(const WaitCtx&)> op) {
  WaitCtx ctx;
  ctx.deadline_ns = deadline;
  ctx.self = s->mapping()->identity().get();
  StopProbe probe{env, 0, 0, nullptr};
  ctx.stop_probe = env_stopping;
  ctx.stop_arg = &probe;
  return op(ctx);
}

namespace {
// Which async waits sleep on the event loop (loop_waits.h) rather than on a waiter thread: all of
// them, except in a process pinned to one CPU whose releaser was last seen on another CPU
// (op.waker_cpu, spin.h) — there a waiter thread's spin catches the hand-off while the loop pays
// a sleeping CPU's wake-up every time (bench, one CPU each: threads 13-18 µs, loop 20-25 µs).
// Both processes on one CPU: the loop needs one wake-up per hand-off where the thread hops are
// context switches on that CPU (10-16 µs against 21-37 µs). Unpinned: the waiter threads are
// bistable (12-17 µs while their spins catch the hand-offs, 30-55 µs once both sides sleep, in
// runs minutes apart and within one run) and need a thread per object with a wait in flight;
// the loop measured 12-26 µs and no thread (docs/design.md, "Which waits").
bool wait_on_loop(EnvData* d, const LoopOp& op) {
  if (!d->loop.available()) return false;
  if (d->loop.forced()) return true;
  return !(op.waker_cpu && one_cpu() && waker_on_another_cpu(op.waker_cpu));
}
}  // namespace

Napi::Value submit_async(const Napi::CallbackInfo& info, size_t cb_index, SegmentHandle* s, int64_t deadline,
                         OpFn op, UndoStep undo, LoopOp loop_op) {
  Napi::Env env = info.Env();
  Napi::Value cb = info[cb_index];
  // A deadline is not the loop's to keep: the JS layer's timer cancels the wait, and its
  // caller settles on the answer to that cancel (lib/primitives/waitqueue.ts giveUp).
  if (loop_op.attempt && wait_on_loop(env_data(env), loop_op)) {
    uint32_t id = env_data(env)->loop.submit(std::move(loop_op), cb.As<Napi::Function>(), s->mapping());
    if (id) return Napi::Number::New(env, id);
  }
  UndoFn undo_fn;
  if (undo) {
    undo_fn = [id = s->mapping()->identity(), undo = std::move(undo)]() {
      WaitCtx ctx;
      ctx.self = id.get();
      ctx.deadline_ns = monotonic_ns() + kStepBoundNs;
      undo(ctx);
    };
  }
  // The wait keeps this thread's identity (and so its liveness) even if the handle is
  // closed meanwhile: the identity, not the handle, is what other users check.
  auto wrapped = [deadline, id = s->mapping()->identity(), op = std::move(op)](const WaitCtx& c) {
    WaitCtx ctx = c;
    ctx.deadline_ns = deadline;
    ctx.self = id.get();
    return op(ctx);
  };
  uint32_t id = env_data(env)->host.submit(env, std::move(wrapped), cb.As<Napi::Function>(), s->mapping(),
                                           std::move(undo_fn));
  return Napi::Number::New(env, id);
}

int32_t run_step(SegmentHandle* s, FnRef<int32_t(const WaitCtx&)> step) {
  WaitCtx ctx;
  ctx.deadline_ns = monotonic_ns() + kStepBoundNs;
  ctx.self = s->mapping()->identity().get();
  int32_t code = step(ctx);
  // The state mutex was held past the bound by a live user: report, never hang.
  return code == kTimeout ? kErrCorrupt : code;
}

}  // namespace procsync
