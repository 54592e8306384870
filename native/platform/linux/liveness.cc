#include "platform/liveness.h"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "platform/platform.h"

namespace procsync {

namespace {
// Taking a fresh id: the counter may have been scribbled on, so a taken byte is skipped; this
// many attempts in a row that all meet a live user can only mean a hostile counter.
constexpr int kIdAttempts = 4096;

bool lock_byte(int fd, uint32_t id) {
  struct flock fl = {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = off_t(id);
  fl.l_len = 1;
  while (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
    if (errno != EINTR) return false;
  }
  return true;
}
}  // namespace

Identity::~Identity() { close(handle_); }

namespace {
constexpr uint32_t kRecentMs = 50;  // < kSliceNs: see Identity::recent_
uint32_t now_ms() { return uint32_t(monotonic_ns() / 1000000); }
}  // namespace

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
  struct flock fl = {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = off_t(id);
  fl.l_len = 1;
  int r;
  while ((r = fcntl(handle_, F_OFD_GETLK, &fl)) != 0 && errno == EINTR) {}
  if (r != 0) return true;
  if (fl.l_type == F_UNLCK) return false;
  remember_alive(id);
  return true;
}

std::shared_ptr<Identity> IdentityCache::get(NativeHandle h, const SegmentKey& key, uint32_t* counter,
                                             UserEntry* users, uint32_t n_users, std::string* why) {
  const int fd = int(h);
  auto it = by_file_.find(key);
  if (it != by_file_.end()) {
    if (auto id = it->second.lock()) return id;
  }
  // A file description of its own (not a dup, which would share the description): the lock
  // lives exactly as long as this identity.
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  int own = open(path, O_RDWR | O_CLOEXEC);
  if (own < 0) { *why = "cannot reopen the segment for its user lock"; return nullptr; }
  for (int attempt = 0; attempt < kIdAttempts; attempt++) {
    uint32_t id = (fetch_add(counter, 1) + 1) & kUserIdMask;
    if (id == 0) continue;
    if (!lock_byte(own, id)) {
      if (errno == EAGAIN || errno == EACCES) continue;  // a live user has it
      break;
    }
    std::shared_ptr<Identity> ident(new Identity(own, id));
    if (n_users) {
      UserEntry* e = users + (id % n_users);
      store(&e->pid, uint32_t(getpid()));
      store(&e->id, id);
    }
    by_file_[key] = ident;
    // Forget identities that are gone, so the map does not grow with every segment ever used.
    // Amortised (as in the posix backend): a sweep of the whole map at every open made opening
    // n segments O(n^2) — a third of the CPU time of create_open_10k.
    if (by_file_.size() >= prune_at_) {
      for (auto i = by_file_.begin(); i != by_file_.end();) i = i->second.expired() ? by_file_.erase(i) : std::next(i);
      prune_at_ = 2 * by_file_.size() + 64;
    }
    return ident;
  }
  close(own);
  *why = "no free user id in the segment (corrupt counter?)";
  return nullptr;
}

uint32_t WaitCtx::me() const { return self ? self->id() : 0; }
// Without an identity nothing can be judged dead: never take over on a doubt.
bool WaitCtx::alive(uint32_t id) const { return self ? self->alive(id) : true; }

uint32_t user_pid(const UserEntry* users, uint32_t n_users, uint32_t id) {
  if (n_users == 0 || id == 0) return 0;
  const UserEntry* e = users + (id % n_users);
  uint32_t pid = __atomic_load_n(&e->pid, __ATOMIC_SEQ_CST);
  return __atomic_load_n(&e->id, __ATOMIC_SEQ_CST) == id ? pid : 0;
}

}  // namespace procsync
