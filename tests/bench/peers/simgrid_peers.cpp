// tests/bench/peers/simgrid_peers.cpp - kmsim's engine benchmarks, written for SimGrid's s4u API.
//
// The workloads of engine_bench's BM_thread_msleep and BM_mutex_handoff:
//   msleep         one actor sleeping 1 ms, N times;
//   mutex_handoff  two actors on two hosts taking one mutex in turn, each
//                  holding it for 100 ns of computation (100 flops at 1 Gf).
// Prints "WORKLOAD NS_PER_EVENT" per workload: wall time divided by the
// sleeps or lock handoffs simulated. Built and run by tests/bench/peers/run.
#include <simgrid/s4u.hpp>

#include <chrono>
#include <cstdio>
#include <string>

namespace sg4 = simgrid::s4u;

namespace {

double wall_ns(const std::chrono::steady_clock::time_point& t0)
{
    return static_cast<double>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
}

// One workload in one simulation: SimGrid allows one Engine per process run,
// so the script runs this program once per workload.
void run(const std::string& workload, long n, int argc, char** argv)
{
    sg4::Engine e(&argc, argv);
    sg4::NetZone* zone = sg4::create_full_zone("machine");
    sg4::Host* cpu0 = zone->create_host("cpu0", 1e9);
    sg4::Host* cpu1 = zone->create_host("cpu1", 1e9);
    zone->seal();

    if (workload == "msleep") {
        sg4::Actor::create("sleeper", cpu0, [n] {
            for (long i = 0; i < n; ++i)
                sg4::this_actor::sleep_for(0.001);
        });
    } else {
        sg4::MutexPtr mu = sg4::Mutex::create();
        auto body = [mu, n] {
            for (long i = 0; i < n; ++i) {
                mu->lock();
                sg4::this_actor::execute(100);  // 100 ns at 1 Gf
                mu->unlock();
            }
        };
        sg4::Actor::create("a", cpu0, body);
        sg4::Actor::create("b", cpu1, body);
        n *= 2;
    }
    const auto t0 = std::chrono::steady_clock::now();
    e.run();
    std::printf("%s %.1f\n", workload.c_str(), wall_ns(t0) / static_cast<double>(n));
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: simgrid_peers msleep|mutex_handoff N [SimGrid options]\n");
        return 2;
    }
    const std::string workload = argv[1];
    const long n = std::stol(argv[2]);
    // SimGrid sees its own options (--log=..., --cfg=...) after the two of ours.
    argv[2] = argv[0];
    run(workload, n, argc - 2, argv + 2);
    return 0;
}
