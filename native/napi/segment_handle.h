// The Segment class JS holds for each open segment (buffer, info fields, close), and the
// checks that turn a handle-number argument back into the segment and its state.
#pragma once
#include <napi.h>

#include <memory>

#include "napi/args.h"
#include "napi/env_data.h"
#include "platform/segment.h"

namespace procsync {

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
// A 32-bit state word at a byte offset of the segment (bounds- and alignment-checked).
uint32_t* word_arg(Napi::Env env, SegmentHandle* s, Napi::Value v);

}  // namespace procsync
