#include "dataflow/result_bus.h"

#include <mutex>

namespace starling::dataflow {

ResultBus::Subscription& ResultBus::Subscription::operator=(Subscription&& o) noexcept {
  if (this != &o) {
    Reset();
    bus_ = o.bus_;
    id_ = o.id_;
    o.bus_ = nullptr;
  }
  return *this;
}

ResultBus::Subscription::~Subscription() { Reset(); }

void ResultBus::Subscription::Reset() {
  if (bus_ != nullptr) bus_->Unsubscribe(id_);
  bus_ = nullptr;
}

ResultBus::Subscription ResultBus::Subscribe(Callback callback) {
  std::unique_lock lock(mu_);
  const std::uint64_t id = next_id_++;
  subscribers_.emplace(id, std::move(callback));
  return Subscription(this, id);
}

void ResultBus::Unsubscribe(std::uint64_t id) {
  std::unique_lock lock(mu_);  // waits for a Publish in flight
  subscribers_.erase(id);
}

void ResultBus::Publish(const model::WindowResult& result) {
  {
    std::lock_guard lock(recent_mu_);
    ++published_;
    auto& q = recent_[result.analysis];
    bool replaced = false;
    for (auto it = q.rbegin(); it != q.rend(); ++it) {
      if (it->window_start == result.window_start && it->window_end == result.window_end) {
        *it = result;
        replaced = true;
        break;
      }
    }
    if (!replaced) {
      q.push_back(result);
      while (q.size() > keep_) q.pop_front();
    }
  }
  std::shared_lock lock(mu_);
  for (const auto& [id, callback] : subscribers_) callback(result);
}

std::vector<model::WindowResult> ResultBus::Recent(std::string_view analysis, std::size_t n) const {
  std::lock_guard lock(recent_mu_);
  auto it = recent_.find(analysis);
  if (it == recent_.end()) return {};
  const auto& q = it->second;
  const std::size_t from = q.size() > n ? q.size() - n : 0;
  return {q.begin() + static_cast<std::ptrdiff_t>(from), q.end()};
}

std::vector<std::string> ResultBus::Analyses() const {
  std::lock_guard lock(recent_mu_);
  std::vector<std::string> out;
  for (const auto& [name, q] : recent_) out.push_back(name);
  return out;
}

std::uint64_t ResultBus::published() const {
  std::lock_guard lock(recent_mu_);
  return published_;
}

}  // namespace starling::dataflow
