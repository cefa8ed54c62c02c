// A strict validator of the Prometheus text format 0.0.4: it catches what promtool and the
// Pushgateway let through (duplicate series, unordered or non-cumulative buckets, +Inf != count,
// non-contiguous families, timestamps in push payloads, CR LF endings). Used before every push
// and by tests as "our own strict checker" of wpm's /metrics output.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "reports/exposition_parse.h"

namespace wpm {

struct CheckOptions {
  bool allow_timestamps = true;  // false for push payloads: the Pushgateway rejects them
  bool require_type = true;      // every sample's family has a TYPE line
  bool require_help = false;
};

// What the Pushgateway accepts: no timestamps; untyped samples (`foo 1`) are valid text format.
inline constexpr CheckOptions kPushPayloadRules{.allow_timestamps = false, .require_type = false};

// Every problem found, in line order, each a readable "line N: …" sentence. Empty = valid.
std::vector<std::string> check_exposition(std::string_view text, const CheckOptions& options = {});

// The same, structured, for callers that format their own messages.
std::vector<prom::Problem> check_exposition_problems(std::string_view text,
                                                     const CheckOptions& options = {});

// The checks that need only the parsed form (used on merged expositions too).
void check_parsed(const prom::Exposition& exposition, const CheckOptions& options,
                  std::vector<prom::Problem>& problems);

}  // namespace wpm
