/* floor.c: the C floor for the procsync benchmarks, i.e. what the kernel and the
 * hardware allow on this machine. No library can beat these numbers.
 *
 *   floor <case> <iters> <reps> <placement>
 *
 * case:      futex_pingpong | spin_pingpong | mutex_pair | cas_pair |
 *            futex_counter_2 | futex_counter_4 | futex_counter_4_split |
 *            shm_create_open | shm_create | shm_open
 * placement: same (both processes on CPU 0) | cross (CPU 0 and CPU 1) | any (unpinned)
 *
 * Prints {"samples":[ns per op, one per rep]} on stdout. Process start-up, fork
 * and a warm-up pass are excluded from the samples. Exit code 2 on a wrong total.
 * Every process arms alarm() so nothing outlives a killed parent for long. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ALARM_S 60

typedef _Atomic uint32_t word;

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Shared (not FUTEX_PRIVATE) futex ops: the words live in a MAP_SHARED mapping. */
static void futex_wait(word *w, uint32_t val) {
  syscall(SYS_futex, (uint32_t *)w, FUTEX_WAIT, val, NULL, NULL, 0);
}
static void futex_wake(word *w, int n) {
  syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE, n, NULL, NULL, 0);
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static void *shared_mem(size_t n) {
  void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) { perror("mmap"); exit(1); }
  memset(p, 0, n);
  return p;
}

static void pin(int cpu) {
  if (cpu < 0) return;
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(cpu, &s);
  if (sched_setaffinity(0, sizeof s, &s) != 0) perror("sched_setaffinity");
}

/* CPU for the parent (role 0) and the child (role 1) of a pair. */
static int cpu_for(const char *placement, int role) {
  if (!strcmp(placement, "same")) return 0;
  if (!strcmp(placement, "cross")) return role;
  return -1;
}

static void print_samples(const double *s, int reps) {
  printf("{\"samples\":[");
  for (int i = 0; i < reps; i++) printf("%s%.3f", i ? "," : "", s[i]);
  printf("]}\n");
}

/* Semaphore on one word: post = add + wake, wait = CAS decrement or sleep on 0. */
static void sem_post(word *w) {
  atomic_fetch_add(w, 1);
  futex_wake(w, 1);
}
static void sem_wait(word *w) {
  for (;;) {
    uint32_t v = atomic_load(w);
    while (v > 0)
      if (atomic_compare_exchange_weak(w, &v, v - 1)) return;
    futex_wait(w, 0);
  }
}

/* Spin wait for *w == want; yields after a while so one CPU still makes progress. */
static void spin_until(word *w, uint32_t want) {
  for (unsigned n = 1; atomic_load_explicit(w, memory_order_acquire) != want; n++) {
    cpu_relax();
    if (n % 100 == 0) sched_yield();
  }
}

/* Drepper's futex mutex ("Futexes are tricky", mutex 3): 0 free, 1 held, 2 held + sleepers. */
static void mutex_lock(word *w) {
  uint32_t c = 0;
  if (atomic_compare_exchange_strong(w, &c, 1)) return;
  if (c != 2) c = atomic_exchange(w, 2);
  while (c != 0) {
    futex_wait(w, 2);
    c = atomic_exchange(w, 2);
  }
}
static void mutex_unlock(word *w) {
  if (atomic_fetch_sub(w, 1) != 1) {
    atomic_store(w, 0);
    futex_wake(w, 1);
  }
}

/* Two processes pass the turn back and forth; the parent times reps of iters round trips. */
static void pingpong(int spin, long iters, int reps, const char *placement) {
  word *w = shared_mem(4096); /* w[0]: ping, w[1]: pong (spin: w[0] is the turn) */
  long warm = iters / 10 + 10, total = warm + iters * reps;
  pid_t pid = fork();
  if (pid == 0) {
    alarm(ALARM_S);
    pin(cpu_for(placement, 1));
    for (long i = 0; i < total; i++) {
      if (spin) { spin_until(&w[0], 1); atomic_store_explicit(&w[0], 0, memory_order_release); }
      else { sem_wait(&w[0]); sem_post(&w[1]); }
    }
    _exit(0);
  }
  pin(cpu_for(placement, 0));
  double *s = calloc(reps, sizeof *s);
  for (int r = -1; r < reps; r++) {
    long n = r < 0 ? warm : iters;
    int64_t t0 = now_ns();
    for (long i = 0; i < n; i++) {
      if (spin) { atomic_store_explicit(&w[0], 1, memory_order_release); spin_until(&w[0], 0); }
      else { sem_post(&w[0]); sem_wait(&w[1]); }
    }
    if (r >= 0) s[r] = (double)(now_ns() - t0) / n;
  }
  waitpid(pid, NULL, 0);
  print_samples(s, reps);
}

/* Uncontended lock + unlock of a robust, process-shared pthread mutex. */
static void mutex_pair(long iters, int reps) {
  pthread_mutex_t *m = shared_mem(sizeof *m);
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(m, &a);
  double *s = calloc(reps, sizeof *s);
  for (int r = -1; r < reps; r++) {
    int64_t t0 = now_ns();
    for (long i = 0; i < iters; i++) {
      if (pthread_mutex_lock(m) != 0) abort();
      pthread_mutex_unlock(m);
    }
    if (r >= 0) s[r] = (double)(now_ns() - t0) / iters;
  }
  print_samples(s, reps);
}

/* The least an uncontended lock can do: CAS 0 -> 1, then a release store of 0. */
static void cas_pair(long iters, int reps) {
  word *w = shared_mem(4096);
  double *s = calloc(reps, sizeof *s);
  for (int r = -1; r < reps; r++) {
    int64_t t0 = now_ns();
    for (long i = 0; i < iters; i++) {
      uint32_t e = 0;
      if (!atomic_compare_exchange_strong(w, &e, 1)) abort();
      atomic_store_explicit(w, 0, memory_order_release);
    }
    if (r >= 0) s[r] = (double)(now_ns() - t0) / iters;
  }
  print_samples(s, reps);
}

/* nproc processes each add 1 to a shared counter iters times under the futex mutex.
 * Time = last end - first start (all share CLOCK_MONOTONIC); the total is checked.
 * split: the lock word and the counter in two mappings of their own, as procsync's Lock and
 * Value are (two segments), instead of one cache line (not a bench case: docs/design.md
 * "The contended counter"). */
struct counter_shm {
  word lock, go, ready;
  volatile uint64_t counter;
  int64_t start[16], end[16];
};

static void counter(int nproc, long iters, int reps, int split) {
  struct counter_shm *c = shared_mem(sizeof *c);
  word *lock = split ? shared_mem(4096) : &c->lock;
  volatile uint64_t *count = split ? shared_mem(4096) : &c->counter;
  double *s = calloc(reps, sizeof *s);
  for (int r = -1; r < reps; r++) {
    *count = 0;
    atomic_store(&c->go, 0);
    atomic_store(&c->ready, 0);
    pid_t pids[16];
    for (int p = 0; p < nproc; p++) {
      if ((pids[p] = fork()) == 0) {
        alarm(ALARM_S);
        atomic_fetch_add(&c->ready, 1);
        while (atomic_load(&c->go) == 0) futex_wait(&c->go, 0);
        c->start[p] = now_ns();
        for (long i = 0; i < iters; i++) {
          mutex_lock(lock);
          (*count)++;
          mutex_unlock(lock);
        }
        c->end[p] = now_ns();
        _exit(0);
      }
    }
    while (atomic_load(&c->ready) < (uint32_t)nproc) sched_yield();
    atomic_store(&c->go, 1);
    futex_wake(&c->go, nproc);
    for (int p = 0; p < nproc; p++) waitpid(pids[p], NULL, 0);
    if (*count != (uint64_t)nproc * iters) {
      fprintf(stderr, "wrong total: %llu != %ld\n", (unsigned long long)*count, nproc * iters);
      exit(2);
    }
    int64_t t0 = c->start[0], t1 = c->end[0];
    for (int p = 1; p < nproc; p++) {
      if (c->start[p] < t0) t0 = c->start[p];
      if (c->end[p] > t1) t1 = c->end[p];
    }
    if (r >= 0) s[r] = (double)(t1 - t0) / ((double)nproc * iters);
  }
  print_samples(s, reps);
}

/* Floor of "create + open a named primitive": shm_open(O_EXCL) + ftruncate + mmap to
 * create, shm_open + fstat + mmap to open again. Cleanup is not timed. */
/* what: 0 = create + open (per segment, both added), 1 = create only, 2 = open only. */
static void shm_create_open(long n, int reps, int what) {
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  void **maps = calloc(2 * n, sizeof *maps);
  double *s = calloc(reps, sizeof *s);
  char name[64];
  for (int r = -1; r < reps; r++) {
    int64_t t0 = now_ns(), tmid = 0;
    for (long i = 0; i < 2 * n; i++) {
      if (i == n) tmid = now_ns();
      snprintf(name, sizeof name, "/procsync-floor.%d.%ld", (int)getpid(), i % n);
      int fd;
      if (i < n) {
        fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
        if (fd < 0 || ftruncate(fd, 4096) != 0) { perror("shm create"); exit(1); }
      } else {
        struct stat st;
        fd = shm_open(name, O_RDWR, 0);
        if (fd < 0 || fstat(fd, &st) != 0) { perror("shm open"); exit(1); }
      }
      maps[i] = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (maps[i] == MAP_FAILED) { perror("mmap"); exit(1); }
      close(fd);
    }
    int64_t t1 = now_ns();
    for (long i = 0; i < 2 * n; i++) munmap(maps[i], 4096);
    for (long i = 0; i < n; i++) {
      snprintf(name, sizeof name, "/procsync-floor.%d.%ld", (int)getpid(), i);
      shm_unlink(name);
    }
    int64_t span = what == 1 ? tmid - t0 : what == 2 ? t1 - tmid : t1 - t0;
    if (r >= 0) s[r] = (double)span / n;
  }
  print_samples(s, reps);
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: floor <case> <iters> <reps> <same|cross|any>\n");
    return 1;
  }
  const char *c = argv[1], *placement = argv[4];
  long iters = atol(argv[2]);
  int reps = atoi(argv[3]);
  if (iters < 1 || reps < 1) return 1;
  alarm(ALARM_S);
  if (!strcmp(c, "futex_pingpong")) pingpong(0, iters, reps, placement);
  else if (!strcmp(c, "spin_pingpong")) pingpong(1, iters, reps, placement);
  else if (!strcmp(c, "mutex_pair")) mutex_pair(iters, reps);
  else if (!strcmp(c, "cas_pair")) cas_pair(iters, reps);
  else if (!strcmp(c, "futex_counter_2")) counter(2, iters, reps, 0);
  else if (!strcmp(c, "futex_counter_4")) counter(4, iters, reps, 0);
  else if (!strcmp(c, "futex_counter_4_split")) counter(4, iters, reps, 1);
  else if (!strcmp(c, "shm_create_open")) shm_create_open(iters, reps, 0);
  else if (!strcmp(c, "shm_create")) shm_create_open(iters, reps, 1);
  else if (!strcmp(c, "shm_open")) shm_create_open(iters, reps, 2);
  else { fprintf(stderr, "unknown case %s\n", c); return 1; }
  return 0;
}
