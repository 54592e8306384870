// The backend-independent half of platform/liveness.h: the per-thread cache of identities,
// the users table, and the short memory of ids found alive. Each backend's liveness.cc only
// claims an id (its kernel lock) and asks the kernel whether an id is alive.
#include "core/common.h"
#include "platform/liveness.h"
#include "platform/platform.h"

namespace procsync {

namespace {
constexpr uint32_t kRecentMs = 50;  // < kSliceNs: see Identity::recent_
uint32_t now_ms() { return uint32_t(monotonic_ns() / 1000000); }
}  // namespace

bool Identity::recently_alive(uint32_t id) const {
  const uint32_t now = now_ms();
  for (auto& e : recent_) {
    uint64_t v = e.load(std::memory_order_relaxed);
    if (uint32_t(v >> 32) == id && now - uint32_t(v) < kRecentMs) return true;
  }
  return false;
}

void Identity::remember_alive(uint32_t id) const {
  recent_[id % 4].store((uint64_t(id) << 32) | now_ms(), std::memory_order_relaxed);
}

std::shared_ptr<Identity> IdentityCache::cached(const SegmentKey& key) const {
  auto it = by_file_.find(key);
  return it != by_file_.end() ? it->second.lock() : nullptr;
}

void IdentityCache::remember(const SegmentKey& key, const std::shared_ptr<Identity>& ident, UserEntry* users,
                             uint32_t n_users, uint32_t pid) {
  if (n_users) {
    UserEntry* e = users + (ident->id() % n_users);
    store(&e->pid, pid);
    store(&e->id, ident->id());
  }
  by_file_[key] = ident;
  // Forget identities that are gone, so the map does not grow with every segment ever used.
  // Amortised: a sweep of the whole map at every open made opening n segments O(n^2).
  if (by_file_.size() >= prune_at_) {
    for (auto i = by_file_.begin(); i != by_file_.end();) i = i->second.expired() ? by_file_.erase(i) : std::next(i);
    prune_at_ = 2 * by_file_.size() + 64;
  }
}

uint32_t WaitCtx::me() const { return self ? self->id() : 0; }
// Without an identity nothing can be judged dead: never take over on a doubt.
bool WaitCtx::alive(uint32_t id) const { return self ? self->alive(id) : true; }

uint32_t user_pid(const UserEntry* users, uint32_t n_users, uint32_t id) {
  if (n_users == 0 || id == 0) return 0;
  const UserEntry* e = users + (id % n_users);
  uint32_t pid = __atomic_load_n(&e->pid, __ATOMIC_SEQ_CST);
  return __atomic_load_n(&e->id, __ATOMIC_SEQ_CST) == id ? pid : 0;
}

}  // namespace procsync
