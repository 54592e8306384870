// Segments of the windows backend: named file mappings backed by the paging file,
// "Local\procsync.<name>" (win.h).
//
// Lifetime: the kernel keeps a named mapping exactly as long as some process has a handle of
// it (or a view: a closed handle's view keeps the memory, not the name). Each process that has
// a segment open holds one handle per open; the kernel closes them when the process dies,
// however it dies. So the last close — or the last user's death — removes the segment, with
// no sweep needed. The differences from the other backends, which follow from this:
// - `{ persistent: true }` at creation makes a file-backed mapping instead (persistent.h),
//   which survives as a file; opened with `persistent` later, a paging-file segment only gets
//   the flag (it cannot become a file);
// - unlink() removes only a persistent segment's file; a live section's name stays until its
//   last user closes it;
// - there is no leftover to sweep but unlinked or half-written persistent files.
//
// Creation: CreateFileMappingW makes the mapping zeroed and visible at once, so an opener can
// see it before its creator has filled it; the header's `init` word, written last (release),
// tells when it is ready: an opener waits for it (briefly: the creator only copies a few
// bytes), then validates the header like every backend (layout.h validate_header).
// A mapping is committed in full at creation: no room (the commit limit) is ERR_NO_SPACE then,
// not a fault at some later write.
//
// Access: the current user only (a DACL with the token's user SID: mode 0600); `mode` bits for
// group and others are not translated. A segment of the same name made by another user is
// refused: with EACCES when its DACL keeps us out, else with ERR_PERMISSION (its owner is not
// us), whatever `allowOwner` says (no uids on Windows).
#include "platform/segment.h"

#include <atomic>
#include <cstring>
#include <set>

#include "platform/platform.h"
#include "platform/posix/words.h"
#include "platform/windows/names_index.h"
#include "platform/windows/persistent.h"
#include "platform/windows/win.h"

namespace procsync {

namespace {
constexpr int kOpenRetries = 1000;
// How long an opener waits for a creator to fill a segment before calling it corrupt.
constexpr int64_t kInitWaitNs = 5LL * 1000 * 1000 * 1000;

void set_win_error(OpenError* err, const std::string& what, DWORD e) {
  err->code = win::error_code(e);
  err->message = win::error_message(what, e);
}

uint64_t name_key(const std::string& name) { return win::fnv1a(name.data(), name.size()); }

// Sets the (segment, offset) key of its words for the wait layer (posix/words.h).
void register_words(const Mapping& m) {
  posix::register_range(m.base(), m.size(), name_key(m.name()));
}

// Maps, checks and wraps a section of the segment `spec.name`. `tail`: the section was made
// from a persistent file just now, whose tail must hold the name. Closes `h` on failure.
std::shared_ptr<Mapping> map_section(HANDLE h, const OpenSpec& spec, bool tail, bool created, OpenError* err) {
  if (!win::owned_by_us(h)) {
    // Made by another user with a DACL that lets us in: its owner could flip its words at will.
    CloseHandle(h);
    err->code = "ERR_PERMISSION";
    err->message = "segment '" + spec.name + "' belongs to another user (on Windows a segment is shared by one user's processes only)";
    return nullptr;
  }
  uint8_t* base = static_cast<uint8_t*>(MapViewOfFile(h, FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, 0));
  if (!base) {
    set_win_error(err, "cannot map segment '" + spec.name + "'", GetLastError());
    CloseHandle(h);
    return nullptr;
  }
  MEMORY_BASIC_INFORMATION mbi;
  const uint64_t region = VirtualQuery(base, &mbi, sizeof mbi) ? uint64_t(mbi.RegionSize) : 0;
  auto corrupt = [&](const std::string& why) {
    UnmapViewOfFile(base);
    CloseHandle(h);
    err->code = "ERR_CORRUPT";
    err->message = "segment '" + spec.name + "' is corrupt: " + why;
    return nullptr;
  };
  if (region < kStateOffset) return corrupt("smaller than its header");
  const Header* hd = reinterpret_cast<const Header*>(base);
  const int64_t until = monotonic_ns() + kInitWaitNs;
  while (__atomic_load_n(&hd->init, __ATOMIC_ACQUIRE) != 1 && monotonic_ns() < until) Sleep(1);
  // The mapping is page-rounded: the header says the size, which must fit in it.
  const uint64_t size = __atomic_load_n(&hd->total_size, __ATOMIC_RELAXED);
  if (size > region || (tail && size + win::kTailSize > region)) return corrupt("size in header exceeds the mapping");
  std::string why;
  if (!validate_header(base, size, &why)) return corrupt(why);
  if (tail && !win::tail_matches(base, size, spec.name)) return corrupt("its file holds another name");
  auto m = std::make_shared<Mapping>(spec.name, win::from_handle(h), base, size, created);
  if (spec.kind != 0 && m->header().kind != spec.kind) {
    err->code = "ERR_KIND_MISMATCH";
    err->message = "segment '" + spec.name + "' holds another kind of primitive";
    return nullptr;
  }
  if (spec.persistent) m->set_persistent();
  return m;
}

std::shared_ptr<Mapping> try_open(const OpenSpec& spec, OpenError* err, bool* absent) {
  *absent = false;
  HANDLE h = OpenFileMappingW(FILE_MAP_READ | FILE_MAP_WRITE | READ_CONTROL, FALSE,
                              win::segment_object_name(spec.name).c_str());
  bool fresh = false;
  if (!h) {
    DWORD e = GetLastError();
    if (e == ERROR_INVALID_HANDLE) {  // the name belongs to an object of another type
      err->code = "ERR_CORRUPT";
      err->message = "'" + spec.name + "' names a kernel object that is not a procsync segment";
      return nullptr;
    }
    if (e != ERROR_FILE_NOT_FOUND) {
      set_win_error(err, "cannot open segment '" + spec.name + "'", e);
      return nullptr;
    }
    // No live section: a persistent segment's file, if there is one.
    h = win::open_persistent(spec.name, err, absent, &fresh);
    if (!h) return nullptr;
  }
  return map_section(h, spec, fresh, false, err);
}

struct Fill {
  const OpenSpec* spec;
  uint64_t size, state_size;
};

void fill_segment(uint8_t* base, const void* arg) {
  const Fill& f = *static_cast<const Fill*>(arg);
  const OpenSpec& spec = *f.spec;
  write_new_segment(base, f.size, f.state_size, spec.kind, spec.params, spec.persistent ? kFlagPersistent : 0,
                    spec.link_kind, spec.link_name, spec.init_state, spec.init_state_len);
}

std::shared_ptr<Mapping> try_create(const OpenSpec& spec, OpenError* err, bool* exists) {
  *exists = false;
  uint64_t size = 0, state_size = 0;
  if (!new_segment_size(spec, &size, &state_size, err)) return nullptr;
  const Fill fill{&spec, size, state_size};
  // A persistent segment nobody has open is a file, not a section: its name is taken too.
  if (win::persistent_exists(spec.name)) { *exists = true; return nullptr; }
  if (spec.persistent) {
    if (!win::create_persistent(spec.name, size, fill_segment, &fill, err, exists)) return nullptr;
    bool absent = false, fresh = false;
    HANDLE h = win::open_persistent(spec.name, err, &absent, &fresh);
    if (!h) {
      if (absent) *exists = true;  // unlinked at once by someone else: start over
      return nullptr;
    }
    auto m = map_section(h, spec, fresh, true, err);
    if (m) win::index_add(spec.name);
    return m;
  }
  HANDLE h = CreateFileMappingW(INVALID_HANDLE_VALUE, win::user_only(), PAGE_READWRITE, DWORD(size >> 32),
                                DWORD(size), win::segment_object_name(spec.name).c_str());
  if (!h) {
    DWORD e = GetLastError();
    if (e == ERROR_INVALID_HANDLE) {
      err->code = "ERR_CORRUPT";
      err->message = "'" + spec.name + "' names a kernel object that is not a procsync segment";
    } else if (win::error_code(e) == "ERR_NO_SPACE") {
      err->code = "ERR_NO_SPACE";
      err->message = "cannot reserve " + std::to_string(size) + " bytes of shared memory for '" + spec.name +
                     "': " + win::error_message("the system commit limit is reached", e);
    } else {
      set_win_error(err, "cannot create segment '" + spec.name + "'", e);
    }
    return nullptr;
  }
  if (GetLastError() == ERROR_ALREADY_EXISTS) {  // someone else's: open it as an opener
    CloseHandle(h);
    *exists = true;
    return nullptr;
  }
  uint8_t* base = static_cast<uint8_t*>(MapViewOfFile(h, FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, SIZE_T(size)));
  if (!base) {
    set_win_error(err, "cannot map segment '" + spec.name + "'", GetLastError());
    CloseHandle(h);
    return nullptr;
  }
  // The mapping reads as zeros; fill the header, link name and initial state, `init` last.
  fill_segment(base, &fill);
  win::index_add(spec.name);
  return std::make_shared<Mapping>(spec.name, win::from_handle(h), base, size, true);
}

std::shared_ptr<Mapping> open_or_create(const OpenSpec& spec, OpenError* err) {
  if (!valid_name(spec.name)) {
    err->code = "ERR_INVALID_NAME";
    err->message = "invalid name";
    return nullptr;
  }
  for (int attempt = 0; attempt < kOpenRetries; attempt++) {
    if (spec.how != OpenHow::kCreate) {
      bool absent = false;
      auto m = try_open(spec, err, &absent);
      if (m || !absent) return m;
      if (spec.how == OpenHow::kOpen) {
        err->code = "ERR_NOT_FOUND";
        err->message = "no primitive named '" + spec.name + "'";
        return nullptr;
      }
    }
    bool exists = false;
    auto m = try_create(spec, err, &exists);
    if (m || !exists) return m;
    if (spec.how == OpenHow::kCreate) {
      err->code = "ERR_EXISTS";
      err->message = "a primitive named '" + spec.name + "' already exists";
      return nullptr;
    }
    // Someone else created it first: open theirs (it may also be gone again: then retry).
  }
  err->code = "ERR_SYSTEM";
  err->message = "could not open or create the segment (too much contention)";
  return nullptr;
}
}  // namespace

std::string segment_path(const std::string& name) {
  return "Local\\procsync." + name;
}

Mapping::Mapping(std::string name, NativeHandle h, uint8_t* base, uint64_t size, bool created)
    : name_(std::move(name)), handle_(h), base_(base), size_(size), created_(created) {
  register_words(*this);
}

Mapping::~Mapping() {
  detach();
  posix::unregister_range(base_);
  UnmapViewOfFile(base_);
}

void Mapping::abandon() {
  identity_.reset();
  if (handle_ == kNoHandle) return;
  CloseHandle(win::to_handle(handle_));
  handle_ = kNoHandle;
}

bool Mapping::detach() {
  identity_.reset();  // this handle no longer speaks for the thread (in-flight waits keep theirs)
  if (handle_ == kNoHandle) return false;
  CloseHandle(win::to_handle(handle_));
  handle_ = kNoHandle;
  // The kernel removes the name with the last handle: "removed" when it is gone now (a view
  // does not keep the name).
  if (__atomic_load_n(&header().flags, __ATOMIC_SEQ_CST) & kFlagPersistent) return false;
  HANDLE again = OpenFileMappingW(FILE_MAP_READ, FALSE, win::segment_object_name(name_).c_str());
  if (again) {
    CloseHandle(again);
    return false;
  }
  return GetLastError() == ERROR_FILE_NOT_FOUND;
}

std::shared_ptr<Mapping> open_segment(const OpenSpec& spec, IdentityCache* ids, OpenError* err) {
  std::shared_ptr<Mapping> m = open_or_create(spec, err);
  if (!m) return nullptr;
  Header* h = reinterpret_cast<Header*>(m->base());
  // Tells this segment from an earlier one of the same name whose users' mutexes may remain.
  const SegmentKey key{name_key(spec.name), (uint64_t(h->created[1]) << 32 | h->created[0]) ^ h->total_size};
  std::string why;
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

// Only a persistent segment's file can be removed; a live section's name stays until its last
// user closes it.
bool unlink_segment(const std::string& name) { return valid_name(name) && win::unlink_persistent(name); }

int sweep_segments() {
  win::index_list();  // frees the index entries of segments that are gone
  return win::sweep_persistent();
}

std::vector<std::pair<std::string, bool>> list_segments() {
  std::vector<std::pair<std::string, bool>> out;
  std::set<std::string> seen;
  for (auto& n : win::index_list()) {  // existing means held
    seen.insert(n);
    out.emplace_back(n, true);
  }
  for (auto& n : win::persistent_names()) {
    if (seen.count(n)) continue;
    HANDLE h = OpenFileMappingW(FILE_MAP_READ, FALSE, win::segment_object_name(n).c_str());
    if (h) CloseHandle(h);
    out.emplace_back(n, h != nullptr);
  }
  return out;
}

}  // namespace procsync
