// The one place that decides between the sync form and the async form of a blocking
// operation (run_or_submit), and the bounded non-blocking step (run_step).
#pragma once
#include <napi.h>

#include <functional>

#include "core/common.h"
#include "core/fn_ref.h"
#include "napi/segment_handle.h"

namespace procsync {

// The one wait path. Every blocking operation goes through run_or_submit (or run_sync, for a
// sync form that returns more than a code): the sync form runs `op` on this thread with this
// thread's identity and the stop probe (so worker.terminate() ends it), the async form runs it
// on a waiter thread (cancellable, see async_host.h). cb(code, value) for the async form.
OpResult run_sync(Napi::Env env, SegmentHandle* s, int64_t deadline, FnRef<OpResult(const WaitCtx&)> op);
// `undo` (async form only) gives back what `op` took when its waiter gave up (async_host.h cancel());
// it runs with the same identity as the op.
using UndoStep = std::function<void(const WaitCtx&)>;
// The async form is chosen when argument `cb_index` is a function.
// `loop_op` (optional): the same wait as LoopOp steps; the async wait then sleeps on the event
// loop itself where the platform allows (loop_waits.h), its deadline kept by the JS timer.
Napi::Value submit_async(const Napi::CallbackInfo& info, size_t cb_index, SegmentHandle* s, int64_t deadline,
                         OpFn op, UndoStep undo, LoopOp loop_op);
// The sync form calls `op` as given: no std::function is made for it, no undo or loop step is
// looked at (issue 15: the one-CPU ping-pongs pay for every cache line a sync wait touches).
template <class Op>
Napi::Value run_or_submit(const Napi::CallbackInfo& info, size_t cb_index, SegmentHandle* s, int64_t deadline,
                          Op&& op, UndoStep undo = nullptr, LoopOp loop_op = {}) {
  if (!has_callback(info, cb_index)) return Napi::Number::New(info.Env(), run_sync(info.Env(), s, deadline, op).code);
  return submit_async(info, cb_index, s, deadline, OpFn(std::forward<Op>(op)), std::move(undo), std::move(loop_op));
}
// A non-blocking step that may take the state mutex (notify, reset, taskDone, stat): bounded
// by kStepBoundNs, after which a live holder that never lets go is reported as kErrCorrupt.
constexpr int64_t kStepBoundNs = 2000LL * 1000 * 1000;
int32_t run_step(SegmentHandle* s, FnRef<int32_t(const WaitCtx&)> step);

}  // namespace procsync
