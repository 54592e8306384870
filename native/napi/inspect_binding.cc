// Inspection of a segment (procsync.inspect, the procsync CLI): its creation time and the live
// users recorded in its users table (liveness.h), as pids.
#include "core/layout.h"
#include "platform/liveness.h"
#include "napi/families.h"
#include "napi/run.h"

namespace procsync {
static_assert(sizeof(UserEntry) == kUserEntrySize, "the users table entry of layout.h");
namespace {

// segmentDetails(seg) -> { createdAt, users: [{ id, pid }] }: every live user of the segment
// (this thread only if it has the segment open otherwise), best effort (the table has kUserEntries entries, indexed by id).
Napi::Value SegmentDetails(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SegmentHandle* s = unwrap_segment(env, info[0]);
  if (!s) return env.Null();
  const auto& m = s->mapping();
  WaitCtx ctx;
  ctx.self = m->identity().get();
  Napi::Object o = Napi::Object::New(env);
  o.Set("createdAt", created_ms(m->header()));
  Napi::Array users = Napi::Array::New(env);
  uint32_t n = 0;
  const UserEntry* table = m->users();
  for (uint32_t i = 0; i < kUserEntries; i++) {
    uint32_t id = __atomic_load_n(&table[i].id, __ATOMIC_SEQ_CST) & kUserIdMask;
    // This thread counts only if it uses the segment through another handle than the one
    // opened for the inspection (the identity is shared by the thread's handles).
    if (id == 0 || !ctx.self || (id == ctx.me() && m->identity().use_count() <= 1)) continue;
    uint32_t pid = user_pid(table, kUserEntries, id);
    if (pid == 0 || !ctx.alive(id)) continue;
    Napi::Object u = Napi::Object::New(env);
    u.Set("id", id);
    u.Set("pid", pid);
    users.Set(n++, u);
  }
  o.Set("users", users);
  return o;
}

}  // namespace

void register_inspect(Napi::Env env, Napi::Object exports) {
  exports.Set("segmentDetails", Napi::Function::New(env, SegmentDetails));
}

}  // namespace procsync
