// File: tests/support/replay_server.h
// tests/support/provider_server.py (the local stand-in for the providers'
// APIs) in a child process, for C++ tests: start it with a script, ask for
// its port, read its request log.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "source/record_source.h"

namespace starling::testing {

class ReplayServer {
 public:
  // Starts the server on `script` (JSON text); nullptr when python3 or the
  // server cannot start (the test should fail, saying so).
  // tls: serve HTTPS / wss: with MakeCertificate's certificate from `dir`.
  static std::unique_ptr<ReplayServer> Start(const std::string& script, const std::string& dir,
                                             bool tls = false) {
    std::filesystem::create_directories(dir);
    auto s = std::unique_ptr<ReplayServer>(new ReplayServer());
    s->script_ = dir + "/script.json";
    s->log_ = dir + "/requests.log";
    std::filesystem::remove(s->log_);
    std::ofstream(s->script_) << script;
    int out[2];
    if (pipe(out) != 0) return nullptr;
    s->pid_ = fork();
    if (s->pid_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      close(out[1]);
      const std::string server =
          std::string(STARLING_TEST_SOURCE_DIR) + "/support/provider_server.py";
      const std::string cert = dir + "/cert.pem", key = dir + "/key.pem";
      if (tls) {
        execlp("python3", "python3", server.c_str(), "--script", s->script_.c_str(), "--log",
               s->log_.c_str(), "--tls", cert.c_str(), key.c_str(), static_cast<char*>(nullptr));
      }
      execlp("python3", "python3", server.c_str(), "--script", s->script_.c_str(), "--log",
             s->log_.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    FILE* f = fdopen(out[0], "r");
    char line[64] = {0};
    const bool ok = f != nullptr && fgets(line, sizeof line, f) != nullptr &&
                    std::sscanf(line, "port %d", &s->port_) == 1;
    if (f != nullptr) fclose(f);
    if (!ok) return nullptr;
    return s;
  }
  ~ReplayServer() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  // A self-signed certificate for the name "localhost" only (not for
  // 127.0.0.1), as dir/cert.pem and dir/key.pem, made by the openssl tool.
  // false when it cannot be made.
  static bool MakeCertificate(const std::string& dir) {
    std::filesystem::create_directories(dir);
    const std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
        "-addext subjectAltName=DNS:localhost -keyout '" +
        dir + "/key.pem' -out '" + dir + "/cert.pem' >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
  }
  int port() const { return port_; }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // The log: one JSON object per request, in order.
  std::vector<std::string> Requests() const {
    std::vector<std::string> out;
    std::ifstream in(log_);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }

 private:
  ReplayServer() = default;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string script_;
  std::string log_;
};

// Calls Next until a record comes, an error, or `tries` idle calls (or 30 s
// of real time: an idle call may wait 200 ms for the network).
inline Result<bool> NextRecord(source::RecordSource& s, source::Record* r, int tries = 20000) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (int i = 0; i < tries && std::chrono::steady_clock::now() < deadline; ++i) {
    auto got = s.Next(r);
    if (got.ok() || got.status().code() != StatusCode::kTryAgain) return got;
  }
  return Internal("no record after " + std::to_string(tries) + " calls");
}

}  // namespace starling::testing
