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

#include "common.h"
#include "platform/posix/lockfiles.h"

namespace procsync {

using namespace posix;

namespace {
constexpr int kIdAttempts = 4096;
}  // namespace

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
  auto it = by_file_.find(key);
  if (it != by_file_.end()) {
    if (auto id = it->second.lock()) return id;
  }
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
    if (n_users) {
      UserEntry* e = users + (id % n_users);
      store(&e->pid, uint32_t(getpid()));
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
