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

#include "core/common.h"
#include "platform/platform.h"
#include "platform/windows/win.h"

namespace procsync {

namespace {
std::wstring user_mutex_name(const SegmentKey& k, uint32_t id) {
  char buf[64];
  snprintf(buf, sizeof buf, "u~%016llx%016llx~%u", static_cast<unsigned long long>(k.a),
           static_cast<unsigned long long>(k.b), id);
  return win::private_object_name(buf);
}

}  // namespace

Identity::~Identity() {
  // Only the owning thread can release a mutex (elsewhere this fails, harmlessly): closing the
  // last handle then destroys it, and until then a prober that finds it still owned by the
  // live thread calls the id alive a little longer, never the reverse.
  HANDLE m = win::to_handle(handle_);
  ReleaseMutex(m);
  CloseHandle(m);
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
  if (auto cached_ident = cached(key)) return cached_ident;
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
    remember(key, ident, users, n_users, uint32_t(GetCurrentProcessId()));
    return ident;
  }
  *why = "no free user id in the segment (corrupt counter?)";
  return nullptr;
}

}  // namespace procsync
