#include "bench/verdict.h"

#include <cstdio>

#include "reports/console_report.h"

namespace wpm::bench {
namespace {

std::string percent(double ratio) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", ratio * 100);
  return buf;
}

uint64_t bad_status(const ErrorCounts& e) {
  uint64_t n = 0;
  for (const auto& [code, count] : e.status) n += count;
  return n;
}

std::string injection_name(const InjectedEvent& e) {
  char at[32];
  std::snprintf(at, sizeof at, "%gs", e.at_s);
  return std::string(at) + ":" + e.signal + (e.target == "master" ? "" : ":" + e.target);
}

void judge_injections(const ClassResult& c, Verdict& v) {
  for (const InjectedEvent& e : c.events) {
    if (e.outcome == InjectionOutcome::not_delivered)
      v.reasons.push_back("injection " + injection_name(e) + " not delivered: " + e.effect);
    else if (e.outcome == InjectionOutcome::not_fired)
      v.reasons.push_back("injection " + injection_name(e) + " not fired: the run ended first");
  }
}

}  // namespace

Verdict judge_class(const ClassResult& c, double max_error_ratio) {
  Verdict v;
  uint64_t ok_responses = c.responses - std::min(c.responses, bad_status(c.errors));
  if (ok_responses == 0)
    v.reasons.push_back("no successful response (" + std::to_string(c.responses) +
                        " responses, " + std::to_string(total_errors(c.errors)) + " errors: " +
                        describe_errors(c.errors) + ")");
  judge_injections(c, v);
  double ratio = error_ratio(c);
  if (ratio > max_error_ratio)
    v.reasons.push_back("error ratio " + percent(ratio) + " (" +
                        std::to_string(total_errors(c.errors)) + " errors) exceeds --max-error-ratio " +
                        percent(max_error_ratio));
  if (!c.reconciliation.ok) v.reasons.push_back("reconciliation failed: " + c.reconciliation.verdict);
  v.passed = v.reasons.empty();
  return v;
}

Verdict judge_run(const std::vector<ClassResult>& classes, const std::vector<std::string>& failures) {
  Verdict v;
  for (const ClassResult& c : classes)
    for (const std::string& reason : c.verdict.reasons) v.reasons.push_back(c.worker_class + ": " + reason);
  v.reasons.insert(v.reasons.end(), failures.begin(), failures.end());
  v.passed = v.reasons.empty();
  return v;
}

}  // namespace wpm::bench
