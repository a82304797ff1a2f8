// The dashboard server over real sockets on loopback: every endpoint, the
// WebSocket push and its cadence, auth, limits (rate, size, connections),
// malformed requests, path traversal attempts, and the page from disk or
// embedded. Clients are Boost.Beast's, independent of the server
// code beyond the wire protocol.
#include "serve/http_server.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dataflow/builder.h"
#include "serve/api.h"

namespace starling::serve {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct Reply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
};

Reply Request(int port, const std::string& target,
              const std::vector<std::pair<std::string, std::string>>& headers = {},
              http::verb verb = http::verb::get, const std::string& body = {}) {
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty()) req.body() = body;
  req.prepare_payload();
  http::write(socket, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  beast::error_code ec;
  http::read(socket, buffer, res, ec);
  Reply r;
  if (ec) return r;
  r.status = static_cast<int>(res.result_int());
  r.body = res.body();
  for (const auto& f : res) r.headers[std::string(f.name_string())] = std::string(f.value());
  return r;
}

// Sends raw bytes and returns everything the server answers until it closes.
std::string Raw(int port, const std::string& bytes) {
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  beast::error_code ec;
  // The server may answer (413, 431) and stop reading before all is sent.
  net::write(socket, net::buffer(bytes), ec);
  std::string out;
  char buf[4096];
  for (;;) {
    const std::size_t n = socket.read_some(net::buffer(buf), ec);
    if (ec) break;
    out.append(buf, n);
    if (out.find("\r\n\r\n") != std::string::npos &&
        out.find("Connection: close") != std::string::npos &&
        out.size() > out.find("\r\n\r\n") + 4) {
      break;
    }
  }
  return out;
}

bool ValidJson(const std::string& s) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  return parser.parse(s).get(doc) == simdjson::SUCCESS;
}

model::WindowResult TopResult(model::TimestampUs start, bool final, std::int64_t bts) {
  model::WindowResult r;
  r.pipeline = "test";
  r.analysis = "hashtags";
  r.kind = model::ResultKind::kTopK;
  r.window_start = start;
  r.window_end = start + 60'000'000;
  r.final = final;
  r.total = static_cast<std::uint64_t>(bts + 3);
  model::ResultRow a;
  a.rank = 1;
  a.key = "bts";
  a.count = bts;
  model::ResultRow b;
  b.rank = 2;
  b.key = "nft";
  b.count = 3;
  r.rows = {a, b};
  return r;
}

constexpr model::TimestampUs kT0 = 1617235200000000;  // 2021-04-01T00:00:00Z

// A state with a pipeline, stats, results and posts, as a run leaves it.
void Fill(DashboardState& state) {
  state.SetPipeline(dataflow::PipelineBuilder("test")
                        .Window("1m")
                        .Top("hashtags", "hashtag", 10)
                        .Count("languages", "lang")
                        .Sentiment("mood", "hashtag", 5)
                        .Bursts("bursts", "hashtag")
                        .Clusters("topics", 2)
                        .Distinct("authors", "author")
                        .Build(),
                    "memory");
  dataflow::RunStats s;
  s.records = 1234;
  s.posts = 1200;
  s.dead_letters = 2;
  s.watermark = kT0 + 120'000'000;
  state.UpdateStats(s);
  state.SetRunning(true);
  state.bus().Publish(TopResult(kT0, true, 10));
  state.bus().Publish(TopResult(kT0 + 60'000'000, false, 7));
  model::WindowResult lang;
  lang.pipeline = "test";
  lang.analysis = "languages";
  lang.kind = model::ResultKind::kCount;
  lang.window_start = kT0;
  lang.window_end = kT0 + 60'000'000;
  model::ResultRow en;
  en.key = "en";
  en.count = 5;
  lang.rows = {en};
  state.bus().Publish(lang);
  model::WindowResult mood;
  mood.pipeline = "test";
  mood.analysis = "mood";
  mood.kind = model::ResultKind::kSentiment;
  mood.window_start = kT0;
  mood.window_end = kT0 + 60'000'000;
  model::ResultRow all;
  all.key = "*";
  all.count = 9;
  all.value = 0.25;
  all.pos = 4;
  all.neu = 3;
  all.neg = 2;
  mood.rows = {all};
  state.bus().Publish(mood);
  for (int i = 0; i < 5; ++i) {
    model::Post p;
    p.id = std::to_string(100 + i);
    p.provider = model::Provider::kX;
    p.created_at = kT0 + i;
    p.text = i % 2 == 0 ? "Hello #BTS world" : "Another post @Someone";
    p.lang = i % 2 == 0 ? "en" : "de";
    if (i % 2 == 0) p.hashtags.push_back({"BTS", {6, 10}});
    if (i % 2 == 1) p.mentions.push_back({"Someone", "", {13, 21}});
    state.AddPost(p);
  }
}

struct WsClient {
  net::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};
  explicit WsClient(int port, const std::string& target = "/api/v1/stream") {
    ws.next_layer().connect(
        tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    ws.handshake("127.0.0.1", target);
  }
  std::string Read() {
    beast::flat_buffer b;
    ws.read(b);
    return beast::buffers_to_string(b.data());
  }
};

// A connection that stays open: requests on it use HTTP keep-alive.
struct KeepAliveClient {
  net::io_context ioc;
  tcp::socket socket{ioc};
  beast::flat_buffer buffer;
  explicit KeepAliveClient(int port) {
    socket.connect(
        tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  }
  // The status (0 when the connection failed); the body into *body.
  int Get(const std::string& target, std::string* body = nullptr) {
    http::request<http::string_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    beast::error_code ec;
    http::write(socket, req, ec);
    http::response<http::string_body> res;
    if (!ec) http::read(socket, buffer, res, ec);
    if (body != nullptr) *body = res.body();
    return ec ? 0 : static_cast<int>(res.result_int());
  }
};

class Server : public ::testing::Test {
 protected:
  // disk_page: serve web_root_ unless the options name a web root.
  void Start(ServerOptions o = {}, bool disk_page = true) {
    Fill(state_);
    o.port = 0;
    if (disk_page && o.web_root.empty()) o.web_root = web_root_;
    server_ = std::make_unique<DashboardServer>(state_, o);
    ASSERT_TRUE(server_->Start().ok());
    port_ = server_->port();
    ASSERT_GT(port_, 0);
  }
  void SetUp() override {
    web_root_ = std::string(STARLING_TEST_TMP) + "/web-root";
    std::filesystem::remove_all(web_root_);
    std::filesystem::create_directories(web_root_ + "/assets");
    std::ofstream(web_root_ + "/index.html") << "<!doctype html><title>dash</title>";
    std::ofstream(web_root_ + "/assets/app.js") << "console.log('app');";
    std::ofstream(web_root_ + "/.secret") << "hidden";
    std::ofstream(std::string(STARLING_TEST_TMP) + "/outside.txt") << "outside the root";
  }
  DashboardState state_;
  std::unique_ptr<DashboardServer> server_;
  std::string web_root_;
  int port_ = 0;
};

TEST_F(Server, EveryEndpointAnswersJson) {
  Start();
  EXPECT_EQ(server_->url(), "http://127.0.0.1:" + std::to_string(port_) + "/");
  for (const char* target :
       {"/healthz", "/api/v1/stats", "/api/v1/analyses", "/api/v1/windows?analysis=hashtags",
        "/api/v1/trending?analysis=hashtags", "/api/v1/trending?by=hashtag", "/api/v1/sentiment",
        "/api/v1/languages", "/api/v1/bursts", "/api/v1/clusters", "/api/v1/posts"}) {
    Reply r = Request(port_, target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    EXPECT_EQ(r.headers["Content-Type"], "application/json") << target;
    EXPECT_EQ(r.headers["Cache-Control"], "no-store") << target;
    EXPECT_TRUE(ValidJson(r.body)) << target << ": " << r.body;
  }
  Reply stats = Request(port_, "/api/v1/stats");
  EXPECT_NE(stats.body.find("\"records\":1234"), std::string::npos) << stats.body;
  EXPECT_NE(stats.body.find("\"dead_letters\":2"), std::string::npos);
  EXPECT_NE(stats.body.find("\"watermark\":\"2021-04-01T00:02:00.000Z\""), std::string::npos);
  Reply analyses = Request(port_, "/api/v1/analyses");
  EXPECT_NE(
      analyses.body.find(
          R"({"name":"hashtags","kind":"top","by":"hashtag","window":"tumbling 1m","k":10,"of":""})"),
      std::string::npos)
      << analyses.body;
  EXPECT_NE(
      analyses.body.find(
          R"("name":"mood","kind":"sentiment","by":"hashtag","window":"tumbling 1m","k":5,"of":"")"),
      std::string::npos)
      << analyses.body;
  EXPECT_NE(analyses.body.find(
                R"("kind":"distinct","by":"all","window":"tumbling 1m","k":0,"of":"author")"),
            std::string::npos)
      << analyses.body;
  // The newest window, a preview here.
  Reply trending = Request(port_, "/api/v1/trending?by=hashtag");
  EXPECT_NE(trending.body.find("\"window_start\":\"2021-04-01T00:01:00.000Z\""), std::string::npos);
  EXPECT_NE(trending.body.find(R"({"rank":1,"key":"bts","count":7})"), std::string::npos)
      << trending.body;
  Reply windows = Request(port_, "/api/v1/windows?analysis=hashtags&final=1");
  EXPECT_NE(windows.body.find("\"count\":10"), std::string::npos);
  EXPECT_EQ(windows.body.find("\"count\":7"), std::string::npos) << "final=1 keeps finals only";
  Reply limited = Request(port_, "/api/v1/windows?analysis=hashtags&limit=1");
  EXPECT_EQ(limited.body.find("\"count\":10"), std::string::npos) << "limit keeps the newest";
  Reply since = Request(port_, "/api/v1/windows?analysis=hashtags&since=2021-04-01T00:01:30Z");
  EXPECT_NE(since.body.find("\"count\":7"), std::string::npos);
  EXPECT_EQ(since.body.find("\"count\":10"), std::string::npos);
  Reply mood = Request(port_, "/api/v1/sentiment?analysis=mood");
  EXPECT_NE(
      mood.body.find(R"("posts":9,"mean_compound":0.25,"positive":4,"neutral":3,"negative":2)"),
      std::string::npos)
      << mood.body;
  Reply langs = Request(port_, "/api/v1/languages");
  EXPECT_NE(langs.body.find("\"key\":\"en\""), std::string::npos);
  // Bursts and clusters exist but have no window yet.
  EXPECT_NE(Request(port_, "/api/v1/clusters").body.find("\"window\":null"), std::string::npos);
  EXPECT_NE(Request(port_, "/api/v1/bursts").body.find("\"windows\":[]"), std::string::npos);
  // Posts: newest first, filtered.
  Reply posts = Request(port_, "/api/v1/posts?limit=2");
  EXPECT_LT(posts.body.find("\"104\""), posts.body.find("\"103\"")) << posts.body;
  EXPECT_EQ(posts.body.find("\"102\""), std::string::npos);
  Reply tagged = Request(port_, "/api/v1/posts?hashtag=%23bts");
  EXPECT_NE(tagged.body.find("\"100\""), std::string::npos);
  EXPECT_EQ(tagged.body.find("\"101\""), std::string::npos) << tagged.body;
  Reply text = Request(port_, "/api/v1/posts?q=ANOTHER+post&mention=someone&lang=de");
  EXPECT_NE(text.body.find("\"103\""), std::string::npos);
  EXPECT_EQ(text.body.find("\"104\""), std::string::npos);
  EXPECT_EQ(Request(port_, "/api/v1/providers").status, 404) << "no count by provider here";
}

TEST_F(Server, BadParametersGetClearJsonErrors) {
  Start();
  struct Case {
    const char* target;
    int status;
    const char* says;
  };
  for (const Case& c :
       {Case{"/api/v1/windows", 400, "analysis is required"},
        Case{"/api/v1/windows?analysis=nope", 404, "no analysis named 'nope'"},
        Case{"/api/v1/windows?analysis=hashtags&limit=0", 400, "limit must be"},
        Case{"/api/v1/windows?analysis=hashtags&limit=abc", 400, "limit must be"},
        Case{"/api/v1/windows?analysis=hashtags&since=yesterday", 400, "since"},
        Case{"/api/v1/windows?analysis=hashtags&final=2", 400, "final must be"},
        Case{"/api/v1/trending?analysis=languages", 400, "not top"},
        Case{"/api/v1/trending?by=cashtag", 404, "no top analysis by cashtag"},
        Case{"/api/v1/posts?limit=501", 400, "limit must be"},
        Case{"/api/v1/nothing", 404, "no such endpoint"}, Case{"/api/v1/stream", 400, "WebSocket"},
        Case{"/api/v1/windows?analysis=%zz", 400, "bad escape"}}) {
    Reply r = Request(port_, c.target);
    EXPECT_EQ(r.status, c.status) << c.target << ": " << r.body;
    EXPECT_TRUE(ValidJson(r.body)) << c.target;
    EXPECT_NE(r.body.find("\"status\":" + std::to_string(c.status)), std::string::npos);
    EXPECT_NE(r.body.find(c.says), std::string::npos) << c.target << ": " << r.body;
  }
  Reply post = Request(port_, "/api/v1/stats", {}, http::verb::post, "x");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.headers["Allow"], "GET, HEAD");
  Reply head = Request(port_, "/api/v1/stats", {}, http::verb::head);
  EXPECT_EQ(head.status, 200);
}

TEST_F(Server, ErrorsNeverEchoMarkup) {
  Start();
  struct Case {
    const char* target;
    int status;
    const char* message;  // as decoded from the JSON
  };
  for (const Case& c :
       {Case{"/api/v1/%3Cscript%3Ealert(1)%3C/script%3E", 404,
             "no such endpoint: /api/v1/<script>alert(1)</script> (see docs/api.md)"},
        Case{"/api/v1/windows?analysis=%3CScript%3Ex%26y%3C%2Fscript%3E", 404,
             "no analysis named '<Script>x&y</script>'"}}) {
    const std::string raw = Raw(port_, std::string("GET ") + c.target +
                                           " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    ASSERT_TRUE(raw.starts_with("HTTP/1.1 " + std::to_string(c.status))) << raw;
    const std::string body = raw.substr(raw.find("\r\n\r\n") + 4);
    // The raw bytes: no markup, whatever the case.
    for (const char* bad : {"<", ">", "&"}) {
      EXPECT_EQ(body.find(bad), std::string::npos) << c.target << ": " << body;
    }
    EXPECT_NE(body.find("\\u003c"), std::string::npos) << body;
    // Still JSON that says the same.
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(body).get(doc), simdjson::SUCCESS) << body;
    std::string_view message;
    ASSERT_EQ(doc["error"]["message"].get(message), simdjson::SUCCESS) << body;
    EXPECT_EQ(message, c.message);
  }
  EXPECT_EQ(JsonError(400, "a<b>&c").body,
            R"({"error":{"status":400,"message":"a\u003cb\u003e\u0026c"}})");
}

TEST_F(Server, BadWebSocketUpgradesGetJsonErrors) {
  Start();
  struct Case {
    std::string headers;
    int status;
    const char* says;
  };
  for (const Case& c : {
           Case{"Host: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                "Sec-WebSocket-Version: 13\r\n",
                400, "Sec-WebSocket-Key"},
           Case{"Host: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: \r\n"
                "Sec-WebSocket-Version: 13\r\n",
                400, "Sec-WebSocket-Key"},
           Case{"Host: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                "Sec-WebSocket-Key: " +
                    std::string(40, 'A') + "\r\nSec-WebSocket-Version: 13\r\n",
                400, "Sec-WebSocket-Key"},
           Case{"Host: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
                400, "Sec-WebSocket-Version"},
           Case{"Host: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n",
                426, "version 13"},
           Case{"Connection: Upgrade\r\nUpgrade: websocket\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n",
                400, "Host"},
       }) {
    const std::string raw =
        Raw(port_, std::string("GET /api/v1/stream HTTP/1.1\r\n") + c.headers + "\r\n");
    ASSERT_TRUE(raw.starts_with("HTTP/1.1 " + std::to_string(c.status))) << c.headers << raw;
    EXPECT_NE(raw.find("Content-Type: application/json"), std::string::npos) << raw;
    const std::string body = raw.substr(raw.find("\r\n\r\n") + 4);
    EXPECT_TRUE(ValidJson(body)) << body;
    EXPECT_NE(body.find("\"status\":" + std::to_string(c.status)), std::string::npos) << body;
    EXPECT_NE(body.find(c.says), std::string::npos) << body;
    if (c.status == 426) {
      EXPECT_NE(raw.find("Sec-WebSocket-Version: 13"), std::string::npos) << raw;
    }
  }
  // A well-formed upgrade still works.
  WsClient ok(port_);
  EXPECT_TRUE(ok.Read().starts_with(R"({"type":"hello")"));
}

TEST_F(Server, MalformedAndOversizedRequests) {
  Start();
  EXPECT_NE(Raw(port_, "this is not http\r\n\r\n").find("HTTP/1.1 400"), std::string::npos);
  const std::string big_header =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(10000, 'a') + "\r\n\r\n";
  EXPECT_NE(Raw(port_, big_header).find("HTTP/1.1 431"), std::string::npos);
  const std::string big_body =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" +
      std::string(100000, 'b');
  EXPECT_NE(Raw(port_, big_body).find("HTTP/1.1 413"), std::string::npos);
  // The server is still there.
  EXPECT_EQ(Request(port_, "/healthz").status, 200);
}

TEST_F(Server, StaticFilesNeverLeaveTheWebRoot) {
  Start();
  Reply index = Request(port_, "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<!doctype html><title>dash</title>");
  EXPECT_EQ(index.headers["Content-Type"], "text/html; charset=utf-8");
  Reply js = Request(port_, "/assets/app.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.headers["Content-Type"], "text/javascript; charset=utf-8");
  for (const char* attempt :
       {"/../outside.txt", "/assets/../../outside.txt", "/%2e%2e/outside.txt",
        "/assets/%2e%2e/%2e%2e/outside.txt", "/..%2foutside.txt", "/assets%2f..%2f..%2foutside.txt",
        "/.secret", "/assets/..", "/%5c..%5coutside.txt", "//etc/passwd", "/nope.html",
        "/assets//app.js"}) {
    const std::string raw = Raw(
        port_, std::string("GET ") + attempt + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_NE(raw.find("HTTP/1.1 404"), std::string::npos) << attempt << ": " << raw.substr(0, 60);
    EXPECT_EQ(raw.find("outside the root"), std::string::npos) << attempt;
    EXPECT_EQ(raw.find("hidden"), std::string::npos) << attempt;
  }
}

// A page compiled into the binary (serve/embedded_page.h), as a table.
constexpr char kPng[] = "\x89PNG\r\n\x1a\n\0\0binary";
const PageFile kEmbedded[] = {
    {"assets/app-ABC.css", "body{color:red}"},
    {"assets/app-ABC.js", "console.log('embedded');"},
    {"assets/logo.png", std::string_view(kPng, sizeof kPng - 1)},
    {"docs/index.html", "<p>docs</p>"},
    {"index.html", "<!doctype html><title>embedded</title>"},
};

TEST_F(Server, TheEmbeddedPageIsServedLikeTheOneOnDisk) {
  ServerOptions o;
  o.embedded_page = kEmbedded;
  Start(o, /*disk_page=*/false);
  for (const char* target : {"/", "/index.html"}) {
    Reply index = Request(port_, target);
    EXPECT_EQ(index.status, 200) << target;
    EXPECT_EQ(index.body, "<!doctype html><title>embedded</title>");
    EXPECT_EQ(index.headers["Content-Type"], "text/html; charset=utf-8");
    EXPECT_EQ(index.headers["Cache-Control"], "no-cache");
    EXPECT_EQ(index.headers["X-Content-Type-Options"], "nosniff");
  }
  struct Asset {
    const char* target;
    const char* type;
    std::string_view bytes;
  };
  for (const Asset& a :
       {Asset{"/assets/app-ABC.js", "text/javascript; charset=utf-8", "console.log('embedded');"},
        Asset{"/assets/app-ABC.css", "text/css; charset=utf-8", "body{color:red}"},
        Asset{"/assets/logo.png", "image/png", std::string_view(kPng, 16)},
        Asset{"/docs/", "text/html; charset=utf-8", "<p>docs</p>"},
        Asset{"/docs", "text/html; charset=utf-8", "<p>docs</p>"}}) {
    Reply r = Request(port_, a.target);
    EXPECT_EQ(r.status, 200) << a.target;
    EXPECT_EQ(r.body, a.bytes) << a.target;
    EXPECT_EQ(r.headers["Content-Type"], a.type) << a.target;
    EXPECT_EQ(r.headers["Cache-Control"], "no-cache") << a.target;
  }
  Reply head = Request(port_, "/assets/app-ABC.js", {}, http::verb::head);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  // The path rules of the disk page.
  for (const char* attempt :
       {"/../index.html", "/assets/../index.html", "/%2e%2e/index.html", "/assets%2fapp-ABC.js",
        "/assets//app-ABC.js", "/./index.html", "/.hidden", "/nope.html", "/assets/",
        "/%5cindex.html", "/assets/app-ABC.js/"}) {
    const std::string raw = Raw(
        port_, std::string("GET ") + attempt + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_NE(raw.find("HTTP/1.1 404"), std::string::npos) << attempt << ": " << raw.substr(0, 60);
  }
  // The API is unchanged.
  EXPECT_EQ(Request(port_, "/api/v1/stats").status, 200);
}

TEST_F(Server, AWebRootOnDiskOverridesTheEmbeddedPage) {
  ServerOptions o;
  o.embedded_page = kEmbedded;
  Start(o);  // web_root_ too
  EXPECT_EQ(Request(port_, "/").body, "<!doctype html><title>dash</title>");
  EXPECT_EQ(Request(port_, "/assets/app.js").body, "console.log('app');");
  EXPECT_EQ(Request(port_, "/assets/app-ABC.js").status, 404) << "disk only, not a mix";
}

TEST_F(Server, AWebRootWithoutAPageFallsBackToTheEmbeddedOne) {
  ServerOptions o;
  o.embedded_page = kEmbedded;
  o.web_root = std::string(STARLING_TEST_TMP) + "/no-such-web-root";
  Start(o);
  EXPECT_EQ(Request(port_, "/").body, "<!doctype html><title>embedded</title>");
}

TEST_F(Server, WithoutAPageTheRootExplainsHowToBuildIt) {
  Start({}, /*disk_page=*/false);
  Reply index = Request(port_, "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.headers["Content-Type"], "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("make web"), std::string::npos) << index.body;
  EXPECT_NE(index.body.find("--web-root"), std::string::npos) << index.body;
  EXPECT_EQ(Request(port_, "/index.html").body, index.body);
  EXPECT_EQ(Request(port_, "/assets/app.js").status, 404);
  EXPECT_EQ(Request(port_, "/healthz").status, 200);
}

TEST_F(Server, TokensAreRequiredAndNeverEchoed) {
  ServerOptions o;
  o.auth_token = "s3cret-token";
  Start(o);
  EXPECT_EQ(Request(port_, "/healthz").status, 200) << "health checks need no token";
  Reply none = Request(port_, "/api/v1/stats");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.headers["WWW-Authenticate"], "Bearer");
  Reply wrong = Request(port_, "/api/v1/stats", {{"Authorization", "Bearer s3cret-tokeX"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(Request(port_, "/api/v1/stats?token=s3cret").status, 401)
      << "a prefix is not the token";
  Reply bearer = Request(port_, "/api/v1/stats", {{"Authorization", "Bearer s3cret-token"}});
  EXPECT_EQ(bearer.status, 200);
  // The scheme is case-insensitive (RFC 7235), the token is not.
  for (const char* header : {"bearer s3cret-token", "BEARER s3cret-token", "bEaReR s3cret-token",
                             "Bearer  s3cret-token"}) {
    EXPECT_EQ(Request(port_, "/api/v1/stats", {{"Authorization", header}}).status, 200) << header;
  }
  for (const char* header : {"Bearer S3CRET-TOKEN", "Basic s3cret-token", "Bearers3cret-token",
                             "Bearerx s3cret-token", "s3cret-token", "Bearer"}) {
    EXPECT_EQ(Request(port_, "/api/v1/stats", {{"Authorization", header}}).status, 401) << header;
  }
  Reply query = Request(port_, "/api/v1/posts?token=s3cret-token&limit=1");
  EXPECT_EQ(query.status, 200) << query.body;
  EXPECT_EQ(Request(port_, "/", {}).status, 401) << "the page too";
  for (const Reply& r : {none, wrong, bearer, query}) {
    EXPECT_EQ(r.body.find("s3cret"), std::string::npos) << r.body;
  }
  EXPECT_EQ(server_->url().find("s3cret"), std::string::npos);
  Reply metrics = Request(port_, "/metrics", {{"Authorization", "Bearer s3cret-token"}});
  EXPECT_EQ(metrics.body.find("s3cret"), std::string::npos);
}

TEST_F(Server, ListeningBeyondLoopbackNeedsATokenOrInsecure) {
  Fill(state_);
  ServerOptions o;
  o.port = 0;
  o.bind = "0.0.0.0";
  DashboardServer refused(state_, o);
  Status st = refused.Start();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("--auth-token"), std::string::npos);
  o.insecure = true;
  DashboardServer allowed(state_, o);
  EXPECT_TRUE(allowed.Start().ok());
  EXPECT_EQ(Request(allowed.port(), "/healthz").status, 200);
  o.insecure = false;
  o.auth_token = "t";
  DashboardServer with_token(state_, o);
  EXPECT_TRUE(with_token.Start().ok());
  // A port in use is a clear error.
  ServerOptions same;
  same.port = allowed.port();
  same.bind = "0.0.0.0";
  same.insecure = true;
  DashboardServer clash(state_, same);
  Status busy = clash.Start();
  EXPECT_EQ(busy.code(), StatusCode::kUnavailable) << busy.ToString();
  EXPECT_TRUE(IsLoopback("127.0.0.1") && IsLoopback("::1") && IsLoopback("localhost"));
  EXPECT_FALSE(IsLoopback("0.0.0.0") || IsLoopback("10.1.2.3"));
}

TEST_F(Server, RateLimitAnswers429) {
  ServerOptions o;
  o.requests_per_second = 1;  // slow refill: the 12 requests take far less than 2 s
  o.request_burst = 5;
  Start(o);
  int ok = 0, limited = 0;
  std::string retry;
  for (int i = 0; i < 12; ++i) {
    Reply r = Request(port_, "/api/v1/stats");
    if (r.status == 200) ++ok;
    if (r.status == 429) {
      ++limited;
      retry = r.headers["Retry-After"];
    }
  }
  EXPECT_GE(ok, 5);
  EXPECT_LE(ok, 6);  // the burst, plus at most one refilled meanwhile
  EXPECT_GE(limited, 5);
  EXPECT_EQ(retry, "1");
}

TEST_F(Server, HealthChecksAreNeverRateLimited) {
  ServerOptions o;
  o.requests_per_second = 0.01;  // no refill during the test
  o.request_burst = 5;
  Start(o);
  // WebSocket upgrades spend the client's tokens (the page reconnecting).
  int upgraded = 0;
  for (int i = 0; i < 8; ++i) {
    try {
      WsClient c(port_);
      ++upgraded;
    } catch (const boost::system::system_error&) {
    }
  }
  EXPECT_EQ(upgraded, 5) << "upgrades are rate limited";
  EXPECT_EQ(Request(port_, "/api/v1/stats").status, 429) << "the bucket is empty";
  for (int i = 0; i < 30; ++i) {
    Reply r = Request(port_, "/healthz");
    ASSERT_EQ(r.status, 200) << "request " << i << ": " << r.body;
    EXPECT_EQ(r.body, R"({"status":"ok"})");
  }
  EXPECT_EQ(Request(port_, "/api/v1/stats").status, 429) << "health checks did not refill it";
}

TEST_F(Server, ConnectionsBeyondTheCapAreRefusedWith503) {
  ServerOptions o;
  o.max_connections = 4;
  Start(o);
  // Three keep-alive HTTP connections and one WebSocket fill the cap.
  std::vector<std::unique_ptr<KeepAliveClient>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<KeepAliveClient>(port_));
    ASSERT_EQ(held.back()->Get("/healthz"), 200);
  }
  WsClient ws(port_);
  EXPECT_TRUE(ws.Read().starts_with(R"({"type":"hello")"));
  // The fifth gets a JSON 503 and is closed (the server answers before it
  // reads the request).
  const std::string raw =
      Raw(port_, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(raw.starts_with("HTTP/1.1 503")) << raw;
  EXPECT_NE(raw.find("Content-Type: application/json"), std::string::npos) << raw;
  EXPECT_NE(raw.find("Connection: close"), std::string::npos) << raw;
  EXPECT_NE(raw.find("Retry-After: 1"), std::string::npos) << raw;
  const std::string body = raw.substr(raw.find("\r\n\r\n") + 4);
  EXPECT_TRUE(ValidJson(body)) << body;
  EXPECT_NE(body.find(R"({"error":{"status":503,"message":"too many open connections (limit 4))"),
            std::string::npos)
      << body;
  Reply refused = Request(port_, "/healthz");
  EXPECT_EQ(refused.status, 503);
  // The held connections still work.
  for (auto& c : held) EXPECT_EQ(c->Get("/api/v1/stats"), 200);
  // A closed connection gives its slot back once the server notices the
  // close (asynchronously): a new connection that gets in keeps the slot.
  auto take_freed_slot = [&] {
    for (int i = 0; i < 100; ++i) {
      auto c = std::make_unique<KeepAliveClient>(port_);
      if (c->Get("/healthz") == 200) {
        held.push_back(std::move(c));
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  };
  held.pop_back();
  ASSERT_TRUE(take_freed_slot()) << "a closed connection gave its slot back";
  EXPECT_EQ(Request(port_, "/healthz").status, 503) << "full again";
  ws.ws.next_layer().close();
  ASSERT_TRUE(take_freed_slot()) << "a closed WebSocket gave its slot back";
  EXPECT_EQ(Request(port_, "/healthz").status, 503) << "full again";
  std::string metrics;
  EXPECT_EQ(held.front()->Get("/metrics", &metrics), 200);
  EXPECT_NE(metrics.find("starling_http_requests_total{code=\"503\"}"), std::string::npos)
      << metrics;
}

TEST_F(Server, MetricsInPrometheusText) {
  Start();
  (void)Request(port_, "/api/v1/nothing");
  Reply m = Request(port_, "/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(m.headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(m.body.find("# TYPE starling_records_total counter\nstarling_records_total 1234"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("starling_dead_letters_total 2"), std::string::npos);
  EXPECT_NE(m.body.find("starling_http_requests_total{code=\"404\"} 1"), std::string::npos);
  EXPECT_NE(m.body.find("starling_watermark_seconds 1617235320"), std::string::npos);
}

// A partitioned log (Kafka) as the source: /api/v1/stats has its brokers,
// rebalances and partitions, /metrics a series per partition held, and a
// partition revoked (or a lag no longer known) loses its series.
TEST_F(Server, PartitionedSourceHealthInStatsAndMetrics) {
  source::SourceHealth health;
  health.source = "kafka://127.0.0.1:9092/posts?group=g&rdkafka.sasl.password=***";
  health.connected = true;
  health.brokers = 3;
  health.rebalances = 1;
  health.partitions = {{.partition = 0, .next_offset = 120, .lag = 5},
                       {.partition = 1, .next_offset = 98, .lag = 0},
                       {.partition = 2, .next_offset = -1, .lag = -1}};
  std::mutex mu;
  state_.SetSourceHealth([&]() -> std::optional<source::SourceHealth> {
    std::lock_guard lock(mu);
    return health;
  });
  Start();
  Reply stats = Request(port_, "/api/v1/stats");
  ASSERT_TRUE(ValidJson(stats.body)) << stats.body;
  EXPECT_NE(stats.body.find(R"("brokers":3,"rebalances":1,"partitions":[)"
                            R"({"partition":0,"next_offset":120,"lag":5},)"
                            R"({"partition":1,"next_offset":98,"lag":0},)"
                            R"({"partition":2,"next_offset":null,"lag":null}])"),
            std::string::npos)
      << stats.body;
  const std::string src =
      R"(source="kafka://127.0.0.1:9092/posts?group=g&rdkafka.sasl.password=***")";
  auto series = [&](const std::string& name, const std::string& partition) {
    return name + "{partition=\"" + partition + "\"," + src + "}";
  };
  Reply m = Request(port_, "/metrics");
  EXPECT_NE(m.body.find("# TYPE starling_source_partition_lag gauge"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("starling_source_brokers{" + src + "} 3\n"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("starling_source_rebalances{" + src + "} 1\n"), std::string::npos);
  EXPECT_NE(m.body.find(series("starling_source_partition_offset", "0") + " 120\n"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find(series("starling_source_partition_lag", "0") + " 5\n"), std::string::npos);
  EXPECT_NE(m.body.find(series("starling_source_partition_offset", "1") + " 98\n"),
            std::string::npos);
  EXPECT_NE(m.body.find(series("starling_source_partition_lag", "1") + " 0\n"), std::string::npos);
  // Partition 2 has read nothing yet: no series rather than a made-up value.
  EXPECT_EQ(m.body.find("partition=\"2\""), std::string::npos) << m.body;

  {
    std::lock_guard lock(mu);
    health.rebalances = 2;  // partition 0 revoked; partition 2 caught up
    health.partitions = {{.partition = 1, .next_offset = 150, .lag = -1},
                         {.partition = 2, .next_offset = 40, .lag = 0}};
  }
  m = Request(port_, "/metrics");
  EXPECT_EQ(m.body.find("partition=\"0\""), std::string::npos) << m.body;
  EXPECT_NE(m.body.find(series("starling_source_partition_offset", "1") + " 150\n"),
            std::string::npos)
      << m.body;
  EXPECT_EQ(m.body.find(series("starling_source_partition_lag", "1")), std::string::npos);
  EXPECT_NE(m.body.find(series("starling_source_partition_offset", "2") + " 40\n"),
            std::string::npos);
  EXPECT_NE(m.body.find(series("starling_source_partition_lag", "2") + " 0\n"), std::string::npos);
  EXPECT_NE(m.body.find("starling_source_rebalances{" + src + "} 2\n"), std::string::npos);
}

// A source that is not partitioned has none of it.
TEST_F(Server, ProviderSourceHasNoPartitionMetrics) {
  state_.SetSourceHealth([]() -> std::optional<source::SourceHealth> {
    source::SourceHealth h;
    h.source = "bluesky:jetstream";
    h.connected = true;
    return h;
  });
  Start();
  Reply stats = Request(port_, "/api/v1/stats");
  EXPECT_NE(stats.body.find(R"("connected":true)"), std::string::npos) << stats.body;
  EXPECT_EQ(stats.body.find("partitions"), std::string::npos) << stats.body;
  Reply m = Request(port_, "/metrics");
  EXPECT_NE(m.body.find(R"(starling_source_connected{source="bluesky:jetstream"} 1)"),
            std::string::npos)
      << m.body;
  EXPECT_EQ(m.body.find("starling_source_brokers{"), std::string::npos) << m.body;
  EXPECT_EQ(m.body.find("starling_source_partition_lag{"), std::string::npos) << m.body;
}

TEST_F(Server, WebSocketPushesResultsAndStatsOnCadence) {
  ServerOptions o;
  o.stats_interval = std::chrono::milliseconds(200);
  Start(o);
  WsClient client(port_);
  const std::string hello = client.Read();
  EXPECT_TRUE(
      hello.starts_with(R"({"type":"hello","pipeline":"test","analyses":[{"name":"hashtags")"))
      << hello;
  EXPECT_TRUE(ValidJson(hello));
  // A result published now reaches the client; stats arrive every 200 ms.
  state_.bus().Publish(TopResult(kT0 + 120'000'000, false, 42));
  std::vector<std::chrono::steady_clock::time_point> stats_at;
  bool got_result = false;
  const auto t0 = std::chrono::steady_clock::now();
  while (stats_at.size() < 5 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5)) {
    const std::string m = client.Read();
    EXPECT_TRUE(ValidJson(m)) << m;
    if (m.starts_with(R"({"type":"result")")) {
      EXPECT_NE(m.find(R"("count":42)"), std::string::npos) << m;
      got_result = true;
    } else if (m.starts_with(R"({"type":"stats","stats":{"pipeline":"test")")) {
      stats_at.push_back(std::chrono::steady_clock::now());
    }
  }
  EXPECT_TRUE(got_result);
  ASSERT_EQ(stats_at.size(), 5u);
  for (std::size_t i = 1; i < stats_at.size(); ++i) {
    const auto gap =
        std::chrono::duration_cast<std::chrono::milliseconds>(stats_at[i] - stats_at[i - 1]);
    EXPECT_GE(gap.count(), 100) << "stats every 200 ms, not faster";
    EXPECT_LE(gap.count(), 2000) << "stats every 200 ms, not much slower (a loaded machine)";
  }
  // Unknown upgrade targets are refused.
  EXPECT_THROW(WsClient(port_, "/api/v1/other"), boost::system::system_error);
}

TEST_F(Server, ASlowWebSocketClientIsDroppedNotBuffered) {
  ServerOptions o;
  o.max_websocket_backlog = 8;
  Start(o);
  WsClient client(port_);
  (void)client.Read();  // hello
  // A large result, published far faster than the client reads.
  model::WindowResult big = TopResult(kT0, false, 1);
  big.rows.resize(2000, big.rows[0]);
  for (int i = 0; i < 400; ++i) state_.bus().Publish(big);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  int read = 0;
  beast::error_code ec;
  for (; read < 400; ++read) {
    beast::flat_buffer b;
    client.ws.read(b, ec);
    if (ec) break;
  }
  EXPECT_LT(read, 400) << "the server dropped the client instead of queueing everything";
  EXPECT_TRUE(ec == websocket::error::closed || ec == net::error::eof ||
              ec == net::error::connection_reset)
      << ec.message();
  if (ec == websocket::error::closed) {
    EXPECT_EQ(client.ws.reason().code, websocket::close_code::policy_error);
  }
  EXPECT_EQ(Request(port_, "/healthz").status, 200);
}

TEST(Api, QueryParsing) {
  auto q = ParseQuery("a=1&b=x%20y&c=a+b&d&e=%E2%9C%93");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ((*q)["a"], "1");
  EXPECT_EQ((*q)["b"], "x y");
  EXPECT_EQ((*q)["c"], "a b");
  EXPECT_EQ((*q)["d"], "");
  EXPECT_EQ((*q)["e"], "\xE2\x9C\x93");
  EXPECT_FALSE(ParseQuery("a=%zz").has_value());
  EXPECT_FALSE(ParseQuery("a=%2").has_value());
  EXPECT_FALSE(ParseQuery("a=%00").has_value());
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
}

}  // namespace
}  // namespace starling::serve
