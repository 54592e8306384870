// A small internal mutex for primitives whose state spans several words (Condition, Barrier,
// Queue): a process-shared, robust pthread mutex embedded in the segment. It is held only
// inside one native call, never across JS. If its holder dies inside the critical section, the
// kernel's robust-futex list hands the next locker EOWNERDEAD: the guard marks the mutex
// consistent at once and reports owner_died() so the caller repairs its state (under the lock).
#pragma once
#include <pthread.h>

#include <cstdint>

namespace procsync {

constexpr size_t kRobustMutexSize = 64;  // room reserved in a state; pthread_mutex_t <= 40 here
static_assert(sizeof(pthread_mutex_t) <= kRobustMutexSize, "pthread_mutex_t fits its slot");

// Initialises the mutex at `p` (creator only, before the segment is published).
bool robust_mutex_init(void* p);

class RobustGuard {
 public:
  explicit RobustGuard(void* p);
  ~RobustGuard();
  RobustGuard(const RobustGuard&) = delete;
  RobustGuard& operator=(const RobustGuard&) = delete;
  // False when the mutex could not be taken (unrecoverable / not a mutex): treat as corrupt.
  bool ok() const { return locked_; }
  // The previous holder died inside its critical section: repair the state now.
  bool owner_died() const { return owner_died_; }
  void unlock();

 private:
  pthread_mutex_t* m_;
  bool locked_ = false;
  bool owner_died_ = false;
};

}  // namespace procsync
