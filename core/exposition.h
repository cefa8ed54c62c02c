// Prometheus text exposition (format 0.0.4) of a pool snapshot, driven by the metric table.
#pragma once

#include <string>
#include <string_view>

#include "core/snapshot.h"

namespace wpm {

inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string render_prometheus(const PoolSnapshot& pool, std::string_view prefix);

// Appends a sample value: integers without a decimal point, +Inf/-Inf/NaN spelled as Prometheus
// expects, other doubles in their shortest round-trip form.
void append_number(std::string& out, double value);
void append_escaped_label_value(std::string& out, std::string_view value);

}  // namespace wpm
