// The posix backend's half of the parking table (platform/parking_table.h): where the table
// lives and the wake channel, a FIFO per thread. No futex on macOS, and no process-shared
// condition variable either: a waiter SIGKILLed inside pthread_cond_wait can wedge every later
// broadcaster (glibc bug 21422). A dead waiter here can only leave a slot whose FIFO has no
// reader, which a waker detects (ENXIO) and frees.
//
// The table is one shm object per user ("/psypark.<euid>", owner and mode checked). It is never
// removed: 32 KiB per user, reused by every later process.
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <random>
#include <string>

#include "platform/parking_table.h"
#include "platform/platform.h"
#include "platform/posix/names.h"

namespace procsync {
namespace parking {

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
    return new std::string(posix::user_dir(&dir, &why) ? dir : "");
  }();
  return *d;
}

// <user dir>/w<16 hex digits of token> (the sweep removes such FIFOs that nobody reads).
std::string fifo_path(const std::string& dir, uint64_t token) {
  char buf[24];
  snprintf(buf, sizeof buf, "/w%016llx", static_cast<unsigned long long>(token));
  return dir + buf;
}
}  // namespace

// The thread's FIFO, removed when the thread ends. Its read end never reports a hang-up, since
// the thread holds a write end too.
struct Channel {
  int rd = -1;
  int wr = -1;
  uint64_t token = 0;
  std::string path;
  ~Channel() {
    if (rd >= 0) close(rd);
    if (wr >= 0) close(wr);
    if (!path.empty()) unlink(path.c_str());
  }
};

Slot* table() {
  static Slot* t = map_table();
  return t;
}

Channel* this_thread_channel() {
  thread_local Channel c;
  thread_local bool failed = false;
  if (c.rd >= 0) return &c;
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
    c.rd = r;
    c.wr = w;
    c.token = token;
    c.path = path;
    return &c;
  }
  failed = true;
  return nullptr;
}

uint64_t token_of(const Channel& c) { return c.token; }

void clear(Channel& c) {
  char buf[64];
  while (read(c.rd, buf, sizeof buf) > 0) {}
}

Rest rest(Channel& c, int64_t until_ns) {
  int ms = -1;
  if (until_ns >= 0) {
    int64_t left = (until_ns - monotonic_ns() + 999999) / 1000000;
    if (left < 0) left = 0;
    ms = left > INT_MAX ? INT_MAX : int(left);
  }
  pollfd pfd{c.rd, POLLIN, 0};
  int r = poll(&pfd, 1, ms);
  if (r > 0) { clear(c); return Rest::kSignalled; }
  if (r < 0 && errno != EINTR) return Rest::kFailed;
  return Rest::kAgain;
}

// True when a byte is (or already was) waiting in the FIFO; false when nobody reads it (its
// thread is gone: ENXIO, ENOENT) or it is not a FIFO.
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

void nap(int64_t ns) {
  timespec ts{time_t(ns / 1000000000LL), long(ns % 1000000000LL)};
  nanosleep(&ts, nullptr);
}

}  // namespace parking
}  // namespace procsync
