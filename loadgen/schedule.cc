#include "loadgen/schedule.h"

#include <cmath>

namespace wpm::loadgen {

ArrivalSchedule::ArrivalSchedule(double rate_per_s, bool poisson, uint64_t seed, double phase)
    : rate_(rate_per_s), poisson_(poisson), rng_(seed), phase_(phase) {}

void ArrivalSchedule::begin(uint64_t start_ns) {
  start_ns_ = start_ns;
  index_ = 0;
  offset_s_ = 0;
  compute();
}

void ArrivalSchedule::advance() {
  ++index_;
  compute();
}

void ArrivalSchedule::compute() {
  if (poisson_) {
    // -ln(U)/rate with U in (0, 1]: exponential gaps, a memoryless arrival process.
    double u = 1.0 - std::generate_canonical<double, 53>(rng_);
    offset_s_ += -std::log(u) / rate_;
  } else {
    // From the index, not by accumulation, so rounding never drifts over long runs.
    offset_s_ = (static_cast<double>(index_) + phase_) / rate_;
  }
  next_ns_ = start_ns_ + static_cast<uint64_t>(offset_s_ * 1e9);
}

}  // namespace wpm::loadgen
