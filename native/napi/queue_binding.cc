// Bindings of Queue / JoinableQueue / SimpleQueue (native/primitives/queue.h). put and get copy the
// record in one call under the queue's mutex; the async forms only wait natively
// (queueWait) and then try again on the JS thread, so an abandoned wait has changed nothing.
#include "core/layout.h"
#include <cstring>

#include "napi/families.h"
#include "napi/run.h"
#include "primitives/queue.h"

namespace procsync {
namespace {

// The queue state of a segment handle, checked against the mapping: the header lives in shared
// memory, so its kind and params are re-read and re-validated here, and the view never reaches
// past the mapping whatever they say.
bool queue_view(Napi::Env env, SegmentHandle* s, QueueView* q) {
  const Mapping& m = *s->mapping();
  const Header& h = m.header();
  uint32_t kind = __atomic_load_n(&h.kind, __ATOMIC_RELAXED);
  uint32_t maxsize = __atomic_load_n(&h.params[0], __ATOMIC_RELAXED);
  uint32_t capacity = __atomic_load_n(&h.params[1], __ATOMIC_RELAXED);
  uint64_t need = 0;
  if (kind != kQueue && kind != kJoinableQueue && kind != kSimpleQueue) {
    coded(env, "ERR_CORRUPT", "segment is not a queue").ThrowAsJavaScriptException();
    return false;
  }
  if (!queue_state_size(maxsize, capacity, &need) || kStateOffset + need > m.size()) {
    coded(env, "ERR_CORRUPT", "queue header inconsistent with its segment").ThrowAsJavaScriptException();
    return false;
  }
  q->state = m.state();
  q->ring_size = capacity + kQueueRingExtra;
  q->maxsize = maxsize;
  return true;
}

SegmentHandle* queue_arg(Napi::Env env, Napi::Value v, QueueView* q) {
  SegmentHandle* s = unwrap_segment(env, v);
  if (!s || !queue_view(env, s, q)) return nullptr;
  return s;
}

// queuePut(seg, bytes: Uint8Array, length, timeoutMs) -> code   (sync only)
// Puts bytes[0, length): the caller encodes into a buffer it reuses, so no view per item.
Napi::Value QueuePut(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  QueueView q;
  SegmentHandle* s = queue_arg(env, info[0], &q);
  if (!s) return env.Null();
  uint8_t* data;
  size_t size;
  if (!u8_arg(env, info[1], &data, &size, "item bytes")) return env.Null();
  uint32_t len;
  if (!u32_arg(env, info[2], &len, "length")) return env.Null();
  if (len > size) {
    range_error(env, "length is beyond the end of the bytes").ThrowAsJavaScriptException();
    return env.Null();
  }
  int64_t deadline;
  if (!deadline_arg(env, info[3], &deadline)) return env.Null();
  if (len > kQueueMaxCapacity) return Napi::Number::New(env, kErrMessageTooLarge);
  return Napi::Number::New(env, run_sync(env, s, deadline, [&](const WaitCtx& ctx) {
    return queue_put(q, data, len, ctx);
  }).code);
}

// queueGet(seg, timeoutMs, into: Uint8Array) -> code   (sync only)
// Copies the oldest record to into[4 ..] and its length to into[0 .. 4) (little-endian). When
// `into` is too small, nothing is removed: the code is kErrSys and into[0 .. 4) holds the length
// needed, so the caller grows its buffer and retries. Reusing one buffer saves allocating a
// Buffer per item (about a microsecond each).
Napi::Value QueueGet(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  QueueView q;
  SegmentHandle* s = queue_arg(env, info[0], &q);
  if (!s) return env.Null();
  int64_t deadline;
  if (!deadline_arg(env, info[1], &deadline)) return env.Null();
  uint8_t* base;
  size_t size;
  if (!u8_arg(env, info[2], &base, &size, "into")) return env.Null();
  if (size < 4) {
    type_error(env, "into must be a Uint8Array of at least 4 bytes").ThrowAsJavaScriptException();
    return env.Null();
  }
  const size_t room = size - 4;
  auto alloc = [&](uint32_t len) -> uint8_t* {
    memcpy(base, &len, 4);
    return len <= room ? base + 4 : nullptr;
  };
  return Napi::Number::New(env, run_sync(env, s, deadline, [&](const WaitCtx& ctx) {
    return queue_get(q, alloc, ctx);
  }).code);
}

// queueWait(seg, what (0 get, 1 put, 2 join), needBytes, timeoutMs, cb?) -> code | request id
Napi::Value QueueWait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  QueueView q;
  SegmentHandle* s = queue_arg(env, info[0], &q);
  if (!s) return env.Null();
  uint32_t what, need;
  int64_t deadline;
  if (!u32_arg(env, info[1], &what, "what") || !u32_arg(env, info[2], &need, "need") ||
      !deadline_arg(env, info[3], &deadline))
    return env.Null();
  if (what > 2) { range_error(env, "what out of range").ThrowAsJavaScriptException(); return env.Null(); }
  return run_or_submit(info, 4, s, deadline, [q, what, need](const WaitCtx& ctx) {
    return queue_wait(q, QueueReady(what), need, ctx);
  });
}

// queueTaskDone(seg) -> code
Napi::Value QueueTaskDone(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  QueueView q;
  SegmentHandle* s = queue_arg(env, info[0], &q);
  if (!s) return env.Null();
  return Napi::Number::New(env, run_step(s, [&](const WaitCtx& ctx) { return queue_task_done(q, ctx).code; }));
}

// queueStat(seg) -> [code, count, usedBytes, unfinished, repairs]
Napi::Value QueueStatFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  QueueView q;
  SegmentHandle* s = queue_arg(env, info[0], &q);
  if (!s) return env.Null();
  QueueStat st;
  st.code = run_step(s, [&](const WaitCtx& ctx) {
    st = queue_stat(q, ctx);
    return st.code;
  });
  Napi::Array a = Napi::Array::New(env, 5);
  a.Set(uint32_t(0), st.code);
  a.Set(uint32_t(1), st.count);
  a.Set(uint32_t(2), st.used);
  a.Set(uint32_t(3), st.unfinished);
  a.Set(uint32_t(4), st.repairs);
  return a;
}

}  // namespace

void register_queue(Napi::Env env, Napi::Object exports) {
  exports.Set("queuePut", Napi::Function::New(env, QueuePut));
  exports.Set("queueGet", Napi::Function::New(env, QueueGet));
  exports.Set("queueWait", Napi::Function::New(env, QueueWait));
  exports.Set("queueTaskDone", Napi::Function::New(env, QueueTaskDone));
  exports.Set("queueStat", Napi::Function::New(env, QueueStatFn));
}

}  // namespace procsync
