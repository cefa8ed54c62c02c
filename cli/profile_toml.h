// The TOML form of a workload profile (core/profile.h), documented in docs/WORKERS.md:
//
//   [profile]
//   name = "api"
//   [[route]]
//   path = "/api/users/{id}"          # template; {name} matches one path segment
//   method = "GET"
//   weight = 60                       # relative
//   cpu = { dist = "lognormal", p50 = "2ms", p99 = "20ms" }
//   io = { dist = "fixed", value = "5ms" }
//   response_bytes = { dist = "uniform", min = 200, max = "4KiB" }
//   status = { 500 = 0.005, 404 = 0.01 }   # shares; the rest answers 200
//   raise = 0.001                     # handler raises (500, a failed request)
//
// Distributions: fixed {value}, uniform {min, max}, normal {mean, stddev},
// lognormal {p50, p99}, histogram {bounds = [...], weights = [...]}. Times take the CLI's
// duration forms ("250ms", "1m30s") or seconds as numbers; sizes take "4KiB" or bytes.
#pragma once

#include <string>

#include "core/profile.h"
#include "core/result.h"

namespace wpm::cli {

// Reads and validates a profile file; errors are `file:line:col: message`.
Result<Profile> read_profile_file(const std::string& path);
Result<Profile> parse_profile(const std::string& text, const std::string& source_name);

// The TOML text of a profile, readable by read_profile_file; `header` lines become comments.
std::string write_profile(const Profile& profile, const std::string& header);

}  // namespace wpm::cli
