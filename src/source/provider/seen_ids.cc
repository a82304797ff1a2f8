// File: source/provider/seen_ids.cc
#include "source/provider/seen_ids.h"

#include <algorithm>

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

bool SeenIds::Insert(std::string_view id, std::int64_t time) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = set_.emplace(id);
  if (!fresh) return false;
  order_.push_back({std::string(id), time, ++seq_});
  if (order_.size() > capacity_) {
    set_.erase(order_.front().id);
    order_.pop_front();
  }
  return true;
}

bool SeenIds::Contains(std::string_view id) const {
  std::lock_guard lock(mu_);
  return set_.contains(std::string(id));
}

std::size_t SeenIds::size() const {
  std::lock_guard lock(mu_);
  return order_.size();
}

std::uint64_t SeenIds::inserted() const {
  std::lock_guard lock(mu_);
  return seq_;
}

std::string SeenIds::Save(std::uint64_t upto, std::size_t max, std::int64_t min_time) const {
  std::lock_guard lock(mu_);
  // The entries up to the mark: order_ is by seq, so from the back.
  std::size_t end = order_.size();
  while (end > 0 && order_[end - 1].seq > upto) --end;
  std::size_t begin = end > max ? end - max : 0;
  if (min_time > 0) {
    while (begin < end && order_[begin].time < min_time) ++begin;
  }
  std::string out;
  for (std::size_t i = begin; i < end; ++i) {
    if (!out.empty()) out.push_back(',');
    out += order_[i].id;
  }
  return out;
}

void SeenIds::Load(std::string_view saved, std::int64_t time) {
  while (!saved.empty()) {
    const std::size_t comma = saved.find(',');
    const std::string_view id = saved.substr(0, comma);
    if (!id.empty()) Insert(id, time);
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

std::string PositionToken::Seal(std::string_view token, const SeenIds& seen, std::size_t max,
                                std::int64_t min_time) {
  constexpr std::string_view kMark = ";upto=";
  const std::size_t at = token.find(kMark);
  if (at == std::string_view::npos) return std::string(token);
  const std::size_t from = at + kMark.size();
  const std::size_t end = std::min(token.find(';', from), token.size());
  std::uint64_t upto = 0;
  for (std::size_t i = from; i < end; ++i) {
    if (token[i] < '0' || token[i] > '9') return std::string(token);
    upto = upto * 10 + static_cast<std::uint64_t>(token[i] - '0');
  }
  return std::string(token.substr(0, at)) + ";ids=" + Escape(seen.Save(upto, max, min_time)) +
         std::string(token.substr(end));
}

}  // namespace starling::source::provider
