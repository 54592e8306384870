#include "platform/posix/parking.h"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <mutex>
#include <random>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/posix/names.h"

namespace procsync {
namespace posix {

namespace {
constexpr size_t kTableSize = sizeof(Slot) * kSlots;

Slot* map_table() {
  const std::string name = "/psypark." + std::to_string(geteuid());
  int fd = shm_open(name.c_str(), O_RDWR | O_CREAT, 0600);
  if (fd < 0) return nullptr;
  struct stat st;
  Slot* t = nullptr;
  // Someone else's table, or one open to others, could be used to misdirect wake-ups.
  if (fstat(fd, &st) == 0 && st.st_uid == geteuid() && (st.st_mode & 077) == 0) {
    // macOS sizes an shm object only once: if a concurrent process did it first, our
    // ftruncate fails and fstat shows their size.
    if (st.st_size == 0 && ftruncate(fd, off_t(kTableSize)) != 0) {}
    if (fstat(fd, &st) == 0 && uint64_t(st.st_size) == kTableSize) {
      void* p = mmap(nullptr, kTableSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (p != MAP_FAILED) t = static_cast<Slot*>(p);
    }
  }
  close(fd);
  return t;
}

const std::string& dir_for_fifos() {
  static const std::string* d = [] {
    std::string dir, why;
    return new std::string(user_dir(&dir, &why) ? dir : "");
  }();
  return *d;
}
}  // namespace

Slot* parking_table() {
  static Slot* t = map_table();
  return t;
}

std::string fifo_path(const std::string& dir, uint64_t token) {
  char buf[24];
  snprintf(buf, sizeof buf, "/w%016llx", static_cast<unsigned long long>(token));
  return dir + buf;
}

Parker::~Parker() {
  if (rd >= 0) close(rd);
  if (wr >= 0) close(wr);
  if (!path.empty()) unlink(path.c_str());
}

Parker* this_thread_parker() {
  thread_local Parker p;
  thread_local bool failed = false;
  if (p.rd >= 0) return &p;
  if (failed) return nullptr;
  const std::string& dir = dir_for_fifos();
  if (dir.empty()) { failed = true; return nullptr; }
  // A random token rather than pid + counter: pids repeat across pid namespaces that share
  // the directory, and the sweep judges a FIFO by its reader, not by a pid.
  std::random_device rd;
  for (int i = 0; i < 16; i++) {
    uint64_t token = (uint64_t(rd()) << 32) | rd();
    if (token == 0) continue;
    std::string path = fifo_path(dir, token);
    if (mkfifo(path.c_str(), 0600) != 0) {
      if (errno == EEXIST) continue;
      break;
    }
    int r = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    int w = r >= 0 ? open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC) : -1;
    if (w < 0) {
      if (r >= 0) close(r);
      unlink(path.c_str());
      break;
    }
    p.rd = r;
    p.wr = w;
    p.token = token;
    p.path = path;
    return &p;
  }
  failed = true;
  return nullptr;
}

bool poke(uint64_t token) {
  const std::string& dir = dir_for_fifos();
  if (dir.empty()) return false;
  const std::string path = fifo_path(dir, token);
  int fd = open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return errno != ENXIO && errno != ENOENT && errno != ELOOP;
  struct stat st;
  bool ok = fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
  if (ok) {
    const char b = 1;
    ssize_t n;
    while ((n = write(fd, &b, 1)) < 0 && errno == EINTR) {}
    // EAGAIN: the pipe is full of earlier pokes, so the sleeper wakes anyway.
  }
  close(fd);
  return ok;
}

}  // namespace posix
}  // namespace procsync
