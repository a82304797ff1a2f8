// File: serve/http_server.cc
// One io_context on one thread runs every connection, so sessions need no
// locks; the engine's collector hands results over with net::post.
#include "serve/http_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "common/log.h"
#include "serve/api.h"

namespace starling::serve {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// The token of "Bearer TOKEN"; the scheme is case-insensitive and may be
// followed by several spaces (RFC 7235). Empty for any other scheme.
std::string_view BearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "Bearer";
  if (authorization.size() <= kScheme.size() || authorization[kScheme.size()] != ' ' ||
      !beast::iequals(beast::string_view(authorization.data(), kScheme.size()),
                      beast::string_view(kScheme.data(), kScheme.size()))) {
    return {};
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  return token;
}

bool SameToken(std::string_view a, std::string_view b) {
  // Constant time in the length of the expected token.
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (std::size_t i = 0; i < b.size(); ++i) {
    diff |= static_cast<unsigned>(static_cast<unsigned char>(i < a.size() ? a[i] : 0) ^
                                  static_cast<unsigned char>(b[i]));
  }
  return diff == 0;
}

std::string_view ContentType(const std::filesystem::path& p) {
  const std::string ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

constexpr std::string_view kNoPage =
    "<!doctype html><meta charset=utf-8><title>Starling</title>"
    "<p>This starling was built without its dashboard page. Run <code>make web</code> (npm) "
    "and rebuild, or start it with <code>--web-root web/dist</code>; the API is at "
    "<a href=\"/api/v1/stats\">/api/v1/stats</a>.";

// The file a static path names, relative to the page's root ("" and a
// trailing slash name index.html); nullopt when a segment climbs out, is
// hidden, is empty in the middle or holds a backslash. The same rules for
// the page on disk and the embedded one.
std::optional<std::string> PageRelativePath(std::string_view path) {
  std::string rel(path.substr(1));
  if (rel.empty() || rel.back() == '/') rel += "index.html";
  std::size_t start = 0;
  while (start <= rel.size()) {
    const std::size_t slash = rel.find('/', start);
    const std::string_view seg =
        std::string_view(rel).substr(start, slash == std::string::npos ? rel.npos : slash - start);
    if (seg.empty() || seg == "." || seg == ".." || seg.front() == '.' ||
        seg.find('\\') != std::string_view::npos) {
      return std::nullopt;
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return rel;
}

const PageFile* FindPageFile(std::span<const PageFile> page, std::string_view rel) {
  for (const PageFile& f : page) {
    if (f.path == rel) return &f;
  }
  return nullptr;
}

// Counts one open connection towards ServerOptions::max_connections for as
// long as it lives; moves from the HTTP session to the WebSocket one on an
// upgrade. io thread only (or after it has stopped).
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  explicit ConnectionSlot(std::size_t* open) : open_(open) { ++*open_; }
  ConnectionSlot(ConnectionSlot&& other) noexcept : open_(std::exchange(other.open_, nullptr)) {}
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;
  ~ConnectionSlot() {
    if (open_ != nullptr) --*open_;
  }

 private:
  std::size_t* open_ = nullptr;
};

}  // namespace

bool IsLoopback(const std::string& address) {
  if (address == "localhost") return true;
  boost::system::error_code ec;
  const auto a = net::ip::make_address(address, ec);
  return !ec && a.is_loopback();
}

struct DashboardServer::Impl {
  class WsSession;
  class HttpSession;

  Impl(DashboardState& s, ServerOptions o)
      : state(s), opt(std::move(o)), acceptor(ioc), stats_timer(ioc) {}

  DashboardState& state;
  ServerOptions opt;
  // Before ioc: sessions still queued in it when it is destroyed give their
  // slots back here.
  std::size_t open_connections = 0;
  net::io_context ioc{1};
  tcp::acceptor acceptor;
  net::steady_timer stats_timer;
  std::thread thread;
  Metrics metrics;
  std::filesystem::path web_root;  // canonical; empty: the embedded page (or none)
  dataflow::ResultBus::Subscription subscription;
  int port = 0;
  bool started = false;
  // io thread only:
  std::vector<std::weak_ptr<WsSession>> sessions;
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point at;
  };
  std::map<std::string, Bucket> buckets;

  void Accept();
  void TickStats();
  void Broadcast(const std::shared_ptr<const std::string>& message);
  void Register(const std::shared_ptr<WsSession>& s);
  void Unregister(const WsSession* s);
  bool Allow(const std::string& client);
  // Everything but the upgrade: the response to one request.
  Response Handle(const Request& req, const std::string& client);
  // Checks of a request that also apply to the WebSocket upgrade; nullopt
  // when it may go on. *path gets the decoded path, *query the parameters.
  std::optional<Response> Screen(const Request& req, const std::string& client, std::string* path,
                                 QueryParams* query);
  // What Beast's accept would refuse in plain text, refused as JSON; nullopt
  // when the upgrade may go on.
  std::optional<Response> ScreenUpgrade(const Request& req);
  Response Make(const Request& req, int status, std::string_view type, std::string body);
  Response Error(const Request& req, int status, std::string_view message);
  Response Static(const Request& req, std::string_view path);
};

// ---------- WebSocket ----------

class DashboardServer::Impl::WsSession : public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(tcp::socket&& socket, Impl& impl, ConnectionSlot slot)
      : ws_(std::move(socket)), impl_(impl), slot_(std::move(slot)) {}

  void Run(Request req) {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "starling"); }));
    ws_.read_message_max(64 << 10);
    ws_.async_accept(req, beast::bind_front_handler(&WsSession::OnAccept, shared_from_this()));
  }

  // io thread.
  void Send(std::shared_ptr<const std::string> message) {
    if (closing_ || !open_) return;
    if (queue_.size() >= impl_.opt.max_websocket_backlog) {
      // Too far behind: drop the client rather than slow the pipeline.
      closing_ = true;
      queue_.erase(queue_.begin() + 1, queue_.end());
      return;
    }
    queue_.push_back(std::move(message));
    if (queue_.size() == 1) Write();
  }

  void Close() {
    beast::error_code ec;
    ws_.next_layer().socket().shutdown(tcp::socket::shutdown_both, ec);
    ws_.next_layer().socket().close(ec);
  }

 private:
  void OnAccept(beast::error_code ec) {
    if (ec) return;
    open_ = true;
    impl_.Register(shared_from_this());
    Send(std::make_shared<const std::string>(HelloMessage(impl_.state)));
    Read();
  }
  void Read() {
    ws_.async_read(in_, beast::bind_front_handler(&WsSession::OnRead, shared_from_this()));
  }
  void OnRead(beast::error_code ec, std::size_t) {
    if (ec) {
      Gone();
      return;
    }
    in_.consume(in_.size());  // the client has nothing to say to us
    Read();
  }
  void Write() {
    ws_.text(true);
    ws_.async_write(net::buffer(*queue_.front()),
                    beast::bind_front_handler(&WsSession::OnWrite, shared_from_this()));
  }
  void OnWrite(beast::error_code ec, std::size_t) {
    if (ec) {
      Gone();
      return;
    }
    queue_.pop_front();
    if (closing_) {
      queue_.clear();
      ws_.async_close(websocket::close_code::policy_error,
                      [self = shared_from_this()](beast::error_code) { self->Gone(); });
      return;
    }
    if (!queue_.empty()) Write();
  }
  void Gone() {
    if (!open_) return;
    open_ = false;
    impl_.Unregister(this);
  }

  websocket::stream<beast::tcp_stream> ws_;
  Impl& impl_;
  ConnectionSlot slot_;
  beast::flat_buffer in_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  bool open_ = false;
  bool closing_ = false;
};

// ---------- HTTP ----------

class DashboardServer::Impl::HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, Impl& impl, ConnectionSlot slot)
      : stream_(std::move(socket)), impl_(impl), slot_(std::move(slot)) {
    beast::error_code ec;
    const auto remote = stream_.socket().remote_endpoint(ec);
    client_ = ec ? "?" : remote.address().to_string();
  }

  void Run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&HttpSession::Read, shared_from_this()));
  }

  // Answers 503 without reading a request, then closes (one connection over
  // max_connections). io thread.
  void Refuse() {
    Request dummy;
    dummy.version(11);
    Response res =
        impl_.Error(dummy, 503,
                    "too many open connections (limit " +
                        std::to_string(impl_.opt.max_connections) + "); try again later");
    res.set(http::field::retry_after, "1");
    Send(std::move(res), true);
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(impl_.opt.max_header_bytes));
    parser_->body_limit(impl_.opt.max_body_bytes);
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset) {
      Shutdown();
      return;
    }
    Request dummy;
    dummy.version(11);
    if (ec == http::error::header_limit) {
      Send(impl_.Error(dummy, 431,
                       "request line and headers are limited to " +
                           std::to_string(impl_.opt.max_header_bytes) + " bytes"),
           true);
      return;
    }
    if (ec == http::error::body_limit) {
      Send(impl_.Error(dummy, 413,
                       "request bodies are limited to " + std::to_string(impl_.opt.max_body_bytes) +
                           " bytes"),
           true);
      return;
    }
    if (ec) {
      Send(impl_.Error(dummy, 400, "malformed HTTP request: " + ec.message()), true);
      return;
    }
    Request req = parser_->release();
    if (websocket::is_upgrade(req)) {
      std::string path;
      QueryParams query;
      if (auto refused = impl_.Screen(req, client_, &path, &query)) {
        Send(std::move(*refused), true);
        return;
      }
      if (path != "/api/v1/stream") {
        Send(impl_.Error(req, 404, "WebSocket upgrades are served at /api/v1/stream only"), true);
        return;
      }
      if (auto refused = impl_.ScreenUpgrade(req)) {
        Send(std::move(*refused), true);
        return;
      }
      impl_.metrics.CountRequest(101);
      stream_.expires_never();
      std::make_shared<WsSession>(stream_.release_socket(), impl_, std::move(slot_))
          ->Run(std::move(req));
      return;
    }
    Response res = impl_.Handle(req, client_);
    Send(std::move(res), !req.keep_alive());
  }

  void Send(Response res, bool close) {
    impl_.metrics.CountRequest(static_cast<int>(res.result_int()));
    res.keep_alive(!close);
    res.prepare_payload();
    auto sp = std::make_shared<Response>(std::move(res));
    response_ = sp;
    http::async_write(stream_, *sp,
                      beast::bind_front_handler(&HttpSession::OnWrite, shared_from_this(), close));
  }

  void OnWrite(bool close, beast::error_code ec, std::size_t) {
    response_.reset();
    if (ec || close) {
      Shutdown();
      return;
    }
    Read();
  }

  // Half-closes, then reads and drops what the client still sends (for at
  // most 2 s) before the socket closes: closing with unread bytes would
  // reset the connection and could destroy the response it has not read yet
  // (a 413 to a client still sending its body).
  void Shutdown() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return;
    stream_.expires_after(std::chrono::seconds(2));
    Drain();
  }
  void Drain() {
    stream_.async_read_some(net::buffer(drain_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec) self->Drain();
                            });
  }

  beast::tcp_stream stream_;
  Impl& impl_;
  ConnectionSlot slot_;  // empty for a refused connection
  std::string client_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<Response> response_;
  char drain_[4096];
};

// ---------- the server ----------

void DashboardServer::Impl::Accept() {
  acceptor.async_accept(ioc, [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (!ec) {
      if (open_connections >= opt.max_connections) {
        std::make_shared<HttpSession>(std::move(socket), *this, ConnectionSlot())->Refuse();
      } else {
        std::make_shared<HttpSession>(std::move(socket), *this, ConnectionSlot(&open_connections))
            ->Run();
      }
    }
    Accept();
  });
}

void DashboardServer::Impl::TickStats() {
  stats_timer.expires_after(opt.stats_interval);
  stats_timer.async_wait([this](beast::error_code ec) {
    if (ec) return;
    if (!sessions.empty()) {
      Broadcast(std::make_shared<const std::string>(StatsMessage(state)));
    }
    TickStats();
  });
}

void DashboardServer::Impl::Broadcast(const std::shared_ptr<const std::string>& message) {
  for (const auto& w : sessions) {
    if (auto s = w.lock()) s->Send(message);
  }
}

void DashboardServer::Impl::Register(const std::shared_ptr<WsSession>& s) {
  sessions.push_back(s);
  metrics.SetWebSocketClients(sessions.size());
}

void DashboardServer::Impl::Unregister(const WsSession* s) {
  std::erase_if(sessions, [s](const std::weak_ptr<WsSession>& w) {
    auto p = w.lock();
    return p == nullptr || p.get() == s;
  });
  metrics.SetWebSocketClients(sessions.size());
}

bool DashboardServer::Impl::Allow(const std::string& client) {
  const auto now = std::chrono::steady_clock::now();
  if (buckets.size() > 10000) {  // forget idle clients now and then
    std::erase_if(buckets,
                  [&](const auto& kv) { return now - kv.second.at > std::chrono::seconds(60); });
  }
  auto [it, fresh] = buckets.try_emplace(client, Bucket{opt.request_burst, now});
  Bucket& b = it->second;
  if (!fresh) {
    const double secs = std::chrono::duration<double>(now - b.at).count();
    b.tokens = std::min(opt.request_burst, b.tokens + secs * opt.requests_per_second);
    b.at = now;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

Response DashboardServer::Impl::Make(const Request& req, int status, std::string_view type,
                                     std::string body) {
  Response res{static_cast<http::status>(status), req.version()};
  res.set(http::field::server, "starling");
  res.set(http::field::content_type, beast::string_view(type.data(), type.size()));
  res.set(http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  if (req.method() == http::verb::head) {
    res.content_length(body.size());
  } else {
    res.body() = std::move(body);
  }
  return res;
}

Response DashboardServer::Impl::Error(const Request& req, int status, std::string_view message) {
  ApiResponse e = JsonError(status, message);
  return Make(req, status, e.content_type, std::move(e.body));
}

std::optional<Response> DashboardServer::Impl::Screen(const Request& req, const std::string& client,
                                                      std::string* path, QueryParams* query) {
  const std::string_view target(req.target().data(), req.target().size());
  const std::size_t qmark = target.find('?');
  const std::string_view raw_path = target.substr(0, qmark);
  auto decoded = PercentDecode(raw_path, false);
  // Health checks are never rate limited: a busy client (the page, many
  // WebSocket upgrades) must not make its host look dead.
  const bool health = decoded && *decoded == "/healthz";
  if (!health && !Allow(client)) {
    Response r = Error(req, 429,
                       "too many requests (limit " +
                           std::to_string(static_cast<int>(opt.requests_per_second)) +
                           " a second per client)");
    r.set(http::field::retry_after, "1");
    return r;
  }
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    Response r = Error(req, 405, "only GET and HEAD are served");
    r.set(http::field::allow, "GET, HEAD");
    return r;
  }
  if (target.empty() || target.front() != '/') return Error(req, 400, "bad request target");
  if (!decoded) return Error(req, 400, "bad escape in the path");
  auto params = ParseQuery(qmark == std::string_view::npos ? "" : target.substr(qmark + 1));
  if (!params) return Error(req, 400, "bad escape in the query");
  if (!opt.auth_token.empty() && !health) {
    std::string presented;
    const auto auth = req.find(http::field::authorization);
    if (auth != req.end()) {
      presented = BearerToken(std::string_view(auth->value().data(), auth->value().size()));
    }
    if (presented.empty()) {
      auto t = params->find("token");
      if (t != params->end()) presented = t->second;
    }
    if (!SameToken(presented, opt.auth_token)) {
      Response r = Error(req, 401, "a valid token is required (Authorization: Bearer TOKEN)");
      r.set(http::field::www_authenticate, "Bearer");
      return r;
    }
  }
  params->erase("token");
  *path = std::move(*decoded);
  *query = std::move(*params);
  // An encoded slash or backslash never names a file or an endpoint.
  for (std::string_view bad : {"%2f", "%2F", "%5c", "%5C"}) {
    if (raw_path.find(bad) != std::string_view::npos) return Error(req, 404, "not found");
  }
  return std::nullopt;
}

std::optional<Response> DashboardServer::Impl::ScreenUpgrade(const Request& req) {
  // Beast's is_upgrade() has checked the version (1.1), the method (GET) and
  // the Connection and Upgrade headers.
  if (req.find(http::field::host) == req.end()) {
    return Error(req, 400, "a WebSocket upgrade needs a Host header");
  }
  const auto key = req.find(http::field::sec_websocket_key);
  if (key == req.end() || key->value().empty()) {
    return Error(req, 400, "a WebSocket upgrade needs a Sec-WebSocket-Key header");
  }
  if (key->value().size() > 24) {  // base64 of a 16-byte nonce
    return Error(req, 400, "Sec-WebSocket-Key is not a base64 16-byte nonce");
  }
  const auto version = req.find(http::field::sec_websocket_version);
  if (version == req.end()) {
    return Error(req, 400, "a WebSocket upgrade needs Sec-WebSocket-Version: 13");
  }
  if (version->value() != "13") {
    Response r = Error(req, 426, "only WebSocket version 13 is served");
    r.set(http::field::sec_websocket_version, "13");
    return r;
  }
  return std::nullopt;
}

Response DashboardServer::Impl::Static(const Request& req, std::string_view path) {
  namespace fs = std::filesystem;
  const std::optional<std::string> found = PageRelativePath(path);
  if (!found) return Error(req, 404, "not found");
  const std::string& rel = *found;
  if (web_root.empty()) {
    if (opt.embedded_page.empty()) {
      if (rel == "index.html") {
        return Make(req, 200, "text/html; charset=utf-8", std::string(kNoPage));
      }
      return Error(req, 404, "not found");
    }
    // As on disk: a folder's name serves its index.html.
    const PageFile* file = FindPageFile(opt.embedded_page, rel);
    if (file == nullptr) file = FindPageFile(opt.embedded_page, rel + "/index.html");
    if (file == nullptr) return Error(req, 404, "not found");
    Response r = Make(req, 200, ContentType(fs::path(file->path)), std::string(file->bytes));
    r.set(http::field::cache_control, "no-cache");
    return r;
  }
  std::error_code ec;
  fs::path file = fs::weakly_canonical(web_root / rel, ec);
  if (ec) return Error(req, 404, "not found");
  const std::string root = web_root.string() + "/";
  if (!file.string().starts_with(root)) return Error(req, 404, "not found");
  if (fs::is_directory(file, ec)) file /= "index.html";
  if (!fs::is_regular_file(file, ec)) return Error(req, 404, "not found");
  std::ifstream in(file, std::ios::binary);
  std::ostringstream body;
  body << in.rdbuf();
  if (!in && !in.eof()) return Error(req, 500, "cannot read the file");
  Response r = Make(req, 200, ContentType(file), body.str());
  r.set(http::field::cache_control, "no-cache");
  return r;
}

Response DashboardServer::Impl::Handle(const Request& req, const std::string& client) {
  std::string path;
  QueryParams query;
  if (auto refused = Screen(req, client, &path, &query)) return std::move(*refused);
  if (path == "/metrics") {
    return Make(req, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.Render(state));
  }
  if (auto api = HandleApi(state, path, query)) {
    return Make(req, api->status, api->content_type, std::move(api->body));
  }
  return Static(req, path);
}

DashboardServer::DashboardServer(DashboardState& state, ServerOptions options)
    : impl_(std::make_unique<Impl>(state, std::move(options))) {}

DashboardServer::~DashboardServer() { Stop(); }

Status DashboardServer::Start() {
  Impl& m = *impl_;
  if (m.started) return Status::Ok();
  if (!IsLoopback(m.opt.bind) && m.opt.auth_token.empty() && !m.opt.insecure) {
    return InvalidArgument("refusing to listen on " + m.opt.bind +
                           " without --auth-token (or --insecure): anyone who can reach it "
                           "could read the stream");
  }
  if (m.opt.port < 0 || m.opt.port > 65535) {
    return InvalidArgument("--port must be in [0, 65535], got " + std::to_string(m.opt.port));
  }
  boost::system::error_code ec;
  const auto address =
      net::ip::make_address(m.opt.bind == "localhost" ? "127.0.0.1" : m.opt.bind, ec);
  if (ec) return InvalidArgument("--bind: '" + m.opt.bind + "' is not an IP address");
  if (!m.opt.web_root.empty()) {
    std::error_code fec;
    auto root = std::filesystem::canonical(m.opt.web_root, fec);
    if (!fec && std::filesystem::is_regular_file(root / "index.html", fec)) {
      m.web_root = root;
    } else {
      log::Warn("dashboard: no page in {} (build it with `make web`); serving {}", m.opt.web_root,
                m.opt.embedded_page.empty() ? "the API only" : "the page built into starling");
    }
  }
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(m.opt.port));
  const std::string where = m.opt.bind + ":" + std::to_string(m.opt.port);
  m.acceptor.open(endpoint.protocol(), ec);
  if (!ec) m.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) m.acceptor.bind(endpoint, ec);
  if (!ec) m.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Unavailable("cannot listen on " + where + ": " + ec.message() +
                       (ec == net::error::address_in_use ? " (--port 0 picks a free port)" : ""));
  }
  m.port = m.acceptor.local_endpoint().port();
  m.subscription = m.state.bus().Subscribe([impl = &m](const model::WindowResult& r) {
    auto message = std::make_shared<const std::string>(ResultMessage(r));
    net::post(impl->ioc, [impl, message] { impl->Broadcast(message); });
  });
  m.Accept();
  m.TickStats();
  m.thread = std::thread([impl = &m] { impl->ioc.run(); });
  m.started = true;
  return Status::Ok();
}

void DashboardServer::Stop() {
  Impl& m = *impl_;
  if (!m.started) return;
  m.started = false;
  m.subscription.Reset();  // no result is posted after this
  m.ioc.stop();
  if (m.thread.joinable()) m.thread.join();
  // The io thread is done: close what is left from here.
  beast::error_code ec;
  m.acceptor.close(ec);
  m.stats_timer.cancel();
  for (const auto& w : m.sessions) {
    if (auto s = w.lock()) s->Close();
  }
  m.sessions.clear();
}

int DashboardServer::port() const { return impl_->port; }

std::string DashboardServer::url() const {
  const std::string& b = impl_->opt.bind;
  std::string host = b == "0.0.0.0" || b == "::" ? "127.0.0.1" : b;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(impl_->port) + "/";
}

}  // namespace starling::serve
