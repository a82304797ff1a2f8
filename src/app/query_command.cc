// File: app/query_command.cc
// `starling query --on SPEC 'PRQL'`: a query (docs/query.md) over a store
// that runs SQL (compiled for its dialect) or a file of posts (the native
// executor), printed as a table, TSV, CSV or JSON lines. Without a query,
// a REPL: a query may span lines; a blank line or a line ending in ';' runs
// it; history in $XDG_STATE_HOME/starling/query_history with line editing
// (libedit) on a terminal, plain lines otherwise.
#include <editline/readline.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/cli_util.h"
#include "app/command_support.h"
#include "app/commands.h"
#include "common/log.h"
#include "query/executor.h"
#include "query/input.h"
#include "query/printer.h"
#include "query/resolver.h"
#include "query/sql_compiler.h"

namespace starling::app {
namespace {

// A bad query: its message (query:LINE:COL: ..., the line, a caret) as it is.
int QueryError(const Status& st) {
  std::fprintf(stderr, "%s\n", st.message().c_str());
  return kExitUsage;
}

// Compiles and runs one query; the exit code (0, 2 bad query, 1 failed).
int RunOne(const std::string& text, query::Target& target, query::OutputFormat format,
           bool explain) {
  auto plan = query::Compile(text);
  if (!plan.ok()) return QueryError(plan.status());
  if (explain) {
    if (target.store) {
      auto sql = query::CompileForStore(*plan, *target.store);
      if (!sql.ok()) return QueryError(sql.status());
      const Status w = WriteStdout(*sql + "\n");
      return w.ok() ? kExitOk : Fail(w);
    }
    const Status w = WriteStdout(query::ExplainPlan(*plan));
    return w.ok() ? kExitOk : Fail(w);
  }
  Result<query::Answer> answer =
      target.store ? query::RunOnStore(*plan, *target.store) : query::Execute(*plan, *target.posts);
  if (!answer.ok()) {
    // A dialect refusing a query is the query's fault: exit 2 like a bad query.
    if (answer.status().code() == StatusCode::kInvalidArgument) return QueryError(answer.status());
    return Fail(answer.status());
  }
  if (answer->skipped_records > 0 && !GlobalUi().quiet) {
    log::Warn("{} record(s) did not parse and were skipped", answer->skipped_records);
  }
  const Status w = WriteStdout(query::FormatAnswer(*answer, format));
  if (!w.ok()) return Fail(w);
  return kExitOk;
}

std::string HistoryPath() {
  const char* state = std::getenv("XDG_STATE_HOME");
  std::filesystem::path dir;
  if (state != nullptr && *state != '\0') {
    dir = std::filesystem::path(state) / "starling";
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    dir = std::filesystem::path(home) / ".local" / "state" / "starling";
  } else {
    return {};
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return ec ? std::string() : (dir / "query_history").string();
}

// Reads one line: through libedit on a terminal, else from stdin.
bool ReadLine(bool tty, const char* prompt, std::string* line) {
  if (tty) {
    char* s = readline(prompt);
    if (s == nullptr) return false;
    *line = s;
    std::free(s);
    return true;
  }
  return static_cast<bool>(std::getline(std::cin, *line));
}

int Repl(query::Target& target, query::OutputFormat format, bool explain) {
  const bool tty = ::isatty(STDIN_FILENO) != 0;
  const std::string history = tty ? HistoryPath() : std::string();
  if (tty) {
    using_history();
    if (!history.empty()) read_history(history.c_str());
    std::fprintf(stderr, "starling query: end a query with a blank line or ';' (Ctrl-D leaves)\n");
  }
  int last = kExitOk;
  std::string pending, line;
  auto run = [&] {
    while (!pending.empty() && (pending.back() == '\n' || pending.back() == ' '))
      pending.pop_back();
    if (pending.find_first_not_of(" \t\n;") == std::string::npos) {
      pending.clear();
      return;
    }
    if (tty) {
      add_history(pending.c_str());
      if (!history.empty()) write_history(history.c_str());
    }
    last = RunOne(pending, target, format, explain);
    pending.clear();
  };
  while (ReadLine(tty, pending.empty() ? "query> " : "  ...> ", &line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::size_t end = line.find_last_not_of(" \t");
    if (end == std::string::npos) {
      run();
      continue;
    }
    if (line[end] == ';') {
      pending += line.substr(0, end) + "\n";
      run();
      continue;
    }
    pending += line + "\n";
  }
  run();
  return tty ? kExitOk : last;
}

}  // namespace

int RunQuery(const QueryArgs& args) {
  auto format = query::OutputFormatFromName(args.format);
  if (!format.ok()) return Fail(format.status());
  if (!args.query.empty() && !args.file.empty()) {
    return Fail(InvalidArgument("give the query as an argument or with --file, not both"));
  }
  std::string text = args.query;
  if (!args.file.empty()) {
    std::ifstream in(args.file, std::ios::binary);
    if (!in) return Fail(NotFound("cannot read query file " + args.file));
    std::ostringstream s;
    s << in.rdbuf();
    text = s.str();
  }
  auto target = query::OpenTarget(args.on);
  if (!target.ok()) return Fail(target.status());
  if (text.empty() && args.file.empty()) return Repl(*target, *format, args.explain);
  return RunOne(text, *target, *format, args.explain);
}

}  // namespace starling::app
