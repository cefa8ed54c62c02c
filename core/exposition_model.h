// The exposition model: plain structs of metric families and their samples, the one form every
// exposition wpm writes passes through (/metrics, the bench report, push payloads). A family
// takes its name, type, help, label names and bucket bounds from a table (MetricDef in core,
// BenchFamilyDef in reports); code that fills it supplies label values and numbers only.
#pragma once

#include <array>
#include <cstdint>
#include <forward_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/metric_table.h"

namespace wpm {

struct ExpoSample {
  std::array<std::string_view, kMaxLabels> labels{};  // values, in ExpoFamily::label_names order
  double value = 0;                                   // counters and gauges
  std::span<const uint64_t> cumulative;  // histograms: a count per bound, then +Inf (= count)
  double sum = 0;                        // histograms
};

// Label values nothing else keeps alive (numbers turned into text). Nodes never move, so the
// samples' views stay valid when the family moves; a copy would leave them pointing into the
// original, hence move-only.
class KeptText {
 public:
  KeptText() = default;
  KeptText(KeptText&&) = default;
  KeptText& operator=(KeptText&&) = default;
  KeptText(const KeptText&) = delete;
  KeptText& operator=(const KeptText&) = delete;
  std::string_view keep(std::string text) { return texts_.emplace_front(std::move(text)); }

 private:
  std::forward_list<std::string> texts_;
};

// Samples view their label values (and histogram counts): whatever they point into must outlive
// the family, or be handed to keep().
struct ExpoFamily {
  std::string name;
  MetricType type = MetricType::gauge;
  std::string_view help;
  std::span<const std::string_view> label_names;
  std::span<const double> bounds;  // histograms: bucket bounds without +Inf
  std::vector<ExpoSample> samples;
  KeptText kept;

  // Where a label sits in label_names; a name the table does not give this family is a bug
  // (abort naming both).
  size_t label(std::string_view label_name) const;
  bool has_label(std::string_view label_name) const;
  ExpoSample& add(double value);
  ExpoSample& add_histogram(std::span<const uint64_t> cumulative, double sum);
  std::string_view keep(std::string text) { return kept.keep(std::move(text)); }
};

// An empty family of the pool's metric table, its name prefixed ("gunicorn" → gunicorn_…).
ExpoFamily make_family(const MetricDef& def, std::string_view prefix);

}  // namespace wpm
