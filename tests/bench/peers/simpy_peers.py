# tests/bench/peers/simpy_peers.py - kmsim's engine benchmarks, written for SimPy 3.
#
# The workloads of engine_bench's BM_thread_msleep and BM_mutex_handoff:
#   msleep         one process sleeping 1 ms, N times;
#   mutex_handoff  two processes taking one Resource(capacity=1) in turn, each
#                  holding it for 100 ns. (SimPy has no CPUs: the two
#                  processes stand for kmsim's two threads on two CPUs.)
# Prints "WORKLOAD NS_PER_EVENT" per workload: wall time divided by the
# sleeps or lock handoffs simulated. Run by tests/bench/peers/run with
# Debian's /usr/bin/python3, which python3-simpy3 installs for.
import sys
import time

import simpy


def sleeper(env, n):
    for _ in range(n):
        yield env.timeout(0.001)


def locker(env, mutex, n):
    for _ in range(n):
        with mutex.request() as req:
            yield req
            yield env.timeout(100e-9)


def main():
    workload, n = sys.argv[1], int(sys.argv[2])
    env = simpy.Environment()
    events = n
    if workload == "msleep":
        env.process(sleeper(env, n))
    else:
        mutex = simpy.Resource(env, capacity=1)
        env.process(locker(env, mutex, n))
        env.process(locker(env, mutex, n))
        events = 2 * n
    t0 = time.perf_counter_ns()
    env.run()
    print(f"{workload} {(time.perf_counter_ns() - t0) / events:.1f}")


if __name__ == "__main__":
    main()
