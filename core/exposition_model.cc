#include "core/exposition_model.h"

#include <cstdio>
#include <cstdlib>

namespace wpm {

bool ExpoFamily::has_label(std::string_view label_name) const {
  for (std::string_view n : label_names)
    if (n == label_name) return true;
  return false;
}

size_t ExpoFamily::label(std::string_view label_name) const {
  for (size_t i = 0; i < label_names.size(); ++i)
    if (label_names[i] == label_name) return i;
  std::fprintf(stderr, "bug: family %s has no label %.*s in its table\n", name.c_str(),
               static_cast<int>(label_name.size()), label_name.data());
  std::abort();
}

ExpoSample& ExpoFamily::add(double value) {
  ExpoSample& s = samples.emplace_back();
  s.value = value;
  return s;
}

ExpoSample& ExpoFamily::add_histogram(std::span<const uint64_t> cumulative, double sum) {
  ExpoSample& s = samples.emplace_back();
  s.cumulative = cumulative;
  s.sum = sum;
  return s;
}

ExpoFamily make_family(const MetricDef& def, std::string_view prefix) {
  ExpoFamily f;
  f.name.reserve(prefix.size() + 1 + def.suffix.size());
  f.name.append(prefix).append("_").append(def.suffix);
  f.type = def.type;
  f.help = def.help;
  f.label_names = def.labels;
  f.bounds = def.buckets;
  return f;
}

}  // namespace wpm
