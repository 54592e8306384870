// Event state machine. Word 0: (generation << 1) | flag. set() bumps the generation and sets
// the flag in one CAS (lib/primitives/event.ts); a waiter that saw the word `expected` returns as soon as
// the word differs — i.e. a set() happened while it waited, even if clear() followed — which
// is threading.Event's promise. Word 1: number of sleepers.
#pragma once
#include <cstdint>

#include "core/common.h"

namespace procsync {

constexpr uint32_t kEventStateWord = 0;
constexpr uint32_t kEventSleepersWord = 1;

// kOk when set (now or since `expected` was read), kTimeout, kCancelled.
OpResult event_wait(uint32_t* state, uint32_t* sleepers, uint32_t expected, const WaitCtx& ctx);

}  // namespace procsync
