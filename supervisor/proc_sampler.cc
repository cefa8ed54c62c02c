#include "supervisor/proc_sampler.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <string>


namespace wpm::supervisor {
namespace {

constexpr auto relaxed = std::memory_order_relaxed;

Result<std::string> read_proc_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_error("open " + path);
  std::string text;
  char buf[1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e = errno_error("read " + path);
      ::close(fd);
      return e;
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

bool parse_u64(std::string_view& text, uint64_t& out) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc()) return false;
  text.remove_prefix(static_cast<size_t>(ptr - text.data()));
  return true;
}

void skip_field(std::string_view& text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.front() != ' ') text.remove_prefix(1);
}

uint64_t ticks_to_ns(uint64_t ticks) {
  static const long hz = sysconf(_SC_CLK_TCK);
  return ticks * (1'000'000'000ull / static_cast<uint64_t>(hz > 0 ? hz : 100));
}

}  // namespace

bool parse_proc_stat(std::string_view text, char& state, uint64_t& utime, uint64_t& stime) {
  size_t close = text.rfind(')');
  if (close == std::string_view::npos || close + 2 >= text.size()) return false;
  text.remove_prefix(close + 2);  // ") " then field 3, the state
  state = text.front();
  text.remove_prefix(1);
  for (int field = 4; field < 14; ++field) skip_field(text);  // ppid … cmajflt
  return parse_u64(text, utime) && parse_u64(text, stime);
}

Result<ProcSample> read_proc_sample(pid_t pid) {
  std::string base = "/proc/" + std::to_string(pid);
  Result<std::string> stat = read_proc_file(base + "/stat");
  if (!stat) return stat.error();
  ProcSample sample;
  char state = '?';
  uint64_t utime = 0, stime = 0;
  if (!parse_proc_stat(*stat, state, utime, stime))
    return Error{"unparsable " + base + "/stat"};
  sample.cpu_ns = ticks_to_ns(utime + stime);
  sample.zombie = state == 'Z' || state == 'X';
  Result<std::string> statm = read_proc_file(base + "/statm");
  if (!statm) return statm.error();
  std::string_view fields = *statm;
  uint64_t size_pages = 0, rss_pages = 0;
  if (!parse_u64(fields, size_pages) || !parse_u64(fields, rss_pages))
    return Error{"unparsable " + base + "/statm"};
  static const long page = sysconf(_SC_PAGESIZE);
  sample.rss_bytes = rss_pages * static_cast<uint64_t>(page > 0 ? page : 4096);
  return sample;
}

uint64_t cpu_permille(uint64_t prev_cpu_ns, uint64_t prev_ns, uint64_t cpu_ns, uint64_t now_ns) {
  if (now_ns <= prev_ns || cpu_ns <= prev_cpu_ns) return 0;
  long double ratio = static_cast<long double>(cpu_ns - prev_cpu_ns) /
                      static_cast<long double>(now_ns - prev_ns);
  return static_cast<uint64_t>(ratio * 100'000.0L + 0.5L);
}

void ProcSampler::sample(const Segment& segment, uint64_t now_ns) {
  for (uint32_t i = 0; i < segment.capacity(); ++i) {
    WorkerSlot& slot = segment.slot(i);
    if (slot.life.status.load(std::memory_order_acquire) !=
        static_cast<uint32_t>(SlotStatus::active)) {
      previous_.erase(i);
      continue;
    }
    sample_slot(slot, i, now_ns);
  }
  last_sample_ns_ = now_ns;
}

void ProcSampler::sample_slot(WorkerSlot& slot, uint32_t number, uint64_t now_ns) {
  pid_t pid = slot.life.pid.load(relaxed);
  if (pid <= 0) return;  // claimed, not yet spawned
  uint32_t state = slot.hot.state.load(relaxed);
  if (state == static_cast<uint32_t>(WorkerState::aborting) ||
      state == static_cast<uint32_t>(WorkerState::exited))
    return;  // dying: keep the last live values as the final ones
  Result<ProcSample> s = read_proc_sample(pid);
  if (!s || s->zombie || s->rss_bytes == 0) return;  // gone, or its memory already released
  Previous& prev = previous_[number];
  if (prev.pid != pid) {
    // First sample of this worker: CPU since spawn, so the gauge never starts at a fake 0.
    prev = Previous{pid, 0, slot.life.spawn_ns.load(relaxed)};
  }
  slot.life.rss_bytes.store(s->rss_bytes, relaxed);
  slot.life.cpu_ns.store(s->cpu_ns, relaxed);
  slot.life.cpu_permille.store(cpu_permille(prev.cpu_ns, prev.at_ns, s->cpu_ns, now_ns), relaxed);
  prev.cpu_ns = s->cpu_ns;
  prev.at_ns = now_ns;
}

}  // namespace wpm::supervisor
