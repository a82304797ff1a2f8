// File: source/connectors/tcp_source.cc
// A TCP client reading lines (Spark's socketTextStream).
#include <charconv>

#include "source/registry.h"

namespace starling::source {

SourceKind TcpSourceKind() {
  SourceKind k;
  k.info = {.scheme = "tcp",
            .usage = "tcp://HOST:PORT",
            .help = "connect and read lines (like Spark's socketTextStream)",
            .takes_hosts = true};
  k.caps = {.live = true};
  k.open = [](const spec::Spec& s, const spec::Params&,
              const SourceOptions& options) -> Result<std::unique_ptr<RecordSource>> {
    auto bad = [&] {
      return InvalidArgument("tcp source needs tcp://HOST:PORT, got '" + s.redacted + "'");
    };
    if (!s.url || s.hosts.size() != 1 || !s.path.empty()) return bad();
    const std::string& hp = s.hosts.front();
    const std::size_t colon = hp.rfind(':');
    int port = 0;
    if (colon == std::string::npos ||
        std::from_chars(hp.data() + colon + 1, hp.data() + hp.size(), port).ec != std::errc() ||
        port <= 0 || port > 65535) {
      return bad();
    }
    std::string host = hp.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    STARLING_ASSIGN_OR_RETURN(auto stream, ConnectTcp(host, port));
    return LineSource(std::move(stream), s.redacted, options);
  };
  return k;
}

}  // namespace starling::source
