#include "core/reconcile.h"

#include <string>

namespace wpm {

// Workers record a request before the last byte of its response reaches the kernel (count
// at commit, workers/exchange.h), so every response the client received was counted, and the
// server can count more only by requests the client sent and never got an answer to:
//   completed <= server_delta <= completed + failed, in every run, aborts or not.
Reconciliation reconcile(uint64_t completed, uint64_t failed, uint64_t server_delta,
                         bool aborts_injected) {
  Reconciliation r{completed, failed, server_delta, aborts_injected, false, "", {}, {}, 0, 0};
  std::string counts = "client " + std::to_string(completed) + " responses, server " +
                       std::to_string(server_delta) + " requests";
  if (server_delta < completed) {
    r.verdict = "MISMATCH: " + counts + ": the server counted " +
                std::to_string(completed - server_delta) + " fewer than the client received";
    return r;
  }
  uint64_t extra = server_delta - completed;
  r.ok = extra <= failed;
  if (extra == 0) {
    r.verdict = "reconciled: " + counts;
  } else {
    r.verdict = std::string(r.ok ? "reconciled: " : "MISMATCH: ") + counts + ", " +
                std::to_string(extra) + " counted without a response to the client" +
                (r.ok ? " (<= " : " (> ") + std::to_string(failed) +
                " requests the client saw fail" + (aborts_injected ? ", aborts injected)" : ")");
  }
  return r;
}

}  // namespace wpm
