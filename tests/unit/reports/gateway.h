// A real Debian prometheus-pushgateway for tests: port 0 on loopback (the port is read back
// from its log), no persistence, readiness polled on /-/ready, stopped by PID at scope exit.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/unit/reports/subprocess.h"

namespace wpm::test {

struct GatewayOptions {
  std::string web_config;  // YAML text for --web.config.file (TLS, basic auth); empty = none
  std::string scheme = "http";
  std::string userinfo;    // "user:pass@" for the readiness poll and reads, when auth is on
  std::string ca_file;
};

class RealGateway {
 public:
  RealGateway(const TempDir& dir, GatewayOptions options = {});
  int port() const { return port_; }
  std::string url() const;  // scheme://127.0.0.1:PORT, without credentials
  void stop() { process_->stop(); }
  // GET /api/v1/metrics, parsed.
  nlohmann::json api_metrics() const;

 private:
  GatewayOptions options_;
  std::string log_path_;
  std::unique_ptr<BackgroundProcess> process_;
  int port_ = 0;
};

// The group whose labels are exactly `labels` in an /api/v1/metrics answer, or null.
const nlohmann::json* find_group(const nlohmann::json& api, const nlohmann::json& labels);
// The value of the first sample of `metric` in `group`, or NaN when absent.
double metric_value(const nlohmann::json* group, const std::string& metric);

}  // namespace wpm::test
