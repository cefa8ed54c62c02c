#include "reports/merge.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/histogram_summary.h"
#include "core/reconcile.h"

namespace wpm {
namespace {

Error refuse(std::string text) { return Error{"report merge: " + std::move(text), kExitUsage}; }

bool same_layout(const Histogram& a, const Histogram& b) {
  return a.highest() == b.highest() && a.precision_bits() == b.precision_bits();
}

std::string layout_text(const Histogram& h) {
  return "highest " + std::to_string(h.highest()) + " ns, " + std::to_string(h.precision_bits()) + " precision bits";
}

Status check_versions(const std::vector<NamedReport>& in) {
  for (const NamedReport& r : in) {
    if (r.result.schema_version != in[0].result.schema_version)
      return refuse(in[0].name + " has schema version " + std::to_string(in[0].result.schema_version) + ", " +
                    r.name + " " + std::to_string(r.result.schema_version) + ": reports of different versions do not merge");
    for (const ClassResult& c : r.result.classes)
      if (!c.histograms || c.measured_start_unix_s <= 0)
        return refuse(r.name + " (" + c.worker_class + ") has no lossless histograms or wall-clock start "
                      "(reports of schema 3 and later have them)");
  }
  return {};
}

Status check_scenario(const std::vector<NamedReport>& in) {
  const auto& first = in[0].result.config;
  for (const NamedReport& r : in) {
    std::set<std::string> keys;
    for (const auto& [k, v] : first) keys.insert(k);
    for (const auto& [k, v] : r.result.config) keys.insert(k);
    for (const std::string& k : keys) {
      if (is_per_generator_key(k)) continue;
      auto a = first.find(k), b = r.result.config.find(k);
      std::string va = a == first.end() ? "(unset)" : a->second, vb = b == r.result.config.end() ? "(unset)" : b->second;
      if (va != vb)
        return refuse(in[0].name + " and " + r.name + " ran different scenarios: " + k + " is '" + va + "' in " +
                      in[0].name + ", '" + vb + "' in " + r.name);
    }
  }
  return {};
}

Status check_segments(const std::vector<NamedReport>& in) {
  std::set<uint32_t> seen;
  for (const NamedReport& r : in) {
    const ExecutionInfo& e = r.result.execution;
    if (e.segment_count != in[0].result.execution.segment_count)
      return refuse(in[0].name + " is a segment of " + std::to_string(in[0].result.execution.segment_count) + ", " +
                    r.name + " of " + std::to_string(e.segment_count) + ": the segment counts differ");
    if (!seen.insert(e.segment_index).second)
      return refuse("segment " + std::to_string(e.segment_index) + "/" + std::to_string(e.segment_count) +
                    " is given twice (" + r.name + "): its samples would count twice");
  }
  return {};
}

Status check_class(const NamedReport& base, const NamedReport& r, size_t i) {
  const ClassResult &a = base.result.classes[i], &b = r.result.classes[i];
  if (a.worker_class != b.worker_class)
    return refuse(base.name + " and " + r.name + ": class " + std::to_string(i) + " is " + a.worker_class + " vs " + b.worker_class);
  const std::pair<const Histogram*, const Histogram*> pairs[] = {
      {&a.histograms->latency, &b.histograms->latency}, {&a.histograms->service, &b.histograms->service},
      {&a.histograms->queue, &b.histograms->queue}};
  for (const auto& [x, y] : pairs)
    if (!same_layout(*x, *y))
      return refuse(base.name + " and " + r.name + " have different histogram layouts (" + layout_text(*x) + " vs " +
                    layout_text(*y) + ")");
  if (a.interval_s != b.interval_s) return refuse(base.name + " and " + r.name + " have different timeline intervals");
  if (a.paths.size() != b.paths.size()) return refuse(base.name + " and " + r.name + " measured different path mixes");
  for (size_t p = 0; p < a.paths.size(); ++p)
    if (a.paths[p].path != b.paths[p].path || a.paths[p].histogram.has_value() != b.paths[p].histogram.has_value() ||
        (a.paths[p].histogram && !same_layout(*a.paths[p].histogram, *b.paths[p].histogram)))
      return refuse(base.name + " and " + r.name + " measured different path mixes or layouts");
  return {};
}

Status check_all(const std::vector<NamedReport>& in) {
  if (in.empty()) return refuse("no report given");
  if (Status s = check_versions(in); !s) return s;
  if (Status s = check_scenario(in); !s) return s;
  if (Status s = check_segments(in); !s) return s;
  for (const NamedReport& r : in) {
    if (r.result.classes.size() != in[0].result.classes.size())
      return refuse(in[0].name + " and " + r.name + " ran different worker classes");
    for (size_t i = 0; i < r.result.classes.size(); ++i)
      if (Status s = check_class(in[0], r, i); !s) return s;
  }
  return {};
}

void add_errors(ErrorCounts& to, const ErrorCounts& e) {
  to.connect += e.connect, to.write += e.write, to.read += e.read;
  to.reset += e.reset, to.timeout += e.timeout, to.parse += e.parse;
  for (const auto& [code, n] : e.status) to.status[code] += n;
}

// Each point to the merged interval its wall-clock start is nearest to.
void add_timeline(ClassResult& to, const ClassResult& c, bool shared_pool) {
  double shift = c.measured_start_unix_s - to.measured_start_unix_s;
  for (const TimelinePoint& p : c.timeline) {
    long bin = std::lround((shift + p.t_s) / to.interval_s);
    if (bin < 0) bin = 0;
    if (static_cast<size_t>(bin) >= to.timeline.size()) {
      size_t from = to.timeline.size();
      to.timeline.resize(static_cast<size_t>(bin) + 1);
      for (size_t i = from; i < to.timeline.size(); ++i) to.timeline[i].t_s = static_cast<double>(i) * to.interval_s;
    }
    TimelinePoint& t = to.timeline[static_cast<size_t>(bin)];
    t.completed += p.completed;
    t.errors += p.errors;
    t.p99_s = std::max(t.p99_s, p.p99_s);
    t.server_requests = shared_pool ? std::max(t.server_requests, p.server_requests) : t.server_requests + p.server_requests;
  }
}

void add_events(ClassResult& to, const ClassResult& c) {
  double shift = c.measured_start_unix_s - to.measured_start_unix_s;
  for (InjectedEvent e : c.events) {
    e.at_s += shift, e.fired_s += shift;
    to.events.push_back(std::move(e));
  }
}

void add_client_side(ClassResult& to, const ClassResult& c) {
  to.connections += c.connections;
  to.target_rate += c.target_rate;
  to.requests_sent += c.requests_sent;
  to.responses += c.responses;
  to.bytes_read += c.bytes_read;
  to.bytes_written += c.bytes_written;
  to.histograms->latency.merge(c.histograms->latency);
  to.histograms->service.merge(c.histograms->service);
  to.histograms->queue.merge(c.histograms->queue);
  for (size_t p = 0; p < to.paths.size(); ++p)
    if (to.paths[p].histogram) to.paths[p].histogram->merge(*c.paths[p].histogram);
  add_errors(to.errors, c.errors);
  to.reconciliation.client_completed += c.reconciliation.client_completed;
  to.reconciliation.client_failed += c.reconciliation.client_failed;
  to.reconciliation.aborts_injected = to.reconciliation.aborts_injected || c.reconciliation.aborts_injected;
}

// One pool: earliest before, latest after. A pool each: the deltas add up.
void merge_server_side(ClassResult& to, const std::vector<const ClassResult*>& parts, bool shared_pool) {
  const Reconciliation* earliest = nullptr;
  const Reconciliation* latest = nullptr;
  uint64_t summed = 0;
  bool scraped = true;
  for (const ClassResult* c : parts) {
    const Reconciliation& r = c->reconciliation;
    if (!r.server_before || !r.server_after) {
      scraped = false;
      continue;
    }
    if (!earliest || r.before_unix_s < earliest->before_unix_s) earliest = &r;
    if (!latest || r.after_unix_s > latest->after_unix_s) latest = &r, to.final_scrape = c->final_scrape, to.workers = c->workers;
    summed += r.server_delta;
    for (const auto& [reason, n] : c->master_restarts)
      to.master_restarts[reason] = shared_pool ? std::max(to.master_restarts[reason], n) : to.master_restarts[reason] + n;
  }
  Reconciliation& out = to.reconciliation;
  if (!scraped || !earliest) {
    out.ok = true;
    out.verdict = "not applicable: the reports hold no server-side counts (--target)";
    return;
  }
  uint64_t delta = shared_pool ? static_cast<uint64_t>(std::llround(*latest->server_after - *earliest->server_before)) : summed;
  Reconciliation r = reconcile(out.client_completed, out.client_failed, delta, out.aborts_injected);
  r.server_before = earliest->server_before, r.before_unix_s = earliest->before_unix_s;
  r.server_after = latest->server_after, r.after_unix_s = latest->after_unix_s;
  out = r;
}

void summarize_class(ClassResult& c) {
  c.latency = summarize(c.histograms->latency);
  c.service = summarize(c.histograms->service);
  c.queue = summarize(c.histograms->queue);
  for (PathLatency& p : c.paths)
    if (p.histogram) {
      p.latency = summarize(*p.histogram);
      p.latency.spectrum.clear();
    }
  c.achieved_rate = c.duration_s > 0 ? static_cast<double>(c.responses) / c.duration_s : 0;
}

ClassResult merge_class(const std::vector<NamedReport>& in, size_t i) {
  std::vector<const ClassResult*> parts;
  for (const NamedReport& r : in) parts.push_back(&r.result.classes[i]);
  bool shared_pool = std::all_of(parts.begin(), parts.end(), [&](const ClassResult* c) { return c->target_url == parts[0]->target_url; });
  ClassResult out;
  out.worker_class = parts[0]->worker_class;
  out.target_url = shared_pool ? parts[0]->target_url : "";
  out.interval_s = parts[0]->interval_s;
  out.histograms = ClassHistograms{Histogram(parts[0]->histograms->latency.highest(), parts[0]->histograms->latency.precision_bits()),
                                   Histogram(parts[0]->histograms->service.highest(), parts[0]->histograms->service.precision_bits()),
                                   Histogram(parts[0]->histograms->queue.highest(), parts[0]->histograms->queue.precision_bits())};
  for (const PathLatency& p : parts[0]->paths) {
    out.paths.push_back({p.path, {}, std::nullopt});
    if (p.histogram) out.paths.back().histogram = Histogram(p.histogram->highest(), p.histogram->precision_bits());
  }
  double end = 0;
  out.measured_start_unix_s = parts[0]->measured_start_unix_s;
  for (const ClassResult* c : parts) out.measured_start_unix_s = std::min(out.measured_start_unix_s, c->measured_start_unix_s);
  for (const ClassResult* c : parts) {
    end = std::max(end, c->measured_start_unix_s + c->duration_s);
    add_client_side(out, *c);
    add_timeline(out, *c, shared_pool);
    add_events(out, *c);
    if (c->start_offset_s) out.start_offset_s = std::max(out.start_offset_s.value_or(*c->start_offset_s), *c->start_offset_s);
  }
  out.duration_s = end - out.measured_start_unix_s;
  merge_server_side(out, parts, shared_pool);
  summarize_class(out);
  out.verdict.passed = out.reconciliation.ok;
  if (!out.reconciliation.ok) out.verdict.reasons.push_back("reconciliation: " + out.reconciliation.verdict);
  for (size_t k = 0; k < parts.size(); ++k)
    for (const std::string& reason : parts[k]->verdict.reasons) {
      out.verdict.passed = false;
      out.verdict.reasons.push_back(in[k].name + ": " + reason);
    }
  return out;
}

BenchResult merge_header(const std::vector<NamedReport>& in) {
  BenchResult out;
  out.environment = in[0].result.environment;
  std::set<std::string> hosts;
  for (const NamedReport& r : in) {
    hosts.insert(r.result.environment.hostname);
    out.environment.started_utc = std::min(out.environment.started_utc, r.result.environment.started_utc);
    out.interrupted = out.interrupted || r.result.interrupted;
    out.execution.merged_from.push_back(r.name);
    if (r.result.execution.segment_index == r.result.execution.inject_from)
      if (auto it = r.result.config.find("inject.events"); it != r.result.config.end()) out.config["inject.events"] = it->second;
  }
  out.environment.hostname.clear();
  for (const std::string& h : hosts) out.environment.hostname += (out.environment.hostname.empty() ? "" : ",") + h;
  for (const auto& [k, v] : in[0].result.config)
    if (!is_per_generator_key(k)) out.config.emplace(k, v);
  out.config["load.segment"] = std::to_string(in.size()) + " of " + std::to_string(in[0].result.execution.segment_count) + " segments";
  return out;
}

}  // namespace

bool is_per_generator_key(const std::string& k) {
  for (const char* prefix : {"report.", "push.", "gate."})
    if (k.rfind(prefix, 0) == 0) return true;
  return k == "load.segment" || k == "load.start_at" || k == "inject.from" || k == "inject.events";
}

Result<BenchResult> merge_reports(const std::vector<NamedReport>& in) {
  if (Status s = check_all(in); !s) return s.error();
  BenchResult out = merge_header(in);
  for (size_t i = 0; i < in[0].result.classes.size(); ++i) out.classes.push_back(merge_class(in, i));
  for (const ClassResult& c : out.classes)
    for (const std::string& reason : c.verdict.reasons) {
      out.verdict.passed = false;
      out.verdict.reasons.push_back(c.worker_class + ": " + reason);
    }
  return out;
}

}  // namespace wpm
