// sim/sanitizer.h - whether AddressSanitizer instruments this build.
//
// Owns: one spelling of the question for GCC (__SANITIZE_ADDRESS__) and
// clang (__has_feature), so that fiber switches are annotated and stacks
// sized the same way whichever compiler builds kmsim.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define KMSIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KMSIM_ASAN 1
#endif
#endif
