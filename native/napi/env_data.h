// Per-environment state of the addon (the main thread and each worker thread have their own):
// its waiter threads, its loop waits, its identities and its table of open segments.
#pragma once
#include <napi.h>

#include <memory>
#include <vector>

#include "napi/async_host.h"
#include "napi/loop_waits.h"
#include "napi/segment_slots.h"
#include "platform/segment.h"

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

inline EnvData* env_data(Napi::Env env) { return env.GetInstanceData<EnvData>(); }

}  // namespace procsync
