// File: common/credentials.cc
#include "common/credentials.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/files.h"

namespace starling {
namespace {

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

}  // namespace

const std::vector<CredentialName>& KnownCredentials() {
  static const std::vector<CredentialName> names = {
      {"X_BEARER_TOKEN",
       "X API v2 app bearer token (x:stream, x:sample, x:search, starling rules)"},
      {"GITHUB_TOKEN", "GitHub token (github: sources; optional, raises the rate limit)"},
      {"MASTODON_TOKEN", "Mastodon access token (mastodon: sources; needed by Mastodon 4.2+)"},
      {"MEETUP_TOKEN", "Meetup OAuth bearer token (meetup: sources)"},
      {"POSTGRES_PASSWORD", "PostgreSQL password (postgres:// stores)"},
      {"MYSQL_PASSWORD", "MariaDB/MySQL password (mysql:// stores)"},
      {"CLICKHOUSE_PASSWORD", "ClickHouse password (clickhouse:// stores)"},
      {"MONGODB_PASSWORD", "MongoDB password (mongodb:// stores)"},
  };
  return names;
}

std::string CredentialsPath() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  std::string base;
  if (xdg != nullptr && xdg[0] == '/') {
    base = xdg;
  } else {
    const char* home = std::getenv("HOME");
    base = std::string(home != nullptr ? home : ".") + "/.config";
  }
  return base + "/starling/credentials";
}

Result<std::vector<std::pair<std::string, std::string>>> ReadCredentialsFile(
    const std::string& path) {
  std::vector<std::pair<std::string, std::string>> out;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return out;
    return InvalidArgument("cannot read " + path + ": " + std::strerror(errno));
  }
  if ((st.st_mode & 077) != 0) {
    return InvalidArgument("refusing to read " + path +
                           ": others can read it (it holds tokens); run: chmod 600 " + path);
  }
  std::ifstream in(path);
  if (!in) return InvalidArgument("cannot read " + path + ": " + std::strerror(errno));
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line.front() == '#') continue;
    const std::size_t eq = line.find('=');
    if (eq == std::string::npos || !ValidName(line.substr(0, eq))) {
      return InvalidArgument(path + ":" + std::to_string(n) +
                             ": not NAME=value (the value is not shown)");
    }
    out.emplace_back(line.substr(0, eq), line.substr(eq + 1));
  }
  return out;
}

Result<std::string> LookupCredential(std::string_view name) {
  const std::string n(name);
  if (const char* v = std::getenv(n.c_str()); v != nullptr && v[0] != '\0') return std::string(v);
  const std::string path = CredentialsPath();
  STARLING_ASSIGN_OR_RETURN(auto entries, ReadCredentialsFile(path));
  for (auto& [k, v] : entries) {
    if (k == name && !v.empty()) return std::move(v);
  }
  return NotFound("no " + n + ": set the environment variable " + n +
                  " or run `starling configure " + n + "`");
}

Status WriteCredential(const std::string& path, std::string_view name, std::string_view value) {
  if (!ValidName(name)) {
    return InvalidArgument("credential names are upper-case letters, digits and '_', got '" +
                           std::string(name) + "'");
  }
  if (value.find('\n') != std::string_view::npos || value.find('\r') != std::string_view::npos) {
    return InvalidArgument("a credential's value is one line");
  }
  STARLING_ASSIGN_OR_RETURN(auto entries, ReadCredentialsFile(path));
  bool found = false;
  std::vector<std::pair<std::string, std::string>> kept;
  for (auto& e : entries) {
    if (e.first == name) {
      found = true;
      if (value.empty()) continue;
      e.second = std::string(value);
    }
    kept.push_back(std::move(e));
  }
  if (!found && !value.empty()) kept.emplace_back(std::string(name), std::string(value));
  const std::size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    const std::string dir = path.substr(0, slash);
    STARLING_RETURN_IF_ERROR(CreateParentDirs(path));
    ::chmod(dir.c_str(), 0700);
  }
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("cannot write " + tmp + ": " + std::strerror(errno));
  ::fchmod(fd, 0600);  // whatever the umask
  std::ostringstream body;
  body << "# Starling credentials (starling configure). Keep this file mode 0600.\n";
  for (const auto& [k, v] : kept) body << k << '=' << v << '\n';
  const std::string text = body.str();
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return IoError("cannot write " + path + ": " + std::strerror(ok ? errno : err));
  }
  return Status::Ok();
}

}  // namespace starling
