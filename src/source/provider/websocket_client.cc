// File: source/provider/websocket_client.cc
#include "source/provider/websocket_client.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <variant>

namespace starling::source::provider {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

using PlainWs = websocket::stream<beast::tcp_stream>;
using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

// More messages than this buffered: stop reading until the caller takes some.
constexpr std::size_t kMaxQueued = 1024;

}  // namespace

struct WebSocketClient::Impl {
  Options options;
  bool tls = false;
  std::string host, port, target;
  asio::io_context ioc;
  asio::ssl::context ssl{asio::ssl::context::tls_client};
  tcp::resolver resolver{ioc};
  std::unique_ptr<PlainWs> plain;
  std::unique_ptr<TlsWs> secure;
  websocket::response_type upgrade;
  beast::flat_buffer buffer;
  std::deque<std::string> messages;
  bool is_open = false;
  bool reading = false;
  bool timed_out = false;
  int http_status = 0;
  std::optional<Status> failed;

  beast::tcp_stream& Tcp() {
    return tls ? beast::get_lowest_layer(*secure) : beast::get_lowest_layer(*plain);
  }

  void Fail(beast::error_code ec, std::string_view during) {
    if (failed) return;
    if (ec == beast::error::timeout) timed_out = true;
    std::string why = std::string(during) + ": " + ec.message();
    if (ec == websocket::error::upgrade_declined || upgrade.result_int() >= 300) {
      http_status = upgrade.result_int();
      why = "the server refused the WebSocket (HTTP " + std::to_string(http_status) + ")";
    }
    if (ec == websocket::error::closed) {
      why = "the server closed the WebSocket";
      const auto& reason = tls ? secure->reason() : plain->reason();
      if (reason.code != websocket::close_code::none) {
        why += " (code " + std::to_string(reason.code);
        if (!reason.reason.empty())
          why += ", " + std::string(reason.reason.data(), reason.reason.size());
        why += ")";
      }
    }
    failed = Unavailable(why);
  }

  template <typename Ws>
  void Handshake(Ws& ws) {
    Tcp().expires_never();
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::client);
    timeouts.handshake_timeout = options.connect_timeout;
    timeouts.idle_timeout = options.idle_timeout;
    timeouts.keep_alive_pings = true;
    ws.set_option(timeouts);
    ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, "starling/0.1.0");
    }));
    ws.read_message_max(64u << 20);
    ws.async_handshake(upgrade, host, target, [this](beast::error_code ec) {
      if (ec) return Fail(ec, "WebSocket handshake");
      is_open = true;
      ReadMore();
    });
  }

  void ReadMore() {
    if (reading || failed || messages.size() >= kMaxQueued) return;
    reading = true;
    auto done = [this](beast::error_code ec, std::size_t) {
      reading = false;
      if (ec) return Fail(ec, "WebSocket read");
      messages.emplace_back(beast::buffers_to_string(buffer.data()));
      buffer.consume(buffer.size());
      ReadMore();
    };
    if (tls) {
      secure->async_read(buffer, done);
    } else {
      plain->async_read(buffer, done);
    }
  }

  void Connect() {
    resolver.async_resolve(host, port, [this](beast::error_code ec, tcp::resolver::results_type r) {
      if (ec) return Fail(ec, "resolving " + host);
      Tcp().expires_after(options.connect_timeout);
      Tcp().async_connect(r, [this](beast::error_code ec, tcp::endpoint) {
        if (ec) return Fail(ec, "connecting to " + host + ":" + port);
        if (!tls) return Handshake(*plain);
        if (!SSL_set_tlsext_host_name(secure->next_layer().native_handle(), host.c_str())) {
          return Fail(beast::error_code(static_cast<int>(::ERR_get_error()),
                                        asio::error::get_ssl_category()),
                      "TLS server name");
        }
        secure->next_layer().set_verify_callback(asio::ssl::host_name_verification(host));
        secure->next_layer().async_handshake(asio::ssl::stream_base::client,
                                             [this](beast::error_code ec) {
                                               if (ec) return Fail(ec, "TLS handshake");
                                               Handshake(*secure);
                                             });
      });
    });
  }
};

Result<std::unique_ptr<WebSocketClient>> WebSocketClient::Start(const Options& options) {
  std::unique_ptr<WebSocketClient> c(new WebSocketClient());
  c->impl_ = std::make_unique<Impl>();
  Impl& i = *c->impl_;
  i.options = options;
  std::string_view rest = options.url;
  if (rest.starts_with("wss://")) {
    i.tls = true;
    rest.remove_prefix(6);
  } else if (rest.starts_with("ws://")) {
    rest.remove_prefix(5);
  } else {
    return InvalidArgument("a WebSocket URL is ws://... or wss://..., got '" + options.url + "'");
  }
  const std::size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  i.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  const std::size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    i.host = std::string(authority.substr(0, colon));
    i.port = std::string(authority.substr(colon + 1));
  } else {
    i.host = std::string(authority);
    i.port = i.tls ? "443" : "80";
  }
  if (i.host.empty()) return InvalidArgument("no host in '" + options.url + "'");
  if (i.tls) {
    boost::system::error_code ec;
    if (options.ca_file.empty()) {
      i.ssl.set_default_verify_paths(ec);
    } else {
      i.ssl.load_verify_file(options.ca_file, ec);
    }
    if (ec) {
      return InvalidArgument("cannot load the CA certificates" +
                             (options.ca_file.empty() ? std::string() : " of " + options.ca_file) +
                             ": " + ec.message());
    }
    i.ssl.set_verify_mode(asio::ssl::verify_peer);
    i.secure = std::make_unique<TlsWs>(i.ioc, i.ssl);
  } else {
    i.plain = std::make_unique<PlainWs>(i.ioc);
  }
  i.Connect();
  return c;
}

WebSocketClient::~WebSocketClient() = default;

Result<std::optional<std::string>> WebSocketClient::Read(std::chrono::milliseconds wait) {
  Impl& i = *impl_;
  // Run until a message comes, the connection fails, or `wait` is over.
  const auto deadline = std::chrono::steady_clock::now() + wait;
  i.ioc.restart();
  if (wait.count() <= 0) i.ioc.poll();  // what is ready now, without waiting
  while (i.messages.empty() && !i.failed) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline || i.ioc.run_one_for(deadline - now) == 0) break;
  }
  if (!i.messages.empty()) {
    std::string m = std::move(i.messages.front());
    i.messages.pop_front();
    i.ReadMore();
    return std::optional<std::string>(std::move(m));
  }
  if (i.failed) return *i.failed;
  return std::optional<std::string>();
}

bool WebSocketClient::open() const { return impl_->is_open; }
std::size_t WebSocketClient::queued() const { return impl_->messages.size(); }
int WebSocketClient::http_status() const { return impl_->http_status; }
bool WebSocketClient::timed_out() const { return impl_->timed_out; }

}  // namespace starling::source::provider
