// File: source/provider/websocket_client.h
// A WebSocket client (Boost.Beast; TLS through OpenSSL for wss:), read in the
// caller's thread like HttpStream: Read drives the connection for a bounded
// time and hands out whole text messages. Keep-alive pings (Beast's
// suggested client timeouts, with `idle_timeout`) notice a dead peer.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"

namespace starling::source::provider {

class WebSocketClient {
 public:
  struct Options {
    std::string url;  // ws://HOST[:PORT]/PATH?QUERY or wss://...
    std::chrono::milliseconds connect_timeout{15000};
    // No frame (not even a pong to our ping) for this long: the connection is dead.
    std::chrono::milliseconds idle_timeout{30000};
    std::string ca_file;  // wss: trusted instead of the system's CAs when not empty
  };
  // Starts connecting (the work happens in Read). InvalidArgument for a URL
  // that is not ws:// or wss://.
  static Result<std::unique_ptr<WebSocketClient>> Start(const Options& options);
  ~WebSocketClient();

  // Drives the connection for up to `wait`. A message when one has arrived;
  // nullopt when none yet; Unavailable (with the reason) when the connection
  // failed or closed: then http_status() tells an upgrade the server
  // refused (its HTTP status), 0 for a network failure.
  Result<std::optional<std::string>> Read(std::chrono::milliseconds wait);
  // The handshake is done.
  bool open() const;
  // Whole messages already received, not yet handed out.
  std::size_t queued() const;
  int http_status() const;
  // Whether the failure was Beast's idle timeout (a stall).
  bool timed_out() const;

  struct Impl;

 private:
  WebSocketClient() = default;
  std::unique_ptr<Impl> impl_;
};

}  // namespace starling::source::provider
