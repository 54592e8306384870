// The table of kinds: each kind's parameters and the exact state size they need. The one file
// of the core that knows every primitive's state; the generic segment format (layout.h) asks it.
#include "core/kinds.h"

#include "primitives/barrier.h"
#include "primitives/condition.h"
#include "primitives/queue.h"
#include "primitives/rwlock.h"
#include "primitives/weblocks.h"

namespace procsync {

namespace {
// Element sizes of the Value/SharedArray type codes, in the order of lib/memory/types.ts.
constexpr uint32_t kTypeSizes[] = {1, 1, 2, 2, 4, 4, 8, 8, 4, 8, 1};
constexpr uint32_t kTypeCount = sizeof(kTypeSizes) / sizeof(kTypeSizes[0]);
constexpr uint64_t round8(uint64_t n) { return (n + 7) & ~uint64_t(7); }
constexpr uint32_t kMaxInt32 = 0x7fffffff;
}  // namespace

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
      // p0: reader slots (native/primitives/rwlock.h).
      if (p[0] < 1 || p[0] > rw::kMaxSlots || p[1] || p[2] || p[3]) return false;
      *out = rw::state_size(p[0]);
      return true;
    case kLockRegistry:
      // p0: name table entries, p1: request slots (native/primitives/weblocks.h).
      return weblocks::state_size(p, out);
    default:
      return false;
  }
}

}  // namespace procsync
