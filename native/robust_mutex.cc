#include "robust_mutex.h"

#include <cerrno>
#include <new>

#include "spin.h"

namespace procsync {

bool robust_mutex_init(void* p) {
  pthread_mutexattr_t a;
  if (pthread_mutexattr_init(&a) != 0) return false;
  bool ok = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED) == 0 &&
            pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) == 0 &&
            pthread_mutex_init(static_cast<pthread_mutex_t*>(p), &a) == 0;
  pthread_mutexattr_destroy(&a);
  return ok;
}

namespace {
// glibc's robust mutexes never spin: a locker that finds it held sleeps in the kernel, and on a
// VM the wake-up costs tens of µs, for critical sections of well under 1 µs (Barrier rounds in
// lock-step contend here on every round). So retry for a few µs first, while a holder running
// on another CPU finishes; adaptive (spin.h), so a holder that is descheduled on our own CPU
// soon costs nothing.
AdaptiveSpin mutex_spin(4000, 4000);

int lock_spinning(pthread_mutex_t* m) {
  int r = pthread_mutex_trylock(m);
  if (r != EBUSY) return r;
  if (spin_until<32>(mutex_spin, [&] { return (r = pthread_mutex_trylock(m)) != EBUSY; })) return r;
  return pthread_mutex_lock(m);
}
}  // namespace

RobustGuard::RobustGuard(void* p) : m_(static_cast<pthread_mutex_t*>(p)) {
  int r = lock_spinning(m_);
  if (r == EOWNERDEAD) {
    // We hold it now; make it usable again before repairing, so that if we die while
    // repairing, the next locker gets EOWNERDEAD again rather than ENOTRECOVERABLE.
    pthread_mutex_consistent(m_);
    owner_died_ = true;
    locked_ = true;
  } else {
    locked_ = r == 0;
  }
}

RobustGuard::~RobustGuard() { unlock(); }

void RobustGuard::unlock() {
  if (!locked_) return;
  locked_ = false;
  pthread_mutex_unlock(m_);
}

}  // namespace procsync
