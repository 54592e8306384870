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
    remember(key, ident, users, n_users, uint32_t(getpid()));
    return ident;
  }
  close(own);
  *why = "no free user id in the segment (corrupt counter?)";
  return nullptr;
}

}  // namespace procsync
