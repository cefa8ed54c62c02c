// Merges the final /metrics scrapes of several worker classes into one valid exposition: the
// classes share family names, so each family is written once and every series gains a
// worker_class label. A scrape (or family) that cannot be merged cleanly is left out with a
// "# wpm: …" comment saying why, so the whole text always passes the strict checker.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wpm {

struct ScrapeInput {
  std::string worker_class;
  std::string_view text;
};

// `reserved_prefix`: family names the merge must not take (the bench families' own prefix).
std::string merge_scrapes(const std::vector<ScrapeInput>& scrapes, std::string_view reserved_prefix);

}  // namespace wpm
