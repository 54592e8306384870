#include "platform/segment.h"

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <random>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "platform/posix_errors.h"

namespace procsync {

namespace {
constexpr const char* kDir = "/dev/shm/";
constexpr const char* kPrefix = "procsync.";
// Temporary names use '~', which user names cannot contain, so they never collide.
constexpr const char* kTmpPrefix = "procsync.~";
constexpr int kOpenRetries = 1000;
// A file of ours that nobody holds but that is not (yet) a valid segment is only swept once it
// is this old, so a creator between open(O_CREAT) and flock() is never disturbed.
constexpr time_t kSweepGraceSeconds = 10;
// sweep_if_due(): at most one sweep per this interval per process.
constexpr int64_t kSweepIntervalNs = 1000LL * 1000 * 1000;
std::atomic<int64_t> g_last_sweep_ns{0};

// Maps a segment read-write. The sanitizer build (PROCSYNC_GUARD_PAGES, `npm run test:asan`)
// puts an inaccessible page on each side: AddressSanitizer does not see inside mmap'd memory,
// but a read or write just outside a segment then faults at once instead of going unnoticed.
#ifdef PROCSYNC_GUARD_PAGES
size_t guard_size() { return size_t(sysconf(_SC_PAGESIZE)); }
uint8_t* map_segment(int fd, uint64_t size) {
  const size_t g = guard_size();
  const size_t span = ((size_t(size) + g - 1) / g) * g;
  void* r = mmap(nullptr, span + 2 * g, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (r == MAP_FAILED) return nullptr;
  uint8_t* base = static_cast<uint8_t*>(r) + g;
  if (mmap(base, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED) {
    munmap(r, span + 2 * g);
    return nullptr;
  }
  return base;
}
void unmap_segment(uint8_t* base, uint64_t size) {
  const size_t g = guard_size();
  munmap(base - g, ((size_t(size) + g - 1) / g) * g + 2 * g);
}
#else
// A small segment is mapped with its pages in place (MAP_POPULATE): every open reads the header
// and writes the users table at once, and that first touch was a page fault of its own (1.8 µs
// in C on the 2-vCPU VM; populated: mmap +1.0 µs, the touch 0.4). Up to 64 KiB, what a fault
// maps around the touched page anyway (fault_around_bytes), and the pages are allocated from
// the start (reserve_space), so nothing is mapped or allocated that would not have been; a
// larger segment (a Queue's ring) keeps faulting its pages in as they are used.
constexpr uint64_t kPopulateMax = 64 * 1024;
uint8_t* map_segment(int fd, uint64_t size) {
  const int flags = MAP_SHARED | (size <= kPopulateMax ? MAP_POPULATE : 0);
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, flags, fd, 0);
  return p == MAP_FAILED ? nullptr : static_cast<uint8_t*>(p);
}
void unmap_segment(uint8_t* base, uint64_t size) { munmap(base, size); }
#endif

// /dev/shm, opened once per process (O_PATH): a segment is opened relative to it, one path
// component to look up instead of four (~0.2-0.4 µs of every named open). -1 if it could not be
// opened; callers then use the absolute path.
int shm_dir_fd() {
  static const int fd = open(kDir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  return fd;
}

// Takes a shared flock, retrying EINTR.
bool flock_shared(int fd) {
  while (flock(fd, LOCK_SH) != 0) {
    if (errno != EINTR) return false;
  }
  return true;
}

bool same_file(int fd, const std::string& path) {
  struct stat a, b;
  return fstat(fd, &a) == 0 && stat(path.c_str(), &b) == 0 && a.st_ino == b.st_ino &&
         a.st_dev == b.st_dev;
}

int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

// Reserves the whole segment in /dev/shm (and sizes the file). tmpfs allocates pages only when
// they are first touched, so without this a full /dev/shm shows up as SIGBUS at some later
// write instead of an error here. posix_fallocate returns its error (it does not set errno).
bool reserve_space(int fd, uint64_t size, const std::string& name, OpenError* err) {
  int r;
  do r = posix_fallocate(fd, 0, off_t(size)); while (r == EINTR);
  if (r == 0) return true;
  if (r != ENOSPC && r != ENOMEM && r != EFBIG) {
    set_sys_error(err, "cannot reserve the segment's memory", r);
    return false;
  }
  std::string room = "the free space of /dev/shm is unknown";
  struct statvfs vs;
  if (statvfs(kDir, &vs) == 0) {
    room = "/dev/shm has " + std::to_string(uint64_t(vs.f_bavail) * vs.f_frsize) + " bytes free of " +
           std::to_string(uint64_t(vs.f_blocks) * vs.f_frsize);
  }
  err->code = "ERR_NO_SPACE";
  err->message = "cannot reserve " + std::to_string(size) + " bytes of shared memory for '" + name +
                 "': " + room + " (in Docker, enlarge it with --shm-size)";
  return false;
}

// Refuses a segment that another user owns, unless the opener allowed that owner: whoever owns
// the file can flip its words at will (hold a lock forever, forge queue records).
bool check_owner(const struct stat& st, const OpenSpec& spec, OpenError* err) {
  const uid_t me = geteuid();
  if (st.st_uid == me) return true;
  if (spec.allow_owner >= 0 && uint64_t(spec.allow_owner) == uint64_t(st.st_uid)) return true;
  const std::string owner = std::to_string(st.st_uid);
  err->code = "ERR_PERMISSION";
  err->message = "segment '" + spec.name + "' belongs to uid " + owner + ", not to this user (uid " +
                 std::to_string(me) + "); pass { allowOwner: " + owner + " } to share it with that user";
  return false;
}

// The name is a symbolic link (open with O_NOFOLLOW gave ELOOP): never followed, refused.
void refuse_symlink(const std::string& path, const OpenSpec& spec, OpenError* err) {
  struct stat st;
  std::string owner = lstat(path.c_str(), &st) == 0 ? " (owned by uid " + std::to_string(st.st_uid) + ")" : "";
  err->code = "ERR_PERMISSION";
  err->message = "'" + path + "' is a symbolic link" + owner + ", not a segment: refused for '" + spec.name + "'";
}

// Leftovers of users that all died (SIGKILL) are removed by whichever procsync process next
// opens, creates or closes a segment, at most once per kSweepIntervalNs.
void sweep_if_due() {
  const int64_t now = now_ns();
  int64_t last = g_last_sweep_ns.load(std::memory_order_relaxed);
  if (last != 0 && now - last < kSweepIntervalNs) return;
  // One thread of the process sweeps; the others go on.
  if (!g_last_sweep_ns.compare_exchange_strong(last, now, std::memory_order_relaxed)) return;
  sweep_segments();
}

std::shared_ptr<Mapping> try_open(const OpenSpec& spec, OpenError* err, bool* absent, SegmentKey* key) {
  *absent = false;
  const int dir = shm_dir_fd();
  const std::string file = kPrefix + spec.name;
  int fd = dir >= 0 ? openat(dir, file.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW)
                    : open(segment_path(spec.name).c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) { *absent = true; return nullptr; }
    if (errno == ELOOP) { refuse_symlink(segment_path(spec.name), spec, err); return nullptr; }
    set_sys_error(err, "cannot open segment", errno);
    return nullptr;
  }
  if (!flock_shared(fd)) { set_sys_error(err, "flock", errno); close(fd); return nullptr; }
  struct stat st;
  if (fstat(fd, &st) != 0) { set_sys_error(err, "fstat", errno); close(fd); return nullptr; }
  if (st.st_nlink == 0) {
    // Its last user unlinked it between our open() and flock(): it is gone, start over.
    close(fd);
    *absent = true;
    return nullptr;
  }
  if (!check_owner(st, spec, err)) { close(fd); return nullptr; }
  if (!S_ISREG(st.st_mode) || uint64_t(st.st_size) < kStateOffset) {
    close(fd);
    err->code = "ERR_CORRUPT";
    err->message = "segment '" + spec.name + "' is not a procsync segment (too small)";
    return nullptr;
  }
  uint64_t size = uint64_t(st.st_size);
  *key = SegmentKey{uint64_t(st.st_dev), uint64_t(st.st_ino)};
  uint8_t* p = map_segment(fd, size);
  if (!p) { set_sys_error(err, "mmap", errno); close(fd); return nullptr; }
  auto m = std::make_shared<Mapping>(spec.name, fd, p, size, false);
  std::string why;
  if (!validate_header(m->base(), size, &why)) {
    err->code = "ERR_CORRUPT";
    err->message = "segment '" + spec.name + "' is corrupt: " + why;
    m->abandon();  // not ours to remove: leave the file for whoever made it
    return nullptr;
  }
  if (spec.kind != 0 && m->header().kind != spec.kind) {
    err->code = "ERR_KIND_MISMATCH";
    err->message = "segment '" + spec.name + "' holds another kind of primitive";
    m->detach();
    return nullptr;
  }
  if (spec.persistent) m->set_persistent();
  return m;
}

// An unnamed file in /dev/shm (O_TMPFILE), given its name with linkat() once it is a whole
// segment: a creator that dies before that leaves nothing behind, and creating and unlinking a
// temporary name is saved (~3.5 of ~34 µs per create on the measuring VM:
// bench/experiments/segment-create.c). Naming it takes /proc (/proc/self/fd/N; linkat's
// AT_EMPTY_PATH would need CAP_DAC_READ_SEARCH) and a kernel and filesystem with O_TMPFILE
// (tmpfs: Linux 3.11). Without them, once either failed, or with PROCSYNC_TMPFILE=0 (the
// tests' way to run that path), creates use a temporary name: the flag is cleared for good.
std::atomic<bool> g_unnamed_ok{[] {
  const char* env = getenv("PROCSYNC_TMPFILE");
  return !(env && strcmp(env, "0") == 0) && access("/proc/self/fd", F_OK) == 0;
}()};

int open_unnamed(mode_t mode) {
  if (!g_unnamed_ok.load(std::memory_order_relaxed)) return -1;
  int dir = shm_dir_fd();
  int fd = dir >= 0 ? openat(dir, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, mode)
                    : open(kDir, O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
  if (fd < 0 && errno != EMFILE && errno != ENFILE && errno != ENOSPC && errno != ENOMEM) {
    g_unnamed_ok.store(false, std::memory_order_relaxed);  // not supported here: named from now on
  }
  return fd;
}

// Names an O_TMPFILE file; 0 or an errno.
int name_unnamed(int fd, const std::string& path) {
  const std::string self = "/proc/self/fd/" + std::to_string(fd);
  return linkat(AT_FDCWD, self.c_str(), AT_FDCWD, path.c_str(), AT_SYMLINK_FOLLOW) == 0 ? 0 : errno;
}

std::string temp_name() {
  // pid + counter is unique in one pid namespace; the random part (drawn once: a random_device
  // per creation showed in profiles) separates processes of other namespaces with the same pid.
  static std::atomic<uint32_t> counter{0};
  static const uint32_t salt = std::random_device()();
  return std::string("~") + std::to_string(getpid()) + "~" + std::to_string(counter++) + "~" +
         std::to_string(salt);
}

// Builds the segment under a temporary name and links it into place. Sets *exists when the
// final name was taken meanwhile (the caller then opens that one).
std::shared_ptr<Mapping> try_create(const OpenSpec& spec, OpenError* err, bool* exists, SegmentKey* key) {
  *exists = false;
  uint64_t size = 0, state_size = 0;
  if (!new_segment_size(spec, &size, &state_size, err)) return nullptr;
  int fd = open_unnamed(spec.mode & 0777);
  const bool unnamed = fd >= 0;
  const std::string tmp = unnamed ? std::string() : std::string(kDir) + "procsync." + temp_name();
  if (!unnamed) fd = open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, spec.mode & 0777);
  if (fd < 0) { set_sys_error(err, "cannot create segment", errno); return nullptr; }
  auto discard = [&]() {
    if (!unnamed) unlink(tmp.c_str());
    close(fd);
    return nullptr;
  };
  auto fail = [&](const char* what) {
    set_sys_error(err, what, errno);
    return discard();
  };
  struct stat st;
  if (fstat(fd, &st) != 0) return fail("fstat");
  if (!S_ISREG(st.st_mode) || !check_owner(st, spec, err)) return discard();
  *key = SegmentKey{uint64_t(st.st_dev), uint64_t(st.st_ino)};  // link() keeps the inode
  // The mode open() gave is cut by the umask; fchmod only when that changed it.
  if ((st.st_mode & 0777) != (spec.mode & 0777) && fchmod(fd, spec.mode & 0777) != 0) return fail("fchmod");
  if (!flock_shared(fd)) return fail("flock");
  if (!reserve_space(fd, size, spec.name, err)) return discard();
  uint8_t* base = map_segment(fd, size);
  if (!base) return fail("mmap");
  // The reserved pages read as zeros; fill the header, link name and initial state.
  write_new_segment(base, size, state_size, spec.kind, spec.params, spec.persistent ? kFlagPersistent : 0,
                    spec.link_kind, spec.link_name, spec.init_state, spec.init_state_len);
  auto m = std::make_shared<Mapping>(spec.name, fd, base, size, true);
  const std::string path = segment_path(spec.name);
  const int e = unnamed ? name_unnamed(fd, path) : (link(tmp.c_str(), path.c_str()) == 0 ? 0 : errno);
  if (!unnamed) unlink(tmp.c_str());
  if (e != 0) {
    m->abandon();  // never published: nothing of ours to unlink
    if (e == EEXIST) { *exists = true; return nullptr; }
    if (unnamed && e != ENOSPC && e != ENOMEM) {
      // /proc would not name it (a sandbox, an unusual mount): once more with a temporary name.
      g_unnamed_ok.store(false, std::memory_order_relaxed);
      return try_create(spec, err, exists, key);
    }
    set_sys_error(err, "cannot publish segment", e);
    return nullptr;
  }
  return m;
}
}  // namespace

std::string segment_path(const std::string& name) { return std::string(kDir) + kPrefix + name; }

Mapping::Mapping(std::string name, NativeHandle h, uint8_t* base, uint64_t size, bool created)
    : name_(std::move(name)), handle_(h), base_(base), size_(size), created_(created) {}

Mapping::~Mapping() {
  detach();
  unmap_segment(base_, size_);
}

// A thread's claim on a segment is one shared flock, on its own file description until the
// thread's identity is attached, then on the identity's description, shared by all of the
// thread's handles of the segment (Identity::claims counts them): one fd per segment per
// thread. In-flight async waits keep the identity (its user lock) after the handles are closed,
// but not the claim: the last handle's detach() gives the flock up and removes the segment if
// nobody else holds it, as before.
namespace {
// Drops this thread's flock on `fd`; when no other description holds one (LOCK_EX|LOCK_NB),
// this was the segment's last user: unlinks the name (unless persistent). Returns whether it did.
bool give_up_claim(int fd, const Mapping& m) {
  bool removed = false;
  flock(fd, LOCK_UN);
  if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
    bool persistent = __atomic_load_n(&m.header().flags, __ATOMIC_SEQ_CST) & kFlagPersistent;
    const std::string path = segment_path(m.name());
    // Unlink only if the name still refers to our file (it may have been unlinked and
    // re-created by someone else, whose segment is not ours to remove).
    if (!persistent && same_file(fd, path)) removed = unlink(path.c_str()) == 0;
    flock(fd, LOCK_UN);
  }
  return removed;
}
}  // namespace

void Mapping::abandon() {
  std::shared_ptr<Identity> id = std::move(identity_);
  if (handle_ < 0) return;
  const int fd = int(handle_);
  handle_ = kNoHandle;
  if (!id) {
    flock(fd, LOCK_UN);
    close(fd);
  } else if (id->claims.fetch_sub(1) == 1) {
    flock(fd, LOCK_UN);  // the identity closes the description when it goes
  }
}

bool Mapping::detach() {
  // This handle no longer speaks for the thread (in-flight waits keep their identity).
  std::shared_ptr<Identity> id = std::move(identity_);
  if (handle_ < 0) return false;
  const int fd = int(handle_);
  handle_ = kNoHandle;
  bool removed = false;
  if (!id) {
    removed = give_up_claim(fd, *this);
    close(fd);
  } else if (id->claims.fetch_sub(1) == 1) {
    removed = give_up_claim(fd, *this);  // the thread's last handle of the segment
  }
  id.reset();
  sweep_if_due();
  return removed;
}

namespace {
// Also gives the segment's key (device and inode, from the opener's own fstat).
std::shared_ptr<Mapping> open_or_create(const OpenSpec& spec, OpenError* err, SegmentKey* key);
}

std::shared_ptr<Mapping> open_segment(const OpenSpec& spec, IdentityCache* ids, OpenError* err) {
  SegmentKey key;
  std::shared_ptr<Mapping> m = open_or_create(spec, err, &key);
  if (!m) return nullptr;
  Header* h = reinterpret_cast<Header*>(m->base());
  std::string why;
  auto id = ids->get(m->handle(), key, &h->next_user, m->users(), kUserEntries, &why);
  if (!id) {
    err->code = "ERR_CORRUPT";
    err->message = "segment '" + spec.name + "': " + why;
    m->detach();
    return nullptr;
  }
  const int own = int(m->handle());
  if (id->handle() != own) {
    // The thread has the segment open already: its identity's description carries the claim
    // (taken again if the thread's other handles were all closed while a wait kept the
    // identity; our own flock covers the moment in between, so nobody can remove it).
    if (id->claims.fetch_add(1) == 0 && !flock_shared(int(id->handle()))) {
      id->claims.fetch_sub(1);
      set_sys_error(err, "flock", errno);
      m->detach();
      return nullptr;
    }
    // Unlocked explicitly: the mapping made from `own` keeps its description (and a flock on
    // it) alive after close().
    flock(own, LOCK_UN);
    close(own);
  } else {
    id->claims.fetch_add(1);  // a new identity: `own` is its description now
  }
  m->set_handle(id->handle());
  m->set_identity(std::move(id));
  return m;
}

namespace {
std::shared_ptr<Mapping> open_or_create(const OpenSpec& spec, OpenError* err, SegmentKey* key) {
  if (!valid_name(spec.name)) {
    err->code = "ERR_INVALID_NAME";
    err->message = "invalid name";
    return nullptr;
  }
  sweep_if_due();
  for (int attempt = 0; attempt < kOpenRetries; attempt++) {
    if (spec.how != OpenHow::kCreate) {
      bool absent = false;
      auto m = try_open(spec, err, &absent, key);
      if (m || !absent) return m;
      if (spec.how == OpenHow::kOpen) {
        err->code = "ERR_NOT_FOUND";
        err->message = "no primitive named '" + spec.name + "'";
        return nullptr;
      }
    }
    bool exists = false;
    auto m = try_create(spec, err, &exists, key);
    if (m || !exists) return m;
    if (spec.how == OpenHow::kCreate) {
      err->code = "ERR_EXISTS";
      err->message = "a primitive named '" + spec.name + "' already exists";
      return nullptr;
    }
    // Someone else created it first: open theirs.
  }
  err->code = "ERR_SYSTEM";
  err->message = "could not open or create the segment (too much contention)";
  return nullptr;
}
}  // namespace

bool unlink_segment(const std::string& name) {
  if (!valid_name(name)) return false;
  return unlink(segment_path(name).c_str()) == 0;
}

std::vector<std::pair<std::string, bool>> list_segments() {
  std::vector<std::pair<std::string, bool>> out;
  DIR* d = opendir(kDir);
  if (!d) return out;
  const size_t plen = strlen(kPrefix);
  while (dirent* e = readdir(d)) {
    if (strncmp(e->d_name, kPrefix, plen) != 0) continue;
    int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    bool held = true;
    if (fd >= 0) {
      // A shared probe lock would succeed next to other shared holders; an exclusive one
      // tells whether anyone holds it at all.
      if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
        held = false;
        flock(fd, LOCK_UN);
      }
      close(fd);
    }
    out.emplace_back(e->d_name + plen, held);
  }
  closedir(d);
  return out;
}

int sweep_segments() {
  g_last_sweep_ns.store(now_ns(), std::memory_order_relaxed);
  DIR* d = opendir(kDir);
  if (!d) return 0;
  int removed = 0;
  const size_t plen = strlen(kPrefix);
  while (dirent* e = readdir(d)) {
    if (strncmp(e->d_name, kPrefix, plen) != 0) continue;
    // Relative to the listed directory: one path component to look up per entry.
    int fd = openat(dirfd(d), e->d_name, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) continue;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) { close(fd); continue; }  // someone uses it
    struct stat st;
    bool remove = false;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink > 0) {
      bool old = time(nullptr) - st.st_mtime > kSweepGraceSeconds;
      // Only a segment that passes full validation is removed at once; anything else that
      // merely carries our prefix waits out the grace period.
      uint8_t head[kStateOffset];
      std::string why;
      bool ours = pread(fd, head, sizeof head, 0) == ssize_t(sizeof head) &&
                  validate_header(head, uint64_t(st.st_size), &why);
      bool tmp = strncmp(e->d_name, kTmpPrefix, strlen(kTmpPrefix)) == 0;
      if (ours && !tmp) remove = !(reinterpret_cast<Header*>(head)->flags & kFlagPersistent);
      else remove = old;  // a temp file or a foreign file: only once clearly abandoned
    }
    const std::string path = std::string(kDir) + e->d_name;
    if (remove && same_file(fd, path) && unlink(path.c_str()) == 0) removed++;
    close(fd);
  }
  closedir(d);
  return removed;
}

}  // namespace procsync
