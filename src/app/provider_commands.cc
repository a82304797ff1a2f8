// File: app/provider_commands.cc
// `starling configure` (the providers' tokens, in a 0600 file) and
// `starling rules` (the X filtered stream's rules: list, add, delete, sync).
#include <termios.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "app/cli_util.h"
#include "app/command_support.h"
#include "app/commands.h"
#include "common/credentials.h"
#include "model/post_json.h"
#include "source/provider/x_api.h"

namespace starling::app {
namespace {

namespace x = source::provider::x;

// One line from stdin; without echo when stdin is a terminal.
std::string ReadSecretLine(const std::string& prompt) {
  const bool tty = ::isatty(STDIN_FILENO) == 1;
  termios saved{};
  if (tty) {
    std::fprintf(stderr, "%s", prompt.c_str());
    std::fflush(stderr);
    ::tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::fprintf(stderr, "\n");
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

bool Known(std::string_view name) {
  for (const CredentialName& c : KnownCredentials()) {
    if (c.name == name) return true;
  }
  return false;
}

}  // namespace

int RunConfigure(const ConfigureArgs& args) {
  const std::string path = CredentialsPath();
  if (args.path) {
    (void)WriteStdout(path + "\n");
    return kExitOk;
  }
  for (const std::string& name : args.unset) {
    Status st = WriteCredential(path, name, "");
    if (!st.ok()) return Fail(st);
    std::fprintf(stderr, "starling: %s removed from %s\n", name.c_str(), path.c_str());
  }
  for (const std::string& name : args.names) {
    if (!Known(name)) {
      std::fprintf(stderr, "starling: warning: %s is not a credential Starling reads\n",
                   name.c_str());
    }
    const std::string value = ReadSecretLine(name + " (input hidden): ");
    if (value.empty()) {
      return Fail(InvalidArgument("no value for " + name + " (nothing changed)"));
    }
    Status st = WriteCredential(path, name, value);
    if (!st.ok()) return Fail(st);
    std::fprintf(stderr, "starling: %s saved in %s (mode 0600)\n", name.c_str(), path.c_str());
  }
  if (args.names.empty() && args.unset.empty()) {
    // The list: where each credential comes from, never its value.
    auto entries = ReadCredentialsFile(path);
    if (!entries.ok()) return Fail(entries.status());
    std::string out = "credentials file: " + path + "\n";
    for (const CredentialName& c : KnownCredentials()) {
      const std::string n(c.name);
      const char* env = std::getenv(n.c_str());
      std::string where = "not set";
      if (env != nullptr && env[0] != '\0') {
        where = "set (environment)";
      } else {
        for (const auto& [k, v] : *entries) {
          if (k == n && !v.empty()) where = "set (credentials file)";
        }
      }
      out += "  " + n + std::string(n.size() < 16 ? 16 - n.size() : 1, ' ') + where +
             std::string(where.size() < 24 ? 24 - where.size() : 1, ' ') + std::string(c.help) +
             "\n";
    }
    (void)WriteStdout(out);
  }
  return kExitOk;
}

namespace {

Result<x::RulesClient> RulesClientFor(const RulesArgs& args) {
  STARLING_ASSIGN_OR_RETURN(std::string token, LookupCredential(x::kCredential));
  std::string base = args.api_base.empty() ? std::string(x::kDefaultApiBase) : args.api_base;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return x::RulesClient(std::move(base), std::move(token));
}

std::string RulesTable(const std::vector<x::Rule>& rules) {
  if (rules.empty()) return "(no rules)\n";
  std::size_t id_w = 2, tag_w = 3;
  for (const x::Rule& r : rules) {
    id_w = std::max(id_w, r.id.size());
    tag_w = std::max(tag_w, r.tag.size());
  }
  auto pad = [](std::string s, std::size_t w) {
    s.resize(std::max(s.size(), w), ' ');
    return s;
  };
  std::string out = pad("ID", id_w) + "  " + pad("TAG", tag_w) + "  VALUE\n";
  for (const x::Rule& r : rules) {
    out += pad(r.id, id_w) + "  " + pad(r.tag, tag_w) + "  " + r.value + "\n";
  }
  return out;
}

// Rules from a YAML or JSON file: a list of {value, tag} or of strings, or
// {add: [...]} as the API takes them.
Result<std::vector<x::Rule>> ReadRulesFile(const std::string& path) {
  YAML::Node doc;
  try {
    doc = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return InvalidArgument("rules file " + path + ": " + e.what());
  }
  if (doc.IsMap() && doc["add"]) doc = doc["add"];
  if (!doc.IsSequence()) {
    return InvalidArgument("rules file " + path +
                           ": a list of rules ({value: ..., tag: ...} or strings)");
  }
  std::vector<x::Rule> rules;
  for (const YAML::Node& n : doc) {
    x::Rule r;
    if (n.IsScalar()) {
      r.value = n.as<std::string>();
    } else if (n.IsMap() && n["value"] && n["value"].IsScalar()) {
      r.value = n["value"].as<std::string>();
      if (n["tag"] && n["tag"].IsScalar()) r.tag = n["tag"].as<std::string>();
    } else {
      return InvalidArgument("rules file " + path + ": rule " + std::to_string(rules.size() + 1) +
                             " has no value");
    }
    if (r.value.empty()) return InvalidArgument("rules file " + path + ": an empty rule");
    rules.push_back(std::move(r));
  }
  return rules;
}

// The API's per-rule errors on stderr; exit 1 when there are any.
int Report(const x::RulesAnswer& a, const RulesArgs& args, const std::string& summary) {
  std::string out = args.json ? a.body + "\n" : summary;
  (void)WriteStdout(out);
  for (const std::string& e : a.errors) std::fprintf(stderr, "starling: rules: %s\n", e.c_str());
  return a.errors.empty() ? kExitOk : kExitFailed;
}

std::string Counts(const x::RulesAnswer& a, bool dry_run) {
  std::string s = dry_run ? "dry run (nothing changed): " : "";
  s += "created " + std::to_string(a.created) + ", not created " + std::to_string(a.not_created) +
       ", deleted " + std::to_string(a.deleted) + ", not deleted " + std::to_string(a.not_deleted) +
       "\n";
  return s;
}

}  // namespace

int RunRules(const RulesArgs& args) {
  auto client = RulesClientFor(args);
  if (!client.ok()) return Fail(client.status());
  if (args.action == "list") {
    auto a = client->List();
    if (!a.ok()) return Fail(a.status());
    return Report(*a, args, RulesTable(a->rules));
  }
  if (args.action == "add") {
    std::vector<x::Rule> rules;
    for (const std::string& v : args.values) rules.push_back({"", v, args.tag});
    auto a = client->Add(rules, args.dry_run);
    if (!a.ok()) return Fail(a.status());
    return Report(*a, args, RulesTable(a->rules) + Counts(*a, args.dry_run));
  }
  if (args.action == "delete") {
    std::vector<std::string> ids = args.values;
    if (args.all) {
      if (!ids.empty()) return Fail(InvalidArgument("rules delete: IDs or --all, not both"));
      auto current = client->List();
      if (!current.ok()) return Fail(current.status());
      for (const x::Rule& r : current->rules) ids.push_back(r.id);
      if (ids.empty()) {
        (void)WriteStdout(args.json ? "{\"meta\":{\"summary\":{\"deleted\":0}}}\n"
                                    : "(no rules)\n");
        return kExitOk;
      }
    }
    if (ids.empty()) return Fail(InvalidArgument("rules delete: give rule IDs, or --all"));
    auto a = client->Delete(ids, args.dry_run);
    if (!a.ok()) return Fail(a.status());
    return Report(*a, args, Counts(*a, args.dry_run));
  }
  if (args.action == "sync") {
    if (args.values.size() != 1) return Fail(InvalidArgument("rules sync: one FILE"));
    auto wanted = ReadRulesFile(args.values.front());
    if (!wanted.ok()) return Fail(wanted.status());
    auto current = client->List();
    if (!current.ok()) return Fail(current.status());
    const x::SyncPlan plan = x::PlanSync(current->rules, *wanted);
    x::RulesAnswer deleted, added;
    if (!plan.delete_ids.empty()) {
      auto a = client->Delete(plan.delete_ids, args.dry_run);
      if (!a.ok()) return Fail(a.status());
      deleted = std::move(*a);
    }
    if (!plan.add.empty()) {
      auto a = client->Add(plan.add, args.dry_run);
      if (!a.ok()) return Fail(a.status());
      added = std::move(*a);
    }
    std::string out;
    if (args.json) {
      out = "{\"dry_run\":" + std::string(args.dry_run ? "true" : "false") + ",\"delete\":[";
      for (std::size_t i = 0; i < plan.delete_ids.size(); ++i) {
        if (i > 0) out += ',';
        model::AppendJsonString(plan.delete_ids[i], &out);
      }
      out += "],\"add\":[";
      for (std::size_t i = 0; i < plan.add.size(); ++i) {
        out += i > 0 ? ",{\"value\":" : "{\"value\":";
        model::AppendJsonString(plan.add[i].value, &out);
        out += ",\"tag\":";
        model::AppendJsonString(plan.add[i].tag, &out);
        out += '}';
      }
      out += "]}\n";
    } else {
      out = std::string(args.dry_run ? "dry run (nothing changed): " : "") + "delete " +
            std::to_string(plan.delete_ids.size()) + ", add " + std::to_string(plan.add.size()) +
            ", keep " + std::to_string(current->rules.size() - plan.delete_ids.size()) + "\n";
      for (const std::string& id : plan.delete_ids) out += "  - " + id + "\n";
      for (const x::Rule& r : plan.add) {
        out += "  + " + r.value + (r.tag.empty() ? "" : "  [" + r.tag + "]") + "\n";
      }
    }
    (void)WriteStdout(out);
    for (const auto* a : {&deleted, &added}) {
      for (const std::string& e : a->errors) {
        std::fprintf(stderr, "starling: rules: %s\n", e.c_str());
      }
    }
    return deleted.errors.empty() && added.errors.empty() ? kExitOk : kExitFailed;
  }
  return kExitUsage;
}

}  // namespace starling::app
