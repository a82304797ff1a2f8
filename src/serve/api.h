// File: serve/api.h
// The JSON API of docs/api.md over a DashboardState: pure functions from a
// path and its query parameters to a response (no sockets here, so every
// endpoint is testable directly; serve/http_server.h puts them on the wire).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "serve/dashboard_state.h"

namespace starling::serve {

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

using QueryParams = std::map<std::string, std::string, std::less<>>;

// Decodes %XX escapes (and '+' as a space when plus_as_space). nullopt for a
// malformed escape or a decoded NUL byte.
std::optional<std::string> PercentDecode(std::string_view s, bool plus_as_space);
// "a=1&b=x%20y" -> {a: 1, b: "x y"}; nullopt when an escape is malformed.
std::optional<QueryParams> ParseQuery(std::string_view query);

// {"error":{"status":S,"message":M}}; '<', '>' and '&' of M as \u escapes.
ApiResponse JsonError(int status, std::string_view message);

// /healthz and /api/v1/...; nullopt for any other path (not the API's).
std::optional<ApiResponse> HandleApi(const DashboardState& state, std::string_view path,
                                     const QueryParams& query);

// The bodies the WebSocket pushes (docs/api.md).
std::string StatsJson(const DashboardState& state);
std::string HelloMessage(const DashboardState& state);
std::string ResultMessage(const model::WindowResult& result);
std::string StatsMessage(const DashboardState& state);

// Prometheus text exposition of the pipeline's statistics and the server's
// own counters (prometheus-cpp registry and text serializer).
class Metrics {
 public:
  Metrics();
  ~Metrics();
  void CountRequest(int status);
  void SetWebSocketClients(std::size_t n);
  std::string Render(const DashboardState& state);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace starling::serve
