// The JSON report of a bench run (schema: docs/bench-report.schema.json, versioned by
// "schema_version") and its reader, used by the regression gate's --baseline.
#pragma once

#include <string>
#include <string_view>

#include "core/bench_result.h"
#include "core/result.h"

namespace wpm {

// Pretty-printed (2 spaces), keys in a fixed order, ending with a newline. Non-finite numbers
// (NaN, ±Inf) are written as null.
std::string render_bench_json(const BenchResult& result);

// Reads a report written by render_bench_json. Errors name the JSON path and what was expected
// (exit code kExitUsage: the file is user input). null numbers read back as NaN.
Result<BenchResult> parse_bench_json(std::string_view text);

}  // namespace wpm
