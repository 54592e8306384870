// Identities of the windows backend: the lock of user id `id` of a segment is a named mutex,
// "Local\procsync~u~<segment key>~<id>", created owned by the JS thread that the identity
// belongs to. Windows ties a mutex's ownership to its thread: when that thread ends or its
// process dies, however it dies, the mutex is *abandoned*; when the last handle closes, it is
// gone. So "is user `id` alive": open the mutex (no such mutex: dead), try to take it without
// waiting (taken or abandoned: dead, and given back at once; time-out: a live thread owns it).
// A live owner is never taken over: only its own thread can release it, and a live thread's
// mutex cannot be abandoned.
//
// Async operations run on waiter threads with their JS thread's identity: the mutex stays with
// the JS thread, whose life is what counts (like the linux backend's lock, which is held by
// the thread's file description).
#include "platform/liveness.h"

#include <cstdio>

#include "common.h"
#include "platform/platform.h"
#include "platform/windows/win.h"

namespace procsync {

namespace {
constexpr int kIdAttempts = 4096;
constexpr uint32_t kRecentMs = 50;  // < kSliceNs: see Identity::recent_

std::wstring user_mutex_name(const SegmentKey& k, uint32_t id) {
  char buf[64];
  snprintf(buf, sizeof buf, "u~%016llx%016llx~%u", static_cast<unsigned long long>(k.a),
           static_cast<unsigned long long>(k.b), id);
  return win::private_object_name(buf);
}

uint32_t now_ms() { return uint32_t(monotonic_ns() / 1000000); }
}  // namespace

Identity::~Identity() {
  // Only the owning thread can release a mutex (elsewhere this fails, harmlessly): closing the
  // last handle then destroys it, and until then a prober that finds it still owned by the
  // live thread calls the id alive a little longer, never the reverse.
  HANDLE m = win::to_handle(handle_);
  ReleaseMutex(m);
  CloseHandle(m);
}

bool Identity::recently_alive(uint32_t id) const {
  const uint32_t now = now_ms();
  for (auto& e : recent_) {
    uint64_t v = e.load(std::memory_order_relaxed);
    if (uint32_t(v >> 32) == id && now - uint32_t(v) < kRecentMs) return true;
  }
  return false;
}

void Identity::remember_alive(uint32_t id) const {
  recent_[id % 4].store((uint64_t(id) << 32) | now_ms(), std::memory_order_relaxed);
}

bool Identity::alive(uint32_t id) const {
  id &= kUserIdMask;
  if (id == id_) return true;
  if (id == 0) return false;
  if (recently_alive(id)) return true;
  HANDLE m = OpenMutexW(SYNCHRONIZE | MUTEX_MODIFY_STATE, FALSE, user_mutex_name(segment_, id).c_str());
  if (!m) return GetLastError() != ERROR_FILE_NOT_FOUND;  // cannot tell: alive
  const DWORD r = WaitForSingleObject(m, 0);
  // Taken: its owner released it (its identity is gone) or abandoned it (its thread is gone).
  if (r == WAIT_OBJECT_0 || r == WAIT_ABANDONED) ReleaseMutex(m);
  CloseHandle(m);
  if (r == WAIT_OBJECT_0 || r == WAIT_ABANDONED) return false;
  remember_alive(id);
  return true;
}

std::shared_ptr<Identity> IdentityCache::get(NativeHandle, const SegmentKey& key, uint32_t* counter,
                                             UserEntry* users, uint32_t n_users, std::string* why) {
  auto it = by_file_.find(key);
  if (it != by_file_.end()) {
    if (auto id = it->second.lock()) return id;
  }
  for (int attempt = 0; attempt < kIdAttempts; attempt++) {
    uint32_t id = (fetch_add(counter, 1) + 1) & kUserIdMask;
    if (id == 0) continue;
    HANDLE m = CreateMutexW(win::user_only(), TRUE, user_mutex_name(key, id).c_str());
    if (!m) {
      if (GetLastError() == ERROR_ACCESS_DENIED) continue;  // someone else's object of that name
      *why = win::error_message("cannot create the user's mutex", GetLastError());
      return nullptr;
    }
    if (GetLastError() == ERROR_ALREADY_EXISTS) {  // a user (live or being probed) has it
      CloseHandle(m);
      continue;
    }
    std::shared_ptr<Identity> ident(new Identity(win::from_handle(m), id, key));
    if (n_users) {
      UserEntry* e = users + (id % n_users);
      store(&e->pid, uint32_t(GetCurrentProcessId()));
      store(&e->id, id);
    }
    by_file_[key] = ident;
    if (by_file_.size() >= prune_at_) {
      for (auto i = by_file_.begin(); i != by_file_.end();) i = i->second.expired() ? by_file_.erase(i) : std::next(i);
      prune_at_ = 2 * by_file_.size() + 64;
    }
    return ident;
  }
  *why = "no free user id in the segment (corrupt counter?)";
  return nullptr;
}

uint32_t WaitCtx::me() const { return self ? self->id() : 0; }
bool WaitCtx::alive(uint32_t id) const { return self ? self->alive(id) : true; }

uint32_t user_pid(const UserEntry* users, uint32_t n_users, uint32_t id) {
  if (n_users == 0 || id == 0) return 0;
  const UserEntry* e = users + (id % n_users);
  uint32_t pid = __atomic_load_n(&e->pid, __ATOMIC_SEQ_CST);
  return __atomic_load_n(&e->id, __ATOMIC_SEQ_CST) == id ? pid : 0;
}

}  // namespace procsync
