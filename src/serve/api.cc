// File: serve/api.cc
#include "serve/api.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>

#include "model/post_json.h"
#include "sink/result_sink.h"

namespace starling::serve {
namespace {

constexpr std::string_view kApi = "/api/v1/";

void AppendKey(std::string_view key, std::string* out) {
  model::AppendJsonString(key, out);
  out->push_back(':');
}

void AppendNumber(double v, std::string* out) {
  if (!std::isfinite(v)) {
    *out += "null";
    return;
  }
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%.6g", v);
  out->append(buf, static_cast<std::size_t>(n));
}

std::string Timestamp(model::TimestampUs t) {
  if (t == INT64_MIN || t == INT64_MAX) return "";
  return model::FormatTimestamp(t);
}

ApiResponse Json(std::string body) {
  ApiResponse r;
  r.body = std::move(body);
  return r;
}

// An integer parameter in [lo, hi], or the default when absent.
std::optional<std::size_t> IntParam(const QueryParams& q, std::string_view name, std::size_t lo,
                                    std::size_t hi, std::size_t fallback, ApiResponse* error) {
  auto it = q.find(name);
  if (it == q.end()) return fallback;
  std::size_t v = 0;
  const char* b = it->second.data();
  const char* e = b + it->second.size();
  auto [p, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || p != e || v < lo || v > hi) {
    *error = JsonError(400, std::string(name) + " must be an integer in [" + std::to_string(lo) +
                                ", " + std::to_string(hi) + "]");
    return std::nullopt;
  }
  return v;
}

std::string Param(const QueryParams& q, std::string_view name) {
  auto it = q.find(name);
  return it == q.end() ? std::string() : it->second;
}

// The analysis a request names (`analysis=`), or the first of `kind` with
// `by` (the `by=` parameter, else default_by). Fills *error when none fits.
std::optional<AnalysisInfo> PickAnalysis(const DashboardState& state, const QueryParams& q,
                                         model::ResultKind kind, std::string_view default_by,
                                         ApiResponse* error) {
  const std::string name = Param(q, "analysis");
  if (!name.empty()) {
    auto a = state.FindAnalysis(name);
    if (!a) {
      *error = JsonError(404, "no analysis named '" + name + "'");
      return std::nullopt;
    }
    if (a->kind != kind) {
      *error = JsonError(400, "analysis '" + name + "' is a " +
                                  std::string(model::ResultKindName(a->kind)) + " analysis, not " +
                                  std::string(model::ResultKindName(kind)));
      return std::nullopt;
    }
    return a;
  }
  std::string by = Param(q, "by");
  if (by.empty()) by = default_by;
  auto a = state.FirstOf(kind, by);
  if (!a) {
    *error = JsonError(404, "the pipeline has no " + std::string(model::ResultKindName(kind)) +
                                " analysis" + (by.empty() ? "" : " by " + by));
  }
  return a;
}

void AppendWindows(const std::vector<model::WindowResult>& windows, std::string* out) {
  out->push_back('[');
  for (std::size_t i = 0; i < windows.size(); ++i) {
    if (i > 0) out->push_back(',');
    model::AppendResultJson(windows[i], out);
  }
  out->push_back(']');
}

// {"analysis":NAME,"window":RESULT|null} for the newest window.
ApiResponse LatestWindow(const DashboardState& state, const AnalysisInfo& a) {
  auto recent = state.bus().Recent(a.name, 1);
  std::string body = "{";
  AppendKey("analysis", &body);
  model::AppendJsonString(a.name, &body);
  body += ",";
  AppendKey("window", &body);
  if (recent.empty()) {
    body += "null";
  } else {
    model::AppendResultJson(recent.back(), &body);
  }
  body += "}";
  return Json(std::move(body));
}

ApiResponse Analyses(const DashboardState& state) {
  std::string body = "{";
  AppendKey("pipeline", &body);
  model::AppendJsonString(state.pipeline(), &body);
  body += ",";
  AppendKey("analyses", &body);
  body += "[";
  bool first = true;
  for (const AnalysisInfo& a : state.analyses()) {
    if (!first) body += ",";
    first = false;
    body += "{";
    AppendKey("name", &body);
    model::AppendJsonString(a.name, &body);
    body += ",";
    AppendKey("kind", &body);
    model::AppendJsonString(model::ResultKindName(a.kind), &body);
    body += ",";
    AppendKey("by", &body);
    model::AppendJsonString(a.by, &body);
    body += ",";
    AppendKey("window", &body);
    model::AppendJsonString(a.window, &body);
    body += ",";
    AppendKey("k", &body);
    body += std::to_string(a.k);
    body += ",";
    AppendKey("of", &body);
    model::AppendJsonString(a.of, &body);
    body += "}";
  }
  body += "]}";
  return Json(std::move(body));
}

ApiResponse Windows(const DashboardState& state, const QueryParams& q) {
  ApiResponse error;
  const std::string name = Param(q, "analysis");
  if (name.empty()) return JsonError(400, "analysis is required (see /api/v1/analyses)");
  if (!state.FindAnalysis(name)) return JsonError(404, "no analysis named '" + name + "'");
  auto limit = IntParam(q, "limit", 1, 1000, 60, &error);
  if (!limit) return error;
  model::TimestampUs since = INT64_MIN;
  if (auto s = Param(q, "since"); !s.empty()) {
    auto t = model::ParseTimestamp(s);
    if (!t.ok()) return JsonError(400, "since must be an ISO-8601 time: " + t.status().message());
    since = *t;
  }
  const std::string final_only = Param(q, "final");
  if (!final_only.empty() && final_only != "0" && final_only != "1") {
    return JsonError(400, "final must be 0 or 1");
  }
  std::vector<model::WindowResult> picked;
  for (auto& w : state.bus().Recent(name, SIZE_MAX)) {
    if (w.window_end <= since) continue;
    if (final_only == "1" && !w.final) continue;
    picked.push_back(std::move(w));
  }
  if (picked.size() > *limit)
    picked.erase(picked.begin(), picked.end() - static_cast<std::ptrdiff_t>(*limit));
  std::string body = "{";
  AppendKey("analysis", &body);
  model::AppendJsonString(name, &body);
  body += ",";
  AppendKey("windows", &body);
  AppendWindows(picked, &body);
  body += "}";
  return Json(std::move(body));
}

ApiResponse Sentiment(const DashboardState& state, const QueryParams& q) {
  ApiResponse error;
  auto a = PickAnalysis(state, q, model::ResultKind::kSentiment, "", &error);
  if (!a) return error;
  auto limit = IntParam(q, "limit", 1, 1000, 120, &error);
  if (!limit) return error;
  std::string key = Param(q, "key");
  if (key.empty()) key = "*";
  std::string body = "{";
  AppendKey("analysis", &body);
  model::AppendJsonString(a->name, &body);
  body += ",";
  AppendKey("key", &body);
  model::AppendJsonString(key, &body);
  body += ",";
  AppendKey("points", &body);
  body += "[";
  bool first = true;
  for (const auto& w : state.bus().Recent(a->name, *limit)) {
    for (const auto& row : w.rows) {
      if (row.key != key) continue;
      if (!first) body += ",";
      first = false;
      body += "{";
      AppendKey("window_start", &body);
      model::AppendJsonString(Timestamp(w.window_start), &body);
      body += ",";
      AppendKey("window_end", &body);
      model::AppendJsonString(Timestamp(w.window_end), &body);
      body += ",";
      AppendKey("final", &body);
      body += w.final ? "true" : "false";
      body += ",";
      AppendKey("posts", &body);
      body += std::to_string(row.count);
      body += ",";
      AppendKey("mean_compound", &body);
      AppendNumber(row.value, &body);
      body += ",";
      AppendKey("positive", &body);
      body += std::to_string(row.pos);
      body += ",";
      AppendKey("neutral", &body);
      body += std::to_string(row.neu);
      body += ",";
      AppendKey("negative", &body);
      body += std::to_string(row.neg);
      body += "}";
      break;
    }
  }
  body += "]}";
  return Json(std::move(body));
}

ApiResponse Bursts(const DashboardState& state, const QueryParams& q) {
  ApiResponse error;
  auto a = PickAnalysis(state, q, model::ResultKind::kBurst, "", &error);
  if (!a) return error;
  auto limit = IntParam(q, "limit", 1, 1000, 20, &error);
  if (!limit) return error;
  std::vector<model::WindowResult> fired;
  for (auto& w : state.bus().Recent(a->name, SIZE_MAX)) {
    if (!w.rows.empty()) fired.push_back(std::move(w));
  }
  if (fired.size() > *limit)
    fired.erase(fired.begin(), fired.end() - static_cast<std::ptrdiff_t>(*limit));
  std::string body = "{";
  AppendKey("analysis", &body);
  model::AppendJsonString(a->name, &body);
  body += ",";
  AppendKey("windows", &body);
  AppendWindows(fired, &body);
  body += "}";
  return Json(std::move(body));
}

ApiResponse Posts(const DashboardState& state, const QueryParams& q) {
  ApiResponse error;
  auto limit = IntParam(q, "limit", 1, 500, 50, &error);
  if (!limit) return error;
  PostQuery query;
  query.text = Param(q, "q");
  query.hashtag = Param(q, "hashtag");
  if (query.hashtag.starts_with('#')) query.hashtag.erase(0, 1);
  query.mention = Param(q, "mention");
  if (query.mention.starts_with('@')) query.mention.erase(0, 1);
  query.lang = Param(q, "lang");
  query.limit = *limit;
  if (query.text.size() > 200) return JsonError(400, "q is longer than 200 bytes");
  std::string body = "{";
  AppendKey("posts", &body);
  body += "[";
  bool first = true;
  for (const std::string& p : state.FindPosts(query)) {
    if (!first) body += ",";
    first = false;
    body += p;
  }
  body += "]}";
  return Json(std::move(body));
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view s, bool plus_as_space) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hex(s[i + 1]);
      const int lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      const char d = static_cast<char>(hi * 16 + lo);
      if (d == '\0') return std::nullopt;
      out.push_back(d);
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<QueryParams> ParseQuery(std::string_view query) {
  QueryParams out;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    auto key = PercentDecode(part.substr(0, eq), true);
    auto value = PercentDecode(eq == std::string_view::npos ? "" : part.substr(eq + 1), true);
    if (!key || !value) return std::nullopt;
    out[*key] = *value;
  }
  return out;
}

ApiResponse JsonError(int status, std::string_view message) {
  ApiResponse r;
  r.status = status;
  r.body = "{\"error\":{\"status\":" + std::to_string(status) + ",\"message\":";
  // Messages echo paths and parameters: '<', '>' and '&' are written as
  // \u escapes, so no markup (<script>) ever appears in an error body, even
  // to a client that ignores its JSON content type.
  std::string quoted;
  model::AppendJsonString(message, &quoted);
  for (const char c : quoted) {
    switch (c) {
      case '<':
        r.body += "\\u003c";
        break;
      case '>':
        r.body += "\\u003e";
        break;
      case '&':
        r.body += "\\u0026";
        break;
      default:
        r.body += c;
    }
  }
  r.body += "}}";
  return r;
}

// A provider source's connection (never a secret: the spec is redacted).
void AppendSourceHealth(const source::SourceHealth& h, std::string* out) {
  std::string& body = *out;
  body += "{";
  AppendKey("connected", &body);
  body += h.connected ? "true," : "false,";
  auto num = [&](std::string_view key, std::uint64_t v) {
    AppendKey(key, &body);
    body += std::to_string(v);
    body += ",";
  };
  num("connects", h.connects);
  num("reconnects", h.reconnects);
  num("requests", h.requests);
  num("bytes", h.bytes);
  num("duplicates", h.duplicates);
  num("cut", h.cut);
  num("keep_alives", h.keep_alives);
  AppendKey("rate_limit_remaining", &body);
  body += h.rate_limit_remaining >= 0 ? std::to_string(h.rate_limit_remaining) : "null";
  body += ",";
  AppendKey("last_error", &body);
  model::AppendJsonString(h.last_error, &body);
  body += ",";
  AppendKey("backoff", &body);
  model::AppendJsonString(h.backoff, &body);
  body += ",";
  AppendKey("backoff_until", &body);
  if (h.backoff_until_us > 0) {
    model::AppendJsonString(model::FormatTimestamp(h.backoff_until_us), &body);
  } else {
    body += "null";
  }
  if (h.brokers > 0) {  // a partitioned log (Kafka): its brokers, rebalances, partitions
    body += ",";
    num("brokers", h.brokers);
    AppendKey("rebalances", &body);
    body += std::to_string(h.rebalances) + ",";
    AppendKey("partitions", &body);
    body += "[";
    for (std::size_t i = 0; i < h.partitions.size(); ++i) {
      const source::SourceHealth::Partition& p = h.partitions[i];
      body += i == 0 ? "{" : ",{";
      AppendKey("partition", &body);
      body += std::to_string(p.partition) + ",";
      AppendKey("next_offset", &body);
      body += (p.next_offset >= 0 ? std::to_string(p.next_offset) : "null") + ",";
      AppendKey("lag", &body);
      body += (p.lag >= 0 ? std::to_string(p.lag) : "null") + "}";
    }
    body += "]";
  }
  body += "}";
}

std::string StatsJson(const DashboardState& state) {
  const StatsSnapshot snap = state.stats();
  const dataflow::RunStats& s = snap.stats;
  std::string body = "{";
  auto num = [&](std::string_view key, std::uint64_t v) {
    AppendKey(key, &body);
    body += std::to_string(v);
    body += ",";
  };
  AppendKey("pipeline", &body);
  model::AppendJsonString(state.pipeline(), &body);
  body += ",";
  AppendKey("running", &body);
  body += snap.running ? "true," : "false,";
  AppendKey("source", &body);
  model::AppendJsonString(snap.source, &body);
  body += ",";
  num("records", s.records);
  num("posts", s.posts);
  num("dead_letters", s.dead_letters);
  num("late_posts", s.late_posts);
  num("late_items", s.late_items);
  num("results", s.results);
  num("final_results", s.final_results);
  num("checkpoints", s.checkpoints);
  num("open_windows", s.open_windows);
  AppendKey("posts_per_second", &body);
  AppendNumber(snap.posts_per_second, &body);
  body += ",";
  const bool has_watermark = snap.has_stats && s.watermark > 0 && s.watermark < INT64_MAX;
  AppendKey("watermark", &body);
  if (has_watermark) {
    model::AppendJsonString(model::FormatTimestamp(s.watermark), &body);
  } else {
    body += "null";
  }
  body += ",";
  AppendKey("lag_seconds", &body);
  if (has_watermark && snap.running) {
    const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    AppendNumber(static_cast<double>(now - s.watermark) / 1e6, &body);
  } else {
    body += "null";
  }
  body += ",";
  AppendKey("checkpoint_age_seconds", &body);
  if (s.checkpoints > 0) {
    AppendNumber(static_cast<double>(s.last_checkpoint_age.count()) / 1e6, &body);
  } else {
    body += "null";
  }
  body += ",";
  AppendKey("latency_p50_ms", &body);
  AppendNumber(static_cast<double>(s.latency_p50.count()) / 1e3, &body);
  body += ",";
  AppendKey("latency_p99_ms", &body);
  AppendNumber(static_cast<double>(s.latency_p99.count()) / 1e3, &body);
  body += ",";
  AppendKey("elapsed_seconds", &body);
  AppendNumber(static_cast<double>(s.elapsed.count()) / 1e6, &body);
  body += ",";
  AppendKey("source_health", &body);
  if (s.source_health) {
    AppendSourceHealth(*s.source_health, &body);
  } else {
    body += "null";
  }
  body += "}";
  return body;
}

std::string HelloMessage(const DashboardState& state) {
  std::string body = R"({"type":"hello","pipeline":)";
  model::AppendJsonString(state.pipeline(), &body);
  body += R"(,"analyses":)";
  const std::string analyses = Analyses(state).body;
  // {"pipeline":...,"analyses":[...]}: take the array.
  const std::size_t at = analyses.find("\"analyses\":");
  body += analyses.substr(at + 11, analyses.size() - at - 12);
  body += "}";
  return body;
}

std::string ResultMessage(const model::WindowResult& result) {
  std::string body = R"({"type":"result","result":)";
  model::AppendResultJson(result, &body);
  body += "}";
  return body;
}

std::string StatsMessage(const DashboardState& state) {
  return R"({"type":"stats","stats":)" + StatsJson(state) + "}";
}

std::optional<ApiResponse> HandleApi(const DashboardState& state, std::string_view path,
                                     const QueryParams& query) {
  if (path == "/healthz") return Json(R"({"status":"ok"})");
  if (!path.starts_with(kApi)) return std::nullopt;
  const std::string_view name = path.substr(kApi.size());
  ApiResponse error;
  if (name == "stats") return Json(StatsJson(state));
  if (name == "analyses") return Analyses(state);
  if (name == "windows") return Windows(state, query);
  if (name == "trending") {
    auto a = PickAnalysis(state, query, model::ResultKind::kTopK, "", &error);
    return a ? LatestWindow(state, *a) : error;
  }
  if (name == "sentiment") return Sentiment(state, query);
  if (name == "languages" || name == "providers") {
    auto a = PickAnalysis(state, query, model::ResultKind::kCount,
                          name == "languages" ? "lang" : "provider", &error);
    return a ? LatestWindow(state, *a) : error;
  }
  if (name == "bursts") return Bursts(state, query);
  if (name == "clusters") {
    auto a = PickAnalysis(state, query, model::ResultKind::kCluster, "", &error);
    return a ? LatestWindow(state, *a) : error;
  }
  if (name == "posts") return Posts(state, query);
  if (name == "stream") return JsonError(400, "/api/v1/stream is a WebSocket: send an upgrade");
  return JsonError(404, "no such endpoint: " + std::string(path) + " (see docs/api.md)");
}

// ---------- metrics ----------

struct Metrics::Impl {
  prometheus::Registry registry;
  // Counters mirror the engine's totals: each render adds what is new.
  struct Mirrored {
    prometheus::Counter* counter;
    std::uint64_t seen = 0;
    void Sync(std::uint64_t total) {
      if (total > seen) counter->Increment(static_cast<double>(total - seen));
      seen = std::max(seen, total);
    }
  };
  Mirrored records, posts, dead, late, results, checkpoints;
  prometheus::Gauge *open_windows, *watermark, *checkpoint_age, *p50, *p99, *ws_clients;
  prometheus::Family<prometheus::Counter>* requests;
  // The provider source's connection (only when the source is one), by measure.
  std::map<std::string, prometheus::Family<prometheus::Gauge>*> source_gauges;
  // A partitioned log's (Kafka's) partitions, by partition: the series of the
  // partitions held at the last render, so a revoked one is removed, not left
  // at its last value.
  prometheus::Family<prometheus::Gauge>* partition_offset;
  prometheus::Family<prometheus::Gauge>* partition_lag;
  std::map<std::int32_t, prometheus::Gauge*> offset_series, lag_series;
  std::mutex mu;

  Impl() {
    auto counter = [&](const char* name, const char* help) {
      return Mirrored{&prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({})};
    };
    auto gauge = [&](const char* name, const char* help) {
      return &prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
    };
    records = counter("starling_records_total", "Records read from the source");
    posts = counter("starling_posts_total", "Posts that passed the pipeline's transforms");
    dead = counter("starling_dead_letters_total", "Records that could not be parsed");
    late = counter("starling_late_posts_total", "Posts too late for every window");
    results = counter("starling_results_total", "Window results emitted (previews and finals)");
    checkpoints = counter("starling_checkpoints_total", "Checkpoints written");
    open_windows = gauge("starling_open_windows", "Windows open in the engine");
    watermark = gauge("starling_watermark_seconds", "The watermark (event time), Unix seconds");
    checkpoint_age = gauge("starling_checkpoint_age_seconds", "Seconds since the last checkpoint");
    p50 = gauge("starling_latency_p50_seconds", "Read-to-result latency, median");
    p99 = gauge("starling_latency_p99_seconds", "Read-to-result latency, 99th percentile");
    ws_clients = gauge("starling_websocket_clients", "Connected WebSocket clients");
    requests = &prometheus::BuildCounter()
                    .Name("starling_http_requests_total")
                    .Help("HTTP requests answered, by status code")
                    .Register(registry);
    const std::pair<const char*, const char*> measures[] = {
        {"connected", "1 while the provider source is connected"},
        {"connects", "Connections (or polls) the provider answered with success"},
        {"reconnects", "Attempts after a failure"},
        {"requests", "HTTP requests and connection attempts"},
        {"bytes", "Bytes received from the provider"},
        {"duplicates", "Records dropped as already delivered (after a reconnect or resume)"},
        {"cut", "Partial records dropped at a disconnect (not bad data)"},
        {"keep_alives", "Keep-alives and heartbeats received"},
        {"rate_limit_remaining", "Requests left in the provider's rate-limit window"},
        {"backoff_seconds", "Seconds left in the wait before the next attempt"},
        {"brokers", "Brokers in the cluster's metadata (a partitioned log: Kafka)"},
        {"rebalances", "Consumer group rebalances seen: assignments and revocations (Kafka)"}};
    for (const auto& [measure, help] : measures) {
      source_gauges.emplace(measure, &prometheus::BuildGauge()
                                          .Name(std::string("starling_source_") + measure)
                                          .Help(help)
                                          .Register(registry));
    }
    partition_offset = &prometheus::BuildGauge()
                            .Name("starling_source_partition_offset")
                            .Help("The next offset to read, per partition held (Kafka)")
                            .Register(registry);
    partition_lag = &prometheus::BuildGauge()
                         .Name("starling_source_partition_lag")
                         .Help(
                             "Messages behind the partition's high watermark of the last fetch, "
                             "per partition held (Kafka)")
                         .Register(registry);
  }
  void SyncSource(const source::SourceHealth& h) {
    auto set = [&](const char* measure, double v) {
      source_gauges.at(measure)->Add({{"source", h.source}}).Set(v);
    };
    set("connected", h.connected ? 1 : 0);
    set("connects", static_cast<double>(h.connects));
    set("reconnects", static_cast<double>(h.reconnects));
    set("requests", static_cast<double>(h.requests));
    set("bytes", static_cast<double>(h.bytes));
    set("duplicates", static_cast<double>(h.duplicates));
    set("cut", static_cast<double>(h.cut));
    set("keep_alives", static_cast<double>(h.keep_alives));
    if (h.rate_limit_remaining >= 0) {
      set("rate_limit_remaining", static_cast<double>(h.rate_limit_remaining));
    }
    const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    set("backoff_seconds",
        h.backoff_until_us > now ? static_cast<double>(h.backoff_until_us - now) / 1e6 : 0);
    if (h.brokers > 0) {  // a partitioned log (Kafka; the stats' gate too)
      set("brokers", static_cast<double>(h.brokers));
      set("rebalances", static_cast<double>(h.rebalances));
      SyncPartitions(h);
    }
  }
  // One series per partition held and measure known (an offset or a lag not
  // known yet, -1, has none); the series of a partition no longer held, or
  // of a measure no longer known, go.
  void SyncPartitions(const source::SourceHealth& h) {
    auto sync = [&](prometheus::Family<prometheus::Gauge>* family,
                    std::map<std::int32_t, prometheus::Gauge*>* series,
                    std::int64_t source::SourceHealth::Partition::*measure) {
      std::map<std::int32_t, prometheus::Gauge*> now;
      for (const source::SourceHealth::Partition& p : h.partitions) {
        if (p.*measure < 0) continue;
        prometheus::Gauge* g =
            &family->Add({{"source", h.source}, {"partition", std::to_string(p.partition)}});
        g->Set(static_cast<double>(p.*measure));
        now.emplace(p.partition, g);
      }
      for (const auto& [partition, g] : *series) {
        const auto at = now.find(partition);
        if (at == now.end() || at->second != g) family->Remove(g);
      }
      *series = std::move(now);
    };
    sync(partition_offset, &offset_series, &source::SourceHealth::Partition::next_offset);
    sync(partition_lag, &lag_series, &source::SourceHealth::Partition::lag);
  }
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

void Metrics::CountRequest(int status) {
  std::lock_guard lock(impl_->mu);
  impl_->requests->Add({{"code", std::to_string(status)}}).Increment();
}

void Metrics::SetWebSocketClients(std::size_t n) {
  std::lock_guard lock(impl_->mu);
  impl_->ws_clients->Set(static_cast<double>(n));
}

std::string Metrics::Render(const DashboardState& state) {
  const StatsSnapshot snap = state.stats();
  const dataflow::RunStats& s = snap.stats;
  std::lock_guard lock(impl_->mu);
  Impl& m = *impl_;
  m.records.Sync(s.records);
  m.posts.Sync(s.posts);
  m.dead.Sync(s.dead_letters);
  m.late.Sync(s.late_posts);
  m.results.Sync(s.results);
  m.checkpoints.Sync(s.checkpoints);
  m.open_windows->Set(static_cast<double>(s.open_windows));
  if (s.watermark > 0 && s.watermark < INT64_MAX) {
    m.watermark->Set(static_cast<double>(s.watermark) / 1e6);
  }
  m.checkpoint_age->Set(static_cast<double>(s.last_checkpoint_age.count()) / 1e6);
  m.p50->Set(static_cast<double>(s.latency_p50.count()) / 1e6);
  m.p99->Set(static_cast<double>(s.latency_p99.count()) / 1e6);
  if (s.source_health) m.SyncSource(*s.source_health);
  prometheus::TextSerializer serializer;
  return serializer.Serialize(m.registry.Collect());
}

}  // namespace starling::serve
