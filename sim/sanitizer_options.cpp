// sim/sanitizer_options.cpp - the sanitizers' defaults in every kmsim program.
//
// Owns: how an ASan or UBSan report ends a process: exit status 99, which no
// kmsim program uses (0 success, 1 an expectation failed, 2 bad input, 3
// kmsim's own bug). ASAN_OPTIONS and UBSAN_OPTIONS still override these.
// In a build without sanitizers nothing calls them.
extern "C" {

// NOLINTNEXTLINE(bugprone-reserved-identifier): the sanitizer runtimes' hooks.
const char* __asan_default_options() { return "exitcode=99"; }
const char* __ubsan_default_options() { return "exitcode=99:print_stacktrace=1"; }

}  // extern "C"
