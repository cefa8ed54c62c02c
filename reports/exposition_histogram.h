// The per-series rules of histograms and summaries: ordered, cumulative buckets ending in +Inf
// that equals _count; _sum and _count present; quantiles within [0, 1]. Internal to reports/.
#pragma once

#include <vector>

#include "reports/exposition_parse.h"

namespace wpm {

void check_histogram(const prom::Family& family, std::vector<prom::Problem>& out);
void check_summary(const prom::Family& family, std::vector<prom::Problem>& out);

}  // namespace wpm
