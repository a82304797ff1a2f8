// File: serve/report.cc
#include "serve/report.h"

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <utility>
#include <vector>

#include "common/number_format.h"
#include "model/time.h"

namespace starling::serve {
namespace {

using model::ResultKind;
using model::TimestampUs;

std::string Esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string Num(double v, int decimals = 0) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string Clock(TimestampUs t) {
  if (t == INT64_MIN || t == INT64_MAX) return "all";
  return model::FormatTimestamp(t).substr(0, 19).replace(10, 1, " ");
}

struct Point {
  TimestampUs t;
  double y;
};

// A line over time, with min/max labels on both axes.
std::string LineChart(const std::vector<Point>& points, const std::string& label,
                      int decimals = 0) {
  constexpr int kW = 720, kH = 200, kLeft = 60, kBottom = 24, kTop = 10, kRight = 10;
  if (points.empty()) return "<p class=empty>No data.</p>";
  TimestampUs t0 = points.front().t, t1 = points.back().t;
  double lo = points.front().y, hi = lo;
  for (const Point& p : points) {
    lo = std::min(lo, p.y);
    hi = std::max(hi, p.y);
  }
  if (lo > 0 && decimals == 0) lo = 0;
  if (hi == lo) hi = lo + 1;
  const double tspan = t1 > t0 ? static_cast<double>(t1 - t0) : 1.0;
  auto x = [&](TimestampUs t) {
    return kLeft + (kW - kLeft - kRight) * (static_cast<double>(t - t0) / tspan);
  };
  auto y = [&](double v) { return kTop + (kH - kTop - kBottom) * (1 - (v - lo) / (hi - lo)); };
  std::string svg = "<svg viewBox=\"0 0 " + std::to_string(kW) + " " + std::to_string(kH) +
                    "\" role=img aria-label=\"" + Esc(label) + "\">";
  svg += "<line class=axis x1=" + Num(kLeft) + " y1=" + Num(kH - kBottom) +
         " x2=" + Num(kW - kRight) + " y2=" + Num(kH - kBottom) + " />";
  svg += "<line class=axis x1=" + Num(kLeft) + " y1=" + Num(kTop) + " x2=" + Num(kLeft) +
         " y2=" + Num(kH - kBottom) + " />";
  svg += "<text x=" + Num(kLeft - 6) + " y=" + Num(kTop + 10) + " text-anchor=end>" +
         Num(hi, decimals) + "</text>";
  svg += "<text x=" + Num(kLeft - 6) + " y=" + Num(kH - kBottom) + " text-anchor=end>" +
         Num(lo, decimals) + "</text>";
  svg += "<text x=" + Num(kLeft) + " y=" + Num(kH - 6) + ">" + Esc(Clock(t0)) + "</text>";
  svg += "<text x=" + Num(kW - kRight) + " y=" + Num(kH - 6) + " text-anchor=end>" +
         Esc(Clock(t1)) + "</text>";
  if (lo < 0 && hi > 0) {
    svg += "<line class=zero x1=" + Num(kLeft) + " y1=" + Num(y(0), 1) + " x2=" + Num(kW - kRight) +
           " y2=" + Num(y(0), 1) + " />";
  }
  svg += "<polyline class=line points=\"";
  for (const Point& p : points) svg += Num(x(p.t), 1) + "," + Num(y(p.y), 1) + " ";
  svg += "\" />";
  if (points.size() <= 60) {
    for (const Point& p : points) {
      svg += "<circle r=2.5 cx=" + Num(x(p.t), 1) + " cy=" + Num(y(p.y), 1) + "><title>" +
             Esc(Clock(p.t)) + ": " + Num(p.y, decimals) + "</title></circle>";
    }
  }
  svg += "</svg>";
  return svg;
}

// Horizontal bars, largest first.
std::string BarChart(const std::vector<std::pair<std::string, double>>& bars,
                     const std::string& label) {
  if (bars.empty()) return "<p class=empty>No data.</p>";
  constexpr int kW = 720, kRow = 22, kLabel = 200, kValue = 80;
  const int h = kRow * static_cast<int>(bars.size()) + 4;
  double hi = 0;
  for (const auto& b : bars) hi = std::max(hi, b.second);
  if (hi <= 0) hi = 1;
  std::string svg = "<svg viewBox=\"0 0 " + std::to_string(kW) + " " + std::to_string(h) +
                    "\" role=img aria-label=\"" + Esc(label) + "\">";
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const double y = static_cast<double>(i) * kRow + 2;
    const double w = (kW - kLabel - kValue) * (bars[i].second / hi);
    std::string name = bars[i].first;
    if (name.size() > 40) name = name.substr(0, 37) + "...";
    svg += "<text x=" + Num(kLabel - 8) + " y=" + Num(y + 15) + " text-anchor=end>" + Esc(name) +
           "</text>";
    svg += "<rect class=bar x=" + Num(kLabel) + " y=" + Num(y + 3) + " width=" + Num(w, 1) +
           " height=" + Num(kRow - 6) + "><title>" + Esc(bars[i].first) + ": " +
           Grouped(static_cast<std::int64_t>(bars[i].second)) + "</title></rect>";
    svg += "<text x=" + Num(kLabel + w + 6, 1) + " y=" + Num(y + 15) + ">" +
           Grouped(static_cast<std::int64_t>(bars[i].second)) + "</text>";
  }
  svg += "</svg>";
  return svg;
}

// Sum of each key's count over the stored windows, highest first.
std::vector<std::pair<std::string, double>> Totals(const std::vector<model::WindowResult>& ws,
                                                   std::size_t k) {
  std::map<std::string, double> sum;
  for (const auto& w : ws) {
    for (const auto& r : w.rows) {
      const std::string key = w.kind == ResultKind::kCooccurrence ? r.key + " + " + r.key2 : r.key;
      sum[key] += static_cast<double>(r.count);
    }
  }
  std::vector<std::pair<std::string, double>> out(sum.begin(), sum.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (out.size() > k) out.resize(k);
  return out;
}

std::string Prefix(const AnalysisInfo& a) {
  if (a.by == "hashtag" || a.kind == ResultKind::kCooccurrence) return "#";
  if (a.by == "mention" || a.by == "author") return "@";
  if (a.by == "cashtag") return "$";
  return "";
}

std::string Section(const std::string& title, const std::string& note, const std::string& body) {
  return "<section><h2>" + Esc(title) + "</h2>" +
         (note.empty() ? "" : "<p class=note>" + Esc(note) + "</p>") + body + "</section>\n";
}

std::string Describe(const AnalysisInfo& a) {
  std::string s = "analysis '" + a.name + "'";
  if (!a.window.empty()) s += ", windows: " + a.window;
  return s;
}

constexpr std::string_view kStyle = R"css(
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2433;background:#f6f7fb;margin:0}
header{background:#1d2433;color:#fff;padding:24px 32px}header h1{margin:0 0 4px;font-size:24px}
header p{margin:2px 0;color:#c9d1e3}main{max-width:1100px;margin:0 auto;padding:16px 24px 48px}
section{background:#fff;border-radius:10px;box-shadow:0 1px 3px #0001;padding:16px 20px;margin:16px 0}
h2{font-size:18px;margin:0 0 8px}.note{color:#5b6478;margin:0 0 8px;font-size:13px}
svg{width:100%;height:auto;font-size:12px;fill:#1d2433}.axis{stroke:#98a2b3}.zero{stroke:#d0d5dd;stroke-dasharray:4}
.line{fill:none;stroke:#3b63d9;stroke-width:2}circle{fill:#3b63d9}.bar{fill:#3b63d9}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eceef3}
th{color:#5b6478;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.kpis{display:flex;flex-wrap:wrap;gap:12px}.kpi{flex:1 1 140px;background:#f0f3fa;border-radius:8px;padding:10px 14px}
.kpi b{display:block;font-size:22px}.post{border-bottom:1px solid #eceef3;padding:6px 0}.post small{color:#5b6478}
.empty{color:#98a2b3}@media(max-width:600px){main{padding:8px}section{padding:12px}header{padding:16px}}
)css";

}  // namespace

std::string RenderReport(const DashboardState& state, const ReportOptions& options) {
  const std::vector<AnalysisInfo> analyses = state.analyses();
  const StatsSnapshot snap = state.stats();
  auto windows_of = [&](const AnalysisInfo& a) { return state.bus().Recent(a.name, SIZE_MAX); };

  // The time span and the volume.
  TimestampUs first = INT64_MAX, last = INT64_MIN;
  for (const AnalysisInfo& a : analyses) {
    for (const auto& w : windows_of(a)) {
      if (w.window_start != INT64_MIN) first = std::min(first, w.window_start);
      if (w.window_end != INT64_MAX) last = std::max(last, w.window_end);
    }
  }
  std::string body;
  const AnalysisInfo* volume = nullptr;
  for (const AnalysisInfo& a : analyses) {
    if (a.kind == ResultKind::kCount && a.by == "all") {
      volume = &a;
      break;
    }
  }
  std::int64_t posts = 0;
  std::vector<Point> volume_points;
  if (volume != nullptr) {
    for (const auto& w : windows_of(*volume)) {
      std::int64_t n = 0;
      for (const auto& r : w.rows) n += r.count;
      posts += n;
      if (w.window_start != INT64_MIN)
        volume_points.push_back({w.window_start, static_cast<double>(n)});
    }
  }
  std::string kpis = "<div class=kpis>";
  auto kpi = [&](const std::string& value, const std::string& what) {
    kpis += "<div class=kpi><b>" + Esc(value) + "</b>" + Esc(what) + "</div>";
  };
  if (volume != nullptr) kpi(Grouped(posts), "posts counted");
  kpi(Grouped(static_cast<std::int64_t>(snap.stats.results)), "window results");
  kpi(std::to_string(analyses.size()), "analyses");
  if (first != INT64_MAX && last != INT64_MIN) {
    const auto minutes = static_cast<double>(last - first) / 60e6;
    kpi(Num(minutes, minutes < 10 ? 1 : 0) + " min", "of event time");
  }
  kpis += "</div>";
  body += Section("Overview", "", kpis);
  if (volume != nullptr) {
    body += Section("Posts per window", Describe(*volume),
                    LineChart(volume_points, "posts per window"));
  }

  // Trending: every top-k and pair analysis, summed over its windows.
  for (const AnalysisInfo& a : analyses) {
    if (a.kind != ResultKind::kTopK && a.kind != ResultKind::kCooccurrence) continue;
    auto bars = Totals(windows_of(a), 10);
    for (auto& b : bars) {
      if (a.kind == ResultKind::kCooccurrence) {
        b.first = "#" + b.first.substr(0, b.first.find(" + ")) + " + #" +
                  b.first.substr(b.first.find(" + ") + 3);
      } else {
        b.first = Prefix(a) + b.first;
      }
    }
    const std::string title = a.kind == ResultKind::kCooccurrence
                                  ? "Hashtag pairs"
                                  : "Top " + (a.by.empty() ? a.name : a.by + "s");
    body += Section(
        title, Describe(a) + "; counts summed over the stored windows (each window's top only)",
        BarChart(bars, title));
  }

  // Sentiment over time (all posts), and its top keys.
  for (const AnalysisInfo& a : analyses) {
    if (a.kind != ResultKind::kSentiment) continue;
    std::vector<Point> mean;
    std::map<std::string, std::pair<double, std::int64_t>> by_key;  // weighted sum, posts
    for (const auto& w : windows_of(a)) {
      for (const auto& r : w.rows) {
        if (r.key == "*") {
          if (w.window_start != INT64_MIN) mean.push_back({w.window_start, r.value});
        } else {
          by_key[r.key].first += r.value * static_cast<double>(r.count);
          by_key[r.key].second += r.count;
        }
      }
    }
    std::string table;
    if (!by_key.empty()) {
      std::vector<std::pair<std::string, std::pair<double, std::int64_t>>> rows(by_key.begin(),
                                                                                by_key.end());
      std::sort(rows.begin(), rows.end(), [](const auto& x, const auto& y) {
        return x.second.second != y.second.second ? x.second.second > y.second.second
                                                  : x.first < y.first;
      });
      if (rows.size() > 10) rows.resize(10);
      table = "<table><tr><th>" + Esc(a.by.empty() ? "key" : a.by) +
              "</th><th>posts</th><th>mean compound</th></tr>";
      for (const auto& [key, v] : rows) {
        table += "<tr><td>" + Esc(Prefix(a) + key) + "</td><td class=n>" + Grouped(v.second) +
                 "</td><td class=n>" +
                 Num(v.second > 0 ? v.first / static_cast<double>(v.second) : 0, 3) + "</td></tr>";
      }
      table += "</table>";
    }
    body += Section("Sentiment", Describe(a) + "; VADER compound score, -1 to +1",
                    LineChart(mean, "mean sentiment per window", 2) + table);
  }

  // Language and provider mix, and other counts.
  for (const AnalysisInfo& a : analyses) {
    if (a.kind != ResultKind::kCount || &a == volume) continue;
    body += Section("By " + (a.by.empty() ? a.name : a.by), Describe(a),
                    BarChart(Totals(windows_of(a), 12), a.name));
  }

  // Bursts.
  for (const AnalysisInfo& a : analyses) {
    if (a.kind != ResultKind::kBurst) continue;
    std::string table =
        "<table><tr><th>window</th><th>term</th><th>count</th><th>baseline</th><th>z</th></tr>";
    int n = 0;
    for (const auto& w : windows_of(a)) {
      for (const auto& r : w.rows) {
        table += "<tr><td>" + Esc(Clock(w.window_start)) + "</td><td>" + Esc(Prefix(a) + r.key) +
                 "</td><td class=n>" + Grouped(r.count) + "</td><td class=n>" + Num(r.value, 1) +
                 "</td><td class=n>" + Num(r.value2, 1) + "</td></tr>";
        ++n;
      }
    }
    table += "</table>";
    body += Section("Bursts", Describe(a) + "; terms whose rate jumped against their own baseline",
                    n == 0 ? "<p class=empty>No bursts were flagged.</p>" : table);
  }

  // Topic clusters of the newest window.
  for (const AnalysisInfo& a : analyses) {
    if (a.kind != ResultKind::kCluster) continue;
    auto ws = windows_of(a);
    std::string table = "<p class=empty>No clusters.</p>";
    if (!ws.empty()) {
      const auto& w = ws.back();
      table = "<p class=note>Window " + Esc(Clock(w.window_start)) + " .. " +
              Esc(Clock(w.window_end)) +
              "</p><table><tr><th>cluster</th><th>posts</th><th>top "
              "terms</th></tr>";
      for (const auto& r : w.rows) {
        table += "<tr><td>" + Esc(r.key) + "</td><td class=n>" + Grouped(r.count) + "</td><td>" +
                 Esc(r.text) + "</td></tr>";
      }
      table += "</table>";
    }
    body += Section("Topics", Describe(a), table);
  }

  // Recent posts.
  PostQuery q;
  q.limit = 20;
  const std::vector<std::string> recent = state.FindPosts(q);
  if (!recent.empty()) {
    simdjson::dom::parser parser;
    std::string list;
    for (const std::string& json : recent) {
      simdjson::dom::element doc;
      if (parser.parse(json).get(doc) != simdjson::SUCCESS) continue;
      std::string_view text, handle, created;
      // Absent fields stay empty.
      if (doc["text"].get(text) != simdjson::SUCCESS) text = {};
      if (doc["author"]["handle"].get(handle) != simdjson::SUCCESS) handle = {};
      if (doc["created_at"].get(created) != simdjson::SUCCESS) created = {};
      list += "<div class=post><small>" + Esc(created) + (handle.empty() ? "" : " @") +
              Esc(handle) + "</small><br>" + Esc(text) + "</div>";
    }
    body += Section("Recent posts", "the newest " + std::to_string(recent.size()) + " posts stored",
                    list);
  }

  const std::string title =
      !options.title.empty() ? options.title : "Starling report: " + state.pipeline();
  const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  std::string html =
      "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
      "<meta name=viewport content=\"width=device-width,initial-scale=1\">"
      "<title>" +
      Esc(title) + "</title><style>" + std::string(kStyle) + "</style></head><body><header><h1>" +
      Esc(title) + "</h1>";
  if (!options.source.empty()) html += "<p>From " + Esc(options.source) + "</p>";
  if (first != INT64_MAX && last != INT64_MIN) {
    html += "<p>Event time " + Esc(Clock(first)) + " .. " + Esc(Clock(last)) + " UTC</p>";
  }
  html += "<p>Generated " + Esc(Clock(now)) + " UTC by starling report</p></header><main>\n" +
          body + "</main></body></html>\n";
  return html;
}

}  // namespace starling::serve
