// The one writer of the Prometheus text format 0.0.4. /metrics, the bench report (and so every
// push payload wpm builds), the merge of scraped texts and the checker's series keys all spell
// HELP/TYPE lines, samples, label escapes and numbers here.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/exposition_model.h"

namespace wpm {

inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

// Integers without a decimal point, +Inf/-Inf/NaN as Prometheus spells them, bucket-like bounds
// in fixed notation ("0.0005"), other doubles in their shortest round-trip form.
void append_number(std::string& out, double value);
void append_escaped_label_value(std::string& out, std::string_view value);  // \\ \" \n
void append_escaped_help(std::string& out, std::string_view help);          // \\ \n

// "# HELP name help\n# TYPE name type\n".
void append_family_header(std::string& out, std::string_view name, std::string_view help,
                          std::string_view type);

// One sample line, written left to right with no allocation of its own:
//   SampleLine(out, name, "_bucket").label("worker_id", id).label("le", "0.5").value(3);
class SampleLine {
 public:
  SampleLine(std::string& out, std::string_view name, std::string_view suffix = {});
  SampleLine& label(std::string_view name, std::string_view value);
  // Any range of labels with .name and .value members.
  template <class Labels>
  SampleLine& labels(const Labels& list) {
    for (const auto& l : list) label(l.name, l.value);
    return *this;
  }
  // Closes the label set ("…}"); value() does it too. Enough for a series key.
  void close_labels();
  void value(double v, std::optional<int64_t> timestamp_ms = std::nullopt);

 private:
  std::string& out_;
  bool open_ = false;
};

// A family of the model: its header, then every sample; a histogram sample becomes its
// _bucket lines (le from the family's bounds, then +Inf), _sum and _count.
void append_family(std::string& out, const ExpoFamily& family);
std::string write_exposition(std::span<const ExpoFamily> families, size_t size_hint = 0);

}  // namespace wpm
