// Helpers shared by the Node-API bindings of every primitive: per-environment state, the
// segment handle class, argument checks that throw coded errors, and run_or_submit (the one
// place that decides between the sync form and the async form of a blocking operation).
#pragma once
#include <napi.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common.h"
#include "fn_ref.h"
#include "platform/segment.h"
#include "loop_waits.h"
#include "segment_slots.h"
#include "async_host.h"

namespace procsync {

class SegmentHandle;
using SegmentSlots = HandleSlots<SegmentHandle>;

// Per-environment state (main thread and each worker thread have their own).
struct EnvData {
  explicit EnvData(Napi::Env env) : host(env), loop(env) {}
  AsyncHost host;
  LoopWaits loop;  // async waits the event loop sleeps on itself, where the platform can
  IdentityCache identities;  // this thread's identity in each segment it uses (liveness.h)
  Napi::FunctionReference segment_ctor;
  Napi::FunctionReference error_ctor;  // ProcsyncError, set by lib/core/native.ts (setErrorClass)
  std::vector<std::weak_ptr<Mapping>> mappings;  // to give up flocks at env teardown
  // The open segments by handle number, as JS passes them to native calls (segment_slots.h).
  std::shared_ptr<SegmentSlots> slots = std::make_shared<SegmentSlots>();
  bool torn_down = false;
  uint32_t js_thread_id = 0;  // worker_threads.threadId of this env (setJsThreadId), for the users table

  void detach_all() {
    for (auto& w : mappings) {
      if (auto m = w.lock()) m->detach();
    }
    mappings.clear();
  }
  void teardown() {
    if (torn_down) return;
    torn_down = true;
    loop.shutdown();
    host.shutdown();
    detach_all();
  }
};

EnvData* env_data(Napi::Env env);

Napi::Error coded(Napi::Env env, const std::string& code, const std::string& msg);
Napi::Error type_error(Napi::Env env, const std::string& msg);
Napi::Error range_error(Napi::Env env, const std::string& msg);

class SegmentHandle : public Napi::ObjectWrap<SegmentHandle> {
 public:
  // How many numbers Fields() writes (layout.infoFields for lib/core/native.ts).
  static constexpr size_t kInfoFields = 13;

  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Segment",
                       {InstanceMethod<&SegmentHandle::Buffer>("buffer"),
                        InstanceMethod<&SegmentHandle::Fields>("fields"),
                        InstanceMethod<&SegmentHandle::LinkName>("linkName"),
                        InstanceMethod<&SegmentHandle::Close>("close")});
  }
  explicit SegmentHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SegmentHandle>(info) {}
  ~SegmentHandle() override {
    // Garbage-collected without close(): give up this process's claim now.
    if (mapping_) mapping_->detach();
    release_slot();
  }

  // Attaches the mapping and registers this handle in `slots`; false when the table is full.
  bool attach(std::shared_ptr<Mapping> m, std::shared_ptr<SegmentSlots> slots) {
    mapping_ = std::move(m);
    slots_ = std::move(slots);
    number_ = slots_->add(this);
    return number_ >= 0;
  }
  const std::shared_ptr<Mapping>& mapping() const { return mapping_; }
  bool closed() const { return !mapping_ || mapping_->detached(); }

 private:
  void release_slot() {
    if (slots_ && number_ >= 0) slots_->remove(number_);
    number_ = -1;
  }

  Napi::Value Buffer(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (closed()) { coded(env, "ERR_CLOSED", "closed").ThrowAsJavaScriptException(); return env.Null(); }
    if (!buffer_.IsEmpty()) return buffer_.Value();
    // Sizes are capped at creation and validated at open; this only guards that promise, as
    // Node refuses an external ArrayBuffer over its limit (4 GiB on Node 18/20).
    if (mapping_->size() > kMaxSegmentSize) {
      range_error(env, "segment too large for an ArrayBuffer").ThrowAsJavaScriptException();
      return env.Null();
    }
    // The ArrayBuffer keeps the mapping alive on its own: views may outlive the handle.
    // Plain Node-API rather than Napi::ArrayBuffer::New: when Node refuses the buffer, some
    // versions run the finalizer themselves and the wrapper then frees its data again (a double
    // free); here a refusal leaks one shared_ptr at worst, never frees it twice.
    auto* keep = new std::shared_ptr<Mapping>(mapping_);
    napi_value ab;
    napi_status st = napi_create_external_arraybuffer(
        env, mapping_->base(), size_t(mapping_->size()),
        [](napi_env, void*, void* k) { delete static_cast<std::shared_ptr<Mapping>*>(k); }, keep, &ab);
    if (st != napi_ok) {
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (!pending) range_error(env, "cannot map the segment into an ArrayBuffer").ThrowAsJavaScriptException();
      return env.Null();
    }
    buffer_ = Napi::Persistent(Napi::ArrayBuffer(env, ab));
    keep_ = keep;
    return Napi::ArrayBuffer(env, ab);
  }

  // The numbers of seg.info() written into a Float64Array (kInfoFields of them, in the order
  // lib/core/native.ts reads them); returns the name. lib/core/native.ts builds the info object in
  // JS: a native object of a dozen named properties cost ~4 µs, a quarter of a named open.
  Napi::Value Fields(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (closed()) { coded(env, "ERR_CLOSED", "closed").ThrowAsJavaScriptException(); return env.Null(); }
    if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
        info[0].As<Napi::TypedArray>().ElementLength() < kInfoFields) {
      type_error(env, "fields: expected a Float64Array of layout.infoFields").ThrowAsJavaScriptException();
      return env.Null();
    }
    double* out = info[0].As<Napi::Float64Array>().Data();
    const Header& h = mapping_->header();
    out[0] = h.kind;
    for (uint32_t i = 0; i < 4; i++) out[1 + i] = h.params[i];
    out[5] = h.link_kind;
    out[6] = mapping_->created() ? 1 : 0;
    out[7] = double(mapping_->size());
    out[8] = double(kStateOffset);
    out[9] = double(h.state_size);
    out[10] = (__atomic_load_n(&h.flags, __ATOMIC_SEQ_CST) & kFlagPersistent) ? 1 : 0;
    out[11] = mapping_->identity() ? mapping_->identity()->id() : 0;
    out[12] = number_;  // the handle number native calls take (segment_slots.h)
    return Napi::String::New(env, mapping_->name());
  }

  Napi::Value LinkName(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (closed()) { coded(env, "ERR_CLOSED", "closed").ThrowAsJavaScriptException(); return env.Null(); }
    return Napi::String::New(env, mapping_->link_name());
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!mapping_) return Napi::Boolean::New(env, false);
    bool removed = mapping_->detach();
    if (!buffer_.IsEmpty()) {
      // Views over a closed segment become empty. Once the buffer is detached by us, its own
      // reference to the mapping goes now rather than when the garbage collector finalizes the
      // buffer: the memory is unmapped at close() unless an in-flight operation still holds it
      // (an unlinked segment's pages are only freed then; and deferred munmaps, ~3 µs each,
      // landed in whatever ran at the next GC — in the bench, the next opens). keep_ is still
      // valid: buffer_ holds the buffer, and Node runs the finalizer later, on this thread.
      // A buffer found detached already (transferred elsewhere) keeps its reference.
      Napi::ArrayBuffer ab = buffer_.Value();
      if (!ab.IsDetached()) {
        ab.Detach();
        if (ab.IsDetached()) keep_->reset();
      }
      buffer_.Reset();
      keep_ = nullptr;
    }
    mapping_.reset();
    release_slot();
    return Napi::Boolean::New(env, removed);
  }

  std::shared_ptr<Mapping> mapping_;
  Napi::Reference<Napi::ArrayBuffer> buffer_;
  // The buffer's reference to the mapping (freed by the buffer's finalizer), while buffer_ is set.
  std::shared_ptr<Mapping>* keep_ = nullptr;
  std::shared_ptr<SegmentSlots> slots_;
  double number_ = -1;  // this handle's number in slots_ (info().handle), -1 when none
};

// The open segment named by a handle number (info().handle) passed as a JS argument, or
// nullptr with a JS exception pending (ERR_INVALID_ARG_TYPE; ERR_CLOSED for a closed handle).
SegmentHandle* unwrap_segment(Napi::Env env, Napi::Value v);
// The state of the segment a handle argument names, for a binding that serves kinds k1 and k2
// (the same kind twice for one): the header's kind and params are re-read (shared memory:
// another process may have scribbled on them) and must be one of those kinds with params whose
// state (kinds.cc kind_state_size) fits the mapping. The state's words, and the params in `p`;
// nullptr with a JS exception pending otherwise (ERR_CORRUPT "segment is not a valid <kind>").
uint32_t* state_arg(Napi::Env env, Napi::Value v, uint32_t k1, uint32_t k2, SegmentHandle** s, uint32_t p[4]);
// A number argument with one Node-API call (Napi::Value::IsNumber() is napi_typeof, which
// tests the value against a chain of types first); false, with a TypeError pending, if not.
bool number_arg(Napi::Env env, Napi::Value v, double* out, const char* what);
// Whether argument i was passed as a function (the async form's callback), without a
// napi_typeof when the sync form did not pass it at all.
bool has_callback(const Napi::CallbackInfo& info, size_t i);
// A 32-bit state word at a byte offset of the segment (bounds- and alignment-checked).
uint32_t* word_arg(Napi::Env env, SegmentHandle* s, Napi::Value v);
bool u32_arg(Napi::Env env, Napi::Value v, uint32_t* out, const char* what);
// A Uint8Array argument: its bytes and length, with one napi_get_typedarray_info call (the
// node-addon-api wrappers make several, a visible cost on the Queue's per-item calls).
bool u8_arg(Napi::Env env, Napi::Value v, uint8_t** data, size_t* len, const char* what);
// Timeout in ms from JS -> absolute deadline; -1, null or undefined -> none.
bool deadline_arg(Napi::Env env, Napi::Value v, int64_t* deadline);
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

// Registration of each family's functions on the exports object.
void register_lock_family(Napi::Env env, Napi::Object exports);
// Condition and Barrier (cond_family_binding.cc).
void register_cond_family(Napi::Env env, Napi::Object exports);
void register_queue(Napi::Env env, Napi::Object exports);
// Layout constants for lib/core/layout.ts (constants_binding.cc).
void register_constants(Napi::Env env, Napi::Object exports);

}  // namespace procsync
