// Registration of each family's functions on the exports object (binding.cc calls them).
#pragma once
#include <napi.h>

namespace procsync {

void register_lock_family(Napi::Env env, Napi::Object exports);
// Condition and Barrier (cond_family_binding.cc).
void register_cond_family(Napi::Env env, Napi::Object exports);
void register_queue(Napi::Env env, Napi::Object exports);
void register_rwlock(Napi::Env env, Napi::Object exports);
void register_weblocks(Napi::Env env, Napi::Object exports);
// segmentDetails() for procsync.inspect and the CLI (inspect_binding.cc).
void register_inspect(Napi::Env env, Napi::Object exports);
// Layout constants for lib/core/layout.ts (constants_binding.cc).
void register_constants(Napi::Env env, Napi::Object exports);

}  // namespace procsync
