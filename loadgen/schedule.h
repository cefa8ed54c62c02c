// Open-loop arrival schedule of one thread: the INTENDED send time of every request, fixed in
// advance and independent of how fast the server answers (no coordinated omission).
#pragma once

#include <cstdint>
#include <random>

namespace wpm::loadgen {

class ArrivalSchedule {
 public:
  // phase in [0, 1): where in its interval this thread's first arrival falls, so that
  // constant-rate threads interleave evenly instead of firing together.
  ArrivalSchedule(double rate_per_s, bool poisson, uint64_t seed, double phase);
  void begin(uint64_t start_ns);
  uint64_t next_ns() const { return next_ns_; }  // intended time of the next request
  void advance();
  uint64_t issued() const { return index_; }  // arrivals consumed since begin()

 private:
  void compute();
  double rate_;
  bool poisson_;
  std::mt19937_64 rng_;
  double phase_;
  uint64_t start_ns_ = 0;
  uint64_t index_ = 0;
  double offset_s_ = 0;  // Poisson: running sum of inter-arrival gaps
  uint64_t next_ns_ = 0;
};

}  // namespace wpm::loadgen
