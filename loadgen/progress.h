// The live progress display of a load run: one \r-rewritten line on a terminal, or a plain
// line every few seconds when the output is a file or a pipe (CI logs), or nothing.
// Written to a file descriptor (stderr by default: stdout is for reports), one write per line.
#pragma once

#include <cstdint>
#include <string>

#include "loadgen/engine.h"

namespace wpm::loadgen {

enum class ProgressMode {
  off,
  automatic,  // tty when the fd is a terminal, plain otherwise
  tty,
  plain,
};

// "measuring 3.2/10 s | 12345 req | 3850/s (target 4000/s) | p99 12.3 ms | 0 errors"; rate and
// p99 are those of the last complete measured second. Before one exists the line says
// "warming up" or "first second in progress" instead of a misleading "0/s | p99 -".
std::string format_progress(const Progress& p);

class ProgressLine {
 public:
  explicit ProgressLine(int fd = 2, ProgressMode mode = ProgressMode::automatic, std::string label = "",
                        double plain_interval_s = 5);
  ~ProgressLine();  // finish()
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // Draws p if due (terminal: at most 10 times a second; plain: every plain_interval_s).
  void update(const Progress& p);
  // Terminal: clears the line so what follows starts clean; plain: prints the final state.
  // Idempotent.
  void finish(const Progress* last = nullptr);
  bool enabled() const { return mode_ != ProgressMode::off; }
  ProgressMode mode() const { return mode_; }

 private:
  void emit(const std::string& text);

  int fd_;
  ProgressMode mode_;
  std::string label_;
  uint64_t interval_ns_;
  uint64_t last_ns_ = 0;
  bool drawn_ = false, finished_ = false;
};

// For callers with nothing else to do meanwhile: waits for the run, updating the line five
// times a second, and returns the merged result.
LoadResult wait_with_progress(LoadRun& run, ProgressLine& line);

}  // namespace wpm::loadgen
