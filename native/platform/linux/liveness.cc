#include "platform/liveness.h"

#include <atomic>
#include <cerrno>
#include <pthread.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/common.h"
#include "platform/platform.h"

namespace procsync {

namespace {

bool lock_byte(int fd, uint32_t id, short type = F_WRLCK) {
  struct flock fl = {};
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = off_t(id);
  fl.l_len = 1;
  while (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
    if (errno != EINTR) return false;
  }
  return true;
}

// getpid() is a system call on every open (glibc no longer caches it); the users table's pid
// is read once per process, and again in a child after fork().
std::atomic<uint32_t> g_pid{0};
uint32_t own_pid() {
  uint32_t p = g_pid.load(std::memory_order_relaxed);
  if (p != 0) return p;
  static const bool hooked = pthread_atfork(nullptr, nullptr, [] { g_pid.store(0, std::memory_order_relaxed); }) == 0;
  p = uint32_t(getpid());
  if (hooked) g_pid.store(p, std::memory_order_relaxed);
  return p;
}
}  // namespace

// The lock is dropped explicitly: the description is also the one a mapping of the segment may
// have been made from (segment.cc), and a mapping keeps its description — and the locks on it —
// alive after close() until it is unmapped, which the garbage collector may do much later.
Identity::~Identity() {
  lock_byte(int(handle_), id_, F_UNLCK);
  close(int(handle_));
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
  if (auto cached_ident = cached(key)) return cached_ident;
  // The lock is taken on the caller's fresh file description of the segment (an open() of its
  // path; a dup would share another description and its locks), which the identity then
  // owns: the lock lives exactly as long as the identity, and the same description also
  // carries the thread's flock on the segment (segment.cc), so a thread needs one fd per
  // segment. (It used to reopen /proc/self/fd/N for a second description: one more fd per
  // segment per thread — EMFILE at 10,000 segments — and ~7 µs per open.)
  for (int attempt = 0; attempt < kIdAttempts; attempt++) {
    uint32_t id = (fetch_add(counter, 1) + 1) & kUserIdMask;
    if (id == 0) continue;
    if (!lock_byte(fd, id)) {
      if (errno == EAGAIN || errno == EACCES) continue;  // a live user has it
      break;
    }
    std::shared_ptr<Identity> ident(new Identity(fd, id));
    remember(key, ident, users, n_users, own_pid());
    return ident;
  }
  *why = "no free user id in the segment (corrupt counter?)";
  return nullptr;
}

}  // namespace procsync
