#include "core/exposition.h"

#include <charconv>
#include <cmath>
#include <initializer_list>
#include <utility>

#include "core/metric_table.h"

namespace wpm {
namespace {

using Label = std::pair<std::string_view, std::string_view>;

class Writer {
 public:
  Writer(std::string& out, std::string_view prefix) : out_(out), prefix_(prefix) {}

  void family(const MetricDef& def) {
    def_ = &def;
    out_.append("# HELP ").append(prefix_).append("_").append(def.suffix).append(" ");
    out_.append(def.help).append("\n# TYPE ").append(prefix_).append("_").append(def.suffix);
    out_.append(" ").append(to_string(def.type)).append("\n");
  }

  void sample(std::initializer_list<Label> labels, double value, std::string_view suffix = {},
              const Label* extra = nullptr) {
    out_.append(prefix_).append("_").append(def_->suffix).append(suffix);
    if (labels.size() > 0 || extra != nullptr) {
      out_.push_back('{');
      bool first = true;
      auto put = [&](const Label& l) {
        if (!first) out_.push_back(',');
        first = false;
        out_.append(l.first).append("=\"");
        append_escaped_label_value(out_, l.second);
        out_.push_back('"');
      };
      for (const Label& l : labels) put(l);
      if (extra != nullptr) put(*extra);
      out_.push_back('}');
    }
    out_.push_back(' ');
    append_number(out_, value);
    out_.push_back('\n');
  }

  void histogram(std::string_view worker, const HistogramSnapshot& h) {
    histogram(Label{"worker_id", worker}, h);
  }

  // One histogram series set identified by `series` (worker_id="…", phase="…").
  void histogram(Label series, const HistogramSnapshot& h) {
    char bound[32];
    for (size_t i = 0; i < h.cumulative.size(); ++i) {
      std::string_view le = "+Inf";
      if (i < def_->buckets.size()) {
        std::string tmp;
        append_number(tmp, def_->buckets[i]);
        size_t n = tmp.copy(bound, sizeof bound);
        le = std::string_view(bound, n);
      }
      Label l{"le", le};
      sample({series}, static_cast<double>(h.cumulative[i]), "_bucket", &l);
    }
    sample({series}, h.sum, "_sum");
    sample({series}, static_cast<double>(h.count()), "_count");
  }

 private:
  std::string& out_;
  std::string_view prefix_;
  const MetricDef* def_ = nullptr;
};

double as_double(uint64_t v) { return static_cast<double>(v); }

void render_worker_family(Writer& w, MetricId id, const WorkerSnapshot& s) {
  std::string_view wid = s.worker_id;
  switch (id) {
    case MetricId::worker_requests: w.sample({{"worker_id", wid}}, as_double(s.requests)); break;
    case MetricId::worker_request_duration: w.histogram(wid, s.duration); break;
    case MetricId::worker_request_size: w.histogram(wid, s.request_size); break;
    case MetricId::worker_response_size: w.histogram(wid, s.response_size); break;
    case MetricId::worker_failed_requests:
    case MetricId::worker_error_handling:
      for (const LabelSetSnapshot& l : s.label_sets) {
        uint64_t v = id == MetricId::worker_failed_requests ? l.failed : l.errors;
        if (v == 0) continue;
        w.sample({{"worker_id", wid}, {"method", l.method}, {"endpoint", l.endpoint},
                  {"error_type", l.error_type}},
                 as_double(v));
      }
      break;
    case MetricId::worker_restart:
    case MetricId::worker_restart_count:
      for (size_t r = 0; r < kExitReasonCount; ++r) {
        if (s.restarts[r] == 0) continue;
        auto reason = static_cast<ExitReason>(r);
        if (id == MetricId::worker_restart)
          w.sample({{"worker_id", wid}, {"reason", to_string(reason)}}, as_double(s.restarts[r]));
        else
          w.sample({{"worker_id", wid}, {"restart_type", to_string(restart_type_of(reason))},
                    {"reason", to_string(reason)}},
                   as_double(s.restarts[r]));
      }
      break;
    case MetricId::worker_cpu_seconds: w.sample({{"worker_id", wid}}, s.cpu_seconds); break;
    default: break;
  }
  if (s.retired) return;  // the archive has counters only
  switch (id) {
    case MetricId::worker_memory: w.sample({{"worker_id", wid}}, as_double(s.rss_bytes)); break;
    case MetricId::worker_cpu_percent: w.sample({{"worker_id", wid}}, s.cpu_percent); break;
    case MetricId::worker_uptime: w.sample({{"worker_id", wid}}, s.uptime_seconds); break;
    case MetricId::worker_state:
      for (size_t st = 0; st < kWorkerStateCount; ++st) {
        auto state = static_cast<WorkerState>(st);
        w.sample({{"worker_id", wid}, {"state", to_string(state)}}, s.state == state ? 1 : 0);
      }
      break;
    case MetricId::master_worker_restart_count:
      if (s.exit_reason) {
        w.sample({{"worker_id", wid}, {"reason", to_string(*s.exit_reason)},
                  {"restart_type", to_string(restart_type_of(*s.exit_reason))}},
                 1);
      }
      break;
    case MetricId::worker_state_since: w.sample({{"worker_id", wid}}, s.state_since_unix); break;
    case MetricId::worker_heartbeat_age:
      w.sample({{"worker_id", wid}}, s.heartbeat_age_seconds);
      break;
    case MetricId::worker_in_flight:
      w.sample({{"worker_id", wid}}, static_cast<double>(s.in_flight));
      break;
    default: break;
  }
}

// Every phase is rendered, observed or not, so rate() over a phase never starts from nothing.
void render_replacement(Writer& w, const PoolSnapshot& pool) {
  for (size_t p = 0; p < kReplacementPhaseCount; ++p) {
    HistogramSnapshot h = pool.replacement[p];
    if (h.cumulative.empty()) h.cumulative.assign(kReplacementBuckets.size() + 1, 0);
    w.histogram(Label{"phase", to_string(static_cast<ReplacementPhase>(p))}, h);
  }
}

void render_master_family(Writer& w, MetricId id, const PoolSnapshot& pool) {
  switch (id) {
    case MetricId::master_worker_restart:
      for (size_t r = 0; r < kExitReasonCount; ++r)
        w.sample({{"reason", to_string(static_cast<ExitReason>(r))}},
                 as_double(pool.master_restarts[r]));
      break;
    case MetricId::master_worker_restart_count:
      for (size_t r = 0; r < kExitReasonCount; ++r) {
        if (pool.archived_exits[r] == 0) continue;
        auto reason = static_cast<ExitReason>(r);
        w.sample({{"worker_id", kRetiredWorkerId}, {"reason", to_string(reason)},
                  {"restart_type", to_string(restart_type_of(reason))}},
                 as_double(pool.archived_exits[r]));
      }
      break;
    case MetricId::master_workers:
      for (size_t st = 0; st < kWorkerStateCount; ++st)
        w.sample({{"state", to_string(static_cast<WorkerState>(st))}},
                 as_double(pool.workers_by_state[st]));
      break;
    case MetricId::master_signals:
      // ABRT and KILL are never delivered to the master's handlers: no series for them.
      for (size_t s = 0; s < static_cast<size_t>(ControlSignal::abort); ++s)
        w.sample({{"signal", to_string(static_cast<ControlSignal>(s))}},
                 as_double(pool.master_signals[s]));
      break;
    case MetricId::master_listen_backlog:
      w.sample({}, static_cast<double>(pool.listen_backlog));
      break;
    case MetricId::master_worker_replacement: render_replacement(w, pool); break;
    default: break;
  }
}

}  // namespace

void append_number(std::string& out, double value) {
  if (std::isnan(value)) { out.append("NaN"); return; }
  if (std::isinf(value)) { out.append(value > 0 ? "+Inf" : "-Inf"); return; }
  char buf[32];
  std::to_chars_result r;
  double magnitude = std::fabs(value);
  if (value == std::trunc(value) && magnitude < 9.007199254740992e15)
    r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(value));
  else if (magnitude >= 1e-6 && magnitude < 1e15)  // "0.0005", as client libraries write le
    r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);
  else
    r = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, r.ptr);
}

void append_escaped_label_value(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') out.append("\\\\");
    else if (c == '"') out.append("\\\"");
    else if (c == '\n') out.append("\\n");
    else out.push_back(c);
  }
}

std::string render_prometheus(const PoolSnapshot& pool, std::string_view prefix) {
  std::string out;
  out.reserve(4096 + pool.workers.size() * 6144);
  Writer w(out, prefix);
  for (const MetricDef& def : metric_table()) {
    w.family(def);
    bool master_family = def.suffix.substr(0, 7) == "master_";
    if (master_family) render_master_family(w, def.id, pool);
    if (!master_family || def.id == MetricId::master_worker_restart_count)
      for (const WorkerSnapshot& s : pool.workers) render_worker_family(w, def.id, s);
  }
  return out;
}

}  // namespace wpm
