// File: source/http_client.cc
#include "source/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace starling::source {
namespace {

// Providers ask clients to name themselves (GitHub refuses requests without one).
constexpr std::string_view kUserAgent = "starling/0.1.0";

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

struct CurlSlist {
  curl_slist* list = nullptr;
  ~CurlSlist() { curl_slist_free_all(list); }
};

// Applies what every request shares; the header list must outlive the handle's use.
Status Configure(CURL* h, const HttpRequest& r, CurlSlist& headers, char* errbuf) {
  curl_easy_setopt(h, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_USERAGENT, std::string(kUserAgent).c_str());
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(r.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // gzip/deflate if the server offers
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  for (const HttpHeader& hd : r.headers) {
    const std::string line = hd.name + ": " + hd.value;
    curl_slist* next = curl_slist_append(headers.list, line.c_str());
    if (next == nullptr) return Internal("http: out of memory for headers");
    headers.list = next;
  }
  if (headers.list != nullptr) curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.list);
  if (!r.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, r.ca_file.c_str());
  if (r.method == "POST" || !r.body.empty()) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, r.body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  }
  if (r.method != "GET" && r.method != "POST") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  }
  return Status::Ok();
}

// The URL as messages show it: without its query (long field lists).
std::string ShortUrl(const std::string& url) { return url.substr(0, url.find('?')); }

std::string CurlReason(CURLcode code, const char* errbuf) {
  std::string why = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(code);
  return why;
}

struct FetchState {
  HttpResponse* response;
};

std::size_t FetchWrite(char* data, std::size_t size, std::size_t n, void* user) {
  auto* s = static_cast<FetchState*>(user);
  s->response->body.append(data, size * n);
  return size * n;
}

std::size_t FetchHeader(char* data, std::size_t size, std::size_t n, void* user) {
  auto* s = static_cast<FetchState*>(user);
  s->response->headers.AddLine(std::string_view(data, size * n));
  return size * n;
}

}  // namespace

const std::string* HttpHeaders::Find(std::string_view lower_name) const {
  for (const HttpHeader& h : headers_) {
    if (h.name == lower_name) return &h.value;
  }
  return nullptr;
}

void HttpHeaders::AddLine(std::string_view line) {
  if (line.starts_with("HTTP/")) {
    headers_.clear();
    return;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return;  // the blank line that ends them, or junk
  headers_.push_back(
      {Lower(Trim(line.substr(0, colon))), std::string(Trim(line.substr(colon + 1)))});
}

Result<HttpResponse> HttpFetch(const HttpRequest& request) {
  GlobalInit();
  CURL* h = curl_easy_init();
  if (h == nullptr) return Internal("http: curl_easy_init failed");
  char errbuf[CURL_ERROR_SIZE] = {0};
  CurlSlist headers;
  HttpResponse response;
  FetchState state{&response};
  Status st = Configure(h, request, headers, errbuf);
  if (st.ok()) {
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.total_timeout.count()));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, FetchWrite);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &state);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, FetchHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &state);
    const CURLcode code = curl_easy_perform(h);
    if (code == CURLE_OK) {
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
    } else if (code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL) {
      st = InvalidArgument("http: bad URL '" + request.url + "': " + CurlReason(code, errbuf));
    } else {
      st = Unavailable(request.method + " " + ShortUrl(request.url) + ": " +
                       CurlReason(code, errbuf));
    }
  }
  curl_easy_cleanup(h);
  if (!st.ok()) return st;
  return response;
}

struct HttpStream::Impl {
  CURLM* multi = nullptr;
  CURL* easy = nullptr;
  CurlSlist headers;
  HttpRequest request;
  char errbuf[CURL_ERROR_SIZE] = {0};
  ~Impl() {
    if (multi != nullptr && easy != nullptr) curl_multi_remove_handle(multi, easy);
    if (easy != nullptr) curl_easy_cleanup(easy);
    if (multi != nullptr) curl_multi_cleanup(multi);
  }
};

struct HttpStreamCallbacks {
  static std::size_t Write(char* data, std::size_t size, std::size_t n, void* user) {
    auto* s = static_cast<HttpStream*>(user);
    s->pending_.append(data, size * n);
    s->body_bytes_ += size * n;
    return size * n;
  }
  static std::size_t Header(char* data, std::size_t size, std::size_t n, void* user) {
    auto* s = static_cast<HttpStream*>(user);
    const std::string_view line(data, size * n);
    if (line.starts_with("HTTP/")) s->headers_done_ = false;
    s->headers_.AddLine(line);
    if (line == "\r\n" || line == "\n") {
      long code = 0;
      curl_easy_getinfo(s->impl_->easy, CURLINFO_RESPONSE_CODE, &code);
      // 1xx responses (100 Continue) are followed by the real one.
      if (code >= 200) {
        s->status_ = code;
        s->headers_done_ = true;
      }
    }
    return size * n;
  }
};

Result<std::unique_ptr<HttpStream>> HttpStream::Open(const HttpRequest& request) {
  GlobalInit();
  std::unique_ptr<HttpStream> s(new HttpStream());
  s->impl_ = std::make_unique<Impl>();
  Impl& impl = *s->impl_;
  impl.request = request;
  impl.multi = curl_multi_init();
  impl.easy = curl_easy_init();
  if (impl.multi == nullptr || impl.easy == nullptr) return Internal("http: curl init failed");
  STARLING_RETURN_IF_ERROR(Configure(impl.easy, impl.request, impl.headers, impl.errbuf));
  curl_easy_setopt(impl.easy, CURLOPT_WRITEFUNCTION, HttpStreamCallbacks::Write);
  curl_easy_setopt(impl.easy, CURLOPT_WRITEDATA, s.get());
  curl_easy_setopt(impl.easy, CURLOPT_HEADERFUNCTION, HttpStreamCallbacks::Header);
  curl_easy_setopt(impl.easy, CURLOPT_HEADERDATA, s.get());
  if (curl_multi_add_handle(impl.multi, impl.easy) != CURLM_OK) {
    return Internal("http: curl_multi_add_handle failed");
  }
  return s;
}

HttpStream::~HttpStream() = default;

void HttpStream::Read(std::string* out, std::chrono::milliseconds wait) {
  if (ended_) {
    out->append(pending_);
    pending_.clear();
    return;
  }
  auto step = [&] {
    int running = 0;
    curl_multi_perform(impl_->multi, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(impl_->multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      const CURLcode code = msg->data.result;
      if (code == CURLE_OK) {
        if (!headers_done_) {
          curl_easy_getinfo(impl_->easy, CURLINFO_RESPONSE_CODE, &status_);
          headers_done_ = true;
        }
        ended_ = Status::Ok();
      } else {
        ended_ = Unavailable(impl_->request.method + " " + ShortUrl(impl_->request.url) + ": " +
                             CurlReason(code, impl_->errbuf));
      }
    }
  };
  step();
  if (pending_.empty() && !ended_) {
    curl_multi_poll(impl_->multi, nullptr, 0,
                    static_cast<int>(std::max<long long>(wait.count(), 0)), nullptr);
    step();
  }
  out->append(pending_);
  pending_.clear();
}

std::string UrlEncode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string NextLink(std::string_view link) {
  // <https://api.github.com/...&page=2>; rel="next", <...>; rel="last"
  while (!link.empty()) {
    const std::size_t open = link.find('<');
    if (open == std::string_view::npos) break;
    const std::size_t close = link.find('>', open);
    if (close == std::string_view::npos) break;
    const std::string_view target = link.substr(open + 1, close - open - 1);
    std::size_t end = link.find(',', close);
    const std::string_view params = link.substr(
        close + 1, end == std::string_view::npos ? std::string_view::npos : end - close - 1);
    if (params.find("rel=\"next\"") != std::string_view::npos ||
        params.find("rel=next") != std::string_view::npos) {
      return std::string(target);
    }
    if (end == std::string_view::npos) break;
    link.remove_prefix(end + 1);
  }
  return {};
}

}  // namespace starling::source
