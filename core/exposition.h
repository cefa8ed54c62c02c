// The pool's exposition: a snapshot turned into the families of the metric table (the model of
// exposition_model.h), and written as Prometheus text by prom_text.h for /metrics.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/exposition_model.h"
#include "core/prom_text.h"
#include "core/snapshot.h"

namespace wpm {

// One family per entry of metric_table(), in table order. Samples view `pool`'s strings and
// histograms: keep it alive while the families are used.
std::vector<ExpoFamily> pool_families(const PoolSnapshot& pool, std::string_view prefix);

std::string render_prometheus(const PoolSnapshot& pool, std::string_view prefix);

}  // namespace wpm
