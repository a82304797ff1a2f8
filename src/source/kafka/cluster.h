// File: source/kafka/cluster.h
// What scale-out (dataflow/scale_out_runtime.h) needs of a Kafka cluster
// besides reading and writing records: a seat in a consumer group that
// hands this process its share of a topic's partitions without reading
// them, the latest value of every key of a (compacted) topic, and topics
// made with a given configuration. librdkafka stays behind this header.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace starling::source::kafka {

struct ClusterOptions {
  std::string brokers;   // bootstrap.servers
  std::string describe;  // the redacted spec, for errors
  std::chrono::milliseconds timeout{30000};
  // rdkafka.NAME=VALUE the user gave (security settings and the like).
  std::vector<std::pair<std::string, std::string>> properties;
};

// A member of consumer group `group` on `topic`, with cooperative
// rebalancing, that reads nothing: it learns which partitions are its to
// work on. Owned by one thread.
class GroupMember {
 public:
  // What changed, in the order it happened (a partition may be assigned
  // and revoked within one Poll). The group dropping this member (it was
  // away past its session) revokes every partition it held.
  struct Event {
    bool assigned = false;  // else revoked
    std::int32_t partition = 0;
  };
  struct Change {
    std::vector<Event> events;
  };
  // Unavailable when the brokers give no metadata of the topic in time;
  // NotFound when it does not exist.
  static Result<std::unique_ptr<GroupMember>> Open(const ClusterOptions& options,
                                                   const std::string& topic,
                                                   const std::string& group);
  ~GroupMember();  // leaves the group
  GroupMember(const GroupMember&) = delete;
  GroupMember& operator=(const GroupMember&) = delete;

  // Serves the group for up to `wait` and returns what changed since the
  // last call (usually nothing).
  Result<Change> Poll(std::chrono::milliseconds wait);
  // Called inside Poll with the partitions this member gives up in a
  // rebalance, before the group is told: the group hands them on only
  // once it returns, so their next owner starts after what it leaves
  // (the scale-out process publishes their state here). Not for
  // partitions lost (the member was away past its session: others may
  // hold them already); those come only as Poll's events. Revoked
  // partitions are in Poll's events too.
  void SetOnRevoke(std::function<void(const std::vector<std::int32_t>&)> on_revoke);
  // The topic's partitions when the member joined.
  const std::vector<std::int32_t>& partitions() const;
  std::uint64_t rebalances() const;

  struct Impl;

 private:
  explicit GroupMember(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The partitions of `topic` (Unavailable / NotFound as GroupMember::Open).
Result<std::vector<std::int32_t>> TopicPartitions(const ClusterOptions& options,
                                                  const std::string& topic);

// The last value of every key in `topic`, reading each partition from its
// start to the end it has now. A topic that does not exist is empty.
Result<std::map<std::string, std::string>> ReadLatestByKey(const ClusterOptions& options,
                                                           const std::string& topic);

// Creates `topic` with `partitions` and topic configuration `config`
// (cleanup.policy=compact, ...) unless it exists already.
Status EnsureTopic(const ClusterOptions& options, const std::string& topic, int partitions,
                   const std::vector<std::pair<std::string, std::string>>& config);

}  // namespace starling::source::kafka
