// The process-wide registry of lock files (posix backend).
//
// Why a registry: classic POSIX record locks (fcntl F_SETLK, the only kind macOS has) belong to
// the *process*, and the kernel drops ALL of a process's locks on a file as soon as the process
// closes ANY descriptor of that file. A second open()+close() of a lock file by some other
// thread (a sweep, a list, another handle) would silently release the lifetime lock and every
// user-id lock of the process. So each lock file is open exactly once per process, here, and
// every open, probe and close of a lock file in the process goes through this registry under
// its mutex. Worker threads share the process, hence one mutex for all of them.
//
// Bytes of a lock file: byte 0 is the lifetime lock (read-locked by every process that has
// the segment open; write-locked by its creator while it initialises the segment, and by the
// last closer or the sweep to prove that nobody else uses it); byte kIdBase + id is user id
// `id`'s identity (liveness.h). The file's content is the segment's full name.
#pragma once
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <mutex>
#include <set>
#include <string>

namespace procsync {
namespace posix {

constexpr off_t kIdBase = 1;

struct LockFile {
  int fd = -1;
  dev_t dev = 0;
  ino_t ino = 0;
  std::string path;
  int opens = 0;   // Mappings of this process: byte 0 is read-locked while > 0
  int idents = 0;  // Identities of this process (their bytes are write-locked)
  std::set<uint32_t> ids;  // user ids held by this process (own locks are invisible to F_GETLK)
};

std::mutex& registry_mutex();

// All *_locked functions need registry_mutex() held.
LockFile* lockfile_by_inode_locked(dev_t dev, ino_t ino);
LockFile* lockfile_by_fd_locked(int fd);
// Registers an fd that the caller opened (and on which it holds what it holds).
LockFile* lockfile_add_locked(int fd, const struct stat& st, const std::string& path);
// Closes and forgets the entry once neither a mapping nor an identity of the process uses it.
void lockfile_drop_locked(LockFile* f);
// Whether (dev, ino) is a lock file this process has open: such a file must never be opened
// (and so closed) a second time.
bool lockfile_registered_locked(dev_t dev, ino_t ino);

enum class RangeLock { kOk, kBusy, kError };
// F_SETLK of `type` (F_RDLCK, F_WRLCK, F_UNLCK) on [start, start + 1), EINTR retried.
RangeLock range_lock(int fd, short type, off_t start);
// Whether another process holds a lock on byte `start` that conflicts with a write lock
// (F_GETLK; this process's own locks never show). On error: true (never judge on a doubt).
bool range_held_by_other(int fd, off_t start);

// Whether `fd` and `path` are the same file (the name was not removed or replaced).
bool same_file(int fd, const std::string& path);

}  // namespace posix
}  // namespace procsync
