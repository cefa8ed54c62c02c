#include "tests/unit/reports/gateway.h"

#include <chrono>
#include <cmath>
#include <regex>
#include <stdexcept>
#include <thread>

#include "reports/pushgateway.h"

namespace wpm::test {
namespace {

using Clock = std::chrono::steady_clock;

// Polls `ready` every 20 ms for up to 15 s: a readiness check, not a fixed sleep.
template <class F>
bool poll_until(F ready) {
  auto deadline = Clock::now() + std::chrono::seconds(15);
  while (Clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace

RealGateway::RealGateway(const TempDir& dir, GatewayOptions options) : options_(std::move(options)) {
  log_path_ = dir.file("pushgateway-" + std::to_string(reinterpret_cast<uintptr_t>(this)) + ".log");
  std::vector<std::string> argv{"prometheus-pushgateway", "--web.listen-address=127.0.0.1:0",
                                "--persistence.file=", "--log.level=info"};
  if (!options_.web_config.empty()) {
    std::string config = dir.file("web-config.yml");
    write_file(config, options_.web_config);
    argv.push_back("--web.config.file=" + config);
  }
  process_ = std::make_unique<BackgroundProcess>(argv, log_path_);
  static const std::regex kListening(R"(msg="Listening on" address=127\.0\.0\.1:(\d+))");
  bool found = poll_until([&] {
    std::smatch m;
    std::string log = read_file(log_path_);
    if (!std::regex_search(log, m, kListening)) return !process_->running();
    port_ = std::stoi(m[1]);
    return true;
  });
  if (!found || port_ == 0)
    throw std::runtime_error("pushgateway did not start: " + read_file(log_path_));
  std::string ready = options_.scheme + "://" + options_.userinfo + "127.0.0.1:" +
                      std::to_string(port_) + "/-/ready";
  if (!poll_until([&] { return http_get_text(ready, 1, options_.ca_file).ok(); }))
    throw std::runtime_error("pushgateway not ready: " + read_file(log_path_));
}

std::string RealGateway::url() const {
  return options_.scheme + "://127.0.0.1:" + std::to_string(port_);
}

nlohmann::json RealGateway::api_metrics() const {
  std::string api = options_.scheme + "://" + options_.userinfo + "127.0.0.1:" +
                    std::to_string(port_) + "/api/v1/metrics";
  Result<std::string> body = http_get_text(api, 5, options_.ca_file);
  if (!body.ok()) throw std::runtime_error(body.error().message);
  return nlohmann::json::parse(*body);
}

const nlohmann::json* find_group(const nlohmann::json& api, const nlohmann::json& labels) {
  for (const nlohmann::json& g : api.at("data"))
    if (g.at("labels") == labels) return &g;
  return nullptr;
}

double metric_value(const nlohmann::json* group, const std::string& metric) {
  if (group == nullptr || !group->contains(metric)) return NAN;
  return std::stod(group->at(metric).at("metrics").at(0).at("value").get<std::string>());
}

}  // namespace wpm::test
