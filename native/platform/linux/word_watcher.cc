// WordWatcher on Linux: futex waits submitted to an io_uring (IORING_OP_FUTEX_WAIT, kernel
// 6.7+), whose fd the JS thread's event loop polls (a libuv poll handle). Raw syscalls, no
// liburing: a dependency for the dozen lines below would not earn its place.
//
// One ring per environment, used only from its JS thread (no locking). Every submission is
// entered at once, so the submission queue never holds more than one entry; the completion
// queue is sized for many waits finishing together, and the kernel keeps any overflow
// (IORING_FEAT_NODROP, required) until collect() flushes it.
#include "platform/word_watcher.h"

#include <errno.h>
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <uv.h>

#include <atomic>
#include <cstring>

namespace procsync {
namespace {

// Newer than the kernel headers of some build hosts (Debian 12 has 6.1's).
constexpr uint8_t kOpFutexWait = 51;     // IORING_OP_FUTEX_WAIT
constexpr uint32_t kFutex2SizeU32 = 2;   // FUTEX2_SIZE_U32; no FUTEX2_PRIVATE: shared memory
constexpr uint64_t kMatchAny = 0xffffffffu;  // FUTEX_BITSET_MATCH_ANY, as our wakes use
// user_data of our own cancel requests, whose completions are not waits.
constexpr uint64_t kCancelToken = ~0ull;
constexpr unsigned kSqEntries = 8;
constexpr unsigned kCqEntries = 16384;

int sys_setup(unsigned entries, io_uring_params* p) { return int(syscall(__NR_io_uring_setup, entries, p)); }
int sys_enter(int fd, unsigned submit, unsigned wait, unsigned flags) {
  return int(syscall(__NR_io_uring_enter, fd, submit, wait, flags, nullptr, 0));
}

template <class T>
T* at(void* base, uint32_t off) { return reinterpret_cast<T*>(static_cast<uint8_t*>(base) + off); }

class UringWatcher final : public WordWatcher {
 public:
  explicit UringWatcher(std::function<void()> ready) : ready_(std::move(ready)) {}
  ~UringWatcher() override {
    // Handles are freed by libuv's close callbacks; their fd goes below, after the poll stopped.
    auto free_handle = [](uv_handle_t* h) {
      if (h->type == UV_POLL) delete reinterpret_cast<uv_poll_t*>(h);
      else delete reinterpret_cast<uv_async_t*>(h);
    };
    if (poll_) {
      uv_poll_stop(poll_);
      uv_close(reinterpret_cast<uv_handle_t*>(poll_), free_handle);
    }
    if (async_) uv_close(reinterpret_cast<uv_handle_t*>(async_), free_handle);
    if (sqes_) munmap(sqes_, sqes_len_);
    if (cq_ring_ && cq_ring_ != sq_ring_) munmap(cq_ring_, cq_len_);
    if (sq_ring_) munmap(sq_ring_, sq_len_);
    if (fd_ >= 0) close(fd_);  // the kernel cancels what is still armed
  }

  bool init() {
    io_uring_params p;
    memset(&p, 0, sizeof p);
    p.flags = IORING_SETUP_CQSIZE;
    p.cq_entries = kCqEntries;
    fd_ = sys_setup(kSqEntries, &p);
    if (fd_ < 0) return false;
    if (!(p.features & IORING_FEAT_NODROP)) return false;
    sq_len_ = p.sq_off.array + p.sq_entries * sizeof(uint32_t);
    cq_len_ = p.cq_off.cqes + p.cq_entries * sizeof(io_uring_cqe);
    const bool single = p.features & IORING_FEAT_SINGLE_MMAP;
    if (single) sq_len_ = cq_len_ = sq_len_ > cq_len_ ? sq_len_ : cq_len_;
    sq_ring_ = mmap(nullptr, sq_len_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, IORING_OFF_SQ_RING);
    if (sq_ring_ == MAP_FAILED) { sq_ring_ = nullptr; return false; }
    cq_ring_ = single ? sq_ring_
                      : mmap(nullptr, cq_len_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, IORING_OFF_CQ_RING);
    if (cq_ring_ == MAP_FAILED) { cq_ring_ = nullptr; return false; }
    sqes_len_ = p.sq_entries * sizeof(io_uring_sqe);
    void* sqes = mmap(nullptr, sqes_len_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, IORING_OFF_SQES);
    if (sqes == MAP_FAILED) return false;
    sqes_ = static_cast<io_uring_sqe*>(sqes);
    sq_tail_ = at<uint32_t>(sq_ring_, p.sq_off.tail);
    sq_mask_ = *at<uint32_t>(sq_ring_, p.sq_off.ring_mask);
    sq_array_ = at<uint32_t>(sq_ring_, p.sq_off.array);
    sq_flags_ = at<uint32_t>(sq_ring_, p.sq_off.flags);
    cq_head_ = at<uint32_t>(cq_ring_, p.cq_off.head);
    cq_tail_ = at<uint32_t>(cq_ring_, p.cq_off.tail);
    cq_mask_ = *at<uint32_t>(cq_ring_, p.cq_off.ring_mask);
    cqes_ = at<io_uring_cqe>(cq_ring_, p.cq_off.cqes);
    return probe();
  }

  // The loop side: a poll handle on the ring (readable while completions wait) and an async
  // handle for post(); neither keeps the loop alive until keep_alive(true).
  bool attach(napi_env env) {
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || !loop) return false;
    poll_ = new uv_poll_t;
    if (uv_poll_init(loop, poll_, fd_) != 0) {
      delete poll_;
      poll_ = nullptr;
      return false;
    }
    poll_->data = this;
    async_ = new uv_async_t;
    uv_async_init(loop, async_, [](uv_async_t* h) { static_cast<UringWatcher*>(h->data)->ready_(); });
    async_->data = this;
    uv_poll_start(poll_, UV_READABLE, [](uv_poll_t* h, int, int) { static_cast<UringWatcher*>(h->data)->ready_(); });
    uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    uv_unref(reinterpret_cast<uv_handle_t*>(async_));
    return true;
  }

  void post() override { uv_async_send(async_); }

  void keep_alive(bool yes) override {
    if (yes) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
    else uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  }

  bool arm(uint64_t token, uint32_t* word, uint32_t expected) override {
    io_uring_sqe* s = next_sqe();
    s->opcode = kOpFutexWait;
    s->fd = int32_t(kFutex2SizeU32);
    s->addr = reinterpret_cast<uint64_t>(word);
    s->off = expected;  // addr2: the value
    s->addr3 = kMatchAny;
    s->user_data = token;
    return submit();
  }

  bool cancel(uint64_t token) override {
    io_uring_sqe* s = next_sqe();
    s->opcode = IORING_OP_ASYNC_CANCEL;
    s->fd = -1;
    s->addr = token;
    s->user_data = kCancelToken;
    return submit();
  }

  void collect(std::vector<uint64_t>* tokens) override {
    for (;;) {
      uint32_t head = __atomic_load_n(cq_head_, __ATOMIC_RELAXED);
      uint32_t tail = __atomic_load_n(cq_tail_, __ATOMIC_ACQUIRE);
      for (; head != tail; head++) {
        const io_uring_cqe& c = cqes_[head & cq_mask_];
        if (c.user_data != kCancelToken) tokens->push_back(c.user_data);
      }
      __atomic_store_n(cq_head_, head, __ATOMIC_RELEASE);
      // Completions the full queue could not take wait in the kernel: flush them in.
      if (!(__atomic_load_n(sq_flags_, __ATOMIC_ACQUIRE) & IORING_SQ_CQ_OVERFLOW)) return;
      if (sys_enter(fd_, 0, 0, IORING_ENTER_GETEVENTS) < 0 && errno != EINTR && errno != EAGAIN &&
          errno != EBUSY)
        return;
    }
  }

 private:
  io_uring_sqe* next_sqe() {
    uint32_t tail = *sq_tail_;
    uint32_t i = tail & sq_mask_;
    io_uring_sqe* s = &sqes_[i];
    memset(s, 0, sizeof *s);
    sq_array_[i] = i;
    pending_tail_ = tail + 1;
    return s;
  }
  bool submit() {
    const uint32_t before = pending_tail_ - 1;
    __atomic_store_n(sq_tail_, pending_tail_, __ATOMIC_RELEASE);
    for (;;) {
      int r = sys_enter(fd_, 1, 0, 0);
      if (r >= 1) return true;
      if (r < 0 && errno == EINTR) continue;
      // Not consumed (the kernel reads the queue only inside io_uring_enter, no SQPOLL): take
      // the entry back, so it is not submitted later behind the caller's back.
      __atomic_store_n(sq_tail_, before, __ATOMIC_RELEASE);
      return false;
    }
  }
  // Kernels before 6.7 have io_uring without the futex opcode: a wait on a word that does not
  // hold the value completes at once with -EAGAIN where the opcode exists, -EINVAL where not.
  bool probe() {
    uint32_t word = 1;
    if (!arm(kCancelToken - 1, &word, 0)) return false;
    if (sys_enter(fd_, 0, 1, IORING_ENTER_GETEVENTS) < 0) return false;
    uint32_t head = *cq_head_;
    if (head == __atomic_load_n(cq_tail_, __ATOMIC_ACQUIRE)) return false;
    int res = cqes_[head & cq_mask_].res;
    __atomic_store_n(cq_head_, head + 1, __ATOMIC_RELEASE);
    return res == -EAGAIN;
  }

  std::function<void()> ready_;
  uv_poll_t* poll_ = nullptr;
  uv_async_t* async_ = nullptr;
  int fd_ = -1;
  void* sq_ring_ = nullptr;
  void* cq_ring_ = nullptr;
  size_t sq_len_ = 0, cq_len_ = 0, sqes_len_ = 0;
  io_uring_sqe* sqes_ = nullptr;
  uint32_t *sq_tail_ = nullptr, *sq_array_ = nullptr, *sq_flags_ = nullptr;
  uint32_t *cq_head_ = nullptr, *cq_tail_ = nullptr;
  uint32_t sq_mask_ = 0, cq_mask_ = 0;
  uint32_t pending_tail_ = 0;
  io_uring_cqe* cqes_ = nullptr;
};

}  // namespace

std::unique_ptr<WordWatcher> WordWatcher::open(napi_env env, std::function<void()> ready) {
  auto w = std::make_unique<UringWatcher>(std::move(ready));
  if (!w->init() || !w->attach(env)) return nullptr;
  return w;
}

}  // namespace procsync
