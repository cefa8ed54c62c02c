// Counts global operator new calls in this test binary, to prove hot paths do not allocate.
#pragma once

#include <cstdint>

namespace wpm::loadgen::alloc_counter {
uint64_t count();  // operator new calls so far, all threads
}  // namespace wpm::loadgen::alloc_counter
