// Replaces the global operator new/delete with counting versions over malloc/free (ASan still
// checks the underlying heap). Only counting: behaviour is unchanged.
#include "tests/unit/loadgen/alloc_counter.h"

#include <openssl/crypto.h>
#include <sys/prctl.h>

#include <atomic>
#include <cstring>
#include <cstdlib>
#include <new>

namespace {
std::atomic<uint64_t> g_allocations{0};
std::atomic<uint64_t> g_loadgen_allocations{0};
std::atomic<uint64_t> g_openssl_loadgen_allocations{0};

bool in_loadgen_thread() {
  char name[16] = {};
  prctl(PR_GET_NAME, name, 0, 0, 0);  // the calling thread's name; no allocation
  return std::strncmp(name, "wpm-loadgen-", 12) == 0;
}

void* counted_alloc(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (in_loadgen_thread()) g_loadgen_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* openssl_malloc(std::size_t size, const char*, int) {
  if (in_loadgen_thread()) g_openssl_loadgen_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size);
}

void* openssl_realloc(void* p, std::size_t size, const char*, int) {
  if (in_loadgen_thread()) g_openssl_loadgen_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::realloc(p, size);
}

void openssl_free(void* p, const char*, int) { std::free(p); }

// Before main, so before OpenSSL's first allocation (it refuses the hooks after one).
const bool g_openssl_hooked = CRYPTO_set_mem_functions(openssl_malloc, openssl_realloc, openssl_free) == 1;
}  // namespace

namespace wpm::loadgen::alloc_counter {
uint64_t count() { return g_allocations.load(std::memory_order_relaxed); }
uint64_t loadgen_thread_count() { return g_loadgen_allocations.load(std::memory_order_relaxed); }
uint64_t openssl_loadgen_thread_count() {
  if (!g_openssl_hooked) std::abort();  // a silent zero would prove nothing
  return g_openssl_loadgen_allocations.load(std::memory_order_relaxed);
}
}  // namespace wpm::loadgen::alloc_counter

void* operator new(std::size_t size) { return counted_alloc(size); }
void* operator new[](std::size_t size) { return counted_alloc(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
