#include "reports/slo_report.h"

#include "reports/format.h"

namespace wpm {

std::string describe_slo_search(const SloSearch& search) {
  std::string out = search.objective + ": ";
  out += search.met ? format_rate(search.max_rate) + " req/s within it"
                    : std::string("not met at any rate tried");
  std::string tried;
  for (const SloStep& s : search.steps) {
    if (s.rate == 0) {
      out += " (closed-loop probe " + format_rate(s.achieved_rate) + " req/s";
      continue;
    }
    tried += (tried.empty() ? "" : ", ") + format_rate(s.rate) + (s.met ? " yes" : " no");
  }
  return out + (tried.empty() ? ")" : "; tried " + tried + ")");
}

std::string describe_recommendation(const BenchResult& result) {
  if (!result.recommendation) return "";
  const Recommendation& r = *result.recommendation;
  std::string by_class;
  for (const ClassResult& c : result.classes)
    if (c.slo)
      by_class += (by_class.empty() ? "" : ", ") + c.worker_class + " " +
                  (c.slo->met ? format_rate(c.slo->max_rate) : std::string("none"));
  if (r.worker_class.empty())
    return "no class met " + r.objective + " at any rate tried (" + by_class + ")";
  std::string shape = std::to_string(r.workers) + " worker" + (r.workers == 1 ? "" : "s");
  if (r.threads > 0) shape += " x " + std::to_string(r.threads) + " threads";
  std::string out = r.worker_class + " with " + shape + ": " + format_rate(r.rate) +
                    " req/s within " + r.objective + " (req/s by class: " + by_class + ")";
  for (const std::string& t : r.ties)
    out += "; " + t + " is within 5 %: a tie at this search's resolution";
  if (r.client_bound)
    out += "; the answer is the closed-loop ceiling of --connections: raise it to find the pool's limit";
  return out;
}

}  // namespace wpm
