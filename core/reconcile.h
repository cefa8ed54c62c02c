// The reconciliation rule of client and server counts, shared by a bench run (bench/) and a
// merge of several generators' reports (reports/merge.h).
#pragma once

#include <cstdint>

#include "core/bench_result.h"

namespace wpm {

// The reconciliation verdict from the client's and the server's counts, in every run:
// client_completed <= server_delta <= client_completed + client_failed (count at commit).
Reconciliation reconcile(uint64_t client_completed, uint64_t client_failed, uint64_t server_delta,
                         bool aborts_injected);

}  // namespace wpm
