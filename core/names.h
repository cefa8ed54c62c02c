// The closed vocabularies of wpm: worker classes, worker states, exit reasons, signals.
// Each enum has a name table; label values in metrics come only from these tables.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace wpm {

enum class WorkerClass : uint8_t { sync, thread, eventlet, gevent };
inline constexpr std::array<std::string_view, 4> kWorkerClassNames{"sync", "thread", "eventlet",
                                                                   "gevent"};

enum class WorkerState : uint8_t { booting, running, quitting, aborting, exited };
inline constexpr std::array<std::string_view, 5> kWorkerStateNames{"booting", "running",
                                                                   "quitting", "aborting",
                                                                   "exited"};

// Why a worker ended (DESIGN.md §2). The restart type follows from the reason.
enum class ExitReason : uint8_t {
  quit, abort, term, int_, kill, timeout, max_requests, crash, oom, reload, scale_down
};
inline constexpr std::array<std::string_view, 11> kExitReasonNames{
    "quit", "abort", "term", "int", "kill", "timeout", "max_requests", "crash", "oom", "reload",
    "scale_down"};

enum class RestartType : uint8_t { graceful, forced };
inline constexpr std::array<std::string_view, 2> kRestartTypeNames{"graceful", "forced"};

// Control signals understood by `wpm signal` and counted by the master.
enum class ControlSignal : uint8_t { term, int_, quit, hup, ttin, ttou, usr1, abort, kill };
inline constexpr std::array<std::string_view, 9> kControlSignalNames{
    "term", "int", "quit", "hup", "ttin", "ttou", "usr1", "abort", "kill"};

// Milestones of a replacement worker, each timed from its predecessor's death (DESIGN.md §9).
enum class ReplacementPhase : uint8_t { spawn, ready, first_request };
inline constexpr std::array<std::string_view, 3> kReplacementPhaseNames{"spawn", "ready",
                                                                        "first_request"};

inline constexpr size_t kWorkerStateCount = kWorkerStateNames.size();
inline constexpr size_t kExitReasonCount = kExitReasonNames.size();
inline constexpr size_t kControlSignalCount = kControlSignalNames.size();
inline constexpr size_t kReplacementPhaseCount = kReplacementPhaseNames.size();

template <class E, size_t N>
constexpr std::string_view name_of(E value, const std::array<std::string_view, N>& names) {
  return names[static_cast<size_t>(value)];
}
template <class E, size_t N>
constexpr std::optional<E> parse_name(std::string_view text,
                                      const std::array<std::string_view, N>& names) {
  for (size_t i = 0; i < N; ++i)
    if (names[i] == text) return static_cast<E>(i);
  return std::nullopt;
}

inline std::string_view to_string(WorkerClass c) { return name_of(c, kWorkerClassNames); }
inline std::string_view to_string(WorkerState s) { return name_of(s, kWorkerStateNames); }
inline std::string_view to_string(ExitReason r) { return name_of(r, kExitReasonNames); }
inline std::string_view to_string(RestartType t) { return name_of(t, kRestartTypeNames); }
inline std::string_view to_string(ControlSignal s) { return name_of(s, kControlSignalNames); }
inline std::string_view to_string(ReplacementPhase p) {
  return name_of(p, kReplacementPhaseNames);
}

constexpr RestartType restart_type_of(ExitReason reason) {
  switch (reason) {
    case ExitReason::quit:
    case ExitReason::term:
    case ExitReason::max_requests:
    case ExitReason::reload:
    case ExitReason::scale_down:
      return RestartType::graceful;
    default:
      return RestartType::forced;
  }
}

// The POSIX signal number of a control signal (SIGTERM for term, …).
int signal_number(ControlSignal s);

}  // namespace wpm
