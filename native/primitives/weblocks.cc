#include "primitives/weblocks.h"

#include <algorithm>
#include <climits>

#include "core/wait.h"
#include "primitives/lock.h"
#include "core/state_mutex.h"

namespace procsync {

namespace weblocks {
bool state_size(const uint32_t p[4], uint64_t* out) {
  if (p[0] < 1 || p[0] > kMaxEntries || p[1] < 1 || p[1] > kMaxSlots || p[2] || p[3]) return false;
  *out = 4ull * (kSlots + uint64_t(kSlotWords) * p[1] + uint64_t(kEntryWords) * p[0]);
  return true;
}
}  // namespace weblocks

namespace {
using namespace weblocks;

struct Slot {
  uint32_t* w;
  uint32_t state() const { return load(w); }
  uint32_t owner() const { return load(w + 1); }
  uint32_t ticket() const { return load(w + 2); }
  uint32_t entry() const { return load(w + 3); }
  bool shared() const { return load(w + 4) != 0; }
};

struct Entry {
  uint32_t* w;
  uint32_t state() const { return load(w); }
  uint32_t len() const { return load(w + 2); }
  const uint16_t* units() const { return reinterpret_cast<const uint16_t*>(w + 8); }
};

inline Slot slot(LockRegistry r, uint32_t i) { return {r.w + kSlots + kSlotWords * i}; }
inline Entry entry(LockRegistry r, uint32_t i) {
  return {r.w + kSlots + uint64_t(kSlotWords) * r.slots + uint64_t(kEntryWords) * i};
}
inline bool before(uint32_t a, uint32_t b) { return int32_t(a - b) < 0; }

uint32_t hash_name(const std::u16string& s) {
  uint32_t h = 2166136261u;
  for (char16_t c : s) {
    h ^= uint32_t(c) & 0xff;
    h *= 16777619u;
    h ^= uint32_t(c) >> 8;
    h *= 16777619u;
  }
  return h;
}

bool same_name(Entry e, const std::u16string& s) {
  if (e.len() != s.size()) return false;
  const uint16_t* u = e.units();
  for (size_t i = 0; i < s.size(); i++)
    if (u[i] != uint16_t(s[i])) return false;
  return true;
}

// The entry of `name`, inserted (refs 0) if absent and `create`. -1: absent / table full.
int64_t find_entry(LockRegistry r, const std::u16string& name, bool create) {
  uint32_t h = hash_name(name);
  int64_t tomb = -1;
  for (uint32_t k = 0; k < r.entries; k++) {
    uint32_t i = (h + k) % r.entries;
    Entry e = entry(r, i);
    uint32_t st = e.state();
    if (st == kUsedEntry) {
      if (load(e.w + 1) == h && same_name(e, name)) return i;
      continue;
    }
    if (st == kTomb || st != kEmpty) {  // a hostile state counts as a tombstone
      if (tomb < 0) tomb = i;
      continue;
    }
    if (!create) return -1;
    if (tomb < 0) tomb = i;
    break;
  }
  if (!create || tomb < 0) return -1;
  Entry e = entry(r, uint32_t(tomb));
  for (uint32_t j = 1; j < 8; j++) store_release(e.w + j, 0);
  store_release(e.w + 1, h);
  store_release(e.w + 2, uint32_t(name.size()));
  uint16_t* u = reinterpret_cast<uint16_t*>(e.w + 8);
  for (size_t i = 0; i < name.size(); i++) u[i] = uint16_t(name[i]);
  store(e.w, kUsedEntry);
  return tomb;
}

void unref_entry(LockRegistry r, uint32_t ei) {
  if (ei >= r.entries) return;
  Entry e = entry(r, ei);
  uint32_t refs = load(e.w + 3);
  if (refs <= 1) {
    store(e.w + 3, 0);
    store(e.w, kTomb);
  } else {
    store(e.w + 3, refs - 1);
  }
}

void free_slot(LockRegistry r, uint32_t i) {
  Slot s = slot(r, i);
  uint32_t ei = s.entry();
  store(s.w, kFree);
  store(s.w + 1, 0);
  unref_entry(r, ei);
  uint32_t used = load(r.w + kUsed);
  if (used) store(r.w + kUsed, used - 1);
}

// Recounts one entry's counters from the slots and grants what the spec allows now. Returns
// whether anything was granted.
bool grant_pass(LockRegistry r, uint32_t ei) {
  if (ei >= r.entries) return false;
  uint32_t hx = 0, hs = 0;
  std::vector<std::pair<uint32_t, uint32_t>> waiting;  // (ticket, slot)
  for (uint32_t i = 0; i < r.slots; i++) {
    Slot s = slot(r, i);
    uint32_t st = s.state();
    if (st == kFree || s.entry() != ei) continue;
    if (st == kHeld) (s.shared() ? hs : hx)++;
    else if (st == kWaiting) waiting.emplace_back(s.ticket(), i);
  }
  std::sort(waiting.begin(), waiting.end(), [](auto& a, auto& b) { return before(a.first, b.first); });
  bool granted = false;
  size_t k = 0;
  for (; k < waiting.size(); k++) {
    Slot s = slot(r, waiting[k].second);
    bool sh = s.shared();
    if (hx || (!sh && hs)) break;
    store(s.w, kHeld);
    (sh ? hs : hx)++;
    granted = true;
    if (!sh) { k++; break; }
  }
  Entry e = entry(r, ei);
  store(e.w + 4, hx);
  store(e.w + 5, hs);
  store(e.w + 6, uint32_t(waiting.size() - k));
  return granted;
}

void bump(LockRegistry r) {
  fetch_add(r.w + kGen, 1);
}
void wake(LockRegistry r) {
  if (load(r.w + kGenSleepers)) wake_word(r.w + kGen, INT32_MAX);
}

// Under the mutex: frees the requests of dead owners. Returns whether anything changed.
bool purge_locked(LockRegistry r, const WaitCtx& ctx) {
  if (load(r.w + kUsed) == 0) return false;
  std::vector<uint32_t> touched;
  for (uint32_t i = 0; i < r.slots; i++) {
    Slot s = slot(r, i);
    if (s.state() == kFree) continue;
    uint32_t id = s.owner() & kOwnerMask;
    if (id != 0 && ctx.alive(id)) continue;
    touched.push_back(s.entry());
    free_slot(r, i);
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (uint32_t ei : touched) grant_pass(r, ei);
  if (!touched.empty()) bump(r);
  return !touched.empty();
}

// Repairs after a holder of the mutex died inside its critical section: entries referenced by
// no slot become tombstones, refs are recounted.
void repair_locked(LockRegistry r) {
  std::vector<uint32_t> refs(r.entries, 0);
  uint32_t used = 0;
  for (uint32_t i = 0; i < r.slots; i++) {
    Slot s = slot(r, i);
    if (s.state() == kFree) continue;
    uint32_t ei = s.entry();
    if (ei >= r.entries || entry(r, ei).state() != kUsedEntry) {
      store(s.w, kFree);
      continue;
    }
    refs[ei]++;
    used++;
  }
  for (uint32_t e = 0; e < r.entries; e++) {
    Entry en = entry(r, e);
    if (en.state() != kUsedEntry) continue;
    if (refs[e] == 0) store(en.w, kTomb);
    else store(en.w + 3, refs[e]);
  }
  store(r.w + kUsed, used);
  for (uint32_t e = 0; e < r.entries; e++)
    if (refs[e]) grant_pass(r, e);
  bump(r);
}

bool entry_ok(LockRegistry r, uint32_t ei) {
  return ei < r.entries && entry(r, ei).state() == kUsedEntry && entry(r, ei).len() <= kMaxNameUnits;
}
}  // namespace

int32_t wl_request(LockRegistry r, const WlRequest& req, const WaitCtx& ctx, uint32_t* out_slot,
                   uint32_t* out_ticket, bool* held, bool* unavailable) {
  *unavailable = false;
  *held = false;
  if (req.name.empty() || req.name.size() > kMaxNameUnits) return kErrOutOfRange;
  StateGuard g(r.w, ctx);
  if (!g.ok()) return g.code();
  if (g.owner_died()) repair_locked(r);
  int64_t found = find_entry(r, req.name, !req.if_available);
  uint32_t ei = 0;
  if (found >= 0) {
    ei = uint32_t(found);
    if (!entry_ok(r, ei)) return kErrCorrupt;
  }
  Entry e = entry(r, found >= 0 ? uint32_t(found) : 0);
  bool grantable = false;
  if (found >= 0) {
    uint32_t hx = load(e.w + 4), hs = load(e.w + 5), wt = load(e.w + 6);
    grantable = wt == 0 && hx == 0 && (req.shared || hs == 0);
    if (!grantable && req.if_available && !req.steal) {
      // Maybe only dead requests stand in the way.
      if (purge_locked(r, ctx)) {
        hx = load(e.w + 4), hs = load(e.w + 5), wt = load(e.w + 6);
        grantable = entry(r, ei).state() == kUsedEntry && wt == 0 && hx == 0 && (req.shared || hs == 0);
      }
    }
  } else {
    if (!req.if_available) return kErrOutOfRange;  // the name table is full
    grantable = true;  // ifAvailable on a name nobody uses: create it now
  }
  if (req.if_available && !grantable) {
    *unavailable = true;
    return kOk;
  }
  if (found < 0) {
    found = find_entry(r, req.name, true);
    if (found < 0) return kErrOutOfRange;
    ei = uint32_t(found);
    e = entry(r, ei);
  }
  // A free slot.
  int64_t si = -1;
  uint32_t hint = load(r.w + kHint);
  for (uint32_t k = 0; k < r.slots; k++) {
    uint32_t i = (hint + k) % r.slots;
    if (slot(r, i).state() == kFree) { si = i; break; }
  }
  if (si < 0) {
    if (load(e.w + 3) == 0) store(e.w, kTomb);
    return kErrOutOfRange;
  }
  store(r.w + kHint, uint32_t(si + 1) % r.slots);
  bool changed = false;
  if (req.steal) {
    // Every held request of the name loses its lock (its holder is told by the ticket check).
    for (uint32_t i = 0; i < r.slots; i++) {
      Slot s = slot(r, i);
      if (s.state() == kHeld && s.entry() == ei) {
        free_slot(r, i);
        changed = true;
      }
    }
    if (entry(r, ei).state() != kUsedEntry) {  // its last reference went: take it again
      found = find_entry(r, req.name, true);
      if (found < 0) return kErrOutOfRange;
      ei = uint32_t(found);
      e = entry(r, ei);
    }
    grantable = true;
  }
  Slot s = slot(r, uint32_t(si));
  uint32_t ticket = fetch_add(r.w + kSeq, 1);
  store(s.w + 1, ctx.me());
  store(s.w + 2, ticket);
  store(s.w + 3, ei);
  store(s.w + 4, req.shared ? 1 : 0);
  store(s.w + 5, req.pid);
  store(s.w + 6, req.thread_id);
  store(s.w, grantable ? kHeld : kWaiting);
  store(e.w + 3, load(e.w + 3) + 1);
  store(r.w + kUsed, load(r.w + kUsed) + 1);
  if (grantable) {
    store(e.w + (req.shared ? 5 : 4), load(e.w + (req.shared ? 5 : 4)) + 1);
  } else {
    store(e.w + 6, load(e.w + 6) + 1);
    // Counters may be stale (or hostile): a pass recounts, and grants us if it can.
    grant_pass(r, ei);
  }
  if (changed || !grantable) bump(r);
  g.unlock();
  if (changed) wake(r);
  *out_slot = uint32_t(si);
  *out_ticket = ticket;
  *held = s.state() == kHeld;
  return kOk;
}

int32_t wl_release(LockRegistry r, uint32_t si, uint32_t ticket, const WaitCtx& ctx, uint32_t* was) {
  *was = kFree;
  if (si >= r.slots) return kErrOutOfRange;
  StateGuard g(r.w, ctx);
  if (!g.ok()) return g.code();
  if (g.owner_died()) repair_locked(r);
  Slot s = slot(r, si);
  uint32_t st = s.state();
  if (st == kFree || s.ticket() != ticket || (s.owner() & kOwnerMask) != ctx.me()) return kOk;
  *was = st;
  uint32_t ei = s.entry();
  free_slot(r, si);
  Entry e = entry(r, ei < r.entries ? ei : 0);
  bool others_wait = ei < r.entries && load(e.w + 6) != 0;
  bool changed = false;
  if (ei < r.entries && entry(r, ei).state() == kUsedEntry) {
    if (others_wait || st == kWaiting) changed = grant_pass(r, ei) || others_wait;
    else if (st == kHeld) {
      uint32_t k = s.shared() ? 5 : 4;
      uint32_t v = load(e.w + k);
      store(e.w + k, v ? v - 1 : 0);
    }
  }
  if (changed) bump(r);
  g.unlock();
  if (changed) wake(r);
  return kOk;
}

int32_t wl_purge(LockRegistry r, const WaitCtx& ctx) {
  bool changed;
  {
    StateGuard g(r.w, ctx);
    if (!g.ok()) return g.code();
    if (g.owner_died()) repair_locked(r);
    changed = purge_locked(r, ctx);
  }
  if (changed) wake(r);
  return kOk;
}

OpResult wl_watch(LockRegistry r, uint32_t gen, const WaitCtx& ctx) {
  uint32_t* G = r.w + kGen;
  for (;;) {
    uint32_t now = load(G);
    if (now != gen) return {kOk, double(now)};
    if (ctx.cancelled()) return {kCancelled, 0};
    if (past(ctx.deadline_ns)) return {kTimeout, 0};
    fetch_add(r.w + kGenSleepers, 1);
    ctx.sleeping_on(G);
    WaitOutcome out = ctx.cancelled() ? WaitOutcome::kWoken : wait_on_word(G, gen, slice_end(ctx.deadline_ns));
    fetch_sub(r.w + kGenSleepers, 1);
    if (out == WaitOutcome::kTimedOut && load(G) == gen) {
      // A slice without a change: are all requests' owners still there?
      int32_t c = wl_purge(r, cleanup_ctx(ctx));
      if (c < 0) return {c, 0};
    }
  }
}

int32_t wl_query(LockRegistry r, const WaitCtx& ctx, std::vector<WlInfo>* out) {
  bool changed;
  {
    StateGuard g(r.w, ctx);
    if (!g.ok()) return g.code();
    if (g.owner_died()) repair_locked(r);
    changed = purge_locked(r, ctx);
    for (uint32_t i = 0; i < r.slots; i++) {
      Slot s = slot(r, i);
      uint32_t st = s.state();
      if (st != kHeld && st != kWaiting) continue;
      uint32_t ei = s.entry();
      if (!entry_ok(r, ei)) continue;
      Entry e = entry(r, ei);
      WlInfo info;
      info.name.assign(reinterpret_cast<const char16_t*>(e.units()), e.len());
      info.shared = s.shared();
      info.held = st == kHeld;
      info.ticket = s.ticket();
      info.pid = load(s.w + 5);
      info.thread_id = load(s.w + 6);
      out->push_back(std::move(info));
    }
  }
  if (changed) wake(r);
  std::sort(out->begin(), out->end(), [](const WlInfo& a, const WlInfo& b) { return before(a.ticket, b.ticket); });
  return kOk;
}

}  // namespace procsync
