#include "platform/posix/lockfiles.h"

#include <cerrno>
#include <map>
#include <memory>
#include <unordered_map>
#include <unistd.h>

namespace procsync {
namespace posix {

namespace {
// Keyed by inode: after an unlink(name) the process may hold the old file of a name while it
// opens the new one.
std::map<std::pair<dev_t, ino_t>, std::unique_ptr<LockFile>>& files() {
  static auto* m = new std::map<std::pair<dev_t, ino_t>, std::unique_ptr<LockFile>>();
  return *m;
}
// The same entries by descriptor (Mappings and Identities name their lock file by its fd).
std::unordered_map<int, LockFile*>& by_fd() {
  static auto* m = new std::unordered_map<int, LockFile*>();
  return *m;
}
}  // namespace

std::mutex& registry_mutex() {
  // Never destroyed: env cleanup hooks and thread-exit destructors may run during exit.
  static auto* mu = new std::mutex();
  return *mu;
}

LockFile* lockfile_by_inode_locked(dev_t dev, ino_t ino) {
  auto it = files().find({dev, ino});
  return it == files().end() ? nullptr : it->second.get();
}

LockFile* lockfile_by_fd_locked(int fd) {
  auto it = by_fd().find(fd);
  return it == by_fd().end() ? nullptr : it->second;
}

LockFile* lockfile_add_locked(int fd, const struct stat& st, const std::string& path) {
  auto f = std::make_unique<LockFile>();
  f->fd = fd;
  f->dev = st.st_dev;
  f->ino = st.st_ino;
  f->path = path;
  LockFile* raw = f.get();
  by_fd()[fd] = raw;
  files()[{st.st_dev, st.st_ino}] = std::move(f);
  return raw;
}

void lockfile_drop_locked(LockFile* f) {
  if (f->opens > 0 || f->idents > 0) return;
  by_fd().erase(f->fd);
  close(f->fd);
  files().erase({f->dev, f->ino});
}

bool lockfile_registered_locked(dev_t dev, ino_t ino) { return lockfile_by_inode_locked(dev, ino) != nullptr; }

RangeLock range_lock(int fd, short type, off_t start) {
  struct flock fl = {};
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = start;
  fl.l_len = 1;
  while (fcntl(fd, F_SETLK, &fl) != 0) {
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EACCES ? RangeLock::kBusy : RangeLock::kError;
  }
  return RangeLock::kOk;
}

bool range_held_by_other(int fd, off_t start) {
  struct flock fl = {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = start;
  fl.l_len = 1;
  int r;
  while ((r = fcntl(fd, F_GETLK, &fl)) != 0 && errno == EINTR) {}
  if (r != 0) return true;
  return fl.l_type != F_UNLCK;
}

bool same_file(int fd, const std::string& path) {
  struct stat a, b;
  return fstat(fd, &a) == 0 && lstat(path.c_str(), &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

}  // namespace posix
}  // namespace procsync
