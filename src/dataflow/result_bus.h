// File: dataflow/result_bus.h
// The in-process subscription API: window results fanned out to any number
// of subscribers (the dashboard's WebSocket sessions, tests, embedding code),
// plus the recent results of each analysis for a subscriber that joins late.
// Wire it with RunOptions::on_result = [&bus](const auto& r) { bus.Publish(r); }.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "model/window_result.h"

namespace starling::dataflow {

class ResultBus {
 public:
  using Callback = std::function<void(const model::WindowResult&)>;

  // Unsubscribes when destroyed; after the destructor returns the callback is
  // not running and will not run again. Must not be destroyed from inside
  // its own callback.
  class Subscription {
   public:
    Subscription() = default;
    Subscription(Subscription&& o) noexcept : bus_(o.bus_), id_(o.id_) { o.bus_ = nullptr; }
    Subscription& operator=(Subscription&& o) noexcept;
    ~Subscription();
    void Reset();

   private:
    friend class ResultBus;
    Subscription(ResultBus* bus, std::uint64_t id) : bus_(bus), id_(id) {}
    ResultBus* bus_ = nullptr;
    std::uint64_t id_ = 0;
  };

  // keep: recent results kept per analysis (a window emitted again replaces
  // its earlier result).
  explicit ResultBus(std::size_t keep = 120) : keep_(keep) {}

  // Any thread. The callback runs on the publishing thread (the engine's
  // collector): it must be quick and must not call back into the bus.
  [[nodiscard]] Subscription Subscribe(Callback callback);

  // Called by the engine for every emitted result, in emission order.
  void Publish(const model::WindowResult& result);

  // The most recent results of an analysis (oldest first), at most n.
  std::vector<model::WindowResult> Recent(std::string_view analysis, std::size_t n) const;
  // Names of the analyses seen so far.
  std::vector<std::string> Analyses() const;
  std::uint64_t published() const;

 private:
  void Unsubscribe(std::uint64_t id);

  std::size_t keep_;
  mutable std::shared_mutex mu_;  // shared while publishing to callbacks
  std::map<std::uint64_t, Callback> subscribers_;
  std::uint64_t next_id_ = 1;
  mutable std::mutex recent_mu_;
  std::map<std::string, std::deque<model::WindowResult>, std::less<>> recent_;
  std::uint64_t published_ = 0;
};

}  // namespace starling::dataflow
