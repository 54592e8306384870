#include "napi/run.h"

#include "core/kinds.h"
#include "core/layout.h"
#include "core/spin.h"
#include "core/wait.h"

namespace procsync {

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
