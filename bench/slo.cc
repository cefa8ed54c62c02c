#include "bench/slo.h"

#include <cmath>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "core/text.h"
#include "reports/console_report.h"

namespace wpm::bench {
namespace {

Error term_error(const std::string& term, const std::string& why) {
  return Error{"--slo: '" + term + "': " + why +
                   " (e.g. 'p99<50ms', 'errors<1%', joined by commas)",
               kExitUsage};
}

// "50ms", "1.5s", "250us" → seconds.
std::optional<double> parse_latency(const std::string& text) {
  size_t unit = text.find_first_not_of("0123456789.");
  if (unit == 0 || unit == std::string::npos) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + unit || !(v > 0)) return std::nullopt;
  std::string u = text.substr(unit);
  if (u == "s") return v;
  if (u == "ms") return v / 1e3;
  if (u == "us") return v / 1e6;
  return std::nullopt;
}

std::optional<double> parse_percentile(const std::string& name) {
  if (name == "p50") return 50;
  if (name == "p90") return 90;
  if (name == "p99") return 99;
  if (name == "p99.9" || name == "p999") return 99.9;
  return std::nullopt;
}

// "1%" → 0.01; "0.01" → 0.01.
std::optional<double> parse_ratio(const std::string& text) {
  bool percent = !text.empty() && text.back() == '%';
  std::string digits = percent ? text.substr(0, text.size() - 1) : text;
  if (digits.empty() || digits.find_first_not_of("0123456789.") != std::string::npos)
    return std::nullopt;
  double v = std::strtod(digits.c_str(), nullptr) / (percent ? 100 : 1);
  if (v < 0 || v > 1) return std::nullopt;
  return v;
}

Status add_term(SloObjective& o, const std::string& term) {
  size_t lt = term.find('<');
  if (lt == std::string::npos) return term_error(term, "expected NAME<LIMIT");
  std::string name = term.substr(0, lt), limit = term.substr(lt + 1);
  if (name == "errors") {
    std::optional<double> r = parse_ratio(limit);
    if (!r) return term_error(term, "the error limit is a ratio in 0..1 or a percentage");
    if (o.max_error_ratio >= 0) return term_error(term, "errors are bounded twice");
    o.max_error_ratio = *r;
    return {};
  }
  std::optional<double> p = parse_percentile(name);
  if (!p) return term_error(term, "unknown measure '" + name + "' (p50 p90 p99 p99.9 errors)");
  std::optional<double> s = parse_latency(limit);
  if (!s) return term_error(term, "the latency limit needs a unit: us, ms or s");
  if (o.max_latency_s > 0) return term_error(term, "latency is bounded twice");
  o.percentile = *p;
  o.max_latency_s = *s;
  return {};
}

double latency_at(const LatencySummary& l, double percentile) {
  if (percentile == 50) return l.p50_s;
  if (percentile == 90) return l.p90_s;
  if (percentile == 99) return l.p99_s;
  return l.p999_s;
}

void record(SloSearch& search, const SloStep& step) {
  search.steps.push_back(step);
  if (step.met && step.rate > search.max_rate) {
    search.max_rate = step.rate;
    search.met = true;
  }
}

}  // namespace

Result<SloObjective> parse_slo(const std::string& text) {
  SloObjective o;
  o.text = text;
  std::string_view rest = text;
  while (true) {
    size_t comma = rest.find(',');
    std::string term(trim_blanks(rest.substr(0, comma)));
    if (Status s = add_term(o, term); !s) return s.error();
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (o.max_latency_s <= 0 && o.max_error_ratio < 0)
    return term_error(text, "no latency or error bound");
  return o;
}

SloStep judge_step(const ClassResult& run, double asked_rate, const SloObjective& objective) {
  SloStep step;
  step.rate = asked_rate;
  step.achieved_rate = run.achieved_rate;
  step.latency_s = latency_at(run.latency, objective.percentile);
  step.error_ratio = error_ratio(run);
  step.met = run.verdict.passed && run.responses > 0 &&
             (objective.max_latency_s <= 0 || step.latency_s <= objective.max_latency_s) &&
             (objective.max_error_ratio < 0 || step.error_ratio <= objective.max_error_ratio);
  return step;
}

Result<ClassResult> search_slo(const SloObjective& objective, uint32_t steps, const RunAtRate& run,
                               const std::atomic<bool>& interrupted) {
  Result<ClassResult> probe = run(0);
  if (!probe) return probe.error();
  SloSearch search;
  search.objective = objective.text;
  record(search, judge_step(*probe, 0, objective));  // rate 0: never the answer, only steps are
  ClassResult best = std::move(*probe);
  double lo = 0, hi = 2 * best.achieved_rate;
  for (uint32_t i = 0; i < steps && hi > 0 && !interrupted.load(); ++i) {
    double rate = std::round((lo + hi) / 2 * 10) / 10;  // 0.1 req/s resolution
    if (rate <= 0) break;
    Result<ClassResult> r = run(rate);
    if (!r) return r.error();
    SloStep step = judge_step(*r, rate, objective);
    record(search, step);
    if (!step.met) {
      hi = rate;
      continue;
    }
    lo = rate;
    best = std::move(*r);
  }
  best.slo = std::move(search);
  return best;
}

Recommendation recommend(const std::vector<ClassResult>& classes, const SloObjective& objective,
                         uint32_t workers, uint32_t threads) {
  Recommendation rec;
  rec.objective = objective.text;
  for (const ClassResult& c : classes) {
    if (!c.slo || !c.slo->met || c.slo->max_rate <= rec.rate) continue;
    rec.worker_class = c.worker_class;
    rec.rate = c.slo->max_rate;
    rec.workers = workers;
    rec.threads = c.worker_class == "thread" ? threads : 0;
    rec.client_bound = !c.slo->steps.empty() && c.slo->max_rate >= 0.95 * c.slo->steps[0].achieved_rate;
  }
  for (const ClassResult& c : classes)
    if (c.slo && c.slo->met && c.worker_class != rec.worker_class &&
        c.slo->max_rate >= 0.95 * rec.rate)
      rec.ties.push_back(c.worker_class);
  return rec;
}

}  // namespace wpm::bench
