#include "cli/push_command.h"

#include <fstream>
#include <iostream>
#include <sstream>

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

Result<std::string> read_payload(const PushCommand& cmd) {
  if (!cmd.scrape.empty()) return http_get_text(cmd.scrape, cmd.timeout_s, cmd.ca_file);
  if (cmd.file.empty()) return std::string();
  std::stringstream buf;
  if (cmd.file == "-") {
    buf << std::cin.rdbuf();
  } else {
    std::ifstream in(cmd.file, std::ios::binary);
    if (!in) return Error{"cannot read " + cmd.file, kExitUsage};
    buf << in.rdbuf();
  }
  return buf.str();
}

}  // namespace

void add_push_command(CLI::App& root, PushCommand& cmd) {
  cmd.app = root.add_subcommand("push", "Push metrics to a Prometheus Pushgateway "
                                        "(credentials: WPM_PUSH_USERNAME / WPM_PUSH_PASSWORD)");
  cmd.app->add_option("--url", cmd.url, "Pushgateway base URL")->required();
  cmd.app->add_option("--job", cmd.job, "Job name (grouping key)")->required();
  cmd.app->add_option("--label", cmd.labels, "Grouping label K=V (repeatable)");
  auto* file = cmd.app->add_option("--file", cmd.file, "Metrics text file (- = stdin)");
  auto* scrape = cmd.app->add_option("--scrape", cmd.scrape, "Scrape this /metrics URL and push it");
  file->excludes(scrape);
  auto* add = cmd.app->add_flag("--add", cmd.add, "POST: replace only the pushed metric names");
  auto* del = cmd.app->add_flag("--delete", cmd.del, "DELETE the whole group");
  add->excludes(del);
  del->excludes(file)->excludes(scrape);
  cmd.app->add_option("--timeout", cmd.timeout_s, "Seconds per attempt")->capture_default_str();
  cmd.app->add_option("--retries", cmd.retries, "Retries after the first attempt")->capture_default_str();
  cmd.app->add_option("--ca-file", cmd.ca_file, "PEM CA bundle for https");
}

int run_push(PushCommand& cmd) {
  set_log_tag("push");
  if (!cmd.del && cmd.file.empty() && cmd.scrape.empty()) {
    log_error("wpm push: give --file, --scrape or --delete");
    return kExitUsage;
  }
  Result<GroupingLabels> labels = parse_labels(cmd.labels);
  if (!labels) {
    log_error(labels.error().message);
    return labels.error().exit_code;
  }
  Result<std::string> payload = read_payload(cmd);
  if (!payload) {
    log_error(payload.error().message);
    return payload.error().exit_code;
  }
  PushTarget target{cmd.url, cmd.job, *labels,
                    cmd.del ? PushTarget::Mode::del
                            : (cmd.add ? PushTarget::Mode::add : PushTarget::Mode::replace),
                    cmd.timeout_s, cmd.retries, cmd.ca_file};
  if (Status s = push(target, *payload); !s) {
    log_error(s.error().message);
    return s.error().exit_code;
  }
  log_info("pushed to ", redact_url(cmd.url), " ", describe_grouping_key(cmd.job, *labels));
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
