// Identities of the posix backend: a user id's lock is a classic fcntl write lock on byte
// kIdBase + id of the segment's lock file, held through the process's single descriptor of
// that file (lockfiles.h). The kernel drops it when the process dies, however it dies; an
// Identity's destructor (handle closed, thread torn down by the env cleanup hook) unlocks it.
// Classic locks belong to the process, so F_GETLK never reports the process's own locks: the
// registry keeps the ids this process holds, and "alive" is "one of ours, or another process
// holds its byte".
#include "platform/liveness.h"

#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>

#include "core/common.h"
#include "platform/posix/lockfiles.h"

namespace procsync {

using namespace posix;

Identity::~Identity() {
  std::lock_guard<std::mutex> g(registry_mutex());
  LockFile* f = lockfile_by_fd_locked(handle_);
  if (!f) return;
  range_lock(handle_, F_UNLCK, kIdBase + off_t(id_));
  f->ids.erase(id_);
  f->idents--;
  lockfile_drop_locked(f);
}

bool Identity::alive(uint32_t id) const {
  id &= kUserIdMask;
  if (id == id_) return true;
  if (id == 0) return false;
  std::lock_guard<std::mutex> g(registry_mutex());
  LockFile* f = lockfile_by_fd_locked(handle_);
  if (!f) return true;
  if (f->ids.count(id)) return true;
  return range_held_by_other(handle_, kIdBase + off_t(id));
}

std::shared_ptr<Identity> IdentityCache::get(NativeHandle h, const SegmentKey& key, uint32_t* counter,
                                             UserEntry* users, uint32_t n_users, std::string* why) {
  const int fd = int(h);
  if (auto cached_ident = cached(key)) return cached_ident;
  std::lock_guard<std::mutex> g(registry_mutex());
  LockFile* f = lockfile_by_fd_locked(fd);
  if (!f) { *why = "the segment's lock file is not open"; return nullptr; }
  for (int attempt = 0; attempt < kIdAttempts; attempt++) {
    uint32_t id = (fetch_add(counter, 1) + 1) & kUserIdMask;
    if (id == 0 || f->ids.count(id)) continue;  // own locks never conflict: skip our ids here
    RangeLock r = range_lock(fd, F_WRLCK, kIdBase + off_t(id));
    if (r == RangeLock::kBusy) continue;  // another process's live user has it
    if (r == RangeLock::kError) break;
    f->ids.insert(id);
    f->idents++;
    std::shared_ptr<Identity> ident(new Identity(fd, id));
    remember(key, ident, users, n_users, uint32_t(getpid()));
    return ident;
  }
  *why = "no free user id in the segment (corrupt counter?)";
  return nullptr;
}

}  // namespace procsync
