// Semaphore and BoundedSemaphore state machine (slow path of acquire; lib/semaphore.ts has the
// CAS fast paths and release, which check the same words).
// Word 0: the value (0 .. 2^31-1). Word 1: number of sleepers, so that a release only makes
// the wake syscall when someone sleeps.
#pragma once
#include <cstdint>

#include "common.h"

namespace procsync {

constexpr uint32_t kSemValueWord = 0;
constexpr uint32_t kSemSleepersWord = 1;

OpResult semaphore_acquire(uint32_t* value, uint32_t* sleepers, const WaitCtx& ctx);
// Gives back one count taken by semaphore_acquire (an async acquire whose waiter gave up): the
// same as lib/semaphore.ts's release(1), without the BoundedSemaphore check (it was taken).
void semaphore_give_back(uint32_t* value, uint32_t* sleepers);

}  // namespace procsync
