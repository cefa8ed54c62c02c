// The Pushgateway's URL scheme, without any HTTP: base URL policy, the base64url grouping key
// path (DESIGN.md §5), credential redaction and the retry policy. Kept apart from the httplib
// translation unit so it is cheap to compile and to test.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/url.h"

namespace wpm {

using GroupingLabels = std::vector<std::pair<std::string, std::string>>;

// A Pushgateway base URL: http[s]://[user[:password]@]host[:port][/prefix], parsed by core's
// parse_url; no query or fragment, the prefix without a trailing '/'. Errors have exit code
// kExitUsage and quote the URL with credentials redacted.
Result<Url> parse_http_url(std::string_view url);

// The URL with any "user:password@" replaced by "***@", safe for logs and errors.
std::string redact_url(std::string_view url);

// RFC 4648 §5 URL-safe alphabet with '=' padding (what the Pushgateway and the Python client
// use). The empty string encodes as "=", the Pushgateway's spelling of an empty value.
std::string base64url(std::string_view bytes);

// "/metrics/job@base64/<job>/<name>@base64/<value>…": every value base64url-encoded, so '/',
// spaces and '+' survive. Refuses an empty job, invalid or repeated label names and "job".
Result<std::string> grouping_path(std::string_view job, const GroupingLabels& labels);

// {job="ci",branch="feature/x"}: the decoded grouping key, for messages.
std::string describe_grouping_key(std::string_view job, const GroupingLabels& labels);

// Retry connection errors, timeouts, 5xx and 429 only; never other 4xx.
bool retryable_status(int status);

// Exponential backoff with "equal jitter": half of min(cap, base * 2^retry) fixed, half random
// (`unit_random` in [0, 1)), so concurrent CI jobs spread out but never retry instantly.
double backoff_delay_s(int retry, double base_s, double cap_s, double unit_random);

}  // namespace wpm
