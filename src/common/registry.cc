// File: common/registry.cc
#include "common/registry.h"

#include <algorithm>

namespace starling {

bool HasExtension(std::string_view path, std::string_view extension) {
  if (path.size() < extension.size()) return false;
  const std::string_view tail = path.substr(path.size() - extension.size());
  for (std::size_t i = 0; i < tail.size(); ++i) {
    char c = tail[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != extension[i]) return false;
  }
  return true;
}

Status CheckHosts(const ConnectorInfo& info, const spec::Spec& spec, std::string_view what) {
  if (info.takes_hosts || !spec.url || spec.hosts.empty()) return Status::Ok();
  return InvalidArgument(std::string(what) + " spec '" + spec.redacted + "': " +
                         std::string(info.scheme) + " takes a path (" + std::string(info.scheme) +
                         ":PATH or " + std::string(info.scheme) + ":///ABSOLUTE/PATH), not a host");
}

std::string FormatConnectorHelp(std::string_view title,
                                const std::vector<const ConnectorInfo*>& infos) {
  std::size_t width = 0;
  for (const ConnectorInfo* i : infos) width = std::max(width, i->usage.size());
  width = std::min<std::size_t>(width, 34);
  std::string out(title);
  out += ":\n";
  for (const ConnectorInfo* i : infos) {
    std::string line = "  " + std::string(i->usage);
    if (i->usage.size() > width) {
      line += "\n" + std::string(width + 2, ' ');
    } else {
      line.append(width - i->usage.size(), ' ');
    }
    line += "  " + std::string(i->help) + "\n";
    out += line;
    for (const spec::ParamDecl& p : i->params) {
      out += std::string(width + 4, ' ') + std::string(p.name) + " (" +
             std::string(spec::ParamTypeName(p.type)) + "): " + std::string(p.help) + "\n";
    }
  }
  return out;
}

std::string FormatConnectorMarkdown(std::string_view title,
                                    const std::vector<const ConnectorInfo*>& infos,
                                    const std::vector<std::string>& capabilities) {
  auto cell = [](std::string_view text) {
    std::string out;
    for (char c : text) {
      if (c == '|')
        out += "\\|";
      else
        out += c;
    }
    return out;
  };
  const bool caps = !capabilities.empty();
  std::string out = "## " + std::string(title) + "\n\n| spec | what | parameters |" +
                    (caps ? " capabilities |\n|---|---|---|---|\n" : "\n|---|---|---|\n");
  for (std::size_t n = 0; n < infos.size(); ++n) {
    const ConnectorInfo* i = infos[n];
    std::string forms = "`" + cell(i->usage) + "`";
    for (std::string_view e : i->extensions) forms += " `" + std::string(e) + "`";
    std::string params;
    for (const spec::ParamDecl& p : i->params) {
      if (!params.empty()) params += "<br>";
      params += "`" + std::string(p.name) + "` (" + std::string(spec::ParamTypeName(p.type)) +
                "): " + cell(p.help);
    }
    out += "| " + forms + " | " + cell(i->help) + " | " + (params.empty() ? "none" : params) +
           " |" + (caps ? " " + (n < capabilities.size() ? capabilities[n] : "") + " |" : "") +
           "\n";
  }
  return out;
}

}  // namespace starling
