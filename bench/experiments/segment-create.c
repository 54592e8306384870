// The measurement behind docs/design.md "Named create": the system calls of a procsync named
// create (strace of `new Lock({ name })` on Linux, native/platform/linux/segment.cc try_create)
// made from C in the same order, and variants of them, 2,000 creates of a 1,408-byte segment
// (a Lock's) in /dev/shm per run, three runs; each create ends with one atomic write to the
// page (the first use). Not part of the bench; Linux only.
//   gcc -O2 -o /tmp/segment-create bench/experiments/segment-create.c && /tmp/segment-create [n] [steps]
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
#define SZ 1408
static char image[SZ];
static int variant;
static void *create_one(int dir, int i, int *fdout) {
  char name[128], tmp[160], full[160];
  snprintf(name, sizeof name, "procsync.var%d.%d.%d", variant, getpid(), i);
  snprintf(full, sizeof full, "/dev/shm/%s", name);
  int fd = openat(dir, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);  // create-or-open: try open first
  if (fd >= 0) abort();
  struct stat st;
  char *m;
  if (variant == 0 || variant == 2 || variant == 3) {
    snprintf(tmp, sizeof tmp, "/dev/shm/procsync.~%d~%d", getpid(), i);
    fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    fstat(fd, &st);
    if (variant == 0) (void)geteuid();
    flock(fd, LOCK_SH);
    if (variant == 3) {
      pwrite(fd, image, SZ, 0);
      m = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
    } else {
      fallocate(fd, 0, 0, SZ);
      if (variant == 2) {
        m = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        madvise(m, SZ, MADV_POPULATE_WRITE);
      } else {
        m = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
      }
      memcpy(m, image, 64);
    }
    link(tmp, full);
    unlink(tmp);
  } else {  // 1: O_TMPFILE + linkat through /proc/self/fd
    fd = openat(dir, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    fstat(fd, &st);
    flock(fd, LOCK_SH);
    fallocate(fd, 0, 0, SZ);
    m = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
    memcpy(m, image, 64);
    char proc[64]; snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    if (linkat(AT_FDCWD, proc, dir, name, AT_SYMLINK_FOLLOW) != 0) perror("linkat");
  }
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 1, .l_len = 1};
  fcntl(fd, F_OFD_SETLK, &fl);
  // the first use: one atomic write to the lock word
  __atomic_store_n((int *)(m + 1024), 1, __ATOMIC_SEQ_CST);
  *fdout = fd;
  return m;
}
enum { OPEN_TRY, GETPID, CREAT, FSTAT, GETEUID, FLOCK, FALLOC, MMAP, TOUCH, LINK, UNLINK, OFD, NSTEP };
static const char *names[] = {"open(existing?)", "getpid", "open O_CREAT|O_EXCL", "fstat", "geteuid", "flock SH", "fallocate", "mmap POPULATE", "write header", "link", "unlink tmp", "F_OFD_SETLK"};
// The current sequence, each step timed on its own (the clock reads add ~0.1 µs per step).
static int steps(int n) {
  double acc[NSTEP] = {0};
  int dir = open("/dev/shm", O_RDONLY | O_DIRECTORY);
  int *fds = malloc(sizeof(int) * n);
  void **maps = malloc(sizeof(void *) * n);
  char name[128], tmp[128];
  double t0 = now();
  for (int i = 0; i < n; i++) {
    double t = now(), u;
    snprintf(name, sizeof name, "procsync.cseq.%d.%d", getpid(), i);
    int fd = openat(dir, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    u = now(); acc[OPEN_TRY] += u - t; t = u;
    pid_t p = getpid();
    u = now(); acc[GETPID] += u - t; t = u;
    snprintf(tmp, sizeof tmp, "/dev/shm/procsync.~%d~%d", p, i);
    fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    u = now(); acc[CREAT] += u - t; t = u;
    struct stat st; fstat(fd, &st);
    u = now(); acc[FSTAT] += u - t; t = u;
    (void)geteuid();
    u = now(); acc[GETEUID] += u - t; t = u;
    flock(fd, LOCK_SH);
    u = now(); acc[FLOCK] += u - t; t = u;
    fallocate(fd, 0, 0, 1408);
    u = now(); acc[FALLOC] += u - t; t = u;
    char *m = mmap(NULL, 1408, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
    u = now(); acc[MMAP] += u - t; t = u;
    memset(m, 1, 64);
    u = now(); acc[TOUCH] += u - t; t = u;
    char full[160]; snprintf(full, sizeof full, "/dev/shm/%s", name);
    link(tmp, full);
    u = now(); acc[LINK] += u - t; t = u;
    unlink(tmp);
    u = now(); acc[UNLINK] += u - t; t = u;
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 1, .l_len = 1};
    fcntl(fd, F_OFD_SETLK, &fl);
    u = now(); acc[OFD] += u - t; t = u;
    fds[i] = fd; maps[i] = m;
  }
  double total = now() - t0;
  for (int k = 0; k < NSTEP; k++) printf("%-22s %7.2f us\n", names[k], acc[k] / n / 1000);
  printf("%-22s %7.2f us\n", "total per create", total / n / 1000);
  for (int i = 0; i < n; i++) {
    char full[160]; snprintf(full, sizeof full, "/dev/shm/procsync.cseq.%d.%d", getpid(), i);
    unlink(full); munmap(maps[i], 1408); close(fds[i]);
  }
  return 0;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 2000;
  if (argc > 2 && strcmp(argv[2], "steps") == 0) return steps(n);
  memset(image, 0, SZ);
  int dir = open("/dev/shm", O_RDONLY | O_DIRECTORY);
  int *fds = malloc(sizeof(int) * n); void **maps = malloc(sizeof(void *) * n);
  const char *names[] = {"current (tmp+link, fallocate, MAP_POPULATE, write)", "O_TMPFILE + linkat /proc/self/fd", "MADV_POPULATE_WRITE, no geteuid", "pwrite image + MAP_POPULATE, no geteuid"};
  for (int rep = 0; rep < 3; rep++)
    for (variant = 0; variant < 4; variant++) {
      double t = now();
      for (int i = 0; i < n; i++) maps[i] = create_one(dir, i, &fds[i]);
      double per = (now() - t) / n / 1000;
      for (int i = 0; i < n; i++) {
        char full[160]; snprintf(full, sizeof full, "/dev/shm/procsync.var%d.%d.%d", variant, getpid(), i);
        unlink(full); munmap(maps[i], SZ); close(fds[i]);
      }
      printf("%-52s %6.2f us (incl. first write of the lock word)\n", names[variant], per);
    }
  return 0;
}
