#include "loadgen/execution_segment.h"

#include <charconv>

namespace wpm::loadgen {
namespace {

bool parse_u32(std::string_view text, uint32_t& out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

Result<ExecutionSegment> parse_segment(std::string_view text) {
  auto bad = [&text](const std::string& why) {
    return Error{"'" + std::string(text) + "': " + why + " (expected I/N, 0 <= I < N <= " +
                     std::to_string(kMaxSegments) + ", e.g. 0/4)",
                 kExitUsage};
  };
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return bad("no '/'");
  ExecutionSegment s;
  if (!parse_u32(text.substr(0, slash), s.index)) return bad("I is not a whole number");
  if (!parse_u32(text.substr(slash + 1), s.count)) return bad("N is not a whole number");
  if (s.count < 1 || s.count > kMaxSegments) return bad("N out of range");
  if (s.index >= s.count) return bad("I must be below N");
  return s;
}

uint64_t segment_share(uint64_t total, ExecutionSegment s) {
  return total / s.count + (s.index < total % s.count ? 1 : 0);
}

double segment_rate(double rate, ExecutionSegment s) { return rate / s.count; }

double segment_phase(uint32_t thread, uint32_t threads, ExecutionSegment s) {
  if (threads == 0) return 0;
  return (static_cast<double>(thread) * s.count + s.index) / (static_cast<double>(threads) * s.count);
}

uint64_t segment_seed(uint64_t seed, uint32_t thread, ExecutionSegment s) {
  // The whole scenario (0/1) keeps the seeds it always had: seed · 1000003 + thread.
  uint64_t base = seed * 1000003ull + thread;
  return s.whole() ? base : base + (uint64_t{s.index} + 1) * 0x9E3779B97F4A7C15ull;
}

}  // namespace wpm::loadgen
