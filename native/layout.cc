#include "layout.h"

#include <cstring>
#include <ctime>

#include "barrier.h"
#include "condition.h"
#include "queue.h"
#include "rwlock.h"
#include "weblocks.h"
#include "state_mutex.h"

namespace procsync {

namespace {
// Element sizes of the Value/SharedArray type codes, in the order of lib/types.ts.
constexpr uint32_t kTypeSizes[] = {1, 1, 2, 2, 4, 4, 8, 8, 4, 8, 1};
constexpr uint32_t kTypeCount = sizeof(kTypeSizes) / sizeof(kTypeSizes[0]);
constexpr uint64_t round8(uint64_t n) { return (n + 7) & ~uint64_t(7); }
constexpr uint32_t kMaxInt32 = 0x7fffffff;
}  // namespace

namespace {
bool kind_state_size(uint32_t kind, const uint32_t p[4], uint64_t* out) {
  switch (kind) {
    case kLock:
    case kRLock:
    case kEvent:
      if (p[0] || p[1] || p[2] || p[3]) return false;
      *out = 64;
      return true;
    case kSemaphore:
    case kBoundedSemaphore:
      // p0: initial value (Semaphore) or bound (BoundedSemaphore).
      if (p[0] > kMaxInt32 || p[1] || p[2] || p[3]) return false;
      *out = 64;
      return true;
    case kValue:
    case kRawValue:
      if (p[0] >= kTypeCount || p[1] || p[2] || p[3]) return false;
      *out = 8;
      return true;
    case kSharedArray:
    case kRawArray: {
      // p0: type, p1: length.
      if (p[0] >= kTypeCount || p[2] || p[3]) return false;
      uint64_t bytes = uint64_t(kTypeSizes[p[0]]) * p[1];  // < 2**35: no overflow
      *out = round8(bytes == 0 ? 8 : bytes);
      return true;
    }
    case kCondition:
      // p0: waiter slots (maxWaiters).
      if (p[0] < 1 || p[0] > cond::kMaxWaiters || p[1] || p[2] || p[3]) return false;
      *out = cond::state_size(p[0]);
      return true;
    case kBarrier:
      // p0: parties; p1: default timeout in ms + 1 (0: none).
      if (p[0] < 1 || p[0] > barrier::kMaxParties || p[2] || p[3]) return false;
      *out = barrier::state_size(p[0]);
      return true;
    case kQueue:
    case kJoinableQueue:
    case kSimpleQueue:
      // p0: maxsize (items), p1: capacity (bytes); see native/queue.h.
      if (p[2] || p[3]) return false;
      return queue_state_size(p[0], p[1], out);
    case kRWLock:
      // p0: reader slots (native/rwlock.h).
      if (p[0] < 1 || p[0] > rw::kMaxSlots || p[1] || p[2] || p[3]) return false;
      *out = rw::state_size(p[0]);
      return true;
    case kLockRegistry:
      // p0: name table entries, p1: request slots (native/weblocks.h).
      return weblocks::state_size(p, out);
    default:
      return false;
  }
}
}  // namespace

bool state_size_for(uint32_t kind, const uint32_t p[4], uint64_t* out, bool* too_large) {
  if (too_large) *too_large = false;
  uint64_t size = 0;
  if (!kind_state_size(kind, p, &size)) return false;
  // Checked here, for every kind, so that neither a creator nor an opener of a hostile header
  // ever maps (or wraps in an ArrayBuffer) more than Node and the 32-bit state_size can hold.
  if (size > kMaxStateSize) {
    if (too_large) *too_large = true;
    return false;
  }
  *out = size;
  return true;
}

bool init_kind_state(uint32_t kind, const uint32_t params[4], uint8_t* state) {
  // Every state starts zeroed (ftruncate): a free state mutex is the word 0, so there is
  // nothing to initialise today. Kept as the one place a kind would do it.
  (void)kind;
  (void)params;
  (void)state;
  return true;
}

void stamp_created(Header* h) {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t ms = uint64_t(ts.tv_sec) * 1000 + uint64_t(ts.tv_nsec) / 1000000;
  h->reserved[0] = uint32_t(ms);
  h->reserved[1] = uint32_t(ms >> 32);
}

double created_ms(const Header& h) {
  uint32_t lo = __atomic_load_n(&h.reserved[0], __ATOMIC_RELAXED);
  uint32_t hi = __atomic_load_n(&h.reserved[1], __ATOMIC_RELAXED);
  return double((uint64_t(hi) << 32) | lo);
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameLen) return false;
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool validate_header(const uint8_t* base, uint64_t file_size, std::string* why) {
  if (file_size < kStateOffset) { *why = "segment smaller than its header"; return false; }
  Header h;
  memcpy(&h, base, sizeof h);
  if (h.magic != kMagic) { *why = "not a procsync segment (bad magic)"; return false; }
  if (h.version != kLayoutVersion) { *why = "unsupported layout version"; return false; }
  if (h.kind == 0 || h.kind > kKindMax) { *why = "unknown kind"; return false; }
  if (h.flags & ~kKnownFlags) { *why = "unknown flags"; return false; }
  if (h.total_size != file_size) { *why = "size in header differs from the segment size"; return false; }
  uint64_t need = 0;
  if (!state_size_for(h.kind, h.params, &need)) { *why = "invalid parameters for its kind"; return false; }
  if (h.state_size != need || kStateOffset + need != file_size) { *why = "state size inconsistent"; return false; }
  // Only a lock is ever linked (a Value's, SharedArray's or Condition's).
  if (h.link_kind != 0 && h.link_kind != kLock && h.link_kind != kRLock) { *why = "invalid link kind"; return false; }
  const char* link = reinterpret_cast<const char*>(base + kLinkOffset);
  size_t len = strnlen(link, kLinkSize);
  if (len == kLinkSize) { *why = "link name not terminated"; return false; }
  if ((len == 0) != (h.link_kind == 0)) { *why = "link kind and name disagree"; return false; }
  if (len && !valid_name(std::string(link, len))) { *why = "invalid link name"; return false; }
  if (__atomic_load_n(&reinterpret_cast<const Header*>(base)->init, __ATOMIC_ACQUIRE) != 1) {
    *why = "segment not initialised";
    return false;
  }
  return true;
}

}  // namespace procsync
