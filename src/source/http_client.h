// File: source/http_client.h
// HTTP(S) requests to the providers' APIs, over libcurl (TLS through
// OpenSSL). Two ways: HttpFetch, one request read to the end of its body
// (polling APIs: GitHub, Meetup, X search and rules, Mastodon's REST); and
// HttpStream, a response read piece by piece in the caller's thread (the X
// streams, Mastodon's server-sent events). Neither starts a thread: while
// nobody reads an HttpStream, curl reads nothing, and TCP holds the server
// back.
//
// Request headers may carry secrets (Authorization): they are sent, never
// logged, and never part of an error message. Errors quote the URL, which
// never carries a secret (providers take tokens in headers only).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace starling::source {

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<HttpHeader> headers;
  std::string body;  // sent when not empty (POST)
  // A PEM file of CA certificates to trust instead of the system's (a
  // private CA, a test server); empty: the system's.
  std::string ca_file;
  std::chrono::milliseconds connect_timeout{15000};
  // HttpFetch: the whole exchange; HttpStream ignores it (a stream's stall
  // is its reader's to judge).
  std::chrono::milliseconds total_timeout{30000};
};

// A response's headers, names in lower case, in the order received (the
// last response's only, after a redirect or a 100 Continue).
class HttpHeaders {
 public:
  // The value of the first header named `lower_name`, or nullptr.
  const std::string* Find(std::string_view lower_name) const;
  // Adds one raw header line ("Name: value\r\n"); a status line starts over.
  void AddLine(std::string_view line);
  const std::vector<HttpHeader>& all() const { return headers_; }

 private:
  std::vector<HttpHeader> headers_;
};

struct HttpResponse {
  long status = 0;
  HttpHeaders headers;
  std::string body;
};

// One request, read to the end of its body. An HTTP error status is a
// response, not an error; Unavailable for a network failure (refused,
// reset, timed out, TLS), with curl's reason.
Result<HttpResponse> HttpFetch(const HttpRequest& request);

// A response read as it arrives.
class HttpStream {
 public:
  // Starts the request (connecting happens in Read). InvalidArgument for a
  // URL curl refuses; Internal if curl cannot be set up.
  static Result<std::unique_ptr<HttpStream>> Open(const HttpRequest& request);
  ~HttpStream();
  HttpStream(const HttpStream&) = delete;
  HttpStream& operator=(const HttpStream&) = delete;

  // Waits up to `wait` for the exchange to move, and appends the body bytes
  // that arrived to *out. Check headers_done() and ended() after each call.
  // Bytes of an error response (status >= 300) are appended too.
  void Read(std::string* out, std::chrono::milliseconds wait);

  // The status line and headers have arrived.
  bool headers_done() const { return headers_done_; }
  long status() const { return status_; }
  const HttpHeaders& headers() const { return headers_; }
  // Set once the exchange is over: Ok for a body that ended cleanly,
  // Unavailable (curl's reason) for a failure: refused, reset, TLS, a body
  // cut short.
  const std::optional<Status>& ended() const { return ended_; }
  // Body bytes received so far.
  std::uint64_t body_bytes() const { return body_bytes_; }

  struct Impl;

 private:
  HttpStream() = default;
  std::unique_ptr<Impl> impl_;
  HttpHeaders headers_;
  bool headers_done_ = false;
  long status_ = 0;
  std::optional<Status> ended_;
  std::uint64_t body_bytes_ = 0;
  std::string pending_;
  friend struct HttpStreamCallbacks;
};

// %-encodes a query value (RFC 3986 unreserved characters kept).
std::string UrlEncode(std::string_view value);

// The `rel="next"` target of an RFC 8288 Link header (GitHub's pages), or
// empty.
std::string NextLink(std::string_view link_header);

}  // namespace starling::source
