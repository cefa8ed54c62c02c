// Parsers and checks for option values, shared by flags and TOML keys (cli/flag_model.h). Each
// returns an error whose message says what was expected and quotes what was given; the caller
// prefixes the flag or the TOML key, so every message names where the value came from.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace wpm::cli {

// "1m30s", "250ms", "2h", "1.5s", "90us", or bare seconds ("1.5"): non-negative seconds.
// Units in a compound value must go from larger to smaller, each at most once.
Result<double> parse_duration(std::string_view text);
// "64MiB", "512k", "1.5GB", "4096" (bytes): KiB/MiB/GiB/TiB are powers of 1024,
// k/K/KB, M/MB, G/GB, T/TB powers of 1000.
Result<uint64_t> parse_size(std::string_view text);

// The same with a range; the message shows the range ("expected ... in 1..512").
Result<int64_t> parse_count(std::string_view text, int64_t lo, int64_t hi);
Result<double> parse_number(std::string_view text, double lo, double hi);
Result<double> parse_duration_in(std::string_view text, double lo_s, double hi_s);
Result<uint64_t> parse_size_in(std::string_view text, uint64_t lo, uint64_t hi);

// Shortest readable form: 0s, 250ms, 1.5s, 90s -> 1m30s, 2h.
std::string format_duration(double seconds);
// 4096 -> 4KiB, 1000 -> 1000 (bytes): exact powers of 1024 get a suffix.
std::string format_size(uint64_t bytes);
std::string format_number(double value);

// Checks of text values (Status: ok or the reason).
Status check_metric_prefix(const std::string& text);  // a Prometheus metric-name prefix
Status check_label_pair(const std::string& text);     // K=V, K a Prometheus label name
Status check_request_path(const std::string& text);   // "/…", no spaces or control characters
Status check_pool_name(const std::string& text);      // a runtime-directory name
Status check_http_url(const std::string& text);       // http(s)://host[:port][/path]
Status check_not_empty(const std::string& text);
Status check_output_path(const std::string& text);    // a file path, "-" for stdout, "" default

}  // namespace wpm::cli
