// Lock and RLock state machine (the slow paths; lib/primitives/lock.ts has the matching one-CAS fast
// paths on the same word).
//
// Word 0 of the state: 0 when free, else the owner's user id (liveness.h) in bits 0-29, with
// bit 30 set when someone may be sleeping on the word. Bit 31 is never set by us; a word with
// garbage there but no owner counts as free. One CAS both takes the lock and names
// the owner, so no crash window can leave a held lock without an owner to check.
// Word 1: the RLock recursion count (written by the owner only).
#pragma once
#include <cstdint>

#include "core/common.h"

namespace procsync {

constexpr uint32_t kLockOwnerWord = 0;
constexpr uint32_t kRLockCountWord = 1;
// Word 2: the heir — 0, or the user id of a waiter that lost the race for the released lock
// kLossesBeforeHeir times in a row. The next release that finds the waiters bit hands the lock
// straight to it (user_lock_release), so no waiter waits forever behind processes that keep
// re-taking the lock while it wakes up (bounded unfairness). Otherwise a release frees the
// word and any running process may take it (no convoy behind a sleeper that is not running).
// Bit 31 (claimed: a releaser is storing the heir as owner) and bit 30 (abandoned: the heir gave
// up on a stalled hand-over, the releaser then frees the lock) make the hand-over safe against
// an heir that times out at the same moment (lock.cc).
constexpr uint32_t kLockHeirWord = 2;
constexpr int kLossesBeforeHeir = 4;
constexpr uint32_t kOwnerMask = 0x3FFFFFFF;  // = kUserIdMask
constexpr uint32_t kLockWaiters = 0x40000000;

// Acquires for ctx.me(). kOk, kOwnerDied (acquired from a dead owner), kTimeout, kCancelled.
OpResult lock_acquire(uint32_t* word, const WaitCtx& ctx);
class AdaptiveSpin;
// The same with the given spin budget instead of the word waits' (the state mutex's own).
OpResult lock_acquire(uint32_t* word, const WaitCtx& ctx, AdaptiveSpin& spin);
// Releases whoever holds it (Lock semantics). kOk or kErrReleasedTooMany.
int32_t lock_release(uint32_t* word);

// Lock and RLock (not the state mutex, whose following words are state): lock_acquire and
// lock_release with the heir word (see kLockHeirWord). `owner` is word 0 of the state.
OpResult user_lock_acquire(uint32_t* owner, const WaitCtx& ctx);
int32_t user_lock_release(uint32_t* owner, const WaitCtx& ctx);

}  // namespace procsync
