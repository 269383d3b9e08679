// tests/scenarios/kernel_api_test.cpp - the table of kernel calls: complete, parsed from, documented.
#include "scenarios/kernel_api.h"
#include "scenarios/parser.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

using namespace kmsim::scenarios;

TEST_CASE("every kernel call is described in full", "[scenarios][kernel_api]")
{
    std::set<std::string_view> names;
    for (const auto& c : kernel_calls()) {
        INFO(c.name);
        CHECK(names.insert(c.name).second);
        CHECK(c.handler != nullptr);
        CHECK_FALSE(c.doc.empty());
        CHECK(c.signature.find(std::string(c.name) + "(") != std::string_view::npos);
        CHECK(find_kernel_call(c.name) == &c);
    }
    CHECK(kernel_calls().size() >= 60);
    CHECK(find_kernel_call("kmalloc")->gfp_arg() == 1);
    CHECK(find_kernel_call("alloc_pages")->gfp_arg() == 0);
    CHECK(find_kernel_call("kfree")->gfp_arg() == -1);
}

TEST_CASE("the parser takes every call in the table, with the table's arguments", "[scenarios][kernel_api]")
{
    for (const auto& c : kernel_calls()) {
        INFO(c.name);
        std::vector<std::string> args;
        for (arg_kind k : c.args) {
            switch (k) {
            case arg_kind::value: args.push_back("1"); break;
            case arg_kind::gfp: args.push_back("GFP_KERNEL"); break;
            case arg_kind::spinlock: args.push_back("sl"); break;
            case arg_kind::mutex: args.push_back("mx"); break;
            case arg_kind::rwsem: args.push_back("rw"); break;
            case arg_kind::completion: args.push_back("done"); break;
            case arg_kind::cache: args.push_back("objs"); break;
            case arg_kind::device: args.push_back("disk"); break;
            case arg_kind::format: args.push_back("\"x\""); break;
            case arg_kind::name: args.push_back("\"name\""); break;
            case arg_kind::slab_flags: args.push_back("SLAB_HWCACHE_ALIGN"); break;
            case arg_kind::ctor: args.push_back("NULL"); break;
            case arg_kind::comm: args.push_back("\"worker\""); break;
            case arg_kind::waitqueue: args.push_back("wq"); break;
            case arg_kind::mempool: args.push_back("pool"); break;
            case arg_kind::workqueue: args.push_back("events"); break;
            case arg_kind::work: args.push_back("job"); break;
            case arg_kind::timer: args.push_back("tick"); break;
            case arg_kind::tasklet: args.push_back("bh"); break;
            case arg_kind::func: args.push_back("fn"); break;
            case arg_kind::condition: args.push_back("x > 0"); break;
            case arg_kind::timeout: args.push_back("10ms"); break;
            }
        }
        const std::string decls = "lock sl spinlock\nlock mx mutex\nlock rw rwsem\ncompletion done\ncache objs size=64\n"
                                  "blockdev disk latency=1ms\nend\nwaitqueue wq\nmempool pool min=2 size=64\nfunc fn(arg)\n  return arg\nend\n"
                                  "workqueue events flags=WQ_MEM_RECLAIM\nwork job\n  x = 1\nend\n"
                                  "timer tick\n  x = 1\nend\ntasklet bh\n  x = 1\nend\n";
        const std::string text = fmt::format("{}thread t\n  x = 1\n  {}({})\nend\n", decls, c.name, fmt::join(args, ", "));
        CHECK_NOTHROW(parse_scenario(text, "t.kms"));
        if (!c.args.empty() && !c.variadic) {
            // One argument too many is refused with the table's count.
            args.push_back("1");
            const std::string extra =
                fmt::format("{}thread t\n  x = 1\n  {}({})\nend\n", decls, c.name, fmt::join(args, ", "));
            CHECK_THROWS_AS(parse_scenario(extra, "t.kms"), scenario_error);
        }
    }
}

TEST_CASE("docs/kernel-api.md is the table's, generated", "[scenarios][kernel_api][golden]")
{
    const std::string path = KMSIM_TEST_DIR "/../docs/kernel-api.md";
    const std::string md = kernel_api_markdown();
    if (std::getenv("KMSIM_UPDATE_GOLDEN"))
        std::ofstream(path, std::ios::binary) << md;
    std::ifstream in(path, std::ios::binary);
    std::stringstream doc;
    doc << in.rdbuf();
    INFO("regenerate with: KMSIM_UPDATE_GOLDEN=1 build/tests/scenarios_test '[kernel_api]'");
    CHECK(doc.str() == md);
}
