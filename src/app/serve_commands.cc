// File: app/serve_commands.cc
// The dashboard server as the commands start it: `demo` and `run --serve`
// over a running pipeline (run_command.cc, demo_command.cc), `serve` over a stored run.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "app/cli_util.h"
#include "app/command_support.h"
#include "common/log.h"
#include "serve/embedded_page.h"
#include "serve/http_server.h"
#include "serve/report.h"
#include "serve/stored_run.h"
#include "sink/registry.h"

namespace starling::app {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

// Fills `state` with a stored run: the latest `windows` windows of
// `pipeline` from the result store `db` and, when `posts_spec` is given, its
// `posts` most recent posts; both specs resolved through the sink registry.
// Returns the result store's name, for messages.
Result<std::string> LoadStoredRun(const std::string& db, const std::string& posts_spec,
                                  const std::string& pipeline, std::size_t windows,
                                  std::size_t posts, serve::DashboardState* state) {
  STARLING_ASSIGN_OR_RETURN(auto results, sink::OpenResultStore(db));
  STARLING_RETURN_IF_ERROR(serve::LoadStoredResults(*results, pipeline, windows, state));
  if (!posts_spec.empty()) {
    STARLING_ASSIGN_OR_RETURN(auto store, sink::OpenPostStore(posts_spec));
    STARLING_RETURN_IF_ERROR(serve::LoadStoredPosts(*store, posts, state));
  }
  return results->Name();
}

}  // namespace

Result<std::unique_ptr<serve::DashboardServer>> StartDashboard(const ServeArgs& args,
                                                               serve::DashboardState& state) {
  serve::ServerOptions o;
  o.bind = args.bind;
  o.port = args.port;
  o.auth_token = !args.auth_token.empty() ? args.auth_token : Env("STARLING_AUTH_TOKEN");
  o.insecure = args.insecure;
  o.web_root = !args.web_root.empty() ? args.web_root : Env("STARLING_WEB_ROOT");
  o.embedded_page = serve::EmbeddedPage();
  auto server = std::make_unique<serve::DashboardServer>(state, o);
  STARLING_RETURN_IF_ERROR(server->Start());
  std::printf("dashboard: %s\n", server->url().c_str());
  std::fflush(stdout);
  return server;
}

int RunServe(const ServeCommandArgs& args) {
  if (args.db.empty()) return Fail(InvalidArgument("serve needs --db sqlite:FILE"));
  serve::DashboardState state;
  auto source = LoadStoredRun(args.db, args.posts, args.pipeline, args.windows, 2000, &state);
  if (!source.ok()) return Fail(source.status());
  log::Info("serving pipeline '{}' from {} ({} analyses, {} posts in the feed)", state.pipeline(),
            *source, state.analyses().size(), state.post_count());
  auto server = StartDashboard(args.serve, state);
  if (!server.ok()) return Fail(server.status());
  const std::atomic<bool>* stop = InstallStopHandler();
  StopSignalEndsNormally();  // serve runs until Ctrl-C
  while (!stop->load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  (*server)->Stop();
  return 0;
}

int RunReport(const ReportArgs& args) {
  if (args.db.empty()) return Fail(InvalidArgument("report needs --db sqlite:FILE"));
  serve::DashboardState state(/*keep_posts=*/20, /*keep_windows=*/args.windows);
  auto source = LoadStoredRun(args.db, args.posts, args.pipeline, args.windows, 20, &state);
  if (!source.ok()) return Fail(source.status());
  serve::ReportOptions o;
  o.title = args.title;
  o.source = *source;
  const std::string html = serve::RenderReport(state, o);
  const std::string tmp = args.out + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << html;
    f.close();
    if (!f) return Fail(IoError("cannot write " + tmp));
  }
  if (std::rename(tmp.c_str(), args.out.c_str()) != 0) {
    return Fail(IoError("cannot write " + args.out));
  }
  log::Info("report: {} ({} KiB, {} analyses of pipeline '{}')", args.out, html.size() / 1024,
            state.analyses().size(), state.pipeline());
  return 0;
}

}  // namespace starling::app
