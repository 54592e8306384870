"""Python multiprocessing peer for the procsync benchmarks.

    python3 mp_bench.py <case> <iters> [reps=5] [placement=any]

Start method fork. Prints {"samples": [ns per op, one per rep]} on stdout; process
start-up and a warm-up pass are excluded. Exit code 2 on a wrong counter total.
placement: same (both processes on CPU 0), cross (CPU 0 and CPU 1), any (unpinned).
"""
import json
import multiprocessing as mp
import os
import signal
import sys
import time

ALARM_S = 60  # every process bounds its own life, even if the runner is killed
ITEM = {"i": 1, "s": "hello"}  # the small object of the Queue cases (same in JS)
ctx = mp.get_context("fork")


def pin(placement, role):
    cpu = {"same": 0, "cross": role}.get(placement)
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})


# --- single process -----------------------------------------------------------

def pair_loop(lock, iters, reps):
    acq, rel = lock.acquire, lock.release
    samples = []
    for r in range(-1, reps):
        t0 = time.perf_counter_ns()
        for _ in range(iters):
            acq()
            rel()
        if r >= 0:
            samples.append((time.perf_counter_ns() - t0) / iters)
    return samples


# --- two processes passing a turn back and forth ----------------------------
# Each case gives (a, b): a(objs, n) runs n round trips from the timing side,
# b(objs, n) answers n of them in the forked child.

def sem_a(o, n):
    s1, s2 = o
    for _ in range(n):
        s1.release()
        s2.acquire()


def sem_b(o, n):
    s1, s2 = o
    for _ in range(n):
        s1.acquire()
        s2.release()


def event_a(o, n):
    e1, e2 = o
    for _ in range(n):
        e1.set()
        e2.wait()
        e2.clear()


def event_b(o, n):
    e1, e2 = o
    for _ in range(n):
        e1.wait()
        e1.clear()  # cleared before answering, so the next set() is a new one
        e2.set()


def cond_a(o, n):
    cond, turn = o
    with cond:
        for _ in range(n):
            turn.value = 1
            cond.notify()
            while turn.value != 0:
                cond.wait()


def cond_b(o, n):
    cond, turn = o
    with cond:
        for _ in range(n):
            while turn.value != 1:
                cond.wait()
            turn.value = 0
            cond.notify()


def barrier_ab(o, n):
    w = o.wait
    for _ in range(n):
        w()


def queue_a(o, n):
    q1, q2 = o
    for _ in range(n):
        q1.put(ITEM)
        q2.get()


def queue_b(o, n):
    q1, q2 = o
    for _ in range(n):
        q2.put(q1.get())


PAIRS = {
    "sem_pingpong_sync": (lambda: (ctx.Semaphore(0), ctx.Semaphore(0)), sem_a, sem_b),
    "event_pingpong": (lambda: (ctx.Event(), ctx.Event()), event_a, event_b),
    "cond_pingpong": (lambda: (ctx.Condition(), ctx.RawValue("i", 0)), cond_a, cond_b),
    "barrier_round": (lambda: ctx.Barrier(2), barrier_ab, barrier_ab),
    "queue_roundtrip": (lambda: (ctx.Queue(), ctx.Queue()), queue_a, queue_b),
}


def pingpong(case, iters, reps, placement):
    make, a, b = PAIRS[case]
    objs = make()
    warm = iters // 10 + 10

    def child():
        signal.alarm(ALARM_S)
        pin(placement, 1)
        b(objs, warm + iters * reps)

    p = ctx.Process(target=child, daemon=True)
    p.start()
    pin(placement, 0)
    samples = []
    for r in range(-1, reps):
        n = warm if r < 0 else iters
        t0 = time.perf_counter_ns()
        a(objs, n)
        if r >= 0:
            samples.append((time.perf_counter_ns() - t0) / n)
    p.join()
    return samples


# --- one-way throughput: the child puts, the parent gets --------------------

def throughput(iters, reps, item):
    q, go = ctx.Queue(), ctx.Semaphore(0)

    def child():
        signal.alarm(ALARM_S)
        for _ in range(reps + 1):
            go.acquire()
            for _ in range(iters):
                q.put(item)

    p = ctx.Process(target=child, daemon=True)
    p.start()
    samples = []
    for r in range(-1, reps):
        t0 = time.perf_counter_ns()
        go.release()
        for _ in range(iters):
            q.get()
        if r >= 0:
            samples.append((time.perf_counter_ns() - t0) / iters)
    p.join()
    return samples


# --- contended counter: nproc processes, a Lock and a shared Value('i') ------

def counter(nproc, iters, reps):
    samples = []
    for r in range(-1, reps):
        lock, v = ctx.Lock(), ctx.Value("i", 0, lock=False)
        times = ctx.Array("q", 2 * nproc, lock=False)
        start = ctx.Barrier(nproc)

        def worker(k):
            signal.alarm(ALARM_S)
            start.wait()  # fork and start-up excluded
            t0 = time.monotonic_ns()
            for _ in range(iters):
                with lock:
                    v.value += 1
            times[2 * k], times[2 * k + 1] = t0, time.monotonic_ns()

        ps = [ctx.Process(target=worker, args=(k,), daemon=True) for k in range(nproc)]
        for p in ps:
            p.start()
        for p in ps:
            p.join()
        if v.value != nproc * iters:
            print(f"wrong total: {v.value} != {nproc * iters}", file=sys.stderr)
            sys.exit(2)
        wall = max(times[1::2]) - min(times[0::2])  # CLOCK_MONOTONIC is system-wide
        if r >= 0:
            samples.append(wall / (nproc * iters))
    return samples


def main():
    case, iters = sys.argv[1], int(sys.argv[2])
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    placement = sys.argv[4] if len(sys.argv) > 4 else "any"
    signal.alarm(ALARM_S)
    if case == "lock_pair_sync":
        samples = pair_loop(ctx.Lock(), iters, reps)
    elif case == "rlock_pair":
        samples = pair_loop(ctx.RLock(), iters, reps)
    elif case in PAIRS:
        samples = pingpong(case, iters, reps, placement)
    elif case == "queue_throughput":
        samples = throughput(iters, reps, ITEM)
    elif case == "queue_throughput_int":
        samples = throughput(iters, reps, 7)
    elif case in ("counter_2", "counter_4"):
        samples = counter(int(case[-1]), iters, reps)
    else:
        print(f"unknown case {case}", file=sys.stderr)
        sys.exit(1)
    print(json.dumps({"samples": samples}))


if __name__ == "__main__":
    main()
