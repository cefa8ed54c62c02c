#include "loadgen/progress.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>

#include "core/clock.h"

namespace wpm::loadgen {
namespace {

std::string latency_text(double seconds) {
  char buf[32];
  if (seconds < 1e-3) std::snprintf(buf, sizeof buf, "%.0f us", seconds * 1e6);
  else if (seconds < 1) std::snprintf(buf, sizeof buf, "%.1f ms", seconds * 1e3);
  else std::snprintf(buf, sizeof buf, "%.2f s", seconds);
  return buf;
}

// Rate and p99 come from the last complete second of the measured phase. Before there is one
// (warm-up, the first second) they are not 0/s and "-": the line says why they are missing.
std::string rate_and_latency(const Progress& p) {
  if (p.phase == Progress::Phase::warmup) return "warming up";
  if (!p.window)
    return p.phase == Progress::Phase::measuring ? "first second in progress" : "no complete second";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f/s", p.rate);
  std::string out = buf;
  if (p.target_rate > 0) {
    std::snprintf(buf, sizeof buf, " (target %.0f/s)", p.target_rate);
    out += buf;
  }
  // A complete second with no response has no latency to show.
  return out + " | p99 " + (p.rate > 0 ? latency_text(p.p99_s) : "-");
}

}  // namespace

std::string format_progress(const Progress& p) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "%s %.1f/%g s | %llu req | ", to_string(p.phase), p.elapsed_s,
                p.duration_s, static_cast<unsigned long long>(p.completed));
  std::string out = buf + rate_and_latency(p);
  std::snprintf(buf, sizeof buf, " | %llu errors", static_cast<unsigned long long>(p.errors));
  return out + buf;
}

ProgressLine::ProgressLine(int fd, ProgressMode mode, std::string label, double plain_interval_s)
    : fd_(fd), mode_(mode), label_(std::move(label)),
      interval_ns_(static_cast<uint64_t>(std::max(0.0, plain_interval_s) * 1e9)) {
  if (mode_ == ProgressMode::automatic) mode_ = isatty(fd_) ? ProgressMode::tty : ProgressMode::plain;
}

ProgressLine::~ProgressLine() { finish(); }

void ProgressLine::update(const Progress& p) {
  if (mode_ == ProgressMode::off || finished_) return;
  uint64_t now = monotonic_ns();
  uint64_t every = mode_ == ProgressMode::tty ? 100'000'000 : interval_ns_;
  if (last_ns_ != 0 && now - last_ns_ < every) return;
  last_ns_ = now;
  std::string text = (label_.empty() ? "" : label_ + ": ") + format_progress(p);
  // \r + erase-to-end-of-line: a shorter line leaves no debris of the previous one.
  emit(mode_ == ProgressMode::tty ? "\r" + text + "\x1b[K" : text + "\n");
  drawn_ = true;
}

void ProgressLine::finish(const Progress* last) {
  if (mode_ == ProgressMode::off || finished_) return;
  finished_ = true;
  if (mode_ == ProgressMode::tty) {
    if (drawn_) emit("\r\x1b[K");
  } else if (last != nullptr) {
    emit((label_.empty() ? "" : label_ + ": ") + format_progress(*last) + "\n");
  }
}

void ProgressLine::emit(const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a closed terminal must not stop the run
    done += static_cast<size_t>(n);
  }
}

LoadResult wait_with_progress(LoadRun& run, ProgressLine& line) {
  while (!run.wait_for(0.2)) line.update(run.progress());
  Progress last = run.progress();
  line.finish(&last);
  return run.wait();
}

}  // namespace wpm::loadgen
