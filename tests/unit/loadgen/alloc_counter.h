// Counts global operator new calls in this test binary, to prove hot paths do not allocate.
#pragma once

#include <cstdint>

namespace wpm::loadgen::alloc_counter {
uint64_t count();  // operator new calls so far, all threads
// operator new calls made by threads named "wpm-loadgen-*" (the engine's client threads).
uint64_t loadgen_thread_count();
// OpenSSL's own allocations (CRYPTO_malloc/realloc, not operator new) made by those threads.
uint64_t openssl_loadgen_thread_count();
}  // namespace wpm::loadgen::alloc_counter
