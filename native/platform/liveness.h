// Who is alive, decided by the kernel: every JS thread (main or worker) that uses a segment has
// an *identity* in it — a user id, unique among the segment's live users, and a byte-range lock
// on byte `id` of the segment file, held through a file description of its own. The kernel
// drops the lock when that description is closed: on close(), at the thread's teardown, and
// when the process dies, however it dies. So "is user `id` alive" is one F_OFD_GETLK, which
// (unlike a pid or tid looked up in /proc) is immune to pid reuse and works across pid
// namespaces that share /dev/shm (containers of one pod, `docker --ipc=shareable`).
//
// User ids go into owner words (a Lock's owner, a Condition waiter's slot, a Barrier party, the
// internal state mutex), 30 bits wide. They come from a counter in the segment header and are
// checked unique by the lock itself (a taken byte is skipped), so a reused id can only appear
// after 2^30 identities of one segment. A table of (id, pid) in the segment lets diagnostics
// name the process of an id (best effort: the pid as seen by that process's pid namespace).
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

namespace procsync {

constexpr uint32_t kUserIdMask = 0x3FFFFFFF;

// A backend's handle of an open segment or identity: a file descriptor (linux, posix) or a
// Windows HANDLE. kNoHandle (-1, also INVALID_HANDLE_VALUE) when there is none.
using NativeHandle = intptr_t;
constexpr NativeHandle kNoHandle = -1;

// Taking a fresh id: the counter may have been scribbled on, so a taken id is skipped; this
// many attempts in a row that all meet a live user can only mean a hostile counter.
constexpr int kIdAttempts = 4096;

// Which segment a handle refers to, as its backend tells segments apart: device and inode of
// its file (linux, posix); hashes of its name and creation time (windows, whose mappings have
// no inode). Two handles of one segment have the same key.
struct SegmentKey {
  uint64_t a = 0;
  uint64_t b = 0;
  bool operator==(const SegmentKey& o) const { return a == o.a && b == o.b; }
  // For the identity cache's hash table.
  struct Hash {
    size_t operator()(const SegmentKey& k) const { return size_t(k.b * 0x9E3779B97F4A7C15ull ^ k.a); }
  };
};

class Identity {
 public:
  ~Identity();
  Identity(const Identity&) = delete;
  Identity& operator=(const Identity&) = delete;

  uint32_t id() const { return id_; }
  // What holds the id's lock (linux: the thread's file description of the segment).
  NativeHandle handle() const { return handle_; }
  // Whether the user `id` of this segment is alive. This identity is alive by definition; an
  // id nobody holds (including 0) is dead; when the kernel cannot answer, alive (never take
  // over on a doubt).
  bool alive(uint32_t id) const;

 private:
  friend class IdentityCache;
  Identity(NativeHandle h, uint32_t id, const SegmentKey& segment = SegmentKey())
      : handle_(h), id_(id), segment_(segment) {}
  // A few ids recently found alive, with when (id << 32 | monotonic ms): a Barrier checks its
  // parties at every cycle, microseconds apart, and need not ask the kernel each time. Entries
  // live for less than one sleep slice, so a death is still noticed by the next slice's check.
  bool recently_alive(uint32_t id) const;
  void remember_alive(uint32_t id) const;
  NativeHandle handle_;  // what holds the id's lock (a lock file's fd; a mutex on windows)
  uint32_t id_;
  SegmentKey segment_;   // windows: names the other users' mutexes; unused elsewhere
  mutable std::atomic<uint64_t> recent_[4] = {};

 public:
  // linux (segment.cc): how many of this thread's open handles of the segment hold its flock
  // through this identity's description (one fd per segment per thread); unused elsewhere.
  std::atomic<uint32_t> claims{0};
};

// One entry of the segment's users table (layout.h). `thread`: the user's worker_threads
// threadId (0: a main thread), written by the binding right after the identity is made
// (record_user_thread), so it may lag behind `id` for a moment: best effort, like `pid`.
struct UserEntry {
  uint32_t id;
  uint32_t pid;
  uint32_t thread;
  uint32_t reserved;
};

// The identities of one JS thread, one per segment file (several handles of one segment in
// one thread share it, so an RLock is owned by the thread, not by the handle). Used on that
// thread only.
class IdentityCache {
 public:
  // The identity of this thread in the segment `key`, open as `h`, whose header holds the id
  // counter and whose users table has `n_users` entries. nullptr with `why` filled on failure.
  // linux: a new identity is made on `h` itself and owns it from then on (its handle() is h);
  // when the thread already has one, `h` stays the caller's.
  std::shared_ptr<Identity> get(NativeHandle h, const SegmentKey& key, uint32_t* counter, UserEntry* users,
                                uint32_t n_users, std::string* why);

 private:
  // (platform/identity.cc) The live identity cached for `key`, or null.
  std::shared_ptr<Identity> cached(const SegmentKey& key) const;
  // Records a new identity: in the users table (id, pid) and in the cache.
  void remember(const SegmentKey& key, const std::shared_ptr<Identity>& ident, UserEntry* users,
                uint32_t n_users, uint32_t pid);
  // A hash table: a thread may have thousands of segments open, and a tree lookup per open
  // (a dozen key comparisons, each a cache miss) was visible in the open's profile.
  std::unordered_map<SegmentKey, std::weak_ptr<Identity>, SegmentKey::Hash> by_file_;
  // Expired entries are forgotten when the map reaches this size (then it doubles), so that a
  // thread opening 10,000 segments does not rescan the map at every open.
  size_t prune_at_ = 64;
};

// The pid recorded for user `id` in a users table, or 0 when unknown.
uint32_t user_pid(const UserEntry* users, uint32_t n_users, uint32_t id);

// Records the JS thread id of user `id` in its entry (if the entry is still its).
inline void record_user_thread(UserEntry* users, uint32_t n_users, uint32_t id, uint32_t thread) {
  if (n_users == 0 || id == 0) return;
  UserEntry* e = users + (id % n_users);
  if (__atomic_load_n(&e->id, __ATOMIC_SEQ_CST) == id && __atomic_load_n(&e->thread, __ATOMIC_RELAXED) != thread)
    __atomic_store_n(&e->thread, thread, __ATOMIC_SEQ_CST);
}

// The pid and JS thread id recorded for user `id`; false when unknown (the entry was reused).
inline bool user_entry(const UserEntry* users, uint32_t n_users, uint32_t id, uint32_t* pid, uint32_t* thread) {
  if (n_users == 0 || id == 0) return false;
  const UserEntry* e = users + (id % n_users);
  *pid = __atomic_load_n(&e->pid, __ATOMIC_SEQ_CST);
  *thread = __atomic_load_n(&e->thread, __ATOMIC_SEQ_CST);
  return *pid != 0 && __atomic_load_n(&e->id, __ATOMIC_SEQ_CST) == id;
}

}  // namespace procsync
