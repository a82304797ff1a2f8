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

}  // namespace starling
