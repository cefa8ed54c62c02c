// Whether a class run measured something meaningful. A run fails (exit 3) when a class had no
// successful response, when an injected signal was not delivered, when its error ratio exceeds
// --max-error-ratio, or when client and server counts do not reconcile. The reasons are part
// of every report, so a red CI job says why.
#pragma once

#include <string>

#include "bench/options.h"
#include "core/bench_result.h"

namespace wpm::bench {

// The verdict of one class from its figures.
Verdict judge_class(const ClassResult& c, double max_error_ratio);

// The run's verdict: every class's reasons prefixed by its name, plus the classes that could
// not run at all (`failures`, "sync: pool did not start ...").
Verdict judge_run(const std::vector<ClassResult>& classes, const std::vector<std::string>& failures);

}  // namespace wpm::bench
