// The console report of a bench run: one summary row per worker class, then the details of
// each class (errors by kind, restarts, injected events, workers, reconciliation verdict).
#pragma once

#include <string>

#include "core/bench_result.h"

namespace wpm {

std::string render_console(const BenchResult& result);

// "connect 2, reset 5, HTTP 500 x11" ("none" when clean).
std::string describe_errors(const ErrorCounts& errors);

uint64_t total_errors(const ErrorCounts& errors);

// Errors (transport errors and non-2xx/3xx responses) over the requests that ended (responses
// plus transport errors); 0 when nothing ended. What --max-error-ratio limits.
double error_ratio(const ClassResult& c);

}  // namespace wpm
