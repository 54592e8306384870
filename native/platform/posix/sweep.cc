// The index of the posix backend: the lock files in the per-user directory (macOS has no
// /dev/shm to list). sweep_segments() removes the segments nobody uses, and the FIFOs of
// waiting threads that are gone; list_segments() reads the full names out of the lock files.
// Both go through the lock-file registry (lockfiles.h): a lock file this process holds is never
// opened a second time, and the others are probed under the registry mutex.
#include <cerrno>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/segment.h"
#include "platform/posix/lockfiles.h"
#include "platform/posix/names.h"

namespace procsync {

using namespace posix;

namespace {
constexpr time_t kGraceSeconds = 10;

bool is_lock_file_name(const char* n) { return strncmp(n, "psy", 3) == 0 && strlen(n) == 29; }

std::string full_name_of(int fd) {
  char buf[kMaxNameLen + 2];
  ssize_t n = pread(fd, buf, sizeof buf, 0);
  if (n <= 0 || size_t(n) > kMaxNameLen) return "";
  std::string s(buf, size_t(n));
  return valid_name(s) ? s : "";
}

// Whether the object at `shm` is a valid persistent segment (kept by the sweep).
bool persistent_object(const std::string& shm) {
  int sfd = shm_open(shm.c_str(), O_RDONLY, 0);
  if (sfd < 0) return false;
  struct stat st;
  bool keep = false;
  if (fstat(sfd, &st) == 0 && uint64_t(st.st_size) >= kStateOffset && uint64_t(st.st_size) <= kMaxSegmentSize) {
    void* p = mmap(nullptr, kStateOffset, PROT_READ, MAP_SHARED, sfd, 0);
    if (p != MAP_FAILED) {
      std::string why;
      const uint8_t* h = static_cast<const uint8_t*>(p);
      keep = validate_header(h, uint64_t(st.st_size), &why) &&
             (__atomic_load_n(&reinterpret_cast<const Header*>(h)->flags, __ATOMIC_SEQ_CST) & kFlagPersistent);
      munmap(p, kStateOffset);
    }
  }
  close(sfd);
  return keep;
}

// A lock file nobody holds: its segment's users are all gone (or its creator died half-way).
bool sweep_lock_file(const std::string& path, const char* file) {
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return false;
  bool removed = false;
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && range_lock(fd, F_WRLCK, 0) == RangeLock::kOk &&
      same_file(fd, path)) {
    const std::string shm = std::string("/") + file;
    // A creator holds the write lock until its object is valid, so an unheld lock file with
    // an invalid or missing object is a dead creator's: removed at once, like a valid one.
    if (!persistent_object(shm)) {
      shm_unlink(shm.c_str());
      removed = unlink(path.c_str()) == 0;
    }
  }
  close(fd);
  return removed;
}

bool old_enough(const struct stat& st) { return time(nullptr) - st.st_mtime > kGraceSeconds; }

// A waiting thread's FIFO whose thread is gone (no reader: ENXIO) and that is not new.
void sweep_fifo(const std::string& path, const struct stat& st) {
  if (!S_ISFIFO(st.st_mode) || !old_enough(st)) return;
  int fd = open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
  if (fd >= 0) { close(fd); return; }
  if (errno == ENXIO) unlink(path.c_str());
}
}  // namespace

int sweep_segments() {
  std::string dir, why;
  if (!user_dir(&dir, &why)) return 0;
  DIR* d = opendir(dir.c_str());
  if (!d) return 0;
  int removed = 0;
  std::lock_guard<std::mutex> g(registry_mutex());
  while (dirent* e = readdir(d)) {
    const std::string path = dir + "/" + e->d_name;
    struct stat st;
    if (e->d_name[0] == '.' || lstat(path.c_str(), &st) != 0) continue;
    if (is_lock_file_name(e->d_name)) {
      if (lockfile_registered_locked(st.st_dev, st.st_ino)) continue;  // ours, and in use
      if (sweep_lock_file(path, e->d_name)) removed++;
    } else if (e->d_name[0] == '~') {
      // A creator's temporary lock file: only once clearly abandoned.
      if (S_ISREG(st.st_mode) && old_enough(st)) unlink(path.c_str());
    } else if (e->d_name[0] == 'w') {
      sweep_fifo(path, st);
    }
  }
  closedir(d);
  return removed;
}

std::vector<std::pair<std::string, bool>> list_segments() {
  std::vector<std::pair<std::string, bool>> out;
  std::string dir, why;
  if (!user_dir(&dir, &why)) return out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  std::lock_guard<std::mutex> g(registry_mutex());
  while (dirent* e = readdir(d)) {
    if (!is_lock_file_name(e->d_name)) continue;
    const std::string path = dir + "/" + e->d_name;
    struct stat st;
    if (lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (LockFile* f = lockfile_by_inode_locked(st.st_dev, st.st_ino)) {
      std::string name = full_name_of(f->fd);
      if (!name.empty()) out.emplace_back(name, true);
      continue;
    }
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) continue;
    std::string name = full_name_of(fd);
    // F_GETLK takes no lock, so a listing never makes a closer or an opener fail its probe.
    bool held = range_held_by_other(fd, 0);
    close(fd);
    if (!name.empty()) out.emplace_back(name, held);
  }
  closedir(d);
  return out;
}

}  // namespace procsync
