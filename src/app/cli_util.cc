// File: app/cli_util.cc
#include "app/cli_util.h"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/log.h"

namespace starling::app {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};
std::atomic<bool> g_progress_drawn{false};

void OnSignal(int sig) {
  int none = 0;
  g_signal.compare_exchange_strong(none, sig);
  if (g_stop.exchange(true)) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
  }
}

}  // namespace

Ui& GlobalUi() {
  static Ui ui;
  return ui;
}

const std::atomic<bool>* InstallStopHandler() {
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  return &g_stop;
}

int StopSignal() { return g_signal.load(); }

namespace {
std::atomic<bool> g_signal_is_end{false};
}  // namespace

void StopSignalEndsNormally() {
  // A signal already taken stopped work that had more to do: it still counts.
  if (StopSignal() == 0) g_signal_is_end = true;
}

int FinalExitCode(int command_code) {
  const int sig = StopSignal();
  if (command_code != kExitOk || sig == 0 || g_signal_is_end) return command_code;
  return 128 + sig;
}

namespace {
Status StdoutError(int err) {
  if (err == EPIPE) return OutputClosed("the reader of standard output went away (broken pipe)");
  return IoError(std::string("cannot write standard output: ") + std::strerror(err));
}
}  // namespace

Status WriteStdout(std::string_view bytes) {
  if (bytes.empty()) return Status::Ok();
  errno = 0;
  if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size()) {
    return StdoutError(errno);
  }
  return Status::Ok();
}

Status FlushStdout() {
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) return StdoutError(errno);
  return Status::Ok();
}

std::function<void(const dataflow::IngestStats&)> ProgressLine(std::string label) {
  if (!GlobalUi().progress) return {};
  return [label = std::move(label), last_posts = std::uint64_t{0},
          last_us = std::int64_t{0}](const dataflow::IngestStats& s) mutable {
    std::int64_t us = s.elapsed.count();
    double dt = static_cast<double>(us - last_us) / 1e6;
    double rate = dt > 0 ? static_cast<double>(s.posts - last_posts) / dt : 0;
    last_posts = s.posts;
    last_us = us;
    std::int64_t secs = us / 1000000;
    std::fprintf(stderr, "\r\033[K%s  %s posts  %s/s  dead letters %s  %02lld:%02lld:%02lld",
                 label.c_str(), Grouped(s.posts).c_str(),
                 Grouped(static_cast<std::uint64_t>(rate)).c_str(), Grouped(s.dead_letters).c_str(),
                 static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                 static_cast<long long>(secs % 60));
    std::fflush(stderr);
    g_progress_drawn = true;
  };
}

void EndProgressLine() {
  if (g_progress_drawn.exchange(false)) std::fputs("\n", stderr);
}

void PrintSummary(const dataflow::IngestStats& s, const std::string& dead_letter_path) {
  EndProgressLine();
  if (GlobalUi().quiet) return;
  double secs = static_cast<double>(s.elapsed.count()) / 1e6;
  double rate = secs > 0 ? static_cast<double>(s.posts) / secs : 0;
  log::Info(
      "{} posts from {} records ({:.1f} MB) in {:.2f} s ({} posts/s); {} control messages; {} "
      "dead letters",
      Grouped(s.posts), Grouped(s.records), static_cast<double>(s.bytes) / 1e6, secs,
      Grouped(static_cast<std::uint64_t>(rate)), Grouped(s.controls), Grouped(s.dead_letters));
  if (GlobalUi().verbose) {
    for (const auto& [kind, n] : s.controls_by_kind) log::Info("  control {}: {}", kind, n);
  }
  if (s.dead_letters > 0) {
    if (dead_letter_path.empty()) {
      log::Warn("{} malformed records were dropped (no --dead-letter file)", s.dead_letters);
    } else {
      log::Warn("{} malformed records appended to {}", s.dead_letters, dead_letter_path);
    }
  }
}

}  // namespace starling::app
