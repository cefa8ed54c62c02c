// Replaces the global operator new/delete with counting versions over malloc/free (ASan still
// checks the underlying heap). Only counting: behaviour is unchanged.
#include "tests/unit/loadgen/alloc_counter.h"

#include <sys/prctl.h>

#include <atomic>
#include <cstring>
#include <cstdlib>
#include <new>

namespace {
std::atomic<uint64_t> g_allocations{0};
std::atomic<uint64_t> g_loadgen_allocations{0};

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
}  // namespace

namespace wpm::loadgen::alloc_counter {
uint64_t count() { return g_allocations.load(std::memory_order_relaxed); }
uint64_t loadgen_thread_count() { return g_loadgen_allocations.load(std::memory_order_relaxed); }
}  // namespace wpm::loadgen::alloc_counter

void* operator new(std::size_t size) { return counted_alloc(size); }
void* operator new[](std::size_t size) { return counted_alloc(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
