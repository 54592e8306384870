#include "robust_mutex.h"

#include <cerrno>
#include <new>

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

RobustGuard::RobustGuard(void* p) : m_(static_cast<pthread_mutex_t*>(p)) {
  int r = pthread_mutex_lock(m_);
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
