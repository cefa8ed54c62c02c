// The Pushgateway client (DESIGN.md §5): PUT replaces the group (default), POST adds (replaces
// only the pushed names), DELETE removes the group; success is 200 or 202. The payload is
// checked with check_exposition (no timestamps) before anything is sent. Retries connection
// errors, timeouts, 5xx and 429 with exponential backoff and jitter; never other 4xx.
// Basic auth comes from WPM_PUSH_USERNAME / WPM_PUSH_PASSWORD (or user:pass@ in the URL, always
// redacted in messages). HTTPS verifies the server with `ca_file` or the system CAs.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "reports/push_url.h"

namespace wpm {

inline constexpr const char* kPushUserEnv = "WPM_PUSH_USERNAME";
inline constexpr const char* kPushPasswordEnv = "WPM_PUSH_PASSWORD";

struct PushTarget {
  enum class Mode { replace, add, del };
  std::string url;  // http[s]://[user:pass@]host[:port][/prefix]
  std::string job;
  GroupingLabels labels;  // stable keys (branch, runner), never a run id
  Mode mode = Mode::replace;
  double timeout_s = 5;  // per attempt: connect, send and receive each
  int retries = 3;       // attempts = 1 + retries
  std::string ca_file;   // PEM CA bundle for https; empty = system CAs
  double backoff_base_s = 0.25;
  double backoff_max_s = 4;
};

// Errors: exit code kExitUsage for a bad URL or grouping key or a payload that fails
// kPushPayloadRules (nothing is sent), kExitPush for an unreachable gateway or a refusal. The message names the method, the redacted URL, the
// decoded grouping key, the status and the gateway's response body.
Status push(const PushTarget& target, std::string_view payload);

// GET of a text resource (a /metrics scrape for `wpm push --scrape`): the body on 200.
// One attempt; errors (exit code kExitRuntime) name the redacted URL and the status.
Result<std::string> http_get_text(const std::string& url, double timeout_s,
                                  const std::string& ca_file = "");

// True when this build can push over https (cpp-httplib compiled with OpenSSL).
bool push_supports_https();

}  // namespace wpm
