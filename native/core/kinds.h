// The kinds of primitive: numbers stored in segment headers, class names (API.md), and each
// kind's parameters and state size (kinds.cc, the only place that knows every primitive).
#pragma once
#include <cstdint>

namespace procsync {

enum Kind : uint32_t {
  kLock = 1, kRLock, kSemaphore, kBoundedSemaphore, kEvent, kCondition, kBarrier,
  kValue, kRawValue, kSharedArray, kRawArray, kQueue, kJoinableQueue, kSimpleQueue,
  kRWLock, kLockRegistry,
  kKindMax = kLockRegistry,
};

// The class name of each kind (API.md), indexed by kind number; [0] is unused.
constexpr const char* kKindNames[kKindMax + 1] = {
    "", "Lock", "RLock", "Semaphore", "BoundedSemaphore", "Event", "Condition", "Barrier",
    "Value", "RawValue", "SharedArray", "RawArray", "Queue", "JoinableQueue", "SimpleQueue",
    "RWLock", "LockRegistry",
};

// The state size a kind needs for its params, or false when the params are invalid for it.
bool kind_state_size(uint32_t kind, const uint32_t params[4], uint64_t* out);

}  // namespace procsync
