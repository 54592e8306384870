// Segments of the posix backend: shm_open objects with short names, and a lock file per
// segment in the per-user directory for lifetime and as the index (docs/design.md, "The posix
// backend"). macOS has neither flock nor fcntl locks on shm descriptors, nor a /dev/shm to
// list, and it cannot read() or write() an shm descriptor: everything goes through mmap.
//
// Lifetime (classic fcntl locks on byte 0 of the lock file, through the registry's single fd
// per file and process, lockfiles.h):
// - every process that has the segment open read-locks byte 0; the kernel drops it when the
//   process dies, however it dies;
// - a creator makes the lock file under a temporary name, write-locks byte 0, writes the full
//   name into it and link()s it to its final name, then creates and fills the shm object and
//   only then downgrades to a read lock. An opener takes its read lock after the creator's
//   write lock is gone, so it never sees a half-initialised segment; a creator that died
//   half-way leaves an unheld lock file with no or an invalid object, which the next opener
//   (after proving with a write lock that nobody uses it) or the sweep removes;
// - the last closer of a process drops its read lock and tries a write lock: success means no
//   other process has it open, so it removes the object and the lock file (unless persistent).
// - the lock file holds the full name: another name with the same short name (a 128-bit hash
//   collision) is ERR_CORRUPT instead of a silent sharing.
#include "platform/segment.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <random>
#include <sys/mman.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include "platform/platform.h"
#include "platform/posix/lockfiles.h"
#include "platform/posix/names.h"
#include "platform/posix/words.h"
#include "platform/posix_errors.h"

namespace procsync {

using namespace posix;

namespace {
constexpr int kOpenRetries = 1000;
// How long an opener waits for a creator to finish initialising (its write lock on byte 0).
// Creators hold it for the time of an ftruncate and a header write; this only bounds a creator
// that was stopped (SIGSTOP) half-way.
constexpr int64_t kCreatorWaitNs = 5000LL * 1000 * 1000;
constexpr int64_t kSweepIntervalNs = 1000LL * 1000 * 1000;
std::atomic<int64_t> g_last_sweep_ns{0};

uint8_t* map_shared(int fd, uint64_t size, int prot) {
  void* p = mmap(nullptr, size_t(size), prot, MAP_SHARED, fd, 0);
  return p == MAP_FAILED ? nullptr : static_cast<uint8_t*>(p);
}

std::string lock_path(const std::string& dir, const std::string& shm) { return dir + "/" + shm.substr(1); }

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

// The full name stored in a lock file, or "" when unreadable.
std::string read_full_name(int fd) {
  char buf[kMaxNameLen + 2];
  ssize_t n;
  while ((n = pread(fd, buf, sizeof buf, 0)) < 0 && errno == EINTR) {}
  if (n <= 0 || size_t(n) > kMaxNameLen) return "";
  std::string s(buf, size_t(n));
  return valid_name(s) ? s : "";
}

// Read lock on byte 0, waiting (bounded) for a creator's or a prober's write lock to go.
bool lifetime_read_lock(int fd, OpenError* err) {
  const int64_t until = monotonic_ns() + kCreatorWaitNs;
  for (;;) {
    RangeLock r = range_lock(fd, F_RDLCK, 0);
    if (r == RangeLock::kOk) return true;
    if (r == RangeLock::kError) { set_sys_error(err, "cannot lock the segment's lock file", errno); return false; }
    if (monotonic_ns() > until) {
      err->code = "ERR_SYSTEM";
      err->message = "a process has been creating this segment for over 5 s (stopped?)";
      return false;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
}

// With a write lock on byte 0 (nobody else uses the lock file): removes the object and the lock
// file, if the name still refers to this lock file.
void remove_locked_segment(int fd, const std::string& path, const std::string& shm) {
  if (!same_file(fd, path)) return;
  shm_unlink(shm.c_str());
  unlink(path.c_str());
}

// Maps and validates the object `sfd`. Fills err (ERR_CORRUPT, ERR_PERMISSION, ...) on failure;
// *invalid says the object itself is not a valid segment.
uint8_t* map_existing(int sfd, const OpenSpec& spec, uint64_t* size, bool* invalid, OpenError* err) {
  *invalid = false;
  struct stat st;
  if (fstat(sfd, &st) != 0) { set_sys_error(err, "fstat", errno); return nullptr; }
  if (!check_owner(st, spec, err)) return nullptr;
  if (uint64_t(st.st_size) < kStateOffset || uint64_t(st.st_size) > kMaxSegmentSize) {
    *invalid = true;
    err->code = "ERR_CORRUPT";
    err->message = "segment '" + spec.name + "' is not a procsync segment (size " + std::to_string(st.st_size) + ")";
    return nullptr;
  }
  *size = uint64_t(st.st_size);
  uint8_t* p = map_shared(sfd, *size, PROT_READ | PROT_WRITE);
  if (!p) { set_sys_error(err, "mmap", errno); return nullptr; }
  std::string why;
  if (!validate_header(p, *size, &why)) {
    munmap(p, size_t(*size));
    *invalid = true;
    err->code = "ERR_CORRUPT";
    err->message = "segment '" + spec.name + "' is corrupt: " + why;
    return nullptr;
  }
  return p;
}

enum class Step { kDone, kAbsent, kRetry, kExists };

// Opens the segment through its lock file. kAbsent: no lock file; kRetry: it went away or a
// dead creator's leftover was in the way.
Step try_open(const OpenSpec& spec, const std::string& dir, std::shared_ptr<Mapping>* out, OpenError* err) {
  const std::string shm = short_name(spec.name);
  const std::string path = lock_path(dir, shm);
  std::lock_guard<std::mutex> g(registry_mutex());
  struct stat ps;
  if (lstat(path.c_str(), &ps) != 0) {
    if (errno == ENOENT) return Step::kAbsent;
    set_sys_error(err, "cannot look up the segment's lock file", errno);
    return Step::kDone;
  }
  LockFile* f = lockfile_by_inode_locked(ps.st_dev, ps.st_ino);
  int fd;
  struct stat st;
  if (f) {
    fd = f->fd;
    if (f->opens == 0 && !lifetime_read_lock(fd, err)) return Step::kDone;
    st = ps;
  } else {
    fd = open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
      if (errno == ENOENT) return Step::kAbsent;
      if (errno == ELOOP) {
        err->code = "ERR_PERMISSION";
        err->message = "'" + path + "' is a symbolic link, not a lock file: refused for '" + spec.name + "'";
        return Step::kDone;
      }
      set_sys_error(err, "cannot open the segment's lock file", errno);
      return Step::kDone;
    }
    if (!lifetime_read_lock(fd, err)) { close(fd); return Step::kDone; }
    if (fstat(fd, &st) != 0 || !same_file(fd, path)) { close(fd); return Step::kRetry; }  // removed meanwhile
    if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
      close(fd);
      err->code = "ERR_PERMISSION";
      err->message = "'" + path + "' is not a lock file of this user: refused for '" + spec.name + "'";
      return Step::kDone;
    }
    if (read_full_name(fd) != spec.name) {
      close(fd);
      err->code = "ERR_CORRUPT";
      err->message = "segment '" + spec.name + "': its lock file '" + path +
                     "' names another segment (a short-name collision, or a damaged file)";
      return Step::kDone;
    }
  }
  // Byte 0 is read-locked by this process from here on.
  auto undo = [&]() {
    if (!f) close(fd);
    else if (f->opens == 0) range_lock(fd, F_UNLCK, 0);
  };
  // A leftover of a creator that died half-way: if nobody else uses it, remove it and retry;
  // if others do (openers that met it at the same moment), step back and retry a bit later.
  auto leftover = [&]() {
    if (range_lock(fd, F_WRLCK, 0) == RangeLock::kOk) {
      remove_locked_segment(fd, path, shm);
      if (f) range_lock(fd, F_RDLCK, 0);
    }
    undo();
    return Step::kRetry;
  };
  int sfd = shm_open(shm.c_str(), O_RDWR, 0);
  if (sfd < 0) {
    if (errno == ENOENT) return leftover();
    set_sys_error(err, "cannot open segment", errno);
    undo();
    return Step::kDone;
  }
  uint64_t size = 0;
  bool invalid = false;
  uint8_t* p = map_existing(sfd, spec, &size, &invalid, err);
  close(sfd);  // the mapping keeps the object
  if (!p) {
    if (invalid && range_lock(fd, F_WRLCK, 0) == RangeLock::kOk) {
      // Nobody else has it open, and the creator (which holds the write lock until the object
      // is valid) is gone: a dead creator's leftover.
      remove_locked_segment(fd, path, shm);
      if (f) range_lock(fd, F_RDLCK, 0);
      undo();
      return Step::kRetry;
    }
    undo();
    return Step::kDone;
  }
  if (!f) f = lockfile_add_locked(fd, st, path);
  f->opens++;
  *out = std::make_shared<Mapping>(spec.name, fd, p, size, false);
  return Step::kDone;
}

std::string temp_name() {
  // pid + counter is unique in one pid namespace; the random part (drawn once: a random_device
  // per creation showed in profiles) separates processes of other namespaces with the same pid.
  static std::atomic<uint32_t> counter{0};
  static const uint32_t salt = std::random_device()();
  return "~" + std::to_string(getpid()) + "~" + std::to_string(counter++) + "~" + std::to_string(salt);
}

// An object at the short name without a lock file (the lock file was removed under it, or
// something else made it). A valid persistent segment is adopted (kAdopt); a valid other one is
// stale, since every user holds the lock file (kStale: removed); anything else is ERR_CORRUPT
// and left alone, as the linux backend leaves a foreign file.
enum class Orphan { kAdopt, kStale, kGone, kFail };
Orphan judge_orphan(const OpenSpec& spec, const std::string& shm, uint8_t** base, uint64_t* size, OpenError* err) {
  int sfd = shm_open(shm.c_str(), O_RDWR, 0);
  if (sfd < 0) {
    if (errno == ENOENT) return Orphan::kGone;
    if (errno == ELOOP) {
      // Linux's shm_open never follows a symbolic link (O_NOFOLLOW); macOS has none there.
      err->code = "ERR_PERMISSION";
      err->message = "the shared memory object of '" + spec.name + "' is a symbolic link: refused";
      return Orphan::kFail;
    }
    set_sys_error(err, "cannot open segment", errno);
    return Orphan::kFail;
  }
  bool invalid = false;
  uint8_t* p = map_existing(sfd, spec, size, &invalid, err);
  struct stat st;
  const bool foreign = fstat(sfd, &st) != 0 || st.st_uid != geteuid();
  close(sfd);
  if (!p) return Orphan::kFail;
  if (foreign) {
    // Allowed by allowOwner, but its users keep their lock files in their own directory: we
    // could not take part in its lifetime (and must never remove it).
    munmap(p, size_t(*size));
    err->code = "ERR_PERMISSION";
    err->message = "segment '" + spec.name + "' belongs to uid " + std::to_string(st.st_uid) +
                   ": the posix backend does not share segments between users (per-user lock directories)";
    return Orphan::kFail;
  }
  if (__atomic_load_n(&reinterpret_cast<Header*>(p)->flags, __ATOMIC_SEQ_CST) & kFlagPersistent) {
    *base = p;
    return Orphan::kAdopt;
  }
  munmap(p, size_t(*size));
  shm_unlink(shm.c_str());
  return Orphan::kStale;
}

// Creates the segment (or, with adopt_only, takes over an orphaned persistent object).
Step try_create(const OpenSpec& spec, const std::string& dir, bool adopt_only, std::shared_ptr<Mapping>* out,
                OpenError* err) {
  // (an adopted object is mapped at the size it has)
  uint64_t size = kStateOffset, state_size = 0;
  if (!adopt_only && !new_segment_size(spec, &size, &state_size, err)) return Step::kDone;
  const std::string shm = short_name(spec.name);
  const std::string path = lock_path(dir, shm);
  const std::string tmp = dir + "/" + temp_name();
  std::lock_guard<std::mutex> g(registry_mutex());
  int fd = open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) { set_sys_error(err, "cannot create the segment's lock file", errno); return Step::kDone; }
  struct stat st;
  if (range_lock(fd, F_WRLCK, 0) != RangeLock::kOk || fstat(fd, &st) != 0 ||
      pwrite(fd, spec.name.data(), spec.name.size(), 0) != ssize_t(spec.name.size())) {
    set_sys_error(err, "cannot prepare the segment's lock file", errno);
    unlink(tmp.c_str());
    close(fd);
    return Step::kDone;
  }
  if (link(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    unlink(tmp.c_str());
    close(fd);
    if (e == EEXIST) return Step::kExists;
    set_sys_error(err, "cannot publish the segment's lock file", e);
    return Step::kDone;
  }
  unlink(tmp.c_str());
  // The name is ours (write lock held). On any failure: remove the lock file, close (unlock).
  auto give_up = [&](Step s) {
    if (same_file(fd, path)) unlink(path.c_str());
    close(fd);
    return s;
  };
  uint8_t* base = nullptr;
  uint64_t have = 0;
  bool created = false;
  for (int attempt = 0; attempt < 2 && !base; attempt++) {
    int sfd = adopt_only ? -1 : shm_open(shm.c_str(), O_RDWR | O_CREAT | O_EXCL, spec.mode & 0777);
    if (sfd < 0 && (adopt_only || errno == EEXIST)) {
      Orphan o = judge_orphan(spec, shm, &base, &have, err);
      if (o == Orphan::kFail) return give_up(Step::kDone);
      if (o == Orphan::kAdopt) {
        if (spec.how == OpenHow::kCreate) { munmap(base, size_t(have)); return give_up(Step::kExists); }
        break;
      }
      if (adopt_only) return give_up(Step::kAbsent);
      continue;  // stale or gone: create it now
    }
    if (sfd < 0) { set_sys_error(err, "cannot create segment", errno); return give_up(Step::kDone); }
    auto fail = [&](const std::string& what, int e) {
      close(sfd);
      shm_unlink(shm.c_str());
      set_sys_error(err, what, e);
      return give_up(Step::kDone);
    };
    struct stat ss;
    if (fstat(sfd, &ss) != 0) return fail("fstat", errno);
    if (ss.st_uid != geteuid()) return fail("the new segment is not ours", EPERM);
    // Not subject to the umask. macOS may refuse fchmod on shm objects (EINVAL): the mode given
    // to shm_open (minus the umask) then stands.
    if (fchmod(sfd, spec.mode & 0777) != 0 && errno != EINVAL && errno != ENOTSUP) return fail("fchmod", errno);
    // macOS has no posix_fallocate and cannot write() an shm object: ftruncate sizes it, and
    // the memory is committed when first touched (README, "Platforms").
    int r;
    while ((r = ftruncate(sfd, off_t(size))) != 0 && errno == EINTR) {}
    if (r != 0) {
      int e = errno;
      if (e == ENOSPC || e == ENOMEM || e == EFBIG) {
        close(sfd);
        shm_unlink(shm.c_str());
        err->code = "ERR_NO_SPACE";
        err->message = "cannot size " + std::to_string(size) + " bytes of shared memory for '" + spec.name + "'";
        return give_up(Step::kDone);
      }
      return fail("cannot size the segment", e);
    }
    base = map_shared(sfd, size, PROT_READ | PROT_WRITE);
    if (!base) return fail("mmap", errno);
    close(sfd);
    write_new_segment(base, size, state_size, spec.kind, spec.params, spec.persistent ? kFlagPersistent : 0,
                      spec.link_kind, spec.link_name, spec.init_state, spec.init_state_len);
    have = size;
    created = true;
  }
  if (!base) return give_up(Step::kRetry);
  // Downgrade (atomic for the process's own lock): openers waiting for a read lock may go on.
  if (range_lock(fd, F_RDLCK, 0) != RangeLock::kOk) {
    munmap(base, size_t(have));
    if (created) shm_unlink(shm.c_str());
    set_sys_error(err, "cannot lock the segment's lock file", errno);
    return give_up(Step::kDone);
  }
  LockFile* f = lockfile_add_locked(fd, st, path);
  f->opens++;
  *out = std::make_shared<Mapping>(spec.name, fd, base, have, created);
  return Step::kDone;
}

// Whether an object exists at the segment's short name (an orphan, for open without a lock file).
bool object_exists(const std::string& name) {
  int sfd = shm_open(short_name(name).c_str(), O_RDONLY, 0);
  if (sfd < 0) return errno != ENOENT;
  close(sfd);
  return true;
}

void sweep_if_due() {
  const int64_t now = monotonic_ns();
  int64_t last = g_last_sweep_ns.load(std::memory_order_relaxed);
  if (last != 0 && now - last < kSweepIntervalNs) return;
  if (!g_last_sweep_ns.compare_exchange_strong(last, now, std::memory_order_relaxed)) return;
  sweep_segments();
}

std::shared_ptr<Mapping> open_or_create(const OpenSpec& spec, OpenError* err) {
  if (!valid_name(spec.name)) {
    err->code = "ERR_INVALID_NAME";
    err->message = "invalid name";
    return nullptr;
  }
  std::string dir, why;
  if (!user_dir(&dir, &why)) {
    err->code = "ERR_PERMISSION";
    err->message = why;
    return nullptr;
  }
  sweep_if_due();
  std::minstd_rand rnd(uint32_t(monotonic_ns()) ^ uint32_t(getpid()));
  for (int attempt = 0; attempt < kOpenRetries; attempt++) {
    std::shared_ptr<Mapping> m;
    if (spec.how != OpenHow::kCreate) {
      Step s = try_open(spec, dir, &m, err);
      if (s == Step::kDone) return m;
      if (s == Step::kRetry) {
        // Others met the same leftover: step apart before trying again.
        std::this_thread::sleep_for(std::chrono::microseconds(200 + rnd() % 2000));
        continue;
      }
      if (spec.how == OpenHow::kOpen) {
        if (object_exists(spec.name)) {
          s = try_create(spec, dir, true, &m, err);
          if (s == Step::kDone) return m;
          if (s == Step::kExists || s == Step::kRetry) continue;
        }
        err->code = "ERR_NOT_FOUND";
        err->message = "no primitive named '" + spec.name + "'";
        return nullptr;
      }
    }
    Step s = try_create(spec, dir, false, &m, err);
    if (s == Step::kDone) return m;
    if (s == Step::kExists && spec.how == OpenHow::kCreate) {
      err->code = "ERR_EXISTS";
      err->message = "a primitive named '" + spec.name + "' already exists";
      return nullptr;
    }
    // Someone else created it first (open theirs), or a leftover was removed.
  }
  err->code = "ERR_SYSTEM";
  err->message = "could not open or create the segment (too much contention)";
  return nullptr;
}
}  // namespace

std::string segment_path(const std::string& name) {
#ifdef __linux__
  // Where glibc's shm_open keeps the object: the tests' raw view of a segment's bytes.
  return "/dev/shm/" + short_name(name).substr(1);
#else
  return short_name(name);  // an shm name; no file path on macOS
#endif
}

Mapping::Mapping(std::string name, NativeHandle h, uint8_t* base, uint64_t size, bool created)
    : name_(std::move(name)), handle_(h), base_(base), size_(size), created_(created) {
  register_range(base_, size_, name_hash(name_).a);
}

Mapping::~Mapping() {
  detach();
  unregister_range(base_);
  munmap(base_, size_t(size_));
}

void Mapping::abandon() {
  identity_.reset();
  if (handle_ < 0) return;
  std::lock_guard<std::mutex> g(registry_mutex());
  if (LockFile* f = lockfile_by_fd_locked(handle_)) {
    if (--f->opens == 0) range_lock(handle_, F_UNLCK, 0);
    lockfile_drop_locked(f);
  }
  handle_ = kNoHandle;
}

bool Mapping::detach() {
  identity_.reset();  // outside the registry mutex: an Identity's destructor takes it
  if (handle_ < 0) return false;
  bool removed = false;
  {
    std::lock_guard<std::mutex> g(registry_mutex());
    LockFile* f = lockfile_by_fd_locked(handle_);
    if (f && --f->opens == 0) {
      range_lock(handle_, F_UNLCK, 0);
      // A write lock succeeds only if no other process holds its read lock.
      if (range_lock(handle_, F_WRLCK, 0) == RangeLock::kOk) {
        bool persistent = __atomic_load_n(&header().flags, __ATOMIC_SEQ_CST) & kFlagPersistent;
        if (!persistent && same_file(handle_, f->path)) {
          shm_unlink(short_name(name_).c_str());
          removed = unlink(f->path.c_str()) == 0;
        }
        range_lock(handle_, F_UNLCK, 0);
      }
    }
    if (f) lockfile_drop_locked(f);
    handle_ = kNoHandle;
  }
  sweep_if_due();
  return removed;
}

std::shared_ptr<Mapping> open_segment(const OpenSpec& spec, IdentityCache* ids, OpenError* err) {
  std::shared_ptr<Mapping> m = open_or_create(spec, err);
  if (!m) return nullptr;
  if (spec.kind != 0 && m->header().kind != spec.kind) {
    err->code = "ERR_KIND_MISMATCH";
    err->message = "segment '" + spec.name + "' holds another kind of primitive";
    m->detach();
    return nullptr;
  }
  if (spec.persistent) m->set_persistent();
  Header* h = reinterpret_cast<Header*>(m->base());
  std::string why;
  struct stat st;
  if (fstat(int(m->handle()), &st) != 0) {
    set_sys_error(err, "fstat", errno);
    m->detach();
    return nullptr;
  }
  const SegmentKey key{uint64_t(st.st_dev), uint64_t(st.st_ino)};
  auto id = ids->get(m->handle(), key, &h->next_user, m->users(), kUserEntries, &why);
  if (!id) {
    err->code = "ERR_CORRUPT";
    err->message = "segment '" + spec.name + "': " + why;
    m->detach();
    return nullptr;
  }
  m->set_identity(std::move(id));
  return m;
}

bool unlink_segment(const std::string& name) {
  if (!valid_name(name)) return false;
  std::string dir, why;
  if (!user_dir(&dir, &why)) return false;
  const std::string shm = short_name(name);
  const std::string path = lock_path(dir, shm);
  std::lock_guard<std::mutex> g(registry_mutex());
  struct stat ps;
  if (lstat(path.c_str(), &ps) == 0) {
    // Never open (and close) a lock file this process holds: that would drop its locks.
    std::string full;
    if (LockFile* f = lockfile_by_inode_locked(ps.st_dev, ps.st_ino)) {
      full = read_full_name(f->fd);
    } else {
      int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
      if (fd >= 0) { full = read_full_name(fd); close(fd); }
    }
    if (full != name) return false;  // another name's (a collision): not ours to remove
  }
  bool a = shm_unlink(shm.c_str()) == 0;
  bool b = unlink(path.c_str()) == 0;
  return a || b;
}

}  // namespace procsync
