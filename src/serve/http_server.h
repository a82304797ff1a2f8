// File: serve/http_server.h
// The dashboard's HTTP + WebSocket server (Boost.Beast), running on its own
// thread inside the starling process: the page's static files, the JSON API
// (serve/api.h), /metrics, and /api/v1/stream, which pushes every window
// result and the statistics every second. Safe by default: loopback only
// unless a token (or an explicit insecure flag) is given; size, rate and
// connection limits; static files never leave their folder. Contract:
// docs/api.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "common/status.h"
#include "serve/dashboard_state.h"
#include "serve/embedded_page.h"

namespace starling::serve {

struct ServerOptions {
  std::string bind = "127.0.0.1";
  int port = 8080;         // 0: any free port (port() says which)
  std::string auth_token;  // when set, every request but /healthz must carry it
  bool insecure = false;   // allow a non-loopback bind without a token
  // The page: from web_root on disk when it is set and holds an index.html,
  // else from embedded_page (EmbeddedPage(), compiled in), else a short
  // notice at /. Both are served with the same content types, caching
  // headers and path rules.
  std::string web_root;
  std::span<const PageFile> embedded_page;
  std::size_t max_header_bytes = 8 << 10;
  std::size_t max_body_bytes = 64 << 10;
  double requests_per_second = 50;  // per client address, token bucket (/healthz is exempt)
  double request_burst = 200;
  std::chrono::milliseconds stats_interval{1000};  // WebSocket stats pushes
  std::size_t max_websocket_backlog = 1000;        // messages; beyond it the client is dropped
  // Open connections (HTTP and WebSocket) at once; one more is answered 503
  // and closed.
  std::size_t max_connections = 512;
};

class DashboardServer {
 public:
  DashboardServer(DashboardState& state, ServerOptions options);
  ~DashboardServer();  // Stop()s
  DashboardServer(const DashboardServer&) = delete;
  DashboardServer& operator=(const DashboardServer&) = delete;

  // Binds, listens and starts serving on a thread of its own. Errors:
  // InvalidArgument for a non-loopback bind without a token or --insecure
  // (or a bad address); Unavailable when the port cannot be bound.
  Status Start();
  // Closes the listener and every connection; joins the thread. Idempotent.
  void Stop();

  int port() const;         // the bound port (after Start)
  std::string url() const;  // http://ADDR:PORT/ (the token is never part of it)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// true for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopback(const std::string& address);

}  // namespace starling::serve
