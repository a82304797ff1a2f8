// File: source/provider/seen_ids.cc
#include "source/provider/seen_ids.h"

namespace starling::source::provider {
namespace {

std::string Escape(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == ';' || c == '=' || c == '%') {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out.push_back('%');
      out.push_back(kHex[static_cast<unsigned char>(c) >> 4]);
      out.push_back(kHex[static_cast<unsigned char>(c) & 15]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

bool SeenIds::Insert(std::string_view id) {
  auto [it, fresh] = set_.emplace(id);
  if (!fresh) return false;
  order_.emplace_back(id);
  if (order_.size() > capacity_) {
    set_.erase(order_.front());
    order_.pop_front();
  }
  return true;
}

std::string SeenIds::Save(std::size_t max) const {
  std::string out;
  const std::size_t from = order_.size() > max ? order_.size() - max : 0;
  for (std::size_t i = from; i < order_.size(); ++i) {
    if (!out.empty()) out.push_back(',');
    out += order_[i];
  }
  return out;
}

void SeenIds::Load(std::string_view saved) {
  while (!saved.empty()) {
    const std::size_t comma = saved.find(',');
    const std::string_view id = saved.substr(0, comma);
    if (!id.empty()) Insert(id);
    if (comma == std::string_view::npos) break;
    saved.remove_prefix(comma + 1);
  }
}

PositionToken& PositionToken::Add(std::string_view key, std::string_view value) {
  text_ += ';';
  text_ += key;
  text_ += '=';
  text_ += Escape(value);
  return *this;
}

Result<std::string> PositionToken::Get(std::string_view token, std::string_view kind,
                                       std::string_view key) {
  const std::size_t first = token.find(';');
  if (token.substr(0, first) != kind) {
    return MalformedInput("not a " + std::string(kind) + " position");
  }
  std::string_view rest = first == std::string_view::npos ? "" : token.substr(first + 1);
  while (!rest.empty()) {
    const std::size_t semi = rest.find(';');
    const std::string_view item = rest.substr(0, semi);
    const std::size_t eq = item.find('=');
    if (eq != std::string_view::npos && item.substr(0, eq) == key) {
      std::string out;
      const std::string_view v = item.substr(eq + 1);
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '%' && i + 2 < v.size() && Hex(v[i + 1]) >= 0 && Hex(v[i + 2]) >= 0) {
          out.push_back(static_cast<char>(Hex(v[i + 1]) * 16 + Hex(v[i + 2])));
          i += 2;
        } else {
          out.push_back(v[i]);
        }
      }
      return out;
    }
    if (semi == std::string_view::npos) break;
    rest.remove_prefix(semi + 1);
  }
  return std::string();
}

}  // namespace starling::source::provider
