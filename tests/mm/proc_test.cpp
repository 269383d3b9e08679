// tests/mm/proc_test.cpp - /proc views in the kernel's formats.
#include "harness.h"

#include "mm/proc.h"

using namespace kmsim;
using namespace kmsim::test;

TEST_CASE("/proc/buddyinfo lists populated zones with nr_free per order", "[mm][proc]")
{
    mm::node n(mm_fixture::with_memory(64 * MiB));
    CHECK(mm::proc_buddyinfo(n) ==
          "Node 0, zone      DMA      2      2      2      2      2      1      1      0      1      1      3 \n"
          "Node 0, zone    DMA32      0      0      0      0      0      0      0      0      0      0     12 \n");
}

TEST_CASE("/proc/zoneinfo: watermarks, spans and protection; empty zones stop early", "[mm][proc]")
{
    mm::node n(mm_fixture::with_memory(64 * MiB));
    mm::vm_counters v;
    std::string z = mm::proc_zoneinfo(n, v);
    CHECK(z.rfind("Node 0, zone      DMA\n  per-node stats\n      nr_inactive_anon 0\n", 0) == 0);
    // THP's min_free_kbytes (3180) sets the watermarks.
    CHECK(z.find("\n  pages free     3998\n        boost    0\n        min      195\n        low      243\n"
                 "        high     291\n        promo    339\n        spanned  4095\n        present  3998\n"
                 "        managed  3998\n        cma      0\n        protection: (0, 48, 48)\n"
                 "      nr_free_pages 3998\n") != std::string::npos);
    CHECK(z.find("\n  node_unreclaimable:  0\n  start_pfn:           1\n") != std::string::npos);
    CHECK(z.find("Node 0, zone    DMA32\n  pages free     12288\n") != std::string::npos);
    // Normal is empty: header, numbers through protection, then nothing.
    CHECK(z.size() > 0);
    std::string tail = z.substr(z.find("Node 0, zone   Normal"));
    CHECK(tail ==
          "Node 0, zone   Normal\n  pages free     0\n        boost    0\n        min      0\n        low      0\n"
          "        high     0\n        promo    0\n        spanned  0\n        present  0\n        managed  0\n"
          "        cma      0\n        protection: (0, 0, 0)\n");
}

TEST_CASE("/proc/meminfo lines are 16-wide labels and 8-wide kB values", "[mm][proc]")
{
    mm::node n(mm_fixture::with_memory(64 * MiB));
    mm::vm_counters v;
    std::string mi = mm::proc_meminfo(n, v);
    CHECK(mi.rfind("MemTotal:          65144 kB\nMemFree:           65144 kB\n", 0) == 0);
    // MemAvailable = free - totalreserve; totalreserve = (291 + 48) + (897 + 0) pages
    // (the watermarks of THP's min_free_kbytes, 3180)
    CHECK(mi.find("MemAvailable:      60200 kB\n") != std::string::npos);
    CHECK(mi.find("SUnreclaim:            0 kB\n") != std::string::npos);
}

TEST_CASE("/proc/vmstat prints name value lines and ends with nr_unstable", "[mm][proc]")
{
    mm::node n(mm_fixture::with_memory(64 * MiB));
    mm::vm_counters v;
    v[mm::PGALLOC_DMA32] = 7;
    std::string s = mm::proc_vmstat(n, v);
    CHECK(s.rfind("nr_free_pages 16286\nnr_zone_inactive_anon 0\n", 0) == 0);
    CHECK(s.find("\npgalloc_dma32 7\n") != std::string::npos);
    CHECK(s.find("\nallocstall_normal 0\n") != std::string::npos);
    CHECK(s.size() > 20);
    CHECK(s.substr(s.size() - 14) == "nr_unstable 0\n");
}
