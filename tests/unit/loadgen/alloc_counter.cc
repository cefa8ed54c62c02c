// Replaces the global operator new/delete with counting versions over malloc/free (ASan still
// checks the underlying heap). Only counting: behaviour is unchanged.
#include "tests/unit/loadgen/alloc_counter.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<uint64_t> g_allocations{0};

void* counted_alloc(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
}  // namespace

namespace wpm::loadgen::alloc_counter {
uint64_t count() { return g_allocations.load(std::memory_order_relaxed); }
}  // namespace wpm::loadgen::alloc_counter

void* operator new(std::size_t size) { return counted_alloc(size); }
void* operator new[](std::size_t size) { return counted_alloc(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
