// Creating, opening, closing and sweeping shared-memory segments. What follows is the linux
// backend's protocol; posix/segment.cc and windows/segment.cc describe theirs.
//
// Lifetime protocol (why nothing is left behind, even after SIGKILL):
// - every process that has a segment open holds a shared flock() on its fd; the kernel drops
//   it when the process dies, however it dies;
// - a creator builds the segment under a temporary name ("procsync.~..."), fills it, takes its
//   shared flock and only then link()s it to the final name, so an opener never sees a
//   half-initialised segment and a live segment is never without a flock holder;
// - a closer drops its flock and tries LOCK_EX|LOCK_NB: success means nobody else has it open,
//   so it unlinks the name (unless persistent);
// - an opener that gets its flock on a file that was unlinked meanwhile (st_nlink == 0) retries;
// - sweep() unlinks our segments that nobody holds (the leftovers of processes that all died);
//   it runs when procsync loads, on procsync.sweep(), and — at most once a second per process —
//   when a segment is opened, created or closed (sweep_if_due), so that the leftovers of users
//   that all died by SIGKILL go as soon as any procsync process does anything with a segment.
// - creation reserves the segment's memory (posix_fallocate) before anything is written, so a
//   full /dev/shm is an ERR_NO_SPACE error at creation instead of a SIGBUS at the first write.
// - an opener refuses a segment that another user owns (ERR_PERMISSION) unless allowed, and
//   never follows a symbolic link at the name (O_NOFOLLOW).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/layout.h"
#include "platform/liveness.h"

namespace procsync {

// One mapping of one segment. The memory stays mapped until the last reference goes (the JS
// handle, ArrayBuffers over it, in-flight async operations); the fd and its flock are given
// up by detach() (close(), GC of the handle, env teardown).
class Mapping {
 public:
  Mapping(std::string name, NativeHandle h, uint8_t* base, uint64_t size, bool created);
  ~Mapping();
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;

  const std::string& name() const { return name_; }
  uint8_t* base() const { return base_; }
  uint64_t size() const { return size_; }
  bool created() const { return created_; }
  const Header& header() const { return *reinterpret_cast<const Header*>(base_); }
  uint8_t* state() const { return base_ + kStateOffset; }
  uint64_t state_size() const { return header().state_size; }
  // A 32-bit word at a byte offset of the whole segment; nullptr when out of bounds or unaligned.
  uint32_t* word_at(uint64_t byte_offset) const;
  std::string link_name() const;
  void set_persistent();
  // This thread's identity in the segment (liveness.h); null once detached.
  const std::shared_ptr<Identity>& identity() const { return identity_; }
  void set_identity(std::shared_ptr<Identity> id) { identity_ = std::move(id); }
  UserEntry* users() const { return reinterpret_cast<UserEntry*>(base_ + kUsersOffset); }
  // The backend's handle of the segment (linux: the segment file; posix: its lock file;
  // windows: the file mapping).
  NativeHandle handle() const { return handle_; }
  // linux: once the identity is attached, the handle is the identity's file description (the
  // thread's one fd of the segment, segment.cc), no longer one of the mapping's own.
  void set_handle(NativeHandle h) { handle_ = h; }

  // Gives up this process's claim (flock) and unlinks the name if it was the last user.
  // Idempotent. Returns true when it removed the name.
  bool detach();
  // Gives up the flock and fd without ever unlinking (a segment that failed validation).
  void abandon();
  bool detached() const { return handle_ == kNoHandle; }

 private:
  std::string name_;
  NativeHandle handle_;
  uint8_t* base_;
  uint64_t size_;
  bool created_;
  std::shared_ptr<Identity> identity_;
};

enum class OpenHow { kCreate, kOpen, kCreateOrOpen };

struct OpenSpec {
  std::string name;
  uint32_t kind = 0;          // 0 with kOpen: any kind
  uint32_t params[4] = {0, 0, 0, 0};
  uint32_t link_kind = 0;
  std::string link_name;
  uint32_t mode = 0600;
  bool persistent = false;
  OpenHow how = OpenHow::kCreateOrOpen;
  const uint8_t* init_state = nullptr;  // copied to the start of the state on creation
  uint64_t init_state_len = 0;
  // A segment owned by another user than the effective one is refused (ERR_PERMISSION) unless
  // its owner is this uid ({ allowOwner } in JS); -1: none allowed.
  int64_t allow_owner = -1;
};

struct OpenError {
  std::string code;     // "ERR_NOT_FOUND", "ERR_CORRUPT", ... or an errno name
  std::string message;
};

// The size of a new segment of `spec` (header included) and of its state; false with `err`
// filled (ERR_OUT_OF_RANGE, ERR_INVALID_ARG_VALUE) when the kind's params or the initial state
// do not fit. Every backend's creation asks this (platform/mapping.cc).
bool new_segment_size(const OpenSpec& spec, uint64_t* size, uint64_t* state_size, OpenError* err);

// Returns the mapping, with the calling thread's identity in it taken from `ids`, or nullptr
// with `err` filled.
std::shared_ptr<Mapping> open_segment(const OpenSpec& spec, IdentityCache* ids, OpenError* err);
// procsync.unlink(name): removes the name; users that have it open keep their memory.
bool unlink_segment(const std::string& name);
// Removes our segments that no live process holds. Returns how many it removed.
int sweep_segments();
std::string segment_path(const std::string& name);
// Our segments in /dev/shm (names without the prefix) and whether some process holds each.
std::vector<std::pair<std::string, bool>> list_segments();

}  // namespace procsync
