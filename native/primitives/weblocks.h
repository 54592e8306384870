// The registry of procsync.locks (the Web Locks API across processes): ONE segment shared by
// every process and thread of the user, holding every request of every lock name. Names (any
// string of 1..1000 UTF-16 units) are kept in full in a hash table of name entries (open
// addressing, FNV-1a over the units, each hit compared in full), so a name costs no segment of
// its own. Everything changes under the state mutex (state_mutex.h), inside one native call.
//
// State words (uint32, index from the start of the state):
//   0..15  the state mutex
//   16 GEN     bumped on every change that a waiter or a holder may care about; everyone sleeps on it
//   17 GSLP    sleepers on GEN (a killed sleeper leaves it high: a spare wake-up)
//   18 SEQ     the next request ticket (FIFO order of requests, across names)
//   19 HINT    where the next free-slot search starts
//   20 USED    request slots in use (purge skips its scan when 0)
//   32..       request slots, kSlotWords words each:
//                state (FREE / WAITING / HELD), owner user id (liveness.h), ticket, name entry,
//                mode (0 exclusive, 1 shared), pid, JS threadId (for query's clientId), 0
//   then       name entries, kEntryWords words each:
//                state (EMPTY / USED / TOMB), hash, length in UTF-16 units, refs (slots naming it),
//                held exclusive, held shared, waiting (counters, recounted whenever a grant
//                pass runs), 0, then the name's units (2 per word).
//
// Grants follow the spec: per name, waiting requests in ticket order; the head is granted when
// no held request conflicts, and the shared requests right behind a granted shared head with it.
// A request whose owner (a JS thread) is dead is removed by any waiter after a sleep slice
// (purge), so a dead holder's locks are released within a slice or two.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/common.h"

namespace procsync {
namespace weblocks {
constexpr uint32_t kGen = 16, kGenSleepers = 17, kSeq = 18, kHint = 19, kUsed = 20, kSlots = 32;
constexpr uint32_t kSlotWords = 8;
constexpr uint32_t kMaxNameUnits = 1000;
constexpr uint32_t kEntryWords = 8 + kMaxNameUnits / 2;  // 2032 bytes
constexpr uint32_t kFree = 0, kWaiting = 1, kHeld = 2;
constexpr uint32_t kEmpty = 0, kUsedEntry = 1, kTomb = 2;
constexpr uint32_t kMaxEntries = 65536, kMaxSlots = 1 << 20;
// p0: name entries, p1: request slots.
bool state_size(const uint32_t p[4], uint64_t* out);
}  // namespace weblocks

struct LockRegistry {
  uint32_t* w;
  uint32_t entries;
  uint32_t slots;
};

struct WlRequest {
  std::u16string name;
  bool shared = false;
  bool if_available = false;
  bool steal = false;
  uint32_t pid = 0;
  uint32_t thread_id = 0;
};

// Enqueues (or grants) a request. code kOk: *slot/*ticket set, *held true when granted now.
// value = -1 (code kOk) when ifAvailable and not grantable (nothing enqueued).
// kErrOutOfRange: no free slot or name entry; kErrCorrupt: inconsistent state.
int32_t wl_request(LockRegistry r, const WlRequest& req, const WaitCtx& ctx, uint32_t* slot,
                   uint32_t* ticket, bool* held, bool* unavailable);
// Frees the request (held or waiting) if the slot still holds `ticket`; a grant pass follows.
// *was: the slot's state before (kFree when it was no longer ours).
int32_t wl_release(LockRegistry r, uint32_t slot, uint32_t ticket, const WaitCtx& ctx, uint32_t* was);
// Sleeps until GEN differs from `gen` (value = the new GEN); purges dead owners after every
// slice without a change. kOk or kCancelled (or the deadline's kTimeout).
OpResult wl_watch(LockRegistry r, uint32_t gen, const WaitCtx& ctx);
// Removes the requests of dead owners (and grants what that frees).
int32_t wl_purge(LockRegistry r, const WaitCtx& ctx);

struct WlInfo {
  std::u16string name;
  bool shared;
  bool held;
  uint32_t ticket, pid, thread_id;
};
// A snapshot of every request (after a purge), in ticket order.
int32_t wl_query(LockRegistry r, const WaitCtx& ctx, std::vector<WlInfo>* out);

}  // namespace procsync
