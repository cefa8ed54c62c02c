#include "cli/push_command.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/flag_kinds.h"
#include "core/log.h"
#include "reports/prom_report.h"
#include "reports/pushgateway.h"

namespace wpm::cli {
namespace {

Result<GroupingLabels> parse_labels(const std::vector<std::string>& texts) {
  GroupingLabels labels;
  for (const std::string& t : texts) {
    size_t eq = t.find('=');
    if (eq == std::string::npos || eq == 0)
      return Error{"--label '" + t + "': expected K=V", kExitUsage};
    labels.emplace_back(t.substr(0, eq), t.substr(eq + 1));
  }
  return labels;
}

Result<std::string> read_payload(const PushOptions& o) {
  if (!o.scrape.empty()) return http_get_text(o.scrape, o.timeout_s, o.ca_file);
  if (o.file.empty()) return std::string();
  std::stringstream buf;
  if (o.file == "-") {
    buf << std::cin.rdbuf();
  } else {
    std::ifstream in(o.file, std::ios::binary);
    if (!in) return Error{"--file: cannot read '" + o.file + "'", kExitUsage};
    buf << in.rdbuf();
  }
  return buf.str();
}

using Opt = Option<PushOptions>;
using O = PushOptions;

Status check_url(const std::string& text) { return text.empty() ? Status{} : check_http_url(text); }

int fail(const Error& e) {
  log_error(e.message);
  return e.exit_code;
}

}  // namespace

OptionTable<PushOptions> push_option_table() {
  std::vector<Opt> options{
      {"--url", "", "Pushgateway base URL", text(&O::url, check_http_url, "URL"), true, false},
      {"--job", "", "Job name (grouping key)", text(&O::job, check_not_empty, "JOB"), true},
      {"--label", "", "Grouping label K=V (repeatable)", texts(&O::labels, check_label_pair, "K=V")},
      {"--file", "", "Metrics text file (- = stdin)", text(&O::file, check_not_empty, "FILE")},
      {"--scrape", "", "Scrape this /metrics URL and push it", text(&O::scrape, check_url, "URL")},
      {"--add", "", "POST: replace only the pushed metric names", on_switch(&O::add)},
      {"--delete", "", "DELETE the whole group", on_switch(&O::del)},
      {"--timeout", "", "Per-attempt timeout", duration(&O::timeout_s, 0.001, 3600)},
      {"--retries", "", "Retries after the first attempt", count(&O::retries, 0, 100)},
      {"--ca-file", "", "PEM CA bundle for https", text(&O::ca_file, check_not_empty, "FILE")},
  };
  return OptionTable<PushOptions>(std::move(options));
}

void add_push_command(CLI::App& root, PushCommand& cmd) {
  cmd.app = root.add_subcommand("push", "Push metrics to a Prometheus Pushgateway "
                                        "(credentials: WPM_PUSH_USERNAME / WPM_PUSH_PASSWORD)");
  std::map<std::string, CLI::Option*> flag = cmd.table.add_to(*cmd.app, PushOptions{});
  flag["--file"]->excludes(flag["--scrape"]);
  flag["--add"]->excludes(flag["--delete"]);
  flag["--delete"]->excludes(flag["--file"])->excludes(flag["--scrape"]);
}

int run_push(PushCommand& cmd) {
  set_log_tag("push");
  PushOptions& o = cmd.options;
  if (Status s = cmd.table.apply_flags(o); !s) return fail(s.error());
  if (!o.del && o.file.empty() && o.scrape.empty())
    return fail(Error{"wpm push: give --file, --scrape or --delete", kExitUsage});
  Result<GroupingLabels> labels = parse_labels(o.labels);
  if (!labels) return fail(labels.error());
  Result<std::string> payload = read_payload(o);
  if (!payload) return fail(payload.error());
  PushTarget target{o.url, o.job, *labels,
                    o.del ? PushTarget::Mode::del
                          : (o.add ? PushTarget::Mode::add : PushTarget::Mode::replace),
                    o.timeout_s, o.retries, o.ca_file};
  if (Status s = push(target, *payload); !s) return fail(s.error());
  log_info("pushed to ", redact_url(o.url), " ", describe_grouping_key(o.job, *labels));
  return kExitOk;
}

Status push_bench(const BenchOptions& o, const BenchResult& result) {
  Result<GroupingLabels> labels = parse_labels(o.push_labels);
  if (!labels) return labels.error();
  PushTarget target{o.push_url, o.push_job, *labels, PushTarget::Mode::replace,
                    o.push_timeout_s, o.push_retries, ""};
  if (Status s = push(target, render_bench_gauges(result)); !s) return s;
  log_info("pushed bench results to ", redact_url(o.push_url), " ",
           describe_grouping_key(o.push_job, *labels));
  return {};
}

}  // namespace wpm::cli
