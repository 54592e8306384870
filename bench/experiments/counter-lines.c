/* The contended counter of issue 15 (4 processes x iters of lock; counter++; unlock), in C, with
 * the lock word and the counter in one cache line (bench/peers/floor.c's layout) and in two
 * mappings, as procsync's Lock and Value are (two segments). What the second line costs.
 *
 *   cc -O2 -o /tmp/counter-lines bench/experiments/counter-lines.c && /tmp/counter-lines [reps]
 *
 * Prints the median M ops/s of each layout, alternated, reps each. Same Drepper mutex as
 * floor.c (no spin). */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef _Atomic uint32_t word;
enum { NPROC = 4, ITERS = 1000000 };

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}
static void futex(word *w, int op, uint32_t v) { syscall(SYS_futex, (uint32_t *)w, op, v, NULL, NULL, 0); }
static void mutex_lock(word *w) {
  uint32_t c = 0;
  if (atomic_compare_exchange_strong(w, &c, 1)) return;
  if (c != 2) c = atomic_exchange(w, 2);
  while (c != 0) {
    futex(w, FUTEX_WAIT, 2);
    c = atomic_exchange(w, 2);
  }
}
static void mutex_unlock(word *w) {
  if (atomic_fetch_sub(w, 1) != 1) {
    atomic_store(w, 0);
    futex(w, FUTEX_WAKE, 1);
  }
}
static void *shared(size_t n) {
  void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) { perror("mmap"); exit(1); }
  memset(p, 0, n);
  return p;
}

struct ctl { word go, ready; int64_t start[NPROC], end[NPROC]; };

/* M ops/s of one run; lock and counter given. */
static double run(struct ctl *c, word *lock, volatile uint64_t *counter) {
  *counter = 0;
  atomic_store(&c->go, 0);
  atomic_store(&c->ready, 0);
  pid_t pids[NPROC];
  for (int p = 0; p < NPROC; p++) {
    if ((pids[p] = fork()) == 0) {
      alarm(60);
      atomic_fetch_add(&c->ready, 1);
      while (atomic_load(&c->go) == 0) futex(&c->go, FUTEX_WAIT, 0);
      c->start[p] = now_ns();
      for (long i = 0; i < ITERS; i++) {
        mutex_lock(lock);
        (*counter)++;
        mutex_unlock(lock);
      }
      c->end[p] = now_ns();
      _exit(0);
    }
  }
  while (atomic_load(&c->ready) < NPROC) sched_yield();
  atomic_store(&c->go, 1);
  futex(&c->go, FUTEX_WAKE, NPROC);
  for (int p = 0; p < NPROC; p++) waitpid(pids[p], NULL, 0);
  if (*counter != (uint64_t)NPROC * ITERS) { fprintf(stderr, "wrong total\n"); exit(2); }
  int64_t t0 = c->start[0], t1 = c->end[0];
  for (int p = 1; p < NPROC; p++) {
    if (c->start[p] < t0) t0 = c->start[p];
    if (c->end[p] > t1) t1 = c->end[p];
  }
  return (double)NPROC * ITERS / ((double)(t1 - t0) / 1e9) / 1e6;
}

static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 7;
  struct ctl *c = shared(sizeof *c);
  /* one line: lock at 0, counter at 8 of one 64-byte line */
  char *one = shared(4096);
  /* two mappings: as two procsync segments */
  char *a = shared(4096), *b = shared(4096);
  double s1[64], s2[64];
  run(c, (word *)one, (volatile uint64_t *)(one + 8)); /* warm-up */
  for (int r = 0; r < reps && r < 64; r++) {
    s1[r] = run(c, (word *)one, (volatile uint64_t *)(one + 8));
    s2[r] = run(c, (word *)a, (volatile uint64_t *)b);
  }
  qsort(s1, reps, sizeof *s1, cmp);
  qsort(s2, reps, sizeof *s2, cmp);
  printf("one line: median %.1f M ops/s (min %.1f, max %.1f)\n", s1[reps / 2], s1[0], s1[reps - 1]);
  printf("two lines: median %.1f M ops/s (min %.1f, max %.1f)\n", s2[reps / 2], s2[0], s2[reps - 1]);
  return 0;
}
